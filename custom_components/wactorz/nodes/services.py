"""Service actions for remote nodes: spawning, migration, listing, pairing, code agents.

`create_code_agent` (administrators) reviews code for a node; it runs only
after the user confirms it in a repair.

Registered once (`async_setup_node_services` from `async_setup`); each call
resolves the loaded entry's node manager and turns every refusal into a
translated error. `pair_node` takes the *path* of the node's secret file, never
the secret itself: service data is fired on the event bus (`call_service`) and
kept by the recorder. To paste a secret, use the "New Wactorz node found"
discovery flow (pairing.py).
"""

from __future__ import annotations

from typing import Any

import probatio

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, service

from ..agents.qa_rules import MAX_CODE_CHARS
from ..const import DOMAIN
from .code_agents import CodeAgentError
from .manager import CONTROL_TIMEOUT_S, MAX_TIMEOUT_S, NodeError, NodeManager
from .pairing import SecretFileError, async_abort_discovery, async_read_secret_file

SERVICE_SPAWN_ON_NODE = "spawn_on_node"
SERVICE_MIGRATE_AGENT = "migrate_agent"
SERVICE_LIST_NODES = "list_nodes"
SERVICE_PAIR_NODE = "pair_node"
SERVICE_CREATE_CODE_AGENT = "create_code_agent"
NODE_SERVICES = (
    SERVICE_SPAWN_ON_NODE,
    SERVICE_MIGRATE_AGENT,
    SERVICE_LIST_NODES,
    SERVICE_PAIR_NODE,
    SERVICE_CREATE_CODE_AGENT,
)

ATTR_NODE = "node"
ATTR_NAME = "name"
ATTR_AGENT_CLASS = "agent_class"
ATTR_CONFIG = "config"
ATTR_DESCRIPTION = "description"
ATTR_AGENT = "agent"
ATTR_SECRET_FILE = "secret_file"
ATTR_TIMEOUT = "timeout"
ATTR_REFRESH = "refresh"
ATTR_CODE = "code"

_NAME = probatio.All(cv.string, probatio.Length(min=1, max=64))
_TIMEOUT = probatio.All(
    probatio.Coerce(float), probatio.Range(min=1, max=MAX_TIMEOUT_S)
)
SPAWN_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_NODE): _NAME,
        probatio.Required(ATTR_NAME): _NAME,
        probatio.Required(ATTR_AGENT_CLASS): _NAME,
        probatio.Optional(ATTR_CONFIG, default={}): dict,
        probatio.Optional(ATTR_DESCRIPTION): probatio.All(
            cv.string, probatio.Length(max=2048)
        ),
    }
)
MIGRATE_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_AGENT): _NAME,
        probatio.Required(ATTR_NODE): _NAME,
        probatio.Optional(ATTR_TIMEOUT, default=CONTROL_TIMEOUT_S): _TIMEOUT,
    }
)
LIST_SCHEMA = probatio.Schema(
    {
        probatio.Optional(ATTR_NODE): _NAME,
        probatio.Optional(ATTR_REFRESH, default=False): cv.boolean,
    }
)
PAIR_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_NODE): _NAME,
        probatio.Required(ATTR_SECRET_FILE): probatio.All(
            cv.string, probatio.Length(min=1, max=4096)
        ),
    }
)

CODE_AGENT_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_NAME): _NAME,
        probatio.Required(ATTR_NODE): _NAME,
        probatio.Optional(ATTR_CODE): probatio.All(
            cv.string, probatio.Length(max=MAX_CODE_CHARS)
        ),
        probatio.Optional(ATTR_DESCRIPTION): probatio.All(
            cv.string, probatio.Length(max=2048)
        ),
        probatio.Optional(ATTR_CONFIG, default={}): dict,
    }
)


def _manager(hass: HomeAssistant) -> NodeManager:
    entry = service.async_get_config_entry(hass, DOMAIN, None)
    manager: NodeManager | None = getattr(entry.runtime_data, "nodes", None)
    if manager is None or not manager.started:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="nodes_unavailable"
        )
    return manager


def translate(err: NodeError | CodeAgentError) -> HomeAssistantError:
    """Return the translated error a user sees for a NodeError."""
    validation = err.validation if isinstance(err, NodeError) else True
    kind = ServiceValidationError if validation else HomeAssistantError
    return kind(
        translation_domain=DOMAIN,
        translation_key=err.key,
        translation_placeholders=err.placeholders,
    )


async def _async_spawn_on_node(call: ServiceCall) -> ServiceResponse:
    manager = _manager(call.hass)
    spec: dict[str, Any] = {
        "name": call.data[ATTR_NAME],
        "kind": "builtin",
        "class": call.data[ATTR_AGENT_CLASS],
        "config": call.data[ATTR_CONFIG],
    }
    if ATTR_DESCRIPTION in call.data:
        spec["description"] = call.data[ATTR_DESCRIPTION]
    try:
        return await manager.async_spawn(call.data[ATTR_NODE], spec)
    except NodeError as err:
        raise translate(err) from err


async def _async_migrate_agent(call: ServiceCall) -> ServiceResponse:
    manager = _manager(call.hass)
    try:
        return await manager.async_migrate(
            call.data[ATTR_AGENT], call.data[ATTR_NODE], call.data[ATTR_TIMEOUT]
        )
    except NodeError as err:
        raise translate(err) from err


async def _async_list_nodes(call: ServiceCall) -> ServiceResponse:
    manager = _manager(call.hass)
    nodes = manager.snapshot()
    wanted = call.data.get(ATTR_NODE)
    if wanted is not None:
        nodes = [node for node in nodes if node["name"] == wanted]
        if call.data[ATTR_REFRESH]:
            try:
                agents = await manager.async_list_agents(wanted)
            except NodeError as err:
                raise translate(err) from err
            for node in nodes:
                node["agents"] = agents
    return {"nodes": manager.runtime.scrubber.scrub_data(nodes)}


async def _async_pair_node(call: ServiceCall) -> ServiceResponse:
    manager = _manager(call.hass)
    path = call.data[ATTR_SECRET_FILE]
    try:
        text = await async_read_secret_file(call.hass, path)
    except SecretFileError:
        raise translate(NodeError("node_secret_file", path=path[:200])) from None
    try:
        paired = await manager.async_pair(call.data[ATTR_NODE], text)
    except NodeError as err:
        raise translate(err) from None
    async_abort_discovery(call.hass, call.data[ATTR_NODE])
    return paired


async def _async_create_code_agent(call: ServiceCall) -> ServiceResponse:
    manager = _manager(call.hass)
    proposals = manager.runtime.code_agents
    if proposals is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="nodes_unavailable"
        )
    try:
        return await proposals.async_propose(
            call.data[ATTR_NAME],
            call.data[ATTR_NODE],
            code=call.data.get(ATTR_CODE),
            description=call.data.get(ATTR_DESCRIPTION),
            config=call.data[ATTR_CONFIG],
        )
    except (NodeError, CodeAgentError) as err:
        raise translate(err) from err


@callback
def async_setup_node_services(hass: HomeAssistant) -> None:
    """Register the node service actions (from the integration's async_setup)."""
    service.async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_SPAWN_ON_NODE,
        _async_spawn_on_node,
        schema=SPAWN_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    service.async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_MIGRATE_AGENT,
        _async_migrate_agent,
        schema=MIGRATE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_LIST_NODES,
        _async_list_nodes,
        schema=LIST_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    service.async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_PAIR_NODE,
        _async_pair_node,
        schema=PAIR_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    # Generated code for a node: administrators only; it runs after confirmation.
    service.async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_CREATE_CODE_AGENT,
        _async_create_code_agent,
        schema=CODE_AGENT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )


async def async_stop_remote_agent(hass: HomeAssistant, agent: str) -> str | None:
    """Stop `agent` on its node for `wactorz.stop_agent`; None when no node runs it."""
    entry = service.async_get_config_entry(hass, DOMAIN, None)
    manager: NodeManager | None = getattr(entry.runtime_data, "nodes", None)
    if manager is None or not manager.started or manager.locate(agent) is None:
        return None
    try:
        return await manager.async_stop_agent(agent)
    except NodeError as err:
        raise translate(err) from err
