"""The actor system: registry, delivery (tell, ask, fan-out), control, heartbeats."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from itertools import count
import logging
import time
from typing import Any

from .actor import Actor, ActorState
from .cell import ActorCell, ActorFactory
from .errors import (
    ActorNotFoundError,
    AskTimeoutError,
    DuplicateActorError,
    ProtectedActorError,
)
from .events import EventKind, EventStream
from .ids import HlcWidGenerator, _wall_ms
from .mailbox import DEFAULT_CAPACITY, DEFAULT_POLICIES, Mailbox, OverflowPolicy
from .messages import Message, MessageKind, Outcome, Reply, new_message
from .persistence import MemoryStateStore, StateStore
from .supervisor import Supervisor

_LOGGER = logging.getLogger(__name__)
_new_object = object.__new__

_TASK = MessageKind.TASK
DEFAULT_ASK_TIMEOUT = 30.0
DEFAULT_HEARTBEAT_INTERVAL = 10.0
HEARTBEAT_BUCKETS = 10
HEARTBEAT_SLICE = 5  # beats per callback: about 0.5 ms each with ten entities per agent


# Timer handles may run this much before their time (asyncio does the same).
_CLOCK_SLACK = time.get_clock_info("monotonic").resolution


class _AskTimers:
    """The timeouts of the pending asks that share one timeout value.

    Asks with equal timeouts expire in the order they were made, so an
    insertion-ordered dict plus one timer armed for the oldest deadline replaces
    a TimerHandle per ask (asyncio's timer heap is a large part of an ask's
    cost): an answered ask just leaves the dict. The timer is not cancelled
    when asks are answered; when it fires it fails what is overdue and re-arms
    for the oldest ask still pending, or retires when none is left.
    """

    __slots__ = ("_groups", "_handle", "_loop", "pending", "timeout")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        timeout: float,
        groups: dict[float, _AskTimers],
    ) -> None:
        """Create an empty group; `groups` is the registry it leaves when retiring."""
        self._loop = loop
        self._groups = groups
        self._handle: asyncio.TimerHandle | None = None
        self.timeout = timeout
        # future -> (deadline, asked actor, correlation id), oldest first
        self.pending: dict[asyncio.Future[Reply], tuple[float, ActorCell, str]] = {}

    def add(self, future: asyncio.Future[Reply], actor: ActorCell, cid: str) -> None:
        """Fail `future` with AskTimeoutError unless it is done (or removed) in time."""
        deadline = self._loop.time() + self.timeout
        self.pending[future] = (deadline, actor, cid)
        if self._handle is None:
            self._handle = self._loop.call_at(deadline, self._fire)

    def _fire(self) -> None:
        self._handle = None
        pending = self.pending
        now = self._loop.time() + _CLOCK_SLACK
        while pending:
            future = next(iter(pending))
            deadline, actor, cid = pending[future]
            if deadline > now:
                self._handle = self._loop.call_at(deadline, self._fire)
                return
            del pending[future]
            if not future.done():
                # Counted now, whether the ask is still queued or being handled
                # (or never will be): the asker got no answer.
                actor.expired += 1
                future.set_exception(AskTimeoutError(actor.name, self.timeout, cid))
        if self._groups.get(self.timeout) is self:
            del self._groups[self.timeout]

    def close(self) -> bool:
        """Retire now if no ask is pending (shutdown); return True when retired."""
        for future in [f for f in self.pending if f.done()]:
            del self.pending[future]
        if self.pending:
            return False
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        return True


class ActorSystem:
    """All actors of one node, addressed by id or by name."""

    def __init__(
        self,
        node: str,
        *,
        store: StateStore | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        clock: Callable[[], int] = _wall_ms,
        heartbeat_interval: float = DEFAULT_HEARTBEAT_INTERVAL,
        ask_timeout: float = DEFAULT_ASK_TIMEOUT,
        stop_timeout: float = 5.0,
    ) -> None:
        """Create an empty system; call from the loop it will run on."""
        self.loop = loop or asyncio.get_running_loop()
        self.ids = HlcWidGenerator(node, clock)
        self.node = self.ids.node
        self.store: StateStore = store if store is not None else MemoryStateStore()
        self.events = EventStream()
        self.heartbeat_interval = heartbeat_interval
        self.ask_timeout = ask_timeout
        self.stop_timeout = stop_timeout
        self._by_id: dict[str, ActorCell] = {}
        self._by_name: dict[str, ActorCell] = {}
        # True once some key is both an id and a name: lookups must then try
        # ids first; until then the delivery paths try names first (one lookup).
        self._shadowed = False
        self._buckets: list[dict[str, ActorCell]] = [
            {} for _ in range(HEARTBEAT_BUCKETS)
        ]
        self._bucket_counter = count()
        self._tick_index = 0
        self._tick_handle: asyncio.TimerHandle | None = None
        self._last_metrics: dict[str, tuple[int, int, int, int, int]] = {}
        # id -> (messages_processed, monotonic time) of the last progress seen while busy
        self._progress: dict[str, tuple[int, float]] = {}
        self._ask_timers: dict[float, _AskTimers] = {}
        self._closed = False
        self.root = Supervisor(self, "root")

    # -- registry ----------------------------------------------------------------
    def __len__(self) -> int:
        """Return the number of registered actors."""
        return len(self._by_id)

    def __contains__(self, target: object) -> bool:
        """Return True when `target` is a known id or name."""
        return target in self._by_id or target in self._by_name

    def get(self, target: str) -> ActorCell | None:
        """Return the actor with this id or name, or None (two dict lookups, no scan)."""
        return self._by_id.get(target) or self._by_name.get(target)

    def resolve(self, target: str) -> ActorCell:
        """Return the actor with this id or name, or raise ActorNotFoundError."""
        cell = self._by_id.get(target) or self._by_name.get(target)
        if cell is None:
            raise ActorNotFoundError(target)
        return cell

    def actors(self) -> list[ActorCell]:
        """Return every actor, in spawn order."""
        return list(self._by_id.values())

    # -- spawning ----------------------------------------------------------------
    async def spawn(
        self,
        factory: ActorFactory,
        name: str,
        *,
        actor_id: str | None = None,
        supervisor: Supervisor | None = None,
        protected: bool = False,
        capacity: int = DEFAULT_CAPACITY,
        policies: Mapping[MessageKind, OverflowPolicy] = DEFAULT_POLICIES,
        state_key: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> ActorCell:
        """Register and start an actor; its saved state is restored first.

        `actor_id` keeps an id across restarts of the whole system (the caller
        persists it); `supervisor` defaults to the root one_for_one supervisor.
        """
        if self._closed:
            raise RuntimeError("actor system is shut down")
        if name in self._by_name:
            raise DuplicateActorError(name)
        if actor_id is not None and actor_id in self._by_id:
            raise DuplicateActorError(actor_id)
        key = state_key or name
        saved = await self.store.load(key)
        if name in self._by_name:  # spawned concurrently while we loaded
            raise DuplicateActorError(name)
        cell = ActorCell(
            self,
            actor_id=actor_id or self.ids.next(),
            name=name,
            factory=factory,
            mailbox=Mailbox(capacity, policies),
            persisted=saved or {},
            state_key=key,
            protected=protected,
            meta=meta or {},
        )
        self._by_id[cell.id] = cell
        self._by_name[name] = cell
        if name in self._by_id or cell.id in self._by_name:
            self._shadowed = True
        cell.heartbeat_bucket = next(self._bucket_counter) % HEARTBEAT_BUCKETS
        self._buckets[cell.heartbeat_bucket][cell.id] = cell
        (supervisor or self.root).add(cell)
        cell.emit(
            EventKind.SPAWNED, {"node": self.node, "protected": protected, **cell.meta}
        )
        self._ensure_ticker()
        await cell.start()
        return cell

    # -- delivery ----------------------------------------------------------------
    def tell(
        self,
        target: str,
        payload: Any,
        *,
        sender: str | None = None,
        kind: MessageKind = MessageKind.TASK,
    ) -> None:
        """Deliver without waiting; raise if the target cannot take it."""
        if self._shadowed:
            cell = self._by_id.get(target) or self._by_name.get(target)
        else:  # the same answer, names first: one lookup for the usual target
            cell = self._by_name.get(target) or self._by_id.get(target)
        if cell is None:
            raise ActorNotFoundError(target)
        if sender is None and kind is _TASK and type(payload) is not Message:
            cell.enqueue(payload)  # queued bare; the Message is made when handled
            return
        # new_message(payload, kind, sender, None, None), inlined: the hottest path.
        message: Message = _new_object(Message)
        message.payload = payload
        message.kind = kind
        message.sender = sender
        message.correlation_id = None
        message.reply = None
        cell.enqueue(message)
        if sender is not None and self.events.wants(EventKind.MESSAGE):
            self._trace(sender, cell, kind)

    def _trace(
        self,
        sender: str,
        target: ActorCell,
        kind: MessageKind,
        correlation_id: str | None = None,
    ) -> None:
        """Emit a MESSAGE event (panel comets) for a delivery between two actors.

        An ask names its correlation id (the one its reply echoes); a tell has none.
        """
        source = self._by_id.get(sender)
        if source is not None:
            source.emit(
                EventKind.MESSAGE,
                {
                    "to": target.id,
                    "to_name": target.name,
                    "kind": kind.value,
                    "ask": correlation_id is not None,
                    "correlation_id": correlation_id,
                },
            )

    async def request(
        self,
        target: str,
        payload: Any,
        *,
        sender: str | None = None,
        timeout: float | None = None,
        kind: MessageKind = MessageKind.TASK,
        correlation_id: str | None = None,
    ) -> Reply:
        """Ask and return the whole Reply (value plus the request's correlation id)."""
        future, timers = self._post(
            target, payload, sender, timeout, kind, correlation_id
        )
        try:
            return await future
        finally:
            timers.pending.pop(future, None)  # (gone if it timed out)

    def _post(  # noqa: PLR0917 - internal hot path, positional on purpose
        self,
        target: str,
        payload: Any,
        sender: str | None,
        timeout: float | None,
        kind: MessageKind,
        correlation_id: str | None,
    ) -> tuple[asyncio.Future[Reply], _AskTimers]:
        """Send a request; the caller awaits the future, then removes it from the timers."""
        if self._shadowed:
            cell = self._by_id.get(target) or self._by_name.get(target)
        else:  # the same answer, names first: one lookup for the usual target
            cell = self._by_name.get(target) or self._by_id.get(target)
        if cell is None:
            raise ActorNotFoundError(target)
        future: asyncio.Future[Reply] = self.loop.create_future()
        cid = correlation_id or self.ids.next()
        cell.enqueue(new_message(payload, kind, sender, cid, future))
        if sender is not None and self.events.wants(EventKind.MESSAGE):
            self._trace(sender, cell, kind, cid)
        wait = self.ask_timeout if timeout is None else timeout
        timers = self._ask_timers.get(wait)
        if timers is None:
            timers = self._ask_timers[wait] = _AskTimers(
                self.loop, wait, self._ask_timers
            )
        timers.add(future, cell, cid)
        return future, timers

    async def ask(
        self,
        target: str,
        payload: Any,
        *,
        sender: str | None = None,
        timeout: float | None = None,
        kind: MessageKind = MessageKind.TASK,
    ) -> Any:
        """Ask and return the reply value; raise on timeout, failure or refusal."""
        # `request` inlined: one coroutine per ask instead of two.
        future, timers = self._post(target, payload, sender, timeout, kind, None)
        try:
            reply = await future
        finally:
            timers.pending.pop(future, None)  # (gone if it timed out)
        return reply.value

    async def send_to_many(
        self,
        requests: Iterable[tuple[str, Any]],
        *,
        sender: str | None = None,
        timeout: float | None = None,
    ) -> list[Outcome]:
        """Ask many actors at once; return one Outcome per request, in order.

        A target that is missing, full, failing or slow yields an Outcome with
        its error; the others are unaffected.
        """
        loop = self.loop
        wait = self.ask_timeout if timeout is None else timeout
        slots: list[
            tuple[
                str,
                asyncio.Future[Reply] | None,
                BaseException | None,
                str,
                ActorCell | None,
            ]
        ] = []
        for target, payload in requests:
            cid = self.ids.next()
            try:
                cell = self.resolve(target)
                future: asyncio.Future[Reply] = loop.create_future()
                cell.enqueue(
                    new_message(payload, MessageKind.TASK, sender, cid, future)
                )
                if sender is not None and self.events.wants(EventKind.MESSAGE):
                    self._trace(sender, cell, MessageKind.TASK, cid)
            except Exception as err:  # noqa: BLE001 - reported per target
                slots.append((target, None, err, cid, None))
            else:
                slots.append((target, future, None, cid, cell))
        futures = [slot[1] for slot in slots if slot[1] is not None]
        if futures:
            await asyncio.wait(futures, timeout=wait)
        outcomes: list[Outcome] = []
        for target, pending, error, cid, asked in slots:
            if pending is None or asked is None:
                outcomes.append(Outcome(target, error=error))
            elif not pending.done():
                late = AskTimeoutError(target, wait, cid)
                asked.expired += 1  # unanswered in time (the actor skips it if queued)
                pending.set_exception(late)
                pending.exception()  # (retrieved: nobody else awaits it)
                outcomes.append(Outcome(target, error=late))
            elif pending.cancelled():
                outcomes.append(Outcome(target, error=asyncio.CancelledError()))
            elif (exc := pending.exception()) is not None:
                outcomes.append(Outcome(target, error=exc))
            else:
                outcomes.append(Outcome(target, value=pending.result().value))
        return outcomes

    # -- control -----------------------------------------------------------------
    def pause(self, target: str) -> ActorCell:
        """Pause an actor: messages queue up but are not handled."""
        cell = self.resolve(target)
        cell.pause()
        return cell

    def resume(self, target: str) -> ActorCell:
        """Resume a paused actor."""
        cell = self.resolve(target)
        cell.resume()
        return cell

    async def restart(self, target: str) -> ActorCell:
        """Restart an actor by hand: a fresh instance; the mailbox and state carry over."""
        cell = self.resolve(target)
        if cell.state is not ActorState.FAILED:
            await cell.stop(
                timeout=self.stop_timeout, keep_mailbox=True, reason="restart"
            )
        cell.restarts += 1
        await cell.start()
        if cell.state is ActorState.FAILED:
            return cell  # on_start failed again: the supervisor has it
        cell.emit(
            EventKind.RESTARTED,
            {"supervisor": None, "cause": "user", "restarts": cell.restarts},
        )
        return cell

    async def stop(self, target: str, *, force: bool = False) -> ActorCell:
        """Stop an actor (protected ones refuse unless `force`)."""
        cell = self.resolve(target)
        if cell.protected and not force:
            raise ProtectedActorError(cell.name)
        await cell.stop(timeout=self.stop_timeout)
        return cell

    async def remove(
        self, target: str, *, force: bool = False, forget_state: bool = True
    ) -> None:
        """Stop an actor, unregister it and (by default) delete its saved state."""
        cell = await self.stop(target, force=force)
        if cell.supervisor is not None:
            cell.supervisor.remove(cell)
        self._by_id.pop(cell.id, None)
        self._by_name.pop(cell.name, None)
        self._buckets[cell.heartbeat_bucket].pop(cell.id, None)
        self._last_metrics.pop(cell.id, None)
        self._progress.pop(cell.id, None)
        if forget_state:
            await self.store.remove(cell.state_key)
        cell.emit(EventKind.REMOVED, {})

    async def shutdown(self) -> None:
        """Stop every actor (newest first), stop heartbeats, flush saved state."""
        self._closed = True
        if self._tick_handle is not None:
            self._tick_handle.cancel()
            self._tick_handle = None
        self.root.cancel_all()
        for cell in reversed(self.actors()):
            if cell.supervisor is not None:
                cell.supervisor.cancel_all()
            try:
                await cell.stop(timeout=self.stop_timeout, reason="shutdown")
            except Exception:
                _LOGGER.exception("Stopping %s failed", cell.name)
        for wait, timers in list(self._ask_timers.items()):
            if timers.close():
                del self._ask_timers[wait]
        await self.store.flush()

    # -- heartbeats --------------------------------------------------------------
    def _ensure_ticker(self) -> None:
        if self._tick_handle is None and not self._closed and self._by_id:
            self._tick_handle = self.loop.call_later(
                self.heartbeat_interval / HEARTBEAT_BUCKETS, self._tick
            )

    def _tick(self) -> None:
        """Heartbeat one bucket (a tenth of the actors) per tick; no task per actor."""
        self._tick_handle = None
        bucket = self._buckets[self._tick_index]
        self._tick_index = (self._tick_index + 1) % HEARTBEAT_BUCKETS
        self._beat(tuple(bucket.values()), 0)
        self._ensure_ticker()

    def _beat(self, cells: tuple[ActorCell, ...], start: int) -> None:
        """Beat a slice of a bucket, then yield to the loop before the next slice.

        Subscribers (entities, MQTT export, the panel) make a beat cost up to
        half a millisecond; slices keep one callback short however many actors
        there are. The next slice is a timer due now, not a `call_soon`: timers
        that came due meanwhile (other integrations', HA's) run before it
        instead of after it.
        """
        end = start + HEARTBEAT_SLICE
        for cell in cells[start:end]:
            if cell.id in self._by_id:  # (removed meanwhile)
                self.heartbeat(cell)
        if end < len(cells) and not self._closed:
            self.loop.call_at(self.loop.time(), self._beat, cells, end)

    def heartbeat(self, cell: ActorCell) -> None:
        """Emit a heartbeat (and metrics when they changed) for one actor."""
        metrics = cell.metrics()
        stalled_s = self._stalled_for(cell, metrics.messages_processed)
        extra: dict[str, Any] = {}
        if cell.instance is not None and cell.state is not ActorState.FAILED:
            try:
                extra = cell.instance.heartbeat_data()
            except Exception:
                _LOGGER.exception("heartbeat_data of %s failed", cell.name)
        cell.emit(
            EventKind.HEARTBEAT,
            {
                "name": cell.name,
                "state": cell.state._value_,  # (`.value` without the property call)
                "node": self.node,
                "protected": cell.protected,
                "queue_depth": metrics.queue_depth,
                "uptime_s": metrics.uptime_s,
                "stalled_s": stalled_s,
                **extra,
            },
        )
        signature = (
            metrics.messages_processed,
            metrics.errors,
            metrics.restarts,
            metrics.dropped,
            metrics.expired,  # (an ask that expired unanswered changes nothing else)
        )
        if self._last_metrics.get(cell.id) != signature:
            self._last_metrics[cell.id] = signature
            cell.emit(
                EventKind.METRICS,
                {
                    "messages_processed": metrics.messages_processed,
                    "errors": metrics.errors,
                    "restarts": metrics.restarts,
                    "queue_depth": metrics.queue_depth,
                    "dropped": metrics.dropped,
                    "expired": metrics.expired,
                    "uptime_s": metrics.uptime_s,
                },
            )

    def _stalled_for(self, cell: ActorCell, processed: int) -> float:
        """Return how long a busy actor has made no progress (0 when idle or progressing)."""
        if not cell.busy:
            self._progress.pop(cell.id, None)
            return 0.0
        now = time.monotonic()
        last = self._progress.get(cell.id)
        if last is None or last[0] != processed:
            self._progress[cell.id] = (processed, now)
            return 0.0
        return round(now - last[1], 1)

    async def kill(self, target: str, *, phase: str, reason: str) -> ActorCell:
        """Fail an actor from outside (a watchdog): cancel its handler; supervision decides."""
        cell = self.resolve(target)
        await cell.kill(phase, reason)
        return cell


def actor_factory(cls: type[Actor], *args: Any, **kwargs: Any) -> ActorFactory:
    """Return a factory that makes a fresh `cls(*args, **kwargs)` on every (re)start."""

    def make() -> Actor:
        return cls(*args, **kwargs)

    return make
