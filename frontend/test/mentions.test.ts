import { describe, expect, it } from "vitest";
import { applyCompletion, findCompletionQuery, matchScore, parseMention, rankCandidates } from "../src/lib/mentions";

const NAMES = ["main", "monitor", "io", "kitchen-light", "light_state", "lights", "mailer"];

describe("findCompletionQuery", () => {
  it("finds an @mention being typed anywhere", () => {
    expect(findCompletionQuery("@mo", 3)).toEqual({ trigger: "@", query: "mo", start: 0, end: 3 });
    expect(findCompletionQuery("ask @ki please", 7)).toEqual({ trigger: "@", query: "ki", start: 4, end: 7 });
    expect(findCompletionQuery("ask @kitchen please", 6)).toEqual({ trigger: "@", query: "k", start: 4, end: 12 });
    expect(findCompletionQuery("hello @", 7)).toEqual({ trigger: "@", query: "", start: 6, end: 7 });
  });

  it("finds a /command only at the start", () => {
    expect(findCompletionQuery("/ag", 3)).toEqual({ trigger: "/", query: "ag", start: 0, end: 3 });
    expect(findCompletionQuery("  /he", 5)?.trigger).toBe("/");
    expect(findCompletionQuery("see /ag", 7)).toBeNull();
  });

  it("ignores e-mail addresses, paths and plain words", () => {
    expect(findCompletionQuery("me@home", 7)).toBeNull();
    expect(findCompletionQuery("a/b", 3)).toBeNull();
    expect(findCompletionQuery("hello", 5)).toBeNull();
    expect(findCompletionQuery("@x", 9)).toBeNull();
  });
});

describe("rankCandidates", () => {
  it("puts exact, then prefix, then word-prefix, then substring, then fuzzy matches", () => {
    expect(rankCandidates("light", NAMES)).toEqual(["lights", "light_state", "kitchen-light"]);
    expect(rankCandidates("ma", NAMES)).toEqual(["main", "mailer"]);
    expect(rankCandidates("io", NAMES)).toEqual(["io", "monitor"]);
    expect(rankCandidates("st", NAMES)).toEqual(["light_state"]);
    expect(rankCandidates("mtr", NAMES)).toEqual(["monitor"]);
  });

  it("lists everything for an empty query, shortest first, up to the limit", () => {
    expect(rankCandidates("", NAMES, 3)).toEqual(["io", "main", "lights"]);
  });

  it("is case-insensitive and drops non-matches", () => {
    expect(matchScore("MAIN", "main")).toBe(100);
    expect(matchScore("xyz", "main")).toBe(-1);
    expect(rankCandidates("zzz", NAMES)).toEqual([]);
  });
});

describe("applyCompletion", () => {
  it("replaces the token and puts the caret after a space", () => {
    const text = "ask @ki please";
    const query = findCompletionQuery(text, 7)!;
    expect(applyCompletion(text, query, "kitchen-light")).toEqual({
      text: "ask @kitchen-light please",
      caret: 19,
    });
    const start = findCompletionQuery("@mo", 3)!;
    expect(applyCompletion("@mo", start, "monitor")).toEqual({ text: "@monitor ", caret: 9 });
    const command = findCompletionQuery("/ag", 3)!;
    expect(applyCompletion("/ag", command, "agents").text).toBe("/agents ");
  });
});

describe("parseMention", () => {
  it("splits like the server", () => {
    expect(parseMention("@Echo  hello there")).toEqual({ agent: "echo", rest: "hello there" });
    expect(parseMention("  @io")).toEqual({ agent: "io", rest: "" });
    expect(parseMention("hello @io")).toEqual({ agent: null, rest: "hello @io" });
  });
});
