"""The single event stream: filtering, isolation, and what is published when."""

from __future__ import annotations

import logging

import pytest

from custom_components.wactorz.core import (
    Actor,
    ActorEvent,
    ActorSystem,
    EventKind,
    EventStream,
    Message,
    RestartPolicy,
    Supervisor,
    actor_factory,
)
from custom_components.wactorz.core.redaction import REDACTED, SecretScrubber


class Chatty(Actor):
    """Emit the helper events; crash on 'boom'."""

    async def handle(self, message: Message) -> object:
        """Emit log/alert/completed/chat events, or crash."""
        if message.payload == "boom":
            raise RuntimeError("boom")
        self.log("working", step=1)
        self.alert("hot", severity="critical", temp=90)
        self.completed("x" * 500, task="t1")
        self.chat("hello", to="kitchen")
        return None


def event(kind: EventKind, name: str = "a") -> ActorEvent:
    """Make an event about `name`."""
    return ActorEvent(kind, f"id-{name}", name)


def test_subscribers_filter_by_kind_and_unsubscribe() -> None:
    """A subscriber sees only its kinds; unsubscribe stops delivery."""
    stream = EventStream()
    everything: list[EventKind] = []
    only_errors: list[EventKind] = []
    stop_all = stream.subscribe(lambda e: everything.append(e.kind))
    stream.subscribe(
        lambda e: only_errors.append(e.kind), [EventKind.ERROR, EventKind.GAVE_UP]
    )
    assert stream.subscriber_count == 2

    for kind in (
        EventKind.SPAWNED,
        EventKind.ERROR,
        EventKind.HEARTBEAT,
        EventKind.GAVE_UP,
    ):
        stream.publish(event(kind))
    assert everything == [
        EventKind.SPAWNED,
        EventKind.ERROR,
        EventKind.HEARTBEAT,
        EventKind.GAVE_UP,
    ]
    assert only_errors == [EventKind.ERROR, EventKind.GAVE_UP]

    stop_all()
    stop_all()  # twice is harmless
    stream.publish(event(EventKind.ERROR))
    assert len(everything) == 4
    assert only_errors == [EventKind.ERROR, EventKind.GAVE_UP, EventKind.ERROR]
    assert stream.subscriber_count == 1


def test_raising_subscriber_does_not_break_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failing callback is logged; later subscribers still get the event."""
    stream = EventStream()
    before: list[EventKind] = []
    after: list[EventKind] = []

    def broken(_: ActorEvent) -> None:
        raise RuntimeError("subscriber bug")

    stream.subscribe(lambda e: before.append(e.kind))
    stream.subscribe(broken)
    stream.subscribe(lambda e: after.append(e.kind))
    with caplog.at_level(logging.ERROR):
        stream.publish(event(EventKind.STATUS))
        stream.publish(event(EventKind.ALERT))
    assert before == [EventKind.STATUS, EventKind.ALERT]
    assert after == [EventKind.STATUS, EventKind.ALERT]
    assert "subscriber bug" in caplog.text


def test_subscriber_may_unsubscribe_itself_while_publishing() -> None:
    """Unsubscribing inside a callback does not skip other subscribers."""
    stream = EventStream()
    seen: list[str] = []
    unsubscribe = None

    def once(_: ActorEvent) -> None:
        seen.append("once")
        assert unsubscribe is not None
        unsubscribe()

    unsubscribe = stream.subscribe(once)
    stream.subscribe(lambda _: seen.append("other"))
    stream.publish(event(EventKind.STATUS))
    stream.publish(event(EventKind.STATUS))
    assert seen == ["once", "other", "other"]


async def test_one_stream_per_system_sees_every_actor(
    system: ActorSystem, event_log
) -> None:
    """Events of all actors flow through system.events with ids and names."""
    a = await system.spawn(actor_factory(Chatty), "a", meta={"role": "worker"})
    b = await system.spawn(actor_factory(Chatty), "b", protected=True)
    spawned = event_log.of(EventKind.SPAWNED)
    assert [(e.actor_id, e.actor_name) for e in spawned] == [(a.id, "a"), (b.id, "b")]
    assert spawned[0].data == {
        "node": system.node,
        "protected": False,
        "role": "worker",
    }
    assert spawned[1].data["protected"] is True
    # Spawned is announced before the actor reports RUNNING.
    assert event_log.kinds("a")[:2] == [EventKind.SPAWNED, EventKind.STATUS]


async def test_actor_helper_events(system: ActorSystem, event_log) -> None:
    """log/alert/completed/chat become events with their fields."""
    await system.spawn(actor_factory(Chatty), "a")
    await system.ask("a", "go")
    (log,) = event_log.of(EventKind.LOG, "a")
    assert log.data == {"message": "working", "step": 1}
    (alert,) = event_log.of(EventKind.ALERT, "a")
    assert alert.data == {"message": "hot", "severity": "critical", "temp": 90}
    (done,) = event_log.of(EventKind.COMPLETED, "a")
    assert done.data["preview"] == "x" * 200
    assert done.data["task"] == "t1"
    (chat,) = event_log.of(EventKind.CHAT, "a")
    assert chat.data == {"from": "a", "to": "kitchen", "content": "hello"}


async def test_crash_restart_give_up_remove_event_sequence(
    system: ActorSystem, event_log, wait_until
) -> None:
    """SPAWNED, STATUS, ERROR, RESTARTED, GAVE_UP and REMOVED come in order."""
    sup = Supervisor(
        system, "sup", policy=RestartPolicy(max_restarts=1, backoff_base_s=0.01)
    )
    await system.spawn(actor_factory(Chatty), "a", supervisor=sup)
    system.tell("a", "boom")
    await wait_until(lambda: event_log.of(EventKind.RESTARTED, "a") != [])
    system.tell("a", "boom")
    await wait_until(lambda: event_log.of(EventKind.GAVE_UP, "a") != [])
    await system.remove("a")

    interesting = {
        EventKind.SPAWNED,
        EventKind.STATUS,
        EventKind.ERROR,
        EventKind.RESTARTED,
        EventKind.GAVE_UP,
        EventKind.REMOVED,
    }
    story = [
        (e.kind, e.data.get("state"))
        for e in event_log.events
        if e.actor_name == "a" and e.kind in interesting
    ]
    assert story == [
        (EventKind.SPAWNED, None),
        (EventKind.STATUS, "running"),
        (EventKind.ERROR, None),
        (EventKind.STATUS, "failed"),
        (EventKind.STATUS, "running"),
        (EventKind.RESTARTED, None),
        (EventKind.ERROR, None),
        (EventKind.STATUS, "failed"),
        (EventKind.GAVE_UP, None),
        (EventKind.STATUS, "stopped"),
        (EventKind.REMOVED, None),
    ]
    failed = [
        e for e in event_log.of(EventKind.STATUS, "a") if e.data["state"] == "failed"
    ]
    assert failed[0].data["phase"] == "handle"
    assert failed[0].data["error"] == "boom"


def test_scrubber_hides_secret_keys_and_token_shapes() -> None:
    """Values under secret-looking keys and token-shaped strings never survive scrubbing."""
    scrubber = SecretScrubber(["my-literal-secret"])
    data = {
        "password": "hunter22",
        "nested": [{"api_key": "abc123"}, "Bearer abcdefghijklmnop1234"],
        "text": "key sk-ant-api03-abcdefghijklmnopqrstu and my-literal-secret",
        "webhook_url": "https://discord.com/api/webhooks/1/abc",
        "count": 3,
        "token_count": 7,
        "input_tokens": 120,
        "auth_token": "zzzzzz",
    }
    clean = scrubber.scrub_data(data)
    assert clean["password"] == REDACTED
    assert clean["nested"][0]["api_key"] == REDACTED
    assert "abcdefghijklmnop1234" not in clean["nested"][1]
    assert "sk-ant" not in clean["text"] and "my-literal-secret" not in clean["text"]
    assert clean["webhook_url"] == REDACTED
    assert clean["count"] == 3
    assert clean["token_count"] == 7 and clean["input_tokens"] == 120  # counters stay
    assert clean["auth_token"] == REDACTED


async def test_message_events_only_while_someone_asks(system: ActorSystem) -> None:
    """Actor-to-actor deliveries emit MESSAGE events only for explicit subscribers."""

    class Forwarder(Actor):
        async def handle(self, message: Message) -> object:
            """Ask the sink."""
            return await self.ask("sink", message.payload)

    class Sink(Actor):
        async def handle(self, message: Message) -> object:
            """Answer."""
            return message.payload

    await system.spawn(actor_factory(Sink), "sink")
    forwarder = await system.spawn(actor_factory(Forwarder), "forwarder")
    everything: list[ActorEvent] = []
    system.events.subscribe(everything.append)
    await system.ask("forwarder", 1)
    assert not [e for e in everything if e.kind is EventKind.MESSAGE]
    messages: list[ActorEvent] = []
    unsubscribe = system.events.subscribe(messages.append, (EventKind.MESSAGE,))
    await system.ask("forwarder", 2)
    assert [(e.actor_id, e.data["to_name"], e.data["ask"]) for e in messages] == [
        (forwarder.id, "sink", True)
    ]
    unsubscribe()
    assert not system.events.wants(EventKind.MESSAGE)
