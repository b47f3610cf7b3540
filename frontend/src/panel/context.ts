// What the parts of the panel (drawer, IO bar, feed) need from the panel.

import type { WactorzClient } from "../lib/client";
import type { ControlAction } from "../lib/protocol";
import type { AgentStore } from "../lib/store";

export interface ConfirmOptions {
  title: string;
  text: string;
  confirm: string;
  danger?: boolean;
}

export interface PanelContext {
  readonly store: AgentStore;
  client(): WactorzClient | null;
  isAdmin(): boolean;
  select(k: number | null): void;
  selectByName(name: string): boolean;
  confirm(options: ConfirmOptions): Promise<boolean>;
  toast(message: string, kind?: "error" | "info"): void;
  /** Run a control with confirmation (from the drawer or a slash-command). */
  control(agent: string, action: ControlAction, ask?: boolean): Promise<boolean>;
}

export const CONTROL_TEXT: Record<ControlAction, { title: string; text: string; confirm: string; danger?: boolean }> = {
  pause: { title: "Pause {name}?", text: "Messages wait in its mailbox until it is resumed.", confirm: "Pause" },
  resume: { title: "Resume {name}?", text: "It handles the messages that waited.", confirm: "Resume" },
  restart: {
    title: "Restart {name}?",
    text: "A fresh instance starts; its saved state and waiting messages are kept.",
    confirm: "Restart",
  },
  stop: {
    title: "Stop {name}?",
    text: "Waiting questions get an error; it stays stopped until restarted.",
    confirm: "Stop",
    danger: true,
  },
  delete: {
    title: "Delete {name}?",
    text: "The agent, its saved state and its device are removed. This cannot be undone.",
    confirm: "Delete",
    danger: true,
  },
};

/** Stopping an agent on an edge node: Home Assistant takes it out of the node's set. */
export const REMOTE_STOP_TEXT = {
  title: "Stop {name} on {node}?",
  text: "Home Assistant takes it out of the agents {node} should run; the node stops it. Start it again with spawn_on_node.",
  confirm: "Stop",
  danger: true,
};
