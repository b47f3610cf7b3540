"""HLC-WIDs: unique, strictly increasing, sortable as strings, parseable."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.wactorz.core import HlcWidGenerator, parse_wid, sanitize_node

# 2026-11-25T01:28:06.123Z
FIXED_MS = 1795570086123
# Millis from 1970 to the end of year 9999 (the format has a 4-digit year).
MILLIS = st.integers(min_value=0, max_value=253402300799999)
NO_DB = settings(database=None, deadline=None)


def test_format_is_readable_utc_time_counter_and_node() -> None:
    """An id spells the UTC time, a 4-digit counter and the node."""
    gen = HlcWidGenerator("ha", clock=lambda: FIXED_MS)
    assert gen.next() == "20261125T012806.123Z-0000-ha"
    assert gen.next() == "20261125T012806.123Z-0001-ha"


def test_frozen_clock_20000_ids_unique_sorted_with_counter_overflow() -> None:
    """With the clock frozen, ids stay unique and sorted; overflow moves time on."""
    gen = HlcWidGenerator("node", clock=lambda: FIXED_MS)
    ids = [gen.next() for _ in range(20000)]

    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    parsed = [parse_wid(i) for i in ids]
    # 10000 ids fit in one millisecond; the 10001st moves logical time ahead.
    assert parsed[9999].millis == FIXED_MS
    assert parsed[9999].counter == 9999
    assert parsed[10000].millis == FIXED_MS + 1
    assert parsed[10000].counter == 0
    assert parsed[-1].millis == FIXED_MS + 1
    assert parsed[-1].counter == 9999
    # Every id is strictly after the one before, in (millis, counter) order.
    keys = [(p.millis, p.counter) for p in parsed]
    assert all(a < b for a, b in zip(keys, keys[1:], strict=False))


def test_logical_time_ahead_of_wall_clock_keeps_counting() -> None:
    """After an overflow the wall clock catching up does not reuse an id."""
    now = [FIXED_MS]
    gen = HlcWidGenerator("n", clock=lambda: now[0])
    ids = [gen.next() for _ in range(10001)]  # last one is at FIXED_MS + 1
    now[0] = FIXED_MS + 1
    following = gen.next()
    assert following > ids[-1]
    assert parse_wid(following).millis == FIXED_MS + 1
    assert parse_wid(following).counter == 1


def test_clock_stepping_backwards_keeps_order() -> None:
    """A wall clock that jumps back (NTP) never makes an id sort earlier."""
    readings = iter(
        [
            FIXED_MS,
            FIXED_MS + 5,
            FIXED_MS - 60_000,
            FIXED_MS - 1,
            FIXED_MS + 5,
            FIXED_MS + 6,
        ]
    )
    gen = HlcWidGenerator("n", clock=lambda: next(readings))
    ids = [gen.next() for _ in range(6)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 6
    # While the clock is behind, ids stay at the last logical millisecond.
    assert [parse_wid(i).millis for i in ids] == [
        FIXED_MS,
        FIXED_MS + 5,
        FIXED_MS + 5,
        FIXED_MS + 5,
        FIXED_MS + 5,
        FIXED_MS + 6,
    ]


@NO_DB
@given(st.lists(st.integers(min_value=-5, max_value=5), min_size=1, max_size=300))
def test_any_clock_walk_gives_strictly_increasing_ids(steps: list[int]) -> None:
    """Whatever the clock does (stand still, jump back or on), ids only increase."""
    now = [FIXED_MS]

    def clock() -> int:
        return now[0]

    gen = HlcWidGenerator("n", clock=clock)
    ids = []
    for step in steps:
        now[0] += step
        ids.append(gen.next())
    assert all(a < b for a, b in zip(ids, ids[1:], strict=False))


@NO_DB
@given(millis=MILLIS, node=st.text(min_size=0, max_size=20))
def test_parse_round_trip(millis: int, node: str) -> None:
    """parse_wid gives back the millis, counter and sanitized node of an id."""
    gen = HlcWidGenerator(node, clock=lambda: millis)
    first, second = gen.next(), gen.next()
    parsed = parse_wid(second)
    assert parsed.millis == millis
    assert parsed.counter == 1
    assert parsed.node == sanitize_node(node)
    assert parse_wid(first).counter == 0
    assert parsed.timestamp == datetime.fromtimestamp(millis / 1000, tz=UTC)


@NO_DB
@given(st.lists(MILLIS, min_size=2, max_size=50))
def test_string_order_is_time_order(instants: list[int]) -> None:
    """Sorting ids as strings sorts them by their time."""
    ids = [HlcWidGenerator("n", clock=lambda m=m: m).next() for m in instants]
    by_string = sorted(ids)
    assert [parse_wid(i).millis for i in by_string] == sorted(instants)


def test_observe_remote_id_from_the_future() -> None:
    """After seeing a remote id from the future, local ids sort after it."""
    remote_gen = HlcWidGenerator("remote", clock=lambda: FIXED_MS + 60_000)
    remote = [remote_gen.next() for _ in range(3)][-1]  # counter 2
    gen = HlcWidGenerator("local", clock=lambda: FIXED_MS)
    before = gen.next()
    gen.observe(remote)
    after = gen.next()

    assert before < remote < after
    parsed = parse_wid(after)
    assert parsed.millis == FIXED_MS + 60_000
    assert parsed.counter == 3
    assert parsed.node == "local"


def test_observe_same_millisecond_higher_counter() -> None:
    """A remote id in the same millisecond with a higher counter is passed."""
    gen = HlcWidGenerator("a", clock=lambda: FIXED_MS)
    gen.next()
    remote = HlcWidGenerator("z", clock=lambda: FIXED_MS)
    for _ in range(50):
        last_remote = remote.next()
    gen.observe(last_remote)
    following = parse_wid(gen.next())
    assert (following.millis, following.counter) == (FIXED_MS, 50)


def test_observe_older_remote_changes_nothing() -> None:
    """A remote id from the past does not move the local clock."""
    gen = HlcWidGenerator("a", clock=lambda: FIXED_MS)
    gen.next()
    old = HlcWidGenerator("b", clock=lambda: FIXED_MS - 1000).next()
    gen.observe(old)
    assert parse_wid(gen.next()) == parse_wid("20261125T012806.123Z-0001-a")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "hello",
        "20261125T012806.123Z-0000",  # no node
        "20261125T012806.123-0000-ha",  # no Z
        "20261125T012806.123Z-000-ha",  # 3-digit counter
        "20261125T012806.123Z-00000-ha",  # 5-digit counter
        "20261125T012806Z-0000-ha",  # no millis
        "20261125T012806.123Z-0000-HA",  # uppercase node
        "20261125T012806.123Z-0000-ha-",  # trailing dash
        "20261125T012806.123Z-0000-h a",  # space in node
        "20261325T012806.123Z-0000-ha",  # month 13
        " 20261125T012806.123Z-0000-ha",  # leading space
    ],
)
def test_malformed_ids_raise_value_error(bad: str) -> None:
    """parse_wid refuses anything that is not an HLC-WID."""
    with pytest.raises(ValueError):
        parse_wid(bad)


def test_observe_malformed_raises_and_keeps_state() -> None:
    """Observing garbage raises ValueError and leaves the generator usable."""
    gen = HlcWidGenerator("a", clock=lambda: FIXED_MS)
    gen.next()
    with pytest.raises(ValueError):
        gen.observe("not-an-id")
    assert parse_wid(gen.next()).counter == 1


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("ha", "ha"),
        ("Home Assistant", "home-assistant"),
        ("  Kitchen Pi #2!  ", "kitchen-pi-2"),
        ("edge_runner-01", "edge_runner-01"),
        ("a...b", "a-b"),
        ("---", "node"),
        ("", "node"),
        ("Ωμέγα", "node"),
    ],
)
def test_sanitize_node(raw: str, clean: str) -> None:
    """Node names become lowercase [a-z0-9_-] without leading/trailing dashes."""
    assert sanitize_node(raw) == clean
    gen = HlcWidGenerator(raw, clock=lambda: FIXED_MS)
    assert gen.node == clean
    assert parse_wid(gen.next()).node == clean


def test_node_with_dashes_parses() -> None:
    """A node that contains dashes is kept whole by parse_wid."""
    gen = HlcWidGenerator("kitchen-pi-2", clock=lambda: FIXED_MS)
    assert parse_wid(gen.next()).node == "kitchen-pi-2"
