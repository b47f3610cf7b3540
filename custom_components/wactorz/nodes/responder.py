"""Answer `agents/by-name/{agent}/task` for Home Assistant's own agents.

An edge agent's `send_to("main", ...)` publishes a task with `reply_to` and a
`correlation_id`, signed by its node (`signing.sign_request`). A task for a
local agent is answered only when it is signed by a paired node's secret,
fresh, not replayed, and names an agent on the allow-list option (default
`main`); anything else gets an error reply (when it asked for one) and a
`wactorz_task_refused` event, and never reaches the agent (no LLM call). A
task for a name no node runs and HA does not have gets an "unknown agent"
reply after a short grace period (a node that just started the agent answers
first). Also the client side: `async_ask` sends a task to a remote agent and
waits for the reply on HA's reply topic.

Everything is bounded: payload size, concurrent asks, pending replies,
refusal replies and events, and where a reply may go (never wildcards, `$`,
discovery or protocol topics).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.event import async_call_later

from ..agents.access import Caller, with_caller
from ..const import CONF_NODE_TASK_AGENTS, DEFAULT_NODE_TASK_AGENTS
from ..core import ActorError
from ..jsonable import jsonable
from .signing import (
    MAX_PAYLOAD_BYTES,
    NAME_RE,
    REQUEST_ID_RE,
    ReplayGuard,
    SignatureError,
    decode,
    is_reply_topic,
    is_signed_request,
    request_sender,
    verify_request,
)

if TYPE_CHECKING:
    from .manager import NodeManager

_LOGGER = logging.getLogger(__name__)

MAX_INFLIGHT: Final = 16
MAX_PENDING_REPLIES: Final = 256
MAX_UNKNOWN_PENDING: Final = 64
UNKNOWN_GRACE_S: Final = 1.5
ASK_TIMEOUT_S: Final = 30.0
MAX_SENDER_CHARS: Final = 256
EVENT_TASK_REFUSED: Final = "wactorz_task_refused"
REFUSALS_PER_WINDOW: Final = 20
REFUSAL_WINDOW_S: Final = 10.0
# Last topic levels a reply must never be published on (the protocol's own).
_PROTECTED_LEVELS: Final = frozenset(
    {
        "spawn",
        "stop",
        "stop_all",
        "list",
        "migrate",
        "desired_state",
        "agents",
        "migrate_result",
        "status",
        "heartbeat",
        "errors",
        "announce",
        "task",
        "config",
    }
)


class TaskError(Exception):
    """A task message that cannot be answered (no reply is possible)."""


def parse_task_topic(topic: str) -> str | None:
    """Return `{agent}` of `agents/by-name/{agent}/task`, else None."""
    parts = topic.split("/")
    if (
        len(parts) == 4
        and parts[:2] == ["agents", "by-name"]
        and parts[3] == "task"
        and NAME_RE.match(parts[2])
    ):
        return parts[2]
    return None


def reply_topic_allowed(topic: Any) -> bool:
    """Return True for a topic HA will publish a reply on."""
    if not is_reply_topic(topic):
        return False
    if topic.startswith("homeassistant"):
        return False
    return topic.rsplit("/", 1)[-1] not in _PROTECTED_LEVELS


def validate_task(data: Any) -> tuple[Any, str | None, str | None, str | None]:
    """Return (payload, reply_to, correlation_id, sender) or raise TaskError."""
    if not isinstance(data, dict) or "payload" not in data:
        raise TaskError("not a task object")
    if set(data) - {"payload", "reply_to", "correlation_id", "from"}:
        raise TaskError("unknown task fields")
    reply_to = data.get("reply_to")
    correlation_id = data.get("correlation_id")
    sender = data.get("from")
    if reply_to is not None and not reply_topic_allowed(reply_to):
        raise TaskError("reply_to is not allowed")
    if correlation_id is not None and (
        not isinstance(correlation_id, str) or not REQUEST_ID_RE.match(correlation_id)
    ):
        raise TaskError("bad correlation_id")
    if reply_to is not None and correlation_id is None:
        raise TaskError("correlation_id is required with reply_to")
    if sender is not None and (
        not isinstance(sender, str) or len(sender) > MAX_SENDER_CHARS
    ):
        raise TaskError("bad from")
    return data["payload"], reply_to, correlation_id, sender


class TaskResponder:
    """Tasks for local agents in, replies out; plus HA's own remote asks."""

    def __init__(self, manager: NodeManager) -> None:
        """Create the responder of one node manager (subscribed by the manager)."""
        self._manager = manager
        self._runtime = manager.runtime
        self._inflight: set[asyncio.Task[None]] = set()
        self._unknown: dict[str, CALLBACK_TYPE] = {}
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._guard = ReplayGuard()
        self._refusal_times: list[float] = []
        self.answered = 0
        self.refused = 0
        self.suppressed = 0
        self.busy = 0

    @callback
    def on_task(self, topic: str, raw: bytes) -> None:
        """Handle one message on `agents/by-name/+/task` (never blocks)."""
        agent = parse_task_topic(topic)
        if agent is None or not raw:
            return
        local = self._runtime.system.get(agent) is not None
        if not local and self._manager.is_remote(agent):
            return  # a node answers it
        try:
            data = decode(raw)
        except SignatureError as err:
            if local:
                self._refuse(agent, err.code, str(err), None)
            else:
                self.refused += 1
            return
        if not local:
            self._unknown_agent(agent, data)
            return
        try:
            node, task = self._authenticate(agent, data)
        except SignatureError as err:
            self._refuse(agent, err.code, str(err), data)
            return
        try:
            payload, reply_to, correlation_id, sender = validate_task(task)
        except TaskError as err:
            self._refuse(agent, "invalid_payload", str(err), data, node)
            return
        if agent not in self.allowed_agents():
            self._refuse(
                agent,
                "refused",
                f"{agent} does not take tasks from nodes (allow-list option)",
                data,
                node,
            )
            return
        if sender is None or not sender.startswith(f"{node}/"):
            sender = node
        # A node's agents may relay what anyone on the broker sent them: they ask,
        # they change nothing (`access.is_mutating`), like io/chat.
        payload = with_caller(payload, Caller(f"node:{node}"))
        if reply_to is None or correlation_id is None:
            try:
                self._runtime.system.tell(agent, payload, sender=sender)
            except ActorError as err:
                _LOGGER.debug("Task for %s not delivered: %s", agent, err)
            return
        if len(self._inflight) >= MAX_INFLIGHT:
            self.busy += 1
            self._reply(reply_to, correlation_id, agent, False, error="busy")
            return
        task_job = self._runtime.entry.async_create_background_task(
            self._manager.hass,
            self._answer(agent, payload, reply_to, correlation_id, sender),
            f"wactorz task for {agent}",
        )
        self._inflight.add(task_job)
        task_job.add_done_callback(self._inflight.discard)

    def allowed_agents(self) -> frozenset[str]:
        """Return the local agents nodes may send tasks to (option, default main)."""
        names = self._runtime.entry.options.get(
            CONF_NODE_TASK_AGENTS, DEFAULT_NODE_TASK_AGENTS
        )
        return frozenset(name for name in names if isinstance(name, str))

    def _authenticate(self, agent: str, data: Any) -> tuple[str, Any]:
        """Return (sender node, task) of a request signed by a paired node."""
        node = request_sender(data)
        secret = self._manager.node_secret(node)
        if secret is None:
            raise SignatureError("not_paired", f"node {node} is not paired")
        _node, task, ts, nonce = verify_request(data, secret=secret, agent=agent)
        self._guard.check(ts, nonce)
        return node, task

    def _refuse(
        self,
        agent: str,
        code: str,
        error: str,
        data: Any,
        node: str | None = None,
    ) -> None:
        """Refuse a task for a local agent: error reply and event (rate limited)."""
        self.refused += 1
        now = time.monotonic()
        self._refusal_times = [
            t for t in self._refusal_times if now - t < REFUSAL_WINDOW_S
        ]
        if len(self._refusal_times) >= REFUSALS_PER_WINDOW:
            self.suppressed += 1
            return
        self._refusal_times.append(now)
        if code == "unsigned":
            error = "Home Assistant answers only task requests signed by a paired node"
        claimed = node
        task = data
        if is_signed_request(data):
            task = data.get("payload")
            if claimed is None and isinstance(data.get("node"), str):
                claimed = data["node"][:64]
        _LOGGER.debug("Refused a task for %s from %s: %s", agent, claimed, code)
        self._manager.hass.bus.async_fire(
            EVENT_TASK_REFUSED,
            {"agent": agent, "node": claimed, "code": code, "error": error[:300]},
        )
        if isinstance(task, dict):
            reply_to, correlation_id = task.get("reply_to"), task.get("correlation_id")
            if (
                isinstance(reply_to, str)
                and reply_topic_allowed(reply_to)
                and isinstance(correlation_id, str)
                and REQUEST_ID_RE.match(correlation_id)
            ):
                self._reply(
                    reply_to,
                    correlation_id,
                    agent,
                    False,
                    error=f"refused ({code}): {error}",
                    code=code,
                )

    def _unknown_agent(self, agent: str, data: Any) -> None:
        """Answer "unknown agent" later to a task for a name nobody runs (if it wants a reply)."""
        task = data.get("payload") if is_signed_request(data) else data
        try:
            _payload, reply_to, correlation_id, _sender = validate_task(task)
        except TaskError as err:
            self.refused += 1
            _LOGGER.debug("Ignoring a task for %s: %s", agent, err)
            return
        if reply_to is not None and correlation_id is not None:
            self._unknown_later(agent, reply_to, correlation_id)

    async def _answer(
        self,
        agent: str,
        payload: Any,
        reply_to: str,
        correlation_id: str,
        sender: str | None,
    ) -> None:
        try:
            result = await self._runtime.system.ask(
                agent, payload, sender=sender or "mqtt", timeout=ASK_TIMEOUT_S
            )
        except ActorError as err:
            self._reply(
                reply_to,
                correlation_id,
                agent,
                False,
                error=f"{type(err).__name__}: {err}",
            )
            return
        self._reply(reply_to, correlation_id, agent, True, result=result)

    def _unknown_later(self, agent: str, reply_to: str, correlation_id: str) -> None:
        """Answer "unknown agent" unless a node turns out to run it."""
        if len(self._unknown) >= MAX_UNKNOWN_PENDING or correlation_id in self._unknown:
            return

        @callback
        def answer(_now: Any) -> None:
            self._unknown.pop(correlation_id, None)
            if self._runtime.system.get(agent) is None and not self._manager.is_remote(
                agent
            ):
                self._reply(
                    reply_to,
                    correlation_id,
                    agent,
                    False,
                    error=f"unknown agent {agent}",
                )

        self._unknown[correlation_id] = async_call_later(
            self._manager.hass, UNKNOWN_GRACE_S, answer
        )

    def _reply(
        self,
        topic: str,
        correlation_id: str,
        agent: str,
        ok: bool,
        *,
        result: Any = None,
        error: str | None = None,
        code: str | None = None,
    ) -> None:
        scrubber = self._runtime.scrubber
        data: dict[str, Any] = {
            "correlation_id": correlation_id,
            "ok": ok,
            "agent": agent,
            "node": self._runtime.node_name,
        }
        if code is not None:
            data["code"] = code
        if ok:
            data["result"] = scrubber.scrub_data(jsonable(result))
        else:
            data["error"] = scrubber.scrub(error or "failed")[:1000]
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if len(text.encode()) > MAX_PAYLOAD_BYTES:
            data.pop("result", None)
            data.update(ok=False, error="reply too large")
            text = json.dumps(data, separators=(",", ":"))
        self.answered += 1
        self._runtime.entry.async_create_background_task(
            self._manager.hass,
            self._publish(topic, text),
            "wactorz task reply",
        )

    async def _publish(self, topic: str, text: str) -> None:
        try:
            await self._runtime.bus.publish(topic, text, qos=1)
        except Exception as err:  # noqa: BLE001 - a lost reply must not crash the loop
            _LOGGER.debug("Reply to %s not published: %s", topic, type(err).__name__)

    # ------------------------------------------------------- HA as the asker

    async def async_ask(
        self, agent: str, payload: Any, timeout: float
    ) -> dict[str, Any]:
        """Send a task to a remote agent; return its reply, or an error reply on timeout."""
        if len(self._pending) >= MAX_PENDING_REPLIES:
            return {"ok": False, "error": "too many pending tasks"}
        correlation_id = f"{self._runtime.node_name}.{secrets.token_hex(8)}"
        future: asyncio.Future[dict[str, Any]] = self._manager.hass.loop.create_future()
        self._pending[correlation_id] = future
        message = {
            "payload": payload,
            "reply_to": self._manager.reply_topic,
            "correlation_id": correlation_id,
            "from": f"{self._runtime.node_name}/ha",
        }
        try:
            text = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
            if len(text.encode()) > MAX_PAYLOAD_BYTES:
                return {"ok": False, "error": "task too large"}
            remaining = await self._manager.async_wait_replies_ready(timeout)
            await self._runtime.bus.publish(f"agents/by-name/{agent}/task", text, qos=1)
            async with asyncio.timeout(remaining):
                return await future
        except TimeoutError:
            return {"ok": False, "error": f"no answer within {timeout:g} s"}
        finally:
            self._pending.pop(correlation_id, None)

    @callback
    def on_reply(self, _topic: str, raw: bytes) -> None:
        """Resolve a pending `async_ask` with the reply on HA's reply topic."""
        try:
            data = decode(raw)
        except SignatureError:
            return
        if not isinstance(data, dict) or not isinstance(data.get("ok"), bool):
            return
        future = self._pending.get(str(data.get("correlation_id")))
        if future is not None and not future.done():
            reply = {"ok": data["ok"]}
            if data["ok"]:
                reply["result"] = self._runtime.scrubber.scrub_data(data.get("result"))
            else:
                reply["error"] = self._runtime.scrubber.scrub(str(data.get("error")))
            for key in ("agent", "node"):
                if isinstance(data.get(key), str):
                    reply[key] = data[key][:64]
            future.set_result(reply)

    async def async_stop(self) -> None:
        """Cancel pending answers and waiters."""
        for cancel in self._unknown.values():
            cancel()
        self._unknown.clear()
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        tasks = list(self._inflight)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
