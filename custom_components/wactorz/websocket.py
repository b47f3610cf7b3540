"""Websocket API of the Wactorz panel and card.

`wactorz/subscribe`     a snapshot event, then coalesced delta events (admins and users)
`wactorz/agent/details` recent events, errors and metrics of one agent (admins and users)
`wactorz/chat`          ask main, or `@agent` directly; the reply is streamed as events
                        (admins and users; what changes the system: admins only)
`wactorz/agents/control` pause, resume, restart, stop, delete (admins only)

One `PanelHub` per loaded entry follows the actor event stream. It keeps a bounded
ring of recent events and errors per agent (for details) and, while somebody
watches, collects changes for `FLUSH_INTERVAL_S` and sends them as one delta
event, serialized once for every subscriber. Within a window an agent appears at
most once: its heartbeats collapse to one "beat", its state and metrics to the
last values, messages between two agents to one count. A thousand agents
heart-beating every 10 s cost a few hundred bytes per second, not a message each.

Agents are keyed by a small integer `k` (given in the snapshot and in `added`),
so a heartbeat costs a few bytes. Subscriptions survive a reload of the entry:
they get `{"type": "unavailable"}` while it is down and a fresh snapshot after.

Agents on edge nodes (from the node manager) are listed beside the local ones
with `"remote": true`, their `node` and `"online"` (their node's state); `nodes`
carries every node the manager knows with its real `online`. A node going
offline changes its node entry and its agents' `online` in the next delta; the
monitor's degraded/recovered alerts about them come in the feed.

Delta event (every key optional):
    {"type": "delta", "seq": n, "t": time,
     "added": [agent, ...], "removed": [k, ...],
     "agents": {k: {"state": .., "metrics": {..}, "queue_depth": .., "last_error": {..}}},
     "beats": [k, ...], "messages": [[from_k, to_k, count], ...],
     "feed": [{"kind": .., "k": .., "t": .., ...}], "feed_dropped": n, "nodes": [node, ...]}
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import asdict
import logging
import time
from typing import Any, Final

import probatio

from homeassistant.components import websocket_api
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.json import json_bytes
from homeassistant.util.hass_dict import HassKey

from .agents.access import CALLER_KEY, NOT_ADMIN_REPLY, is_mutating
from .agents.qa import screen_inbound
from .agents.stream import STREAM_KEY, ReplyStream
from .agents.text import split_mention, text_of
from .const import DOMAIN
from .core import (
    ActorCell,
    ActorError,
    ActorEvent,
    ActorFailedError,
    ActorNotFoundError,
    ActorState,
    ActorStoppedError,
    AskTimeoutError,
    EventKind,
    MailboxFullError,
    ProtectedActorError,
)
from .jsonable import jsonable
from .nodes.manager import NodeError, NodeManager, RemoteAgent
from .permissions import user_caller
from .runtime import WactorzConfigEntry, WactorzRuntime

_LOGGER = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 0.25
EVENT_RING = 50  # recent events per agent kept for details
ERROR_RING = 20  # recent errors (with traceback) per agent
MAX_FEED_PER_FLUSH = 50  # feed items per delta; the rest is counted in feed_dropped
MAX_TEXT = 2000  # characters of a message/preview in the feed and rings
MAX_CHAT_CHARS = 20_000
MAX_TIMEOUT_S = 600
MAX_CHUNK_EVENTS = 400  # chunk events per streamed reply; the rest comes in one piece
# Agents whose LLM turns stream their text to the panel (others answer in one piece).
STREAMING_KINDS: Final = frozenset({"main", "llm_agent"})

# An event per message between two agents (emitted only while someone asks for it).
MESSAGE_KIND: Final = EventKind.MESSAGE

ERR_NOT_LOADED: Final = "not_loaded"
ERR_PROTECTED: Final = "protected"
ERR_INVALID_STATE: Final = "invalid_state"
ERR_AGENT_FAILED: Final = "agent_failed"
ERR_MAILBOX_FULL: Final = "mailbox_full"

ACTIONS: Final = ("pause", "resume", "restart", "stop", "delete")
# What Home Assistant can do to an agent on a node: take it out of the node's set.
REMOTE_ACTIONS: Final = ("stop",)

_AGENT = probatio.All(str, probatio.Length(min=1, max=128))

# Kinds that go to the activity feed and to the per-agent ring.
_FEED_KINDS = frozenset(
    {
        EventKind.SPAWNED,
        EventKind.STATUS,
        EventKind.ALERT,
        EventKind.ERROR,
        EventKind.COMPLETED,
        EventKind.CHAT,
        EventKind.LOG,
        EventKind.RESTARTED,
        EventKind.GAVE_UP,
        EventKind.REMOVED,
    }
)

DATA_PANEL: HassKey[PanelData] = HassKey(f"{DOMAIN}_panel")


def _clip(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "…"
    return value


# What a node's agent has instead of a local actor's counters.
_NO_METRICS: Final = {
    "messages_processed": 0,
    "errors": 0,
    "restarts": 0,
    "queue_depth": 0,
    "dropped": 0,
    "expired": 0,
    "uptime_s": 0.0,
}


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _remote_state(state: Any) -> str:
    """Map a node agent's state (docs/PROTOCOL.md) to the panel's agent states."""
    if state in ("running", "stopped", "failed"):
        return str(state)
    if state == "stopping":
        return "stopped"
    return "created"  # created, installing, starting, restarting, unknown


def _metrics_signature(metrics: dict[str, Any]) -> tuple[Any, ...]:
    """Return the metrics worth sending (uptime grows by itself)."""
    return tuple(value for name, value in metrics.items() if name != "uptime_s")


class PanelData:
    """What lives in hass.data: the hub of the loaded entry and every subscription."""

    def __init__(self) -> None:
        """Start with no hub and no subscription."""
        self.hub: PanelHub | None = None
        self.subscriptions: set[Subscription] = set()


def _panel_data(hass: HomeAssistant) -> PanelData:
    data = hass.data.get(DATA_PANEL)
    if data is None:
        data = hass.data[DATA_PANEL] = PanelData()
    return data


class Subscription:
    """One `wactorz/subscribe` of one websocket connection."""

    __slots__ = ("connection", "msg_id", "prefix")

    def __init__(self, connection: websocket_api.ActiveConnection, msg_id: int) -> None:
        """Remember where to send."""
        self.connection = connection
        self.msg_id = msg_id
        self.prefix = b'{"id":' + str(msg_id).encode() + b',"type":"event","event":'

    def send_json(self, payload: bytes) -> None:
        """Send an already serialized event (serialized once for all subscribers)."""
        self.connection.send_message(self.prefix + payload + b"}")


class PanelHub:
    """Follows the actor events of one runtime for the panel and the card."""

    def __init__(self, hass: HomeAssistant, runtime: WactorzRuntime) -> None:
        """Create a hub; `start` subscribes it to the event stream."""
        self.hass = hass
        self.runtime = runtime
        self.system = runtime.system
        self.scrubber = runtime.scrubber
        self.subscriptions: set[Subscription] = set()
        self.events: dict[str, deque[dict[str, Any]]] = {}
        self.errors: dict[str, deque[dict[str, Any]]] = {}
        self._keys: dict[str, int] = {}
        self._next_key = 0
        self._seq = 0
        self._unsubscribe: list[Any] = []
        self._message_unsub: Any = None
        self._timer: asyncio.TimerHandle | None = None
        self._nodes: list[dict[str, Any]] = []
        # What the subscribers were last told, to send only changes.
        self._told_state: dict[int, str] = {}
        self._told_depth: dict[int, int] = {}
        self._told_metrics: dict[int, tuple[Any, ...]] = {}
        self._reset_pending()

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        """Follow the event stream (always, so details have recent history)."""
        self._unsubscribe.append(self.system.events.subscribe(self._on_event))
        if (nodes := self.runtime.nodes) is not None:
            self._unsubscribe.append(nodes.add_listener(self._on_node_changed))
        self._nodes = self._compute_nodes()

    @callback
    def _on_node_changed(self, _node: str) -> None:
        """Recompute the nodes at the next flush (a record changed: online, heartbeat, agents)."""
        if self.subscriptions:
            self._nodes_changed = True
            self._arm()

    def close(self) -> None:
        """Flush what is pending, tell subscribers the hub is gone, unsubscribe."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.flush()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        self._set_message_tracing(False)
        unavailable = json_bytes({"type": "unavailable"})
        for subscription in self.subscriptions:
            subscription.send_json(unavailable)
        self.subscriptions.clear()

    def add(self, subscription: Subscription) -> None:
        """Send the snapshot to a new subscriber, then deltas."""
        self.flush()  # what is pending predates the snapshot
        subscription.send_json(json_bytes(self.snapshot()))
        self.subscriptions.add(subscription)
        self._set_message_tracing(True)

    def discard(self, subscription: Subscription) -> None:
        """Stop sending to a subscriber."""
        self.subscriptions.discard(subscription)
        if not self.subscriptions:
            self._set_message_tracing(False)
            self._reset_pending()

    def _set_message_tracing(self, on: bool) -> None:
        """Subscribe to message events only while somebody watches (they cost)."""
        kind = getattr(EventKind, "MESSAGE", None)
        if kind is None:
            return
        if on and self._message_unsub is None:
            self._message_unsub = self.system.events.subscribe(
                self._on_message, (kind,)
            )
        elif not on and self._message_unsub is not None:
            self._message_unsub()
            self._message_unsub = None

    # -- model -------------------------------------------------------------------------
    def key(self, actor_id: str) -> int:
        """Return the small integer key of an agent (stable while the hub lives)."""
        key = self._keys.get(actor_id)
        if key is None:
            key = self._keys[actor_id] = self._next_key
            self._next_key += 1
        return key

    def _last_error(self, cell: ActorCell) -> dict[str, Any] | None:
        error = cell.last_error
        if error is None:
            return None
        return {
            "phase": error.phase,
            "type": error.type,
            "message": _clip(self.scrubber.scrub(error.message)),
            "at": error.timestamp,
        }

    def agent_info(self, cell: ActorCell, *, told: bool = True) -> dict[str, Any]:
        """Return what the panel shows of one agent.

        `told` records it as known to every subscriber (snapshots and added agents);
        a details reply goes to one caller only and must not hide a pending delta.
        """
        key = self.key(cell.id)
        metrics = asdict(cell.metrics())
        if told:
            self._told_state[key] = cell.state.value
            self._told_depth[key] = cell.queue_depth
            self._told_metrics[key] = _metrics_signature(metrics)
        return {
            "k": key,
            "id": cell.id,
            "name": cell.name,
            "node": str(cell.meta.get("node", self.system.node)),
            "kind": str(cell.meta.get("kind", "agent")),
            "description": str(cell.meta.get("description", "")),
            "state": cell.state.value,
            "protected": cell.protected,
            "metrics": metrics,
            "last_error": self._last_error(cell),
        }

    def _remote_agents(self) -> list[RemoteAgent]:
        """Return the agents nodes report (present ones), in name order."""
        nodes = self.runtime.nodes
        if nodes is None:
            return []
        return sorted(
            (agent for agent in nodes.remote_agents.values() if agent.present),
            key=lambda agent: agent.name,
        )

    def _remote_index(self) -> dict[str, RemoteAgent]:
        """Return the present remote agents by their event-stream id."""
        return {NodeManager.remote_id(agent): agent for agent in self._remote_agents()}

    def _node_online(self, node: str) -> bool:
        nodes = self.runtime.nodes
        record = nodes.nodes.get(node) if nodes is not None else None
        return record is not None and bool(record.online)

    def remote_info(self, agent: RemoteAgent, *, told: bool = True) -> dict[str, Any]:
        """Return what the panel shows of an agent on a node (grouped under its node)."""
        actor_id = NodeManager.remote_id(agent)
        key = self.key(actor_id)
        info = agent.info
        state = _remote_state(info.get("state"))
        if told:
            self._told_state[key] = state
        last_error = info.get("last_error")
        return {
            "k": key,
            "id": actor_id,
            "name": agent.name,
            "node": agent.node,
            "kind": str(info.get("kind") or "agent"),
            "description": str(info.get("class") or ""),
            "state": state,
            "protected": False,
            "metrics": {
                **_NO_METRICS,
                "restarts": _count(info.get("restarts")),
                "messages_processed": _count(info.get("tasks_done")),
                "errors": _count(info.get("tasks_failed")),
                "queue_depth": _count(info.get("mailbox")),
                "uptime_s": float(info.get("uptime_s") or 0.0),
            },
            "last_error": {
                "phase": "remote",
                "type": "",
                "message": _clip(self.scrubber.scrub(last_error)),
                "at": 0,
            }
            if isinstance(last_error, str) and last_error
            else None,
            "remote": True,
            "online": self._node_online(agent.node),
        }

    def _compute_nodes(self) -> list[dict[str, Any]]:
        """Return the local node and every node the node manager knows, with real online state."""
        counts: dict[str, int] = {}
        for cell in self.system.actors():
            node = str(cell.meta.get("node", self.system.node))
            counts[node] = counts.get(node, 0) + 1
        counts.setdefault(self.system.node, 0)
        for agent in self._remote_agents():
            counts[agent.node] = counts.get(agent.node, 0) + 1
        if (manager := self.runtime.nodes) is not None:
            for name in manager.nodes:
                counts.setdefault(name, 0)
        return [
            {
                "name": node,
                "local": node == self.system.node,
                "online": node == self.system.node or self._node_online(node),
                "agents": count,
            }
            for node, count in sorted(
                counts.items(), key=lambda item: (item[0] != self.system.node, item[0])
            )
        ]

    def snapshot(self) -> dict[str, Any]:
        """Return the full state for a new subscriber."""
        self._nodes = self._compute_nodes()
        return {
            "type": "snapshot",
            "seq": self._seq,
            "t": time.time(),
            "entry_id": self.runtime.entry.entry_id,
            "node": self.system.node,
            "window_ms": round(FLUSH_INTERVAL_S * 1000),
            "message_events": hasattr(EventKind, "MESSAGE"),
            "nodes": self._nodes,
            "agents": [self.agent_info(cell) for cell in self.system.actors()]
            + [self.remote_info(agent) for agent in self._remote_agents()],
        }

    def details(self, cell: ActorCell) -> dict[str, Any]:
        """Return everything the drawer shows of one agent."""
        error = cell.last_error
        last_error = self._last_error(cell)
        if last_error is not None and error is not None:
            last_error["traceback"] = self.scrubber.scrub(error.traceback)
        info = self.agent_info(cell, told=False)
        info.update(
            {
                "last_error": last_error,
                "mailbox_capacity": cell.mailbox.capacity,
                "supervisor": cell.supervisor.name
                if cell.supervisor is not None
                else None,
                "events": list(self.events.get(cell.id, ())),
                "errors": list(self.errors.get(cell.id, ())),
                "cost": self._cost(cell.name),
                # (a protected agent refuses stop and delete: shown, disabled)
                "actions": list(ACTIONS),
            }
        )
        return info

    def remote_agent(self, agent: str) -> RemoteAgent | None:
        """Return the agent on a node named `agent` (or with that event-stream id)."""
        nodes = self.runtime.nodes
        if nodes is None:
            return None
        known = nodes.remote_agents.get(agent)
        if known is not None:
            return known
        return next(
            (
                remote
                for remote in nodes.remote_agents.values()
                if NodeManager.remote_id(remote) == agent
            ),
            None,
        )

    def remote_details(self, agent: RemoteAgent) -> dict[str, Any]:
        """Return what HA knows of an agent on a node: its node, state, heartbeat, errors.

        The node runs it, so there is no mailbox or supervisor here; its recent
        errors are the ones the monitor and the node manager saw, and the node's
        last refused or bad message (`nodes/{node}/errors`).
        """
        actor_id = NodeManager.remote_id(agent)
        info = self.remote_info(agent, told=False)
        manager = self.runtime.nodes
        record = manager.nodes.get(agent.node) if manager is not None else None
        errors = list(self.errors.get(actor_id, ()))
        node: dict[str, Any] = {"name": agent.node, "online": False}
        if record is not None:
            node_error = record.last_error
            node = {
                "name": record.name,
                "online": bool(record.online),
                "status_reason": record.status_reason,
                "last_heartbeat": record.last_heartbeat,
                "version": record.version,
                "errors": record.errors,
                "last_error": node_error,
            }
            if node_error is not None:
                errors.append(
                    {
                        "kind": "error",
                        "name": record.name,
                        "t": node_error.get("ts") or 0,
                        "phase": node_error.get("code"),
                        "error_type": node_error.get("kind") or "node",
                        "message": _clip(
                            self.scrubber.scrub(str(node_error.get("error") or ""))
                        ),
                    }
                )
        info.update(
            {
                "present": agent.present,
                "mailbox_capacity": None,
                "supervisor": None,
                "events": list(self.events.get(actor_id, ())),
                "errors": errors,
                "cost": self._cost(agent.name),
                "remote_node": node,
                "actions": list(REMOTE_ACTIONS),
            }
        )
        return info

    def _cost(self, name: str) -> dict[str, Any] | None:
        """Return the agent's LLM usage (None while nothing was metered for it)."""
        try:
            totals = self.runtime.llm.gateway.agent_total(name)
        except AttributeError:  # a runtime without the LLM layer
            return None
        if totals is None or not totals.calls:
            return None
        return {
            "total": round(totals.cost_usd, 6),
            "currency": "USD",
            "calls": totals.calls,
            "tokens_in": totals.input_tokens,
            "tokens_out": totals.output_tokens,
            "unknown_cost_requests": totals.unknown_cost_requests,
        }

    # -- events ------------------------------------------------------------------------
    def _reset_pending(self) -> None:
        self._added: dict[int, str] = {}  # key -> actor id
        self._removed: list[int] = []
        self._changed: dict[int, dict[str, Any]] = {}
        self._beats: dict[int, None] = {}
        self._messages: dict[tuple[int, int], int] = {}
        self._feed: list[dict[str, Any]] = []
        self._feed_dropped = 0
        self._nodes_changed = False

    def _record(self, event: ActorEvent) -> dict[str, Any] | None:
        """Keep a feed item of `event` in the agent's ring; return it."""
        kind = event.kind
        data = event.data
        item: dict[str, Any] = {
            "kind": str(kind),
            "name": event.actor_name,
            "t": event.timestamp,
        }
        if kind is EventKind.STATUS:
            item["state"] = data.get("state")
            item["previous"] = data.get("previous")
            for extra in ("reason", "phase", "error"):
                if extra in data:
                    item[extra] = data[extra]
        elif kind is EventKind.ERROR:
            item["phase"] = data.get("phase")
            item["error_type"] = data.get("error_type")
            item["message"] = data.get("message")
        elif kind is EventKind.SPAWNED:
            item["node"] = data.get("node")
            item["agent_kind"] = data.get("kind")
        elif kind is EventKind.REMOVED:
            pass
        else:  # alert, log, completed, chat, restarted, gave_up: small, user-facing data
            # (Values under secret-looking keys are redacted by the scrubber below.)
            item.update(
                (field, value) for field, value in data.items() if field != "traceback"
            )
        item = {
            field: _clip(value)
            for field, value in self.scrubber.scrub_data(jsonable(item)).items()
        }
        if kind is EventKind.REMOVED:
            self.events.pop(event.actor_id, None)
            self.errors.pop(event.actor_id, None)
            return item
        ring = self.events.get(event.actor_id)
        if ring is None:
            ring = self.events[event.actor_id] = deque(maxlen=EVENT_RING)
        ring.append(item)
        if kind is EventKind.ERROR:
            errors = self.errors.get(event.actor_id)
            if errors is None:
                errors = self.errors[event.actor_id] = deque(maxlen=ERROR_RING)
            errors.append(
                {
                    **item,
                    "traceback": self.scrubber.scrub(str(data.get("traceback", ""))),
                }
            )
        return item

    @callback
    def _on_remote_event(self, event: ActorEvent) -> None:
        """Follow an event about an agent on a node (from the node manager or the monitor)."""
        kind = event.kind
        item = self._record(event) if kind in _FEED_KINDS else None
        if not self.subscriptions:
            if kind is EventKind.REMOVED:
                self._forget(event.actor_id)
            return
        if kind is EventKind.REMOVED:  # forgotten: no node runs or should run it
            self._remove(event.actor_id)
            if item is not None and len(self._feed) < MAX_FEED_PER_FLUSH:
                item["k"] = None  # (as for a removed local agent)
                self._feed.append(item)
            self._arm()
            return
        actor_id = event.actor_id
        data = event.data
        if kind is EventKind.SPAWNED or actor_id not in self._keys:
            self._added[self.key(actor_id)] = actor_id
            self._nodes_changed = True
        if kind is EventKind.HEARTBEAT:
            self._beats[self.key(actor_id)] = None
        if kind in (EventKind.HEARTBEAT, EventKind.STATUS):
            key = self.key(actor_id)
            state = _remote_state(data.get("state"))
            if self._told_state.get(key) != state:
                self._change(actor_id)["state"] = state
            if isinstance(data.get("online"), bool):
                self._change(actor_id)["online"] = data["online"]
            if kind is EventKind.STATUS:
                self._nodes_changed = True
        if item is not None:
            if len(self._feed) < MAX_FEED_PER_FLUSH:
                item["k"] = self._keys.get(actor_id)
                self._feed.append(item)
            else:
                self._feed_dropped += 1
        self._arm()

    @callback
    def _on_event(self, event: ActorEvent) -> None:
        kind = event.kind
        if event.data.get("remote") is True:
            self._on_remote_event(event)
            return
        if kind is EventKind.HEARTBEAT:
            if self.subscriptions:
                self._on_heartbeat(event)
            return
        if kind is EventKind.METRICS:
            if self.subscriptions:
                self._change(event.actor_id)["metrics"] = dict(event.data)
                self._arm()
            return
        if kind is EventKind.MESSAGE:
            if self._message_unsub is None:  # else the dedicated subscription counts it
                self._on_message(event)
            return
        item = self._record(event) if kind in _FEED_KINDS else None
        if not self.subscriptions:
            if kind is EventKind.REMOVED:
                self._forget(event.actor_id)
            return
        if kind is EventKind.SPAWNED:
            key = self.key(event.actor_id)
            self._added[key] = event.actor_id
            self._nodes_changed = True
        elif kind is EventKind.REMOVED:
            self._remove(event.actor_id)
        elif kind in (EventKind.STATUS, EventKind.ERROR, EventKind.RESTARTED):
            cell = self.system.get(event.actor_id)
            if cell is not None:
                change = self._change(event.actor_id)
                change["state"] = cell.state.value
                if kind is not EventKind.STATUS:
                    change["last_error"] = self._last_error(cell)
                    change["metrics"] = asdict(cell.metrics())
        if item is not None:
            if len(self._feed) < MAX_FEED_PER_FLUSH:
                item["k"] = self._keys.get(event.actor_id)
                self._feed.append(item)
            else:
                self._feed_dropped += 1
        self._arm()

    def _on_heartbeat(self, event: ActorEvent) -> None:
        key = self.key(event.actor_id)
        self._beats[key] = None
        data = event.data
        state = data.get("state")
        if state is not None and self._told_state.get(key) != state:
            self._change(event.actor_id)["state"] = state
        depth = data.get("queue_depth")
        if depth is not None and self._told_depth.get(key) != depth:
            self._change(event.actor_id)["queue_depth"] = depth
        self._arm()

    @callback
    def _on_message(self, event: ActorEvent) -> None:
        """Count a message from one agent to another, per pair and window."""
        if not self.subscriptions:
            return
        target = event.data.get("to")
        if not isinstance(target, str) or target not in self._keys:
            cell = self.system.get(target) if isinstance(target, str) else None
            if cell is None:
                return
            target = cell.id
        pair = (self.key(event.actor_id), self.key(target))
        self._messages[pair] = self._messages.get(pair, 0) + 1
        self._arm()

    def _change(self, actor_id: str) -> dict[str, Any]:
        key = self.key(actor_id)
        change = self._changed.get(key)
        if change is None:
            change = self._changed[key] = {}
        return change

    def _remove(self, actor_id: str) -> None:
        """Tell subscribers an agent is gone (local or on a node) and forget it."""
        gone = self._keys.get(actor_id)
        if gone is not None:
            if self._added.pop(gone, None) is None:
                self._removed.append(gone)
            self._changed.pop(gone, None)
            self._beats.pop(gone, None)
            self._forget(actor_id)
        self._nodes_changed = True

    def _forget(self, actor_id: str) -> None:
        key = self._keys.pop(actor_id, None)
        if key is not None:
            self._told_state.pop(key, None)
            self._told_depth.pop(key, None)
            self._told_metrics.pop(key, None)

    def _arm(self) -> None:
        if self._timer is None and self.subscriptions:
            self._timer = self.hass.loop.call_later(FLUSH_INTERVAL_S, self.flush)

    def _changed_agents(self) -> dict[str, dict[str, Any]]:
        """Return the pending per-agent changes minus what subscribers already know."""
        changed: dict[str, dict[str, Any]] = {}
        for key, change in self._changed.items():
            if (state := change.get("state")) is not None:
                if self._told_state.get(key) == state:
                    del change["state"]
                else:
                    self._told_state[key] = state
            if (metrics := change.get("metrics")) is not None:
                signature = _metrics_signature(metrics)
                if self._told_metrics.get(key) == signature:
                    del change["metrics"]
                else:
                    self._told_metrics[key] = signature
                    self._told_depth[key] = metrics.get("queue_depth", 0)
                    change.pop("queue_depth", None)
            if "queue_depth" in change:
                if self._told_depth.get(key) == change["queue_depth"]:
                    del change["queue_depth"]
                else:
                    self._told_depth[key] = change["queue_depth"]
            if change:
                changed[str(key)] = change
        return changed

    @callback
    def flush(self) -> None:
        """Send what changed since the last flush as one delta event."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self.subscriptions:
            self._reset_pending()
            return
        delta: dict[str, Any] = {}
        if self._added:
            added = []
            remote: dict[str, RemoteAgent] | None = None
            for key, actor_id in self._added.items():
                cell = self.system.get(actor_id)
                if cell is not None:
                    added.append(self.agent_info(cell))
                    self._changed.pop(key, None)
                else:
                    if remote is None:
                        remote = self._remote_index()
                    if (agent := remote.get(actor_id)) is not None:
                        added.append(self.remote_info(agent))
                        self._changed.pop(key, None)
            if added:
                delta["added"] = added
        if self._removed:
            delta["removed"] = self._removed
        if self._changed and (changed := self._changed_agents()):
            delta["agents"] = changed
        if self._beats:
            delta["beats"] = list(self._beats)
        if self._messages:
            delta["messages"] = [
                [source, target, count]
                for (source, target), count in self._messages.items()
            ]
        if self._feed:
            delta["feed"] = self._feed
        if self._feed_dropped:
            delta["feed_dropped"] = self._feed_dropped
        if self._nodes_changed:
            nodes = self._compute_nodes()
            if nodes != self._nodes:
                self._nodes = nodes
                delta["nodes"] = nodes
        self._reset_pending()
        if not delta:
            return
        self._seq += 1
        delta["type"] = "delta"
        delta["seq"] = self._seq
        delta["t"] = time.time()
        payload = json_bytes(delta)
        for subscription in tuple(self.subscriptions):
            subscription.send_json(payload)


# -- entry wiring ------------------------------------------------------------------------


@callback
def async_attach_hub(hass: HomeAssistant, entry: WactorzConfigEntry) -> None:
    """Start the hub of a loaded entry; waiting subscriptions get a snapshot."""
    data = _panel_data(hass)
    if data.hub is not None:
        data.hub.close()
    hub = data.hub = PanelHub(hass, entry.runtime_data)
    hub.start()
    for subscription in tuple(data.subscriptions):
        hub.add(subscription)

    @callback
    def _detach() -> None:
        if data.hub is hub:
            data.hub = None
        hub.close()

    entry.async_on_unload(_detach)


def _hub(hass: HomeAssistant) -> PanelHub | None:
    data = hass.data.get(DATA_PANEL)
    return data.hub if data is not None else None


def _not_loaded(connection: websocket_api.ActiveConnection, msg_id: int) -> None:
    connection.send_error(msg_id, ERR_NOT_LOADED, "Wactorz is not loaded")


def _resolve(hub: PanelHub, agent: str) -> ActorCell | RemoteAgent | None:
    """Return the local agent (by name or id), else the agent on a node, else None."""
    cell = hub.system.get(agent)
    if cell is not None:
        return cell
    return hub.remote_agent(agent)


def _not_found(connection: websocket_api.ActiveConnection, msg: dict[str, Any]) -> None:
    connection.send_error(
        msg["id"], websocket_api.ERR_NOT_FOUND, f"Unknown agent {msg['agent']}"
    )


def _error_code(err: ActorError) -> str:
    match err:
        case ActorNotFoundError():
            return websocket_api.ERR_NOT_FOUND
        case ProtectedActorError():
            return ERR_PROTECTED
        case ActorStoppedError():
            return ERR_INVALID_STATE
        case AskTimeoutError():
            return websocket_api.ERR_TIMEOUT
        case ActorFailedError():
            return ERR_AGENT_FAILED
        case MailboxFullError():
            return ERR_MAILBOX_FULL
    return websocket_api.ERR_HOME_ASSISTANT_ERROR


# -- commands -------------------------------------------------------------------------------


@websocket_api.websocket_command({probatio.Required("type"): "wactorz/subscribe"})
@callback
def ws_subscribe(
    hass: HomeAssistant,
    connection: websocket_api.ActiveConnection,
    msg: dict[str, Any],
) -> None:
    """Stream a snapshot, then coalesced deltas, until unsubscribed."""
    data = _panel_data(hass)
    subscription = Subscription(connection, msg["id"])
    data.subscriptions.add(subscription)

    @callback
    def _unsubscribe() -> None:
        data.subscriptions.discard(subscription)
        if data.hub is not None:
            data.hub.discard(subscription)

    connection.subscriptions[msg["id"]] = _unsubscribe
    connection.send_result(msg["id"])
    if data.hub is not None:
        data.hub.add(subscription)
    else:
        subscription.send_json(json_bytes({"type": "unavailable"}))


@websocket_api.websocket_command(
    {
        probatio.Required("type"): "wactorz/agent/details",
        probatio.Required("agent"): _AGENT,
    }
)
@callback
def ws_details(
    hass: HomeAssistant,
    connection: websocket_api.ActiveConnection,
    msg: dict[str, Any],
) -> None:
    """Return state, metrics, last error, recent events and errors of one agent.

    An agent on a node answers with what HA knows of it (`remote_details`).
    """
    if (hub := _hub(hass)) is None:
        _not_loaded(connection, msg["id"])
        return
    agent = _resolve(hub, msg["agent"])
    if agent is None:
        _not_found(connection, msg)
    elif isinstance(agent, RemoteAgent):
        connection.send_result(msg["id"], hub.remote_details(agent))
    else:
        connection.send_result(msg["id"], hub.details(agent))


@websocket_api.websocket_command(
    {
        probatio.Required("type"): "wactorz/agents/control",
        probatio.Required("agent"): _AGENT,
        probatio.Required("action"): probatio.In(ACTIONS),
    }
)
@websocket_api.require_admin
@websocket_api.async_response
async def ws_control(
    hass: HomeAssistant,
    connection: websocket_api.ActiveConnection,
    msg: dict[str, Any],
) -> None:
    """Pause, resume, restart, stop or delete an agent (admins only).

    An agent on a node can only be stopped (taken out of its node's set, by
    the node manager); the other actions are refused as not supported.
    """
    if (hub := _hub(hass)) is None:
        _not_loaded(connection, msg["id"])
        return
    cell = _resolve(hub, msg["agent"])
    if cell is None:
        _not_found(connection, msg)
        return
    action = msg["action"]
    if isinstance(cell, RemoteAgent):
        await _async_control_remote(hub, connection, msg, cell)
        return
    system = hub.system
    if cell.protected and action in ("stop", "delete"):
        connection.send_error(
            msg["id"],
            ERR_PROTECTED,
            f"Agent {cell.name} is protected: it cannot be {'stopped' if action == 'stop' else 'deleted'}",
        )
        return
    state = cell.state
    if action == "pause" and state not in (ActorState.RUNNING, ActorState.PAUSED):
        connection.send_error(
            msg["id"],
            ERR_INVALID_STATE,
            f"Agent {cell.name} is {state.value}; only a running agent can be paused",
        )
        return
    if action == "resume" and state not in (ActorState.RUNNING, ActorState.PAUSED):
        connection.send_error(
            msg["id"],
            ERR_INVALID_STATE,
            f"Agent {cell.name} is {state.value}; only a paused agent can be resumed (restart it instead)",
        )
        return
    _LOGGER.debug("Panel: %s agent %s (user %s)", action, cell.name, connection.user)
    try:
        match action:
            case "pause":
                system.pause(cell.id)
            case "resume":
                system.resume(cell.id)
            case "restart":
                await system.restart(cell.id)
            case "stop":
                await system.stop(cell.id)
            case "delete":  # actor, saved state, registry record, device
                await hub.runtime.async_remove_agent(cell.name)
    except ActorError as err:
        connection.send_error(msg["id"], _error_code(err), str(err))
        return
    connection.send_result(
        msg["id"],
        {
            "agent": cell.name,
            "state": "removed" if action == "delete" else cell.state.value,
        },
    )


async def _async_control_remote(
    hub: PanelHub,
    connection: websocket_api.ActiveConnection,
    msg: dict[str, Any],
    agent: RemoteAgent,
) -> None:
    """Stop an agent on a node through the node manager; refuse what does not apply."""
    action = msg["action"]
    manager = hub.runtime.nodes
    if action not in REMOTE_ACTIONS or manager is None:
        connection.send_error(
            msg["id"],
            websocket_api.ERR_NOT_SUPPORTED,
            f"Agent {agent.name} runs on node {agent.node}: "
            "Home Assistant can only stop it there",
        )
        return
    _LOGGER.debug(
        "Panel: stop agent %s on node %s (user %s)",
        agent.name,
        agent.node,
        connection.user,
    )
    try:
        node = await manager.async_stop_agent(agent.name)
    except NodeError as err:
        connection.send_error(msg["id"], err.key, str(err))
        return
    connection.send_result(
        msg["id"], {"agent": agent.name, "state": "stopped", "node": node}
    )


@websocket_api.websocket_command(
    {
        probatio.Required("type"): "wactorz/chat",
        probatio.Required("text"): probatio.All(
            str, probatio.Length(min=1, max=MAX_CHAT_CHARS)
        ),
        probatio.Optional("agent"): _AGENT,
        probatio.Optional("timeout"): probatio.All(
            probatio.Coerce(float), probatio.Range(min=1, max=MAX_TIMEOUT_S)
        ),
    }
)
@callback
def ws_chat(
    hass: HomeAssistant,
    connection: websocket_api.ActiveConnection,
    msg: dict[str, Any],
) -> None:
    """Send a line to main, or to `@agent` directly; stream the reply as events.

    The result acknowledges the request (agent, correlation id); then come events
    `start`, `chunk`s and `end` with the whole reply, or `error` with a code and
    a message. A reply made by an LLM turn (main's, a user-defined agent's)
    arrives as it is made: the screened text deltas (QA holds back the tail, so
    a secret split across deltas never shows) one chunk each, at most
    `MAX_CHUNK_EVENTS`, the rest in one chunk; answers made without an LLM
    (commands, mentions, other agents) come as one chunk. `end.text` is the
    reply: the chunks add up to it unless the turn failed after it had begun
    (then `end.text` says why and replaces what was shown). The client
    unsubscribes after `end`/`error`; unsubscribing earlier cancels the wait.
    The user goes with the line: a non-admin's line that would change the system
    (`access.is_mutating`) is refused as unauthorized and reaches no agent.
    """
    if (hub := _hub(hass)) is None:
        _not_loaded(connection, msg["id"])
        return
    text = msg["text"].strip()
    target = msg.get("agent")
    if target is None:
        mentioned, rest = split_mention(text)
        if mentioned is not None:
            target, text = mentioned, rest
    cell = hub.system.get(target or "main")
    if cell is None:
        connection.send_error(
            msg["id"], websocket_api.ERR_NOT_FOUND, f"Unknown agent {target or 'main'}"
        )
        return
    if not text:
        connection.send_error(
            msg["id"],
            websocket_api.ERR_INVALID_FORMAT,
            f"Nothing to send to @{cell.name}",
        )
        return
    caller = user_caller(connection.user, "panel")
    if not caller.admin and is_mutating({"text": text}, cell.name):
        _LOGGER.debug("Panel: refused a change for @%s (non-admin user)", cell.name)
        connection.send_error(
            msg["id"], websocket_api.ERR_UNAUTHORIZED, NOT_ADMIN_REPLY
        )
        return
    if cell.state in (ActorState.PAUSED, ActorState.STOPPED):
        connection.send_error(
            msg["id"],
            ERR_INVALID_STATE,
            f"Agent {cell.name} is {cell.state.value}; resume or restart it first",
        )
        return
    system = hub.system
    scrubber = hub.scrubber
    if cell.name != "main":  # (main screens what it is sent)
        screen_inbound(system, "user", text)
    correlation_id = system.ids.next()
    msg_id = msg["id"]

    streams = str(cell.meta.get("kind")) in STREAMING_KINDS
    streamed: list[str] = []  # sent as chunk events
    held: list[str] = []  # past MAX_CHUNK_EVENTS: sent in one chunk at the end

    @callback
    def _on_piece(piece: str) -> None:
        if len(streamed) >= MAX_CHUNK_EVENTS:
            held.append(piece)
            return
        piece = scrubber.scrub(piece)
        streamed.append(piece)
        connection.send_event(msg_id, {"type": "chunk", "text": piece})

    async def _run() -> None:
        connection.send_event(
            msg_id,
            {"type": "start", "agent": cell.name, "correlation_id": correlation_id},
        )
        stream = ReplyStream(_on_piece)
        payload: dict[str, Any] = {
            "text": text,
            "from": "user",
            "source": "panel",
            CALLER_KEY: caller,
        }
        if streams:
            payload[STREAM_KEY] = stream
        try:
            reply = await system.request(
                cell.id,
                payload,
                timeout=msg.get("timeout"),
                correlation_id=correlation_id,
            )
        except ActorError as err:
            connection.send_event(
                msg_id,
                {
                    "type": "error",
                    "agent": cell.name,
                    "code": _error_code(err),
                    "message": scrubber.scrub(str(err)),
                },
            )
            return
        finally:
            stream.close()  # (a turn that goes on after a timeout sends nothing more)
        value = scrubber.scrub_data(jsonable(reply.value))
        reply_text = text_of(value) or (
            value if isinstance(value, str) else json_bytes(value).decode()
        )
        if not streamed:
            connection.send_event(msg_id, {"type": "chunk", "text": reply_text})
        elif held:
            connection.send_event(
                msg_id, {"type": "chunk", "text": scrubber.scrub("".join(held))}
            )
        connection.send_event(
            msg_id,
            {
                "type": "end",
                "agent": reply.actor_name,
                "correlation_id": reply.correlation_id,
                "text": reply_text,
                "reply": value,
            },
        )

    connection.send_result(
        msg_id, {"agent": cell.name, "correlation_id": correlation_id}
    )
    task = hass.async_create_background_task(
        _run(), f"wactorz panel chat {correlation_id}"
    )
    connection.subscriptions[msg_id] = task.cancel


@callback
def async_register_websocket_commands(hass: HomeAssistant) -> None:
    """Register the panel's websocket commands (once, from async_setup)."""
    websocket_api.async_register_command(hass, ws_subscribe)
    websocket_api.async_register_command(hass, ws_details)
    websocket_api.async_register_command(hass, ws_control)
    websocket_api.async_register_command(hass, ws_chat)
