"""Fuzzing every service action and every websocket command of a running hub.

Hypothesis draws payloads from each schema's own field names with hostile
values (wrong types, huge and path-like strings, nested junk). Whatever comes
in, the answer is a result or a clear error: a schema error, or one of our
translated Home Assistant errors; never an unexpected exception and never a
hang.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
import voluptuous as vol

from custom_components.wactorz.const import DOMAIN
from homeassistant.core import HomeAssistant, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .conftest import make_entry, setup_entry
from .test_actuator import DOORBELL

# Actions that reach outside the test machine by design (SSH to a host named in
# the call); their schemas are fuzzed, their handlers are tested in tests/remote.
OUTSIDE = frozenset({"deploy_node"})
EXAMPLES = 40

NAMES = st.sampled_from(
    ["main", "monitor", "qa", "io", "home", "", " ", "../../etc/passwd", "x" * 300]
)
# Values a schema may accept, so that handlers run too, not only the schemas.
PLAUSIBLE = (
    NAMES
    | st.sampled_from(
        [
            "light.kitchen",
            "sensor.kitchen_temperature",
            "/config/manual.pdf",
            "http://127.0.0.1:9/manual.pdf",
            "if the door opens send me a Discord message",
            "@monitor status",
            "/help",
            "rpi-kitchen",
            "print(1)",
        ]
    )
    | st.text(max_size=40)
    | st.integers(min_value=-5, max_value=120)
    | st.booleans()
    | st.lists(NAMES, max_size=3)
)


def _values(*, json_only: bool) -> st.SearchStrategy[Any]:
    """Plausible values or nested junk; `json_only` leaves out NaN and infinities."""
    scalars = (
        st.none()
        | st.integers(min_value=-(2**40), max_value=2**40)
        | st.floats(allow_nan=not json_only, allow_infinity=not json_only)
        | st.text(max_size=50)
    )
    junk = st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=8), children, max_size=3)
        ),
        max_leaves=8,
    )
    return PLAUSIBLE | PLAUSIBLE | junk


def _fields(schema: Any) -> dict[str, bool]:
    """Return {field: required} of a (voluptuous) schema, however it is wrapped."""
    inner = getattr(schema, "schema", None)
    if isinstance(inner, dict):
        return {str(key): isinstance(key, vol.Required) for key in inner}
    for validator in getattr(schema, "validators", ()):
        if names := _fields(validator):
            return names
    return {}


def _payloads(
    fields: dict[str, bool], count: int, *, json_only: bool = False
) -> list[dict[str, Any]]:
    """Draw `count` payloads: required fields mostly present, optional ones sometimes."""
    drawn: list[dict[str, Any]] = []
    values = _values(json_only=json_only)
    required = {name: values for name, needed in fields.items() if needed}
    optional = {name: values for name, needed in fields.items() if not needed}
    shapes = st.fixed_dictionaries(required, optional=optional) | st.dictionaries(
        st.sampled_from([*fields, "unknown_field"]), values, max_size=2
    )

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(shapes)
    def collect(payload: dict[str, Any]) -> None:
        drawn.append(payload)

    collect()
    return drawn[:count]


def _clear(err: Exception) -> bool:
    """Return True for errors a user may see: schema errors, translated HA errors."""
    if isinstance(err, vol.Invalid):
        return True
    if isinstance(err, (ServiceValidationError, HomeAssistantError)):
        return err.translation_domain in (DOMAIN, "homeassistant") and bool(
            err.translation_key
        )
    return False


@pytest.fixture
async def hub(hass: HomeAssistant) -> None:
    """Run a hub on the in-memory bus."""
    hass.config.allowlist_external_dirs = {hass.config.config_dir}
    entry = make_entry()
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)


@pytest.mark.usefixtures("hub")
async def test_every_service_answers_or_refuses_clearly(hass: HomeAssistant) -> None:
    """Hostile data for every wactorz action: a result or a clear error, never a crash."""
    services = hass.services.async_services_for_domain(DOMAIN)
    assert len(services) >= 20
    unclear: list[str] = []
    reached: set[str] = set()  # actions whose handler ran (past the schema)
    for name, service in sorted(services.items()):
        if name in OUTSIDE:
            continue
        response = service.supports_response is not SupportsResponse.NONE
        for payload in _payloads(_fields(service.schema), EXAMPLES):
            try:
                async with asyncio.timeout(15):
                    await hass.services.async_call(
                        DOMAIN, name, payload, blocking=True, return_response=response
                    )
                reached.add(name)
            except Exception as err:  # noqa: BLE001 - sorting errors is the test
                if not isinstance(err, vol.Invalid):
                    reached.add(name)
                if not _clear(err):
                    unclear.append(f"{name}({payload!r}): {type(err).__name__}: {err}")
        await hass.async_block_till_done()
    assert unclear == []
    # Most payloads must get past the schemas, or only the schemas were fuzzed.
    assert len(reached) >= 3 * len(services) // 4, sorted(set(services) - reached)
    assert hass.config_entries.async_entries(DOMAIN)[0].runtime_data.system.get("main")


@pytest.mark.usefixtures("hub")
async def test_every_websocket_command_answers_or_refuses_clearly(
    hass: HomeAssistant, hass_ws_client: Any
) -> None:
    """Hostile messages for every wactorz websocket command: a result or an error message."""
    client = await hass_ws_client(hass)
    commands = {
        "wactorz/subscribe": {},
        "wactorz/agent/details": {"agent": True},
        "wactorz/agents/control": {"agent": True, "action": True},
        "wactorz/chat": {"message": True, "agent": False, "conversation_id": False},
    }
    for command, fields in commands.items():
        for payload in _payloads(fields, EXAMPLES, json_only=True):
            await client.send_json_auto_id({**payload, "type": command})
            async with asyncio.timeout(15):
                answer = await client.receive_json()
                while answer.get("type") == "event":
                    answer = await client.receive_json()
            assert answer["type"] == "result", answer
            if not answer["success"]:
                assert answer["error"]["code"] and answer["error"]["message"], answer
    # The connection and the hub survived it all.
    await client.send_json_auto_id({"type": "wactorz/agent/details", "agent": "main"})
    answer = await client.receive_json()
    while answer.get("type") == "event":
        answer = await client.receive_json()
    assert answer["success"] and answer["result"]["name"] == "main"


def _concrete(pattern: str) -> str:
    """Turn a subscription pattern into a topic a peer could publish on."""
    return pattern.replace("+", "rpi-kitchen").replace("#", "x/y")


RAW = st.one_of(
    st.text(max_size=300),
    _values(json_only=True).map(json.dumps),
    st.builds(
        lambda payload, sig: json.dumps(
            {"payload": payload, "ts": 1, "nonce": "n" * 32, "sig": sig}
        ),
        _values(json_only=True),
        st.text(max_size=70),
    ),
    st.just("x" * 300_000),
)


async def test_every_bus_handler_answers_or_refuses_clearly(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Hostile payloads on every topic the hub listens to: no exception, no lost hub."""
    entry = make_entry(options={"io_chat": True})
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    await hass.services.async_call(
        DOMAIN, "create_actuator", DOORBELL, blocking=True, return_response=True
    )
    runtime = entry.runtime_data
    patterns = sorted({pattern for pattern, _ in runtime.bus._subscriptions})  # noqa: SLF001
    assert {"io/chat", "sensors/door", "nodes/+/heartbeat"} <= set(patterns)
    drawn: list[str] = []

    @settings(max_examples=60, deadline=None, database=None, derandomize=True)
    @given(RAW)
    def collect(raw: str) -> None:
        drawn.append(raw)

    collect()
    for pattern in patterns:
        for raw in drawn:
            async with asyncio.timeout(15):
                await runtime.bus.publish(_concrete(pattern), raw)
        await hass.async_block_till_done()
    crashes = [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.wactorz") and record.exc_info
    ]
    assert crashes == []
    assert await runtime.system.ask("main", "/help", timeout=10)
