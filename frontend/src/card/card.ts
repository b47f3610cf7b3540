// <wactorz-card>: a compact dashboard card with the agents' states and an ask box.
// Loaded on every dashboard by the integration (frontend.add_extra_js_url), so it is small:
// no Babylon.js, shared code only.

import { WactorzClient } from "../lib/client";
import { OFFLINE_COLOR, STATE_COLORS, STATE_LABELS } from "../lib/colors";
import { errorMessage, type Hass } from "../lib/hass";
import { LiveModel } from "../lib/live";
import type { AgentState, ChatEvent } from "../lib/protocol";
import { h } from "../panel/dom";

export interface WactorzCardConfig {
  type: string;
  title?: string;
  agents?: string[];
  max_agents?: number;
  show_ask?: boolean;
}

const CARD_CSS = `
:host { display: block; }
ha-card { display: block; height: 100%; overflow: hidden; }
.card { padding: 12px 16px 16px; color: var(--primary-text-color); font-size: 14px; }
.head { display: flex; align-items: baseline; gap: 8px; margin-bottom: 8px; }
.title { font-size: 18px; font-weight: 500; flex: 1; cursor: pointer; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.summary { color: var(--secondary-text-color); font-size: 12px; white-space: nowrap; }
ul { list-style: none; margin: 0; padding: 0; }
li.agent { display: flex; align-items: center; gap: 8px; padding: 4px 0; border-bottom: 1px solid var(--divider-color, rgba(0,0,0,.08)); }
li.agent:last-child { border-bottom: none; }
li.agent.offline { opacity: .6; }
.card-dot { width: 10px; height: 10px; border-radius: 50%; flex: none; }
.name { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.state { color: var(--secondary-text-color); font-size: 12px; }
.more, .empty { color: var(--secondary-text-color); font-size: 12px; padding-top: 4px; }
form { display: flex; gap: 8px; margin-top: 12px; }
input {
  flex: 1; min-width: 0; height: 36px; padding: 0 12px; border-radius: 18px; font: inherit; color: inherit; outline: none;
  border: 1px solid var(--divider-color, rgba(0,0,0,.2)); background: var(--primary-background-color, transparent);
}
input:focus { border-color: var(--primary-color); }
button { font: inherit; border: none; border-radius: 18px; padding: 0 14px; cursor: pointer; background: var(--primary-color); color: var(--text-primary-color, #fff); }
.reply { margin-top: 8px; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 13px; max-height: 160px; overflow-y: auto; }
.reply.error { color: var(--error-color, #db4437); }
.reply .from { font-weight: 500; color: var(--primary-color); margin-right: 6px; }
`;

export class WactorzCard extends HTMLElement {
  private config: WactorzCardConfig = { type: "custom:wactorz-card" };
  private _hass: Hass | null = null;
  private client: WactorzClient | null = null;
  private readonly live = new LiveModel();
  private readonly shadow: ShadowRoot;
  private listEl!: HTMLElement;
  private titleEl!: HTMLElement;
  private summaryEl!: HTMLElement;
  private replyEl!: HTMLElement;
  private formEl!: HTMLFormElement;
  private built = false;
  private connected = false;
  private unsubscribe: (() => void) | null = null;
  private frame = 0;

  static getConfigElement(): HTMLElement {
    return document.createElement("wactorz-card-editor");
  }

  static getStubConfig(): Partial<WactorzCardConfig> {
    return { title: "Agents", show_ask: true, max_agents: 8 };
  }

  constructor() {
    super();
    this.shadow = this.attachShadow({ mode: "open" });
  }

  setConfig(config: WactorzCardConfig): void {
    if (!config || typeof config !== "object") throw new Error("Invalid configuration");
    if (config.agents !== undefined && !Array.isArray(config.agents)) throw new Error("agents must be a list of agent names");
    if (config.max_agents !== undefined && (!Number.isInteger(config.max_agents) || config.max_agents < 1)) {
      throw new Error("max_agents must be a whole number of at least 1");
    }
    this.config = { ...config };
    if (this.built) this.render();
  }

  set hass(hass: Hass) {
    const changed = this._hass?.connection !== hass.connection;
    this._hass = hass;
    if (!this.client) this.client = new WactorzClient(hass);
    else this.client.setHass(hass);
    if (changed && this.connected) void this.live.connect(this.client);
  }

  getCardSize(): number {
    return 2 + Math.min(this.live.store.agents.size || 3, this.config.max_agents ?? 8) / 2;
  }

  getGridOptions(): Record<string, number> {
    return { columns: 6, rows: 4, min_rows: 2, min_columns: 4 };
  }

  connectedCallback(): void {
    this.connected = true;
    if (!this.built) this.build();
    this.unsubscribe ??= this.live.store.subscribe(() => this.scheduleRender());
    if (this.client && !this.live.connected) void this.live.connect(this.client);
    this.render();
  }

  disconnectedCallback(): void {
    this.connected = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    void this.live.disconnect();
  }

  private build(): void {
    this.built = true;
    const style = document.createElement("style");
    style.textContent = CARD_CSS;
    this.titleEl = h("div", { className: "title", role: "link", tabindex: "0" });
    this.titleEl.addEventListener("click", () => {
      history.pushState(null, "", "/wactorz");
      window.dispatchEvent(new CustomEvent("location-changed", { detail: { replace: false } }));
    });
    this.summaryEl = h("div", { className: "summary" });
    this.listEl = h("ul", { "aria-label": "Agents" });
    const input = h("input", { type: "text", name: "message", placeholder: "Ask main, or @agent …", "aria-label": "Ask an agent", autocomplete: "off" });
    this.formEl = h("form", {}, input, h("button", { type: "submit" }, "Ask"));
    this.formEl.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (text) {
        input.value = "";
        void this.ask(text);
      }
    });
    this.replyEl = h("div", { className: "reply", "aria-live": "polite" });
    const card = document.createElement("ha-card");
    card.append(h("div", { className: "card" }, h("div", { className: "head" }, this.titleEl, this.summaryEl), this.listEl, this.formEl, this.replyEl));
    this.shadow.append(style, card);
  }

  private scheduleRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    if (!this.built) return;
    const store = this.live.store;
    this.titleEl.textContent = this.config.title ?? "Wactorz";
    this.formEl.hidden = this.config.show_ask === false;
    let agents = store.list();
    if (this.config.agents?.length) {
      const wanted = new Set(this.config.agents.map((name) => name.replace(/^@/, "").toLowerCase()));
      agents = agents.filter((agent) => wanted.has(agent.name));
    }
    const max = this.config.max_agents ?? 8;
    const counts = store.counts();
    this.summaryEl.textContent = store.available
      ? `${counts.running} of ${counts.total} running${counts.failed ? `, ${counts.failed} failed` : ""}${counts.offline ? `, ${counts.offline} offline` : ""}`
      : "";
    const rows: HTMLElement[] = agents.slice(0, max).map((agent) => {
      const offline = store.isOffline(agent);
      const dot = h("span", { className: "card-dot" });
      dot.style.background = offline ? OFFLINE_COLOR : (STATE_COLORS[agent.state as AgentState] ?? "#9e9e9e");
      const label = STATE_LABELS[agent.state as AgentState] ?? agent.state;
      return h(
        "li",
        {
          className: `agent${offline ? " offline" : ""}`,
          "data-agent": agent.name,
          "data-state": agent.state,
          "data-online": String(!offline),
        },
        dot,
        h("span", { className: "name" }, agent.remote ? `${agent.name} @${agent.node}` : agent.name),
        h("span", { className: "state" }, offline ? `${label} · offline` : label),
      );
    });
    if (agents.length > max) rows.push(h("li", { className: "more" }, `+${agents.length - max} more`));
    if (!rows.length) {
      const message =
        this.live.status === "unavailable"
          ? "Wactorz is not loaded."
          : this.live.status === "error"
            ? `Cannot follow the agents: ${this.live.error}`
            : store.available
              ? "No agents."
              : "Connecting…";
      rows.push(h("li", { className: "empty" }, message));
    }
    this.listEl.replaceChildren(...rows);
  }

  private async ask(text: string): Promise<void> {
    if (!this.client) return;
    const from = h("span", { className: "from" }, "");
    const body = h("span", { className: "text" }, "…");
    this.replyEl.className = "reply";
    this.replyEl.replaceChildren(from, body);
    let received = "";
    const onEvent = (event: ChatEvent) => {
      if (event.type === "start") from.textContent = `@${event.agent}`;
      else if (event.type === "chunk") body.textContent = received += event.text;
      else if (event.type === "end") {
        body.textContent = event.text;
        this.replyEl.dataset.done = "true";
      } else if (event.type === "error") {
        this.replyEl.className = "reply error";
        body.textContent = event.message;
      }
    };
    try {
      delete this.replyEl.dataset.done;
      await this.client.chat(text, onEvent);
    } catch (err) {
      this.replyEl.className = "reply error";
      body.textContent = errorMessage(err);
    }
  }
}

export class WactorzCardEditor extends HTMLElement {
  private config: WactorzCardConfig = { type: "custom:wactorz-card" };
  private readonly shadow: ShadowRoot;
  private rendered = false;

  constructor() {
    super();
    this.shadow = this.attachShadow({ mode: "open" });
  }

  set hass(_hass: Hass) {
    // Not needed: the editor edits plain fields.
  }

  setConfig(config: WactorzCardConfig): void {
    this.config = { ...config };
    if (!this.rendered) this.render();
    else this.fill();
  }

  private render(): void {
    this.rendered = true;
    const style = document.createElement("style");
    style.textContent = `
      label { display: flex; flex-direction: column; gap: 4px; margin: 0 0 12px; font-size: 14px; color: var(--primary-text-color); }
      label.check { flex-direction: row; align-items: center; gap: 8px; }
      input[type=text], input[type=number] { height: 36px; padding: 0 10px; border-radius: 6px; font: inherit; color: inherit;
        border: 1px solid var(--divider-color, rgba(0,0,0,.2)); background: var(--card-background-color, transparent); }
      small { color: var(--secondary-text-color); }`;
    const field = (label: string, input: HTMLInputElement, help = "") =>
      h("label", { className: input.type === "checkbox" ? "check" : "" }, input.type === "checkbox" ? input : label, input.type === "checkbox" ? label : input, help ? h("small", {}, help) : null);
    const title = h("input", { type: "text", name: "title" });
    const agents = h("input", { type: "text", name: "agents" });
    const max = h("input", { type: "number", name: "max_agents", min: "1", step: "1" });
    const ask = h("input", { type: "checkbox", name: "show_ask" });
    for (const input of [title, agents, max, ask]) input.addEventListener("change", () => this.changed());
    this.shadow.append(
      style,
      field("Title", title),
      field("Agents", agents, "Names separated by commas; empty shows every agent."),
      field("Rows", max),
      field("Show the ask box", ask),
    );
    this.fill();
  }

  private input(name: string): HTMLInputElement {
    return this.shadow.querySelector(`input[name=${name}]`) as HTMLInputElement;
  }

  private fill(): void {
    this.input("title").value = this.config.title ?? "";
    this.input("agents").value = (this.config.agents ?? []).join(", ");
    this.input("max_agents").value = String(this.config.max_agents ?? 8);
    this.input("show_ask").checked = this.config.show_ask !== false;
  }

  private changed(): void {
    const config: WactorzCardConfig = { ...this.config, type: this.config.type || "custom:wactorz-card" };
    const title = this.input("title").value.trim();
    if (title) config.title = title;
    else delete config.title;
    const agents = this.input("agents")
      .value.split(",")
      .map((name) => name.trim())
      .filter(Boolean);
    if (agents.length) config.agents = agents;
    else delete config.agents;
    const max = Number.parseInt(this.input("max_agents").value, 10);
    if (Number.isInteger(max) && max >= 1) config.max_agents = max;
    config.show_ask = this.input("show_ask").checked;
    this.config = config;
    this.dispatchEvent(new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }));
  }
}
