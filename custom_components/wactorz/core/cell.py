"""The runtime of one actor: mailbox, lifecycle, metrics, persisted state.

No task exists while an actor is idle. Delivering a message to an idle,
running actor schedules one drain task, which handles messages until the
mailbox is empty and then ends (an actor in a rapid request/response exchange
lingers one loop iteration first, see `_drain`); it yields to the loop every
`BATCH` messages so a burst to one actor never starves the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from itertools import count
import time
import traceback
from typing import TYPE_CHECKING, Any

from .actor import Actor, ActorMetrics, ActorState, ErrorInfo
from .errors import ActorFailedError, ActorStoppedError, MailboxFullError
from .events import ActorEvent, EventKind
from .mailbox import Mailbox
from .messages import Message, MessageKind, Reply

if TYPE_CHECKING:
    from .supervisor import Supervisor
    from .system import ActorSystem

BATCH = 256
# A drain that starts within this many drain starts/ends (process-wide) of its
# actor's previous drain lingers when it runs dry (see `_drain`).
LINGER_WINDOW = 4
_drain_clock = count()
TRACEBACK_LIMIT = 4000
type ActorFactory = Callable[[], Actor]


class ActorCell:
    """Everything the system knows about one actor, across its instances."""

    __slots__ = (
        "_drain_task",
        "_drained_at",
        "_persisted",
        "_started_at",
        "_kill_reason",
        "_restarting",
        "_stop_requested",
        "errors",
        "expired",
        "factory",
        "heartbeat_bucket",
        "id",
        "instance",
        "last_error",
        "mailbox",
        "messages_processed",
        "meta",
        "name",
        "protected",
        "restarts",
        "state",
        "state_key",
        "supervisor",
        "system",
    )

    def __init__(
        self,
        system: ActorSystem,
        *,
        actor_id: str,
        name: str,
        factory: ActorFactory,
        mailbox: Mailbox,
        persisted: dict[str, Any],
        state_key: str,
        protected: bool,
        meta: Mapping[str, Any],
    ) -> None:
        """Create a cell in CREATED state; `start` makes the first instance."""
        self.system = system
        self.id = actor_id
        self.name = name
        self.factory = factory
        self.mailbox = mailbox
        self.state_key = state_key
        self.protected = protected
        self.meta: dict[str, Any] = dict(meta)
        self.state = ActorState.CREATED
        self.instance: Actor | None = None
        self.supervisor: Supervisor | None = None
        self.last_error: ErrorInfo | None = None
        self.messages_processed = 0
        self.errors = 0
        self.restarts = 0
        self.expired = 0
        self.heartbeat_bucket = 0
        self._persisted = persisted
        self._drain_task: asyncio.Task[None] | None = None
        self._drained_at = -LINGER_WINDOW - 1
        self._started_at = time.monotonic()
        self._stop_requested = False
        self._restarting = False
        self._kill_reason: str | None = None

    def __repr__(self) -> str:
        """Name and state."""
        return f"ActorCell({self.name!r}, {self.state.value})"

    # -- reading ---------------------------------------------------------------
    @property
    def queue_depth(self) -> int:
        """Return the number of waiting messages."""
        return len(self.mailbox)

    @property
    def busy(self) -> bool:
        """Return True while a drain task is handling messages."""
        return self._drain_task is not None

    def metrics(self) -> ActorMetrics:
        """Return a snapshot of the counters."""
        state = self.state
        mailbox = self.mailbox
        # Positional on purpose (every heartbeat calls this): a class call with
        # keywords is not specialized by the interpreter. Order of ActorMetrics.
        return ActorMetrics(
            self.messages_processed,
            self.errors,
            self.restarts,
            len(mailbox._queue),  # noqa: SLF001 - len(mailbox) without the call
            mailbox.dropped,
            self.expired,
            round(time.monotonic() - self._started_at, 3)
            if state is ActorState.RUNNING or state is ActorState.PAUSED
            else 0.0,
        )

    # -- persistence -----------------------------------------------------------
    def persist(self, key: str, value: Any) -> None:
        """Set a persisted key and schedule a coalesced save."""
        self._persisted[key] = value
        self.system.store.schedule_save(self.state_key, self._snapshot)

    def recall(self, key: str, default: Any = None) -> Any:
        """Return a persisted key."""
        return self._persisted.get(key, default)

    def forget(self, key: str) -> None:
        """Remove a persisted key and schedule a save."""
        if key in self._persisted:  # a None value must be forgotten too
            del self._persisted[key]
            self.system.store.schedule_save(self.state_key, self._snapshot)

    def persisted(self) -> dict[str, Any]:
        """Return a shallow copy of the persisted state."""
        return dict(self._persisted)

    def _snapshot(self) -> dict[str, Any]:
        return dict(self._persisted)

    # -- events ----------------------------------------------------------------
    def emit(self, kind: EventKind, data: dict[str, Any]) -> None:
        """Publish an event about this actor."""
        self.system.events.publish(ActorEvent(kind, self.id, self.name, data))

    def _set_state(self, new: ActorState, **data: Any) -> None:
        previous = self.state
        self.state = new
        self.emit(
            # `_value_`: the same string as `.value`, without the enum property call.
            EventKind.STATUS,
            {"state": new._value_, "previous": previous._value_, **data},
        )

    # -- lifecycle -------------------------------------------------------------
    async def start(self, *, paused: bool = False) -> None:
        """Make a fresh instance, run `on_start`, and begin handling messages."""
        instance = self.factory()
        instance._cell = self  # noqa: SLF001 - the cell owns its instance
        self.instance = instance
        self._stop_requested = False
        self._restarting = False
        try:
            await instance.on_start()
        except Exception as err:  # noqa: BLE001 - any failure marks FAILED
            self._fail("start", err)
            return
        self._started_at = time.monotonic()
        self._set_state(ActorState.PAUSED if paused else ActorState.RUNNING)
        self._schedule()

    def enqueue(self, message: Any) -> None:
        """Put a Message (or a bare TASK payload) in the mailbox or raise why it cannot be taken."""
        state = self.state
        if state is not ActorState.RUNNING or self._stop_requested:
            if (
                state is ActorState.STOPPED or self._stop_requested
            ) and not self._restarting:
                raise ActorStoppedError(self.name)
            if state is ActorState.FAILED and not self._restart_pending():
                error = self.last_error
                raise ActorFailedError(
                    self.name,
                    error.phase if error else "unknown",
                    error.message if error else "failed",
                )
        mailbox = self.mailbox
        queue = mailbox._queue  # noqa: SLF001 - Mailbox.offer's fast path, inlined
        if len(queue) < mailbox.capacity:
            queue.append(message)
        else:
            accepted, evicted = mailbox.offer(message)
            if not accepted:
                raise MailboxFullError(self.name, mailbox.capacity)
            if (
                evicted is not None
                and evicted.reply is not None
                and not evicted.reply.done()
            ):
                evicted.reply.set_exception(
                    MailboxFullError(self.name, mailbox.capacity)
                )
        if self._drain_task is None and state is ActorState.RUNNING:
            # What _schedule checks holds here: the mailbox is not empty.
            task = self.system.loop.create_task(
                self._drain(), name=f"wactorz actor {self.name}"
            )
            if not task.done():  # an eager task factory may finish it at once
                self._drain_task = task

    def pause(self) -> None:
        """Stop taking messages from the mailbox (they keep queueing)."""
        if self.state is ActorState.RUNNING:
            self._set_state(ActorState.PAUSED)

    def resume(self) -> None:
        """Continue with the queued messages."""
        if self.state is ActorState.PAUSED:
            self._set_state(ActorState.RUNNING)
            self._schedule()

    async def stop(
        self, *, timeout: float, keep_mailbox: bool = False, reason: str = "stopped"
    ) -> None:
        """Stop: finish the current message (up to `timeout`), run `on_stop`.

        Pending asks fail with ActorStoppedError and pending tells are dropped,
        unless `keep_mailbox` (a supervisor restart) keeps them for the next instance.
        """
        if self.state is ActorState.STOPPED:
            return
        self._stop_requested = True
        self._restarting = keep_mailbox  # a restart keeps taking messages meanwhile
        task = self._drain_task
        if task is not None and task is not asyncio.current_task():
            done, _ = await asyncio.wait({task}, timeout=timeout)
            if not done:
                task.cancel()
                await asyncio.wait({task})
        was_failed = self.state is ActorState.FAILED
        if self.instance is not None and not was_failed:
            try:
                await self.instance.on_stop()
            except Exception as err:  # noqa: BLE001 - recorded, stop continues
                self._record_error("stop", err)
        if not keep_mailbox:
            dropped = 0
            for message in self.mailbox.drain():
                if message.reply is not None and not message.reply.done():
                    message.reply.set_exception(ActorStoppedError(self.name))
                else:
                    dropped += 1
            self.mailbox.dropped += dropped
        self._set_state(ActorState.STOPPED, reason=reason)

    # -- message handling ------------------------------------------------------
    def _schedule(self) -> None:
        if (
            self._drain_task is None
            and self.mailbox
            and self.state is ActorState.RUNNING
        ):
            task = self.system.loop.create_task(
                self._drain(), name=f"wactorz actor {self.name}"
            )
            if not task.done():  # an eager task factory may finish it at once
                self._drain_task = task

    async def _drain(self) -> None:
        # Started right after our previous drain ended (a request/response
        # exchange, a paced sender)? Then linger when dry, see below.
        linger = next(_drain_clock) - self._drained_at <= LINGER_WINDOW
        queue = self.mailbox._queue  # noqa: SLF001 - the cell owns its mailbox
        instance = self.instance
        assert instance is not None
        running = ActorState.RUNNING
        task_kind = MessageKind.TASK
        new_object = object.__new__
        handled = 0
        try:
            while True:
                while queue and self.state is running and not self._stop_requested:
                    item = queue.popleft()
                    if type(item) is Message:
                        message = item
                        reply = message.reply
                    else:  # a bare payload: a plain tell (as_message, inlined)
                        message = new_object(Message)
                        message.payload = item
                        message.kind = task_kind
                        message.sender = None
                        message.correlation_id = None
                        message.reply = None
                        reply = None
                    if reply is not None and reply.done():
                        # The asker gave up: don't do the work. A timed-out ask
                        # was counted as expired when it timed out; a cancelled
                        # one is counted here.
                        if reply.cancelled():
                            self.expired += 1
                        continue
                    try:
                        value = await instance.handle(message)
                    except asyncio.CancelledError:
                        reply = message.reply  # (None once deferred)
                        if reply is not None and not reply.done():
                            reason = self._kill_reason
                            reply.set_exception(
                                ActorFailedError(self.name, "watchdog", reason)
                                if reason is not None
                                else ActorStoppedError(self.name)
                            )
                        raise
                    except Exception as err:  # noqa: BLE001 - let it crash: supervision decides
                        self._fail("handle", err, message)
                        return
                    self.messages_processed += 1
                    reply = message.reply  # (None once the handler deferred it)
                    if reply is not None and not reply.done():
                        reply.set_result(
                            Reply(
                                message.correlation_id or "", self.id, self.name, value
                            )
                        )
                    handled += 1
                    if handled % BATCH == 0:
                        await asyncio.sleep(0)
                if (
                    not linger
                    or queue
                    or self.state is not running
                    or self._stop_requested
                ):
                    return  # (paused, failed or stopping: the rest stays queued)
                # Linger one loop iteration before ending: an actor in a busy
                # exchange is sent to again as soon as the answered sender
                # runs, and reusing this task is cheaper than making a new one
                # (and saves a loop iteration per ask). Only actors that showed
                # that pattern linger: in a wide fan-out every linger would be
                # wasted, and idle actors still end up with no task at all.
                await asyncio.sleep(0)
                if not queue:
                    return
        finally:
            self._drain_task = None
            self._drained_at = next(_drain_clock)

    async def kill(self, phase: str, reason: str) -> None:
        """Cancel the running handler and mark the actor FAILED (watchdog escalation)."""
        if self.state in (ActorState.STOPPED, ActorState.FAILED):
            return
        task = self._drain_task
        self._kill_reason = reason
        try:
            if task is not None and task is not asyncio.current_task():
                task.cancel()
                await asyncio.wait({task}, timeout=self.system.stop_timeout)
        finally:
            self._kill_reason = None
        self._fail(phase, TimeoutError(reason))

    # -- failure -----------------------------------------------------------------
    def _record_error(self, phase: str, err: BaseException) -> ErrorInfo:
        text = "".join(traceback.format_exception(err))[-TRACEBACK_LIMIT:]
        info = ErrorInfo(
            phase=phase,
            type=type(err).__name__,
            message=str(err),
            traceback=text,
            timestamp=time.time(),
        )
        self.last_error = info
        self.errors += 1
        self.emit(
            EventKind.ERROR,
            {
                "phase": phase,
                "error_type": info.type,
                "message": info.message,
                "traceback": info.traceback,
            },
        )
        return info

    def _fail(
        self, phase: str, err: BaseException, message: Message | None = None
    ) -> None:
        info = self._record_error(phase, err)
        if (
            message is not None
            and message.reply is not None
            and not message.reply.done()
        ):
            message.reply.set_exception(
                ActorFailedError(self.name, phase, info.message)
            )
        self._set_state(ActorState.FAILED, phase=phase, error=info.message)
        if self.supervisor is not None:
            self.supervisor.child_failed(self)
        else:
            self._fail_waiting_asks(info)

    def _fail_waiting_asks(self, info: ErrorInfo) -> None:
        """Nobody will restart this actor: answer every queued ask now."""
        for message in self.mailbox.drain():
            if message.reply is not None and not message.reply.done():
                message.reply.set_exception(
                    ActorFailedError(self.name, info.phase, info.message)
                )

    def _restart_pending(self) -> bool:
        return self.supervisor is not None and self.supervisor.is_restarting(self)

    def gave_up(self) -> None:
        """Answer queued asks now: the supervisor will not restart this actor."""
        if self.last_error is not None:
            self._fail_waiting_asks(self.last_error)
