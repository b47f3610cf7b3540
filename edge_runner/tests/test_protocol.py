"""protocol.py against the shared example files (docs/protocol/examples)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from wactorz_edge import protocol as p

SIGNED_VALIDATORS = {
    p.SPAWN: p.validate_spawn,
    p.STOP: p.validate_stop,
    p.STOP_ALL: p.validate_stop_all,
    p.LIST: p.validate_list,
    p.MIGRATE: p.validate_migrate,
    p.DESIRED_STATE: p.validate_desired_state,
}


@pytest.fixture
def vector(examples: dict[str, dict]) -> dict:
    """Return the signing test vector."""
    return examples["signing-vector"]


def test_every_control_kind_and_reply_has_an_example(examples: dict[str, dict]) -> None:
    """One example per message kind; topics are the node's."""
    kinds = {e.get("kind") for e in examples.values()}
    assert set(p.CONTROL_KINDS) | {p.AGENTS, p.MIGRATE_RESULT, "task", "reply"} <= kinds
    topics = {e["topic"].split("/")[-1] for e in examples.values() if "topic" in e}
    for suffix in (
        "heartbeat",
        "status",
        "errors",
        "announce",
        *p.AGENT_EVENT_SUFFIXES,
    ):
        assert suffix in topics, suffix


def test_signing_vector_independent_hmac(vector: dict) -> None:
    """The documented signing input and signature, recomputed with plain hmac."""
    secret = bytes.fromhex(vector["secret_hex"])
    recomputed = json.dumps(
        {
            "kind": vector["kind"],
            "node": vector["node"],
            "nonce": vector["nonce"],
            "payload": vector["payload"],
            "ts": vector["ts"],
            "v": 1,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert recomputed == vector["signing_input"]
    sig = hmac.new(secret, recomputed.encode(), hashlib.sha256).hexdigest()
    assert sig == vector["sig"] == vector["envelope"]["sig"]
    assert (
        p.signature(
            secret,
            vector["kind"],
            vector["node"],
            ts=vector["ts"],
            nonce=vector["nonce"],
            payload=vector["payload"],
        )
        == sig
    )
    assert p.key_id(secret) == vector["key_id"]


def test_signed_examples_verify_and_validate(
    examples: dict[str, dict], vector: dict
) -> None:
    """Every signed example verifies with the vector's secret and validates."""
    secret = bytes.fromhex(vector["secret_hex"])
    node = vector["node"]
    checked = 0
    for name, example in examples.items():
        if example.get("signed") is not True:
            continue
        kind = example["kind"]
        assert example["topic"].endswith(f"/{kind}"), name
        signed = p.verify(example["message"], secret=secret, kind=kind, node=node)
        p.ReplayGuard().check(signed, now=signed.ts)
        validator = SIGNED_VALIDATORS.get(kind)
        if validator is not None:
            validator(signed.payload)
        checked += 1
    assert checked >= 9


def test_signed_task_request_example(examples: dict[str, dict], vector: dict) -> None:
    """The signed request example verifies, is bound to its topic and sender, and unwraps to a task."""
    example = examples["task-signed"]
    secret = bytes.fromhex(vector["secret_hex"])
    agent = p.parse_task_topic(example["topic"])
    assert agent == "main"
    message = example["message"]
    assert p.is_signed_request(message)
    sender, signed = p.verify_request(message, secret=secret, agent_name=agent)
    assert sender == example["sender"] == "rpi-bedroom"
    assert (
        p.signing_input(
            p.request_kind(agent), sender, signed.ts, signed.nonce, signed.payload
        )
        == example["signing_input"].encode()
    )
    task = p.validate_task(signed.payload)
    assert task.reply_to == "nodes/rpi-bedroom/reply"
    again = p.sign_request(
        secret, sender, agent, signed.payload, ts=signed.ts, nonce=signed.nonce
    )
    assert again == message
    for other in ({"agent_name": "echo-1"},):  # replayed to another agent
        with pytest.raises(p.ProtocolError) as err:
            p.verify_request(message, secret=secret, **other)
        assert err.value.code == "bad_signature"
    with pytest.raises(p.ProtocolError) as err:  # claims another sender
        p.verify_request(
            {**message, "node": "rpi-kitchen"}, secret=secret, agent_name=agent
        )
    assert err.value.code == "bad_signature"
    with pytest.raises(p.ProtocolError) as err:
        p.verify_request(message, secret=bytes(32), agent_name=agent)
    assert err.value.code == "bad_signature"
    with pytest.raises(p.ProtocolError) as err:
        p.verify_request(signed.payload, secret=secret, agent_name=agent)
    assert err.value.code == "unsigned"
    with pytest.raises(p.ProtocolError) as err:
        p.verify_request(
            {**message, "node": "bad/node"}, secret=secret, agent_name=agent
        )
    assert err.value.code == "bad_envelope"
    refused = p.validate_reply(examples["task-refused"]["message"])
    assert refused.correlation_id == task.correlation_id and refused.ok is False


def test_migrate_result_spec_is_a_valid_spawn(examples: dict[str, dict]) -> None:
    """The spec handed over by migrate_result can be spawned elsewhere as is."""
    spec = p.validate_spawn(examples["migrate_result"]["message"]["payload"]["spec"])
    assert spec.state == {"count": 41}
    assert spec.state_marker() == "mig-20251124-0001"


def test_unsigned_examples_validate(examples: dict[str, dict]) -> None:
    """Task and reply examples pass their validators."""
    task = p.validate_task(examples["task"]["message"])
    assert task.reply_to == "nodes/rpi-bedroom/reply" and task.correlation_id
    for name in ("task-reply", "task-reply-error"):
        reply = p.validate_reply(examples[name]["message"])
        assert reply.correlation_id == task.correlation_id
    assert examples["status-offline"]["retain"] is True
    assert examples["announce"]["topic"] == "wactorz/rpi-kitchen/announce"


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda e: e.pop("sig"), "unsigned"),
        (lambda e: e.update(sig="0" * 64), "bad_signature"),
        (lambda e: e["payload"].update(name="other"), "bad_signature"),
        (lambda e: e.update(ts=e["ts"] + 1), "bad_signature"),
        (lambda e: e.update(nonce="ab" * 16), "bad_signature"),
        (lambda e: e.update(sig="XYZ"), "bad_envelope"),
        (lambda e: e.update(ts="now"), "bad_envelope"),
        (lambda e: e.update(ts=True), "bad_envelope"),
        (lambda e: e.update(nonce="not hex"), "bad_envelope"),
        (lambda e: e.update(v=2), "bad_envelope"),
        (lambda e: e.update(extra=1), "bad_envelope"),
        (lambda e: e.pop("payload"), "bad_envelope"),
    ],
)
def test_tampering_is_detected(vector: dict, mutate, code: str) -> None:
    """Any change to the envelope breaks it with a precise code."""
    envelope = json.loads(json.dumps(vector["envelope"]))
    mutate(envelope)
    with pytest.raises(p.ProtocolError) as err:
        p.verify(
            envelope,
            secret=bytes.fromhex(vector["secret_hex"]),
            kind=vector["kind"],
            node=vector["node"],
        )
    assert err.value.code == code


def test_signature_is_bound_to_kind_node_and_secret(vector: dict) -> None:
    """The same envelope is refused on another topic, node, or with another secret."""
    secret = bytes.fromhex(vector["secret_hex"])
    envelope = vector["envelope"]
    for kind, node, key in (
        (p.STOP, vector["node"], secret),
        (vector["kind"], "rpi-other", secret),
        (vector["kind"], vector["node"], b"y" * 32),
    ):
        with pytest.raises(p.ProtocolError, match="signature"):
            p.verify(envelope, secret=key, kind=kind, node=node)
    with pytest.raises(p.ProtocolError) as err:
        p.verify(envelope, secret=None, kind=vector["kind"], node=vector["node"])
    assert err.value.code == "not_paired"
    with pytest.raises(p.ProtocolError) as err:
        p.verify([1, 2], secret=secret, kind=vector["kind"], node=vector["node"])
    assert err.value.code == "unsigned"


def test_replay_guard_window_and_nonces() -> None:
    """Stale both ways, replay refused, cache bounded and expiring, export/restore."""
    guard = p.ReplayGuard(max_skew=60, size=3)
    now = 1_000_000.0
    with pytest.raises(p.ProtocolError, match="old") as err:
        guard.check(p.Signed({}, int(now) - 61, "a" * 32), now=now)
    assert err.value.code == "stale"
    with pytest.raises(p.ProtocolError, match="ahead"):
        guard.check(p.Signed({}, int(now) + 61, "a" * 32), now=now)
    guard.check(p.Signed({}, int(now) - 60, "a" * 32), now=now)
    with pytest.raises(p.ProtocolError) as err:
        guard.check(p.Signed({}, int(now), "a" * 32), now=now + 1)
    assert err.value.code == "replayed"
    guard.check(p.Signed({}, int(now), "b" * 32), now=now)
    guard.check(p.Signed({}, int(now), "c" * 32), now=now)
    with pytest.raises(p.ProtocolError, match="full"):
        guard.check(p.Signed({}, int(now), "d" * 32), now=now)
    later = now + 200  # all expired
    guard.check(p.Signed({}, int(later), "d" * 32), now=later)
    restored = p.ReplayGuard(max_skew=60)
    restored.restore(guard.export(), now=later)
    with pytest.raises(p.ProtocolError, match="already"):
        restored.check(p.Signed({}, int(later), "d" * 32), now=later)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "spawn.payload: expected an object, got array"),
        ({"kind": "builtin", "class": "echo"}, "spawn.name: missing required field"),
        ({"name": 5, "class": "echo"}, "spawn.name: expected a string, got integer"),
        ({"name": "a/b", "class": "echo"}, "spawn.name: does not match"),
        (
            {"name": "a", "class": "echo", "config": []},
            "spawn.config: expected an object",
        ),
        ({"name": "a"}, "spawn.class: a builtin agent needs 'class'"),
        ({"name": "a", "kind": "shell", "class": "x"}, "spawn.kind: must be one of"),
        ({"name": "a", "kind": "code"}, "spawn.source: a code agent needs"),
        (
            {"name": "a", "class": "echo", "source": "x"},
            "spawn.source: only code agents",
        ),
        ({"name": "a", "class": "echo", "unknown": 1}, "unknown field(s) ['unknown']"),
        ({"name": "a", "class": "echo", "task_timeout_s": "9"}, "expected a number"),
        ({"name": "a", "class": "echo", "task_timeout_s": 0}, "must be between"),
        ({"name": "a", "class": "echo", "replace": "yes"}, "expected true/false"),
        ({"name": "a", "class": "echo", "packages": ["pkg; rm -rf /"]}, "packages[0]"),
        (
            {"name": "a", "class": "echo", "packages": ["https://x/y.whl"]},
            "packages[0]",
        ),
        ({"name": "a", "class": "echo", "packages": ["../evil"]}, "packages[0]"),
        ({"name": "a", "class": "echo", "packages": "numpy"}, "spawn.packages"),
        ({"name": "a", "class": "echo", "state_id": "x"}, "given without 'state'"),
        (
            {"name": "a", "class": "echo", "restart": {"max_restarts": -1}},
            "spawn.restart.max_restarts: must be between",
        ),
        (
            {
                "name": "a",
                "class": "echo",
                "restart": {"backoff_s": 10, "backoff_max_s": 5},
            },
            "backoff_max_s",
        ),
    ],
)
def test_spawn_validation_errors(payload: object, message: str) -> None:
    """Bad spawns give clear errors naming the field."""
    with pytest.raises(p.ProtocolError) as err:
        p.validate_spawn(payload)
    assert err.value.code == "invalid_payload"
    assert message in str(err.value)


def test_other_validators() -> None:
    """stop/list/migrate/desired_state/task/reply edge cases."""
    assert p.validate_stop({"name": "x"}) == p.StopRequest("x", purge=False)
    assert p.validate_stop_all({}) == ""
    assert p.validate_list({}) is None
    with pytest.raises(p.ProtocolError, match="migrate.request_id: missing"):
        p.validate_migrate({"agent": "x"})
    with pytest.raises(p.ProtocolError, match="duplicate agent names"):
        p.validate_desired_state({"agents": [{"name": "a", "class": "echo"}] * 2})
    with pytest.raises(p.ProtocolError, match=r"desired_state.agents\[1\].class"):
        p.validate_desired_state(
            {"agents": [{"name": "a", "class": "echo"}, {"name": "b"}]}
        )
    with pytest.raises(
        p.ProtocolError, match="desired_state.agents: expected an array"
    ):
        p.validate_desired_state({"agents": None})
    with pytest.raises(p.ProtocolError, match="required with 'reply_to'"):
        p.validate_task({"payload": 1, "reply_to": "a/b"})
    with pytest.raises(p.ProtocolError, match="not a publishable topic"):
        p.validate_task({"payload": 1, "reply_to": "a/#", "correlation_id": "c"})
    with pytest.raises(p.ProtocolError, match="task.payload: missing"):
        p.validate_task({})
    with pytest.raises(p.ProtocolError, match="reply.ok"):
        p.validate_reply({"correlation_id": "c"})


def test_decode_json_limits() -> None:
    """Oversize, non-UTF-8, non-JSON and NaN are refused with codes."""
    with pytest.raises(p.ProtocolError) as err:
        p.decode_json(b"1" * (p.MAX_PAYLOAD_BYTES + 1))
    assert err.value.code == "too_large"
    for raw in (b"\xff", b"{", b"NaN", b'{"a": Infinity}'):
        with pytest.raises(p.ProtocolError) as err:
            p.decode_json(raw)
        assert err.value.code == "bad_json"
    assert p.decode_json(b'{"a": [1, 2.5, "\xc3\xa9"]}') == {"a": [1, 2.5, "é"]}


def test_canonical_encoding() -> None:
    """Sorted keys, no whitespace, raw UTF-8, no NaN."""
    assert p.canonical({"b": 1, "a": {"d": [1, 2], "c": "é"}}) == (
        '{"a":{"c":"é","d":[1,2]},"b":1}'.encode()
    )
    with pytest.raises(ValueError):
        p.canonical({"x": float("nan")})


def test_topics() -> None:
    """Topic helpers parse only what is theirs."""
    topics = p.NodeTopics("n1")
    assert topics.control("spawn") == "nodes/n1/spawn"
    assert p.parse_control_topic("n1", "nodes/n1/desired_state") == "desired_state"
    assert p.parse_control_topic("n1", "nodes/n1/heartbeat") is None
    assert p.parse_control_topic("n1", "nodes/n2/spawn") is None
    assert p.parse_task_topic("agents/by-name/echo-1/task") == "echo-1"
    assert p.parse_task_topic("agents/by-name/echo-1/other") is None
    assert not p.is_publishable_topic("$SYS/x")
    assert not p.is_publishable_topic("a/+/b")


def test_parse_secret() -> None:
    """Secret files hold at least 32 bytes as hex."""
    assert p.parse_secret("ab" * 32 + "\n") == bytes.fromhex("ab" * 32)
    with pytest.raises(ValueError, match="at least 32 bytes"):
        p.parse_secret("ab" * 16)
    with pytest.raises(ValueError, match="hex"):
        p.parse_secret("not hex at all")


def test_spec_round_trip_and_fingerprint(examples: dict[str, dict]) -> None:
    """as_dict() is accepted by validate_spawn; fingerprints ignore id and state."""
    payload = examples["spawn-builtin"]["message"]["payload"]
    spec = p.validate_spawn(payload)
    again = p.validate_spawn(spec.as_dict())
    assert again == spec
    with_state = p.validate_spawn({**payload, "state": {"count": 1}, "id": "other-id"})
    assert with_state.fingerprint() == spec.fingerprint()
    changed = p.validate_spawn({**payload, "config": {"start": 5}})
    assert changed.fingerprint() != spec.fingerprint()
