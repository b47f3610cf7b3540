// `@agent` and `/command` autocomplete for the IO bar (pure, tested).

export type Trigger = "@" | "/";

export interface CompletionQuery {
  trigger: Trigger;
  /** The typed part after the trigger (may be empty). */
  query: string;
  /** Index of the trigger character in the text. */
  start: number;
  /** Index just after the token (the caret or the end of the word). */
  end: number;
}

const NAME_CHAR = /[a-z0-9_-]/i;
// The server's mention syntax (custom_components/wactorz/agents/text.py).
const MENTION_RE = /^\s*@([a-z0-9][a-z0-9_-]*)\s*([\s\S]*)$/i;

/** Find the token being completed at `caret`: "@na|" anywhere, "/he|" only at the start. */
export function findCompletionQuery(text: string, caret: number): CompletionQuery | null {
  if (caret < 0 || caret > text.length) return null;
  let start = caret;
  while (start > 0 && NAME_CHAR.test(text[start - 1])) start -= 1;
  const trigger = text[start - 1];
  if (trigger !== "@" && trigger !== "/") return null;
  const at = start - 1;
  // A trigger starts a word: at the beginning or after whitespace (not in "a@b" or "a/b").
  if (at > 0 && !/\s/.test(text[at - 1])) return null;
  if (trigger === "/" && text.slice(0, at).trim() !== "") return null;
  let end = caret;
  while (end < text.length && NAME_CHAR.test(text[end])) end += 1;
  return { trigger, query: text.slice(start, caret), start: at, end };
}

/** Score of `candidate` for `query` (higher is better), or -1 when it does not match. */
export function matchScore(query: string, candidate: string): number {
  const q = query.toLowerCase();
  const c = candidate.toLowerCase();
  if (q === "") return 1;
  if (c === q) return 100;
  if (c.startsWith(q)) return 80 - Math.min(c.length - q.length, 20) / 100;
  // Prefix of a later word: "st" matches "light-state", "kitchen_stove".
  const words = c.split(/[-_]/);
  if (words.slice(1).some((word) => word.startsWith(q))) return 60;
  if (c.includes(q)) return 40;
  // Letters in order: "lgt" matches "light".
  let i = 0;
  for (const ch of c) if (ch === q[i]) i += 1;
  return i === q.length ? 20 - Math.min(c.length, 19) / 100 : -1;
}

/** The best `limit` candidates for `query`, best first (ties: shorter, then alphabetical). */
export function rankCandidates(query: string, candidates: Iterable<string>, limit = 8): string[] {
  const scored: [number, string][] = [];
  for (const candidate of candidates) {
    const score = matchScore(query, candidate);
    if (score >= 0) scored.push([score, candidate]);
  }
  scored.sort((a, b) => b[0] - a[0] || a[1].length - b[1].length || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return scored.slice(0, limit).map(([, candidate]) => candidate);
}

/** Replace the query's token with the chosen value; return the new text and caret. */
export function applyCompletion(
  text: string,
  query: CompletionQuery,
  value: string,
): { text: string; caret: number } {
  const before = text.slice(0, query.start);
  let after = text.slice(query.end);
  const insert = `${query.trigger}${value}`;
  if (!after.startsWith(" ")) after = ` ${after}`;
  return { text: before + insert + after, caret: before.length + insert.length + 1 };
}

/** Split "@agent rest" like the server does; agent is lower-cased, or null. */
export function parseMention(text: string): { agent: string | null; rest: string } {
  const match = MENTION_RE.exec(text);
  if (!match) return { agent: null, rest: text };
  return { agent: match[1].toLowerCase(), rest: match[2].trim() };
}
