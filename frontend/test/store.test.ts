import { describe, expect, it } from "vitest";
import { AgentStore, agentActions, type Effect } from "../src/lib/store";
import { BUILTINS, agent, delta, snapshot } from "./fixtures";

function effects(store: AgentStore): Effect[] {
  const out: Effect[] = [];
  store.drainEffects((e) => out.push({ ...e }));
  return out;
}

describe("AgentStore", () => {
  it("builds the scene model from a snapshot", () => {
    const store = new AgentStore();
    const change = store.applySnapshot(snapshot(BUILTINS), 0);
    expect(change.reset).toBe(true);
    expect(store.available).toBe(true);
    expect(store.agents.size).toBe(3);
    expect(store.list().map((a) => a.name)).toEqual(["io", "main", "monitor"]);
    expect(store.byName("monitor")?.k).toBe(1);
    expect(store.counts()).toMatchObject({ running: 3, total: 3 });
    // Everyone is placed above the node's disc, at distinct positions.
    const positions = store.list().map((a) => a.position.join(","));
    expect(new Set(positions).size).toBe(3);
    for (const a of store.list()) expect(a.position[1]).toBeGreaterThan(0);
    expect(store.nodes.get("home")).toMatchObject({ local: true, agents: 3 });
    // Agents of the snapshot do not play a spawn effect.
    expect(effects(store)).toEqual([]);
  });

  it("applies state, metrics, beats and errors from deltas", () => {
    const store = new AgentStore();
    store.applySnapshot(snapshot(BUILTINS), 0);
    const structure = store.structureVersion;
    const change = store.applyDelta(
      delta(1, {
        agents: {
          "1": { state: "paused" },
          "2": { metrics: { ...BUILTINS[2].metrics, messages_processed: 7 } },
          "0": { queue_depth: 4 },
        },
        beats: [0, 2],
      }),
      1000,
    );
    expect([...change.changed].sort()).toEqual([0, 1, 2]);
    expect(change.structural).toBe(false);
    expect(store.structureVersion).toBe(structure);
    expect(store.get(1)?.state).toBe("paused");
    expect(store.get(2)?.metrics.messages_processed).toBe(7);
    expect(store.get(0)?.metrics.queue_depth).toBe(4);
    expect(store.get(0)?.lastBeat).toBe(1000);
    expect(store.get(1)?.lastBeat).toBe(-Infinity);
    expect(effects(store).map((e) => [e.type, e.k])).toEqual([
      ["state", 1],
      ["beat", 0],
      ["beat", 2],
    ]);
    expect(store.counts()).toMatchObject({ running: 2, paused: 1 });

    store.applyDelta(
      delta(2, { agents: { "2": { state: "failed", last_error: { phase: "handle", type: "E", message: "x", at: 1 } } } }),
      2000,
    );
    expect(store.get(2)?.failedAt).toBe(2000);
    expect(store.get(2)?.last_error?.phase).toBe("handle");
    expect(effects(store).map((e) => e.type)).toEqual(["fail"]);
  });

  it("adds and removes agents with spawn and remove effects and a new layout", () => {
    const store = new AgentStore();
    store.applySnapshot(snapshot(BUILTINS), 0);
    const structure = store.structureVersion;
    const change = store.applyDelta(delta(1, { added: [agent(7, "echo")] }), 500);
    expect(change.structural).toBe(true);
    expect(store.structureVersion).toBe(structure + 1);
    const echo = store.byName("echo")!;
    expect(echo.spawnedAt).toBe(500);
    const [spawn] = effects(store);
    expect(spawn).toMatchObject({ type: "spawn", k: 7 });
    expect(spawn.position).toEqual(echo.position);
    expect(store.nodes.get("home")?.agents).toBe(4);

    store.applyDelta(delta(2, { removed: [7] }), 600);
    expect(store.byName("echo")).toBeUndefined();
    expect(store.agents.size).toBe(3);
    expect(effects(store)).toMatchObject([{ type: "remove", k: 7, position: echo.position }]);
  });

  it("groups agents by node and places nodes apart", () => {
    const store = new AgentStore();
    const pi = [agent(10, "kitchen", { node: "pi1" }), agent(11, "garage", { node: "pi1" })];
    store.applySnapshot(
      snapshot([...BUILTINS, ...pi], {
        nodes: [
          { name: "home", local: true, online: true, agents: 3 },
          { name: "pi1", local: false, online: true, agents: 2 },
        ],
      }),
      0,
    );
    const home = store.nodes.get("home")!;
    const pi1 = store.nodes.get("pi1")!;
    const distance = Math.hypot(home.center[0] - pi1.center[0], home.center[2] - pi1.center[2]);
    expect(distance).toBeGreaterThan(home.radius + pi1.radius);
    for (const a of store.list()) {
      const node = store.nodes.get(a.node)!;
      expect(Math.hypot(a.position[0] - node.center[0], a.position[2] - node.center[2])).toBeLessThan(node.radius);
    }
    expect(store.list().map((a) => a.node)).toEqual(["home", "home", "home", "pi1", "pi1"]);
  });

  it("turns messages into comets between known agents only", () => {
    const store = new AgentStore();
    store.applySnapshot(snapshot(BUILTINS), 0);
    store.applyDelta(delta(1, { messages: [[2, 0, 3], [0, 0, 1], [0, 99, 1]] }), 10);
    const comets: unknown[] = [];
    store.drainComets((c) => comets.push({ ...c }));
    expect(comets).toEqual([{ from: 2, to: 0, count: 3, at: 10 }]);
    store.drainComets(() => {
      throw new Error("drained twice");
    });
  });

  it("keeps a bounded feed and counts what the server dropped", () => {
    const store = new AgentStore(5);
    store.applySnapshot(snapshot(BUILTINS), 0);
    const feed = Array.from({ length: 8 }, (_, i) => ({ kind: "log", name: "io", t: i, k: 2, message: `m${i}` }));
    const change = store.applyDelta(delta(1, { feed, feed_dropped: 4 }), 0);
    expect(change.feed).toHaveLength(8);
    expect(store.feed.map((f) => f.message)).toEqual(["m3", "m4", "m5", "m6", "m7"]);
    expect(store.feedDropped).toBe(4);
  });

  it("ignores deltas before a snapshot and clears everything when unavailable", () => {
    const store = new AgentStore();
    store.applyDelta(delta(1, { added: [agent(1, "x")] }), 0);
    expect(store.agents.size).toBe(0);
    store.applySnapshot(snapshot(BUILTINS), 0);
    const seen: boolean[] = [];
    store.subscribe((change) => seen.push(change.reset));
    store.markUnavailable();
    expect(store.available).toBe(false);
    expect(store.agents.size).toBe(0);
    expect(seen).toEqual([true]);
  });

  it("bounds pending effects when nobody drains them", () => {
    const store = new AgentStore();
    store.applySnapshot(snapshot(BUILTINS), 0);
    for (let i = 0; i < 5000; i++) store.applyDelta(delta(i + 1, { beats: [0] }), i);
    expect(store.pendingEffects).toBeLessThanOrEqual(4000);
  });

  it("handles 200 agents on three nodes", () => {
    const store = new AgentStore();
    const agents = Array.from({ length: 200 }, (_, i) => agent(i, `agent${i}`, { node: ["home", "pi1", "pi2"][i % 3] }));
    store.applySnapshot(snapshot(agents), 0);
    expect(store.nodes.size).toBe(3);
    const positions = new Set(store.list().map((a) => a.position.map((v) => v.toFixed(3)).join(",")));
    expect(positions.size).toBe(200);
  });

  it("lists remote agents under their node and shows an offline node's agents offline", () => {
    const store = new AgentStore();
    const remote = [
      agent(11, "yolo", { node: "pi1", remote: true, online: true }),
      agent(10, "camera", { node: "pi1", remote: true, online: true }),
    ];
    const home = { name: "home", local: true, online: true, agents: 3 };
    const pi1 = { name: "pi1", local: false, online: true, agents: 2 };
    const pi2 = { name: "pi2", local: false, online: false, agents: 0 };
    store.applySnapshot(snapshot([...remote, ...BUILTINS], { nodes: [pi2, pi1, home] }), 0);
    expect(store.get(10)).toMatchObject({ remote: true, online: true, node: "pi1" });
    // Local agents (no `remote` field) are local and online.
    expect(store.get(0)).toMatchObject({ remote: false, online: true });
    expect(store.list().map((a) => `${a.node}/${a.name}`)).toEqual([
      "home/io",
      "home/main",
      "home/monitor",
      "pi1/camera",
      "pi1/yolo",
    ]);
    // A known node without agents is still listed (the 2D view shows it, offline).
    expect(store.nodeList().map((n) => [n.name, n.online, n.agents])).toEqual([
      ["home", true, 3],
      ["pi1", true, 2],
      ["pi2", false, 0],
    ]);
    expect(store.counts()).toMatchObject({ running: 5, offline: 0, total: 5 });

    // The node goes offline: its entry and its agents' `online` arrive in one delta.
    const change = store.applyDelta(
      delta(1, { nodes: [home, { ...pi1, online: false }, pi2], agents: { "10": { online: false } } }),
      100,
    );
    expect([...change.changed].sort((a, b) => a - b)).toEqual([10, 11]);
    for (const k of [10, 11]) expect(store.isOffline(store.get(k)!)).toBe(true);
    expect(store.isOffline(store.get(0)!)).toBe(false);
    // Its agents keep the state the node reported last; they are counted offline.
    expect(store.get(11)?.state).toBe("running");
    expect(store.counts()).toMatchObject({ running: 5, offline: 2 });
    // The node's layout place stays: nothing jumps when it goes offline.
    expect(store.nodes.get("pi1")?.agents).toBe(2);

    // Back online: the node entry comes back; an agent still reported offline stays offline.
    const back = store.applyDelta(delta(2, { nodes: [home, pi1, pi2], beats: [11] }), 200);
    expect([...back.changed].sort((a, b) => a - b)).toEqual([10, 11]);
    expect(store.isOffline(store.get(11)!)).toBe(false);
    expect(store.isOffline(store.get(10)!)).toBe(true);
    const heard = store.applyDelta(delta(3, { agents: { "10": { online: true } } }), 300);
    expect([...heard.changed]).toEqual([10]);
    expect(store.counts().offline).toBe(0);
  });

  it("adds a remote agent of a node it has not seen yet with that node's state", () => {
    const store = new AgentStore();
    store.applySnapshot(snapshot(BUILTINS), 0);
    store.applyDelta(delta(1, { added: [agent(20, "relay", { node: "pi9", remote: true, online: false })] }), 10);
    expect(store.nodes.get("pi9")).toMatchObject({ local: false, online: false, agents: 1 });
    expect(store.isOffline(store.byName("relay")!)).toBe(true);
    // The server's node list then replaces the guess.
    store.applyDelta(
      delta(2, {
        nodes: [
          { name: "home", local: true, online: true, agents: 3 },
          { name: "pi9", local: false, online: true, agents: 1 },
        ],
        agents: { "20": { online: true } },
      }),
      20,
    );
    expect(store.isOffline(store.byName("relay")!)).toBe(false);
  });

  it("offers only stop for remote agents (what the server accepts)", () => {
    expect(agentActions({ remote: true })).toEqual(["stop"]);
    expect(agentActions({ remote: false })).toEqual(["pause", "resume", "restart", "stop", "delete"]);
  });
});
