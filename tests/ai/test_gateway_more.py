"""More gateway behaviour: deadlines, misbehaving providers, chain and budget settings.

Uses the scripted in-memory provider of test_gateway.py; the gateway is under test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import time
from typing import Any

import pytest

from custom_components.wactorz.ai import (
    CallRecord,
    LlmEvent,
    LlmRequest,
    PricingTable,
    ProviderAuthError,
    ProviderBinding,
    ProviderKind,
    ProviderRateLimitError,
    ProviderUnavailableError,
    RetryPolicy,
    TextDelta,
    Usage,
    UsageEvent,
)
from custom_components.wactorz.ai.providers.base import Provider

from .test_gateway import ScriptedProvider, reply, request
from .wire import SleepLog


class SlowProvider(Provider):
    """Blocks the loop for `block` seconds (a stand-in for a slow, busy host), then acts.

    The blocking wait moves the loop clock past a short deadline without any
    timer firing, so what the gateway does at its deadline is deterministic.
    """

    def __init__(self, block: float, *, then: str) -> None:
        """`then` is "fail" (a retryable error) or "stream" (text after the wait)."""
        super().__init__(api_key=None, base_url=None)
        self.kind = ProviderKind.OPENAI
        self.block = block
        self.then = then
        self.requests = 0

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """Block, then fail or keep streaming."""
        self.requests += 1
        time.sleep(self.block)  # noqa: ASYNC251 - deliberately blocks, see the class doc
        if self.then == "fail":
            raise ProviderUnavailableError("503 busy", provider=self.name)
        yield TextDelta("The answer is")
        yield TextDelta(" still coming")

    async def list_models(self) -> list[str]:
        """List nothing."""
        return []


def test_retry_policy_rejects_negative_delays() -> None:
    """A negative delay setting is refused."""
    with pytest.raises(ValueError, match="base_delay"):
        RetryPolicy(base_delay=-1)
    with pytest.raises(ValueError, match="max_retry_after"):
        RetryPolicy(max_retry_after=-0.5)


async def test_set_chain_replaces_the_default_chain(make_gateway: Any) -> None:
    """The default chain can be replaced; what `chain` returns is a copy."""
    first = ScriptedProvider(ProviderKind.OLLAMA, [reply("one", Usage(1, 1))])
    second = ScriptedProvider(ProviderKind.OLLAMA, [reply("two", Usage(1, 1))])
    gateway = make_gateway(chain=[ProviderBinding("first", first, "m")])
    assert (await gateway.complete("main", request())).text == "one"
    gateway.set_chain([ProviderBinding("second", second, "m")])
    copy = gateway.chain
    copy.clear()
    assert [b.name for b in gateway.chain] == ["second"]
    assert (await gateway.complete("main", request())).text == "two"


async def test_budget_can_be_changed_and_removed(make_gateway: Any) -> None:
    """The daily budget is a setting: raising or removing it unblocks paid providers."""
    paid = ScriptedProvider(
        ProviderKind.OPENAI,
        [reply("a", Usage(1_000_000, 0), "gpt-4o"), reply("b", Usage(1, 1), "gpt-4o")],
    )
    gateway = make_gateway(
        daily_budget_usd=1.0, chain=[ProviderBinding("p", paid, "gpt-4o")]
    )
    await gateway.complete("main", request())
    assert gateway.budget_exceeded()
    gateway.daily_budget_usd = None
    assert gateway.daily_budget_usd is None
    assert not gateway.budget_exceeded()
    assert (await gateway.complete("main", request())).text == "b"
    with pytest.raises(ValueError):
        gateway.daily_budget_usd = float("nan")


async def test_binding_marked_free_ignores_the_budget(make_gateway: Any) -> None:
    """A binding explicitly marked free (e.g. a prepaid proxy) is not blocked by the budget."""
    spend = ScriptedProvider(
        ProviderKind.OPENAI, [reply("paid", Usage(1_000_000, 0), "gpt-4o")]
    )
    proxy = ScriptedProvider(ProviderKind.OPENAI, [reply("proxy", Usage(5, 5))])
    gateway = make_gateway(daily_budget_usd=0.1)
    await gateway.complete(
        "main", request(), chain=[ProviderBinding("p", spend, "gpt-4o")]
    )
    assert gateway.budget_exceeded()
    binding = ProviderBinding("proxy", proxy, "gpt-4o", paid=False)
    assert not gateway.is_paid(binding)
    completion = await gateway.complete("main", request(), chain=[binding])
    assert completion.text == "proxy"


async def test_listener_unsubscribe_is_idempotent(make_gateway: Any) -> None:
    """An unsubscribed listener gets nothing more; unsubscribing twice is harmless."""
    provider = ScriptedProvider(
        ProviderKind.OLLAMA, [reply("a", Usage(1, 1)), reply("b", Usage(1, 1))]
    )
    gateway = make_gateway(chain=[ProviderBinding("o", provider, "m")])
    seen: list[CallRecord] = []
    remove = gateway.add_listener(seen.append)
    await gateway.complete("main", request())
    remove()
    remove()
    await gateway.complete("main", request())
    assert len(seen) == 1


async def test_retry_after_beyond_the_deadline_falls_over_at_once(
    make_gateway: Any, sleeps: SleepLog
) -> None:
    """A wait that would end after the call's deadline is not waited for."""
    primary = ScriptedProvider(
        ProviderKind.OPENAI,
        [ProviderRateLimitError("slow down", provider="openai", retry_after=20)],
    )
    backup = ScriptedProvider(ProviderKind.OLLAMA, [reply("backup", Usage(1, 1))])
    gateway = make_gateway(
        retry=RetryPolicy(max_retry_after=30, total_timeout=10),
        chain=[
            ProviderBinding("p", primary, "gpt-4o"),
            ProviderBinding("b", backup, "m"),
        ],
    )
    completion = await gateway.complete("main", request())
    assert completion.provider == "b"
    assert sleeps.delays == []


async def test_closing_after_done_records_one_successful_call(
    make_gateway: Any,
) -> None:
    """A consumer that stops right after Done leaves one ok record, not a cancelled one."""
    provider = ScriptedProvider(ProviderKind.OLLAMA, [reply("ok", Usage(3, 2))])
    gateway = make_gateway(chain=[ProviderBinding("o", provider, "m")])
    stream = gateway.stream("main", request())
    async for event in stream:
        if not isinstance(event, (TextDelta, UsageEvent)):
            break  # Done: stop consuming before the generator finishes
    await stream.aclose()  # type: ignore[attr-defined,unused-ignore]
    assert [r.outcome for r in gateway.recent_calls()] == ["ok"]
    assert gateway.totals.calls == 1


async def test_provider_bug_propagates_and_is_metered(make_gateway: Any) -> None:
    """An unexpected exception in a provider is not retried or hidden: it is metered and raised."""
    broken = ScriptedProvider(ProviderKind.OPENAI, [RuntimeError("provider bug")])
    backup = ScriptedProvider(ProviderKind.OLLAMA, [reply("backup", Usage(1, 1))])
    gateway = make_gateway(
        chain=[
            ProviderBinding("broken", broken, "gpt-4o"),
            ProviderBinding("b", backup, "m"),
        ]
    )
    with pytest.raises(RuntimeError, match="provider bug"):
        await gateway.complete("main", request())
    assert backup.requests == []
    record = gateway.recent_calls()[-1]
    assert (record.outcome, record.error_type, record.error) == (
        "error",
        "RuntimeError",
        "RuntimeError",
    )


async def test_stream_without_a_result_is_retried(make_gateway: Any) -> None:
    """A provider stream that ends without Done is no answer: retried, then answered."""
    provider = ScriptedProvider(
        ProviderKind.OLLAMA, [[UsageEvent(Usage(2, 0))], reply("ok", Usage(1, 1))]
    )
    gateway = make_gateway(chain=[ProviderBinding("o", provider, "m")])
    assert (await gateway.complete("main", request())).text == "ok"
    first = gateway.recent_calls()[0]
    assert first.outcome == "error"
    assert "ended without a result" in (first.error or "")
    # Collected directly, such a stream is the same clear error.
    provider.steps.append([TextDelta("no end")])
    with pytest.raises(ProviderUnavailableError, match="without a result"):
        await provider.complete(request())


async def test_deadline_passed_during_a_failure_stops_the_chain(
    make_gateway: Any, sleeps: SleepLog
) -> None:
    """Once the call's total time is used up, no retry and no further provider is tried."""
    slow = SlowProvider(0.05, then="fail")
    backup = ScriptedProvider(ProviderKind.OLLAMA, [reply("late", Usage(1, 1))])
    gateway = make_gateway(
        retry=RetryPolicy(total_timeout=0.01),
        chain=[
            ProviderBinding("slow", slow, "gpt-4o"),
            ProviderBinding("b", backup, "m"),
        ],
    )
    with pytest.raises(ProviderUnavailableError, match="503 busy") as info:
        await gateway.complete("main", request())
    assert slow.requests == 1
    assert backup.requests == []
    assert sleeps.delays == []
    assert info.value.attempts == [("slow", "ProviderUnavailableError: 503 busy")]


async def test_stream_past_the_total_timeout_is_cut_off(make_gateway: Any) -> None:
    """A provider still streaming at the call's deadline is stopped with a clear error."""
    slow = SlowProvider(0.05, then="stream")
    gateway = make_gateway(
        retry=RetryPolicy(total_timeout=0.01),
        chain=[ProviderBinding("slow", slow, "gpt-4o")],
    )
    received: list[LlmEvent] = []

    async def consume() -> None:
        async for event in gateway.stream("main", request()):
            received.append(event)  # noqa: PERF401 - keep what arrived before the error

    with pytest.raises(ProviderUnavailableError, match="exceeded 0s"):
        await consume()
    assert received == [TextDelta("The answer is")]


async def test_reported_model_without_price_uses_the_configured_one(
    make_gateway: Any,
) -> None:
    """A server naming its model differently is billed at the configured model's price."""
    provider = ScriptedProvider(
        ProviderKind.OPENAI_COMPATIBLE,
        [reply("x", Usage(1_000_000, 0), "/models/house-llm-q4.gguf")],
    )
    gateway = make_gateway(pricing=PricingTable({"house-llm": (2.0, 4.0)}))
    completion = await gateway.complete(
        "main", request(), chain=[ProviderBinding("lan", provider, "house-llm")]
    )
    assert completion.cost_usd == pytest.approx(2.0)
    assert completion.model == "/models/house-llm-q4.gguf"


async def test_reauth_callback_failure_does_not_stop_the_fallback(
    make_gateway: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing reauth callback is logged; the next provider still answers."""

    def broken(name: str, err: ProviderAuthError) -> None:
        raise RuntimeError("repair registry unavailable")

    primary = ScriptedProvider(
        ProviderKind.ANTHROPIC, [ProviderAuthError("bad key", provider="anthropic")]
    )
    backup = ScriptedProvider(ProviderKind.OLLAMA, [reply("ok", Usage(1, 1))])
    gateway = make_gateway(
        on_reauth_needed=broken,
        chain=[
            ProviderBinding("claude", primary, "claude-x"),
            ProviderBinding("local", backup, "m"),
        ],
    )
    assert (await gateway.complete("main", request())).provider == "local"
    assert gateway.reauth_needed == {"claude"}
    assert "Reauth callback failed for claude" in caplog.text
