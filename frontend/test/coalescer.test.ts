import { describe, expect, it } from "vitest";
import { DeltaCoalescer, mergeDeltas } from "../src/lib/coalescer";
import { AgentStore } from "../src/lib/store";
import { BUILTINS, agent, delta, snapshot } from "./fixtures";

describe("mergeDeltas", () => {
  it("keeps the latest value per agent and unions beats", () => {
    const merged = mergeDeltas(
      delta(1, { agents: { "1": { state: "paused", queue_depth: 2 } }, beats: [0, 1] }),
      delta(2, { agents: { "1": { state: "running" } }, beats: [1, 2] }),
    );
    expect(merged.seq).toBe(2);
    expect(merged.agents).toEqual({ "1": { state: "running", queue_depth: 2 } });
    expect(merged.beats?.sort()).toEqual([0, 1, 2]);
  });

  it("sums messages per pair", () => {
    const merged = mergeDeltas(delta(1, { messages: [[1, 2, 3]] }), delta(2, { messages: [[1, 2, 4], [2, 1, 1]] }));
    expect(merged.messages).toEqual([
      [1, 2, 7],
      [2, 1, 1],
    ]);
  });

  it("folds changes into agents added in the same batch; add then remove cancels", () => {
    const merged = mergeDeltas(
      delta(1, { added: [agent(5, "echo"), agent(6, "gone")] }),
      delta(2, { agents: { "5": { state: "failed" } }, removed: [6], beats: [5] }),
    );
    expect(merged.added?.map((a) => [a.name, a.state])).toEqual([["echo", "failed"]]);
    expect(merged.removed).toBeUndefined();
    expect(merged.agents).toBeUndefined();
  });

  it("drops older changes and beats of an agent removed later", () => {
    const merged = mergeDeltas(delta(1, { agents: { "2": { state: "paused" } }, beats: [2] }), delta(2, { removed: [2] }));
    expect(merged.removed).toEqual([2]);
    expect(merged.agents).toBeUndefined();
    expect(merged.beats).toBeUndefined();
  });

  it("bounds the feed and counts the overflow", () => {
    const item = (i: number) => ({ kind: "log", name: "io", t: i });
    const merged = mergeDeltas(
      delta(1, { feed: [item(1), item(2), item(3)], feed_dropped: 1 }),
      delta(2, { feed: [item(4), item(5)] }),
      4,
    );
    expect(merged.feed?.map((f) => f.t)).toEqual([2, 3, 4, 5]);
    expect(merged.feed_dropped).toBe(2);
  });

  it("takes the newest node list", () => {
    const nodes = [{ name: "home", local: true, online: true, agents: 4 }];
    expect(mergeDeltas(delta(1, { nodes: [] }), delta(2, { nodes })).nodes).toBe(nodes);
    expect(mergeDeltas(delta(1, { nodes }), delta(2)).nodes).toBe(nodes);
  });
});

describe("DeltaCoalescer", () => {
  it("merges a burst into one pending delta that gives the same state", () => {
    const direct = new AgentStore();
    const viaCoalescer = new AgentStore();
    direct.applySnapshot(snapshot(BUILTINS), 0);
    viaCoalescer.applySnapshot(snapshot(BUILTINS), 0);
    const coalescer = new DeltaCoalescer();
    const deltas = [
      delta(1, { agents: { "1": { state: "paused" } }, beats: [0] }),
      delta(2, { added: [agent(3, "echo")] }),
      delta(3, { agents: { "3": { state: "failed" }, "1": { state: "running" } } }),
      delta(4, { agents: { "3": { state: "running" } }, beats: [3] }),
      delta(5, { added: [agent(4, "tmp")] }),
      delta(6, { removed: [4] }),
    ];
    for (const d of deltas) {
      direct.applyDelta(d, 1);
      coalescer.push(d);
    }
    expect(coalescer.mergedCount).toBe(5);
    const merged = coalescer.take()!;
    expect(coalescer.take()).toBeNull();
    viaCoalescer.applyDelta(merged, 1);
    const summary = (s: AgentStore) => s.list().map((a) => [a.name, a.state]);
    expect(summary(viaCoalescer)).toEqual(summary(direct));
    expect(viaCoalescer.seq).toBe(6);
  });

  it("stays bounded with thousands of heartbeat deltas", () => {
    const coalescer = new DeltaCoalescer(50);
    for (let i = 0; i < 5000; i++) {
      coalescer.push(delta(i, { beats: [i % 100], feed: [{ kind: "log", name: "x", t: i }] }));
    }
    const merged = coalescer.take()!;
    expect(merged.beats).toHaveLength(100);
    expect(merged.feed).toHaveLength(50);
    expect(merged.feed_dropped).toBe(4950);
  });

  it("reset drops what waits", () => {
    const coalescer = new DeltaCoalescer();
    coalescer.push(delta(1, { beats: [1] }));
    expect(coalescer.hasPending).toBe(true);
    coalescer.reset();
    expect(coalescer.take()).toBeNull();
  });
});
