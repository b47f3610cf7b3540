// The websocket protocol of custom_components/wactorz/websocket.py (keep both in step).

export type AgentState = "created" | "running" | "paused" | "stopped" | "failed";

export interface AgentMetrics {
  messages_processed: number;
  errors: number;
  restarts: number;
  queue_depth: number;
  dropped: number;
  expired: number;
  uptime_s: number;
}

export interface LastError {
  phase: string;
  type: string;
  message: string;
  at: number;
  traceback?: string;
}

/** An agent as the snapshot (and `added`) describe it; `k` is its small key in deltas. */
export interface AgentInfo {
  k: number;
  id: string;
  name: string;
  node: string;
  kind: string;
  description: string;
  state: AgentState;
  protected: boolean;
  metrics: AgentMetrics;
  last_error: LastError | null;
  /** An agent an edge node runs (reported by its heartbeats), listed under its `node`. */
  remote?: boolean;
  /** For remote agents: whether its node is reachable (false when the node went offline). */
  online?: boolean;
}

export interface NodeInfo {
  name: string;
  local: boolean;
  online: boolean;
  agents: number;
}

/** An activity feed item: status, error, alert, log, completed, chat, spawned, removed, ... */
export interface FeedItem {
  kind: string;
  name: string;
  t: number;
  k?: number | null;
  [field: string]: unknown;
}

export interface SnapshotEvent {
  type: "snapshot";
  seq: number;
  t: number;
  entry_id: string;
  node: string;
  window_ms: number;
  message_events: boolean;
  nodes: NodeInfo[];
  agents: AgentInfo[];
}

export interface AgentChange {
  state?: AgentState;
  metrics?: AgentMetrics;
  queue_depth?: number;
  last_error?: LastError | null;
  /** Remote agents: their node went offline (false) or reports again (true). */
  online?: boolean;
}

/** [from key, to key, number of messages in the window] */
export type MessageCount = [number, number, number];

export interface DeltaEvent {
  type: "delta";
  seq: number;
  t: number;
  added?: AgentInfo[];
  removed?: number[];
  agents?: Record<string, AgentChange>;
  beats?: number[];
  messages?: MessageCount[];
  feed?: FeedItem[];
  feed_dropped?: number;
  nodes?: NodeInfo[];
}

export interface UnavailableEvent {
  type: "unavailable";
}

export type StreamEvent = SnapshotEvent | DeltaEvent | UnavailableEvent;

export type ChatEvent =
  | { type: "start"; agent: string; correlation_id: string }
  | { type: "chunk"; text: string }
  | { type: "end"; agent: string; correlation_id: string; text: string; reply: unknown }
  | { type: "error"; agent?: string; code: string; message: string };

export interface ChatAck {
  agent: string;
  correlation_id: string;
}

/** What Home Assistant knows of the node a remote agent runs on. */
export interface RemoteNodeDetails {
  name: string;
  online: boolean;
  status_reason?: string | null;
  /** Unix seconds of the node's last heartbeat; null before the first. */
  last_heartbeat?: number | null;
  version?: string | null;
  /** Messages the node refused or could not read (nodes/{node}/errors), counted. */
  errors?: number;
  last_error?: { code: string; kind: string; topic: string; error: string; ts: number | null } | null;
}

export interface AgentDetails extends AgentInfo {
  /** Null for remote agents: their mailbox is on the node. */
  mailbox_capacity: number | null;
  supervisor: string | null;
  /** The control actions the server accepts for this agent. */
  actions?: ControlAction[];
  /** Remote agents only: their node. */
  remote_node?: RemoteNodeDetails;
  /** Remote agents only: whether the node still lists it. */
  present?: boolean;
  events: FeedItem[];
  errors: (FeedItem & { traceback?: string })[];
  /** LLM usage of the agent; null while nothing was metered for it. */
  cost: null | {
    total: number;
    currency: string;
    calls: number;
    tokens_in: number;
    tokens_out: number;
    unknown_cost_requests: number;
  };
}

export type ControlAction = "pause" | "resume" | "restart" | "stop" | "delete";

export interface ControlResult {
  agent: string;
  state: AgentState | "removed";
  /** Remote agents: the node it was stopped on. */
  node?: string;
}
