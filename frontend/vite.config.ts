// Builds the panel and the card as ES modules into the integration's frontend/ folder.
// Entry files keep fixed names (Home Assistant loads them by URL, with ?v=<sources hash>);
// shared code and Babylon.js go into content-hashed chunks, loaded relative to the entry.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const outDir = fileURLToPath(new URL("../custom_components/wactorz/frontend", import.meta.url));

export default defineConfig({
  base: "./",
  publicDir: false,
  build: {
    outDir,
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false, // scripts/build-manifest.mjs reports sizes
    chunkSizeWarningLimit: 2048,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: {
        "wactorz-panel": fileURLToPath(new URL("src/panel/index.ts", import.meta.url)),
        "wactorz-card": fileURLToPath(new URL("src/card/index.ts", import.meta.url)),
      },
      output: {
        format: "es",
        entryFileNames: "[name].js",
        chunkFileNames: "chunks/[name]-[hash].js",
        assetFileNames: "chunks/[name]-[hash][extname]",
      },
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
