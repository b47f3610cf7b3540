"""Fuzzing: payload parsers, service schemas and validators never raise anything but a clear error."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
import voluptuous as vol

from custom_components.wactorz.agents.qa_rules import find_injection, review_code
from custom_components.wactorz.chat_service import CHAT_SCHEMA
from custom_components.wactorz.core import parse_wid
from custom_components.wactorz.core.redaction import _PATTERNS, REDACTED, SecretScrubber
from custom_components.wactorz.io_gateway import parse_chat
from custom_components.wactorz.nodes.signing import SignatureError, decode, sign, verify
from custom_components.wactorz.services import AGENT_SCHEMA, ASK_SCHEMA, SEND_SCHEMA

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
FAST = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@FAST
@given(st.one_of(st.text(max_size=300), JSON.map(json.dumps)))
def test_io_chat_parser_accepts_or_says_why(payload: str) -> None:
    """Any io/chat payload gives a message or a reason, never an exception."""
    message, error = parse_chat(payload)
    assert (message is None) != (error is None)
    if message is not None:
        assert message["content"].strip() and len(message["from"]) <= 64


@FAST
@given(JSON)
def test_service_schemas_raise_only_invalid(data: Any) -> None:
    """Service schemas either accept or raise vol.Invalid for arbitrary data."""
    for schema in (ASK_SCHEMA, SEND_SCHEMA, AGENT_SCHEMA, CHAT_SCHEMA):
        with contextlib.suppress(vol.Invalid):
            schema(data)


@FAST
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "agent": st.one_of(st.text(max_size=200), st.integers(), st.none()),
            "message": st.one_of(st.text(max_size=30000), JSON),
            "timeout": st.one_of(
                st.floats(allow_nan=True), st.text(max_size=5), st.integers()
            ),
        },
    )
)
def test_ask_schema_bounds(data: dict[str, Any]) -> None:
    """Whatever passes the ask schema is bounded: a short agent, a bounded timeout."""
    try:
        clean = ASK_SCHEMA(data)
    except vol.Invalid:
        return
    assert 1 <= len(clean["agent"]) <= 128
    assert "timeout" not in clean or 1 <= clean["timeout"] <= 600


@FAST
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
def test_node_payload_decode_never_crashes(raw: bytes) -> None:
    """Any MQTT payload from a node decodes or is refused with a SignatureError."""
    with contextlib.suppress(SignatureError):
        decode(raw)


@FAST
@given(JSON, st.text(max_size=10), st.text(max_size=10))
def test_forged_or_garbled_envelopes_are_refused(
    envelope: Any, kind: str, node: str
) -> None:
    """Random envelopes never verify; they are refused with a SignatureError."""
    with pytest.raises(SignatureError):
        verify(envelope, secret=b"s" * 32, kind=kind or "spawn", node=node or "pi")


@FAST
@given(JSON)
def test_tampered_signed_payload_is_refused(payload: Any) -> None:
    """A correctly signed envelope verifies; any change of payload, node or kind does not."""
    secret = b"k" * 32
    envelope = sign(secret, "spawn", "pi1", payload)
    assert verify(envelope, secret=secret, kind="spawn", node="pi1")[0] == payload
    with pytest.raises(SignatureError):
        verify(envelope, secret=secret, kind="stop", node="pi1")
    with pytest.raises(SignatureError):
        verify(envelope, secret=secret, kind="spawn", node="pi2")
    with pytest.raises(SignatureError):
        verify(
            {**envelope, "payload": [payload]}, secret=secret, kind="spawn", node="pi1"
        )


def test_non_json_numbers_cannot_be_signed() -> None:
    """NaN and infinity have no canonical JSON: signing refuses them instead of sending them."""
    with pytest.raises(ValueError):
        sign(b"k" * 32, "spawn", "pi1", {"threshold": float("inf")})


@FAST
@given(st.text(max_size=2000))
def test_scrubber_total_and_idempotent(text: str) -> None:
    """Scrubbing never fails and scrubbing twice changes nothing more."""
    scrubber = SecretScrubber(["literal-secret-value"])
    once = scrubber.scrub(text)
    assert scrubber.scrub(once) == once
    assert "literal-secret-value" not in once


@FAST
@given(st.text(max_size=3000))
def test_code_review_and_injection_rules_never_crash(source: str) -> None:
    """The QA rules give a verdict for any text."""
    verdict = review_code(source)
    assert verdict.safe or verdict.reasons
    find_injection(source)


@FAST
@given(st.text(max_size=60))
def test_parse_wid_refuses_garbage_clearly(text: str) -> None:
    """Random strings parse as ids or raise ValueError."""
    with contextlib.suppress(ValueError):
        parse_wid(text)


SECRETISH = st.sampled_from(
    [
        "sk-" + "a" * 20,
        "nvapi-" + "b" * 20,
        "AIza" + "c" * 32,
        "ghp_" + "d" * 24,
        "eyJabcdefgh.ijklmnopq.rstuvwxyz",
        "Bearer abcdefghijklmn",
        "https://discord.com/api/webhooks/1/x",
        "https://hooks.slack.com/services/x",
        "123456789:" + "e" * 32,
        "mqtt://user:pw@host",
        "token=x",
        'api_key: "v"',
        "literal-secret-value",
        "://a:b@",
    ]
)


@FAST
@given(st.lists(st.text(max_size=40) | SECRETISH, max_size=6).map("".join))
def test_scrubber_fast_path_changes_nothing(text: str) -> None:
    """The one-pass precheck gives exactly what every substitution in turn gives."""
    scrubber = SecretScrubber(["literal-secret-value"])
    expected = text
    if scrubber._literal_re is not None:  # noqa: SLF001 - the reference: no fast path
        expected = scrubber._literal_re.sub(REDACTED, expected)  # noqa: SLF001
    for pattern, replacement in _PATTERNS:
        expected = pattern.sub(replacement, expected)
    assert scrubber.scrub(text) == expected
