import type { AgentInfo, DeltaEvent, SnapshotEvent } from "../src/lib/protocol";

export function agent(k: number, name: string, extra: Partial<AgentInfo> = {}): AgentInfo {
  return {
    k,
    id: `20261125T000000.000Z-000${k}-home`,
    name,
    node: "home",
    kind: "test",
    description: "",
    state: "running",
    protected: false,
    metrics: { messages_processed: 0, errors: 0, restarts: 0, queue_depth: 0, dropped: 0, expired: 0, uptime_s: 1 },
    last_error: null,
    ...extra,
  };
}

export function snapshot(agents: AgentInfo[], extra: Partial<SnapshotEvent> = {}): SnapshotEvent {
  return {
    type: "snapshot",
    seq: 0,
    t: 0,
    entry_id: "entry",
    node: "home",
    window_ms: 250,
    message_events: false,
    nodes: [{ name: "home", local: true, online: true, agents: agents.length }],
    agents,
    ...extra,
  };
}

export function delta(seq: number, extra: Partial<DeltaEvent> = {}): DeltaEvent {
  return { type: "delta", seq, t: seq, ...extra };
}

export const BUILTINS = [
  agent(0, "main", { kind: "main", protected: true }),
  agent(1, "monitor", { kind: "monitor", protected: true }),
  agent(2, "io", { kind: "io", protected: true }),
];
