import { describe, expect, it } from "vitest";
import { LiveModel } from "../src/lib/live";
import type { WactorzClient } from "../src/lib/client";
import type { StreamEvent } from "../src/lib/protocol";
import { BUILTINS, delta, snapshot } from "./fixtures";

function fakeClient() {
  let push: (event: StreamEvent) => void = () => undefined;
  let unsubscribed = 0;
  const client = {
    subscribe: async (cb: (event: StreamEvent) => void) => {
      push = cb;
      return async () => {
        unsubscribed += 1;
      };
    },
  } as unknown as WactorzClient;
  return { client, push: (e: StreamEvent) => push(e), unsubscribed: () => unsubscribed };
}

describe("LiveModel", () => {
  it("applies deltas once per frame, and only while visible", async () => {
    const frames: (() => void)[] = [];
    const live = new LiveModel(undefined, (cb) => frames.push(cb), () => 42);
    const fake = fakeClient();
    await live.connect(fake.client);
    expect(live.status).toBe("connecting");
    fake.push(snapshot(BUILTINS));
    expect(live.status).toBe("live");
    fake.push(delta(1, { agents: { "1": { state: "paused" } } }));
    fake.push(delta(2, { beats: [0] }));
    expect(frames).toHaveLength(1);
    expect(live.store.get(1)?.state).toBe("running");
    frames.shift()!();
    expect(live.store.get(1)?.state).toBe("paused");
    expect(live.store.get(0)?.lastBeat).toBe(42);

    live.setVisible(false);
    for (let i = 3; i < 1000; i++) fake.push(delta(i, { beats: [i % 3] }));
    expect(frames).toHaveLength(0);
    live.setVisible(true);
    expect(frames).toHaveLength(1);
    frames.shift()!();
    expect(live.store.seq).toBe(999);
    expect(live.coalescer.hasPending).toBe(false);
  });

  it("resets on a new snapshot and on unavailable; disconnect unsubscribes", async () => {
    const live = new LiveModel(undefined, () => undefined);
    const fake = fakeClient();
    await live.connect(fake.client);
    fake.push(snapshot(BUILTINS));
    fake.push(delta(1, { beats: [0] }));
    fake.push({ type: "unavailable" });
    expect(live.status).toBe("unavailable");
    expect(live.store.agents.size).toBe(0);
    expect(live.coalescer.hasPending).toBe(false);
    fake.push(snapshot(BUILTINS));
    expect(live.store.agents.size).toBe(3);
    await live.disconnect();
    expect(fake.unsubscribed()).toBe(1);
    fake.push({ type: "unavailable" });
    expect(live.store.agents.size).toBe(3); // ignored after disconnect
  });
});
