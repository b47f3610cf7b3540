// How an activity feed item reads (pure, tested).

import type { FeedItem } from "./protocol";

export type FeedLevel = "info" | "good" | "warning" | "error";

export interface FeedLine {
  icon: string;
  text: string;
  level: FeedLevel;
}

const str = (value: unknown) => (value === undefined || value === null ? "" : String(value));

export function describeFeedItem(item: FeedItem): FeedLine {
  switch (item.kind) {
    case "status": {
      const state = str(item.state);
      const reason = item.error ? `: ${str(item.error)}` : item.reason && item.reason !== "stopped" ? ` (${str(item.reason)})` : "";
      const level: FeedLevel = state === "failed" ? "error" : state === "paused" || state === "stopped" ? "warning" : "good";
      return { icon: "mdi:swap-horizontal", text: `${state}${item.previous ? ` (was ${str(item.previous)})` : ""}${reason}`, level };
    }
    case "error":
      return { icon: "mdi:alert-circle", text: `${str(item.phase)}: ${str(item.error_type)}: ${str(item.message)}`, level: "error" };
    case "alert":
      return { icon: "mdi:alert", text: str(item.message), level: item.severity === "error" || item.severity === "critical" ? "error" : "warning" };
    case "gave_up":
      return { icon: "mdi:close-octagon", text: `supervision gave up${item.message ? `: ${str(item.message)}` : ""}`, level: "error" };
    case "restarted":
      return { icon: "mdi:restart", text: `restarted${item.cause ? ` (${str(item.cause)})` : ""}`, level: "info" };
    case "spawned":
      return { icon: "mdi:plus-circle", text: `joined${item.node ? ` on ${str(item.node)}` : ""}`, level: "good" };
    case "removed":
      return { icon: "mdi:minus-circle", text: "removed", level: "warning" };
    case "completed":
      return { icon: "mdi:check-circle", text: `completed: ${str(item.preview)}`, level: "good" };
    case "chat":
      return { icon: "mdi:message-text", text: `→ ${str(item.to)}: ${str(item.content)}`, level: "info" };
    case "log":
      return { icon: "mdi:text", text: str(item.message), level: "info" };
    default:
      return { icon: "mdi:information", text: str(item.message ?? item.kind), level: "info" };
  }
}
