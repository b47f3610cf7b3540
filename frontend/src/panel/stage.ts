// What the panel needs from a view of the agents: the 3D scene or the 2D list.

import type { RGB } from "../lib/colors";
import type { TimingSummary } from "../lib/frametimes";
import type { StoreChange } from "../lib/store";

export interface ThemeColors {
  dark: boolean;
  background: RGB;
  card: RGB;
  text: RGB;
  secondaryText: RGB;
  divider: RGB;
  primary: RGB;
}

export interface StageInfo {
  renderer: "webgl" | "list";
  /** Agents drawn (thin instances of the agent mesh, or rows of the list). */
  agents: number;
  /** Whether frames are being drawn (false while the panel is hidden). */
  running: boolean;
  fps: number;
  frames: number;
  comets: number;
  /** Meshes drawn in the last frame (constant in the number of agents: thin instances). */
  meshes?: number;
  /** Average ms per frame of the panel's own work (buffers, effects, labels). */
  updateMs?: number;
  /** Average ms per frame of Babylon's scene.render() (with SwiftShader this is the GPU work). */
  renderMs?: number;
  /** Percentiles over the last frames (up to 2048): our work, and scene.render(). */
  timings?: { update: TimingSummary; render: TimingSummary };
}

export interface StageCallbacks {
  onSelect(k: number | null): void;
}

export interface Stage {
  readonly kind: "webgl" | "list";
  /** The store changed (after a snapshot or a delta). */
  sync(change: StoreChange): void;
  select(k: number | null): void;
  /** Draw frames or not (the panel is hidden, or its tab is). */
  setActive(active: boolean): void;
  setTheme(theme: ThemeColors): void;
  resize(): void;
  info(): StageInfo;
  /** Screen position (CSS px, relative to the stage) of an agent, for tests and tooltips. */
  screenPosition(k: number): { x: number; y: number } | null;
  dispose(): void;
}
