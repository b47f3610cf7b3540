"""The metered gateway: retries, fallback, metering, pricing, budget, persistence.

A scripted in-memory provider stands in for the SDKs here (the SDK paths are
covered in test_providers.py); the gateway is what is under test.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta, timezone
import json
from typing import Any

import pytest

from custom_components.wactorz.ai import (
    BudgetExceededError,
    CallRecord,
    ChatMessage,
    Done,
    ImageData,
    ImagesNotSupportedError,
    LlmEvent,
    LlmRequest,
    ModelNotFoundError,
    PricingTable,
    ProviderAuthError,
    ProviderBinding,
    ProviderKind,
    ProviderRateLimitError,
    ProviderUnavailableError,
    RetryPolicy,
    StopReason,
    TextDelta,
    Usage,
    UsageEvent,
)
from custom_components.wactorz.ai.providers.base import Provider

from .scripts import CompatibleWire
from .wire import FakeServer, SleepLog, drain

type Step = list[LlmEvent] | BaseException | str


class ScriptedProvider(Provider):
    """Plays one scripted step per request.

    A step is a list of events (a whole reply), an exception raised before
    any output, or "partial" (one text delta, then a 503-like failure), or
    "hang" (never answers).
    """

    def __init__(self, kind: ProviderKind, steps: Sequence[Step]) -> None:
        """Queue the steps."""
        super().__init__(api_key="sk-scripted-SECRET-0123456789", base_url=None)
        self.kind = kind
        self.steps = list(steps)
        self.requests: list[LlmRequest] = []
        self.closed = 0

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """Play the next step."""
        self.requests.append(request)
        step = self.steps.pop(0)
        try:
            if isinstance(step, BaseException):
                raise step
            if step == "partial":
                yield TextDelta("Half an ans")
                raise ProviderUnavailableError("connection reset", provider=self.name)
            if step == "hang":
                await asyncio.sleep(3600)
            assert isinstance(step, list)
            for event in step:
                yield event
        finally:
            self.closed += 1

    async def list_models(self) -> list[str]:
        """List nothing."""
        return []


def reply(text: str, usage: Usage, model: str | None = None) -> list[LlmEvent]:
    """Return a scripted successful reply."""
    return [TextDelta(text), UsageEvent(usage), Done(StopReason.END_TURN, model)]


def request(model: str = "placeholder") -> LlmRequest:
    """Return a minimal request."""
    return LlmRequest(model=model, messages=[ChatMessage.user("hi")])


class Clock:
    """A settable local clock."""

    def __init__(self) -> None:
        """Start on 2026-11-25 at 10:00 UTC+1."""
        self.now = datetime(2026, 11, 25, 10, 0, tzinfo=timezone(timedelta(hours=1)))

    def __call__(self) -> datetime:
        """Return the current time."""
        return self.now


async def test_metering_totals(make_gateway: Any) -> None:
    """Totals per agent, per provider and overall; one record per request."""
    provider = ScriptedProvider(
        ProviderKind.OPENAI,
        [
            reply("a", Usage(1000, 100, 200), "gpt-4o-mini-2024-07-18"),
            reply("b", Usage(2000, 50), "gpt-4o-mini-2024-07-18"),
            reply("c", Usage(10, 1), "gpt-4o-mini-2024-07-18"),
        ],
    )
    seen: list[CallRecord] = []
    gateway = make_gateway(
        chain=[ProviderBinding("openai-main", provider, "gpt-4o-mini")]
    )
    remove = gateway.add_listener(seen.append)
    await gateway.complete("main", request())
    await gateway.complete("main", request())
    await gateway.complete("planner", request())
    remove()

    total = gateway.totals
    assert (total.calls, total.requests, total.errors) == (3, 3, 0)
    assert (total.input_tokens, total.output_tokens, total.cached_input_tokens) == (
        3010,
        151,
        200,
    )
    agents = gateway.agent_totals()
    assert agents["main"].calls == 2
    assert agents["main"].input_tokens == 3000
    assert agents["planner"].output_tokens == 1
    assert gateway.provider_totals()["openai-main"].calls == 3
    assert len(seen) == 3
    assert seen[0].agent == "main"
    assert seen[0].provider == "openai-main"
    assert seen[0].provider_kind == "openai"
    assert seen[0].model == "gpt-4o-mini-2024-07-18"
    assert seen[0].latency_s >= 0
    # The model asked for is replaced by the binding's model.
    assert provider.requests[0].model == "gpt-4o-mini"


async def test_cost_uses_longest_prefix(make_gateway: Any) -> None:
    """gpt-4o-mini is billed at its own price, not at gpt-4o's."""
    usage = Usage(1_000_000, 1_000_000)
    mini = ScriptedProvider(
        ProviderKind.OPENAI, [reply("m", usage, "gpt-4o-mini-2024-07-18")]
    )
    big = ScriptedProvider(
        ProviderKind.OPENAI, [reply("b", usage, "gpt-4o-2024-08-06")]
    )
    gateway = make_gateway()
    mini_done = await gateway.complete(
        "a", request(), chain=[ProviderBinding("mini", mini, "gpt-4o-mini")]
    )
    big_done = await gateway.complete(
        "a", request(), chain=[ProviderBinding("big", big, "gpt-4o")]
    )
    assert mini_done.cost_usd == pytest.approx(0.15 + 0.60)
    assert big_done.cost_usd == pytest.approx(2.50 + 10.00)
    assert gateway.totals.cost_usd == pytest.approx(0.75 + 12.50)
    # Cached input is billed at the cached rate.
    cached = ScriptedProvider(
        ProviderKind.OPENAI, [reply("c", Usage(1_000_000, 0, 400_000), "gpt-4o-mini")]
    )
    done = await gateway.complete(
        "a", request(), chain=[ProviderBinding("c", cached, "gpt-4o-mini")]
    )
    assert done.cost_usd == pytest.approx(0.6 * 0.15 + 0.4 * 0.075)


async def test_unknown_model_cost_is_none(make_gateway: Any) -> None:
    """A model missing from the table costs None (unknown), never 0."""
    provider = ScriptedProvider(
        ProviderKind.OPENAI_COMPATIBLE, [reply("x", Usage(500, 50), "mystery-model-7b")]
    )
    gateway = make_gateway(
        chain=[ProviderBinding("lmstudio", provider, "mystery-model-7b")]
    )
    completion = await gateway.complete("main", request())
    assert completion.cost_usd is None
    assert gateway.totals.cost_usd == 0.0
    assert gateway.totals.unknown_cost_requests == 1
    assert gateway.recent_calls()[0].cost_usd is None
    # Local providers are free, whatever the model.
    ollama = ScriptedProvider(
        ProviderKind.OLLAMA, [reply("y", Usage(500, 50), "qwen3:8b")]
    )
    free = await gateway.complete(
        "main", request(), chain=[ProviderBinding("o", ollama, "qwen3:8b")]
    )
    assert free.cost_usd == 0.0


async def test_user_price_override(make_gateway: Any) -> None:
    """A user override wins over the built-in table."""
    provider = ScriptedProvider(
        ProviderKind.OPENAI, [reply("x", Usage(1_000_000, 0), "gpt-4o")]
    )
    gateway = make_gateway(pricing=PricingTable({"gpt-4o": (1.0, 2.0)}))
    done = await gateway.complete(
        "a", request(), chain=[ProviderBinding("p", provider, "gpt-4o")]
    )
    assert done.cost_usd == pytest.approx(1.0)


async def test_budget_blocks_paid_not_free(make_gateway: Any) -> None:
    """Over the daily budget, paid providers are skipped and free ones answer."""
    clock = Clock()
    paid = ScriptedProvider(
        ProviderKind.ANTHROPIC,
        [reply("paid", Usage(1_000_000, 0), "claude-haiku-4-5-20251001")],
    )
    free = ScriptedProvider(
        ProviderKind.OLLAMA, [reply("free", Usage(10, 10)), reply("free2", Usage(1, 1))]
    )
    gateway = make_gateway(daily_budget_usd=0.5, clock=clock)
    chain = [
        ProviderBinding("claude", paid, "claude-haiku-4-5"),
        ProviderBinding("ollama", free, "llama3.2"),
    ]
    first = await gateway.complete("main", request(), chain=chain)
    assert first.provider == "claude"
    assert first.cost_usd == pytest.approx(1.0)
    assert gateway.spent_today() == pytest.approx(1.0)
    assert gateway.budget_exceeded()

    second = await gateway.complete("main", request(), chain=chain)
    assert second.provider == "ollama"
    assert len(paid.requests) == 1  # the paid provider was not called

    with pytest.raises(BudgetExceededError) as info:
        await gateway.complete("main", request(), chain=chain[:1])
    assert "Daily LLM budget of $0.50 reached" in str(info.value)
    assert info.value.day == "2026-11-25"

    # A new local day resets the spend.
    clock.now += timedelta(days=1)
    assert gateway.spent_today() == 0.0
    assert not gateway.budget_exceeded()


async def test_budget_counts_local_day(make_gateway: Any) -> None:
    """The budget day is the local date of the injected clock."""
    clock = Clock()
    clock.now = datetime(2026, 11, 25, 23, 59, tzinfo=timezone(timedelta(hours=1)))
    provider = ScriptedProvider(
        ProviderKind.OPENAI,
        [
            reply("x", Usage(1_000_000, 0), "gpt-4o"),
            reply("y", Usage(1_000_000, 0), "gpt-4o"),
        ],
    )
    gateway = make_gateway(daily_budget_usd=2.0, clock=clock)
    chain = [ProviderBinding("p", provider, "gpt-4o")]
    await gateway.complete("a", request(), chain=chain)
    assert gateway.spent_today() == pytest.approx(2.5)
    clock.now += timedelta(minutes=2)  # 00:01 local, the next day
    await gateway.complete("a", request(), chain=chain)
    assert gateway.spent_today() == pytest.approx(2.5)
    assert gateway.totals.cost_usd == pytest.approx(5.0)


async def test_no_fallback_after_partial_output(make_gateway: Any) -> None:
    """Once text reached the caller, a failure propagates: no duplicated text."""
    primary = ScriptedProvider(ProviderKind.OPENAI, ["partial"])
    backup = ScriptedProvider(ProviderKind.OLLAMA, [reply("backup", Usage(1, 1))])
    gateway = make_gateway(
        chain=[
            ProviderBinding("primary", primary, "gpt-4o"),
            ProviderBinding("backup", backup, "m"),
        ]
    )
    received: list[LlmEvent] = []

    async def consume() -> None:
        async for event in gateway.stream("main", request()):
            received.append(event)  # noqa: PERF401 - keep what arrived before the error

    with pytest.raises(ProviderUnavailableError) as info:
        await consume()
    assert received == [TextDelta("Half an ans")]
    assert backup.requests == []
    assert len(primary.requests) == 1  # and no retry either
    assert info.value.attempts == [
        ("primary", "ProviderUnavailableError: connection reset")
    ]
    record = gateway.recent_calls()[-1]
    assert (record.outcome, record.final) == ("error", True)


async def test_auth_error_marks_reauth_and_falls_over(make_gateway: Any) -> None:
    """An auth error is not retried; the binding is reported and the chain moves on."""
    reported: list[tuple[str, str]] = []
    primary = ScriptedProvider(
        ProviderKind.ANTHROPIC,
        [ProviderAuthError("invalid x-api-key", provider="anthropic", status=401)],
    )
    backup = ScriptedProvider(ProviderKind.OLLAMA, [reply("ok", Usage(1, 1))])
    gateway = make_gateway(
        on_reauth_needed=lambda name, err: reported.append((name, type(err).__name__)),
        chain=[
            ProviderBinding("claude", primary, "claude-x"),
            ProviderBinding("local", backup, "m"),
        ],
    )
    completion = await gateway.complete("main", request())
    assert completion.provider == "local"
    assert reported == [("claude", "ProviderAuthError")]
    assert gateway.reauth_needed == {"claude"}
    assert len(primary.requests) == 1


async def test_chain_exhausted_raises_last_error(
    make_gateway: Any, sleeps: SleepLog
) -> None:
    """When every binding fails, the last error is raised with the attempt history."""
    a = ScriptedProvider(
        ProviderKind.OPENAI, [ModelNotFoundError("no such model", provider="openai")]
    )
    b = ScriptedProvider(
        ProviderKind.OLLAMA,
        [ProviderUnavailableError("down", provider="ollama")] * 3,
    )
    gateway = make_gateway(
        chain=[ProviderBinding("a", a, "x"), ProviderBinding("b", b, "y")]
    )
    with pytest.raises(ProviderUnavailableError) as info:
        await gateway.complete("main", request())
    assert [name for name, _ in info.value.attempts] == ["a", "b", "b", "b"]
    assert len(sleeps.delays) == 2  # bounded: 3 attempts on b
    assert gateway.totals.calls == 1
    assert gateway.totals.requests == 4
    assert gateway.totals.errors == 4


async def test_long_retry_after_falls_over_at_once(
    make_gateway: Any, sleeps: SleepLog
) -> None:
    """A Retry-After above the cap is not waited for: the next provider answers."""
    primary = ScriptedProvider(
        ProviderKind.OPENAI,
        [ProviderRateLimitError("slow down", provider="openai", retry_after=600)],
    )
    backup = ScriptedProvider(ProviderKind.OLLAMA, [reply("ok", Usage(1, 1))])
    gateway = make_gateway(
        chain=[
            ProviderBinding("p", primary, "gpt-4o"),
            ProviderBinding("b", backup, "m"),
        ]
    )
    assert (await gateway.complete("main", request())).provider == "b"
    assert sleeps.delays == []


async def test_backoff_is_exponential_and_capped(sleeps: SleepLog) -> None:
    """Retry delays double from base_delay and stop at max_delay."""
    from custom_components.wactorz.ai import LlmGateway  # noqa: PLC0415

    provider = ScriptedProvider(
        ProviderKind.OPENAI,
        [ProviderUnavailableError("500", provider="openai")] * 4
        + [reply("ok", Usage(1, 1), "gpt-4o")],
    )
    gateway = LlmGateway(
        retry=RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=3.0),
        sleep=sleeps,
        jitter=lambda: 1.0,
        chain=[ProviderBinding("p", provider, "gpt-4o")],
    )
    assert (await gateway.complete("main", request())).text == "ok"
    assert sleeps.delays == [1.0, 2.0, 3.0, 3.0]


async def test_idle_timeout_falls_over(make_gateway: Any) -> None:
    """A provider that stops answering is abandoned after the idle timeout."""
    stuck = ScriptedProvider(ProviderKind.OPENAI, ["hang"])
    backup = ScriptedProvider(ProviderKind.OLLAMA, [reply("ok", Usage(1, 1))])
    gateway = make_gateway(
        retry=RetryPolicy(max_attempts=1, idle_timeout=0.05, total_timeout=5),
        chain=[
            ProviderBinding("stuck", stuck, "gpt-4o"),
            ProviderBinding("b", backup, "m"),
        ],
    )
    completion = await gateway.complete("main", request())
    assert completion.provider == "b"
    assert stuck.closed == 1
    assert gateway.recent_calls()[0].error_type == "ProviderUnavailableError"


async def test_consumer_stops_early(make_gateway: Any) -> None:
    """Closing the stream early closes the provider stream and meters a cancelled call."""
    provider = ScriptedProvider(
        ProviderKind.OPENAI,
        [
            [
                TextDelta("a"),
                TextDelta("b"),
                UsageEvent(Usage(5, 2)),
                Done(StopReason.END_TURN),
            ]
        ],
    )
    gateway = make_gateway(chain=[ProviderBinding("p", provider, "gpt-4o")])
    stream = gateway.stream("main", request())
    assert await anext(stream) == TextDelta("a")
    await stream.aclose()  # type: ignore[attr-defined,unused-ignore]
    assert provider.closed == 1
    record = gateway.recent_calls()[-1]
    assert record.outcome == "cancelled"


async def test_stream_events_and_done(make_gateway: Any) -> None:
    """The caller gets the output, one usage event and Done naming provider and model."""
    provider = ScriptedProvider(
        ProviderKind.ANTHROPIC,
        [reply("hello", Usage(100, 10), "claude-sonnet-4-5-20250929")],
    )
    gateway = make_gateway(
        chain=[ProviderBinding("claude", provider, "claude-sonnet-4-5")]
    )
    events = await drain(gateway.stream("main", request()))
    assert events[0] == TextDelta("hello")
    assert events[1] == UsageEvent(Usage(100, 10))
    done = events[2]
    assert isinstance(done, Done)
    assert done.provider == "claude"
    assert done.model == "claude-sonnet-4-5-20250929"
    assert done.cost_usd == pytest.approx((100 * 3 + 10 * 15) / 1e6)


async def test_snapshot_restore_round_trip(make_gateway: Any) -> None:
    """Totals survive a JSON round trip into a new gateway (a restart)."""
    clock = Clock()
    provider = ScriptedProvider(
        ProviderKind.OPENAI,
        [
            reply("a", Usage(1_000_000, 0), "gpt-4o"),
            ProviderAuthError("bad key", provider="openai"),
        ],
    )
    gateway = make_gateway(
        clock=clock, chain=[ProviderBinding("p", provider, "gpt-4o")]
    )
    await gateway.complete("main", request())
    with pytest.raises(ProviderAuthError):
        await gateway.complete("planner", request())
    data = json.loads(json.dumps(gateway.snapshot()))
    assert data["version"] == 1
    assert data["pricing_date"]

    restored = make_gateway(clock=clock)
    restored.restore(data)
    assert restored.totals == gateway.totals
    assert restored.agent_totals() == gateway.agent_totals()
    assert restored.provider_totals() == gateway.provider_totals()
    assert restored.recent_calls() == gateway.recent_calls()
    assert restored.spent_today() == pytest.approx(2.5)
    assert restored.snapshot() == data

    # The spend of another day does not count against today's budget.
    clock.now += timedelta(days=1)
    tomorrow = make_gateway(clock=clock)
    tomorrow.restore(data)
    assert tomorrow.spent_today() == 0.0
    assert tomorrow.totals.cost_usd == pytest.approx(2.5)


async def test_restore_is_lenient(make_gateway: Any) -> None:
    """Corrupt stored data is skipped, not fatal."""
    gateway = make_gateway()
    gateway.restore(
        {
            "totals": {"calls": "many", "cost_usd": True},
            "agents": [],
            "recent": [1, {"x": 1}],
        }
    )
    assert gateway.totals.calls == 0
    gateway.restore(None)
    assert gateway.recent_calls() == []


async def test_recent_ring_is_bounded(make_gateway: Any) -> None:
    """Only the newest records are kept."""
    provider = ScriptedProvider(
        ProviderKind.OLLAMA, [reply(str(i), Usage(1, 1)) for i in range(5)]
    )
    gateway = make_gateway(recent_size=3, chain=[ProviderBinding("o", provider, "m")])
    for _ in range(5):
        await gateway.complete("main", request())
    assert len(gateway.recent_calls()) == 3
    assert gateway.totals.calls == 5


async def test_listener_errors_are_isolated(
    make_gateway: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing listener neither breaks the call nor the other listeners."""
    provider = ScriptedProvider(ProviderKind.OLLAMA, [reply("ok", Usage(1, 1))])
    gateway = make_gateway(chain=[ProviderBinding("o", provider, "m")])
    seen: list[CallRecord] = []

    def broken(record: CallRecord) -> None:
        raise RuntimeError("sensor bug")

    gateway.add_listener(broken)
    gateway.add_listener(seen.append)
    assert (await gateway.complete("main", request())).text == "ok"
    assert len(seen) == 1
    assert "LLM meter listener failed" in caplog.text


async def test_no_key_in_gateway_logs(
    make_gateway: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Errors carrying a key-like string are redacted everywhere they are kept."""
    key = "sk-proj-LEAKEDkey0123456789abcdef"
    provider = ScriptedProvider(
        ProviderKind.OPENAI,
        [ProviderAuthError(f"Incorrect API key provided: {key}", provider="openai")],
    )
    gateway = make_gateway(chain=[ProviderBinding("p", provider, "gpt-4o")])
    caplog.set_level("DEBUG")
    with pytest.raises(ProviderAuthError) as info:
        await gateway.complete("main", request())
    snapshot = json.dumps(gateway.snapshot())
    for text in (str(info.value), repr(info.value), snapshot, caplog.text):
        assert key not in text
    assert "Incorrect API key provided: ***" in str(info.value)


async def test_gateway_with_real_provider(make_gateway: Any) -> None:
    """End to end: gateway + real SDK + mocked HTTP, with metering from the stream."""
    server = FakeServer()
    wire = CompatibleWire()
    server.add("POST", wire.chat_path, wire.text(["Hi", "!"], usage=(40, 3, 0)))
    gateway = make_gateway(
        chain=[ProviderBinding("ollama", wire.make(server), "llama3.2")]
    )
    completion = await gateway.complete("main", request())
    assert completion.text == "Hi!"
    assert completion.usage == Usage(40, 3)
    assert completion.cost_usd == 0.0
    assert gateway.totals.input_tokens == 40


def test_gateway_rejects_unbounded_settings() -> None:
    """Ring size and retry bounds are validated."""
    from custom_components.wactorz.ai import LlmGateway  # noqa: PLC0415

    with pytest.raises(ValueError):
        LlmGateway(recent_size=0)
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=100)
    with pytest.raises(ValueError):
        RetryPolicy(total_timeout=0)
    with pytest.raises(ValueError):
        LlmGateway(daily_budget_usd=-1)


async def test_empty_chain_is_an_error(make_gateway: Any) -> None:
    """A call without any provider fails clearly."""
    with pytest.raises(ValueError, match="no LLM provider"):
        await make_gateway().complete("main", request())


async def test_agent_total_is_a_copy_of_one_agent(make_gateway: Any) -> None:
    """agent_total(name) equals agent_totals()[name] and cannot change the meter."""
    gateway = make_gateway()
    assert gateway.agent_total("main") is None
    gateway.restore({"version": 1, "agents": {"main": {"calls": 2, "cost_usd": 0.5}}})
    one = gateway.agent_total("main")
    assert one == gateway.agent_totals()["main"]
    one.calls = 99
    assert gateway.agent_total("main").calls == 2


async def test_images_skip_models_that_do_not_take_them(make_gateway: Any) -> None:
    """An image request skips a text-only model; a chain of only text-only models is an error."""
    text_only = ScriptedProvider(ProviderKind.OLLAMA, [])
    vision = ScriptedProvider(ProviderKind.OLLAMA, [reply("a cat", Usage(5, 2))])
    gateway = make_gateway()
    photo = LlmRequest(
        model="x",
        messages=[
            ChatMessage.user("what is this?", [ImageData("image/png", b"\x89PNG")])
        ],
    )
    chain = [
        ProviderBinding("Local", text_only, "llama3.1:8b"),
        ProviderBinding("Vision", vision, "llava:13b"),
    ]
    completion = await gateway.complete("main", photo, chain=chain)
    assert completion.text == "a cat" and completion.provider == "Vision"
    assert text_only.requests == [] and vision.requests[0].model == "llava:13b"

    with pytest.raises(ImagesNotSupportedError) as err:
        await gateway.complete("main", photo, chain=chain[:1])
    assert "Local: llama3.1:8b" in str(err.value)
    assert text_only.requests == []
    # text-only requests still use the text-only model
    text_only.steps.append(reply("hi", Usage(1, 1)))
    assert (await gateway.complete("main", request(), chain=chain[:1])).text == "hi"
