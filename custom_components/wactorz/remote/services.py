"""Service actions over SSH: deploy_node and the Nautilus host actions.

`deploy_node`, `nautilus_add_host`, `nautilus_remove_host`, `nautilus_exec`,
`nautilus_push` and `nautilus_sync` are for administrators; `nautilus_ping` is not. Passwords are
never service data (the recorder keeps it): an MQTT password for the node comes
from a file (`mqtt_password_file`, under `allowlist_external_dirs`).
"""

from __future__ import annotations

from pathlib import Path
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

from ..const import DOMAIN
from ..core import ActorError
from ..nodes.manager import NodeError, check_node_name
from ..nodes.services import translate as translate_node_error
from .deploy import (
    DEFAULT_ONLINE_WAIT_S,
    DeployError,
    Deployment,
    DeployRequest,
    default_broker,
)
from .nautilus import ADMIN_GRANT, EXEC_TIMEOUT_S, NAUTILUS_AGENT_NAME, PUSH_TIMEOUT_S
from .ssh import SshError, SshTarget
from .trust import async_raise_host_key_issue, get_ssh_client

SERVICE_DEPLOY_NODE = "deploy_node"
SERVICE_ADD_HOST = "nautilus_add_host"
SERVICE_REMOVE_HOST = "nautilus_remove_host"
SERVICE_PING = "nautilus_ping"
SERVICE_EXEC = "nautilus_exec"
SERVICE_PUSH = "nautilus_push"
SERVICE_SYNC = "nautilus_sync"
MAX_PASSWORD_FILE_BYTES = 4096
ASK_MARGIN_S = 15.0
# SSH errors that are not the caller's fault (the rest are ServiceValidationError).
_NOT_VALIDATION = frozenset(
    {
        "ssh_missing",
        "ssh_scan_failed",
        "ssh_unreachable",
        "ssh_timeout",
        "ssh_failed",
        "ssh_keygen_failed",
        "ssh_remote_missing",
    }
)

_NAME = probatio.All(cv.string, probatio.Length(min=1, max=64))
_HOST = probatio.All(cv.string, probatio.Length(min=1, max=253))
_PORT = probatio.All(probatio.Coerce(int), probatio.Range(min=1, max=65535))
_PATH = probatio.All(cv.string, probatio.Length(min=1, max=4096))
_FINGERPRINT = probatio.All(cv.string, probatio.Length(min=8, max=100))

DEPLOY_SCHEMA = probatio.Schema(
    {
        probatio.Required("node"): _NAME,
        probatio.Required("host"): _HOST,
        probatio.Required("user"): _NAME,
        probatio.Optional("port", default=22): _PORT,
        probatio.Optional("fingerprint"): _FINGERPRINT,
        probatio.Optional("broker"): _HOST,
        probatio.Optional("broker_port"): _PORT,
        probatio.Optional("mqtt_username"): _NAME,
        probatio.Optional("mqtt_password_file"): _PATH,
        probatio.Optional("tls", default=False): cv.boolean,
        probatio.Optional("target_dir"): probatio.All(
            cv.string, probatio.Length(min=1, max=255)
        ),
        probatio.Optional("runner_spec"): probatio.All(
            cv.string, probatio.Length(min=1, max=500)
        ),
        probatio.Optional("start", default=True): cv.boolean,
        probatio.Optional("wait_online", default=DEFAULT_ONLINE_WAIT_S): probatio.All(
            probatio.Coerce(float), probatio.Range(min=0, max=600)
        ),
    }
)
ADD_HOST_SCHEMA = probatio.Schema(
    {
        probatio.Required("name"): _NAME,
        probatio.Required("host"): _HOST,
        probatio.Required("user"): _NAME,
        probatio.Optional("port", default=22): _PORT,
        probatio.Optional("allowed_commands", default=list): probatio.All(
            cv.ensure_list, [cv.string]
        ),
        probatio.Optional("remote_dir"): probatio.All(
            cv.string, probatio.Length(min=1, max=255)
        ),
        probatio.Optional("fingerprint"): _FINGERPRINT,
    }
)
HOST_SCHEMA = probatio.Schema({probatio.Required("host"): _NAME})
EXEC_SCHEMA = probatio.Schema(
    {
        probatio.Required("host"): _NAME,
        probatio.Required("argv"): probatio.All(
            cv.ensure_list, [cv.string], probatio.Length(min=1, max=256)
        ),
        probatio.Optional("timeout", default=EXEC_TIMEOUT_S): probatio.All(
            probatio.Coerce(float), probatio.Range(min=1, max=600)
        ),
    }
)
PUSH_SCHEMA = probatio.Schema(
    {
        probatio.Required("host"): _NAME,
        probatio.Required("source"): _PATH,
        probatio.Optional("dest", default=""): probatio.All(
            cv.string, probatio.Length(max=255)
        ),
        probatio.Optional("delete", default=False): cv.boolean,
    }
)
SYNC_SCHEMA = probatio.Schema(
    {
        probatio.Required("host"): _NAME,
        probatio.Required("source"): _PATH,
        probatio.Optional("dest", default=""): probatio.All(
            cv.string, probatio.Length(max=255)
        ),
    }
)


def _runtime(hass: HomeAssistant) -> Any:
    return service.async_get_config_entry(hass, DOMAIN, None).runtime_data


def _error(
    key: str, placeholders: dict[str, str], *, validation: bool
) -> HomeAssistantError:
    kind = ServiceValidationError if validation else HomeAssistantError
    return kind(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def _ssh_error(
    hass: HomeAssistant, target: SshTarget, err: SshError
) -> HomeAssistantError:
    async_raise_host_key_issue(hass, target.host, target.port, err)
    return _error(err.key, err.placeholders, validation=err.key not in _NOT_VALIDATION)


async def _ask_nautilus(
    call: ServiceCall, task: dict[str, Any], timeout: float
) -> ServiceResponse:
    runtime = _runtime(call.hass)
    if runtime.system.get(NAUTILUS_AGENT_NAME) is None:
        raise _error(
            "tool_failed",
            {"agent": NAUTILUS_AGENT_NAME, "error": "not running"},
            validation=False,
        )
    try:
        reply = await runtime.system.ask(
            NAUTILUS_AGENT_NAME, task, timeout=timeout + ASK_MARGIN_S
        )
    except ActorError as err:
        raise _error(
            "tool_failed",
            {"agent": NAUTILUS_AGENT_NAME, "error": runtime.scrubber.scrub(str(err))},
            validation=False,
        ) from err
    if not reply.get("ok") and reply.get("error") and "returncode" not in reply:
        key = str(reply["error"])
        raise _error(
            key,
            dict(reply.get("placeholders") or {}),
            validation=key not in _NOT_VALIDATION,
        )
    response: ServiceResponse = {
        k: v for k, v in reply.items() if k not in ("text", "placeholders")
    }
    return response


async def _async_add_host(call: ServiceCall) -> ServiceResponse:
    data = dict(call.data)
    fingerprint = data.pop("fingerprint", None)
    return await _ask_nautilus(
        call,
        {
            "command": "add_host",
            "grant": ADMIN_GRANT,
            "host_data": data,
            "fingerprint": fingerprint,
        },
        60,
    )


async def _async_remove_host(call: ServiceCall) -> ServiceResponse:
    return await _ask_nautilus(
        call,
        {"command": "remove_host", "grant": ADMIN_GRANT, "host": call.data["host"]},
        10,
    )


async def _async_ping(call: ServiceCall) -> ServiceResponse:
    return await _ask_nautilus(call, {"command": "ping", "host": call.data["host"]}, 60)


async def _async_exec(call: ServiceCall) -> ServiceResponse:
    return await _ask_nautilus(
        call,
        {
            "command": "exec",
            "grant": ADMIN_GRANT,
            "host": call.data["host"],
            "argv": list(call.data["argv"]),
            "timeout": call.data["timeout"],
        },
        call.data["timeout"] + 30,
    )


async def _async_push(call: ServiceCall) -> ServiceResponse:
    return await _ask_nautilus(
        call,
        {
            "command": "push",
            "grant": ADMIN_GRANT,
            "host": call.data["host"],
            "source": call.data["source"],
            "dest": call.data["dest"],
            "delete": call.data["delete"],
        },
        PUSH_TIMEOUT_S + 30,
    )


async def _async_sync(call: ServiceCall) -> ServiceResponse:
    return await _ask_nautilus(
        call,
        {
            "command": "sync",
            "grant": ADMIN_GRANT,
            "host": call.data["host"],
            "source": call.data["source"],
            "dest": call.data["dest"],
        },
        PUSH_TIMEOUT_S + 30,
    )


def _read_password_file(path: str) -> str:
    file = Path(path)
    if file.stat().st_size > MAX_PASSWORD_FILE_BYTES:
        raise ValueError("too large")
    return file.read_text(encoding="utf-8").rstrip("\r\n")


async def _async_deploy_node(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    runtime = _runtime(hass)
    manager = runtime.nodes
    if manager is None or not manager.started:
        raise _error("nodes_unavailable", {}, validation=True)
    data = call.data
    try:
        node = check_node_name(data["node"])
        target = SshTarget(data["host"], data["user"], data["port"])
    except NodeError as err:
        raise translate_node_error(err) from None
    except SshError as err:
        raise _error(err.key, err.placeholders, validation=True) from None
    password: str | None = None
    if "mqtt_password_file" in data:
        path = data["mqtt_password_file"]
        refused = _error("deploy_password_file", {"path": path[:200]}, validation=True)
        if not hass.config.is_allowed_path(path):
            raise refused
        try:
            password = await hass.async_add_executor_job(_read_password_file, path)
        except OSError, ValueError:
            raise refused from None
        runtime.scrubber.add([password])
    try:
        if "broker" in data:
            broker, port = data["broker"], int(data.get("broker_port") or 1883)
        else:
            broker, port = default_broker(hass, target)
            port = int(data.get("broker_port") or port)
        request = DeployRequest(
            node=node,
            target=target,
            broker=broker,
            broker_port=port,
            mqtt_username=data.get("mqtt_username"),
            mqtt_password=password,
            tls=data["tls"],
            target_dir=data.get("target_dir"),
            runner_spec=data.get("runner_spec"),
            fingerprint=data.get("fingerprint"),
            start=data["start"],
            online_wait_s=data["wait_online"],
        )
        client = get_ssh_client(hass)
        result = await Deployment(hass, client, manager, request).async_run()
    except SshError as err:
        raise _ssh_error(hass, target, err) from None
    except DeployError as err:
        raise _error(err.key, err.placeholders, validation=err.validation) from None
    except NodeError as err:
        raise translate_node_error(err) from None
    response: ServiceResponse = runtime.scrubber.scrub_data(result)
    return response


@callback
def async_setup_remote_services(hass: HomeAssistant) -> None:
    """Register the SSH service actions (from the integration's async_setup)."""
    admin = (
        (SERVICE_DEPLOY_NODE, _async_deploy_node, DEPLOY_SCHEMA),
        (SERVICE_ADD_HOST, _async_add_host, ADD_HOST_SCHEMA),
        (SERVICE_REMOVE_HOST, _async_remove_host, HOST_SCHEMA),
        (SERVICE_EXEC, _async_exec, EXEC_SCHEMA),
        (SERVICE_PUSH, _async_push, PUSH_SCHEMA),
        (SERVICE_SYNC, _async_sync, SYNC_SCHEMA),
    )
    for name, handler, schema in admin:
        service.async_register_admin_service(
            hass,
            DOMAIN,
            name,
            handler,
            schema=schema,
            supports_response=SupportsResponse.OPTIONAL,
        )
    hass.services.async_register(
        DOMAIN,
        SERVICE_PING,
        _async_ping,
        schema=HOST_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
