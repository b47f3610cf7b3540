// Colours of agent states and parsing of theme colours (pure, tested).

import type { AgentState } from "./protocol";

export type RGB = [number, number, number];

/** State colours, in the spirit of Home Assistant's state colours. */
export const STATE_COLORS: Record<AgentState, string> = {
  running: "#43a047",
  paused: "#ffa000",
  failed: "#db4437",
  stopped: "#9e9e9e",
  created: "#039be5",
};

export const STATE_LABELS: Record<AgentState, string> = {
  running: "Running",
  paused: "Paused",
  failed: "Failed",
  stopped: "Stopped",
  created: "Created",
};

/** An agent whose node is offline: its state is what the node said last, shown greyed. */
export const OFFLINE_COLOR = "#616161";

/** How far an offline agent's state colour is pulled towards grey in the 3D view. */
export const OFFLINE_DIM = 0.7;

export function stateColor(state: string): string {
  return STATE_COLORS[state as AgentState] ?? "#9e9e9e";
}

/** Parse "#rgb", "#rrggbb", "rgb(r, g, b)" or "rgba(...)" into 0..1 floats; null if unknown. */
export function parseColor(text: string | null | undefined): RGB | null {
  if (!text) return null;
  const value = text.trim().toLowerCase();
  let match = /^#([0-9a-f]{3})$/.exec(value);
  if (match) {
    const [r, g, b] = match[1].split("").map((c) => parseInt(c + c, 16) / 255);
    return [r, g, b];
  }
  match = /^#([0-9a-f]{6})([0-9a-f]{2})?$/.exec(value);
  if (match) {
    const hex = match[1];
    return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as RGB;
  }
  match = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(value);
  if (match) {
    return [match[1], match[2], match[3]].map((c) => Math.min(255, Number(c)) / 255) as RGB;
  }
  return null;
}

/** Relative luminance (0 dark .. 1 light) of a colour. */
export function luminance([r, g, b]: RGB): number {
  const lin = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function mix(a: RGB, b: RGB, t: number): RGB {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}
