// The live model shared by the panel and the card: subscription -> coalescer -> store.
//
// Deltas are applied at most once per animation frame, and not at all while the view is
// hidden: they wait, merged, in the coalescer (bounded) until the view is shown again.

import { DeltaCoalescer } from "./coalescer";
import type { WactorzClient } from "./client";
import { errorMessage } from "./hass";
import type { StreamEvent } from "./protocol";
import { AgentStore } from "./store";

export type LiveStatus = "idle" | "connecting" | "live" | "unavailable" | "error";

type Scheduler = (callback: () => void) => unknown;

const defaultScheduler: Scheduler = (callback) =>
  typeof requestAnimationFrame === "function" ? requestAnimationFrame(callback) : setTimeout(callback, 16);

export class LiveModel {
  readonly store: AgentStore;
  readonly coalescer = new DeltaCoalescer();
  status: LiveStatus = "idle";
  error = "";
  deltasReceived = 0;
  private visible = true;
  private scheduled = false;
  private unsubscribe: (() => Promise<void>) | null = null;
  private generation = 0;
  private statusListeners = new Set<(status: LiveStatus) => void>();

  constructor(
    store?: AgentStore,
    private readonly schedule: Scheduler = defaultScheduler,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.store = store ?? new AgentStore();
  }

  onStatus(listener: (status: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  async connect(client: WactorzClient): Promise<void> {
    const generation = ++this.generation;
    this.setStatus("connecting");
    try {
      const unsubscribe = await client.subscribe((event) => {
        if (generation === this.generation) this.handle(event);
      });
      if (generation !== this.generation) {
        await unsubscribe().catch(() => undefined);
        return;
      }
      this.unsubscribe = unsubscribe;
    } catch (err) {
      if (generation !== this.generation) return;
      this.error = errorMessage(err);
      this.setStatus("error");
    }
  }

  async disconnect(): Promise<void> {
    this.generation += 1;
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    this.coalescer.reset();
    this.setStatus("idle");
    if (unsubscribe) await unsubscribe().catch(() => undefined);
  }

  get connected(): boolean {
    return this.unsubscribe !== null || this.status === "connecting";
  }

  handle(event: StreamEvent): void {
    switch (event.type) {
      case "snapshot":
        this.coalescer.reset();
        this.store.applySnapshot(event, this.clock());
        this.setStatus("live");
        break;
      case "delta":
        this.deltasReceived += 1;
        this.coalescer.push(event);
        this.requestFlush();
        break;
      case "unavailable":
        this.coalescer.reset();
        this.store.markUnavailable();
        this.setStatus("unavailable");
        break;
    }
  }

  /** Shown views apply deltas every frame; hidden ones keep them merged until shown. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.requestFlush();
  }

  /** Apply what waits now. */
  flush(): void {
    this.scheduled = false;
    const delta = this.coalescer.take();
    if (delta) this.store.applyDelta(delta, this.clock());
  }

  private requestFlush(): void {
    if (this.scheduled || !this.visible || !this.coalescer.hasPending) return;
    this.scheduled = true;
    this.schedule(() => this.flush());
  }

  private setStatus(status: LiveStatus): void {
    if (this.status === status) return;
    this.status = status;
    for (const listener of [...this.statusListeners]) listener(status);
  }
}
