// <wactorz-panel>: the sidebar panel. Home Assistant's ha-panel-custom sets `hass` (a new
// object on every state change), `narrow`, `route` and `panel`. Nothing is rebuilt on a
// new `hass`: the live model follows the websocket stream, the views follow the model.

import { WactorzClient } from "../lib/client";
import { OFFLINE_COLOR, STATE_COLORS, STATE_LABELS, luminance, parseColor, type RGB } from "../lib/colors";
import { errorMessage, type Hass, type HassPanelInfo } from "../lib/hass";
import { LiveModel, type LiveStatus } from "../lib/live";
import type { AgentState, ControlAction } from "../lib/protocol";
import type { StoreChange } from "../lib/store";
import { CONTROL_TEXT, REMOTE_STOP_TEXT, type ConfirmOptions, type PanelContext } from "./context";
import { confirmDialog, showToast } from "./dialog";
import { h, icon, iconOr } from "./dom";
import { AgentDrawer } from "./drawer";
import { FeedView } from "./feed";
import { IOBar } from "./iobar";
import { ListStage } from "./list-view";
import type { Stage, StageInfo, ThemeColors } from "./stage";
import { PANEL_CSS } from "./styles";

const VIEW_KEY = "wactorz.view";
const FEED_KEY = "wactorz.feed";

export function webglAvailable(): boolean {
  try {
    const canvas = document.createElement("canvas");
    return Boolean(canvas.getContext("webgl2") || canvas.getContext("webgl"));
  } catch {
    return false;
  }
}

function readSetting(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeSetting(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Not kept: fine.
  }
}

export class WactorzPanel extends HTMLElement implements PanelContext {
  private _hass: Hass | null = null;
  private _narrow = false;
  private _panel: HassPanelInfo | null = null;
  private readonly live = new LiveModel();
  private wsClient: WactorzClient | null = null;
  private readonly shadow: ShadowRoot;
  private built = false;
  private stage: Stage | null = null;
  private stageKind: "webgl" | "list" | null = null;
  private stageLoading: Promise<void> | null = null;
  private stageHost!: HTMLElement;
  private overlay!: HTMLElement;
  private countsEl!: HTMLElement;
  private statusEl!: HTMLElement;
  private viewButton!: HTMLButtonElement;
  private feedButton!: HTMLButtonElement;
  private drawer!: AgentDrawer;
  private feed!: FeedView;
  private iobar!: IOBar;
  private selectedK: number | null = null;
  private unsubscribeStore: (() => void) | null = null;
  private unsubscribeStatus: (() => void) | null = null;
  private intersection: IntersectionObserver | null = null;
  private intersecting = true;
  private connectedNow = false;
  private darkMode: boolean | undefined = undefined;
  private themeName: unknown = undefined;
  private countsFrame = 0;
  private readonly onVisibility = () => this.updateActive();
  private readonly onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape" && this.selectedK !== null) this.select(null);
  };

  constructor() {
    super();
    this.shadow = this.attachShadow({ mode: "open" });
  }

  get store() {
    return this.live.store;
  }

  // -- properties set by Home Assistant ------------------------------------------------
  set hass(hass: Hass) {
    const first = this._hass === null;
    const connectionChanged = this._hass?.connection !== hass.connection;
    this._hass = hass;
    if (!this.wsClient) this.wsClient = new WactorzClient(hass);
    else this.wsClient.setHass(hass);
    if (first || connectionChanged) {
      if (this.connectedNow) void this.live.connect(this.wsClient);
    }
    const dark = hass.themes?.darkMode;
    if (dark !== this.darkMode || hass.selectedTheme !== this.themeName) {
      this.darkMode = dark;
      this.themeName = hass.selectedTheme;
      // Home Assistant applies the theme's variables in the same frame: read them after.
      requestAnimationFrame(() => this.applyTheme());
    }
  }

  get hass(): Hass {
    return this._hass as Hass;
  }

  set narrow(narrow: boolean) {
    this._narrow = Boolean(narrow);
    this.toggleAttribute("narrow", this._narrow);
    requestAnimationFrame(() => this.stage?.resize());
  }

  get narrow(): boolean {
    return this._narrow;
  }

  set panel(panel: HassPanelInfo) {
    this._panel = panel;
  }

  get panel(): HassPanelInfo | null {
    return this._panel;
  }

  set route(_route: unknown) {
    // One page: nothing to route.
  }

  // -- lifecycle -----------------------------------------------------------------------
  connectedCallback(): void {
    this.connectedNow = true;
    if (!this.built) this.build();
    this.unsubscribeStore ??= this.store.subscribe((change) => this.onStoreChange(change));
    this.unsubscribeStatus ??= this.live.onStatus((status) => this.onStatus(status));
    document.addEventListener("visibilitychange", this.onVisibility);
    this.addEventListener("keydown", this.onKeyDown);
    if (typeof IntersectionObserver !== "undefined") {
      this.intersection = new IntersectionObserver((entries) => {
        this.intersecting = entries[entries.length - 1]?.isIntersecting ?? true;
        this.updateActive();
      });
      this.intersection.observe(this);
    }
    if (this.wsClient && !this.live.connected) void this.live.connect(this.wsClient);
    void this.ensureStage();
    this.updateActive();
  }

  disconnectedCallback(): void {
    this.connectedNow = false;
    document.removeEventListener("visibilitychange", this.onVisibility);
    this.removeEventListener("keydown", this.onKeyDown);
    this.intersection?.disconnect();
    this.intersection = null;
    this.updateActive();
    // Home Assistant keeps a panel element around when you switch panels: stop the
    // stream (it resubscribes with a fresh snapshot when the panel is shown again).
    void this.live.disconnect();
  }

  private updateActive(): void {
    const active = this.connectedNow && this.intersecting && document.visibilityState !== "hidden";
    this.live.setVisible(active);
    this.stage?.setActive(active);
  }

  // -- building ------------------------------------------------------------------------
  private build(): void {
    this.built = true;
    const style = document.createElement("style");
    style.textContent = PANEL_CSS;
    const menu = h("button", { type: "button", className: "icon-button menu-button", "aria-label": "Menu" }, iconOr("mdi:menu", "☰"));
    menu.addEventListener("click", () =>
      this.dispatchEvent(new CustomEvent("hass-toggle-menu", { bubbles: true, composed: true })),
    );
    this.countsEl = h("div", { className: "counts", "aria-live": "polite" });
    this.statusEl = h("span", { className: "status-pill", hidden: true });
    this.viewButton = h("button", { type: "button", className: "icon-button", "data-action": "view" });
    this.viewButton.addEventListener("click", () => this.toggleView());
    this.feedButton = h("button", { type: "button", className: "icon-button", "aria-label": "Activity", "data-action": "feed" }, icon("mdi:format-list-bulleted"), "Activity");
    this.feedButton.addEventListener("click", () => this.toggleFeed());
    const header = h("header", {}, menu, h("h1", {}, "Wactorz"), this.countsEl, this.statusEl, this.viewButton, this.feedButton);

    this.stageHost = h("div", { className: "stage" });
    this.overlay = h("div", { className: "overlay-message" }, "Connecting…");
    this.feed = new FeedView(this);
    const feedHidden = readSetting(FEED_KEY) === "hidden" || (readSetting(FEED_KEY) === null && this._narrow);
    this.feed.el.hidden = feedHidden;
    this.feedButton.setAttribute("aria-pressed", String(!feedHidden));
    this.stageHost.append(this.overlay, this.feed.el);
    this.drawer = new AgentDrawer(this);
    this.iobar = new IOBar(this);
    const main = h("div", { className: "main" }, this.stageHost, this.drawer.el);
    this.shadow.append(style, h("div", { className: "layout" }, header, main, this.iobar.el));
    this.renderCounts();
  }

  private wantedView(): "webgl" | "list" {
    const chosen = readSetting(VIEW_KEY);
    return chosen === "list" ? "list" : "webgl";
  }

  private async ensureStage(): Promise<void> {
    if (this.stageLoading) return this.stageLoading;
    const wanted = this.wantedView();
    if (this.stage && this.stageKind === wanted) return;
    this.stageLoading = (async () => {
      this.stage?.dispose();
      this.stage = null;
      let reason = "";
      if (wanted === "webgl") {
        if (webglAvailable()) {
          try {
            const { AgentScene } = await import("../scene/agent-scene");
            this.stage = new AgentScene(this.stageHost, this.store, { onSelect: (k) => this.select(k) });
          } catch (err) {
            console.error("Wactorz: the 3D view failed to start", err);
            reason = `The 3D view failed to start (${errorMessage(err)}): showing the list.`;
          }
        } else {
          reason = "WebGL is not available in this browser: showing the list.";
        }
      }
      if (!this.stage) this.stage = new ListStage(this.stageHost, this.store, { onSelect: (k) => this.select(k) }, reason);
      this.stageKind = this.stage.kind;
      this.stageHost.append(this.feed.el); // keep the feed above the stage
      this.viewButton.replaceChildren(
        icon(this.stage.kind === "webgl" ? "mdi:format-list-text" : "mdi:cube-outline"),
        this.stage.kind === "webgl" ? "List" : "3D",
      );
      this.viewButton.setAttribute("aria-label", this.stage.kind === "webgl" ? "Show the list" : "Show the 3D view");
      // Nothing to switch to without WebGL.
      this.viewButton.hidden = this.stage.kind === "list" && wanted === "webgl";
      this.stage.sync({ structural: true, changed: new Set(this.store.agents.keys()), beats: [], feed: [], reset: true });
      if (this.selectedK !== null) this.stage.select(this.selectedK);
      this.applyTheme();
      this.updateActive();
    })();
    try {
      await this.stageLoading;
    } finally {
      this.stageLoading = null;
    }
  }

  private toggleView(): void {
    writeSetting(VIEW_KEY, this.stageKind === "webgl" ? "list" : "webgl");
    void this.ensureStage();
  }

  private toggleFeed(): void {
    this.feed.el.hidden = !this.feed.el.hidden;
    this.feedButton.setAttribute("aria-pressed", String(!this.feed.el.hidden));
    writeSetting(FEED_KEY, this.feed.el.hidden ? "hidden" : "shown");
  }

  private readTheme(): ThemeColors {
    const style = getComputedStyle(this);
    const color = (name: string, fallback: string): RGB =>
      parseColor(style.getPropertyValue(name)) ?? (parseColor(fallback) as RGB);
    const background = color("--primary-background-color", "#fafafa");
    return {
      dark: this._hass?.themes?.darkMode ?? luminance(background) < 0.25,
      background,
      card: color("--card-background-color", "#ffffff"),
      text: color("--primary-text-color", "#212121"),
      secondaryText: color("--secondary-text-color", "#727272"),
      divider: color("--divider-color", "#e0e0e0"),
      primary: color("--primary-color", "#03a9f4"),
    };
  }

  private applyTheme(): void {
    if (this.stage) this.stage.setTheme(this.readTheme());
  }

  // -- model ---------------------------------------------------------------------------
  private onStoreChange(change: StoreChange): void {
    this.stage?.sync(change);
    this.drawer.update(change);
    this.feed.update(change);
    if (change.structural || change.changed.size || change.reset) this.scheduleCounts();
    if (change.reset) this.onStatus(this.live.status);
  }

  private scheduleCounts(): void {
    if (this.countsFrame) return;
    this.countsFrame = requestAnimationFrame(() => {
      this.countsFrame = 0;
      this.renderCounts();
    });
  }

  private renderCounts(): void {
    const counts = this.store.counts();
    const parts: HTMLElement[] = [];
    for (const state of ["running", "paused", "failed", "stopped", "created"] as AgentState[]) {
      if (!counts[state] && state !== "running") continue;
      const dot = h("span", { className: "dot" });
      dot.style.background = STATE_COLORS[state];
      parts.push(
        h("span", { className: "count", "data-state": state }, dot, String(counts[state]), h("span", { className: "label" }, ` ${STATE_LABELS[state].toLowerCase()}`)),
      );
    }
    if (counts.offline) {
      const dot = h("span", { className: "dot" });
      dot.style.background = OFFLINE_COLOR;
      parts.push(
        h("span", { className: "count", "data-state": "offline" }, dot, String(counts.offline), h("span", { className: "label" }, " offline")),
      );
    }
    this.countsEl.replaceChildren(...parts);
    this.countsEl.dataset.total = String(counts.total);
  }

  private onStatus(status: LiveStatus): void {
    const messages: Record<LiveStatus, string> = {
      idle: "",
      connecting: "Connecting…",
      live: "",
      unavailable: "Wactorz is not loaded. Set it up (or wait for it to reload) under Settings > Devices & services.",
      error: `Cannot follow the agents: ${this.live.error}`,
    };
    const message = status === "live" && this.store.agents.size === 0 ? "No agents." : messages[status];
    this.overlay.textContent = message;
    this.overlay.hidden = !message;
    this.statusEl.hidden = status === "live" || status === "idle";
    this.statusEl.textContent = status === "connecting" ? "connecting" : status;
    this.statusEl.classList.toggle("error", status === "error" || status === "unavailable");
    this.renderCounts();
  }

  // -- PanelContext --------------------------------------------------------------------
  client(): WactorzClient | null {
    return this.wsClient;
  }

  isAdmin(): boolean {
    return Boolean(this._hass?.user?.is_admin);
  }

  select(k: number | null): void {
    if (k !== null && !this.store.get(k)) k = null;
    this.selectedK = k;
    this.stage?.select(k);
    if (k === null) this.drawer.hide();
    else this.drawer.show(k);
    requestAnimationFrame(() => this.stage?.resize());
  }

  selectByName(name: string): boolean {
    const agent = this.store.byName(name.replace(/^@/, "").toLowerCase()) ?? this.store.byName(name.replace(/^@/, ""));
    if (!agent) return false;
    this.select(agent.k);
    return true;
  }

  confirm(options: ConfirmOptions): Promise<boolean> {
    return confirmDialog(this.shadow, options);
  }

  toast(message: string, kind: "error" | "info" = "error"): void {
    showToast(this.shadow, message, kind);
  }

  async control(agent: string, action: ControlAction, ask = true): Promise<boolean> {
    const client = this.wsClient;
    if (!client) return false;
    if (ask) {
      const remote = this.store.byName(agent);
      const node = remote?.remote ? remote.node : null;
      const text = node !== null && action === "stop" ? REMOTE_STOP_TEXT : CONTROL_TEXT[action];
      const ok = await this.confirm({
        ...text,
        title: text.title.replace("{name}", agent).replaceAll("{node}", node ?? ""),
        text: text.text.replaceAll("{node}", node ?? ""),
      });
      if (!ok) return false;
    }
    try {
      await client.control(agent, action);
      return true;
    } catch (err) {
      this.toast(`${agent}: ${errorMessage(err)}`);
      return false;
    }
  }

  // -- for tests and diagnostics -------------------------------------------------------
  /** What the view draws: renderer, agent instances, whether frames run. */
  sceneInfo(): StageInfo & { status: LiveStatus; storeAgents: number; deltas: number; selected: string | null } {
    const info = this.stage?.info() ?? { renderer: "list", agents: 0, running: false, fps: 0, frames: 0, comets: 0 };
    return {
      ...info,
      status: this.live.status,
      storeAgents: this.store.agents.size,
      deltas: this.live.deltasReceived,
      selected: this.selectedK === null ? null : (this.store.get(this.selectedK)?.name ?? null),
    };
  }

  /** Where an agent is on screen (CSS px relative to the stage). */
  agentScreenPosition(name: string): { x: number; y: number } | null {
    const agent = this.store.byName(name);
    return agent && this.stage ? this.stage.screenPosition(agent.k) : null;
  }
}
