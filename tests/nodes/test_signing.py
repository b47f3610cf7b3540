"""HMAC envelopes of the edge protocol against the shared example files."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

import pytest

from custom_components.wactorz.nodes import signing
from custom_components.wactorz.nodes.signing import SignatureError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "protocol" / "examples"


def _example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(name="vector")
def vector_fixture() -> dict[str, Any]:
    """Return the shared signing vector."""
    return _example("signing-vector")


def test_signing_vector(vector: dict[str, Any]) -> None:
    """The signing input, signature, envelope and key id match the shared vector exactly."""
    secret = bytes.fromhex(vector["secret_hex"])
    args = (vector["kind"], vector["node"], vector["ts"], vector["nonce"])
    assert signing.signing_input(*args, vector["payload"]) == vector[
        "signing_input"
    ].encode("utf-8")
    assert (
        signing.signature(
            secret,
            vector["kind"],
            vector["node"],
            ts=vector["ts"],
            nonce=vector["nonce"],
            payload=vector["payload"],
        )
        == vector["sig"]
    )
    envelope = signing.sign(
        secret,
        vector["kind"],
        vector["node"],
        vector["payload"],
        ts=vector["ts"],
        nonce=vector["nonce"],
    )
    assert envelope == vector["envelope"]
    assert signing.key_id(secret) == vector["key_id"]


def test_every_signed_example_verifies(vector: dict[str, Any]) -> None:
    """Each signed example (both directions) verifies with the test secret, on its own topic only."""
    secret = bytes.fromhex(vector["secret_hex"])
    signed = [
        data
        for path in sorted(EXAMPLES.glob("*.json"))
        if (data := json.loads(path.read_text(encoding="utf-8"))).get("signed") is True
    ]
    assert len(signed) >= 8
    for example in signed:
        node, kind = example["topic"].split("/")[1:3]
        raw = json.dumps(example["message"], indent=3)  # whitespace does not matter
        payload, ts, nonce = signing.verify(
            signing.decode(raw.encode()), secret=secret, kind=kind, node=node
        )
        assert payload == example["message"]["payload"]
        assert (ts, nonce) == (example["message"]["ts"], example["message"]["nonce"])
        with pytest.raises(SignatureError) as err:
            signing.verify(example["message"], secret=secret, kind=kind, node="other")
        assert err.value.code == "bad_signature"


def test_refusals(vector: dict[str, Any]) -> None:
    """Tampered, wrong-key, wrong-kind, unsigned and malformed envelopes are refused by code."""
    secret = bytes.fromhex(vector["secret_hex"])
    good = vector["envelope"]
    cases: list[tuple[Any, str, bytes, str]] = [
        (
            {**good, "payload": {**good["payload"], "name": "x"}},
            "spawn",
            secret,
            "bad_signature",
        ),
        (good, "spawn", b"\x01" * 32, "bad_signature"),
        (good, "stop", secret, "bad_signature"),
        (good["payload"], "spawn", secret, "unsigned"),
        ([good], "spawn", secret, "unsigned"),
        ({**good, "extra": 1}, "spawn", secret, "bad_envelope"),
        ({**good, "v": 2}, "spawn", secret, "bad_envelope"),
        ({**good, "v": True}, "spawn", secret, "bad_envelope"),
        ({**good, "ts": "1764000000"}, "spawn", secret, "bad_envelope"),
        ({**good, "nonce": "XYZ"}, "spawn", secret, "bad_envelope"),
        ({**good, "sig": good["sig"].upper()}, "spawn", secret, "bad_envelope"),
        (
            {k: v for k, v in good.items() if k != "payload"},
            "spawn",
            secret,
            "bad_envelope",
        ),
    ]
    for envelope, kind, key, code in cases:
        with pytest.raises(SignatureError) as err:
            signing.verify(envelope, secret=key, kind=kind, node=vector["node"])
        assert err.value.code == code, (envelope, kind)
        assert vector["secret_hex"] not in str(err.value)


def test_signed_task_request_example(vector: dict[str, Any]) -> None:
    """The runner's signed send_to request verifies with its sender's secret, on its topic only."""
    secret = bytes.fromhex(vector["secret_hex"])
    example = _example("task-signed")
    agent = example["topic"].split("/")[2]
    message = signing.decode(json.dumps(example["message"], indent=2).encode())
    assert signing.request_sender(message) == example["sender"]
    sender, task, ts, nonce = signing.verify_request(
        message, secret=secret, agent=agent
    )
    assert sender == "rpi-bedroom" and task == example["message"]["payload"]
    assert (
        signing.signing_input(signing.request_kind(agent), sender, ts, nonce, task)
        == example["signing_input"].encode()
    )
    assert (
        signing.sign_request(secret, sender, agent, task, ts=ts, nonce=nonce)
        == example["message"]
    )
    cases: list[tuple[Any, str, bytes, str]] = [
        (message, "echo-1", secret, "bad_signature"),  # redirected to another agent
        ({**message, "node": "rpi-kitchen"}, agent, secret, "bad_signature"),
        (message, agent, b"\x02" * 32, "bad_signature"),
        (task, agent, secret, "unsigned"),
        ({k: v for k, v in message.items() if k != "node"}, agent, secret, "unsigned"),
        ({**message, "node": "bad/node"}, agent, secret, "bad_envelope"),
        ({**message, "node": 7}, agent, secret, "bad_envelope"),
        ({**message, "extra": 1}, agent, secret, "bad_envelope"),
    ]
    for envelope, target, key, code in cases:
        with pytest.raises(SignatureError) as err:
            signing.verify_request(envelope, secret=key, agent=target)
        assert err.value.code == code, (envelope, target)
    refused = _example("task-refused")["message"]
    assert refused["ok"] is False and refused["code"] == "unsigned"
    assert refused["correlation_id"] == task["correlation_id"]


def test_decode_bounds() -> None:
    """Too large, non-UTF-8, non-JSON and NaN payloads are refused."""
    with pytest.raises(SignatureError, match="too large"):
        signing.decode(b"[" * (signing.MAX_PAYLOAD_BYTES + 1))
    for raw in (b"\xff", b"{not json", b'{"a": NaN}', b"[Infinity]"):
        with pytest.raises(SignatureError) as err:
            signing.decode(raw)
        assert err.value.code == "bad_json"
    with pytest.raises(ValueError):
        signing.canonical({"x": float("nan")})


def test_replay_guard() -> None:
    """Fresh once: a second use of a nonce or a timestamp outside the window is refused."""
    guard = signing.ReplayGuard(max_skew=60, size=2)
    guard.check(1000, "a" * 32, now=1000.0)
    with pytest.raises(SignatureError, match="already used"):
        guard.check(1000, "a" * 32, now=1001.0)
    with pytest.raises(SignatureError) as err:
        guard.check(900, "b" * 32, now=1000.0)
    assert err.value.code == "stale"
    guard.check(1000, "c" * 32, now=1000.0)
    with pytest.raises(SignatureError, match="full"):
        guard.check(1000, "d" * 32, now=1000.0)
    guard.check(1200, "d" * 32, now=1200.0)  # old nonces expired: room again


def test_parse_secret() -> None:
    """A secret file's content: hex, at least 32 bytes, whitespace ignored."""
    assert signing.parse_secret("ab" * 32 + "\n") == bytes.fromhex("ab" * 32)
    assert signing.parse_secret(" ".join(["abcd"] * 16)) == bytes.fromhex("abcd" * 16)
    for bad in ("", "ab" * 31, "zz" * 32, "ab" * 200):
        with pytest.raises(ValueError):
            signing.parse_secret(bad)


def test_reply_topics() -> None:
    """Replies never go to wildcards, `$` topics or empty/overlong topics."""
    assert signing.is_reply_topic("nodes/pi/reply")
    for bad in ("", "a/+/b", "a/#", "$SYS/x", "a\x00", "x" * 513, None, 5):
        assert not signing.is_reply_topic(bad)


def test_same_result_as_the_runner_reference() -> None:
    """Cross-check with the runner's reference implementation (tests only import it)."""
    protocol = pytest.importorskip("wactorz_edge.protocol")
    secret = bytes(range(32, 64))
    payloads = [
        {"name": "é-ü", "config": {"x": [1, 2.5, None, True], "ß": "日本"}},
        {"agents": [], "revision": 1764000000123},
        {"nested": {"b": 1, "a": {"d": [], "c": ""}}},
    ]
    for payload in payloads:
        ours = signing.sign(
            secret, "desired_state", "n1", payload, ts=5, nonce="ab" * 8
        )
        theirs = protocol.sign(
            secret, "desired_state", "n1", payload, ts=5, nonce="ab" * 8
        )
        assert ours == theirs
        assert (
            protocol.verify(
                ours, secret=secret, kind="desired_state", node="n1"
            ).payload
            == payload
        )
    assert signing.key_id(secret) == protocol.key_id(secret)
    task = {"payload": "hi", "reply_to": "nodes/n1/reply", "correlation_id": "c1"}
    ours = signing.sign_request(secret, "n1", "main", task, ts=5, nonce="cd" * 8)
    assert ours == protocol.sign_request(
        secret, "n1", "main", task, ts=5, nonce="cd" * 8
    )
    assert protocol.verify_request(ours, secret=secret, agent_name="main")[0] == "n1"


def test_the_integration_never_imports_the_runner() -> None:
    """The integration mirrors the protocol; it must not depend on wactorz_edge."""
    source = ROOT / "custom_components" / "wactorz"
    pattern = re.compile(r"^\s*(from|import)\s+wactorz_edge", re.MULTILINE)
    offenders = [
        str(path.relative_to(ROOT))
        for path in source.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
