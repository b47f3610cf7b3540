import { describe, expect, it } from "vitest";
import { FrameTimes, summarize } from "../src/lib/frametimes";
import { LabelPin } from "../src/scene/label-pin";

describe("FrameTimes", () => {
  it("keeps the last frames in a fixed ring and summarizes them", () => {
    const times = new FrameTimes(4);
    for (const ms of [9, 1, 2, 3, 4]) times.record(ms, ms * 10);
    // The ring holds 4: the first frame (9 ms) is gone.
    expect(times.recorded).toBe(4);
    const { update, render } = times.summary();
    expect(update).toEqual({ frames: 4, p50: 2, p99: 4, max: 4, mean: 2.5 });
    expect(render.max).toBe(40);
    times.reset();
    expect(times.summary().update.frames).toBe(0);
  });

  it("takes nearest-rank percentiles", () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => 100 - i);
    const s = summarize(values, 100);
    expect([s.p50, s.p99, s.max]).toEqual([50, 99, 100]);
    expect(summarize(values, 0).frames).toBe(0);
  });
});

describe("LabelPin", () => {
  // Outside a browser there is no CSS Typed OM: the pin writes a transform string.
  function fakeLabel() {
    const writes: string[] = [];
    const style = { visibility: "" } as Record<string, string>;
    Object.defineProperty(style, "transform", { set: (v: string) => writes.push(v), get: () => writes.at(-1) ?? "" });
    return { el: { style, remove() {} } as unknown as HTMLElement, writes, style };
  }

  it("writes only when the label moves by a tenth of a pixel or more", () => {
    const { el, writes } = fakeLabel();
    const pin = new LabelPin(el, "above");
    pin.moveTo(10, 20, true);
    pin.moveTo(10.02, 20.04, true); // same place at 0.1 px
    expect(writes).toEqual(["translate(10px, 20px) translate(-50%, -100%)"]);
    pin.moveTo(10.5, 20, true);
    expect(writes.at(-1)).toBe("translate(10.5px, 20px) translate(-50%, -100%)");
    expect(writes).toHaveLength(2);
  });

  it("hides off-screen labels once and shows them again", () => {
    const { el, writes, style } = fakeLabel();
    const pin = new LabelPin(el, "below");
    pin.moveTo(1, 2, false);
    expect(style.visibility).toBe("hidden");
    expect(writes).toHaveLength(0);
    pin.moveTo(1, 2, true);
    expect(style.visibility).toBe("");
    expect(writes).toEqual(["translate(1px, 2px) translate(-50%, 0)"]);
  });
});
