// The 2D view: agents as a list grouped by node. Used when WebGL is missing, or by choice.

import { OFFLINE_COLOR, STATE_LABELS, stateColor } from "../lib/colors";
import type { AgentState } from "../lib/protocol";
import type { AgentStore, StoreChange } from "../lib/store";
import { h } from "./dom";
import type { Stage, StageCallbacks, StageInfo, ThemeColors } from "./stage";

export class ListStage implements Stage {
  readonly kind = "list" as const;
  private readonly root: HTMLElement;
  private rows = new Map<number, HTMLElement>();
  private selected: number | null = null;
  private active = true;
  private dirty = true;

  constructor(
    container: HTMLElement,
    private readonly store: AgentStore,
    private readonly callbacks: StageCallbacks,
    private readonly reason = "",
  ) {
    this.root = h("div", { className: "list-stage", role: "list" });
    container.append(this.root);
    this.render();
  }

  sync(change: StoreChange): void {
    if (change.structural || change.reset) {
      this.dirty = true;
      if (this.active) this.render();
      return;
    }
    for (const k of change.changed) this.updateRow(k);
    if (this.active) for (const k of change.beats) this.beat(k);
  }

  select(k: number | null): void {
    if (this.selected !== null) this.rows.get(this.selected)?.classList.remove("selected");
    this.selected = k;
    if (k !== null) {
      const row = this.rows.get(k);
      row?.classList.add("selected");
      row?.scrollIntoView?.({ block: "nearest" });
    }
  }

  setActive(active: boolean): void {
    this.active = active;
    if (active && this.dirty) this.render();
  }

  setTheme(_theme: ThemeColors): void {
    // Plain CSS variables: follows the theme by itself.
  }

  resize(): void {}

  info(): StageInfo {
    return { renderer: "list", agents: this.rows.size, running: this.active, fps: 0, frames: 0, comets: 0 };
  }

  screenPosition(k: number): { x: number; y: number } | null {
    const row = this.rows.get(k);
    if (!row) return null;
    const box = row.getBoundingClientRect();
    const base = this.root.getBoundingClientRect();
    return { x: box.left - base.left + box.width / 2, y: box.top - base.top + box.height / 2 };
  }

  dispose(): void {
    this.root.remove();
    this.rows.clear();
  }

  private render(): void {
    this.dirty = false;
    this.rows.clear();
    const groups = new Map<string, HTMLElement[]>();
    for (const node of this.store.nodeList()) groups.set(node.name, []);
    for (const agent of this.store.list()) {
      const row = h(
        "button",
        {
          className: "agent-row",
          role: "listitem",
          type: "button",
          "data-agent": agent.name,
          onclick: () => this.callbacks.onSelect(agent.k),
        },
        h("span", { className: "dot" }),
        h("span", { className: "agent-name" }, agent.name),
        h("span", { className: "agent-kind" }, agent.remote ? `${agent.kind} · remote` : agent.kind),
        h("span", { className: "agent-state" }),
        h("span", { className: "agent-queue" }),
      );
      this.rows.set(agent.k, row);
      this.fill(row, agent.k);
      let group = groups.get(agent.node);
      if (!group) groups.set(agent.node, (group = []));
      group.push(row);
    }
    const sections = [...groups.entries()].map(([name, rows]) => {
      const node = this.store.nodes.get(name);
      const local = name === this.store.localNode;
      const offline = node?.online === false;
      return h(
        "section",
        { className: `node-group${offline ? " offline" : ""}`, "data-node": name, "data-online": String(!offline) },
        h(
          "h3",
          {},
          name,
          local ? " (this Home Assistant)" : " (edge node)",
          offline ? h("span", { className: "node-offline" }, " · offline") : null,
        ),
        rows.length ? rows : h("p", { className: "muted" }, offline ? "Offline: no agents reported." : "No agents."),
      );
    });
    const notes = this.reason ? [h("p", { className: "note" }, this.reason)] : [];
    this.root.replaceChildren(...notes, ...sections);
    if (this.selected !== null) this.select(this.selected);
  }

  private updateRow(k: number): void {
    const row = this.rows.get(k);
    if (row) this.fill(row, k);
  }

  private fill(row: HTMLElement, k: number): void {
    const agent = this.store.get(k);
    if (!agent) return;
    const offline = this.store.isOffline(agent);
    (row.querySelector(".dot") as HTMLElement).style.background = offline ? OFFLINE_COLOR : stateColor(agent.state);
    const label = STATE_LABELS[agent.state as AgentState] ?? agent.state;
    row.querySelector(".agent-state")!.textContent = offline ? `${label} · offline` : label;
    row.querySelector(".agent-queue")!.textContent = agent.metrics.queue_depth ? `${agent.metrics.queue_depth} queued` : "";
    row.dataset.state = agent.state;
    row.dataset.online = String(!offline);
    row.classList.toggle("offline", offline);
  }

  private beat(k: number): void {
    const dot = this.rows.get(k)?.querySelector(".dot");
    if (!dot) return;
    dot.classList.remove("beat");
    // Restart the CSS animation.
    void (dot as HTMLElement).offsetWidth;
    dot.classList.add("beat");
  }
}
