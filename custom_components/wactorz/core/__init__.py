"""The Wactorz actor core: plain asyncio, no Home Assistant imports.

Home Assistant adapters (runtime, bus, storage, entities) wrap this package;
it is unit-tested, type-checked with `mypy --strict` and benchmarked alone.
"""

from .actor import Actor, ActorMetrics, ActorState, ErrorInfo
from .cell import ActorCell, ActorFactory
from .errors import (
    ActorError,
    ActorFailedError,
    ActorNotFoundError,
    ActorStoppedError,
    AskTimeoutError,
    DuplicateActorError,
    MailboxFullError,
    ProtectedActorError,
)
from .events import ActorEvent, EventKind, EventStream
from .ids import HlcWidGenerator, Wid, parse_wid, sanitize_node
from .mailbox import Mailbox, OverflowPolicy
from .messages import DeferredReply, Message, MessageKind, Outcome, Reply
from .persistence import MemoryStateStore, StateData, StateStore
from .supervisor import RestartPolicy, Strategy, Supervisor
from .system import ActorSystem, actor_factory

__all__ = [
    "Actor",
    "ActorCell",
    "ActorError",
    "ActorEvent",
    "ActorFactory",
    "ActorFailedError",
    "ActorMetrics",
    "ActorNotFoundError",
    "ActorState",
    "ActorStoppedError",
    "ActorSystem",
    "AskTimeoutError",
    "DeferredReply",
    "DuplicateActorError",
    "ErrorInfo",
    "EventKind",
    "EventStream",
    "HlcWidGenerator",
    "Mailbox",
    "MailboxFullError",
    "MemoryStateStore",
    "Message",
    "MessageKind",
    "Outcome",
    "OverflowPolicy",
    "ProtectedActorError",
    "Reply",
    "RestartPolicy",
    "StateData",
    "StateStore",
    "Strategy",
    "Supervisor",
    "Wid",
    "actor_factory",
    "parse_wid",
    "sanitize_node",
]
