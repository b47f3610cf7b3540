"""NodeManager: remote edge nodes seen from Home Assistant.

Telemetry in (unsigned): `wactorz/+/announce`, `nodes/+/status` (retained;
the node's last will is `offline`), `nodes/+/heartbeat`, `nodes/+/errors`.
Signed replies in: `nodes/+/agents`, `nodes/+/migrate_result` (verified with
the node's secret, fresh, never replayed). Control out: signed with the node's
secret; what a node runs is HA's retained `nodes/{node}/desired_state`
(`revision` = unix ms, strictly increasing), so a node that was offline
catches up when it comes back and a migrated agent is never resurrected.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
import hmac
import json
import logging
import secrets
import time
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components import mqtt
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later

from ..const import DOMAIN
from ..core import ActorEvent, EventKind
from ..devices import async_remove_device
from ..entity import MANUFACTURER
from . import commands
from .responder import TaskResponder
from .signing import (
    MAX_PAYLOAD_BYTES,
    NAME_RE,
    ReplayGuard,
    SignatureError,
    decode,
    key_id,
    parse_secret,
    sign,
    verify,
)
from .store import NodeStore

if TYPE_CHECKING:
    from ..runtime import WactorzRuntime

_LOGGER = logging.getLogger(__name__)

SIGNAL_NODE_ADDED: Final = "wactorz_node_added_{}"
SIGNAL_NODE_UPDATED: Final = "wactorz_node_updated_{}_{}"
SIGNAL_NODE_REMOVED: Final = "wactorz_node_removed_{}"
SIGNAL_REMOTE_AGENT_ADDED: Final = "wactorz_remote_agent_added_{}"
SIGNAL_REMOTE_AGENT_REMOVED: Final = "wactorz_remote_agent_removed_{}"
SIGNAL_REMOTE_AGENT_UPDATED: Final = "wactorz_remote_agent_updated_{}_{}"
EVENT_NODE_ERROR: Final = "wactorz_node_error"
EVENT_MIGRATION: Final = "wactorz_migration"

MAX_NODES: Final = 64
MAX_AGENTS_PER_NODE: Final = 256
MAX_REMOTE_AGENTS: Final = 2048
MAX_WAITING: Final = 64
CONTROL_TIMEOUT_S: Final = 15.0
MAX_TIMEOUT_S: Final = 120.0
ERROR_EVENTS_PER_WINDOW: Final = 20
ERROR_WINDOW_S: Final = 10.0
MIN_SILENCE_S: Final = 2.0
RESEND_RETRY_S: Final = 5.0
MIN_DRIFT_GRACE_S: Final = 5.0  # a node may lag this long behind a publish (or 3 beats)
DRIFT_REPEAT_S: Final = (
    600.0  # the same desired state is re-sent for drift at most this often
)
AGENT_STATES: Final = (
    "created",
    "installing",
    "starting",
    "running",
    "restarting",
    "stopping",
    "stopped",
    "failed",
)
ERROR_CODES: Final = frozenset(
    {
        "too_large",
        "bad_json",
        "not_paired",
        "unsigned",
        "bad_envelope",
        "bad_signature",
        "stale",
        "replayed",
        "invalid_payload",
        "refused",
        "internal",
    }
)
_AGENT_FIELDS: Final = (
    "id",
    "kind",
    "class",
    "state",
    "restarts",
    "tasks_done",
    "tasks_failed",
    "mailbox",
    "busy",
    "uptime_s",
    "last_error",
)
_SPEC_FIELDS: Final = frozenset(
    {
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
)

# English text of every NodeError (the same as strings.json "exceptions").
MESSAGES: Final = {
    "nodes_unavailable": "Remote nodes are not available: Wactorz is not loaded or MQTT is not set up.",
    "invalid_node_name": "{node} is not a valid node name (letters, digits, _ . -; at most 64).",
    "invalid_agent_name": "{agent} is not a valid agent name (letters, digits, _ . -; at most 64).",
    "invalid_node_secret": "The node secret must be the content of the node's secret file: at least 64 hexadecimal characters.",
    "node_secret_file": "Cannot read a node secret from {path}: the file must exist, be in a directory allowed by allowlist_external_dirs and be at most 4 KiB.",
    "node_key_mismatch": "This secret does not belong to node {node}: it announces key id {key_id}.",
    "node_not_paired": "Node {node} is not paired: give Home Assistant its secret first (wactorz.pair_node).",
    "too_many_nodes": "Too many nodes (at most {limit}).",
    "node_unknown_class": "Node {node} has no built-in agent class {agent_class} (it has: {classes}).",
    "node_spec_invalid": "This agent cannot be sent to a node: {error}",
    "agent_name_local": "{agent} is an agent of Home Assistant itself; choose another name.",
    "agent_on_other_node": "An agent named {agent} already runs on node {node}.",
    "remote_agent_not_found": "No node runs an agent named {agent}.",
    "already_on_node": "{agent} already runs on node {node}.",
    "migration_failed": "Moving {agent} off node {node} failed: {error}",
    "migration_source_unknown": "Node {node} is offline and Home Assistant does not know how {agent} was started there.",
    "node_timeout": "Node {node} did not answer within {timeout} s.",
    "migration_timeout": "Node {node} did not answer the migration of {agent} within {timeout} s: {agent} stays on {node}.",
    "node_publish_failed": "Could not send to node {node}: {error}",
    "node_no_code": "Node {node} does not run code agents: start its runner with --allow-code, or turn on the local node in the Wactorz options.",
}


class NodeError(Exception):
    """A refused node operation: a translation key, placeholders, and English text."""

    def __init__(
        self, key: str, *, validation: bool = True, **placeholders: str
    ) -> None:
        """Create the error; `validation` False means it is not the caller's fault."""
        super().__init__(MESSAGES[key].format(**placeholders))
        self.key = key
        self.validation = validation
        self.placeholders = placeholders


@dataclass
class NodeRecord:
    """What HA knows about one node."""

    name: str
    online: bool | None = None
    status_reason: str | None = None
    version: str | None = None
    protocol: int | None = None
    python: str | None = None
    platform: str | None = None
    announced_paired: bool | None = None
    key_id: str | None = None
    capabilities: dict[str, Any] = field(default_factory=dict)
    heartbeat_s: float = 10.0
    last_heartbeat: float | None = None
    beat_ts: int | None = None  # the node's clock in the newest heartbeat applied
    uptime_s: float | None = None
    load: list[float] | None = None
    rss_kb: int | None = None
    agents: list[dict[str, Any]] = field(default_factory=list)
    errors: int = 0
    last_error: dict[str, Any] | None = None
    bad_replies: int = 0
    desired: dict[str, dict[str, Any]] = field(default_factory=dict)
    managed: bool = False
    revision: int = 0
    unsent: bool = False
    error_times: list[float] = field(default_factory=list)
    # Drift repair (not stored): heartbeats within a grace period after
    # `settling_since` (monotonic: last publish, or the node coming online) are
    # not compared with the desired set; `repaired` is (revision, when) of the
    # last re-send made because the node ran something else.
    settling_since: float | None = None
    repaired: tuple[int, float] | None = None
    repairing: bool = False

    def to_store(self) -> dict[str, Any]:
        """Return what is kept across restarts."""
        return {
            "version": self.version,
            "protocol": self.protocol,
            "key_id": self.key_id,
            "capabilities": self.capabilities,
            "heartbeat_s": self.heartbeat_s,
            "desired": list(self.desired.values()),
            "managed": self.managed,
            "revision": self.revision,
            "unsent": self.unsent,
            "errors": self.errors,
        }

    @classmethod
    def from_store(cls, name: str, data: dict[str, Any]) -> NodeRecord:
        """Rebuild a record saved by `to_store` (unknown or bad fields dropped)."""
        record = cls(name)
        record.version = _str(data.get("version"))
        record.protocol = _int(data.get("protocol"))
        record.key_id = _str(data.get("key_id"))
        caps = data.get("capabilities")
        record.capabilities = caps if isinstance(caps, dict) else {}
        record.heartbeat_s = _float(data.get("heartbeat_s")) or 10.0
        record.desired = {
            spec["name"]: spec
            for spec in data.get("desired") or []
            if isinstance(spec, dict) and isinstance(spec.get("name"), str)
        }
        record.managed = bool(data.get("managed"))
        record.revision = _int(data.get("revision")) or 0
        record.unsent = bool(data.get("unsent"))
        record.errors = _int(data.get("errors")) or 0
        return record


@dataclass
class RemoteAgent:
    """An agent some node reported in its heartbeat."""

    name: str
    node: str
    info: dict[str, Any]
    present: bool = True


@dataclass
class _Migration:
    source: str
    target: str
    request_id: str
    started: float


def _str(value: Any, limit: int = 128) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _node_of(topic: str, first: str, last: str) -> str | None:
    """Return `{node}` of `{first}/{node}/{last}` when it is a valid name."""
    parts = topic.split("/")
    if len(parts) == 3 and parts[0] == first and parts[2] == last:
        if NAME_RE.match(parts[1]):
            return parts[1]
    return None


def check_node_name(node: str) -> str:
    """Return `node` or raise NodeError (invalid_node_name)."""
    if not isinstance(node, str) or not NAME_RE.match(node):
        raise NodeError("invalid_node_name", node=str(node)[:80])
    return node


def check_agent_name(agent: str) -> str:
    """Return `agent` or raise NodeError (invalid_agent_name)."""
    if not isinstance(agent, str) or not NAME_RE.match(agent):
        raise NodeError("invalid_agent_name", agent=str(agent)[:80])
    return agent


def check_spec(spec: dict[str, Any], *, allow_code: bool = False) -> dict[str, Any]:
    """Check a spawn spec as far as HA can (the node validates it fully).

    Code agents (`kind` "code") pass only with `allow_code`: generated code
    reaches a node only after QA review and the user's confirmation.
    """
    if not isinstance(spec, dict):
        raise NodeError("node_spec_invalid", error="not an object")
    unknown = sorted(set(spec) - _SPEC_FIELDS)
    if unknown:
        raise NodeError("node_spec_invalid", error=f"unknown field(s) {unknown}")
    check_agent_name(spec.get("name", ""))
    kind = spec.get("kind", "builtin")
    if kind == "code" and allow_code:
        source = spec.get("source")
        if not isinstance(source, str) or not source.strip():
            raise NodeError("node_spec_invalid", error="a code agent needs 'source'")
        if "class" in spec:
            raise NodeError("node_spec_invalid", error="a code agent has no 'class'")
    elif kind != "builtin":
        raise NodeError("node_spec_invalid", error="only built-in agents")
    else:
        agent_class = spec.get("class")
        if not isinstance(agent_class, str) or not NAME_RE.match(agent_class):
            raise NodeError("node_spec_invalid", error="'class' names a built-in class")
    if not isinstance(spec.get("config", {}), dict):
        raise NodeError("node_spec_invalid", error="'config' must be an object")
    try:
        size = len(json.dumps(spec, allow_nan=False).encode())
    except TypeError, ValueError:
        raise NodeError("node_spec_invalid", error="not plain JSON") from None
    if size > MAX_PAYLOAD_BYTES // 2:
        raise NodeError("node_spec_invalid", error="too large")
    return spec


class NodeManager:
    """Every remote node of one config entry; owned by the runtime."""

    def __init__(self, runtime: WactorzRuntime) -> None:
        """Create the manager; call `async_start`."""
        self.runtime = runtime
        self.hass: HomeAssistant = runtime.hass
        self.entry_id: str = runtime.entry.entry_id
        self.nodes: dict[str, NodeRecord] = {}
        self.remote_agents: dict[str, RemoteAgent] = {}
        self.responder = TaskResponder(self)
        self.refused_replies = 0
        self._store = NodeStore(self.hass, self.entry_id)
        self._secrets: dict[str, str] = {}
        self._guard = ReplayGuard()
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        # set once the reply topics are subscribed at the broker (requests wait for it)
        self.replies_ready = asyncio.Event()
        self._migrations: dict[str, _Migration] = {}
        self._timers: dict[str, CALLBACK_TYPE] = {}
        self._unsubscribers: list[Callable[[], None]] = []
        self._locks: dict[str, asyncio.Lock] = {}
        self.reply_topic = f"wactorz/{runtime.node_name}/reply"
        self._resend: CALLBACK_TYPE | None = None
        self._listeners: list[Callable[[str], None]] = []
        self._republish: set[str] = (
            set()
        )  # managed nodes whose desired state is re-sent
        self.started = False

    # ------------------------------------------------------------ lifecycle

    async def async_start(self) -> None:
        """Load records and secrets, subscribe, start the task responder."""
        records, stored_secrets = await self._store.async_load()
        for name, data in list(records.items())[:MAX_NODES]:
            if NAME_RE.match(name) and isinstance(data, dict):
                self.nodes[name] = NodeRecord.from_store(name, data)
        self._secrets = {
            node: value
            for node, value in stored_secrets.items()
            if NAME_RE.match(node) and _valid_secret(value)
        }
        self._register_secrets(self._secrets.values())
        # Replies first: HA's MQTT client sends SUBSCRIBEs one by one after a
        # debounce, and a node seen online (its retained announce) may be asked
        # at once; its answer is lost if the reply topic is not subscribed yet.
        replies: tuple[tuple[str, Callable[[str, bytes], None]], ...] = (
            ("nodes/+/agents", self._on_signed_reply),
            ("nodes/+/migrate_result", self._on_signed_reply),
            (self.reply_topic, self.responder.on_reply),
        )
        handlers: tuple[tuple[str, Callable[[str, bytes], None]], ...] = (
            *replies,
            ("wactorz/+/announce", self._on_announce),
            ("nodes/+/status", self._on_status),
            ("nodes/+/heartbeat", self._on_heartbeat),
            ("nodes/+/errors", self._on_errors),
            ("agents/by-name/+/task", self.responder.on_task),
        )
        for topic, handler in handlers:
            self._unsubscribers.append(await self._subscribe(topic, handler))
        if self.runtime.bus.kind == "mqtt":
            self._watch_replies_ready([topic for topic, _ in replies])
            self._unsubscribers.append(
                mqtt.async_subscribe_connection_status(self.hass, self._on_connection)
            )
        else:
            self.replies_ready.set()
        commands.register(self.runtime.system, self)
        self.started = True
        self._republish_all()

    def _watch_replies_ready(self, topics: list[str]) -> None:
        """Set `replies_ready` once the broker confirmed every reply subscription."""
        pending = set(topics)

        def done(topic: str) -> None:
            pending.discard(topic)
            if not pending:
                self.replies_ready.set()

        for topic in topics:
            self._unsubscribers.append(
                mqtt.async_on_subscribe_done(self.hass, topic, 1, partial(done, topic))
            )

    async def async_wait_replies_ready(self, timeout: float) -> float:
        """Wait (bounded) until answers to our requests can arrive; return the time left."""
        if self.replies_ready.is_set():
            return timeout
        started = time.monotonic()
        with suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self.replies_ready.wait()
        return max(0.0, timeout - (time.monotonic() - started))

    async def async_stop(self) -> None:
        """Unsubscribe, cancel timers and waiters, write pending records."""
        self.started = False
        commands.unregister(self.runtime.system)
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()
        for cancel in self._timers.values():
            cancel()
        self._timers.clear()
        if self._resend is not None:
            self._resend()
            self._resend = None
        for future in self._waiting.values():
            future.cancel()
        self._waiting.clear()
        await self.responder.async_stop()
        await self._store.async_flush()

    async def _subscribe(
        self, topic: str, handler: Callable[[str, bytes], None]
    ) -> Callable[[], None]:
        """Subscribe at QoS 1 through HA's MQTT client (or the in-memory bus)."""
        if self.runtime.bus.kind == "mqtt":

            @callback
            def on_message(message: mqtt.ReceiveMessage) -> None:
                payload = message.payload
                raw = payload if isinstance(payload, bytes) else str(payload).encode()
                handler(message.topic, raw)

            return await mqtt.async_subscribe(
                self.hass, topic, on_message, qos=1, encoding=None
            )

        def on_bus(topic: str, payload: str) -> None:
            handler(topic, payload.encode())

        return await self.runtime.bus.subscribe(topic, on_bus)

    async def _publish(self, node: str, topic: str, data: Any, *, retain: bool) -> None:
        """Publish at QoS 1; refuse what the node would refuse as too large."""
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if len(text.encode()) > MAX_PAYLOAD_BYTES:
            raise NodeError("node_spec_invalid", error="message too large")
        try:
            await self.runtime.bus.publish(topic, text, qos=1, retain=retain)
        except HomeAssistantError as err:
            raise NodeError(
                "node_publish_failed",
                validation=False,
                node=node,
                error=self.runtime.scrubber.scrub(str(err))[:200],
            ) from err

    # ---------------------------------------------------------------- records

    def _record(self, node: str, *, create: bool = True) -> NodeRecord | None:
        record = self.nodes.get(node)
        if record is None and create and len(self.nodes) < MAX_NODES:
            record = self.nodes[node] = NodeRecord(node)
            async_dispatcher_send(
                self.hass, SIGNAL_NODE_ADDED.format(self.entry_id), node
            )
        return record

    def add_listener(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call `listener(node)` whenever a node record changes (the panel); return an unsubscribe."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    @callback
    def _changed(self, node: str, *, persist: bool = False) -> None:
        async_dispatcher_send(
            self.hass, SIGNAL_NODE_UPDATED.format(self.entry_id, node)
        )
        for listener in tuple(self._listeners):
            listener(node)
        if persist:
            self._store.schedule_save(self._store_data)

    def _store_data(self) -> dict[str, Any]:
        return {name: record.to_store() for name, record in self.nodes.items()}

    def has_secret(self, node: str) -> bool:
        """Return True when HA holds a secret for `node`."""
        return node in self._secrets

    def node_secret(self, node: str) -> bytes | None:
        """Return the secret of a paired node (never log or publish it)."""
        value = self._secrets.get(node)
        return bytes.fromhex(value) if value is not None else None

    def secret_matches(self, node: str, secret: bytes) -> bool:
        """Return True when HA holds exactly `secret` for `node` (constant time)."""
        value = self._secrets.get(node)
        return value is not None and hmac.compare_digest(value, secret.hex())

    def _secret(self, node: str) -> bytes:
        value = self._secrets.get(node)
        if value is None:
            raise NodeError("node_not_paired", node=node)
        return bytes.fromhex(value)

    def _register_secrets(self, values: Any) -> None:
        literals = [v for value in values for v in (value.lower(), value.upper())]
        self.runtime.scrubber.add(literals)

    # ------------------------------------------------------------- telemetry

    @callback
    def _on_announce(self, topic: str, raw: bytes) -> None:
        node = _node_of(topic, "wactorz", "announce")
        if node is None or not raw:
            return
        data = _json_object(raw)
        if data is None or data.get("node") != node:
            return
        record = self._record(node)
        if record is None:
            return
        record.version = _str(data.get("version"), 64)
        record.protocol = _int(data.get("protocol"))
        record.python = _str(data.get("python"), 32)
        record.platform = _str(data.get("platform"), 64)
        record.announced_paired = bool(data.get("paired"))
        announced_key = data.get("key_id")
        record.key_id = (
            announced_key
            if isinstance(announced_key, str) and len(announced_key) == 16
            else None
        )
        caps = data.get("capabilities")
        if isinstance(caps, dict):
            record.capabilities = {
                "builtin": [c for c in caps.get("builtin") or [] if isinstance(c, str)][
                    :64
                ],
                "code": bool(caps.get("code")),
                "packages": [
                    c for c in caps.get("packages") or [] if isinstance(c, str)
                ][:64],
            }
        heartbeat_s = _float(data.get("heartbeat_s"))
        if heartbeat_s is not None and 0 < heartbeat_s <= 3600:
            record.heartbeat_s = heartbeat_s
        # Pairing is offered by HA's MQTT discovery (manifest `mqtt`, pairing.py).
        self._changed(node, persist=True)

    @callback
    def _on_status(self, topic: str, raw: bytes) -> None:
        node = _node_of(topic, "nodes", "status")
        if node is None or not raw:
            return
        data = _json_object(raw)
        if data is None or data.get("status") not in ("online", "offline"):
            return
        record = self._record(node)
        if record is None:
            return
        record.beat_ts = None  # a (re)started node may boot with an older clock
        if data["status"] == "online":
            if not record.online:  # it first applies the retained desired_state
                record.settling_since = time.monotonic()
            self._set_online(record, True)
            self._arm_silence(record)
        else:
            self._set_online(
                record, False, _str(data.get("reason"), 32) or "connection_lost"
            )
            self._cancel_silence(node)
            self._mark_agents_absent(record)
        self._changed(node)

    @callback
    def _on_heartbeat(self, topic: str, raw: bytes) -> None:
        node = _node_of(topic, "nodes", "heartbeat")
        if node is None or not raw:
            return
        data = _json_object(raw)
        if data is None or data.get("node") != node:
            return
        record = self._record(node)
        if record is None:
            return
        beat_ts = _int(data.get("ts"))
        if beat_ts is not None:
            if record.beat_ts is not None and beat_ts < record.beat_ts:
                return  # a late copy: it would roll newer state back
            record.beat_ts = beat_ts
        self._set_online(record, True)
        record.last_heartbeat = time.time()
        record.version = _str(data.get("version"), 64) or record.version
        record.uptime_s = _float(data.get("uptime_s"))
        load = data.get("load")
        record.load = (
            [float(v) for v in load[:3] if _float(v) is not None]
            if isinstance(load, list)
            else None
        )
        record.rss_kb = _int(data.get("rss_kb"))
        record.announced_paired = bool(data.get("paired"))
        agents = data.get("agents")
        record.agents = [
            self._agent_info(item)
            for item in (agents if isinstance(agents, list) else [])[
                :MAX_AGENTS_PER_NODE
            ]
            if isinstance(item, dict)
            and isinstance(item.get("name"), str)
            and NAME_RE.match(item["name"])
        ]
        self._arm_silence(record)
        self._update_remote_agents(record)
        self._beat_remote_agents(record)
        self._check_migrations(record)
        self._check_drift(record)
        self._changed(node)

    # ------------------------------------------- remote agents on the event stream

    @staticmethod
    def remote_id(agent: RemoteAgent) -> str:
        """Return the id a remote agent has on the event stream (the node's id for it)."""
        actor_id = agent.info.get("id")
        if isinstance(actor_id, str) and actor_id:
            return actor_id
        return f"{agent.node}/{agent.name}"

    def _emit(self, kind: EventKind, agent: RemoteAgent, data: dict[str, Any]) -> None:
        """Publish an event about a remote agent on the system's event stream.

        Marked `remote` (the MQTT exporter skips them: the node publishes its
        own); the monitor and the panel follow them like local agents' events.
        """
        self.runtime.system.events.publish(
            ActorEvent(
                kind,
                self.remote_id(agent),
                agent.name,
                {"node": agent.node, "remote": True, **data},
            )
        )

    def _beat_remote_agents(self, record: NodeRecord) -> None:
        """One heartbeat event per agent the node listed (the monitor's silence clock)."""
        timeout = max(3.5 * record.heartbeat_s, MIN_SILENCE_S)
        for info in record.agents:
            agent = self.remote_agents.get(info["name"])
            if agent is None or agent.node != record.name:
                continue
            self._emit(
                EventKind.HEARTBEAT,
                agent,
                {
                    "name": agent.name,
                    "state": info.get("state"),
                    "online": True,
                    "queue_depth": _int(info.get("mailbox")) or 0,
                    "silence_timeout_s": timeout,
                },
            )

    @staticmethod
    def _settling(record: NodeRecord) -> bool:
        """Return True while the node may still be applying a desired state."""
        if record.settling_since is None:
            return False
        grace = max(3 * record.heartbeat_s, MIN_DRIFT_GRACE_S)
        return time.monotonic() - record.settling_since < grace

    @callback
    def _check_drift(self, record: NodeRecord) -> None:
        """Re-send the desired state when the node runs other agents than HA wants.

        The retained desired_state can be gone (a broker restarted without
        persistence while HA was down, a migration answer lost after the source
        dropped the agent): the node then runs its own idea of the set. Names
        are compared (a failed agent is still there: its restart budget is the
        node's business). One re-send per desired state every DRIFT_REPEAT_S,
        so a node that refuses an agent is not flooded.
        """
        if (
            not record.managed
            or record.unsent
            or record.repairing
            or not self.has_secret(record.name)
            or self._settling(record)
            or not self._drifted(record)
        ):
            return
        if record.repaired is not None:
            revision, when = record.repaired
            if revision == record.revision and time.monotonic() - when < DRIFT_REPEAT_S:
                return
        record.repairing = True
        self.runtime.entry.async_create_background_task(
            self.hass, self._async_repair(record), f"wactorz node {record.name} drift"
        )

    @staticmethod
    def _drifted(record: NodeRecord) -> bool:
        running = {info["name"] for info in record.agents}
        return running != set(record.desired)

    async def _async_repair(self, record: NodeRecord) -> None:
        try:
            async with self._lock(record.name):
                if not self.started or not self._drifted(record):
                    return
                if self._settling(record):
                    return  # something was published meanwhile
                _LOGGER.info(
                    "Node %s runs %s instead of %s: sending its desired state again",
                    record.name,
                    sorted(info["name"] for info in record.agents),
                    sorted(record.desired),
                )
                await self._async_publish_desired(record)
                record.repaired = (record.revision, time.monotonic())
        except NodeError as err:
            _LOGGER.warning(
                "Cannot re-send the desired state of %s: %s", record.name, err
            )
        finally:
            record.repairing = False

    def _agent_info(self, item: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {"name": item["name"]}
        for key in _AGENT_FIELDS:
            value = item.get(key)
            if isinstance(value, str):
                value = self.runtime.scrubber.scrub(value[:500])
            elif not isinstance(value, (int, float, bool, type(None))):
                value = None
            info[key] = value
        if info["state"] not in AGENT_STATES:
            info["state"] = None
        return info

    def _update_remote_agents(self, record: NodeRecord) -> None:
        listed = {info["name"]: info for info in record.agents}
        for name, info in listed.items():
            known = self.remote_agents.get(name)
            if known is None:
                if len(self.remote_agents) >= MAX_REMOTE_AGENTS:
                    continue
                agent = self.remote_agents[name] = RemoteAgent(name, record.name, info)
                async_dispatcher_send(
                    self.hass, SIGNAL_REMOTE_AGENT_ADDED.format(self.entry_id), name
                )
                self._emit(EventKind.SPAWNED, agent, {"kind": info.get("kind")})
                continue
            moved = known.node != record.name
            known.node, known.info, known.present = record.name, info, True
            if moved:
                self._move_device(name, record.name)
            self._agent_changed(name)
        for agent in self.remote_agents.values():
            if agent.node == record.name and agent.present and agent.name not in listed:
                agent.present = False
                agent.info = {**agent.info, "state": "stopped", "busy": False}
                self._agent_changed(agent.name)
                self._emit(EventKind.STATUS, agent, {"state": "stopped"})
        self._forget_gone_agents(record)

    def desired_node(self, agent: str) -> str | None:
        """Return the node whose desired set lists `agent`, if any."""
        for record in self.nodes.values():
            if agent in record.desired:
                return record.name
        return None

    def _forget_gone_agents(self, record: NodeRecord) -> None:
        """Forget the agents a managed node stopped for good: not running, wanted nowhere.

        Only where HA's desired set is the truth (a managed node), and not
        while the node may still be applying one (a migration's target is set
        after its source); what a node runs on its own stays until its device
        is deleted.
        """
        if not record.managed or self._settling(record):
            return
        for agent in list(self.remote_agents.values()):
            if (
                agent.node == record.name
                and not agent.present
                and self.desired_node(agent.name) is None
            ):
                self._forget_remote_agent(agent.name)

    @callback
    def _forget_remote_agent(self, name: str) -> None:
        """Drop an agent no node runs or should run, with its device and entities."""
        agent = self.remote_agents.pop(name, None)
        self._migrations.pop(name, None)
        if agent is not None:  # the monitor and the panel drop it
            self._emit(EventKind.REMOVED, agent, {})
        async_dispatcher_send(
            self.hass, SIGNAL_REMOTE_AGENT_REMOVED.format(self.entry_id), name
        )
        async_remove_device(
            self.hass, self.entry_id, remote_agent_identifier(self.entry_id, name)
        )

    def forget_remote_agent(self, name: str) -> bool:
        """Forget an agent whose device the user deleted; False while it is not gone.

        An agent some node should run, or that an online node runs, is not gone.
        """
        if self.desired_node(name) is not None:
            return False
        known = self.remote_agents.get(name)
        if known is not None and known.present and self.remote_agent_available(name):
            return False
        self._forget_remote_agent(name)
        return True

    async def async_forget_node(self, node: str) -> bool:
        """Forget a node whose device the user deleted; False while it is online.

        Its record, secret, desired set and agents (with their devices) go; so
        do its retained messages (HA's desired_state, its announce and status),
        or the next start would list it again. A node that comes back later
        announces itself anew and is offered for pairing.
        """
        record = self.nodes.get(node)
        if record is None:
            return True
        if record.online:
            return False
        async with self._lock(node):
            if self.nodes.get(node) is not record:
                return True
            del self.nodes[node]
            self._cancel_silence(node)
            self._republish.discard(node)
            for name, migration in list(self._migrations.items()):
                if node in (migration.source, migration.target):
                    del self._migrations[name]
            agents = {a.name for a in self.remote_agents.values() if a.node == node}
            for name in sorted(agents | set(record.desired)):
                if self.desired_node(name) is None:
                    self._forget_remote_agent(name)
            if self._secrets.pop(node, None) is not None:
                await self._store.async_save_secrets(self._secrets)
            self._store.schedule_save(self._store_data)
            await self._store.async_flush()
            async_dispatcher_send(
                self.hass, SIGNAL_NODE_REMOVED.format(self.entry_id), node
            )
            for listener in tuple(self._listeners):
                listener(node)
            for topic in (
                f"nodes/{node}/desired_state",
                f"nodes/{node}/status",
                f"wactorz/{node}/announce",
            ):
                try:
                    await self.runtime.bus.publish(topic, "", qos=1, retain=True)
                except HomeAssistantError as err:
                    _LOGGER.warning(
                        "Node %s is forgotten, but its retained %s stays on the "
                        "broker (%s): it is listed again at the next start",
                        node,
                        topic,
                        self.runtime.scrubber.scrub(str(err))[:200],
                    )
                    break
        _LOGGER.info("Node %s is forgotten", node)
        return True

    def _mark_agents_absent(self, record: NodeRecord) -> None:
        for agent in self.remote_agents.values():
            if agent.node == record.name:
                self._agent_changed(agent.name)
                if (
                    agent.present
                ):  # its node is gone: flagged at once, not after silence
                    self._emit(
                        EventKind.STATUS,
                        agent,
                        {
                            "state": agent.info.get("state"),
                            "online": False,
                            "reason": "node_offline",
                        },
                    )

    @callback
    def _agent_changed(self, agent: str) -> None:
        async_dispatcher_send(
            self.hass, SIGNAL_REMOTE_AGENT_UPDATED.format(self.entry_id, agent)
        )

    def ensure_node_device(self, node: str) -> str:
        """Return the device id of a node, registering the device when needed."""
        record = self.nodes.get(node)
        device = dr.async_get(self.hass).async_get_or_create(
            config_entry_id=self.entry_id,
            identifiers={node_identifier(self.entry_id, node)},
            name=node,
            manufacturer=MANUFACTURER,
            model="Edge node",
            model_id="wactorz-edge",
            sw_version=record.version if record is not None else None,
        )
        return device.id

    def _move_device(self, agent: str, node: str) -> None:
        """Hang a migrated agent's device under its new node."""
        registry = dr.async_get(self.hass)
        device = registry.async_get_device_by_identifier(
            remote_agent_identifier(self.entry_id, agent), self.entry_id
        )
        if device is not None:
            registry.async_update_device(
                device.id, via_device_id=self.ensure_node_device(node)
            )

    def remote_agent_available(self, agent: str) -> bool:
        """Return True while the agent's node is online."""
        known = self.remote_agents.get(agent)
        if known is None:
            return False
        record = self.nodes.get(known.node)
        return record is not None and bool(record.online)

    def _arm_silence(self, record: NodeRecord) -> None:
        """Mark the node offline when its heartbeats stop (3.5 periods)."""
        self._cancel_silence(record.name)
        delay = max(3.5 * record.heartbeat_s, MIN_SILENCE_S)
        self._timers[record.name] = async_call_later(
            self.hass, delay, partial(self._on_silence, record.name)
        )

    def _cancel_silence(self, node: str) -> None:
        cancel = self._timers.pop(node, None)
        if cancel is not None:
            cancel()

    @callback
    def _on_silence(self, node: str, _now: Any) -> None:
        self._timers.pop(node, None)
        record = self.nodes.get(node)
        if record is not None and record.online:
            self._set_online(record, False, "silent")
            self._mark_agents_absent(record)
            self._changed(node)

    @staticmethod
    def _set_online(
        record: NodeRecord, online: bool, reason: str | None = None
    ) -> None:
        """Set a node's online state; log once when it goes offline, once when back.

        Heartbeats and re-delivered retained statuses of a node in the same
        state log nothing; a node first heard of online (HA's start) neither.
        """
        was = record.online
        record.online = online
        record.status_reason = None if online else reason
        if online and was is False:
            _LOGGER.info("Node %s is back online", record.name)
        elif not online and was is not False:
            _LOGGER.warning("Node %s is offline (%s)", record.name, reason)

    @callback
    def _on_errors(self, topic: str, raw: bytes) -> None:
        node = _node_of(topic, "nodes", "errors")
        if node is None or not raw:
            return
        data = _json_object(raw)
        if data is None or data.get("code") not in ERROR_CODES:
            return
        record = self._record(node)
        if record is None:
            return
        scrub = self.runtime.scrubber.scrub
        suppressed = _int(data.get("suppressed")) or 0
        record.errors += 1 + max(0, min(suppressed, 10_000))
        record.last_error = {
            "code": data["code"],
            "kind": scrub(_str(data.get("kind"), 32) or ""),
            "topic": scrub(_str(data.get("topic"), 256) or ""),
            "error": scrub(_str(data.get("error"), 300) or ""),
            "ts": _int(data.get("ts")),
        }
        now = time.monotonic()
        record.error_times = [t for t in record.error_times if now - t < ERROR_WINDOW_S]
        if len(record.error_times) < ERROR_EVENTS_PER_WINDOW:
            record.error_times.append(now)
            self.hass.bus.async_fire(
                EVENT_NODE_ERROR, {"node": node, **record.last_error}
            )
        _LOGGER.debug(
            "Node %s refused a %s message: %s",
            node,
            record.last_error["kind"],
            data["code"],
        )
        self._changed(node, persist=True)

    # --------------------------------------------------------- signed replies

    @callback
    def _on_signed_reply(self, topic: str, raw: bytes) -> None:
        parts = topic.split("/")
        if len(parts) != 3 or not NAME_RE.match(parts[1]):
            return
        node, kind = parts[1], parts[2]
        secret = self._secrets.get(node)
        if secret is None or not raw:
            return
        try:
            payload, ts, nonce = verify(
                decode(raw), secret=bytes.fromhex(secret), kind=kind, node=node
            )
            self._guard.check(ts, nonce)
        except SignatureError as err:
            self.refused_replies += 1
            record = self.nodes.get(node)
            if record is not None:
                record.bad_replies += 1
            _LOGGER.warning("Refused a %s reply from node %s: %s", kind, node, err.code)
            return
        if not isinstance(payload, dict):
            return
        request_id = payload.get("request_id")
        future = self._waiting.get(f"{node}/{kind}/{request_id}")
        if future is not None and not future.done():
            future.set_result(payload)

    async def _request(
        self, node: str, kind: str, reply: str, payload: dict[str, Any], timeout: float
    ) -> dict[str, Any]:
        """Send a signed request and wait for the node's signed answer."""
        request_id = payload["request_id"]
        key = f"{node}/{reply}/{request_id}"
        if len(self._waiting) >= MAX_WAITING:
            raise NodeError("node_timeout", validation=False, node=node, timeout="0")
        remaining = await self.async_wait_replies_ready(timeout)
        future: asyncio.Future[dict[str, Any]] = self.hass.loop.create_future()
        self._waiting[key] = future
        try:
            await self._publish(
                node,
                f"nodes/{node}/{kind}",
                sign(self._secret(node), kind, node, payload),
                retain=False,
            )
            async with asyncio.timeout(remaining):
                return await future
        except TimeoutError:
            record = self.nodes.get(node)
            heard = record.last_heartbeat if record is not None else None
            _LOGGER.warning(
                "Node %s did not answer a %s request within %g s (online: %s; last "
                "heartbeat %s)",
                node,
                kind,
                timeout,
                record.online if record is not None else None,
                f"{time.time() - heard:.0f} s ago" if heard is not None else "never",
            )
            raise NodeError(
                "node_timeout", validation=False, node=node, timeout=f"{timeout:g}"
            ) from None
        finally:
            self._waiting.pop(key, None)

    # ---------------------------------------------------------------- control

    def _lock(self, node: str) -> asyncio.Lock:
        lock = self._locks.get(node)
        if lock is None:
            lock = self._locks[node] = asyncio.Lock()
        return lock

    async def _async_publish_desired(self, record: NodeRecord) -> None:
        """Publish the node's retained desired_state (revision = unix ms, increasing).

        When MQTT is down the new desired set is kept (and saved) as `unsent`
        and published, freshly signed, as soon as HA's MQTT client reconnects:
        a spawn, stop or migration made meanwhile is delayed, never lost.
        """
        revision = max(time.time_ns() // 1_000_000, record.revision + 1)
        payload = {"agents": list(record.desired.values()), "revision": revision}
        envelope = sign(
            self._secret(record.name), "desired_state", record.name, payload
        )
        record.managed = True
        try:
            await self._publish(
                record.name, f"nodes/{record.name}/desired_state", envelope, retain=True
            )
        except NodeError as err:
            if err.key != "node_publish_failed":
                raise
            # Said once per node until it is sent (the bus logs the outage itself).
            _LOGGER.log(
                logging.DEBUG if record.unsent else logging.INFO,
                "MQTT is not connected: desired state of node %s is sent on reconnect",
                record.name,
            )
            record.unsent = True
            self._schedule_resend(RESEND_RETRY_S)
        else:
            record.revision = revision
            record.unsent = False
            record.settling_since = time.monotonic()
        self._republish.discard(record.name)
        self._changed(record.name, persist=True)
        # Written now, not 2 s later: what HA re-sends after a restart or a
        # broker restart must be what it sent last.
        await self._store.async_flush()

    @callback
    def _on_connection(self, connected: bool) -> None:
        """Re-send every managed node's desired state when HA's MQTT client reconnects.

        Not only what could not be sent while disconnected: a broker that
        restarted without persistence (Mosquitto's default) lost every retained
        desired_state, so a node that is offline now (a queued migration's
        target, say) would find nothing when it comes back.
        """
        if connected:
            if self._resend is not None:
                self._resend()
                self._resend = None
            self._republish_all()

    @callback
    def _republish_all(self) -> None:
        """Re-send (freshly signed) the desired state of every managed, paired node."""
        self._republish = {
            record.name
            for record in self.nodes.values()
            if record.managed and self.has_secret(record.name)
        }
        self._schedule_resend(0)

    @callback
    def _schedule_resend(self, delay: float) -> None:
        if self._resend is not None or not any(
            record.unsent or record.name in self._republish
            for record in self.nodes.values()
        ):
            return

        @callback
        def resend(_now: Any) -> None:
            self._resend = None
            if self.started:
                self.runtime.entry.async_create_background_task(
                    self.hass, self._async_resend(), "wactorz node desired state"
                )

        self._resend = async_call_later(self.hass, delay, resend)

    async def _async_resend(self) -> None:
        if self.runtime.bus.kind == "mqtt" and not mqtt.is_connected(self.hass):
            return  # the connection callback brings us back
        for record in list(self.nodes.values()):
            due = record.unsent or record.name in self._republish
            if due and self.has_secret(record.name):
                async with self._lock(record.name):
                    if record.unsent or record.name in self._republish:
                        try:
                            await self._async_publish_desired(record)
                        except NodeError as err:
                            self._republish.discard(record.name)
                            _LOGGER.warning(
                                "Cannot re-send the desired state of node %s: %s",
                                record.name,
                                err,
                            )

    def locate(self, agent: str) -> str | None:
        """Return the node that should run (or runs) `agent`, if any."""
        for record in self.nodes.values():
            if agent in record.desired:
                return record.name
        known = self.remote_agents.get(agent)
        if known is not None and known.present:
            return known.node
        return None

    def is_remote(self, agent: str) -> bool:
        """Return True when some node runs (or should run) `agent`."""
        return self.locate(agent) is not None

    async def async_pair(
        self,
        node: str,
        secret_text: str,
        *,
        announced_key: str | None = None,
        replace: bool = False,
    ) -> dict[str, Any]:
        """Store a node's secret (from its secret file); return its key id.

        The secret must match the key id the node announced (`announced_key`,
        from the discovery flow, or the last announce this manager saw).
        `replace` (`/deploy`, which writes the node's secret file itself) skips
        that check and re-signs the retained desired_state with the new secret,
        so the redeployed node can read it.
        """
        check_node_name(node)
        try:
            secret = parse_secret(secret_text)
        except ValueError:
            raise NodeError("invalid_node_secret") from None
        fingerprint = key_id(secret)
        record = self.nodes.get(node)
        expected = announced_key or (record.key_id if record is not None else None)
        if not replace and expected and expected != fingerprint:
            raise NodeError("node_key_mismatch", node=node, key_id=expected)
        if record is None and self._record(node) is None:
            raise NodeError("too_many_nodes", limit=str(MAX_NODES))
        self._secrets[node] = secret.hex()
        self._register_secrets([secret.hex(), "".join(secret_text.split())])
        await self._store.async_save_secrets(self._secrets)
        self._changed(node, persist=True)
        if replace and record is not None and record.managed:
            async with self._lock(node):
                await self._async_publish_desired(record)
        return {
            "node": node,
            "key_id": fingerprint,
            "matches_announce": record is not None and record.key_id == fingerprint,
        }

    async def async_spawn(
        self, node: str, spec: dict[str, Any], *, confirmed_code: bool = False
    ) -> dict[str, Any]:
        """Add (or replace) an agent in a node's desired set and publish it.

        `confirmed_code` admits a code agent: only the code-agent confirmation
        flow passes it, after QA review and the user's confirmation.
        """
        check_node_name(node)
        check_spec(spec, allow_code=confirmed_code)
        agent = spec["name"]
        self.check_placement(node, agent)
        record = self._record(node)
        if record is None:
            raise NodeError("too_many_nodes", limit=str(MAX_NODES))
        kind = spec.get("kind", "builtin")
        if kind == "code":
            self.check_accepts_code(node)
        else:
            builtin = record.capabilities.get("builtin")
            if builtin and spec["class"] not in builtin:
                raise NodeError(
                    "node_unknown_class",
                    node=node,
                    agent_class=spec["class"],
                    classes=", ".join(builtin),
                )
        async with self._lock(node):
            previous = record.desired.get(agent)
            record.desired[agent] = {"kind": kind, "config": {}, **spec}
            try:
                await self._async_publish_desired(record)
            except NodeError:
                if previous is None:
                    record.desired.pop(agent, None)
                else:
                    record.desired[agent] = previous
                raise
        return {
            "node": node,
            "agent": agent,
            "online": bool(record.online),
            "queued": record.unsent,
        }

    def check_placement(self, node: str, agent: str) -> None:
        """Refuse an agent name HA runs itself or another node runs; need a paired node."""
        check_node_name(node)
        check_agent_name(agent)
        if self.runtime.system.get(agent) is not None:
            raise NodeError("agent_name_local", agent=agent)
        elsewhere = self.locate(agent)
        if elsewhere is not None and elsewhere != node:
            raise NodeError("agent_on_other_node", agent=agent, node=elsewhere)
        self._secret(node)

    def check_accepts_code(self, node: str) -> None:
        """Refuse a node that did not announce that it runs code agents (--allow-code)."""
        record = self.nodes.get(node)
        if record is None or not record.capabilities.get("code"):
            raise NodeError("node_no_code", node=node)

    async def async_stop_agent(self, agent: str) -> str:
        """Stop a remote agent (remove it from its node's desired set); return the node."""
        check_agent_name(agent)
        node = self.locate(agent)
        if node is None:
            raise NodeError("remote_agent_not_found", agent=agent)
        record = self.nodes[node]
        async with self._lock(node):
            if agent in record.desired or record.managed:
                record.desired.pop(agent, None)
                await self._async_publish_desired(record)
                if not record.online and self.desired_node(agent) is None:
                    # An offline node drops it when it comes back: gone now.
                    self._forget_remote_agent(agent)
            else:  # started by someone else: stop it imperatively
                envelope = sign(self._secret(node), "stop", node, {"name": agent})
                await self._publish(node, f"nodes/{node}/stop", envelope, retain=False)
        return node

    async def async_list_agents(
        self, node: str, timeout: float = CONTROL_TIMEOUT_S
    ) -> list[dict[str, Any]]:
        """Ask a node for its agents (signed request, signed answer)."""
        check_node_name(node)
        self._secret(node)
        answer = await self._request(
            node, "list", "agents", {"request_id": _request_id("list")}, timeout
        )
        agents = answer.get("agents")
        return [
            self._agent_info(item)
            for item in (agents if isinstance(agents, list) else [])[
                :MAX_AGENTS_PER_NODE
            ]
            if isinstance(item, dict) and isinstance(item.get("name"), str)
        ]

    async def async_migrate(
        self, agent: str, target: str, timeout: float = CONTROL_TIMEOUT_S
    ) -> dict[str, Any]:
        """Move an agent (with its state) to `target`; queued when `target` is offline.

        Online source: `migrate` -> signed `migrate_result` with spec + state.
        Offline source: the spec HA holds (with the last state it carried).
        Then the source's desired_state without the agent, the target's with it;
        both retained, so neither a late source nor a late target gets it wrong.
        The source's lock is held throughout, so no other desired state of the
        source is sent in between. When the source does not answer in time (the
        answer may be lost after it stopped and dropped the agent), its desired
        state, which still lists the agent, is sent again: the source starts the
        agent again with the state it kept, and the migration is refused.
        """
        check_agent_name(agent)
        check_node_name(target)
        source = self.locate(agent)
        if source is None:
            raise NodeError("remote_agent_not_found", agent=agent)
        if source == target:
            raise NodeError("already_on_node", agent=agent, node=target)
        self._secret(target)
        target_record = self._record(target)
        if target_record is None:
            raise NodeError("too_many_nodes", limit=str(MAX_NODES))
        source_record = self.nodes[source]
        request_id = _request_id("mig")
        carried_state = False
        async with self._lock(source):
            if source_record.online and self.has_secret(source):
                spec = await self._async_hand_over(
                    source_record, agent, target, request_id, timeout
                )
                carried_state = "state" in spec
            elif agent in source_record.desired:
                spec = dict(source_record.desired[agent])
            elif source_record.online:  # online, but HA cannot ask it: not paired
                raise NodeError("node_not_paired", node=source)
            else:
                raise NodeError("migration_source_unknown", agent=agent, node=source)
            spec.pop("replace", None)
            source_record.desired.pop(agent, None)
            if source_record.managed:
                await self._async_publish_desired(source_record)
        async with self._lock(target):
            target_record.desired[agent] = spec
            await self._async_publish_desired(target_record)
        self._migrations[agent] = _Migration(
            source, target, request_id, time.monotonic()
        )
        status = "moving" if target_record.online else "queued"
        self.hass.bus.async_fire(
            EVENT_MIGRATION,
            {"agent": agent, "source": source, "target": target, "status": status},
        )
        return {
            "agent": agent,
            "source": source,
            "target": target,
            "request_id": request_id,
            "status": status,
            "state_carried": carried_state,
        }

    async def _async_hand_over(
        self,
        source: NodeRecord,
        agent: str,
        target: str,
        request_id: str,
        timeout: float,
    ) -> dict[str, Any]:
        """Ask the source for the agent's spec and state (source lock held)."""
        try:
            result = await self._request(
                source.name,
                "migrate",
                "migrate_result",
                {"agent": agent, "request_id": request_id, "target": target},
                timeout,
            )
        except NodeError as err:
            if err.key != "node_timeout" or not (
                source.managed and agent in source.desired
            ):
                raise
            # The source may have stopped and dropped the agent already: its
            # desired state (still with the agent) brings it back there.
            await self._async_publish_desired(source)
            raise NodeError(
                "migration_timeout",
                validation=False,
                agent=agent,
                node=source.name,
                timeout=f"{timeout:g}",
            ) from None
        if (
            result.get("ok") is not True
            or result.get("agent") != agent
            or not isinstance(result.get("spec"), dict)
        ):
            error = self.runtime.scrubber.scrub(str(result.get("error", "")))
            raise NodeError(
                "migration_failed",
                validation=False,
                agent=agent,
                node=source.name,
                error=error[:200] or "refused",
            )
        return {k: v for k, v in result["spec"].items() if k in _SPEC_FIELDS}

    def _check_migrations(self, record: NodeRecord) -> None:
        for info in record.agents:
            migration = self._migrations.get(info["name"])
            if (
                migration is not None
                and migration.target == record.name
                and info["state"] == "running"
            ):
                del self._migrations[info["name"]]
                self.hass.bus.async_fire(
                    EVENT_MIGRATION,
                    {
                        "agent": info["name"],
                        "source": migration.source,
                        "target": migration.target,
                        "status": "completed",
                    },
                )

    async def async_ask_remote(
        self, agent: str, payload: Any, timeout: float = 30.0
    ) -> dict[str, Any]:
        """Send a task to an agent on a node and return its reply (`ok`, `result`/`error`)."""
        check_agent_name(agent)
        return await self.responder.async_ask(agent, payload, timeout)

    # --------------------------------------------------------- chat commands

    def snapshot(self) -> list[dict[str, Any]]:
        """Describe every node (no secrets): for list_nodes, /nodes and diagnostics."""
        return [
            {
                "name": record.name,
                "online": bool(record.online),
                "status_reason": record.status_reason,
                "paired": self.has_secret(record.name),
                "node_paired": record.announced_paired,
                "key_id": record.key_id,
                "version": record.version,
                "protocol": record.protocol,
                "python": record.python,
                "platform": record.platform,
                "capabilities": record.capabilities,
                "last_heartbeat": record.last_heartbeat,
                "uptime_s": record.uptime_s,
                "load": record.load,
                "agents": [dict(info) for info in record.agents],
                "desired": sorted(record.desired),
                "errors": record.errors,
                "last_error": record.last_error,
            }
            for record in sorted(self.nodes.values(), key=lambda r: r.name)
        ]

    async def async_migrate_command(self, agent: str, node: str) -> str:
        """Run /migrate for main: a one-line answer."""
        try:
            result = await self.async_migrate(agent, node)
        except NodeError as err:
            return str(err)
        if result["status"] == "queued":
            return (
                f"@{agent} left {result['source']}; {node} is offline, "
                "so it starts there when the node comes back."
            )
        carried = " with its state" if result["state_carried"] else ""
        return f"@{agent} is moving from {result['source']} to {node}{carried}."

    async def async_code_command(self, node: str, agent: str, request: str) -> str:
        """Run /code for main: review a code agent and ask for confirmation (one line)."""
        proposals = self.runtime.code_agents
        if proposals is None:
            return MESSAGES["nodes_unavailable"]
        return await proposals.async_command(node, agent, request)

    async def async_stop_command(self, agent: str) -> str | None:
        """Run `/agents stop <name>` for a remote agent; None when no node runs it."""
        if not NAME_RE.match(agent) or self.locate(agent) is None:
            return None
        try:
            node = await self.async_stop_agent(agent)
        except NodeError as err:
            return str(err)
        return f"@{agent} stopped on {node}."


def node_identifier(entry_id: str, node: str) -> tuple[str, str]:
    """Return the device identifier of a node."""
    return (DOMAIN, f"{entry_id}_node_{node}")


def remote_agent_identifier(entry_id: str, agent: str) -> tuple[str, str]:
    """Return the device identifier of an agent running on a node."""
    return (DOMAIN, f"{entry_id}_remote_{agent}")


def _request_id(prefix: str) -> str:
    return f"{prefix}-{time.time_ns() // 1_000_000}-{secrets.token_hex(4)}"


def _valid_secret(value: Any) -> bool:
    try:
        parse_secret(value)
    except TypeError, ValueError:
        return False
    return True


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        data = decode(raw)
    except SignatureError:
        return None
    return data if isinstance(data, dict) else None


async def async_start_nodes(runtime: WactorzRuntime) -> NodeManager:
    """Start the node manager of a runtime (call at the end of async_start)."""
    manager = NodeManager(runtime)
    await manager.async_start()
    return manager
