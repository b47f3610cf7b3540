"""The QA agent's checks, as pure functions: secrets, prompt injection, error bleed, code review.

Pure and cheap so that every exit point (MQTT export, service replies, Assist)
can run them inline; the QA actor counts and publishes what they find.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
import json
import re

from ..core.redaction import SecretScrubber

_INJECTION_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(ignore|disregard|forget)\b.{0,40}\b(previous|prior|above|earlier|all|your)\b.{0,20}\b(instructions?|rules|prompts?|guidelines)",
        r"\byou are now\b.{0,60}\b(dan|unrestricted|jailbroken|developer mode|no longer)",
        r"\b(reveal|print|show|repeat|leak)\b.{0,40}\b(system prompt|hidden instructions|your instructions|api[ _-]?keys?|secrets?)",
        r"\bdeveloper mode\b|\bjailbreak\b|\bDAN mode\b",
        r"<\s*/?\s*(system|assistant)\s*>",
        r"\bnew instructions\s*:",
        r"\bact as (root|admin|the system)\b",
    )
)
_ERROR_BLEED_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r"^\s*File \"[^\"]+\", line \d+", re.MULTILINE),
    re.compile(r"\b[A-Z][A-Za-z]+(Error|Exception): "),
)
# Raw JSON in a reply meant for people (not in a structured reply, which is JSON).
_JSON_BLEED = re.compile(r"^\s*[\[{]\s*\"[A-Za-z_]+\"\s*:", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing QA noticed in a text."""

    kind: str  # "secret" | "injection" | "error_bleed"
    detail: str


def find_injection(text: str) -> list[Finding]:
    """Return prompt-injection attempts in user or tool text."""
    found: list[Finding] = []
    for pattern in _INJECTION_PATTERNS:
        match = pattern.search(text)
        if match is not None:
            found.append(Finding("injection", match.group(0)[:80]))
    return found


def find_error_bleed(text: str, *, json_ok: bool = False) -> list[Finding]:
    """Return signs that raw errors, tracebacks or JSON leak into a user-facing reply.

    `json_ok`: the text is a value of a structured (JSON) reply, so JSON is expected.
    """
    patterns = (
        _ERROR_BLEED_PATTERNS if json_ok else (*_ERROR_BLEED_PATTERNS, _JSON_BLEED)
    )
    return [
        Finding("error_bleed", pattern.pattern[:40])
        for pattern in patterns
        if pattern.search(text)
    ]


def find_secrets(text: str, scrubber: SecretScrubber) -> list[Finding]:
    """Return a finding when the text carries something secret-shaped (never the secret itself)."""
    if scrubber.contains_secret(text):
        return [Finding("secret", "a secret-looking value was redacted")]
    return []


# -- generated code review -----------------------------------------------------

ALLOWED_IMPORTS = frozenset(
    {
        "asyncio",
        "bisect",
        "collections",
        "dataclasses",
        "datetime",
        "decimal",
        "enum",
        "fractions",
        "functools",
        "heapq",
        "itertools",
        "json",
        "math",
        "operator",
        "random",
        "re",
        "statistics",
        "string",
        "time",
        "typing",
        "zoneinfo",
    }
)
_BANNED_CALLS = frozenset(
    {
        "eval",
        "exec",
        "compile",
        "__import__",
        "open",
        "input",
        "breakpoint",
        "globals",
        "locals",
        "vars",
        "getattr",
        "setattr",
        "delattr",
        "memoryview",
    }
)
_BANNED_ATTRIBUTES = frozenset(
    {
        "system",
        "popen",
        "spawn",
        "fork",
        "kill",
        "remove",
        "unlink",
        "rmtree",
        "chmod",
        "chown",
    }
)
MAX_CODE_CHARS = 50_000


@dataclass(slots=True)
class CodeVerdict:
    """The static review of generated code: safe or not, and why."""

    safe: bool = True
    reasons: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)

    def refuse(self, reason: str) -> None:
        """Record a reason to refuse."""
        self.safe = False
        if reason not in self.reasons:
            self.reasons.append(reason)


def review_code(source: str) -> CodeVerdict:
    """Statically review Python meant for an edge node: imports, calls, files, network, dunders."""
    verdict = CodeVerdict()
    if len(source) > MAX_CODE_CHARS:
        verdict.refuse(f"code is longer than {MAX_CODE_CHARS} characters")
        return verdict
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        verdict.refuse(f"syntax error on line {err.lineno}: {err.msg}")
        return verdict
    for node in ast.walk(tree):
        match node:
            case ast.Import(names=names):
                for alias in names:
                    _check_import(verdict, alias.name)
            case ast.ImportFrom(module=module, level=level):
                if level:
                    verdict.refuse("relative imports are not allowed")
                else:
                    _check_import(verdict, module or "")
            case ast.Call(func=ast.Name(id=name)) if name in _BANNED_CALLS:
                verdict.refuse(f"calls {name}() (line {node.lineno})")
            case ast.Attribute(attr=attr) if attr.startswith("__") and attr.endswith(
                "__"
            ):
                verdict.refuse(
                    f"touches the dunder attribute {attr} (line {node.lineno})"
                )
            case ast.Attribute(attr=attr) if attr in _BANNED_ATTRIBUTES:
                verdict.refuse(f"uses .{attr} (line {node.lineno})")
            case ast.Name(id=name) if name.startswith("__") and name != "__name__":
                verdict.refuse(f"uses the name {name} (line {node.lineno})")
            case _:
                pass
    return verdict


def _check_import(verdict: CodeVerdict, module: str) -> None:
    root = module.split(".", 1)[0]
    if root not in verdict.imports:
        verdict.imports.append(root)
    if root not in ALLOWED_IMPORTS:
        verdict.refuse(f"imports {module}, which is not on the allow-list")


def review_agent_code(
    source: str, scrubber: SecretScrubber | None = None
) -> CodeVerdict:
    """Review the source of an edge code agent: `review_code`, one Agent subclass, no secrets.

    The node's child process runs the one class that subclasses the injected
    `Agent` (see the runner's `child.py`); a secret written into code would be
    stored on the broker (retained desired_state) and on the node.
    """
    verdict = review_code(source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return verdict  # already refused with the line
    agents = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(
            isinstance(base, ast.Name) and base.id == "Agent" for base in node.bases
        )
    ]
    if not agents:
        verdict.refuse("defines no class that subclasses Agent")
    elif len(agents) > 1:
        verdict.refuse(
            f"defines {len(agents)} Agent subclasses ({', '.join(agents)}); exactly one runs"
        )
    if scrubber is not None and scrubber.contains_secret(source):
        verdict.refuse(
            "contains a secret-looking value (keys and tokens stay out of code)"
        )
    return verdict


LLM_REVIEW_PROMPT = (
    "You review Python code before it runs as an agent on an edge node of a smart home. "
    "The code subclasses a given `Agent` class whose methods publish MQTT messages, log, "
    "persist small JSON values and ask other agents. Decide whether it is safe to run: "
    "refuse code that reads or writes files, opens network connections, starts processes, "
    "tries to escape its sandbox or inspect the interpreter, sends data somewhere the "
    "description does not call for, floods MQTT, or spins without awaiting. Answer with "
    'JSON only: {"verdict": "safe" or "unsafe", "reasons": [short sentences]}.'
)
LLM_REVIEW_SCHEMA = {
    "type": "object",
    "properties": {
        "verdict": {"type": "string", "enum": ["safe", "unsafe"]},
        "reasons": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["verdict", "reasons"],
    "additionalProperties": False,
}
MAX_LLM_REASONS = 10


def parse_llm_review(text: str) -> CodeVerdict:
    """Read the reviewer model's JSON answer; anything but a clear "safe" refuses."""
    verdict = CodeVerdict()
    try:
        data = json.loads(text)
    except ValueError:
        verdict.refuse("the LLM review's answer could not be read")
        return verdict
    if not isinstance(data, dict):
        verdict.refuse("the LLM review's answer could not be read")
        return verdict
    reasons = data.get("reasons")
    listed = [
        str(reason)[:300]
        for reason in (reasons if isinstance(reasons, list) else [])[:MAX_LLM_REASONS]
        if str(reason).strip()
    ]
    if data.get("verdict") == "safe":
        verdict.reasons.extend(listed)
        return verdict
    for reason in listed or ["the LLM review found the code unsafe"]:
        verdict.refuse(reason)
    return verdict
