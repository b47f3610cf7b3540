"""Signed envelopes of the edge protocol (HMAC-SHA256), Home Assistant's own copy.

Pure (no Home Assistant, no `wactorz_edge` import): the integration must not
depend on the runner package, so this mirrors `docs/PROTOCOL.md` and is tested
against the shared `docs/protocol/examples/signing-vector.json`.

    signing_input = canonical({"kind", "node", "nonce", "payload", "ts", "v": 1})
    sig           = lowercase_hex(HMAC-SHA256(node_secret, signing_input))

Control messages: kind = last topic level, node = the node of the topic.
Task requests from a node: kind = the whole task topic, node = the sender,
named by the envelope's extra `node` field (`sign_request`/`verify_request`).
"""

from __future__ import annotations

from collections import OrderedDict
import hashlib
import hmac
import json
import re
import secrets
import time
from typing import Any, Final

PROTOCOL_VERSION: Final = 1
MAX_PAYLOAD_BYTES: Final = 256 * 1024
MAX_SKEW_S: Final = 60
MIN_SECRET_BYTES: Final = 32
MAX_SECRET_HEX: Final = 256
KEY_ID_LABEL: Final = b"wactorz-edge key-id v1"

NAME_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
AGENT_ID_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
REQUEST_ID_RE: Final = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
NONCE_RE: Final = re.compile(r"^[0-9a-f]{16,64}$")
SIG_RE: Final = re.compile(r"^[0-9a-f]{64}$")
KEY_ID_RE: Final = re.compile(r"^[0-9a-f]{16}$")
_ENVELOPE_FIELDS: Final = frozenset({"v", "ts", "nonce", "payload", "sig"})


class SignatureError(Exception):
    """A signed message was refused; `code` uses the protocol's error codes."""

    def __init__(self, code: str, message: str) -> None:
        """Create an error with a stable code (never carries secret material)."""
        super().__init__(message)
        self.code = code


def canonical(obj: Any) -> bytes:
    """Return the canonical JSON bytes: sorted keys, no whitespace, UTF-8, no NaN."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


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
    """Return the lowercase hex HMAC-SHA256 of one message."""
    return hmac.new(
        secret, signing_input(kind, node, ts, nonce, payload), hashlib.sha256
    ).hexdigest()


def new_nonce() -> str:
    """Return 32 random lowercase hex characters."""
    return secrets.token_hex(16)


def sign(
    secret: bytes,
    kind: str,
    node: str,
    payload: Any,
    *,
    ts: int | None = None,
    nonce: str | None = None,
) -> dict[str, Any]:
    """Return the signed envelope of `payload` for topic `nodes/{node}/{kind}`."""
    ts = int(time.time()) if ts is None else ts
    nonce = new_nonce() if nonce is None else nonce
    return {
        "v": PROTOCOL_VERSION,
        "ts": ts,
        "nonce": nonce,
        "payload": payload,
        "sig": signature(secret, kind, node, ts=ts, nonce=nonce, payload=payload),
    }


def request_kind(agent: str) -> str:
    """Return the `kind` a signed task request is bound to: its whole topic."""
    return f"agents/by-name/{agent}/task"


def sign_request(
    secret: bytes,
    node: str,
    agent: str,
    task: Any,
    *,
    ts: int | None = None,
    nonce: str | None = None,
) -> dict[str, Any]:
    """Return a task request for `agent` signed by `node` (the envelope names the sender)."""
    return {
        **sign(secret, request_kind(agent), node, task, ts=ts, nonce=nonce),
        "node": node,
    }


def is_signed_request(data: Any) -> bool:
    """Return True when a task message is a signed request envelope."""
    return isinstance(data, dict) and "sig" in data and "node" in data


def request_sender(data: Any) -> str:
    """Return the sender node a signed request names; raise SignatureError."""
    if not is_signed_request(data):
        raise SignatureError("unsigned", "task request is not signed")
    sender = data["node"]
    if not isinstance(sender, str) or not NAME_RE.match(sender):
        raise SignatureError("bad_envelope", "'node' must name the sending node")
    return sender


def verify_request(
    envelope: Any, *, secret: bytes, agent: str
) -> tuple[str, Any, int, str]:
    """Verify a signed task request with its sender's secret; return (sender, task, ts, nonce)."""
    sender = request_sender(envelope)
    inner = {key: value for key, value in envelope.items() if key != "node"}
    payload, ts, nonce = verify(
        inner, secret=secret, kind=request_kind(agent), node=sender
    )
    return sender, payload, ts, nonce


def key_id(secret: bytes) -> str:
    """Return the public fingerprint the node announces (16 hex characters)."""
    return hmac.new(secret, KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]


def parse_secret(text: str) -> bytes:
    """Parse a pasted secret file: hex only, at least 32 bytes; raise ValueError."""
    cleaned = "".join(text.split())
    if not cleaned or len(cleaned) > MAX_SECRET_HEX:
        raise ValueError("length")
    try:
        secret = bytes.fromhex(cleaned)
    except ValueError:
        raise ValueError("not hex") from None
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError("too short")
    return secret


def decode(raw: bytes | str) -> Any:
    """Parse a payload (bounded, UTF-8 JSON, no NaN); raise SignatureError."""
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise SignatureError("too_large", "payload too large")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return json.loads(text, parse_constant=_refuse_constant)
    except UnicodeDecodeError, ValueError:
        raise SignatureError("bad_json", "payload is not JSON") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def verify(
    envelope: Any, *, secret: bytes, kind: str, node: str
) -> tuple[Any, int, str]:
    """Check an envelope's shape and HMAC (constant time); return (payload, ts, nonce)."""
    if not isinstance(envelope, dict) or "sig" not in envelope:
        raise SignatureError("unsigned", "message is not signed")
    if set(envelope) - _ENVELOPE_FIELDS or "payload" not in envelope:
        raise SignatureError("bad_envelope", "unexpected envelope fields")
    version, ts, nonce, sig = (envelope.get(k) for k in ("v", "ts", "nonce", "sig"))
    if version != PROTOCOL_VERSION or isinstance(version, bool):
        raise SignatureError("bad_envelope", "unsupported protocol version")
    if not isinstance(ts, int) or isinstance(ts, bool) or ts < 0:
        raise SignatureError("bad_envelope", "bad timestamp")
    if not isinstance(nonce, str) or not NONCE_RE.match(nonce):
        raise SignatureError("bad_envelope", "bad nonce")
    if not isinstance(sig, str) or not SIG_RE.match(sig):
        raise SignatureError("bad_envelope", "bad signature format")
    payload = envelope["payload"]
    try:
        expected = signature(secret, kind, node, ts=ts, nonce=nonce, payload=payload)
    except ValueError:
        raise SignatureError("bad_envelope", "payload cannot be encoded") from None
    if not hmac.compare_digest(expected, sig):
        raise SignatureError("bad_signature", "signature does not match")
    return payload, ts, nonce


class ReplayGuard:
    """Freshness window plus a bounded nonce cache for the node's signed replies."""

    def __init__(self, max_skew: int = MAX_SKEW_S, size: int = 1024) -> None:
        """Create an empty guard."""
        self.max_skew = max_skew
        self.size = size
        self._seen: OrderedDict[str, float] = OrderedDict()

    def check(self, ts: int, nonce: str, now: float | None = None) -> None:
        """Raise SignatureError (stale, replayed) or remember the nonce."""
        now = time.time() if now is None else now
        if abs(ts - now) > self.max_skew:
            raise SignatureError("stale", "timestamp outside the allowed window")
        horizon = now - (2 * self.max_skew + 1)
        while self._seen and next(iter(self._seen.values())) < horizon:
            self._seen.popitem(last=False)
        if nonce in self._seen:
            raise SignatureError("replayed", "nonce was already used")
        if len(self._seen) >= self.size:
            raise SignatureError("replayed", "replay cache is full")
        self._seen[nonce] = now


def is_reply_topic(topic: Any) -> bool:
    """Return True for a topic a reply may be published on (no wildcards, no `$`)."""
    return (
        isinstance(topic, str)
        and 0 < len(topic) <= 512
        and not topic.startswith("$")
        and not any(char in "+#\x00" for char in topic)
    )
