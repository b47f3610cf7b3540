// The state of the agent world: a snapshot plus deltas in, a scene model out.
//
// Plain TypeScript (no DOM, no Babylon): the panel's scene, the 2D list, the drawer, the
// activity feed and the card all read this model; vitest tests it without a browser.

import { computeLayout, type Vec3 } from "./layout";
import type {
  AgentChange,
  AgentInfo,
  AgentState,
  ControlAction,
  DeltaEvent,
  FeedItem,
  NodeInfo,
  SnapshotEvent,
} from "./protocol";

export interface SceneAgent extends AgentInfo {
  /** Runs on an edge node (Home Assistant only sees its heartbeats). */
  remote: boolean;
  /** What the server last said of its reachability (local agents: always true). */
  online: boolean;
  /** Where the layout puts the agent (the scene moves it there smoothly). */
  position: Vec3;
  /** Time (ms, the caller's clock) of the last heartbeat; -Infinity before the first. */
  lastBeat: number;
  /** Time it joined after the snapshot (spawn effect); -Infinity for agents of the snapshot. */
  spawnedAt: number;
  /** Time it last went to failed; -Infinity if never seen failing. */
  failedAt: number;
}

export interface SceneNode extends NodeInfo {
  center: Vec3;
  radius: number;
}

export type EffectType = "spawn" | "fail" | "beat" | "state" | "remove";

export interface Effect {
  type: EffectType;
  k: number;
  at: number;
  /** Where it happened (for removals: where the agent was). */
  position: Vec3;
}

export interface CometRequest {
  from: number;
  to: number;
  count: number;
  at: number;
}

export interface StoreChange {
  /** Agents added or removed, or the layout moved. */
  structural: boolean;
  /** Keys of agents whose state, metrics or error changed. */
  changed: Set<number>;
  /** Keys of agents that heart-beat. */
  beats: number[];
  /** New feed items (oldest first). */
  feed: FeedItem[];
  /** The stream became (un)available or a snapshot replaced everything. */
  reset: boolean;
}

/** Agents per state; `offline` counts agents whose node is unreachable (whatever their state). */
export type StateCounts = Record<AgentState, number> & { total: number; offline: number };

/**
 * The controls that apply to an agent (the server refuses the others): a remote agent can
 * only be stopped (Home Assistant takes it out of its node's set); a local one has them all
 * (a protected agent refuses stop and delete, shown disabled).
 */
export function agentActions(agent: Pick<SceneAgent, "remote">): ControlAction[] {
  return agent.remote ? ["stop"] : ["pause", "resume", "restart", "stop", "delete"];
}

export const MAX_FEED = 200;
export const MAX_PENDING_EFFECTS = 4000;
export const MAX_PENDING_COMETS = 256;

export class AgentStore {
  readonly agents = new Map<number, SceneAgent>();
  readonly nodes = new Map<string, SceneNode>();
  private readonly names = new Map<string, number>();
  localNode = "";
  available = false;
  /** Whether the server emits messages between agents (comets). */
  messageEvents = false;
  seq = 0;
  /** Bumped when agents are added/removed or move: the scene rebuilds its buffers. */
  structureVersion = 0;
  /** Bumped on any change. */
  version = 0;
  readonly feed: FeedItem[] = [];
  feedDropped = 0;
  private effects: Effect[] = [];
  private comets: CometRequest[] = [];
  private listeners = new Set<(change: StoreChange) => void>();

  constructor(private readonly maxFeed = MAX_FEED) {}

  // -- reading -------------------------------------------------------------------------
  get(k: number): SceneAgent | undefined {
    return this.agents.get(k);
  }

  byName(name: string): SceneAgent | undefined {
    const k = this.names.get(name);
    return k === undefined ? undefined : this.agents.get(k);
  }

  /** Agents sorted by node (local first) then protected-first then name. */
  list(): SceneAgent[] {
    const local = this.localNode;
    return [...this.agents.values()].sort((a, b) => {
      if (a.node !== b.node) {
        if (a.node === local) return -1;
        if (b.node === local) return 1;
        return a.node < b.node ? -1 : 1;
      }
      if (a.protected !== b.protected) return a.protected ? -1 : 1;
      return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    });
  }

  agentNames(): string[] {
    return [...this.names.keys()].sort();
  }

  /** Nodes, the local one first, then by name (nodes without agents included). */
  nodeList(): SceneNode[] {
    const local = this.localNode;
    return [...this.nodes.values()].sort((a, b) =>
      a.name === local ? -1 : b.name === local ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  }

  /** Whether an agent cannot be reached: it says so, or its node is offline. */
  isOffline(agent: SceneAgent): boolean {
    return !agent.online || this.nodes.get(agent.node)?.online === false;
  }

  counts(): StateCounts {
    const counts: StateCounts = { running: 0, paused: 0, failed: 0, stopped: 0, created: 0, total: 0, offline: 0 };
    for (const agent of this.agents.values()) {
      counts[agent.state] = (counts[agent.state] ?? 0) + 1;
      counts.total += 1;
      if (this.isOffline(agent)) counts.offline += 1;
    }
    return counts;
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // -- effects for the scene (drained every frame, without allocating) ------------------
  /** Call `fn` for every pending effect, then forget them. */
  drainEffects(fn: (effect: Effect) => void): void {
    const effects = this.effects;
    for (let i = 0; i < effects.length; i++) fn(effects[i]);
    effects.length = 0;
  }

  drainComets(fn: (comet: CometRequest) => void): void {
    const comets = this.comets;
    for (let i = 0; i < comets.length; i++) fn(comets[i]);
    comets.length = 0;
  }

  get pendingEffects(): number {
    return this.effects.length;
  }

  get pendingComets(): number {
    return this.comets.length;
  }

  // -- writing -------------------------------------------------------------------------
  applySnapshot(snapshot: SnapshotEvent, now: number): StoreChange {
    this.agents.clear();
    this.names.clear();
    this.nodes.clear();
    this.effects.length = 0;
    this.comets.length = 0;
    this.available = true;
    this.localNode = snapshot.node;
    this.messageEvents = snapshot.message_events;
    this.seq = snapshot.seq;
    for (const node of snapshot.nodes) this.nodes.set(node.name, { ...node, center: [0, 0, 0], radius: 1 });
    for (const info of snapshot.agents) this.insert(info, -Infinity);
    this.relayout();
    void now;
    return this.emit({ structural: true, changed: new Set(this.agents.keys()), beats: [], feed: [], reset: true });
  }

  applyDelta(delta: DeltaEvent, now: number): StoreChange {
    const change: StoreChange = { structural: false, changed: new Set(), beats: [], feed: [], reset: false };
    if (!this.available) return change; // a delta without a snapshot: wait for one
    this.seq = delta.seq;
    for (const k of delta.removed ?? []) {
      const agent = this.agents.get(k);
      if (!agent) continue;
      this.pushEffect({ type: "remove", k, at: now, position: agent.position });
      this.agents.delete(k);
      this.names.delete(agent.name);
      change.structural = true;
    }
    for (const info of delta.added ?? []) {
      const agent = this.insert(info, now);
      change.structural = true;
      change.changed.add(info.k);
      this.pushEffect({ type: "spawn", k: info.k, at: now, position: agent.position });
      if (agent.state === "failed") agent.failedAt = now;
    }
    if (delta.nodes) {
      const known = new Map(this.nodes);
      this.nodes.clear();
      const flipped = new Set<string>();
      for (const node of delta.nodes) {
        const old = known.get(node.name);
        if (old && old.online !== node.online) flipped.add(node.name);
        this.nodes.set(node.name, { ...node, center: old?.center ?? [0, 0, 0], radius: old?.radius ?? 1 });
      }
      // A node that went offline (or came back) changes how each of its agents looks.
      if (flipped.size) for (const agent of this.agents.values()) if (flipped.has(agent.node)) change.changed.add(agent.k);
      change.structural = true;
    }
    if (change.structural) this.relayout();
    // Effects of added agents were queued before the layout placed them.
    for (const info of delta.added ?? []) {
      const agent = this.agents.get(info.k);
      if (agent) for (const effect of this.effects) if (effect.k === info.k) effect.position = agent.position;
    }
    for (const [key, agentChange] of Object.entries(delta.agents ?? {})) {
      const k = Number(key);
      const agent = this.agents.get(k);
      if (agent && this.applyChange(agent, agentChange, now)) change.changed.add(k);
    }
    for (const k of delta.beats ?? []) {
      const agent = this.agents.get(k);
      if (!agent) continue;
      agent.lastBeat = now;
      change.beats.push(k);
      this.pushEffect({ type: "beat", k, at: now, position: agent.position });
    }
    for (const [from, to, count] of delta.messages ?? []) {
      if (from === to || !this.agents.has(from) || !this.agents.has(to)) continue;
      if (this.comets.length < MAX_PENDING_COMETS) this.comets.push({ from, to, count, at: now });
    }
    if (delta.feed?.length) {
      change.feed = delta.feed;
      this.feed.push(...delta.feed);
      if (this.feed.length > this.maxFeed) this.feed.splice(0, this.feed.length - this.maxFeed);
    }
    if (delta.feed_dropped) this.feedDropped += delta.feed_dropped;
    return this.emit(change);
  }

  markUnavailable(): StoreChange {
    this.available = false;
    this.agents.clear();
    this.names.clear();
    this.nodes.clear();
    this.effects.length = 0;
    this.comets.length = 0;
    return this.emit({ structural: true, changed: new Set(), beats: [], feed: [], reset: true });
  }

  /** Add a local item to the activity feed (e.g. a control made from this panel). */
  addFeedItem(item: FeedItem): void {
    this.feed.push(item);
    if (this.feed.length > this.maxFeed) this.feed.splice(0, this.feed.length - this.maxFeed);
    this.emit({ structural: false, changed: new Set(), beats: [], feed: [item], reset: false });
  }

  // -- internals -----------------------------------------------------------------------
  private insert(info: AgentInfo, now: number): SceneAgent {
    const agent: SceneAgent = {
      ...info,
      remote: info.remote === true,
      online: info.online !== false,
      metrics: { ...info.metrics },
      position: [0, 0, 0],
      lastBeat: -Infinity,
      spawnedAt: now,
      failedAt: info.state === "failed" && now !== -Infinity ? now : -Infinity,
    };
    const previous = this.names.get(info.name);
    if (previous !== undefined && previous !== info.k) this.agents.delete(previous);
    this.agents.set(info.k, agent);
    this.names.set(info.name, info.k);
    if (!this.nodes.has(info.node)) {
      const local = info.node === this.localNode;
      this.nodes.set(info.node, { name: info.node, local, online: local || info.online !== false, agents: 0, center: [0, 0, 0], radius: 1 });
    }
    return agent;
  }

  private applyChange(agent: SceneAgent, change: AgentChange, now: number): boolean {
    let changed = false;
    if (change.state !== undefined && change.state !== agent.state) {
      agent.state = change.state;
      changed = true;
      this.pushEffect({ type: change.state === "failed" ? "fail" : "state", k: agent.k, at: now, position: agent.position });
      if (change.state === "failed") agent.failedAt = now;
    }
    if (change.metrics !== undefined) {
      agent.metrics = { ...change.metrics };
      changed = true;
    }
    if (change.queue_depth !== undefined && change.queue_depth !== agent.metrics.queue_depth) {
      agent.metrics = { ...agent.metrics, queue_depth: change.queue_depth };
      changed = true;
    }
    if (change.last_error !== undefined) {
      agent.last_error = change.last_error;
      changed = true;
    }
    if (change.online !== undefined && change.online !== agent.online) {
      agent.online = change.online;
      changed = true;
    }
    return changed;
  }

  private relayout(): void {
    const counts = new Map<string, number>();
    for (const agent of this.agents.values()) counts.set(agent.node, (counts.get(agent.node) ?? 0) + 1);
    const layout = computeLayout([...this.nodes.keys()], this.agents.values(), this.localNode);
    for (const [name, placement] of layout.nodes) {
      let node = this.nodes.get(name);
      if (!node) {
        node = { name, local: name === this.localNode, online: true, agents: 0, center: [0, 0, 0], radius: 1 };
        this.nodes.set(name, node);
      }
      node.center = placement.center;
      node.radius = placement.radius;
      node.agents = counts.get(name) ?? 0;
    }
    for (const [k, position] of layout.agents) {
      const agent = this.agents.get(k);
      if (agent) agent.position = position;
    }
    this.structureVersion += 1;
  }

  private pushEffect(effect: Effect): void {
    if (this.effects.length >= MAX_PENDING_EFFECTS) {
      // Nobody drains (no scene, or hidden): the oldest effects are stale anyway.
      this.effects.splice(0, this.effects.length >> 1);
    }
    this.effects.push(effect);
  }

  private emit(change: StoreChange): StoreChange {
    this.version += 1;
    for (const listener of [...this.listeners]) listener(change);
    return change;
  }
}
