"""The node: MQTT in, control out, agents under supervision.

Message paths (none of them waits for an agent's work):

- `nodes/{node}/<control>` -> bounded control queue -> one control worker:
  decode, verify signature, freshness/replay, validate, act. Refusals are
  reported on `nodes/{node}/errors`.
- `agents/by-name/{agent}/task` -> the agent's own mailbox (or an error reply).
- `nodes/{node}/reply` -> resolves this node's pending `send_to` requests.
- `send_to` a name not on this node -> a task signed with the node secret
  (`protocol.sign_request`): Home Assistant answers signed requests only.

State that outlives the process (see `store.py`): the desired agents, their
ids, the desired_state watermark, the replay cache, and each agent's state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import dataclasses
from dataclasses import dataclass, field
import logging
import os
from pathlib import Path
import platform
import re
import secrets
import time
from typing import Any

import aiomqtt

from . import __version__, protocol as p
from .agent import Agent, TaskFailedError
from .agents import BUILTINS, UNAVAILABLE
from .link import LinkSettings, MqttLink
from .packages import PackageInstaller, PackageRefusedError
from .sandbox import CodeAgent
from .store import AgentState, Store
from .supervisor import AgentSupervisor, TaskItem

_LOGGER = logging.getLogger(__name__)

CONTROL_QUEUE_SIZE = 128
ERROR_BUDGET = 20  # error reports per ERROR_WINDOW_S, the rest are counted
ERROR_WINDOW_S = 10.0
_EVENT_NAMES = {
    "spawn": "spawned",
    "status": "status",
    "heartbeat": "heartbeat",
    "logs": "log",
    "alert": "alert",
    "errors": "error",
    "completed": "completed",
    "metrics": "metrics",
}
_QOS0_SUFFIXES = frozenset({"heartbeat", "logs", "metrics"})
_INITIAL_SYNC = "_initial_sync"


@dataclass
class RunnerConfig:
    """Everything the runner needs (built by the CLI or by tests)."""

    node: str
    link: LinkSettings
    data_dir: Path
    secret: bytes | None = None
    allow_code: bool = False
    allowed_packages: tuple[str, ...] = ()
    pip_find_links: tuple[str, ...] = ()
    pip_no_index: bool = False
    heartbeat_s: float = 10.0
    max_skew_s: int = p.DEFAULT_MAX_SKEW_S
    settle_s: float = 1.0
    offline_start_s: float = 30.0
    code_limits: dict[str, int] | None = None
    extra_builtins: dict[str, type[Agent]] = field(default_factory=dict)


def _format_millis(millis: int) -> str:
    seconds, ms = divmod(millis, 1000)
    return f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime(seconds))}.{ms:03d}Z"


class Runner:
    """One edge node."""

    def __init__(self, config: RunnerConfig) -> None:
        """Prepare the node; `run()` starts it."""
        if not p.NAME_RE.match(config.node):
            raise ValueError(f"invalid node name {config.node!r}")
        self.config = config
        self.node = config.node
        self.topics = p.NodeTopics(config.node)
        self.store = Store(config.data_dir)
        self.installer = PackageInstaller(
            config.allowed_packages,
            find_links=config.pip_find_links,
            no_index=config.pip_no_index,
        )
        self.builtins: dict[str, type[Agent]] = {**BUILTINS, **config.extra_builtins}
        self._replay = p.ReplayGuard(config.max_skew_s)
        self._replay.restore(self.store.load_replay())
        self._link = MqttLink(
            config.link,
            aiomqtt.Will(
                self.topics.status,
                p.encode(
                    {
                        "node": self.node,
                        "status": "offline",
                        "reason": "connection_lost",
                    }
                ),
                qos=1,
                retain=True,
            ),
            self._on_message,
            self._on_connect,
        )
        self._supervisors: dict[str, AgentSupervisor] = {}
        self._desired: dict[str, p.AgentSpec] = {}
        self._ids: dict[str, str] = {}
        self._watermark: tuple[int, int, str] = (-1, -1, "")
        self._load_node()
        self._control: asyncio.Queue[tuple[str, str, bytes]] = asyncio.Queue(
            CONTROL_QUEUE_SIZE
        )
        self._pending: dict[str, asyncio.Future[p.TaskReply]] = {}
        self._synced = asyncio.Event()
        self._shutdown = asyncio.Event()
        self._started = time.time()
        self._id_ms = 0
        self._id_counter = 0
        self._error_times: list[float] = []
        self._errors_suppressed = 0
        self.errors_reported = 0

    # ----------------------------------------------------------- lifecycle

    async def run(self) -> None:
        """Run until `request_shutdown()` (or cancellation), then shut down cleanly."""
        for kind in p.CONTROL_KINDS:
            await self._link.subscribe(self.topics.control(kind), 1)
        await self._link.subscribe(self.topics.reply, 1)
        loop = asyncio.get_running_loop()
        tasks = [
            loop.create_task(self._link.run(), name="wactorz-edge mqtt"),
            loop.create_task(self._control_worker(), name="wactorz-edge control"),
            loop.create_task(self._heartbeat_loop(), name="wactorz-edge heartbeat"),
            loop.create_task(self._initial_sync(), name="wactorz-edge sync"),
        ]
        _LOGGER.info(
            "Node %s starting (paired: %s, code agents: %s, packages: %s)",
            self.node,
            self.config.secret is not None,
            self.config.allow_code,
            sorted(self.installer.allowed) or "none",
        )
        try:
            await self._shutdown.wait()
        finally:
            await self._stop_everything()
            await self._link.graceful_close(
                self.topics.status,
                p.encode(
                    {
                        "node": self.node,
                        "status": "offline",
                        "reason": "shutdown",
                        "ts": int(time.time()),
                    }
                ),
            )
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def request_shutdown(self) -> None:
        """Ask `run()` to stop the agents and return."""
        self._shutdown.set()

    async def _stop_everything(self) -> None:
        supervisors = list(self._supervisors.values())
        self._supervisors.clear()
        await asyncio.gather(*(sup.stop("node shutdown") for sup in supervisors))
        for future in self._pending.values():
            future.cancel()

    async def _initial_sync(self) -> None:
        """Start the persisted agents once the retained desired_state had its chance."""
        try:
            await asyncio.wait_for(
                self._link.connected.wait(), self.config.offline_start_s
            )
        except asyncio.TimeoutError:  # noqa: UP041 - distinct class on Python 3.10
            _LOGGER.warning(
                "Broker unreachable: starting agents from the local desired state"
            )
        else:
            await asyncio.sleep(self.config.settle_s)
        await self._control.put((_INITIAL_SYNC, "", b""))

    async def _on_connect(self) -> None:
        self._link.publish(
            self.topics.status,
            p.encode(
                {
                    "node": self.node,
                    "status": "online",
                    "ts": int(time.time()),
                    "version": __version__,
                    "protocol": p.PROTOCOL_VERSION,
                }
            ),
            qos=1,
            retain=True,
        )
        self._link.publish(
            self.topics.announce, p.encode(self.announcement()), qos=1, retain=True
        )

    def announcement(self) -> dict[str, Any]:
        """Return the retained discovery payload (`wactorz/{node}/announce`)."""
        secret = self.config.secret
        return {
            "node": self.node,
            "version": __version__,
            "protocol": p.PROTOCOL_VERSION,
            "paired": secret is not None,
            "key_id": p.key_id(secret) if secret is not None else None,
            "capabilities": {
                "builtin": sorted(self.builtins),
                "code": self.config.allow_code,
                "packages": sorted(self.installer.allowed),
            },
            "python": platform.python_version(),
            "platform": f"{platform.system()} {platform.machine()}",
            "client_id": self.config.link.client_id,
            "heartbeat_s": self.config.heartbeat_s,
            "max_skew_s": self.config.max_skew_s,
            "topics": {
                "status": self.topics.status,
                "heartbeat": self.topics.heartbeat,
                "errors": self.topics.errors,
            },
        }

    # ------------------------------------------------------------ persistence

    def _load_node(self) -> None:
        data = self.store.load_node()
        ids = data.get("ids", {})
        if isinstance(ids, dict):
            self._ids = {
                k: v
                for k, v in ids.items()
                if isinstance(v, str) and p.AGENT_ID_RE.match(v)
            }
        for raw in (
            data.get("desired", []) if isinstance(data.get("desired"), list) else []
        ):
            try:
                spec = p.validate_spawn(raw, "node.json")
            except p.ProtocolError as err:
                _LOGGER.warning("Ignoring a stored agent: %s", err)
                continue
            self._desired[spec.name] = spec
        mark = data.get("watermark")
        if isinstance(mark, list) and len(mark) == 3:
            self._watermark = (int(mark[0]), int(mark[1]), str(mark[2]))

    def _save_node(self) -> None:
        self.store.save_node(
            {
                "v": 1,
                "node": self.node,
                "desired": [
                    spec.as_dict(with_state=False) for spec in self._desired.values()
                ],
                "ids": self._ids,
                "watermark": list(self._watermark),
            }
        )

    # -------------------------------------------------------------- services

    def publish(
        self, topic: str, data: Any, *, retain: bool = False, qos: int = 0
    ) -> None:
        """Queue `data` as JSON on `topic` (NodeServices)."""
        self._link.publish(topic, p.encode(data), qos=qos, retain=retain)

    def emit(
        self, agent_id: str, agent_name: str, suffix: str, data: dict[str, Any]
    ) -> None:
        """Publish an agent event on `agents/{id}/{suffix}` (NodeServices)."""
        payload = {
            "actor_id": agent_id,
            "name": agent_name,
            "node": self.node,
            "event": _EVENT_NAMES.get(suffix, suffix),
            "timestamp": time.time(),
            **data,
        }
        qos = 0 if suffix in _QOS0_SUFFIXES else 1
        self._link.publish(
            p.agent_event_topic(agent_id, suffix), p.encode(payload), qos=qos
        )

    def agent_list(self) -> list[dict[str, Any]]:
        """Describe every agent of this node (NodeServices)."""
        return [sup.describe() for sup in self._supervisors.values()]

    async def request(
        self, sender: str, target: str, payload: Any, timeout: float
    ) -> Any:
        """Send a task to `target` and return its result (NodeServices)."""
        if not p.NAME_RE.match(target):
            raise ValueError(f"invalid agent name {target!r}")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[p.TaskReply] = loop.create_future()
        correlation_id = f"{self.node}.{secrets.token_hex(8)}"
        local = self._supervisors.get(target)
        if local is not None:

            def respond(ok: bool, result: Any, error: str | None) -> None:
                if not future.done():
                    future.set_result(p.TaskReply(correlation_id, ok, result, error))

            refused = local.submit(
                TaskItem(payload, respond, correlation_id, f"{self.node}/{sender}")
            )
            if refused is not None:
                raise TaskFailedError(refused)
        else:
            self._pending[correlation_id] = future
            task = {
                "payload": payload,
                "reply_to": self.topics.reply,
                "correlation_id": correlation_id,
                "from": f"{self.node}/{sender}",
            }
            secret = self.config.secret
            # Signed with the node secret: Home Assistant answers only signed requests.
            message = (
                p.sign_request(secret, self.node, target, task)
                if secret is not None
                else task
            )
            self.publish(p.task_topic(target), message, qos=1)
        try:
            reply = await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:  # noqa: UP041 - distinct class on Python 3.10
            raise TimeoutError(
                f"no answer from {target} within {timeout:g} s"
            ) from None
        finally:
            self._pending.pop(correlation_id, None)
        if not reply.ok:
            raise TaskFailedError(reply.error or "failed")
        return reply.result

    # ------------------------------------------------------------- messages

    def _on_message(self, topic: str, raw: bytes) -> None:
        """Route one incoming message (never blocks)."""
        if topic == self.topics.reply:
            self._on_reply(raw)
            return
        agent = p.parse_task_topic(topic)
        if agent is not None:
            self._on_task(topic, agent, raw)
            return
        kind = p.parse_control_topic(self.node, topic)
        if kind is None:
            return
        if not raw and kind == p.DESIRED_STATE:
            return  # a cleared retained message
        try:
            self._control.put_nowait((kind, topic, raw))
        except asyncio.QueueFull:
            self._report(
                topic, kind, p.ProtocolError("refused", "control queue is full")
            )

    def _on_reply(self, raw: bytes) -> None:
        try:
            reply = p.validate_reply(p.decode_json(raw))
        except p.ProtocolError as err:
            _LOGGER.debug("Ignoring a bad reply: %s", err)
            return
        future = self._pending.pop(reply.correlation_id, None)
        if future is not None and not future.done():
            future.set_result(reply)

    def _on_task(self, topic: str, agent: str, raw: bytes) -> None:
        supervisor = self._supervisors.get(agent)
        if supervisor is None:
            return  # not (or no longer) ours
        try:
            data = p.decode_json(raw)
            if p.is_signed_request(data):
                # Another node's signed request: this node does not hold that
                # node's secret, so it is taken like an unsigned task (broker ACLs).
                data = p.open_request(data)[1].get("payload")
            request = p.validate_task(data)
        except p.ProtocolError as err:
            self._report(topic, "task", err)
            return

        def respond(ok: bool, result: Any, error: str | None) -> None:
            if request.reply_to is None or request.correlation_id is None:
                return
            self.publish(
                request.reply_to,
                p.reply_payload(
                    request.correlation_id,
                    ok=ok,
                    result=result,
                    error=error,
                    agent=agent,
                    node=self.node,
                ),
                qos=1,
            )

        item = TaskItem(
            request.payload, respond, request.correlation_id, request.sender
        )
        refused = supervisor.submit(item)
        if refused is not None:
            item.finish(False, error=refused)

    def _report(
        self, topic: str, kind: str, err: p.ProtocolError, nonce: str | None = None
    ) -> None:
        """Publish a refusal on `nodes/{node}/errors` (rate limited, no payload echo)."""
        _LOGGER.warning("Refused %s on %s: %s (%s)", kind, topic, err, err.code)
        now = time.monotonic()
        self._error_times = [t for t in self._error_times if now - t < ERROR_WINDOW_S]
        if len(self._error_times) >= ERROR_BUDGET:
            self._errors_suppressed += 1
            return
        self._error_times.append(now)
        payload: dict[str, Any] = {
            "node": self.node,
            "ts": int(time.time()),
            "topic": topic,
            "kind": kind,
            "code": err.code,
            "error": str(err)[:1000],
        }
        if nonce is not None:
            payload["nonce"] = nonce
        if self._errors_suppressed:
            payload["suppressed"] = self._errors_suppressed
            self._errors_suppressed = 0
        self.errors_reported += 1
        self.publish(self.topics.errors, payload, qos=1)

    # --------------------------------------------------------------- control

    async def _control_worker(self) -> None:
        while True:
            kind, topic, raw = await self._control.get()
            nonce: str | None = None
            try:
                if kind == _INITIAL_SYNC:
                    await self._sync_from_local()
                    continue
                envelope = p.decode_json(raw)
                if isinstance(envelope, dict) and isinstance(
                    envelope.get("nonce"), str
                ):
                    nonce = (
                        envelope["nonce"]
                        if p.NONCE_RE.match(envelope["nonce"])
                        else None
                    )
                signed = p.verify(
                    envelope, secret=self.config.secret, kind=kind, node=self.node
                )
                await self._dispatch(kind, signed)
            except p.ProtocolError as err:
                self._report(topic, kind, err, nonce)
            except Exception:
                _LOGGER.exception("Control message %s failed", kind)
                self._report(
                    topic, kind, p.ProtocolError("internal", "internal error"), nonce
                )

    async def _dispatch(self, kind: str, signed: p.Signed) -> None:
        if kind == p.DESIRED_STATE:
            await self._on_desired_state(signed)
            return
        self._replay.check(signed)
        self.store.save_replay(self._replay.export())
        payload = signed.payload
        if kind == p.SPAWN:
            spec = p.validate_spawn(payload)
            await self._spawn(spec)
            self._desired[spec.name] = spec
            self._save_node()
        elif kind == p.STOP:
            request = p.validate_stop(payload)
            known = request.name in self._supervisors or request.name in self._desired
            self._desired.pop(request.name, None)
            self._save_node()
            await self._stop_agent(request.name, "stop", purge=request.purge)
            if not known:
                raise p.ProtocolError(
                    "refused", f"no agent named {request.name!r} on this node"
                )
        elif kind == p.STOP_ALL:
            reason = p.validate_stop_all(payload)
            self._desired.clear()
            self._save_node()
            for name in list(self._supervisors):
                await self._stop_agent(name, reason or "stop_all")
        elif kind == p.LIST:
            request_id = p.validate_list(payload)
            self._publish_signed(
                p.AGENTS,
                self.topics.agents,
                {
                    "request_id": request_id,
                    "node": self.node,
                    "agents": self.agent_list(),
                },
            )
        elif kind == p.MIGRATE:
            await self._migrate(p.validate_migrate(payload))

    def _publish_signed(self, kind: str, topic: str, payload: dict[str, Any]) -> None:
        assert self.config.secret is not None  # only reached after a verified request
        self.publish(topic, p.sign(self.config.secret, kind, self.node, payload), qos=1)

    async def _on_desired_state(self, signed: p.Signed) -> None:
        """Apply a newer desired_state; a re-delivered one only completes the first sync."""
        desired = p.validate_desired_state(signed.payload)
        if signed.ts > time.time() + self.config.max_skew_s:
            raise p.ProtocolError("stale", "desired_state timestamp is in the future")
        key = (signed.ts, desired.revision or 0, signed.nonce)
        if key == self._watermark:
            if not self._synced.is_set():
                await self._sync_from_local()
            return
        if key[:2] < self._watermark[:2]:
            if not self._synced.is_set():
                await self._sync_from_local()
            raise p.ProtocolError(
                "stale", "desired_state is older than the one applied"
            )
        self._watermark = key
        await self._reconcile(desired.agents)
        self._synced.set()

    async def _sync_from_local(self) -> None:
        if self._synced.is_set():
            return
        await self._reconcile(tuple(self._desired.values()))
        self._synced.set()

    async def _reconcile(self, specs: tuple[p.AgentSpec, ...]) -> None:
        """Make the running agents equal `specs`: stop extras, start/update the rest."""
        wanted = {spec.name: spec for spec in specs}
        for name in list(self._supervisors):
            if name not in wanted:
                await self._stop_agent(name, "not in desired_state")
        self._desired = dict(wanted)
        self._save_node()
        for spec in specs:
            await self._spawn_reporting(spec)

    async def _spawn_reporting(self, spec: p.AgentSpec) -> None:
        """Spawn one agent of a desired_state; a refusal is reported, not raised."""
        try:
            await self._spawn(spec)
        except p.ProtocolError as err:
            self._report(self.topics.control(p.DESIRED_STATE), p.DESIRED_STATE, err)

    # ---------------------------------------------------------------- agents

    def _new_agent_id(self) -> str:
        now = time.time_ns() // 1_000_000
        if now > self._id_ms:
            self._id_ms, self._id_counter = now, 0
        else:
            self._id_counter += 1
        node = re.sub(r"[^a-z0-9_]+", "-", self.node.lower()).strip("-") or "node"
        return f"{_format_millis(self._id_ms)}-{self._id_counter:04d}-{node}"

    def _factory(
        self, spec: p.AgentSpec, agent_id: str, state: AgentState
    ) -> Callable[[], Agent]:
        """Check that `spec` may run here; return a factory of fresh instances."""
        if spec.kind == "code":
            if not self.config.allow_code:
                raise p.ProtocolError(
                    "refused",
                    "code agents are disabled on this node (start it with --allow-code)",
                )
            scratch = self.store.scratch_dir(spec.name)
            limits = self.config.code_limits

            def make_code() -> Agent:
                return CodeAgent(
                    name=spec.name,
                    agent_id=agent_id,
                    config=spec.config,
                    services=self,
                    state=state,
                    spec=spec,
                    scratch=scratch,
                    limits=limits,
                )

            return make_code
        cls = self.builtins.get(spec.agent_class or "")
        if cls is None and spec.agent_class in UNAVAILABLE:
            raise p.ProtocolError(
                "refused",
                f"builtin class {spec.agent_class!r} {UNAVAILABLE[spec.agent_class]}",
            )
        if cls is None:
            raise p.ProtocolError(
                "refused",
                f"unknown builtin class {spec.agent_class!r} (have {sorted(self.builtins)})",
            )
        try:
            config = cls.validate_config(dict(spec.config))
        except (ValueError, TypeError) as err:
            raise p.ProtocolError(
                "invalid_payload", f"config of {spec.name}: {err}"
            ) from None

        def make_builtin() -> Agent:
            return cls(
                name=spec.name,
                agent_id=agent_id,
                config=config,
                services=self,
                state=state,
            )

        return make_builtin

    async def _spawn(self, spec: p.AgentSpec) -> None:
        """Start `spec` (no-op when the same spec already runs)."""
        try:
            packages = self.installer.check(spec.packages)
        except PackageRefusedError as err:
            raise p.ProtocolError("refused", str(err)) from None
        current = self._supervisors.get(spec.name)
        if current is not None:
            same = current.spec.fingerprint() == spec.fingerprint()
            marker = spec.state_marker()
            state_unchanged = (
                marker is None or marker == AgentState(self.store, spec.name).marker
            )
            if (
                same
                and state_unchanged
                and not spec.replace
                and current.state != "failed"
            ):
                return
        agent_id = spec.agent_id or self._ids.get(spec.name) or self._new_agent_id()
        state = AgentState(self.store, spec.name)
        factory = self._factory(spec, agent_id, state)  # refuses before anything stops
        if current is not None:
            await self._stop_agent(spec.name, "replaced")
            state = AgentState(
                self.store, spec.name
            )  # re-read what the old instance saved
            factory = self._factory(spec, agent_id, state)
        marker = spec.state_marker()
        if marker is not None and spec.state is not None and marker != state.marker:
            state.replace(spec.state, marker)
        if self._ids.get(spec.name) != agent_id:
            self._ids[spec.name] = agent_id
            self._save_node()
        prepare = None
        if packages:

            async def prepare() -> None:
                await self.installer.install(packages)

        supervisor = AgentSupervisor(
            spec, agent_id=agent_id, factory=factory, services=self, prepare=prepare
        )
        self._supervisors[spec.name] = supervisor
        await self._link.subscribe(p.task_topic(spec.name), 1)
        self.emit(
            agent_id,
            spec.name,
            "spawn",
            {
                "kind": spec.kind,
                "class": spec.agent_class,
                "description": spec.description,
            },
        )
        supervisor.start()

    async def _stop_agent(self, name: str, reason: str, *, purge: bool = False) -> None:
        supervisor = self._supervisors.pop(name, None)
        if supervisor is not None:
            await self._link.unsubscribe(p.task_topic(name))
            await supervisor.stop(reason)
        if purge:
            self.store.delete_state(name)

    async def _migrate(self, request: p.MigrateRequest) -> None:
        """Stop the agent and hand its spec and state to the orchestrator."""
        spec = self._desired.get(request.agent)
        supervisor = self._supervisors.get(request.agent)
        if supervisor is not None:
            spec = supervisor.spec
        result: dict[str, Any] = {
            "request_id": request.request_id,
            "agent": request.agent,
            "node": self.node,
            "target": request.target,
        }
        if spec is None:
            result.update(
                ok=False, error=f"no agent named {request.agent!r} on this node"
            )
        else:
            self._desired.pop(request.agent, None)
            self._save_node()
            await self._stop_agent(request.agent, "migrating")
            agent_id = self._ids.get(request.agent, spec.agent_id)
            state = AgentState(self.store, request.agent).snapshot()
            handed = dataclasses.replace(
                spec,
                agent_id=agent_id,
                state=state,
                state_id=request.request_id,
                replace=False,
            )
            result.update(ok=True, spec=handed.as_dict())
        self._publish_signed(p.MIGRATE_RESULT, self.topics.migrate_result, result)

    # ------------------------------------------------------------- heartbeat

    async def _heartbeat_loop(self) -> None:
        while True:
            await self._link.connected.wait()
            self._heartbeat()
            await asyncio.sleep(self.config.heartbeat_s)

    def _heartbeat(self) -> None:
        agents = self.agent_list()
        try:
            load: list[float] | None = [round(v, 2) for v in os.getloadavg()]
        except OSError:
            load = None
        self.publish(
            self.topics.heartbeat,
            {
                "node": self.node,
                "ts": int(time.time()),
                "version": __version__,
                "protocol": p.PROTOCOL_VERSION,
                "python": platform.python_version(),
                "uptime_s": round(time.time() - self._started, 1),
                "load": load,
                "rss_kb": _rss_kb(),
                "agents": agents,
                "agent_count": len(agents),
                "paired": self.config.secret is not None,
                "mqtt": {
                    "connects": self._link.connects,
                    "dropped": self._link.dropped,
                },
                "pip_runs": self.installer.runs,
                "errors_reported": self.errors_reported,
            },
        )
        for supervisor in self._supervisors.values():
            self.emit(
                supervisor.agent_id, supervisor.name, "heartbeat", supervisor.describe()
            )


def _rss_kb() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:  # noqa: PTH123
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None
