// The built panel with many agents, without Home Assistant: a fake `hass` streams a snapshot
// of N agents on three nodes, then deltas like the integration's (heartbeats of every agent
// every 10 s, messages between agents, state changes, failures, spawns). Measures the frame
// rate in headless Chromium (SwiftShader: no GPU) and saves screenshots.
//
// Usage: node e2e/scene-perf.mjs [agents=200] [seconds=6]    (env ARTIFACTS, CHROMIUM)

import { createServer } from "node:http";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const AGENTS = Number(process.argv[2] ?? 200);
const SECONDS = Number(process.argv[3] ?? 6);
const [WIDTH, HEIGHT] = (process.argv[4] ?? "1280x800").split("x").map(Number);
// --no-webgl: Chromium without WebGL must fall back to the 2D list.
const NO_WEBGL = process.argv.includes("--no-webgl");
const ARTIFACTS = process.env.ARTIFACTS ?? "/tmp/wactorz-scene-perf";
mkdirSync(ARTIFACTS, { recursive: true });
const bundle = fileURLToPath(new URL("../../custom_components/wactorz/frontend/", import.meta.url));

const harness = `<!doctype html><html><head><meta charset="utf-8"><style>
  html, body { margin: 0; height: 100%; }
  body { --primary-background-color: #fafafa; --primary-color: #03a9f4; --card-background-color: #fff;
         --primary-text-color: #212121; --secondary-text-color: #727272; --divider-color: #e0e0e0; }
  body.dark { --primary-background-color: #111111; --card-background-color: #1c1c1c; --primary-text-color: #e1e1e1;
              --secondary-text-color: #9b9b9b; --divider-color: rgba(225,225,225,.12); }
</style></head><body><script type="module">
const N = ${AGENTS};
const nodes = ["home", "pi-kitchen", "pi-garage"];
const states = ["running", "running", "running", "running", "paused", "running", "failed", "stopped"];
const metrics = () => ({ messages_processed: 0, errors: 0, restarts: 0, queue_depth: 0, dropped: 0, expired: 0, uptime_s: 5 });
const agents = [];
for (let k = 0; k < N; k++) {
  agents.push({ k, id: "id" + k, name: k < 3 ? ["main", "monitor", "io"][k] : "agent-" + k, node: k < 3 ? "home" : nodes[k % 3],
    kind: k < 3 ? "system" : "worker", description: "", state: k < 3 ? "running" : states[k % states.length],
    protected: k < 3, metrics: metrics(), last_error: null });
}
let seq = 0, next = N;
const snapshot = () => ({ type: "snapshot", seq, t: Date.now() / 1000, entry_id: "x", node: "home", window_ms: 250,
  message_events: true, nodes: nodes.map((name, i) => ({ name, local: i === 0, online: true, agents: 0 })), agents });
window.__stats = { deltas: 0, bytes: 0 };
const connection = {
  subscribeMessage(cb, msg) {
    if (msg.type === "wactorz/chat") {
      setTimeout(() => { cb({ type: "start", agent: "main", correlation_id: "c" }); cb({ type: "chunk", text: "ok" });
        cb({ type: "end", agent: "main", correlation_id: "c", text: "ok", reply: { text: "ok" } }); }, 50);
      return Promise.resolve(async () => {});
    }
    setTimeout(() => cb(snapshot()), 10);
    let tick = 0;
    const timer = setInterval(() => {
      tick++;
      const live = agents.filter(Boolean);
      const pick = () => live[Math.floor(Math.random() * live.length)].k;
      const delta = { type: "delta", seq: ++seq, t: Date.now() / 1000, beats: [] };
      // Every agent beats every 10 s: a 40th of them per 250 ms window.
      for (const a of live) if ((a.k + tick) % 40 === 0) delta.beats.push(a.k);
      delta.messages = Array.from({ length: 4 }, () => [pick(), pick(), 1 + Math.floor(Math.random() * 3)]);
      if (tick % 8 === 0) { const k = pick(); if (k > 2) { const s = ["running", "paused", "failed"][tick % 3]; delta.agents = { [k]: { state: s } }; } }
      if (tick % 20 === 0) { const a = { ...agents[3], k: next, id: "id" + next, name: "agent-" + next, state: "running" }; agents[next++] = a; delta.added = [a]; }
      if (tick % 20 === 10) { const k = 3 + Math.floor(Math.random() * (next - 3)); if (agents[k]) { delete agents[k]; delta.removed = [k]; } }
      window.__stats.deltas++; window.__stats.bytes += JSON.stringify(delta).length;
      cb(delta);
    }, 250);
    return Promise.resolve(async () => clearInterval(timer));
  },
  sendMessagePromise: async (msg) => msg.type === "wactorz/agent/details"
    ? { ...agents.find((a) => a && a.name === msg.agent), mailbox_capacity: 1000, supervisor: "root", events: [], errors: [], cost: null }
    : { agent: msg.agent, state: "paused" },
};
const hass = { connection, callWS: (m) => connection.sendMessagePromise(m), user: { is_admin: true, name: "perf" },
  themes: { darkMode: false }, states: {} };
await import("./wactorz-panel.js");
const panel = document.createElement("wactorz-panel");
panel.hass = hass;
panel.narrow = false;
document.body.append(panel);
window.__panel = panel;
window.__setDark = (dark) => { document.body.classList.toggle("dark", dark); panel.hass = { ...hass, themes: { darkMode: dark } }; };
</script></body></html>`;

const types = { ".js": "text/javascript", ".html": "text/html", ".json": "application/json" };
const server = createServer((req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  if (path === "/favicon.ico") return res.writeHead(204).end();
  if (path === "/" || path === "/index.html") {
    res.writeHead(200, { "content-type": "text/html" }).end(harness);
    return;
  }
  const file = normalize(join(bundle, path));
  if (!file.startsWith(bundle)) return res.writeHead(403).end();
  let data;
  try {
    data = readFileSync(file);
  } catch {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(data);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--enable-unsafe-swiftshader", ...(NO_WEBGL ? ["--disable-3d-apis"] : [])],
});
let rc = 0;
try {
  const page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT } });
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
  await page.goto(url);
  if (NO_WEBGL) {
    await page.waitForFunction((n) => window.__panel?.sceneInfo().agents >= n, AGENTS, { timeout: 30000 });
    const info = await page.evaluate(() => window.__panel.sceneInfo());
    const note = await page.evaluate(() => window.__panel.shadowRoot.querySelector(".list-stage .note")?.textContent ?? "");
    await page.screenshot({ path: join(ARTIFACTS, `no-webgl-${AGENTS}.png`) });
    console.log(JSON.stringify({ renderer: info.renderer, rows: info.agents, note, page_errors: errors }));
    rc = info.renderer === "list" && /WebGL is not available/.test(note) && !errors.length ? 0 : 1;
    throw null; // done (skips the frame-rate part)
  }
  await page.waitForFunction((n) => window.__panel?.sceneInfo().agents >= n, AGENTS, { timeout: 30000 });
  const info0 = await page.evaluate(() => window.__panel.sceneInfo());
  await page.waitForTimeout(1000); // warm up (shader compilation)
  const before = await page.evaluate(() => ({ frames: window.__panel.sceneInfo().frames, t: performance.now(), heap: performance.memory?.usedJSHeapSize }));
  await page.waitForTimeout(SECONDS * 1000);
  const after = await page.evaluate(() => ({ frames: window.__panel.sceneInfo().frames, t: performance.now(), heap: performance.memory?.usedJSHeapSize, info: window.__panel.sceneInfo(), stats: window.__stats }));
  const fps = ((after.frames - before.frames) * 1000) / (after.t - before.t);
  await page.screenshot({ path: join(ARTIFACTS, `scene-${AGENTS}-${WIDTH}-light.png`) });
  await page.evaluate(() => window.__setDark(true));
  await page.waitForTimeout(800);
  const k = await page.evaluate(() => { const p = window.__panel; p.selectByName("agent-40"); return p.sceneInfo().selected; });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(ARTIFACTS, `scene-${AGENTS}-${WIDTH}-dark-selected.png`) });
  const result = {
    agents: AGENTS, renderer: info0.renderer, instances: after.info.agents, seconds: SECONDS, fps: Number(fps.toFixed(1)),
    viewport: `${WIDTH}x${HEIGHT}`, meshes_drawn: after.info.meshes, update_ms_per_frame: after.info.updateMs, render_ms_per_frame: after.info.renderMs,
    // (100 us timer resolution here; bench/panel_render.py measures with 5 us)
    update_ms_p50: Number(after.info.timings?.update.p50.toFixed(3)), update_ms_p99: Number(after.info.timings?.update.p99.toFixed(3)),
    comets_shown: after.info.comets, deltas: after.stats.deltas, selected: k, heap_growth_bytes: after.heap && before.heap ? after.heap - before.heap : null,
    page_errors: errors,
  };
  writeFileSync(join(ARTIFACTS, `scene-${AGENTS}-${WIDTH}.json`), JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result));
  if (errors.length || info0.renderer !== "webgl") rc = 1;
} catch (err) {
  if (err !== null) {
    console.error(err);
    rc = 1;
  }
} finally {
  await browser.close();
  server.close();
}
process.exit(rc);
