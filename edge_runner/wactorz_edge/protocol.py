"""The wire protocol between Home Assistant (the controller) and an edge node.

One concept: what travels on which topic, how control messages are signed and
checked, and what a valid payload looks like. Everything here is pure (no I/O),
so the Home Assistant side can import or mirror it and test against the same
example files (`docs/protocol/examples/*.json`). `docs/PROTOCOL.md` is the
human-readable form of this module.

Signed envelope (every control message, and the node's signed replies)::

    {"v": 1, "ts": 1764000000, "nonce": "<32 hex>", "payload": {...}, "sig": "<64 hex>"}

    sig = hex(HMAC-SHA256(secret, canonical({"kind": kind, "node": node,
              "nonce": nonce, "payload": payload, "ts": ts, "v": 1})))

`kind` and `node` come from the topic (`nodes/{node}/{kind}`), so a signed
message cannot be replayed on another topic or to another node.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
import hashlib
import hmac
import json
import math
import re
import secrets
import time
from typing import Any, Final

PROTOCOL_VERSION: Final = 1
MAX_PAYLOAD_BYTES: Final = 256 * 1024
DEFAULT_MAX_SKEW_S: Final = 60
DEFAULT_TASK_TIMEOUT_S: Final = 60.0
MAX_TASK_TIMEOUT_S: Final = 3600.0
MIN_SECRET_BYTES: Final = 32
REPLAY_CACHE_SIZE: Final = 4096

# Control kinds: nodes/{node}/{kind}, always signed.
SPAWN: Final = "spawn"
STOP: Final = "stop"
STOP_ALL: Final = "stop_all"
LIST: Final = "list"
MIGRATE: Final = "migrate"
DESIRED_STATE: Final = "desired_state"
CONTROL_KINDS: Final = (SPAWN, STOP, STOP_ALL, LIST, MIGRATE, DESIRED_STATE)
# Signed replies from the node.
AGENTS: Final = "agents"
MIGRATE_RESULT: Final = "migrate_result"

AGENT_KINDS: Final = ("builtin", "code")
AGENT_EVENT_SUFFIXES: Final = (
    "spawn",
    "status",
    "heartbeat",
    "logs",
    "alert",
    "errors",
    "completed",
)

NAME_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
AGENT_ID_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
NONCE_RE: Final = re.compile(r"^[0-9a-f]{16,64}$")
SIG_RE: Final = re.compile(r"^[0-9a-f]{64}$")
REQUEST_ID_RE: Final = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_WILDCARDS: Final = frozenset("+#\x00")


class ProtocolError(Exception):
    """A message was refused; `code` is stable, `str(err)` is for humans.

    Codes: bad_json, too_large, not_paired, unsigned, bad_envelope,
    bad_signature, stale, replayed, invalid_payload, refused.
    The message never contains secret material or the refused payload.
    """

    def __init__(self, code: str, message: str) -> None:
        """Create an error with a stable `code` and a human `message`."""
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------- topics


@dataclass(frozen=True)
class NodeTopics:
    """Every topic of one node."""

    node: str

    def control(self, kind: str) -> str:
        """Return `nodes/{node}/{kind}` for a control kind."""
        return f"nodes/{self.node}/{kind}"

    @property
    def agents(self) -> str:
        """Reply topic of `list`."""
        return f"nodes/{self.node}/agents"

    @property
    def migrate_result(self) -> str:
        """Reply topic of `migrate`."""
        return f"nodes/{self.node}/migrate_result"

    @property
    def heartbeat(self) -> str:
        """Node heartbeat (every 10 s)."""
        return f"nodes/{self.node}/heartbeat"

    @property
    def status(self) -> str:
        """Retained online/offline status; the MQTT last will goes here."""
        return f"nodes/{self.node}/status"

    @property
    def errors(self) -> str:
        """Refused or bad messages addressed to this node."""
        return f"nodes/{self.node}/errors"

    @property
    def reply(self) -> str:
        """Where replies to this node's `send_to` requests arrive."""
        return f"nodes/{self.node}/reply"

    @property
    def announce(self) -> str:
        """Retained discovery message for Home Assistant."""
        return f"wactorz/{self.node}/announce"


def task_topic(agent_name: str) -> str:
    """Return the task topic of an agent addressed by name."""
    return f"agents/by-name/{agent_name}/task"


def agent_event_topic(agent_id: str, suffix: str) -> str:
    """Return `agents/{id}/{suffix}` (suffix in AGENT_EVENT_SUFFIXES)."""
    return f"agents/{agent_id}/{suffix}"


def parse_control_topic(node: str, topic: str) -> str | None:
    """Return the control kind of `topic` when it is one of `node`'s, else None."""
    prefix = f"nodes/{node}/"
    if not topic.startswith(prefix):
        return None
    kind = topic[len(prefix) :]
    return kind if kind in CONTROL_KINDS else None


def parse_task_topic(topic: str) -> str | None:
    """Return the agent name of an `agents/by-name/{name}/task` topic, else None."""
    parts = topic.split("/")
    if len(parts) == 4 and parts[0] == "agents" and parts[1] == "by-name":
        if parts[3] == "task" and NAME_RE.match(parts[2]):
            return parts[2]
    return None


def is_publishable_topic(topic: str) -> bool:
    """Return True for a topic an agent or a reply may be published on."""
    return (
        0 < len(topic) <= 512
        and not topic.startswith("$")
        and not any(char in _WILDCARDS for char in topic)
    )


# ------------------------------------------------------------------- encoding


def canonical(obj: Any) -> bytes:
    """Return the canonical JSON encoding: sorted keys, no whitespace, UTF-8.

    Non-ASCII characters are written as UTF-8 (not as escapes); NaN and
    infinities are refused. Both sides are Python, so floats use `repr`.
    """
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def encode(obj: Any) -> bytes:
    """Encode a payload for MQTT (compact JSON, UTF-8)."""
    return json.dumps(
        obj, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def decode_json(raw: bytes | str, limit: int = MAX_PAYLOAD_BYTES) -> Any:
    """Parse an MQTT payload; raise ProtocolError (too_large, bad_json)."""
    if len(raw) > limit:
        raise ProtocolError("too_large", f"payload is {len(raw)} bytes (limit {limit})")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError) as err:
        raise ProtocolError("bad_json", f"payload is not JSON: {err}") from None


# -------------------------------------------------------------------- signing


def new_nonce() -> str:
    """Return a fresh random nonce (32 lowercase hex characters)."""
    return secrets.token_hex(16)


def signing_input(kind: str, node: str, ts: int, nonce: str, payload: Any) -> bytes:
    """Return the exact bytes the HMAC is computed over."""
    return canonical(
        {
            "kind": kind,
            "node": node,
            "nonce": nonce,
            "payload": payload,
            "ts": ts,
            "v": PROTOCOL_VERSION,
        }
    )


def signature(
    secret: bytes, kind: str, node: str, *, ts: int, nonce: str, payload: Any
) -> str:
    """Return the hex HMAC-SHA256 of a message."""
    return hmac.new(
        secret, signing_input(kind, node, ts, nonce, payload), hashlib.sha256
    ).hexdigest()


def sign(
    secret: bytes,
    kind: str,
    node: str,
    payload: Any,
    *,
    ts: int | None = None,
    nonce: str | None = None,
) -> dict[str, Any]:
    """Return a signed envelope for `payload` on `nodes/{node}/{kind}`."""
    ts = int(time.time()) if ts is None else ts
    nonce = new_nonce() if nonce is None else nonce
    return {
        "v": PROTOCOL_VERSION,
        "ts": ts,
        "nonce": nonce,
        "payload": payload,
        "sig": signature(secret, kind, node, ts=ts, nonce=nonce, payload=payload),
    }


def request_kind(agent_name: str) -> str:
    """Return the `kind` a signed task request is bound to: its whole topic."""
    return task_topic(agent_name)


def sign_request(
    secret: bytes,
    node: str,
    agent_name: str,
    task: dict[str, Any],
    *,
    ts: int | None = None,
    nonce: str | None = None,
) -> dict[str, Any]:
    """Return a signed task request from `node` for `agents/by-name/{agent_name}/task`.

    The envelope names its sender (`node`) so the receiver picks that node's
    secret; the signature binds the target agent (the topic) and the sender.
    """
    envelope = sign(secret, request_kind(agent_name), node, task, ts=ts, nonce=nonce)
    return {**envelope, "node": node}


def is_signed_request(data: Any) -> bool:
    """Return True when a task message is a signed request envelope."""
    return isinstance(data, dict) and "sig" in data and "node" in data


def open_request(envelope: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return (sender node, envelope without it) of a signed request; check the shape only."""
    sender = envelope.get("node")
    if not isinstance(sender, str) or not NAME_RE.match(sender):
        raise ProtocolError("bad_envelope", "'node' must name the sending node")
    return sender, {k: v for k, v in envelope.items() if k != "node"}


def verify_request(
    envelope: Any, *, secret: bytes | None, agent_name: str
) -> tuple[str, Signed]:
    """Verify a signed task request with the sender's secret; return (sender, signed)."""
    if not is_signed_request(envelope):
        raise ProtocolError("unsigned", "task request is not signed")
    sender, inner = open_request(envelope)
    return sender, verify(
        inner, secret=secret, kind=request_kind(agent_name), node=sender
    )


def key_id(secret: bytes) -> str:
    """Return a public fingerprint of a secret (safe to publish)."""
    return hmac.new(secret, b"wactorz-edge key-id v1", hashlib.sha256).hexdigest()[:16]


def parse_secret(text: str) -> bytes:
    """Parse a secret file's content: at least 64 hex characters (32 bytes)."""
    cleaned = "".join(text.split())
    try:
        secret = bytes.fromhex(cleaned)
    except ValueError:
        raise ValueError("the secret file must contain hex characters only") from None
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(
            f"the secret must be at least {MIN_SECRET_BYTES} bytes "
            f"({2 * MIN_SECRET_BYTES} hex characters)"
        )
    return secret


@dataclass(frozen=True)
class Signed:
    """A verified envelope."""

    payload: Any
    ts: int
    nonce: str


def verify(envelope: Any, *, secret: bytes | None, kind: str, node: str) -> Signed:
    """Check an envelope's shape and signature (constant-time compare).

    Freshness and replay are checked separately (`ReplayGuard`), after this.
    """
    if secret is None:
        raise ProtocolError("not_paired", "this node has no secret: pair it first")
    if not isinstance(envelope, dict):
        raise ProtocolError("unsigned", "expected a signed envelope object")
    if "sig" not in envelope:
        raise ProtocolError("unsigned", "message is not signed (no 'sig')")
    extra = set(envelope) - {"v", "ts", "nonce", "payload", "sig"}
    if extra:
        raise ProtocolError(
            "bad_envelope", f"unexpected envelope fields: {sorted(extra)}"
        )
    version, ts, nonce, sig = (envelope.get(k) for k in ("v", "ts", "nonce", "sig"))
    if version != PROTOCOL_VERSION or isinstance(version, bool):
        raise ProtocolError("bad_envelope", f"unsupported protocol version {version!r}")
    if not isinstance(ts, int) or isinstance(ts, bool) or ts < 0:
        raise ProtocolError("bad_envelope", "'ts' must be a non-negative integer")
    if not isinstance(nonce, str) or not NONCE_RE.match(nonce):
        raise ProtocolError("bad_envelope", "'nonce' must be 16-64 lowercase hex chars")
    if not isinstance(sig, str) or not SIG_RE.match(sig):
        raise ProtocolError("bad_envelope", "'sig' must be 64 lowercase hex chars")
    if "payload" not in envelope:
        raise ProtocolError("bad_envelope", "missing 'payload'")
    payload = envelope["payload"]
    try:
        expected = signature(secret, kind, node, ts=ts, nonce=nonce, payload=payload)
    except ValueError as err:
        raise ProtocolError(
            "bad_envelope", f"payload cannot be encoded: {err}"
        ) from None
    if not hmac.compare_digest(expected, sig):
        raise ProtocolError("bad_signature", "signature does not match")
    return Signed(payload=payload, ts=ts, nonce=nonce)


class ReplayGuard:
    """Freshness window and a bounded nonce cache.

    A message is accepted when |now - ts| <= max_skew and its nonce was not
    seen within the window. Nonces are remembered for 2 * max_skew + 1 s.
    Only verified messages are recorded, so only the key holder can fill the
    cache; when it is full of live nonces, new messages are refused (fail
    closed) rather than forgetting a nonce that could then be replayed.
    """

    def __init__(
        self, max_skew: int = DEFAULT_MAX_SKEW_S, size: int = REPLAY_CACHE_SIZE
    ) -> None:
        """Create an empty guard."""
        self.max_skew = max_skew
        self.size = size
        self._seen: OrderedDict[str, float] = OrderedDict()

    def check(self, signed: Signed, now: float | None = None) -> None:
        """Raise ProtocolError (stale, replayed) or record the nonce."""
        now = time.time() if now is None else now
        skew = signed.ts - now
        if abs(skew) > self.max_skew:
            raise ProtocolError(
                "stale",
                f"timestamp is {abs(skew):.0f} s {'ahead' if skew > 0 else 'old'} "
                f"(allowed {self.max_skew} s)",
            )
        self._expire(now)
        if signed.nonce in self._seen:
            raise ProtocolError("replayed", "nonce was already used")
        if len(self._seen) >= self.size:
            raise ProtocolError("replayed", "replay cache is full; retry later")
        self._seen[signed.nonce] = now

    def _expire(self, now: float) -> None:
        horizon = now - (2 * self.max_skew + 1)
        while self._seen:
            nonce, seen_at = next(iter(self._seen.items()))
            if seen_at >= horizon:
                break
            del self._seen[nonce]

    def export(self) -> dict[str, float]:
        """Return the live nonces (for persisting across restarts)."""
        return dict(self._seen)

    def restore(self, seen: dict[str, float], now: float | None = None) -> None:
        """Load nonces saved by `export` (expired ones are dropped)."""
        for nonce, seen_at in sorted(seen.items(), key=lambda item: item[1]):
            if isinstance(nonce, str) and isinstance(seen_at, (int, float)):
                self._seen[nonce] = float(seen_at)
        self._expire(time.time() if now is None else now)


# ----------------------------------------------------------------- validation


class _Checker:
    """Small helpers for hand-written validators; errors name the field path."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, path: str, message: str) -> ProtocolError:
        return ProtocolError("invalid_payload", f"{self.where}.{path}: {message}")

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, got {_type_name(value)}")
        return value

    def only(self, data: dict[str, Any], path: str, allowed: set[str]) -> None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise self.fail(path, f"unknown field(s) {unknown}")

    def string(
        self,
        data: dict[str, Any],
        key: str,
        *,
        required: bool = True,
        pattern: re.Pattern[str] | None = None,
        max_len: int = 1024,
        default: str | None = None,
    ) -> str | None:
        if key not in data:
            if required:
                raise self.fail(key, "missing required field")
            return default
        value = data[key]
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {_type_name(value)}")
        if len(value) > max_len:
            raise self.fail(key, f"longer than {max_len} characters")
        if pattern is not None and not pattern.match(value):
            raise self.fail(key, f"does not match {pattern.pattern}")
        return value

    def number(
        self,
        data: dict[str, Any],
        key: str,
        default: float,
        low: float,
        high: float,
        *,
        integer: bool = False,
    ) -> float:
        if key not in data:
            return default
        value = data[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (integer and not isinstance(value, int))
        ):
            wanted = "an integer" if integer else "a number"
            raise self.fail(key, f"expected {wanted}, got {_type_name(value)}")
        if not low <= value <= high or (isinstance(value, float) and math.isnan(value)):
            raise self.fail(key, f"must be between {low} and {high}")
        return value

    def boolean(self, data: dict[str, Any], key: str, default: bool) -> bool:
        if key not in data:
            return default
        value = data[key]
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true/false, got {_type_name(value)}")
        return value


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
    }.get(type(value), type(value).__name__)


@dataclass(frozen=True)
class RestartPolicy:
    """How the supervisor restarts a crashed agent."""

    max_restarts: int = 5
    window_s: float = 300.0
    backoff_s: float = 1.0
    backoff_max_s: float = 60.0

    def as_dict(self) -> dict[str, Any]:
        """Return the wire form."""
        return {
            "max_restarts": self.max_restarts,
            "window_s": self.window_s,
            "backoff_s": self.backoff_s,
            "backoff_max_s": self.backoff_max_s,
        }


@dataclass(frozen=True)
class AgentSpec:
    """What to run: the validated content of a spawn (or a desired_state entry)."""

    name: str
    kind: str
    agent_class: str | None = None
    source: str | None = None
    entry: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    agent_id: str | None = None
    description: str = ""
    packages: tuple[str, ...] = ()
    task_timeout_s: float = DEFAULT_TASK_TIMEOUT_S
    restart: RestartPolicy = field(default_factory=RestartPolicy)
    state: dict[str, Any] | None = None
    state_id: str | None = None
    replace: bool = False

    def as_dict(self, *, with_state: bool = True) -> dict[str, Any]:
        """Return the wire form (what `validate_spawn` accepts)."""
        data: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.agent_class is not None:
            data["class"] = self.agent_class
        if self.source is not None:
            data["source"] = self.source
        if self.entry is not None:
            data["entry"] = self.entry
        if self.agent_id is not None:
            data["id"] = self.agent_id
        data["config"] = self.config
        if self.description:
            data["description"] = self.description
        if self.packages:
            data["packages"] = list(self.packages)
        data["task_timeout_s"] = self.task_timeout_s
        data["restart"] = self.restart.as_dict()
        if with_state and self.state is not None:
            data["state"] = self.state
            if self.state_id is not None:
                data["state_id"] = self.state_id
        return data

    def fingerprint(self) -> str:
        """Return a digest of what is run (state, id and `replace` excluded).

        Two specs with the same fingerprint run the same agent the same way;
        reconciliation restarts an agent whose fingerprint changed.
        """
        data = self.as_dict(with_state=False)
        data.pop("id", None)
        return hashlib.sha256(canonical(data)).hexdigest()[:16]

    def state_marker(self) -> str | None:
        """Return the id of the carried state (given, or a digest of it)."""
        if self.state is None:
            return None
        if self.state_id is not None:
            return self.state_id
        return "sha256:" + hashlib.sha256(canonical(self.state)).hexdigest()[:32]


_SPAWN_FIELDS = {
    "name",
    "kind",
    "class",
    "source",
    "entry",
    "config",
    "id",
    "description",
    "packages",
    "task_timeout_s",
    "restart",
    "state",
    "state_id",
    "replace",
}
_PACKAGE_RE: Final = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$")


def validate_spawn(payload: Any, where: str = "spawn") -> AgentSpec:
    """Validate a spawn payload (or a desired_state entry) into an AgentSpec."""
    check = _Checker(where)
    data = check.obj(payload, "payload")
    check.only(data, "payload", _SPAWN_FIELDS)
    name = check.string(data, "name", pattern=NAME_RE)
    kind = check.string(data, "kind", default="builtin", required=False)
    if kind not in AGENT_KINDS:
        raise check.fail("kind", f"must be one of {list(AGENT_KINDS)}")
    agent_class = check.string(data, "class", required=False, pattern=NAME_RE)
    source = check.string(data, "source", required=False, max_len=MAX_PAYLOAD_BYTES)
    entry = check.string(
        data,
        "entry",
        required=False,
        pattern=re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"),
    )
    if kind == "builtin":
        if agent_class is None:
            raise check.fail("class", "a builtin agent needs 'class'")
        if source is not None or entry is not None:
            raise check.fail("source", "only code agents carry 'source'/'entry'")
    elif source is None or not source.strip():
        raise check.fail("source", "a code agent needs a non-empty 'source'")
    elif agent_class is not None:
        raise check.fail("class", "a code agent has no 'class' (use 'entry')")
    config = check.obj(data.get("config", {}), "config")
    agent_id = check.string(data, "id", required=False, pattern=AGENT_ID_RE)
    description = check.string(data, "description", required=False, max_len=2048) or ""
    packages_raw = data.get("packages", [])
    if not isinstance(packages_raw, list) or len(packages_raw) > 32:
        raise check.fail("packages", "expected an array of at most 32 names")
    for index, package in enumerate(packages_raw):
        if not isinstance(package, str) or not _PACKAGE_RE.match(package):
            raise check.fail(f"packages[{index}]", "not a plain package name")
    timeout = check.number(
        data, "task_timeout_s", DEFAULT_TASK_TIMEOUT_S, 0.1, MAX_TASK_TIMEOUT_S
    )
    restart = _validate_restart(check, data.get("restart", {}))
    state = data.get("state")
    if state is not None:
        state = check.obj(state, "state")
    state_id = check.string(data, "state_id", required=False, pattern=REQUEST_ID_RE)
    if state_id is not None and state is None:
        raise check.fail("state_id", "given without 'state'")
    assert name is not None  # required=True
    return AgentSpec(
        name=name,
        kind=kind,
        agent_class=agent_class,
        source=source,
        entry=entry,
        config=config,
        agent_id=agent_id,
        description=description,
        packages=tuple(packages_raw),
        task_timeout_s=float(timeout),
        restart=restart,
        state=state,
        state_id=state_id,
        replace=check.boolean(data, "replace", default=False),
    )


def _validate_restart(check: _Checker, raw: Any) -> RestartPolicy:
    data = check.obj(raw, "restart")
    check.only(
        data, "restart", {"max_restarts", "window_s", "backoff_s", "backoff_max_s"}
    )
    sub = _Checker(f"{check.where}.restart")
    backoff = sub.number(data, "backoff_s", 1.0, 0.0, 600.0)
    return RestartPolicy(
        max_restarts=int(sub.number(data, "max_restarts", 5, 0, 1000, integer=True)),
        window_s=float(sub.number(data, "window_s", 300.0, 1.0, 86400.0)),
        backoff_s=float(backoff),
        backoff_max_s=float(sub.number(data, "backoff_max_s", 60.0, backoff, 3600.0)),
    )


@dataclass(frozen=True)
class StopRequest:
    """Stop one agent; `purge` also deletes its persisted state."""

    name: str
    purge: bool = False


def validate_stop(payload: Any) -> StopRequest:
    """Validate a stop payload."""
    check = _Checker("stop")
    data = check.obj(payload, "payload")
    check.only(data, "payload", {"name", "purge"})
    name = check.string(data, "name", pattern=NAME_RE)
    assert name is not None
    return StopRequest(name=name, purge=check.boolean(data, "purge", default=False))


def validate_stop_all(payload: Any) -> str:
    """Validate a stop_all payload; return the optional reason."""
    check = _Checker("stop_all")
    data = check.obj(payload, "payload")
    check.only(data, "payload", {"reason"})
    return check.string(data, "reason", required=False, max_len=256) or ""


def validate_list(payload: Any) -> str | None:
    """Validate a list payload; return the optional request id."""
    check = _Checker("list")
    data = check.obj(payload, "payload")
    check.only(data, "payload", {"request_id"})
    return check.string(data, "request_id", required=False, pattern=REQUEST_ID_RE)


@dataclass(frozen=True)
class MigrateRequest:
    """Hand an agent over: stop it here and return its spec and state."""

    agent: str
    request_id: str
    target: str | None = None


def validate_migrate(payload: Any) -> MigrateRequest:
    """Validate a migrate payload."""
    check = _Checker("migrate")
    data = check.obj(payload, "payload")
    check.only(data, "payload", {"agent", "request_id", "target"})
    agent = check.string(data, "agent", pattern=NAME_RE)
    request_id = check.string(data, "request_id", pattern=REQUEST_ID_RE)
    target = check.string(data, "target", required=False, pattern=NAME_RE)
    assert agent is not None and request_id is not None
    return MigrateRequest(agent=agent, request_id=request_id, target=target)


@dataclass(frozen=True)
class DesiredState:
    """The complete set of agents a node should run."""

    agents: tuple[AgentSpec, ...]
    revision: int | None = None


def validate_desired_state(payload: Any) -> DesiredState:
    """Validate a desired_state payload (names must be unique)."""
    check = _Checker("desired_state")
    data = check.obj(payload, "payload")
    check.only(data, "payload", {"agents", "revision"})
    raw_agents = data.get("agents")
    if not isinstance(raw_agents, list):
        raise check.fail("agents", f"expected an array, got {_type_name(raw_agents)}")
    specs = tuple(
        validate_spawn(item, f"desired_state.agents[{index}]")
        for index, item in enumerate(raw_agents)
    )
    names = [spec.name for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise check.fail("agents", f"duplicate agent names {duplicates}")
    revision = None
    if "revision" in data:
        revision = int(check.number(data, "revision", 0, 0, 2**63, integer=True))
    return DesiredState(agents=specs, revision=revision)


@dataclass(frozen=True)
class TaskRequest:
    """A task for an agent (`agents/by-name/{name}/task`; not signed)."""

    payload: Any
    reply_to: str | None = None
    correlation_id: str | None = None
    sender: str | None = None


def validate_task(data: Any) -> TaskRequest:
    """Validate a task message."""
    check = _Checker("task")
    obj = check.obj(data, "payload")
    check.only(obj, "payload", {"payload", "reply_to", "correlation_id", "from"})
    if "payload" not in obj:
        raise check.fail("payload", "missing required field")
    reply_to = check.string(obj, "reply_to", required=False, max_len=512)
    if reply_to is not None and not is_publishable_topic(reply_to):
        raise check.fail("reply_to", "not a publishable topic")
    correlation_id = check.string(
        obj, "correlation_id", required=False, pattern=REQUEST_ID_RE
    )
    if reply_to is not None and correlation_id is None:
        raise check.fail("correlation_id", "required with 'reply_to'")
    sender = check.string(obj, "from", required=False, max_len=256)
    return TaskRequest(
        payload=obj["payload"],
        reply_to=reply_to,
        correlation_id=correlation_id,
        sender=sender,
    )


@dataclass(frozen=True)
class TaskReply:
    """A reply to a task (published on the request's `reply_to`)."""

    correlation_id: str
    ok: bool
    result: Any = None
    error: str | None = None


def validate_reply(data: Any) -> TaskReply:
    """Validate a task reply."""
    check = _Checker("reply")
    obj = check.obj(data, "payload")
    correlation_id = check.string(obj, "correlation_id", pattern=REQUEST_ID_RE)
    ok = obj.get("ok")
    if not isinstance(ok, bool):
        raise check.fail("ok", "expected true/false")
    error = check.string(obj, "error", required=False, max_len=4096)
    assert correlation_id is not None
    return TaskReply(
        correlation_id=correlation_id, ok=ok, result=obj.get("result"), error=error
    )


def reply_payload(
    correlation_id: str,
    *,
    ok: bool,
    result: Any = None,
    error: str | None = None,
    agent: str | None = None,
    node: str | None = None,
) -> dict[str, Any]:
    """Build a task reply."""
    data: dict[str, Any] = {"correlation_id": correlation_id, "ok": ok}
    if ok:
        data["result"] = result
    else:
        data["error"] = error or "failed"
    if agent is not None:
        data["agent"] = agent
    if node is not None:
        data["node"] = node
    return data
