// The render benchmark's page: AgentScene (what the panel ships) or the naive baseline, fed by
// a deterministic synthetic stream, stepped on a fixed clock (1/60 s per frame, whatever the
// real frame rate), so that every run draws the same frames with the same agents, beats and
// comets. bench/panel_render.py builds it and drives it through playwright-core and CDP.
//
// The stream is shaped like the integration's deltas (bench/panel_stream.py measures those):
// one delta per 250 ms of animation time, every agent heart-beating every 10 s, `messages`
// message pairs per delta (1-3 comets each), a state change every 2 s, a spawn and a removal
// every 5 s. Deltas go straight into the store (the panel's coalescer only merges them).

import { AgentStore } from "../src/lib/store";
import type { AgentInfo, AgentState, DeltaEvent, SnapshotEvent } from "../src/lib/protocol";
import type { FrameTimes } from "../src/lib/frametimes";
import type { Stage, StageInfo } from "../src/panel/stage";
import { AgentScene } from "../src/scene/agent-scene";
import { NaiveAgentScene } from "./naive-scene";

export interface BenchConfig {
  scene: "ours" | "naive";
  agents: number;
  /** Message pairs per delta (each 1-3 comets). */
  messages: number;
  seed: number;
}

export interface RunResult {
  frames: number;
  wall_ms: number;
  deltas: number;
  info: StageInfo;
}

const FRAME_MS = 1000 / 60;
const FRAMES_PER_DELTA = 15; // 250 ms, the integration's coalescing window
const NODES = ["home", "pi-kitchen", "pi-garage"];
const STATES: AgentState[] = ["running", "running", "running", "running", "paused", "running", "failed", "stopped"];

/** mulberry32: a small seeded PRNG, so that every run sees the same stream. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function agentInfo(k: number, state: AgentState): AgentInfo {
  const system = k < 3;
  return {
    k,
    id: `id${k}`,
    name: system ? ["main", "monitor", "io"][k] : `agent-${k}`,
    node: system ? "home" : NODES[k % NODES.length],
    kind: system ? "system" : "worker",
    description: "",
    state,
    protected: system,
    metrics: { messages_processed: 0, errors: 0, restarts: 0, queue_depth: 0, dropped: 0, expired: 0, uptime_s: 5 },
    last_error: null,
  } as AgentInfo;
}

class SyntheticStream {
  private readonly random: () => number;
  private readonly live: number[] = [];
  private next: number;
  private index = 0;

  constructor(private readonly config: BenchConfig) {
    this.random = prng(config.seed);
    this.next = config.agents;
  }

  snapshot(): SnapshotEvent {
    const agents: AgentInfo[] = [];
    for (let k = 0; k < this.config.agents; k++) {
      agents.push(agentInfo(k, k < 3 ? "running" : STATES[k % STATES.length]));
      this.live.push(k);
    }
    return {
      type: "snapshot",
      seq: 0,
      t: 0,
      entry_id: "bench",
      node: "home",
      window_ms: 250,
      message_events: true,
      nodes: NODES.map((name, i) => ({ name, local: i === 0, online: true, agents: 0 })),
      agents,
    } as SnapshotEvent;
  }

  delta(): DeltaEvent {
    const d = ++this.index;
    const pick = () => this.live[Math.floor(this.random() * this.live.length)];
    const worker = () => this.live[3 + Math.floor(this.random() * (this.live.length - 3))];
    const delta: DeltaEvent = { type: "delta", seq: d, t: d / 4, beats: [], messages: [] } as DeltaEvent;
    for (const k of this.live) if ((k + d) % 40 === 0) delta.beats!.push(k);
    for (let i = 0; i < this.config.messages; i++) {
      const from = pick();
      let to = pick();
      if (to === from) to = this.live[(this.live.indexOf(from) + 1) % this.live.length];
      delta.messages!.push([from, to, 1 + Math.floor(this.random() * 3)]);
    }
    if (d % 8 === 0) delta.agents = { [worker()]: { state: (["running", "paused", "failed"] as const)[(d / 8) % 3] } };
    if (d % 20 === 0) {
      const k = this.next++;
      this.live.push(k);
      delta.added = [agentInfo(k, "running")];
    }
    if (d % 20 === 10 && this.live.length > 4) {
      const k = worker();
      this.live.splice(this.live.indexOf(k), 1);
      delta.removed = [k];
    }
    return delta;
  }
}

type BenchStage = Stage & { readonly frameTimes: FrameTimes };

class Bench {
  private readonly store = new AgentStore();
  private readonly stream: SyntheticStream;
  private readonly stage: BenchStage;
  private now = 0;
  private frame = 0;
  private deltas = 0;

  constructor(config: BenchConfig) {
    const host = document.getElementById("stage")!;
    const clock = () => this.now;
    this.stage =
      config.scene === "ours"
        ? new AgentScene(host, this.store, { onSelect: () => undefined }, { clock })
        : new NaiveAgentScene(host, this.store, clock);
    this.stage.setTheme({
      dark: true,
      background: [0.07, 0.07, 0.07],
      card: [0.11, 0.11, 0.11],
      text: [0.88, 0.88, 0.88],
      secondaryText: [0.6, 0.6, 0.6],
      divider: [0.2, 0.2, 0.2],
      primary: [0.01, 0.66, 0.96],
    });
    this.store.subscribe((change) => this.stage.sync(change));
    this.stream = new SyntheticStream(config);
    this.store.applySnapshot(this.stream.snapshot(), this.now);
  }

  /** Draw `frames` frames (rendering runs only meanwhile); resolve with their timings. */
  run(frames: number): Promise<RunResult> {
    return new Promise((resolve) => {
      const started = performance.now();
      const deltasBefore = this.deltas;
      this.stage.frameTimes.reset();
      this.stage.setActive(true);
      // Runs once per animation frame, like Babylon's render loop: one clock step per frame.
      const tick = () => {
        if (this.stage.frameTimes.recorded >= frames) {
          this.stage.setActive(false);
          resolve({ frames, wall_ms: performance.now() - started, deltas: this.deltas - deltasBefore, info: this.stage.info() });
          return;
        }
        this.now += FRAME_MS;
        this.frame += 1;
        if (this.frame % FRAMES_PER_DELTA === 0) {
          this.store.applyDelta(this.stream.delta(), this.now);
          this.deltas += 1;
        }
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
  }
}

declare global {
  interface Window {
    __wactorzBench: { setup(config: BenchConfig): void; run(frames: number): Promise<RunResult> };
  }
}

let bench: Bench | null = null;
window.__wactorzBench = {
  setup(config) {
    bench = new Bench(config);
  },
  run(frames) {
    if (!bench) throw new Error("setup first");
    return bench.run(frames);
  },
};
