"""Errors raised by the actor core; each says which actor and why."""

from __future__ import annotations


class ActorError(Exception):
    """Base class of every actor-core error."""

    def __init__(self, actor: str, message: str) -> None:
        """Keep the actor name or id next to the message."""
        super().__init__(message)
        self.actor = actor


class ActorNotFoundError(ActorError):
    """No actor has this id or name."""

    def __init__(self, actor: str) -> None:
        """Name the missing actor."""
        super().__init__(actor, f"no actor named or with id {actor!r}")


class MailboxFullError(ActorError):
    """The target mailbox is at capacity and its policy rejects new messages."""

    def __init__(self, actor: str, capacity: int) -> None:
        """Name the actor and its capacity."""
        super().__init__(actor, f"mailbox of {actor!r} is full ({capacity} messages)")
        self.capacity = capacity


class ActorStoppedError(ActorError):
    """The actor is stopped (or stopping) and takes no messages."""

    def __init__(self, actor: str) -> None:
        """Name the stopped actor."""
        super().__init__(actor, f"actor {actor!r} is stopped")


class ActorFailedError(ActorError):
    """The actor failed while handling the request, or is failed and not restarting."""

    def __init__(self, actor: str, phase: str, error: str) -> None:
        """Name the actor, the phase that failed and the error text."""
        super().__init__(actor, f"actor {actor!r} failed in {phase}: {error}")
        self.phase = phase
        self.error = error


class AskTimeoutError(ActorError, TimeoutError):
    """No reply arrived within the ask timeout."""

    def __init__(self, actor: str, timeout: float, correlation_id: str) -> None:
        """Name the actor, the timeout and the correlation id of the request."""
        super().__init__(
            actor, f"no reply from {actor!r} within {timeout:g} s ({correlation_id})"
        )
        self.timeout = timeout
        self.correlation_id = correlation_id


class ProtectedActorError(ActorError):
    """The actor is protected and refuses to be stopped or removed."""

    def __init__(self, actor: str) -> None:
        """Name the protected actor."""
        super().__init__(actor, f"actor {actor!r} is protected and cannot be stopped")


class DuplicateActorError(ActorError):
    """An actor with this name or id is already registered."""

    def __init__(self, actor: str) -> None:
        """Name the duplicate."""
        super().__init__(actor, f"an actor named {actor!r} already exists")
