// Drives the render benchmark page in headless Chromium (playwright-core) and measures, per
// configuration, the CPU time of the scene's per-frame work and the JS heap it allocates.
//
// Usage (bench/panel_render.py builds the page and calls this):
//   node bench/panel-render.mjs BUNDLE_DIR '{"frames":600,"warmup":120,"configs":[...]}'
// Prints one JSON object on stdout.
//
// Per configuration, in a fresh page: warm-up frames (shaders compile, JIT settles), then a
// timing pass (no profiler attached: per-frame ms from the scene's FrameTimes ring), then an
// allocation pass over as many frames with V8's sampling heap profiler (CDP
// HeapProfiler.startSampling, objects collected by minor and major GCs included, so the
// samples estimate every byte allocated, not only what survives). Each sample is attributed
// by its stack: the frame path (under the scene's frame()) or the stream (deltas, structure
// rebuilds), and by the source file of the allocating function (the unminified bundle names
// each module with a `// path` line). Retained heap growth: Runtime.getHeapUsage after forced
// GCs before and after the allocation pass.

import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { chromium } from "playwright-core";

const [bundleDir, planText] = process.argv.slice(2);
const plan = JSON.parse(planText);
const SAMPLING_INTERVAL = plan.samplingInterval ?? 256;
// Small: SwiftShader rasterizes on the CPU, and our per-frame work does not depend on pixels.
const VIEWPORT = plan.viewport ?? { width: 480, height: 300 };
// Cross-origin isolation: performance.now() then resolves 5 us instead of 100 us.
const ISOLATED = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" };
const SCENE_FILES = new Set(["src/scene/agent-scene.ts", "bench/naive-scene.ts", "src/scene/label-pin.ts"]);
const STREAM_FUNCTIONS = new Set(["applyDelta", "applySnapshot", "sync", "rebuild", "delta"]);

const page_html = `<!doctype html><html><head><meta charset="utf-8"><style>
  html, body { margin: 0; height: 100%; background: #111; overflow: hidden; }
  #stage { position: relative; width: 100%; height: 100%; }
  .scene-stage, .scene-canvas { position: absolute; inset: 0; width: 100%; height: 100%; }
  .label-layer { position: absolute; inset: 0; pointer-events: none; }
  .agent-label, .node-label { position: absolute; left: 0; top: 0; font: 12px sans-serif; color: #ddd; }
</style></head><body><div id="stage"></div><script type="module" src="render-bench.js"></script></body></html>`;

// Which source module each line of the bundle belongs to.
const bundleLines = readFileSync(join(bundleDir, "render-bench.js"), "utf8").split("\n");
const moduleStarts = [];
bundleLines.forEach((line, index) => {
  const match = /^\/\/ (\S+\.(?:ts|js|mjs))$/.exec(line);
  if (match) moduleStarts.push([index, match[1].replace(/^(\.\.\/)+main\/frontend\//, "")]);
});
function moduleAt(line) {
  let lo = 0;
  let hi = moduleStarts.length - 1;
  let found = "(bundle)";
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (moduleStarts[mid][0] <= line) {
      found = moduleStarts[mid][1];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function origin(frame) {
  if (!frame.url.endsWith("render-bench.js")) return frame.url ? "other script" : "V8/native";
  const module = moduleAt(frame.lineNumber);
  if (module.includes("@babylonjs/core")) return "babylon";
  if (module.startsWith("src/") || module.startsWith("bench/")) return "ours";
  return "other script";
}

/** Attribute every sampled byte: frame path or stream or other; ours, babylon or native. */
function attribute(profile, frames) {
  const totals = { all: 0, frame_path: 0, stream: 0, other: 0 };
  const framePathBy = { ours: 0, babylon: 0, "V8/native": 0, "other script": 0 };
  const functions = new Map();
  const streamFunctions = new Map();
  // Name an allocation by its innermost frame in the bundle (ours or Babylon, not a V8 builtin).
  const name = (here, node) => {
    const named = [...here].reverse().find((f) => f.url.endsWith("render-bench.js")) ?? node.callFrame;
    return `${named.functionName || "(anonymous)"} ${moduleAt(named.lineNumber)}:${named.lineNumber + 1}`;
  };
  const visit = (node, stack) => {
    const here = [...stack, node.callFrame];
    if (node.selfSize > 0) {
      const inFrame = here.some((f) => f.functionName === "frame" && SCENE_FILES.has(moduleAt(f.lineNumber)) && f.url.endsWith("render-bench.js"));
      const inStream = !inFrame && here.some((f) => STREAM_FUNCTIONS.has(f.functionName));
      totals.all += node.selfSize;
      if (inFrame) {
        totals.frame_path += node.selfSize;
        const where = origin(node.callFrame);
        framePathBy[where] += node.selfSize;
        const key = name(here, node);
        functions.set(key, (functions.get(key) ?? 0) + node.selfSize);
      } else if (inStream) {
        totals.stream += node.selfSize;
        const key = name(here, node);
        streamFunctions.set(key, (streamFunctions.get(key) ?? 0) + node.selfSize);
      }
      else totals.other += node.selfSize;
    }
    for (const child of node.children ?? []) visit(child, here);
  };
  visit(profile.head, []);
  const perFrame = (bytes) => Math.round(bytes / frames);
  return {
    bytes_per_frame: perFrame(totals.all),
    frame_path_bytes_per_frame: perFrame(totals.frame_path),
    frame_path_by_origin: Object.fromEntries(Object.entries(framePathBy).map(([k, v]) => [k, perFrame(v)])),
    stream_bytes_per_frame: perFrame(totals.stream),
    other_bytes_per_frame: perFrame(totals.other),
    samples: profile.samples?.length ?? null,
    top_frame_path: top(functions, perFrame),
    top_stream: top(streamFunctions, perFrame),
  };
}

const types = { ".js": "text/javascript", ".html": "text/html" };
const server = createServer((req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  if (path === "/favicon.ico") return res.writeHead(204).end();
  if (path === "/") return res.writeHead(200, { "content-type": "text/html", ...ISOLATED }).end(page_html);
  const file = normalize(join(bundleDir, path));
  if (!file.startsWith(normalize(bundleDir))) return res.writeHead(403).end();
  let data;
  try {
    data = readFileSync(file);
  } catch {
    return res.writeHead(404).end();
  }
  res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream", ...ISOLATED }).end(data);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--enable-unsafe-swiftshader", ...(plan.jsFlags ? [`--js-flags=${plan.jsFlags}`] : []), ...(plan.chromiumArgs ?? [])],
});
const chromiumVersion = browser.version();
const results = [];
let failed = false;
try {
  for (const config of plan.configs) {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const errors = [];
    page.on("pageerror", (err) => errors.push(err.message));
    page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
    await page.goto(url);
    await page.waitForFunction(() => window.__wactorzBench !== undefined);
    if (!(await page.evaluate(() => window.crossOriginIsolated))) errors.push("page not cross-origin isolated (timer resolution 100 us)");
    await page.evaluate((c) => window.__wactorzBench.setup(c), config);
    await page.evaluate((n) => window.__wactorzBench.run(n), plan.warmup);
    const timing = await page.evaluate((n) => window.__wactorzBench.run(n), plan.frames);

    const cdp = await page.context().newCDPSession(page);
    await cdp.send("HeapProfiler.enable");
    await cdp.send("HeapProfiler.collectGarbage");
    const heapBefore = await cdp.send("Runtime.getHeapUsage");
    await cdp.send("HeapProfiler.startSampling", {
      samplingInterval: SAMPLING_INTERVAL,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    const sampled = await page.evaluate((n) => window.__wactorzBench.run(n), plan.frames);
    const { profile } = await cdp.send("HeapProfiler.stopSampling");
    await cdp.send("HeapProfiler.collectGarbage");
    const heapAfter = await cdp.send("Runtime.getHeapUsage");
    await page.screenshot({ path: join(plan.artifacts ?? "/tmp", `panel-render-${config.scene}-${config.agents}.png`) });
    await page.close();

    const t = timing.info.timings;
    results.push({
      config,
      frames: plan.frames,
      agents_drawn: timing.info.agents,
      meshes_drawn: timing.info.meshes,
      comets_launched: timing.info.comets,
      deltas: timing.deltas,
      wall_fps: Number(((plan.frames * 1000) / timing.wall_ms).toFixed(1)),
      update_ms: round(t.update),
      render_ms: round(t.render),
      allocation: {
        sampling_interval_bytes: SAMPLING_INTERVAL,
        frames: plan.frames,
        deltas: sampled.deltas,
        ...attribute(profile, plan.frames),
        retained_growth_bytes: heapAfter.usedSize - heapBefore.usedSize,
      },
      page_errors: errors,
    });
    if (errors.length) failed = true;
    process.stderr.write(`panel-render: ${config.scene} ${config.agents} agents: update p50 ${t.update.p50.toFixed(3)} ms\n`);
  }
} finally {
  await browser.close();
  server.close();
}

function top(functions, perFrame) {
  return [...functions.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([where, bytes]) => ({ where, bytes_per_frame: perFrame(bytes) }));
}

function round(summary) {
  const r = (x) => Number(x.toFixed(4));
  return { p50: r(summary.p50), p99: r(summary.p99), max: r(summary.max), mean: r(summary.mean), frames: summary.frames };
}

process.stdout.write(JSON.stringify({ chromium: chromiumVersion, results }) + "\n");
process.exit(failed ? 1 : 0);
