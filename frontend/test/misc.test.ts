import { describe, expect, it } from "vitest";
import { luminance, parseColor, stateColor } from "../src/lib/colors";
import { commandNames, parseCommand } from "../src/lib/commands";
import { InputHistory } from "../src/lib/history";
import { arcPoint, computeLayout, nodeRadius, type Vec3 } from "../src/lib/layout";

describe("InputHistory", () => {
  it("walks back and forth and restores the draft", () => {
    const history = new InputHistory(["/agents", "@io hi"]);
    expect(history.up("draft")).toBe("@io hi");
    expect(history.up("ignored")).toBe("/agents");
    expect(history.up("")).toBeNull();
    expect(history.down()).toBe("@io hi");
    expect(history.down()).toBe("draft");
    expect(history.down()).toBeNull();
  });

  it("skips repeats and empties and stays bounded", () => {
    const history = new InputHistory([], 3);
    for (const line of ["a", "a", " ", "b", "c", "d"]) history.push(line);
    expect(history.toJSON()).toEqual(["b", "c", "d"]);
    expect(history.up("")).toBe("d");
    history.push("e");
    expect(history.up("")).toBe("e");
  });
});

describe("commands", () => {
  it("parses slash-commands and strips @ from agent arguments", () => {
    expect(parseCommand("/pause @io")).toMatchObject({ name: "pause", args: ["io"] });
    expect(parseCommand("/AGENTS")?.command?.local).toBe(false);
    expect(parseCommand("/nope")?.command).toBeNull();
    expect(parseCommand("hello")).toBeNull();
  });

  it("offers admin commands to admins only", () => {
    expect(commandNames(false)).not.toContain("pause");
    expect(commandNames(true)).toContain("pause");
  });
});

describe("colors", () => {
  it("parses theme colours", () => {
    expect(parseColor("#fff")).toEqual([1, 1, 1]);
    expect(parseColor(" #111111 ")).toEqual([17 / 255, 17 / 255, 17 / 255]);
    expect(parseColor("rgb(255, 0, 0)")).toEqual([1, 0, 0]);
    expect(parseColor("rgba(0 0 255 / 50%)")).toEqual([0, 0, 1]);
    expect(parseColor("var(--x)")).toBeNull();
    expect(luminance([1, 1, 1])).toBeCloseTo(1);
    expect(stateColor("nonsense")).toBe("#9e9e9e");
  });
});

describe("layout", () => {
  it("keeps agents of a node inside its disc", () => {
    const agents = Array.from({ length: 50 }, (_, k) => ({ k, name: `a${k}`, node: "home", protected: k < 3 }));
    const layout = computeLayout(["home"], agents, "home");
    const radius = nodeRadius(50);
    for (const [, [x, , z]] of layout.agents) expect(Math.hypot(x, z)).toBeLessThan(radius);
    // Protected agents take the centre.
    expect(layout.agents.get(0)).toEqual([0, expect.any(Number), 0]);
  });

  it("arcs above both ends", () => {
    const a: Vec3 = [0, 1, 0];
    const b: Vec3 = [10, 1, 0];
    const out: Vec3 = [0, 0, 0];
    expect(arcPoint(a, b, 0, out)).toEqual([0, 1, 0]);
    expect(arcPoint(a, b, 1, out)).toEqual([10, 1, 0]);
    expect(arcPoint(a, b, 0.5, out)[1]).toBeGreaterThan(1);
  });
});

import { describeFeedItem } from "../src/lib/feedtext";

describe("describeFeedItem", () => {
  it("reads status, error, alert and chat items", () => {
    expect(describeFeedItem({ kind: "status", name: "io", t: 0, state: "paused", previous: "running" })).toEqual({
      icon: "mdi:swap-horizontal",
      text: "paused (was running)",
      level: "warning",
    });
    expect(describeFeedItem({ kind: "status", name: "x", t: 0, state: "failed", previous: "running", error: "boom" }).text).toBe(
      "failed (was running): boom",
    );
    expect(describeFeedItem({ kind: "error", name: "x", t: 0, phase: "handle", error_type: "E", message: "m" })).toMatchObject({
      text: "handle: E: m",
      level: "error",
    });
    expect(describeFeedItem({ kind: "alert", name: "x", t: 0, message: "hot", severity: "warning" }).level).toBe("warning");
    expect(describeFeedItem({ kind: "chat", name: "io", t: 0, to: "user", content: "hi" }).text).toBe("→ user: hi");
  });
});
