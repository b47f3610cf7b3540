"""The MQTT link: one aiomqtt client, reconnect with backoff, resubscribe, outbox.

- A stable client id (`wactorz-edge-{node}`) and clean_session=False: the broker
  keeps the session (subscriptions and queued QoS1 messages) while the runner is
  away; subscriptions are sent again on every connect anyway (a restarted broker
  without persistence forgets them).
- The last will (set by the caller) is registered with every connect.
- Publishing never blocks the caller: messages go to a bounded outbox drained
  while connected. When it is full, the oldest QoS0 message is dropped first.
- Incoming messages are handed to a synchronous callback that must not block.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import logging
import random
import ssl

import aiomqtt

_LOGGER = logging.getLogger(__name__)

OUTBOX_LIMIT = 2000
BACKOFF_MIN_S = 0.5
BACKOFF_MAX_S = 30.0


@dataclass(frozen=True)
class LinkSettings:
    """How to reach the broker."""

    host: str
    port: int = 1883
    client_id: str = "wactorz-edge"
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None
    keepalive: int = 30


@dataclass(frozen=True)
class Outgoing:
    """One queued message."""

    topic: str
    payload: bytes
    qos: int
    retain: bool


MessageCallback = Callable[[str, bytes], None]
ConnectCallback = Callable[[], Awaitable[None]]


class MqttLink:
    """A self-healing connection to the broker."""

    def __init__(
        self,
        settings: LinkSettings,
        will: aiomqtt.Will,
        on_message: MessageCallback,
        on_connect: ConnectCallback,
    ) -> None:
        """Prepare the link; `run()` connects."""
        self.settings = settings
        self._will = will
        self._on_message = on_message
        self._on_connect = on_connect
        self._subscriptions: dict[str, int] = {}
        self._outbox: deque[Outgoing] = deque()
        self._outbox_ready = asyncio.Event()
        self._client: aiomqtt.Client | None = None
        self.connected = asyncio.Event()
        self.connects = 0
        self.dropped = 0

    # ------------------------------------------------------------ public API

    def publish(
        self, topic: str, payload: bytes, *, qos: int = 0, retain: bool = False
    ) -> None:
        """Queue a message; never blocks (the oldest QoS0 message goes when full)."""
        if len(self._outbox) >= OUTBOX_LIMIT:
            for index, queued in enumerate(self._outbox):
                if queued.qos == 0:
                    del self._outbox[index]
                    break
            else:
                self._outbox.popleft()
            self.dropped += 1
        self._outbox.append(Outgoing(topic, payload, qos, retain))
        self._outbox_ready.set()

    async def subscribe(self, topic: str, qos: int = 1) -> None:
        """Subscribe now (if connected) and after every reconnect."""
        self._subscriptions[topic] = qos
        client = self._client
        if client is not None and self.connected.is_set():
            try:
                await client.subscribe(topic, qos)
            except aiomqtt.MqttError as err:
                _LOGGER.debug(
                    "Subscribe to %s deferred to the next connect: %s", topic, err
                )

    async def unsubscribe(self, topic: str) -> None:
        """Forget a subscription."""
        if self._subscriptions.pop(topic, None) is None:
            return
        client = self._client
        if client is not None and self.connected.is_set():
            try:
                await client.unsubscribe(topic)
            except aiomqtt.MqttError as err:
                _LOGGER.debug("Unsubscribe from %s failed: %s", topic, err)

    async def flush(self, timeout: float) -> bool:
        """Wait (bounded) until the outbox is empty; return True when it is."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._outbox and self.connected.is_set() and loop.time() < deadline:
            await asyncio.sleep(0.02)
        return not self._outbox

    async def run(self) -> None:
        """Connect, serve, reconnect with exponential backoff; runs until cancelled."""
        attempt = 0
        while True:
            try:
                await self._session()
                attempt = 0
            except aiomqtt.MqttError as err:
                _LOGGER.warning("MQTT connection to %s:%s: %s", *self._where(), err)
            finally:
                self.connected.clear()
                self._client = None
            attempt += 1
            delay = min(BACKOFF_MIN_S * 2 ** min(attempt - 1, 10), BACKOFF_MAX_S)
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))  # noqa: S311 - jitter

    async def graceful_close(
        self, topic: str, payload: bytes, timeout: float = 3.0
    ) -> None:
        """Flush the outbox, publish a final retained message and disconnect cleanly."""
        client = self._client
        if client is None or not self.connected.is_set():
            return
        await self.flush(timeout)
        try:
            await client.publish(topic, payload, qos=1, retain=True, timeout=timeout)
        except aiomqtt.MqttError as err:
            _LOGGER.debug("Final publish failed: %s", err)

    # ------------------------------------------------------------- internals

    def _where(self) -> tuple[str, int]:
        return self.settings.host, self.settings.port

    def _tls_context(self) -> ssl.SSLContext | None:
        if not self.settings.tls:
            return None
        context = ssl.create_default_context(cafile=self.settings.ca_file)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    async def _session(self) -> None:
        settings = self.settings
        client = aiomqtt.Client(
            settings.host,
            settings.port,
            username=settings.username,
            password=settings.password,
            identifier=settings.client_id,
            clean_session=False,
            will=self._will,
            keepalive=settings.keepalive,
            tls_context=self._tls_context(),
            timeout=10,
        )
        async with client:
            self._client = client
            self.connects += 1
            _LOGGER.info("Connected to MQTT broker %s:%s", *self._where())
            for topic, qos in list(self._subscriptions.items()):
                await client.subscribe(topic, qos)
            self.connected.set()
            drain = asyncio.get_running_loop().create_task(self._drain(client))
            try:
                await self._on_connect()
                async for message in client.messages:
                    try:  # paho hands aiomqtt the payload as bytes
                        self._on_message(str(message.topic), bytes(message.payload))
                    except Exception:
                        _LOGGER.exception("Message handler failed on %s", message.topic)
            finally:
                self.connected.clear()
                drain.cancel()
                await asyncio.gather(drain, return_exceptions=True)

    async def _drain(self, client: aiomqtt.Client) -> None:
        """Publish the outbox in order while connected.

        A failed publish (no PUBACK in time on a slow broker, a full paho queue)
        keeps the message at the head and tries again with backoff: the drain
        must not end while the session lives, or the node would go silent
        (no replies, no heartbeats) until the next reconnect.
        """
        failures = 0
        while True:
            while not self._outbox:
                self._outbox_ready.clear()
                await self._outbox_ready.wait()
            item = self._outbox[0]
            try:
                await client.publish(
                    item.topic, item.payload, qos=item.qos, retain=item.retain
                )
            except aiomqtt.MqttError as err:
                failures += 1
                _LOGGER.warning(
                    "Publish to %s failed (%d), trying again: %s",
                    item.topic,
                    failures,
                    err,
                )
                await asyncio.sleep(
                    min(BACKOFF_MIN_S * 2 ** min(failures - 1, 10), BACKOFF_MAX_S)
                )
                continue
            failures = 0
            if self._outbox and self._outbox[0] is item:
                self._outbox.popleft()
