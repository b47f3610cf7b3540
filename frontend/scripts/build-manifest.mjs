// After `vite build`: record what the bundle was built from, and report its size.
//
// custom_components/wactorz/frontend/build-manifest.json holds a hash of the sources (the
// same algorithm as tests/package/test_frontend_bundle.py, which fails when the committed
// bundle is stale) and the size and hash of every built file.

import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = fileURLToPath(new URL("../../custom_components/wactorz/frontend", import.meta.url));

// What the bundle is built from. Keep in step with SOURCE_FILES / SOURCE_DIRS in the test.
export const SOURCE_FILES = ["package.json", "package-lock.json", "tsconfig.json", "vite.config.ts", "scripts/build-manifest.mjs"];
export const SOURCE_DIRS = ["src"];

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

const sha256 = (data) => createHash("sha256").update(data).digest("hex");
// Line endings do not change the bundle: hash text with LF only.
const normalized = (path) => Buffer.from(readFileSync(path).toString("binary").replaceAll("\r\n", "\n"), "binary");

export function sourcesHash() {
  const files = [...SOURCE_FILES.map((file) => join(root, file)), ...SOURCE_DIRS.flatMap((dir) => walk(join(root, dir)))];
  const lines = files
    .map((path) => [relative(root, path).split(sep).join("/"), path])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, path]) => `${name}\0${sha256(normalized(path))}\n`);
  return sha256(lines.join(""));
}

const files = {};
for (const path of walk(outDir).sort()) {
  const name = relative(outDir, path).split(sep).join("/");
  if (name === "build-manifest.json") continue;
  const data = readFileSync(path);
  files[name] = { bytes: data.length, gzip_bytes: gzipSync(data, { level: 9 }).length, sha256: sha256(data) };
}
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
const manifest = {
  comment: "Written by frontend/scripts/build-manifest.mjs (npm run build). Do not edit.",
  sources_sha256: sourcesHash(),
  babylonjs: lock.packages["node_modules/@babylonjs/core"]?.version ?? null,
  files,
};
writeFileSync(join(outDir, "build-manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
let total = 0;
let totalGzip = 0;
console.log("\nWactorz frontend bundle (custom_components/wactorz/frontend):");
for (const [name, info] of Object.entries(files)) {
  total += info.bytes;
  totalGzip += info.gzip_bytes;
  console.log(`  ${name.padEnd(52)} ${kb(info.bytes).padStart(11)}  gzip ${kb(info.gzip_bytes).padStart(10)}`);
}
console.log(`  ${"total".padEnd(52)} ${kb(total).padStart(11)}  gzip ${kb(totalGzip).padStart(10)}`);
console.log(`  sources sha256 ${manifest.sources_sha256}`);
