"""RecentIds: the bounded memory of message ids used to drop MQTT redeliveries."""

from __future__ import annotations

from custom_components.wactorz.core.recent import RecentIds


def test_ids_are_remembered_within_the_window_only() -> None:
    """A repeated id is a duplicate until it falls out of the window."""
    recent = RecentIds(size=2)
    assert not recent.is_duplicate({"message_id": "a"})
    assert recent.is_duplicate({"message_id": "a"})
    assert not recent.is_duplicate({"message_id": 7})
    assert not recent.is_duplicate({"message_id": "b"})  # forgets "a"
    assert not recent.is_duplicate({"message_id": "a"})
    assert recent.is_duplicate({"message_id": "b"})


def test_payloads_without_a_usable_id_are_never_duplicates() -> None:
    """No id, a bool, an empty or oversized string, or a non-object payload."""
    recent = RecentIds()
    for payload in ({}, {"message_id": True}, {"message_id": ""}, "text", [1]):
        assert not recent.is_duplicate(payload)
        assert not recent.is_duplicate(payload)
    long_id = {"message_id": "x" * 129}
    assert not recent.is_duplicate(long_id)
    assert not recent.is_duplicate(long_id)
