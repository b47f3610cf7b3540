// Merges delta events that arrive faster than they are shown.
//
// The server already coalesces per window; the browser merges again while the panel
// is hidden (no frames) or between two animation frames, so that a tab coming back
// after ten minutes applies one bounded delta, not thousands.

import type { AgentChange, AgentInfo, DeltaEvent, FeedItem, MessageCount } from "./protocol";

export const DEFAULT_MAX_FEED = 200;

/** Return the result of applying `a` then `b`, as one delta (inputs are not modified). */
export function mergeDeltas(a: DeltaEvent, b: DeltaEvent, maxFeed = DEFAULT_MAX_FEED): DeltaEvent {
  const removedNow = new Set(b.removed ?? []);
  const addedNow = new Set((b.added ?? []).map((agent) => agent.k));
  const out: DeltaEvent = { type: "delta", seq: b.seq, t: b.t };

  // Agents added in `a` carry their latest values; an agent added then removed never existed.
  // (The server never reuses a key, so an agent is not removed and added again.)
  const added = new Map<number, AgentInfo>();
  for (const agent of a.added ?? []) added.set(agent.k, { ...agent });
  for (const agent of b.added ?? []) added.set(agent.k, { ...agent });
  const cancelled = new Set<number>();
  for (const k of removedNow) {
    if (added.delete(k)) cancelled.add(k);
  }

  const changes = new Map<number, AgentChange>();
  for (const [source, older] of [
    [a.agents, true],
    [b.agents, false],
  ] as const) {
    for (const [key, change] of Object.entries(source ?? {})) {
      const k = Number(key);
      // Changes made before a removal, or before the full record in `b.added`, are moot.
      if (older && (removedNow.has(k) || addedNow.has(k))) continue;
      if (removedNow.has(k)) continue;
      const info = added.get(k);
      if (info) applyChange(info, change);
      else changes.set(k, { ...(changes.get(k) ?? {}), ...change });
    }
  }

  const removed = new Set<number>(a.removed ?? []);
  for (const k of removedNow) if (!cancelled.has(k)) removed.add(k);
  if (added.size) out.added = [...added.values()];
  if (removed.size) out.removed = [...removed];
  if (changes.size) {
    out.agents = {};
    for (const [k, change] of changes) out.agents[String(k)] = change;
  }

  const beats = new Set<number>();
  for (const k of a.beats ?? []) if (!removedNow.has(k)) beats.add(k);
  for (const k of b.beats ?? []) beats.add(k);
  if (beats.size) out.beats = [...beats];

  const pairs = new Map<string, MessageCount>();
  for (const list of [a.messages, b.messages]) {
    for (const [from, to, count] of list ?? []) {
      const key = `${from},${to}`;
      const known = pairs.get(key);
      if (known) known[2] += count;
      else pairs.set(key, [from, to, count]);
    }
  }
  if (pairs.size) out.messages = [...pairs.values()];

  const feed: FeedItem[] = [...(a.feed ?? []), ...(b.feed ?? [])];
  let dropped = (a.feed_dropped ?? 0) + (b.feed_dropped ?? 0);
  if (feed.length > maxFeed) {
    dropped += feed.length - maxFeed;
    feed.splice(0, feed.length - maxFeed);
  }
  if (feed.length) out.feed = feed;
  if (dropped) out.feed_dropped = dropped;

  const nodes = b.nodes ?? a.nodes;
  if (nodes) out.nodes = nodes;
  return out;
}

function applyChange(info: AgentInfo, change: AgentChange): void {
  if (change.state !== undefined) info.state = change.state;
  if (change.metrics !== undefined) info.metrics = { ...change.metrics };
  if (change.queue_depth !== undefined) info.metrics = { ...info.metrics, queue_depth: change.queue_depth };
  if (change.last_error !== undefined) info.last_error = change.last_error;
}

/** Holds deltas until somebody takes them; merging keeps the pending delta bounded. */
export class DeltaCoalescer {
  private pending: DeltaEvent | null = null;
  private merged = 0;

  constructor(private readonly maxFeed = DEFAULT_MAX_FEED) {}

  /** Queue a delta (merged into what is already waiting). */
  push(delta: DeltaEvent): void {
    if (this.pending === null) {
      this.pending = delta;
    } else {
      this.pending = mergeDeltas(this.pending, delta, this.maxFeed);
      this.merged += 1;
    }
  }

  /** Return the merged delta and clear it (null when nothing is waiting). */
  take(): DeltaEvent | null {
    const pending = this.pending;
    this.pending = null;
    return pending;
  }

  /** Drop what is waiting (a new snapshot replaces it). */
  reset(): void {
    this.pending = null;
  }

  get hasPending(): boolean {
    return this.pending !== null;
  }

  /** How many deltas were folded into another one (for tests and stats). */
  get mergedCount(): number {
    return this.merged;
  }
}
