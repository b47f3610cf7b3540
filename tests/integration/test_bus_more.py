"""The in-memory bus and the bounded event outbox: what is kept when the bus cannot keep up."""

from __future__ import annotations

import json

from custom_components.wactorz.bus import EventExporter, MemoryBus, topic_matches
from custom_components.wactorz.core import ActorEvent, EventKind
from custom_components.wactorz.core.redaction import SecretScrubber
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError


class Recorder:
    """Collects what reaches a MemoryBus subscriber (awaited: an async callback)."""

    def __init__(self) -> None:
        """Start empty."""
        self.messages: list[tuple[str, str]] = []

    async def __call__(self, topic: str, payload: str) -> None:
        """Record one message."""
        self.messages.append((topic, payload))

    @property
    def topics(self) -> list[str]:
        """The topics received, in order."""
        return [topic for topic, _ in self.messages]


def test_topic_matching() -> None:
    """MQTT wildcards: `#` matches the rest, `+` one level, lengths must agree."""
    assert topic_matches("agents/#", "agents/a1/status")
    assert topic_matches("agents/+/status", "agents/a1/status")
    assert not topic_matches("agents/+/status/extra", "agents/a1/status")
    assert not topic_matches("agents/+", "agents/a1/status")
    assert not topic_matches("nodes/+/status", "agents/a1/status")


async def test_memory_bus_delivers_to_async_subscribers(hass: HomeAssistant) -> None:
    """Async subscribers are awaited; unsubscribing stops delivery, twice is harmless."""
    bus = MemoryBus(hass)
    recorder = Recorder()
    unsubscribe = await bus.subscribe("agents/+/status", recorder)
    await bus.publish("agents/a1/status", "online")
    await bus.publish("agents/a1/heartbeat", "beat")
    unsubscribe()
    unsubscribe()
    await bus.publish("agents/a1/status", "offline")
    assert recorder.messages == [("agents/a1/status", "online")]
    assert bus.published == 3
    assert bus.connected is False


async def test_full_outbox_drops_oldest_telemetry_first(hass: HomeAssistant) -> None:
    """When the outbox is full, the oldest heartbeat/log goes; status and alerts stay."""
    bus = MemoryBus(hass)
    recorder = Recorder()
    await bus.subscribe("#", recorder)
    exporter = EventExporter(hass, bus, SecretScrubber(), limit=3)
    exporter.enqueue(EventKind.STATUS, "agents/a/status", "s1")
    exporter.enqueue(EventKind.HEARTBEAT, "agents/a/heartbeat", "h1")
    exporter.enqueue(EventKind.ALERT, "agents/a/alert", "a1")
    # Full: an error pushes out the heartbeat, not the older status.
    exporter.enqueue(EventKind.ERROR, "agents/a/error", "e1")
    # Full of important messages: new telemetry is dropped itself.
    exporter.enqueue(EventKind.LOG, "agents/a/log", "l1")
    # Full of important messages: a new important one pushes out the oldest.
    exporter.enqueue(EventKind.COMPLETED, "agents/a/completed", "c1")
    assert exporter.backlog == 3
    assert exporter.dropped == 3
    await hass.async_block_till_done()
    assert [p for _, p in recorder.messages] == ["a1", "e1", "c1"]
    assert exporter.published == 3
    assert exporter.backlog == 0


async def test_publish_failures_are_counted_and_the_rest_still_goes(
    hass: HomeAssistant,
) -> None:
    """A message the bus refuses is counted as failed; later messages still go out."""

    class FlakyBus(MemoryBus):
        async def publish(
            self, topic: str, payload: str, *, qos: int = 0, retain: bool = False
        ) -> None:
            if payload == "refused":
                raise HomeAssistantError("MQTT not connected")
            await super().publish(topic, payload, qos=qos, retain=retain)

    bus = FlakyBus(hass)
    recorder = Recorder()
    await bus.subscribe("#", recorder)
    exporter = EventExporter(hass, bus, SecretScrubber())
    exporter.enqueue(EventKind.STATUS, "agents/a/status", "refused")
    exporter.enqueue(EventKind.STATUS, "agents/a/status", "ok")
    await exporter.async_close()
    assert (exporter.failed, exporter.published) == (1, 1)
    assert [p for _, p in recorder.messages] == ["ok"]


async def test_exported_events_are_scrubbed_and_removal_is_a_state(
    hass: HomeAssistant,
) -> None:
    """Events become JSON on the agent's topic, without secrets; removal says so; messages stay in."""
    bus = MemoryBus(hass)
    recorder = Recorder()
    await bus.subscribe("#", recorder)
    secret = "hunter2-very-secret-password"
    exporter = EventExporter(hass, bus, SecretScrubber([secret]), prefix="lab")
    exporter.handle(
        ActorEvent(
            EventKind.ERROR,
            "a1",
            "thermostat",
            {"error": f"login failed with {secret}"},
        )
    )
    # Actor-to-actor messages are not exported (no topic of their own).
    exporter.handle(ActorEvent(EventKind.MESSAGE, "a1", "thermostat", {"to": "a2"}))
    exporter.handle(ActorEvent(EventKind.REMOVED, "a1", "thermostat", {}))
    await exporter.async_close()
    assert len(recorder.messages) == 2
    (error_topic, error_raw), (_, removed_raw) = recorder.messages
    assert error_topic == "lab/agents/a1/errors"
    error = json.loads(error_raw)
    assert error["name"] == "thermostat" and error["event"] == "error"
    assert secret not in error_raw
    assert json.loads(removed_raw)["state"] == "removed"
