// The side drawer of the selected agent: state, metrics, cost, recent events and errors,
// and (for administrators) controls with confirmation.

import { STATE_LABELS, stateColor } from "../lib/colors";
import { describeFeedItem } from "../lib/feedtext";
import { errorMessage } from "../lib/hass";
import type { AgentDetails, AgentState, ControlAction } from "../lib/protocol";
import { agentActions, type SceneAgent, type StoreChange } from "../lib/store";
import type { PanelContext } from "./context";
import { formatDuration, formatTime, h, icon } from "./dom";

const REFRESH_MS = 5000;

export class AgentDrawer {
  readonly el: HTMLElement;
  private k: number | null = null;
  private details: AgentDetails | null = null;
  private detailsError = "";
  private upload: { busy: boolean; text: string; error: boolean } = { busy: false, text: "", error: false };
  private timer: ReturnType<typeof setInterval> | null = null;
  private pending: ReturnType<typeof setTimeout> | null = null;
  private loading = 0;

  constructor(private readonly ctx: PanelContext) {
    this.el = h("aside", { className: "drawer", hidden: true, "aria-label": "Agent details" });
  }

  get selected(): number | null {
    return this.k;
  }

  show(k: number): void {
    if (this.k !== k) {
      this.details = null;
      this.detailsError = "";
    }
    this.k = k;
    this.el.hidden = false;
    this.render();
    void this.load();
    if (this.timer === null) this.timer = setInterval(() => void this.load(), REFRESH_MS);
  }

  hide(): void {
    this.k = null;
    this.details = null;
    this.el.hidden = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  update(change: StoreChange): void {
    if (this.k === null) return;
    if (!this.ctx.store.get(this.k)) {
      if (change.reset || change.structural) this.ctx.select(null);
      return;
    }
    if (change.changed.has(this.k)) {
      this.render();
      // Events and errors come with details: fetch them soon after a change.
      if (this.pending === null) {
        this.pending = setTimeout(() => {
          this.pending = null;
          void this.load();
        }, 300);
      }
    }
  }

  dispose(): void {
    this.hide();
    if (this.pending !== null) clearTimeout(this.pending);
  }

  private async load(): Promise<void> {
    const k = this.k;
    const agent = k === null ? undefined : this.ctx.store.get(k);
    const client = this.ctx.client();
    if (!agent || !client) return;
    const ticket = ++this.loading;
    try {
      const details = await client.details(agent.name);
      if (ticket !== this.loading || this.k !== k) return;
      this.details = details;
      this.detailsError = "";
    } catch (err) {
      if (ticket !== this.loading || this.k !== k) return;
      this.detailsError = errorMessage(err);
    }
    this.render();
  }

  private render(): void {
    const agent = this.k === null ? undefined : this.ctx.store.get(this.k);
    if (!agent) {
      this.el.replaceChildren();
      return;
    }
    const details = this.details && this.details.id === agent.id ? this.details : null;
    const state = agent.state as AgentState;
    const close = h("button", { type: "button", className: "icon-button", "aria-label": "Close", "data-action": "close" }, "✕");
    close.addEventListener("click", () => this.ctx.select(null));
    const stateBadge = h("span", { className: "badge state", "data-state": state }, STATE_LABELS[state] ?? state);
    stateBadge.style.background = stateColor(state);
    const offline = this.ctx.store.isOffline(agent);
    const parts: (Node | null)[] = [
      h("div", { className: "drawer-head" }, h("h2", { "data-agent": agent.name }, agent.name), close),
      h(
        "div",
        { className: "badges" },
        stateBadge,
        offline
          ? h("span", { className: "badge offline", "data-field": "offline", title: "Its node does not answer: the state is what it reported last" }, "offline")
          : null,
        h("span", { className: "badge" }, agent.kind),
        h("span", { className: "badge", "data-field": "node" }, agent.remote ? `on node ${agent.node} (remote)` : `node ${agent.node}`),
        agent.protected ? h("span", { className: "badge", title: "A system agent: it cannot be stopped or deleted" }, "protected") : null,
      ),
      agent.description ? h("p", {}, agent.description) : null,
      h("p", { className: "muted" }, agent.id),
      this.controls(agent, details),
      this.manualUpload(agent),
      agent.remote ? this.remoteNode(agent, details) : null,
      h("h3", {}, "Metrics"),
      this.metrics(agent, details),
      h("h3", {}, "Cost"),
      details?.cost
        ? h(
            "p",
            { "data-field": "cost" },
            `${details.cost.currency === "USD" ? "$" : ""}${details.cost.total.toFixed(4)}${details.cost.currency === "USD" ? "" : ` ${details.cost.currency}`}` +
              ` · ${details.cost.calls} calls · ${details.cost.tokens_in.toLocaleString()} tokens in, ${details.cost.tokens_out.toLocaleString()} out` +
              (details.cost.unknown_cost_requests ? ` · ${details.cost.unknown_cost_requests} of unknown price` : ""),
          )
        : h("p", { className: "muted", "data-field": "cost" }, "No cost data yet: no language model usage is reported for this agent."),
      this.lastError(agent, details),
      h("h3", {}, "Recent errors"),
      this.errors(details),
      h("h3", {}, "Recent events"),
      this.events(details),
      this.detailsError ? h("p", { className: "muted" }, `Details unavailable: ${this.detailsError}`) : null,
    ];
    this.el.replaceChildren(...parts.filter((part): part is Node => part !== null));
    this.el.dataset.loaded = String(details !== null);
  }

  /** The manual agent (admins): upload a PDF, which it indexes for questions. */
  private manualUpload(agent: SceneAgent): HTMLElement | null {
    if (agent.kind !== "manual" || !this.ctx.isAdmin()) return null;
    const input = h("input", { type: "file", accept: "application/pdf,.pdf", "data-field": "manual-file", disabled: this.upload.busy });
    input.addEventListener("change", () => {
      const file = input.files?.[0];
      const client = this.ctx.client();
      if (!file || !client) return;
      this.upload = { busy: true, text: `Uploading ${file.name}…`, error: false };
      this.render();
      client
        .uploadManual(file)
        .then((text) => {
          this.upload = { busy: false, text, error: false };
        })
        .catch((err: unknown) => {
          this.upload = { busy: false, text: errorMessage(err), error: true };
        })
        .finally(() => this.render());
    });
    return h(
      "div",
      { className: "manual-upload" },
      h("h3", {}, "Upload a manual (PDF)"),
      input,
      this.upload.text
        ? h("p", { className: this.upload.error ? "error" : "muted", "data-field": "manual-upload-status" }, this.upload.text)
        : null,
    );
  }

  private controls(agent: SceneAgent, details: AgentDetails | null): HTMLElement {
    if (!this.ctx.isAdmin()) {
      return h("p", { className: "muted", "data-field": "no-controls" }, "Only administrators can control agents.");
    }
    // What applies to this agent; the server's own list (with details) has the last word.
    const allowed = new Set(agentActions(agent).filter((action) => !details?.actions || details.actions.includes(action)));
    const button = (action: ControlAction, label: string, iconName: string, disabled = false, title = "") => {
      if (!allowed.has(action)) return null;
      const el = h(
        "button",
        {
          type: "button",
          className: `control${action === "stop" || action === "delete" ? " danger" : ""}`,
          "data-action": action,
          disabled,
          title: title || null,
        },
        icon(iconName),
        label,
      );
      el.addEventListener("click", () => void this.ctx.control(agent.name, action, true));
      return el;
    };
    if (agent.remote) {
      return h(
        "div",
        { className: "controls" },
        button("stop", `Stop on ${agent.node}`, "mdi:stop", false, `Home Assistant takes it out of ${agent.node}'s agents; the node stops it`),
        h("p", { className: "muted", "data-field": "remote-controls" }, `It runs on ${agent.node}: pause, resume and restart happen there, not here.`),
      );
    }
    const protectedTitle = "A system agent: it cannot be stopped or deleted";
    return h(
      "div",
      { className: "controls" },
      agent.state === "paused"
        ? button("resume", "Resume", "mdi:play")
        : button("pause", "Pause", "mdi:pause", agent.state !== "running"),
      button("restart", "Restart", "mdi:restart"),
      button("stop", "Stop", "mdi:stop", agent.protected || agent.state === "stopped", agent.protected ? protectedTitle : ""),
      button("delete", "Delete", "mdi:delete", agent.protected, agent.protected ? protectedTitle : ""),
    );
  }

  /** A remote agent's node: reachable or not, its last heartbeat, what it refused lately. */
  private remoteNode(agent: SceneAgent, details: AgentDetails | null): HTMLElement {
    const node = details?.remote_node;
    const online = node ? node.online : this.ctx.store.nodes.get(agent.node)?.online !== false;
    const rows: [string, string][] = [
      ["Node", agent.node],
      ["Node state", online ? "online" : `offline${node?.status_reason ? ` (${node.status_reason})` : ""}`],
      ["Node heartbeat", node?.last_heartbeat ? formatTime(node.last_heartbeat) : "–"],
    ];
    if (node?.version) rows.push(["Runner", node.version]);
    if (node?.errors) rows.push(["Refused messages", String(node.errors)]);
    if (details && details.present === false) rows.push(["Listed by the node", "no (stopped or gone)"]);
    return h(
      "div",
      { className: "remote-node", "data-field": "remote-node", "data-online": String(online) },
      h("h3", {}, "Node"),
      h("dl", { className: "metrics" }, rows.flatMap(([name, value]) => [h("dt", {}, name), h("dd", {}, value)])),
    );
  }

  private metrics(agent: SceneAgent, details: AgentDetails | null): HTMLElement {
    const m = agent.metrics;
    const rows: [string, string][] = [
      ["Messages processed", String(m.messages_processed)],
      ["Errors", String(m.errors)],
      ["Restarts", String(m.restarts)],
      ["Queue", details?.mailbox_capacity ? `${m.queue_depth} / ${details.mailbox_capacity}` : String(m.queue_depth)],
      ["Dropped", String(m.dropped)],
      ["Expired asks", String(m.expired)],
      ["Uptime", formatDuration(details?.metrics.uptime_s ?? m.uptime_s)],
      ["Last heartbeat", Number.isFinite(agent.lastBeat) ? `${Math.round((performance.now() - agent.lastBeat) / 1000)} s ago` : "–"],
    ];
    if (details?.supervisor) rows.push(["Supervisor", details.supervisor]);
    return h("dl", { className: "metrics" }, rows.flatMap(([name, value]) => [h("dt", {}, name), h("dd", {}, value)]));
  }

  private lastError(agent: SceneAgent, details: AgentDetails | null): HTMLElement | null {
    const error = details?.last_error ?? agent.last_error;
    if (!error) return null;
    return h(
      "div",
      { className: "last-error" },
      h("h3", {}, "Last error"),
      // (a remote agent's last error comes without a time or a type: the node's heartbeat has none)
      h(
        "p",
        { className: "events" },
        `${error.at ? `${formatTime(error.at)} · ` : ""}${error.phase}: ${error.type ? `${error.type}: ` : ""}${error.message}`,
      ),
      error.traceback ? h("details", { className: "trace" }, h("summary", {}, "Traceback"), h("pre", {}, error.traceback)) : null,
    );
  }

  private errors(details: AgentDetails | null): HTMLElement {
    if (!details) return h("p", { className: "muted" }, "Loading…");
    if (!details.errors.length) return h("p", { className: "muted" }, "No errors.");
    return h(
      "ul",
      { className: "events", "data-field": "errors" },
      [...details.errors].reverse().map((item) => h("li", { className: "error" }, `${formatTime(item.t)} · ${describeFeedItem(item).text}`)),
    );
  }

  private events(details: AgentDetails | null): HTMLElement {
    if (!details) return h("p", { className: "muted" }, "Loading…");
    if (!details.events.length) return h("p", { className: "muted" }, "Nothing yet.");
    return h(
      "ul",
      { className: "events", "data-field": "events" },
      [...details.events].reverse().map((item) => {
        const line = describeFeedItem(item);
        return h("li", { className: line.level === "error" ? "error" : "" }, `${formatTime(item.t)} · ${item.kind}: ${line.text}`);
      }),
    );
  }
}
