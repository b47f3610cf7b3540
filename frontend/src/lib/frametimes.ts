// Per-frame timings of the 3D scene, kept without allocating in the frame loop.
//
// A fixed ring of the last `capacity` frames (our own work, and Babylon's render call);
// percentiles are computed on demand (that sorts a copy: call it from tests and
// benchmarks, never from the frame loop).

export interface TimingSummary {
  /** Frames the summary covers (at most the ring's capacity). */
  frames: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export class FrameTimes {
  private readonly update: Float64Array;
  private readonly render: Float64Array;
  private next = 0;
  private size = 0;

  constructor(readonly capacity = 2048) {
    this.update = new Float64Array(capacity);
    this.render = new Float64Array(capacity);
  }

  /** Record one frame: ms of our work and ms of scene.render(). */
  record(updateMs: number, renderMs: number): void {
    this.update[this.next] = updateMs;
    this.render[this.next] = renderMs;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size += 1;
  }

  /** Forget every frame recorded so far (a benchmark's warm-up ends). */
  reset(): void {
    this.next = 0;
    this.size = 0;
  }

  get recorded(): number {
    return this.size;
  }

  summary(): { update: TimingSummary; render: TimingSummary } {
    return { update: summarize(this.update, this.size), render: summarize(this.render, this.size) };
  }
}

/** Nearest-rank percentiles of the first `size` values. */
export function summarize(values: Float64Array, size: number): TimingSummary {
  if (size === 0) return { frames: 0, p50: 0, p99: 0, max: 0, mean: 0 };
  const sorted = values.slice(0, size).sort();
  const rank = (p: number) => sorted[Math.min(size - 1, Math.max(0, Math.ceil(p * size) - 1))];
  let sum = 0;
  for (let i = 0; i < size; i++) sum += sorted[i];
  return { frames: size, p50: rank(0.5), p99: rank(0.99), max: sorted[size - 1], mean: sum / size };
}
