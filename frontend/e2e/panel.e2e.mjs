// Browser checks of the Wactorz panel and card against a running Home Assistant.
// Started by tests/e2e/run_panel_e2e.py (which boots HA, onboards it and sets the env):
//   HA_URL, HA_USER, HA_PASSWORD (admin), HA_USER2, HA_PASSWORD2 (non-admin),
//   HA_DASHBOARD (a dashboard with the card), ARTIFACTS (screenshots), CHROMIUM.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run tests/e2e/run_panel_e2e.py)`);
  return value;
};
const URL_BASE = env("HA_URL");
const ARTIFACTS = env("ARTIFACTS");
mkdirSync(ARTIFACTS, { recursive: true });

const started = Date.now();
const results = [];
const log = (message) => console.log(`[browser ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);

async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true, ms: Date.now() - t0 });
    log(`ok   ${name}`);
  } catch (err) {
    results.push({ name, ok: false, ms: Date.now() - t0, error: String(err?.stack ?? err) });
    log(`FAIL ${name}: ${err?.message ?? err}`);
    throw err;
  }
}

async function until(what, fn, timeout = 15000, interval = 100) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)?.slice(0, 300)})`);
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const browser = await chromium.launch({
  executablePath: env("CHROMIUM"),
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-unsafe-swiftshader",
  ],
});

const pageErrors = [];
const otherErrors = [];
const pagesByUser = new Map();
async function loggedIn(user, password, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  // Our errors fail the run; Home Assistant's own (e.g. admin-only calls of its frontend for a
  // non-admin user) are only logged.
  page.on("pageerror", (err) => {
    const text = `${user}: ${err.message}\n${err.stack ?? ""}`;
    if (/wactorz_static|wactorz-(panel|card)/.test(err.stack ?? "")) pageErrors.push(text);
    else otherErrors.push(text);
  });
  // Unhandled rejections of plain objects (websocket errors) show up as "Object": keep what they were.
  await page.addInitScript(() => {
    window.__rejections = [];
    window.addEventListener("unhandledrejection", (event) => {
      let reason;
      try {
        reason = JSON.stringify(event.reason);
      } catch {
        reason = String(event.reason);
      }
      window.__rejections.push(`${reason} ${event.reason?.stack ?? ""}`);
    });
  });
  pagesByUser.set(user, page);
  page.on("console", (msg) => {
    if (msg.type() === "error" && /wactorz/i.test(msg.text())) pageErrors.push(`${user} console: ${msg.text()}`);
  });
  await page.goto(`${URL_BASE}/`, { waitUntil: "domcontentloaded" });
  await page.locator("input[autocomplete=username]").fill(user);
  await page.locator("input[autocomplete=current-password]").fill(password);
  await page.locator("input[autocomplete=current-password]").press("Enter");
  await page.waitForURL((url) => !url.pathname.startsWith("/auth"), { timeout: 30000 });
  await page.locator("home-assistant-main").waitFor({ state: "attached", timeout: 30000 });
  return { context, page };
}

const sceneInfo = (page) => page.locator("wactorz-panel").evaluate((el) => el.sceneInfo());
const entityState = (page, entityId) =>
  page.evaluate((id) => document.querySelector("home-assistant")?.hass?.states[id]?.state ?? null, entityId);

async function openPanel(page) {
  await page.goto(`${URL_BASE}/wactorz`, { waitUntil: "domcontentloaded" });
  await page.locator("wactorz-panel").waitFor({ state: "attached", timeout: 30000 });
  return until("the agents in the panel", async () => {
    const info = await sceneInfo(page);
    return info.storeAgents >= 3 && info.agents >= 3 && info.status === "live" ? info : false;
  }, 30000);
}

let exitCode = 0;
try {
  // ---- admin -------------------------------------------------------------------------
  const { page } = await loggedIn(env("HA_USER"), env("HA_PASSWORD"));

  await check("sidebar has the Wactorz panel", async () => {
    await until("sidebar item", async () => (await page.locator('ha-sidebar a[href="/wactorz"]').count()) > 0, 20000);
  });

  let info;
  await check("panel shows main, monitor and io in the 3D scene", async () => {
    info = await openPanel(page);
    assert(info.renderer === "webgl", `renderer ${info.renderer}`);
    // main, monitor and io (and any other built-in agent): one thin instance each.
    assert(info.agents === info.storeAgents, `scene has ${info.agents} instances for ${info.storeAgents} agents`);
    await until("frames drawn", async () => (await sceneInfo(page)).frames > 5);
    const labels = await page.locator("wactorz-panel .agent-label").allTextContents();
    for (const name of ["main", "monitor", "io"]) assert(labels.includes(name), `no label ${name} in ${labels}`);
    const total = await page.locator("wactorz-panel .counts").getAttribute("data-total");
    assert(total === String(info.storeAgents), `header count ${total}`);
  });

  await check("a heartbeat delta arrives", async () => {
    const before = (await sceneInfo(page)).deltas;
    await until("a delta", async () => (await sceneInfo(page)).deltas > before, 15000);
  });

  await page.screenshot({ path: join(ARTIFACTS, "01-panel-3d.png") });

  await check("clicking an agent in the scene selects it and opens the drawer", async () => {
    const canvas = page.locator("wactorz-panel canvas.scene-canvas");
    const box = await canvas.boundingBox();
    const at = await page.locator("wactorz-panel").evaluate((el) => el.agentScreenPosition("monitor"));
    assert(at && box, "no screen position for monitor");
    await page.mouse.click(box.x + at.x, box.y + at.y);
    await until("monitor selected", async () => (await sceneInfo(page)).selected === "monitor", 5000);
    await page.locator("wactorz-panel .drawer h2[data-agent=monitor]").waitFor({ timeout: 5000 });
    await page.locator('wactorz-panel .drawer[data-loaded="true"]').waitFor({ timeout: 8000 });
    const cost = await page.locator("wactorz-panel .drawer [data-field=cost]").textContent();
    assert(/No cost data yet/.test(cost ?? ""), `cost placeholder: ${cost}`);
  });

  await check("pause from the drawer asks first, then the entity shows paused", async () => {
    await page.locator("wactorz-panel .drawer button[data-action=pause]").click();
    const dialog = page.locator("wactorz-panel .dialog");
    await dialog.waitFor({ timeout: 3000 });
    assert(/Pause monitor\?/.test((await dialog.textContent()) ?? ""), "dialog text");
    // Cancel first: nothing happens.
    await page.locator("wactorz-panel .dialog button[data-action=cancel]").click();
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert((await entityState(page, "sensor.monitor_state")) === "running", "cancel paused it anyway");
    await page.locator("wactorz-panel .drawer button[data-action=pause]").click();
    await page.locator("wactorz-panel .dialog button[data-action=confirm]").click();
    await until("sensor.monitor_state paused", async () => (await entityState(page, "sensor.monitor_state")) === "paused", 8000);
    await page.locator('wactorz-panel .drawer .badge.state[data-state="paused"]').waitFor({ timeout: 5000 });
    await page.locator('wactorz-panel .feed-item[data-kind="status"]').first().waitFor({ timeout: 5000 });
  });

  await page.screenshot({ path: join(ARTIFACTS, "02-drawer-paused.png") });

  await check("resume from the drawer", async () => {
    await page.locator("wactorz-panel .drawer button[data-action=resume]").click();
    await page.locator("wactorz-panel .dialog button[data-action=confirm]").click();
    await until("sensor.monitor_state running", async () => (await entityState(page, "sensor.monitor_state")) === "running", 8000);
  });

  await check("protected agents cannot be stopped or deleted from the drawer", async () => {
    assert(await page.locator("wactorz-panel .drawer button[data-action=stop]").isDisabled(), "stop enabled");
    assert(await page.locator("wactorz-panel .drawer button[data-action=delete]").isDisabled(), "delete enabled");
  });

  await check("@ autocomplete offers agent names", async () => {
    const input = page.locator("wactorz-panel #wz-input");
    await input.click();
    await input.fill("");
    await input.pressSequentially("@mo");
    await page.locator('wactorz-panel .suggestions li[data-value="monitor"]').waitFor({ timeout: 3000 });
    await input.press("Tab");
    assert((await input.inputValue()) === "@monitor ", `completed to ${await input.inputValue()}`);
    await input.fill("");
  });

  await check("/agents in the IO bar gets main's reply", async () => {
    const input = page.locator("wactorz-panel #wz-input");
    await input.fill("/agents");
    await input.press("Enter");
    const reply = page.locator("wactorz-panel .transcript li.agent[data-done=true]").last();
    await reply.waitFor({ timeout: 10000 });
    const text = (await reply.textContent()) ?? "";
    for (const line of ["@main: running", "@monitor: running", "@io: running"]) assert(text.includes(line), `reply: ${text}`);
  });

  await check("@monitor message gets the monitor's own reply", async () => {
    const input = page.locator("wactorz-panel #wz-input");
    await input.fill("@monitor health");
    await input.press("Enter");
    const reply = page.locator("wactorz-panel .transcript li.agent[data-done=true]").last();
    await until("monitor reply", async () => /"agents":\s*\d+/.test((await reply.textContent()) ?? ""), 10000);
    assert(((await reply.locator(".from").textContent()) ?? "") === "@monitor", "reply not from @monitor");
    // History: up brings the last line back.
    await input.press("ArrowUp");
    assert((await input.inputValue()) === "@monitor health", "history up");
    await input.fill("");
  });

  await page.screenshot({ path: join(ARTIFACTS, "03-chat.png") });

  await check("rendering stops while the panel is hidden", async () => {
    const panel = page.locator("wactorz-panel");
    await panel.evaluate((el) => (el.style.display = "none"));
    await until("render loop stopped", async () => (await sceneInfo(page)).running === false, 3000);
    const frames = (await sceneInfo(page)).frames;
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert((await sceneInfo(page)).frames === frames, "frames drawn while hidden");
    await panel.evaluate((el) => (el.style.display = ""));
    await until("render loop again", async () => (await sceneInfo(page)).running === true, 3000);
  });

  await check("rendering stops while the browser tab is hidden", async () => {
    // Headless Chromium keeps every tab visible (bringToFront and minimizing change nothing):
    // the document says "hidden" and fires visibilitychange, as a browser does for a background tab.
    const setHidden = (hidden) =>
      page.evaluate((h) => {
        if (h) Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
        else delete document.visibilityState;
        document.dispatchEvent(new Event("visibilitychange"));
      }, hidden);
    await setHidden(true);
    await until("render loop stopped", async () => (await sceneInfo(page)).running === false, 3000);
    const frames = (await sceneInfo(page)).frames;
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert((await sceneInfo(page)).frames === frames, "frames drawn while the tab is hidden");
    await setHidden(false);
    await until("render loop again", async () => (await sceneInfo(page)).running === true, 3000);
  });

  await check("rendering stops while the panel is detached (another sidebar panel is open)", async () => {
    // Home Assistant takes the panel element out of the document when another panel opens and
    // puts it back when you return: the stream is dropped and a fresh snapshot comes back.
    const panel = await page.locator("wactorz-panel").elementHandle();
    await panel.evaluate((el) => {
      window.__wactorzPanelParent = el.parentNode;
      el.remove();
    });
    const detached = () => panel.evaluate((el) => el.sceneInfo());
    await until("render loop stopped", async () => (await detached()).running === false, 3000);
    const stopped = await detached();
    assert(stopped.status === "idle", `stream still ${stopped.status} while detached`);
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert((await detached()).frames === stopped.frames, "frames drawn while detached");
    await panel.evaluate((el) => window.__wactorzPanelParent.append(el));
    await until("render loop and stream again", async () => {
      const again = await sceneInfo(page);
      return again.running && again.status === "live" && again.frames > stopped.frames && again.agents === again.storeAgents;
    }, 10000);
  });

  await check("the 2D list view shows the agents", async () => {
    await page.locator("wactorz-panel button[data-action=view]").click();
    await until("list rows", async () => (await page.locator("wactorz-panel .agent-row").count()) === info.storeAgents, 5000);
    const names = await page.locator("wactorz-panel .agent-row .agent-name").allTextContents();
    assert(["main", "monitor", "io"].every((n) => names.includes(n)), `rows ${names}`);
    await page.screenshot({ path: join(ARTIFACTS, "04-list-view.png") });
    await page.locator("wactorz-panel button[data-action=view]").click();
    await until("back to 3D", async () => (await sceneInfo(page)).renderer === "webgl", 10000);
  });

  await check("the card renders on a dashboard and answers", async () => {
    await page.goto(`${URL_BASE}/${env("HA_DASHBOARD")}/agents`, { waitUntil: "domcontentloaded" });
    // The card shows at most max_agents rows (8 by default) and a "+N more" line for the rest.
    const shown = Math.min(info.storeAgents, 8);
    await until("card rows", async () => (await page.locator("wactorz-card li.agent").count()) === shown, 30000);
    if (info.storeAgents > shown) {
      const more = await page.locator("wactorz-card li.more").textContent();
      assert(more?.trim() === `+${info.storeAgents - shown} more`, `more line: ${more}`);
    }
    const input = page.locator("wactorz-card input[name=message]");
    await input.fill("/agents");
    await input.press("Enter");
    await until("card reply", async () => /@io: running/.test((await page.locator("wactorz-card .reply").textContent()) ?? ""), 10000);
    await page.screenshot({ path: join(ARTIFACTS, "05-card.png") });
  });

  await check("the card is in the card picker list (window.customCards)", async () => {
    const found = await page.evaluate(() => (window.customCards ?? []).some((c) => c.type === "wactorz-card"));
    assert(found, "no customCards entry");
  });

  // ---- non-admin, dark theme, phone-sized ---------------------------------------------
  const viewer = await loggedIn(env("HA_USER2"), env("HA_PASSWORD2"), {
    viewport: { width: 390, height: 844 },
    colorScheme: "dark",
    isMobile: true,
    hasTouch: true,
  });
  await check("a non-admin sees the agents but no control buttons", async () => {
    await openPanel(viewer.page);
    await viewer.page.locator('wactorz-panel .agent-label[data-agent="io"]').click();
    await viewer.page.locator("wactorz-panel .drawer h2[data-agent=io]").waitFor({ timeout: 5000 });
    await viewer.page.locator("wactorz-panel .drawer [data-field=no-controls]").waitFor({ timeout: 5000 });
    assert((await viewer.page.locator("wactorz-panel .drawer button[data-action]:not([data-action=close])").count()) === 0, "controls shown");
    assert(await viewer.page.locator("wactorz-panel").evaluate((el) => el.hasAttribute("narrow")), "not narrow");
    await viewer.page.screenshot({ path: join(ARTIFACTS, "06-viewer-narrow-dark.png") });
  });

  await check("a forged control message from a non-admin is refused", async () => {
    const code = await viewer.page.evaluate(() =>
      document
        .querySelector("home-assistant")
        .hass.connection.sendMessagePromise({ type: "wactorz/agents/control", agent: "io", action: "pause" })
        .then(
          () => "accepted",
          (err) => err.code,
        ),
    );
    assert(code === "unauthorized", `forged control: ${code}`);
    assert((await entityState(viewer.page, "sensor.io_state")) === "running", "io was paused");
  });

  for (const [user, p] of pagesByUser) {
    const rejections = await p.evaluate(() => window.__rejections ?? []).catch(() => []);
    for (const reason of rejections) otherErrors.push(`${user} unhandled rejection: ${reason}`);
  }
  assert(pageErrors.length === 0, `errors in the page: ${pageErrors.join("\n")}`);
} catch (err) {
  exitCode = 1;
  console.error(err);
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    for (const [i, p] of pages.entries()) await p.screenshot({ path: join(ARTIFACTS, `failure-${i}.png`) });
  } catch {
    // best effort
  }
} finally {
  if (pageErrors.length) console.error(`page errors:\n  ${pageErrors.join("\n  ")}`);
  if (otherErrors.length) console.log(`other page errors (not ours, ignored):\n  ${otherErrors.join("\n  ")}`);
  writeFileSync(join(ARTIFACTS, "results.json"), JSON.stringify({ results, pageErrors, otherErrors, seconds: (Date.now() - started) / 1000 }, null, 2));
  await browser.close();
  const passed = results.filter((r) => r.ok).length;
  console.log(`${passed} passed, ${results.length - passed} failed`);
}
process.exit(exitCode);
