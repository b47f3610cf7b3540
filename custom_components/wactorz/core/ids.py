"""HLC-WIDs: time-ordered, node-aware identifiers for actors and messages.

Format (fixed width up to the node, so plain string order is time order):

    20261125T012806.123Z-0007-ha
    └──── UTC millis ────┘ └ctr┘ └node┘

The counter is the logical part of a hybrid logical clock: it counts ids made
within the same millisecond and keeps ids strictly increasing even when the
wall clock stands still or steps backwards. When the counter would overflow,
the logical time moves one millisecond ahead instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
import re
import time

COUNTER_DIGITS = 4
_COUNTER_LIMIT = 10**COUNTER_DIGITS
_NODE_RE = re.compile(r"[^a-z0-9_]+")
_WID_RE = re.compile(
    r"^(?P<ts>\d{8}T\d{6}\.\d{3})Z-(?P<ctr>\d{4})-(?P<node>[a-z0-9_]+(?:-[a-z0-9_]+)*)$"
)


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


def sanitize_node(node: str) -> str:
    """Return a node name usable inside an id (lowercase, [a-z0-9_-])."""
    cleaned = _NODE_RE.sub("-", node.strip().lower()).strip("-")
    return cleaned or "node"


@dataclass(frozen=True, slots=True)
class Wid:
    """A parsed HLC-WID."""

    millis: int
    counter: int
    node: str

    @property
    def timestamp(self) -> datetime:
        """Return the physical part as an aware UTC datetime."""
        return datetime.fromtimestamp(self.millis / 1000, tz=UTC)


def _format_millis(millis: int) -> str:
    seconds, ms = divmod(millis, 1000)
    return f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime(seconds))}.{ms:03d}Z"


def parse_wid(wid: str) -> Wid:
    """Parse an id made by `HlcWidGenerator`; raise ValueError when malformed."""
    match = _WID_RE.match(wid)
    if match is None:
        raise ValueError(f"not an HLC-WID: {wid!r}")
    stamp = datetime.strptime(match["ts"], "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
    millis = int(stamp.timestamp() * 1000 + 0.5)
    return Wid(millis=millis, counter=int(match["ctr"]), node=match["node"])


class HlcWidGenerator:
    """Make strictly increasing HLC-WIDs for one node."""

    __slots__ = ("_clock", "_counter", "_last_ms", "_node", "_prefix", "_prefix_ms")

    def __init__(self, node: str, clock: Callable[[], int] = _wall_ms) -> None:
        """Create a generator; `clock` returns wall time in milliseconds."""
        self._node = sanitize_node(node)
        self._clock = clock
        self._last_ms = -1
        self._counter = 0
        self._prefix_ms = -1
        self._prefix = ""

    @property
    def node(self) -> str:
        """Return the sanitized node name embedded in every id."""
        return self._node

    def next(self) -> str:
        """Return the next id."""
        now = self._clock()
        if now > self._last_ms:
            self._last_ms = now
            self._counter = 0
        else:
            self._counter += 1
            if self._counter >= _COUNTER_LIMIT:
                self._last_ms += 1
                self._counter = 0
        return self._render()

    def observe(self, wid: str) -> None:
        """Merge a remote id so later local ids sort after it (HLC receive)."""
        remote = parse_wid(wid)
        if remote.millis > self._last_ms or (
            remote.millis == self._last_ms and remote.counter > self._counter
        ):
            self._last_ms = remote.millis
            self._counter = remote.counter

    def _render(self) -> str:
        if self._prefix_ms != self._last_ms:
            self._prefix_ms = self._last_ms
            self._prefix = _format_millis(self._last_ms)
        return f"{self._prefix}-{self._counter:04d}-{self._node}"
