// Builds the render benchmark's page script (bench/render-bench.ts: AgentScene and the naive
// baseline) into BENCH_OUT, unminified so that allocation samples name our functions and the
// `//#region <source>` comments attribute each line to its source file. Never committed.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const outDir = process.env.BENCH_OUT;
if (!outDir) throw new Error("set BENCH_OUT to the output directory");

export default defineConfig({
  base: "./",
  publicDir: false,
  logLevel: "warn",
  build: {
    outDir,
    emptyOutDir: true,
    target: "es2022",
    minify: false,
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 8192,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: { "render-bench": fileURLToPath(new URL("render-bench.ts", import.meta.url)) },
      output: { format: "es", entryFileNames: "[name].js", chunkFileNames: "[name].js", codeSplitting: false },
    },
  },
});
