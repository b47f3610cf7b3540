"""OTP-style supervision: restart strategies, restart intensity, backoff, escalation.

A failing child is noticed at once (the cell calls `child_failed`), never by
polling. Each restart makes a fresh actor instance; the mailbox (minus the
message that crashed it) and the persisted state carry over.

Restart intensity is counted per child: one crash-looping agent exhausts only
its own budget, so a supervisor with many independent agents keeps the rest
alive. When the budget is spent the child stays FAILED and a GAVE_UP event
escalates to whoever listens (the monitor raises a repair issue).
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
import logging
import time
from typing import TYPE_CHECKING

from .actor import ActorState
from .events import EventKind

if TYPE_CHECKING:
    from .cell import ActorCell
    from .system import ActorSystem

_LOGGER = logging.getLogger(__name__)


class Strategy(StrEnum):
    """Which children restart when one fails."""

    ONE_FOR_ONE = "one_for_one"  # only the failed child
    ONE_FOR_ALL = "one_for_all"  # every child
    REST_FOR_ONE = "rest_for_one"  # the failed child and those started after it


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    """Restart intensity and backoff of one supervisor."""

    max_restarts: int = 5
    window_s: float = 60.0
    backoff_base_s: float = 0.2
    backoff_max_s: float = 30.0

    def backoff(self, recent_restarts: int) -> float:
        """Return the delay before the next restart (exponential, capped)."""
        delay: float = self.backoff_base_s * float(2**recent_restarts)
        return min(delay, self.backoff_max_s)


class Supervisor:
    """Watches an ordered group of children and restarts them when they fail."""

    def __init__(
        self,
        system: ActorSystem,
        name: str,
        strategy: Strategy = Strategy.ONE_FOR_ONE,
        policy: RestartPolicy | None = None,
    ) -> None:
        """Create an empty supervisor."""
        self.system = system
        self.name = name
        self.strategy = strategy
        self.policy = policy or RestartPolicy()
        self.children: list[ActorCell] = []
        self._history: dict[str, deque[float]] = {}
        self._pending: dict[str, asyncio.TimerHandle | asyncio.Task[None]] = {}

    def add(self, cell: ActorCell) -> None:
        """Supervise `cell` (children restart in the order they were added)."""
        cell.supervisor = self
        self.children.append(cell)

    def remove(self, cell: ActorCell) -> None:
        """Stop supervising `cell`."""
        if cell in self.children:
            self.children.remove(cell)
        cell.supervisor = None
        self._history.pop(cell.id, None)
        pending = self._pending.pop(cell.id, None)
        if pending is not None:
            pending.cancel()

    def is_restarting(self, cell: ActorCell) -> bool:
        """Return True while a restart of `cell` is scheduled or running."""
        return cell.id in self._pending

    def recent_restarts(self, cell: ActorCell) -> int:
        """Return how many restarts of `cell` fall inside the intensity window."""
        history = self._history.get(cell.id)
        if not history:
            return 0
        horizon = time.monotonic() - self.policy.window_s
        while history and history[0] < horizon:
            history.popleft()
        return len(history)

    def child_failed(self, cell: ActorCell) -> None:
        """React to a failed child: schedule its restart or give up."""
        if cell.id in self._pending:
            return
        recent = self.recent_restarts(cell)
        if recent >= self.policy.max_restarts:
            self._give_up(cell, recent)
            return
        delay = self.policy.backoff(recent)
        self._history.setdefault(cell.id, deque()).append(time.monotonic())
        self._pending[cell.id] = self.system.loop.call_later(
            delay, self._begin_restart, cell
        )

    def cancel_all(self) -> None:
        """Cancel scheduled restarts (system shutdown)."""
        for pending in self._pending.values():
            pending.cancel()
        self._pending.clear()

    def _give_up(self, cell: ActorCell, recent: int) -> None:
        _LOGGER.warning(
            "Supervisor %s gave up on %s after %d restarts in %.0f s",
            self.name,
            cell.name,
            recent,
            self.policy.window_s,
        )
        error = cell.last_error
        cell.emit(
            EventKind.GAVE_UP,
            {
                "supervisor": self.name,
                "strategy": self.strategy.value,
                "restarts": recent,
                "window_s": self.policy.window_s,
                "phase": error.phase if error else None,
                "error": error.message if error else None,
            },
        )
        cell.gave_up()

    def _begin_restart(self, cell: ActorCell) -> None:
        self._pending[cell.id] = self.system.loop.create_task(
            self._restart(cell), name=f"wactorz restart {cell.name}"
        )

    def _group(self, cell: ActorCell) -> list[ActorCell]:
        if self.strategy is Strategy.ONE_FOR_ALL:
            return list(self.children)
        if self.strategy is Strategy.REST_FOR_ONE:
            return self.children[self.children.index(cell) :]
        return [cell]

    async def _restart(self, failed: ActorCell) -> None:
        try:
            # Stopped (or restarted) by the user during the backoff: leave it be.
            if failed not in self.children or failed.state is not ActorState.FAILED:
                return
            group = self._group(failed)
            was_paused = {c.id for c in group if c.state is ActorState.PAUSED}
            # Siblings that the user stopped stay stopped.
            group = [
                c for c in group if c is failed or c.state is not ActorState.STOPPED
            ]
            for sibling in reversed(group):
                if sibling is not failed and sibling.state is not ActorState.FAILED:
                    await sibling.stop(
                        timeout=self.system.stop_timeout,
                        keep_mailbox=True,
                        reason="supervisor",
                    )
            for child in group:
                child.restarts += 1
                await child.start(paused=child.id in was_paused)
                if child.state is ActorState.FAILED:
                    continue  # failed again in on_start: handled below, no RESTARTED
                child.emit(
                    EventKind.RESTARTED,
                    {
                        "supervisor": self.name,
                        "strategy": self.strategy.value,
                        "cause": failed.name,
                        "restarts": child.restarts,
                    },
                )
        finally:
            self._pending.pop(failed.id, None)
        # A child that failed again while we restarted is handled now.
        for child in self._group(failed):
            if child.state is ActorState.FAILED and child.id not in self._pending:
                self.child_failed(child)
