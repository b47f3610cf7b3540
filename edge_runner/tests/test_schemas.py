"""docs/protocol/schemas against the shared examples and against what the runner sends."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from schema_check import (
    SCHEMAS,
    SchemaError,
    check_schema,
    example_errors,
    load_examples,
    load_schemas,
    validate,
)

from wactorz_edge import protocol as p
from wactorz_edge.agent import Agent
from wactorz_edge.link import LinkSettings
from wactorz_edge.runner import Runner, RunnerConfig
from wactorz_edge.store import AgentState, Store
from wactorz_edge.supervisor import AgentSupervisor

PROTOCOL_MD = SCHEMAS.parents[1] / "PROTOCOL.md"
SECRET = bytes.fromhex("5c" * 32)


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    """Load every schema file."""
    return load_schemas()


@pytest.fixture(scope="module")
def all_examples() -> dict[str, Any]:
    """Load every example wrapper."""
    return load_examples()


def test_schemas_are_well_formed_and_documented(schemas: dict[str, Any]) -> None:
    """Every schema uses only what the validator checks, and PROTOCOL.md links it."""
    assert len(schemas) >= 19
    text = PROTOCOL_MD.read_text(encoding="utf-8")
    for name, schema in schemas.items():
        check_schema(schema, schemas, name)
        assert schema["$schema"].endswith("2020-12/schema"), name
        assert f"(protocol/schemas/{name})" in text, f"PROTOCOL.md does not link {name}"
    assert '```json\n{"type"' not in text  # no second copy inside the Markdown


def test_every_example_validates_against_its_schema(
    schemas: dict[str, Any], all_examples: dict[str, Any]
) -> None:
    """Each example names its schema; all pass; every schema is used or referenced."""
    used = {"envelope.json"}
    for name, example in all_examples.items():
        assert example["schema"] in schemas, name
        assert example_errors(example, schemas) == [], name
        used.add(example["schema"])
    referenced = {
        ref
        for text in map(json.dumps, schemas.values())
        for ref in schemas
        if f'"$ref": "{ref}"' in text
    }
    assert set(schemas) == used | referenced


def _set(path: str, value: Any) -> Any:
    def mutate(message: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = message
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value

    return mutate


_DELETE = object()


@pytest.mark.parametrize(
    ("example", "mutate", "error"),
    [
        ("heartbeat", _set("agents", "none"), "$.agents: expected array"),
        ("heartbeat", _set("agents.0.state", "dancing"), "$.agents[0].state"),
        ("heartbeat", _set("agents.0.busy", 0), "$.agents[0].busy: expected boolean"),
        ("heartbeat", _set("protocol", 2), "$.protocol: must be 1"),
        ("heartbeat", _set("ts", _DELETE), "missing 'ts'"),
        ("status-online", _set("status", "maybe"), "$.status"),
        ("errors", _set("code", "oops"), "$.code"),
        ("errors", _set("suppressed", -1), "$.suppressed: below 0"),
        ("announce", _set("key_id", "XYZ"), "$.key_id"),
        ("task", _set("reply_to", "a/+/b"), "$.reply_to"),
        ("task", _set("reply_to", "$SYS/x"), "$.reply_to"),
        ("task", _set("extra", 1), "unexpected property 'extra'"),
        ("task-reply", _set("ok", 1), "$.ok: expected boolean"),
        ("agent-completed", _set("preview", "x" * 201), "$.preview: longer than 200"),
        ("detection", _set("objects.0.box", [1, 2, 3]), "fewer than 4 items"),
        ("detection", _set("objects.0.confidence", 1.5), "above 1"),
        ("task-signed", _set("node", "a/b"), "$.node"),
        (
            "task-signed",
            _set("payload.correlation_id", "bad id"),
            "$.payload.correlation_id",
        ),
    ],
)
def test_the_schemas_refuse_bad_messages(
    schemas: dict[str, Any],
    all_examples: dict[str, Any],
    example: str,
    mutate: Any,
    error: str,
) -> None:
    """A broken copy of an example fails with an error naming the field."""
    wrapper = copy.deepcopy(all_examples[example])
    mutate(wrapper["message"])
    errors = example_errors(wrapper, schemas)
    assert any(error in item for item in errors), errors


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (_set("sig", "0" * 63), "$.sig"),
        (_set("v", 2), "$.v: must be 1"),
        (_set("v", True), "$.v: must be 1"),
        (_set("ts", "now"), "$.ts: expected integer"),
        (_set("nonce", "NOT-HEX"), "$.nonce"),
        (_set("extra", 1), "unexpected property 'extra'"),
        (_set("payload", _DELETE), "missing 'payload'"),
    ],
)
def test_the_envelope_schema_refuses_what_the_runner_refuses(
    schemas: dict[str, Any], all_examples: dict[str, Any], mutate: Any, error: str
) -> None:
    """A broken envelope: the schema and the runner's verification both refuse it."""
    vector = all_examples["signing-vector"]
    envelope = copy.deepcopy(vector["envelope"])
    mutate(envelope)
    errors = validate(envelope, "envelope.json", schemas)
    assert any(error in item for item in errors), errors
    with pytest.raises(p.ProtocolError) as err:
        p.verify(
            envelope,
            secret=bytes.fromhex(vector["secret_hex"]),
            kind=vector["kind"],
            node=vector["node"],
        )
    assert err.value.code == "bad_envelope"


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (_set("name", "a/b"), "$.name"),
        (_set("name", _DELETE), "missing 'name'"),
        (_set("kind", "shell"), "$.kind"),
        (_set("config", []), "$.config: expected object"),
        (_set("packages", ["pkg; rm -rf /"]), "$.packages[0]"),
        (_set("packages", ["https://x/y.whl"]), "$.packages[0]"),
        (_set("task_timeout_s", 0), "$.task_timeout_s: below 0.1"),
        (_set("restart", {"max_restarts": -1}), "$.restart.max_restarts"),
        (_set("replace", "yes"), "$.replace: expected boolean"),
        (_set("unknown", 1), "unexpected property 'unknown'"),
    ],
)
def test_the_spawn_schema_refuses_what_the_runner_refuses(
    schemas: dict[str, Any], all_examples: dict[str, Any], mutate: Any, error: str
) -> None:
    """A broken spawn payload: the schema and `validate_spawn` both refuse it."""
    payload = copy.deepcopy(all_examples["spawn-builtin"]["message"]["payload"])
    mutate(payload)
    errors = validate(payload, "spawn.json", schemas)
    assert any(error in item for item in errors), errors
    with pytest.raises(p.ProtocolError) as err:
        p.validate_spawn(payload)
    assert err.value.code == "invalid_payload"


def test_the_validator_refuses_what_it_does_not_implement(
    schemas: dict[str, Any],
) -> None:
    """A schema keyword it would silently skip is an error, not a pass."""
    with pytest.raises(SchemaError, match="oneOf"):
        check_schema({"oneOf": [{"type": "string"}]}, schemas)
    with pytest.raises(SchemaError, match="not a schema file"):
        check_schema({"$ref": "nowhere.json"}, schemas)
    assert validate(1, {"type": "integer"}, schemas) == []
    assert validate(True, {"type": "integer"}, schemas) != []
    assert validate(True, {"enum": [1]}, schemas) != []


async def test_what_the_runner_sends_matches_the_schemas(
    schemas: dict[str, Any], all_examples: dict[str, Any], tmp_path: Path
) -> None:
    """Specs, envelopes, replies, the announce and agent descriptions the runner builds."""
    for name in ("spawn-builtin", "spawn-code", "spawn-with-state"):
        spec = p.validate_spawn(all_examples[name]["message"]["payload"])
        assert validate(spec.as_dict(), "spawn.json", schemas) == [], name
        envelope = p.sign(SECRET, p.SPAWN, "pi", spec.as_dict())
        assert validate(envelope, "envelope.json", schemas) == []
    task = {"payload": 1, "reply_to": "nodes/pi/reply", "correlation_id": "pi.1"}
    request = p.sign_request(SECRET, "pi", "main", task)
    assert validate(request, "task-request.json", schemas) == []
    for reply in (
        p.reply_payload("c1", ok=True, result={"x": 1}, agent="a", node="pi"),
        p.reply_payload("c1", ok=False, error="boom"),
    ):
        assert validate(reply, "reply.json", schemas) == []

    runner = Runner(
        RunnerConfig(
            node="pi-schema",
            link=LinkSettings(host="127.0.0.1", port=1, client_id="wactorz-edge-pi"),
            data_dir=tmp_path / "data",
            secret=SECRET,
        )
    )
    assert validate(runner.announcement(), "announce.json", schemas) == []
    sent: list[tuple[str, Any]] = []
    runner.publish = lambda topic, data, **_kw: sent.append((topic, data))  # type: ignore[method-assign]
    spec = p.validate_spawn({"name": "echo-s", "class": "echo"})
    supervisor = AgentSupervisor(
        spec,
        agent_id="20251124T160000.000Z-0000-pi",
        factory=lambda: Agent(
            name="echo-s",
            agent_id="x",
            config={},
            services=runner,
            state=AgentState(Store(tmp_path / "s"), "echo-s"),
        ),
        services=runner,
    )
    runner._supervisors["echo-s"] = supervisor  # noqa: SLF001 - one agent, not started
    runner._heartbeat()  # noqa: SLF001
    runner._report(  # noqa: SLF001
        "nodes/pi-schema/spawn",
        "spawn",
        p.ProtocolError("refused", "code agents are disabled"),
        "ab" * 16,
    )
    (beat,) = [data for topic, data in sent if topic.endswith("/heartbeat")]
    assert validate(beat, "heartbeat.json", schemas) == []
    assert [a["name"] for a in beat["agents"]] == ["echo-s"]
    (error,) = [data for topic, data in sent if topic.endswith("/errors")]
    assert validate(error, "errors.json", schemas) == []
    assert error["code"] == "refused" and error["nonce"] == "ab" * 16
