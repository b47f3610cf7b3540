"""The metered LLM gateway: every LLM call of every agent passes through it.

For one call the gateway walks a user-ordered chain of provider bindings:
- retryable errors (429, 5xx, timeouts, connection errors) are retried on the
  same binding with bounded exponential backoff (a server's Retry-After is
  honoured up to a cap; a longer one falls over at once), then it falls over
  to the next binding;
- an auth error is not retried: the binding is reported as needing reauth
  (callback) and the chain falls over;
- once any text or tool call has reached the caller there is no fallback
  (that would duplicate output): the error propagates;
- with a daily budget, paid bindings are skipped once today's spend reached
  it; free/local ones still answer. If nothing could answer because of the
  budget, `BudgetExceededError` is raised;
- a request with images skips bindings whose model does not take images;
  when none does, `ImagesNotSupportedError` is raised (images are never
  silently dropped).

Every provider request is metered (tokens, cost or None when unknown,
latency, provider, model, agent, error, timestamp) into running totals per
agent, per provider and overall, plus a bounded ring of recent calls;
`snapshot()`/`restore()` persist them as JSON; listeners hear of each record.
The caller receives a single `UsageEvent` and then `Done` naming the binding
(`provider`), the model that answered and the cost.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
import logging
import random
from typing import Any
import uuid

from .errors import (
    BudgetExceededError,
    ImagesNotSupportedError,
    LlmError,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimitError,
    ProviderUnavailableError,
)
from .pricing import PRICING_DATE, PricingTable
from .providers.base import Provider, collect
from .types import Completion, Done, LlmEvent, LlmRequest, Usage, UsageEvent

_LOGGER = logging.getLogger(__name__)

SNAPSHOT_VERSION = 1
DEFAULT_RECENT_SIZE = 100
MAX_RECENT_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class ProviderBinding:
    """One entry of a fallback chain: a named provider with the model to use.

    `paid` None derives it from the pricing table (unknown models of the
    cloud kinds count as paid; Ollama and NIM are free).
    """

    name: str
    provider: Provider
    model: str
    paid: bool | None = None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounds of retries and waits (seconds)."""

    max_attempts: int = 3  # per binding, first try included
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 30.0  # a longer Retry-After falls over at once
    idle_timeout: float = 90.0  # max wait for the next stream event
    total_timeout: float = 300.0  # whole call, retries and fallbacks included

    def __post_init__(self) -> None:
        """Reject unbounded settings."""
        if not 1 <= self.max_attempts <= 10:
            raise ValueError("max_attempts must be between 1 and 10")
        for name in ("base_delay", "max_delay", "max_retry_after"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.idle_timeout <= 0 or self.total_timeout <= 0:
            raise ValueError("timeouts must be > 0")


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One provider request as metered."""

    timestamp: str
    call_id: str
    agent: str
    provider: str
    provider_kind: str
    model: str
    attempt: int
    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cost_usd: float | None = None
    latency_s: float = 0.0
    outcome: str = "ok"  # ok | error | cancelled
    error_type: str | None = None
    error: str | None = None
    final: bool = True  # the last request of its call

    def to_dict(self) -> dict[str, Any]:
        """Serialise to JSON-compatible data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CallRecord:
        """Deserialise (unknown keys ignored)."""
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(slots=True)
class MeterTotals:
    """Running totals of a scope (overall, one agent or one provider).

    `calls` counts logical calls (one per gateway call that reached a
    provider), `requests` every provider request (retries and fallbacks
    included), `errors` the failed requests. `cost_usd` sums the known
    costs; `unknown_cost_requests` counts requests whose cost is unknown.
    """

    calls: int = 0
    requests: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cost_usd: float = 0.0
    unknown_cost_requests: int = 0
    latency_s: float = 0.0

    def add(self, record: CallRecord) -> None:
        """Count one record."""
        self.requests += 1
        if record.final:
            self.calls += 1
        if record.outcome != "ok":
            self.errors += 1
        self.input_tokens += record.input_tokens
        self.output_tokens += record.output_tokens
        self.cached_input_tokens += record.cached_input_tokens
        if record.cost_usd is not None:
            self.cost_usd += record.cost_usd
        elif record.input_tokens or record.output_tokens:
            self.unknown_cost_requests += 1
        self.latency_s += record.latency_s

    def to_dict(self) -> dict[str, Any]:
        """Serialise to JSON-compatible data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> MeterTotals:
        """Deserialise leniently (bad or missing fields become 0)."""
        totals = cls()
        if not isinstance(data, dict):
            return totals
        for name in cls.__dataclass_fields__:
            value = data.get(name)
            if name in ("cost_usd", "latency_s"):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    setattr(totals, name, float(value))
            elif isinstance(value, int) and not isinstance(value, bool):
                setattr(totals, name, value)
        return totals


type CallListener = Callable[[CallRecord], None]
type ReauthCallback = Callable[[str, ProviderAuthError], None]


def _local_now() -> datetime:
    return datetime.now().astimezone()


@dataclass(slots=True)
class _Attempt:
    """Bookkeeping of one provider request inside `stream`."""

    binding: ProviderBinding
    attempt: int
    started: float
    usage: Usage = field(default_factory=Usage)
    done: Done | None = None
    emitted: bool = False
    recorded: bool = False


class LlmGateway:
    """Routes, retries, falls over and meters every LLM call."""

    def __init__(
        self,
        *,
        chain: Sequence[ProviderBinding] = (),
        pricing: PricingTable | None = None,
        daily_budget_usd: float | None = None,
        retry: RetryPolicy | None = None,
        recent_size: int = DEFAULT_RECENT_SIZE,
        clock: Callable[[], datetime] = _local_now,
        sleep: Callable[[float], Any] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        on_reauth_needed: ReauthCallback | None = None,
    ) -> None:
        """Configure the default chain, pricing, budget and retry bounds.

        `clock` returns the local time (an aware datetime); its date decides
        which day the budget counts. `sleep` and `jitter` are injectable for
        tests.
        """
        if not 1 <= recent_size <= MAX_RECENT_SIZE:
            raise ValueError(f"recent_size must be between 1 and {MAX_RECENT_SIZE}")
        self._chain = list(chain)
        self.pricing = pricing or PricingTable()
        self.daily_budget_usd = daily_budget_usd
        self.retry = retry or RetryPolicy()
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter
        self._on_reauth_needed = on_reauth_needed
        self._listeners: list[CallListener] = []
        self._totals = MeterTotals()
        self._agents: dict[str, MeterTotals] = {}
        self._providers: dict[str, MeterTotals] = {}
        self._recent: deque[CallRecord] = deque(maxlen=recent_size)
        self._day = self._today()
        self._day_cost = 0.0
        self.reauth_needed: set[str] = set()

    # ----------------------------------------------------------------- config

    @property
    def chain(self) -> list[ProviderBinding]:
        """The default fallback chain (a copy)."""
        return list(self._chain)

    def set_chain(self, chain: Sequence[ProviderBinding]) -> None:
        """Replace the default fallback chain."""
        self._chain = list(chain)

    @property
    def daily_budget_usd(self) -> float | None:
        """The daily budget in USD, or None for no budget."""
        return self._budget

    @daily_budget_usd.setter
    def daily_budget_usd(self, value: float | None) -> None:
        if value is not None and not value >= 0:
            raise ValueError("the daily budget must be >= 0 (or None)")
        self._budget = value

    def add_listener(self, listener: CallListener) -> Callable[[], None]:
        """Call `listener(record)` after each metered request; returns an unsubscribe."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    # ------------------------------------------------------------------ calls

    async def complete(
        self,
        agent: str,
        request: LlmRequest,
        *,
        chain: Sequence[ProviderBinding] | None = None,
    ) -> Completion:
        """Run `request` for `agent` and collect the reply."""
        return await collect(
            self.stream(agent, request, chain=chain), default_model=request.model
        )

    async def stream(
        self,
        agent: str,
        request: LlmRequest,
        *,
        chain: Sequence[ProviderBinding] | None = None,
    ) -> AsyncIterator[LlmEvent]:
        """Stream the reply to `request` for `agent` through the chain.

        Yields `TextDelta`/`ToolCallEvent`s, one `UsageEvent`, then `Done`
        (with `provider` = the binding name that answered, `model`, and
        `cost_usd`). `request.model` is replaced by each binding's model.
        """
        bindings = list(self._chain if chain is None else chain)
        if not bindings:
            raise ValueError("no LLM provider is configured for this call")
        history: list[tuple[str, str]] = []
        if any(message.images for message in request.messages):
            # Images go to the first bindings that take them; never silently dropped.
            seeing = [b for b in bindings if b.provider.takes_images(b.model)]
            if not seeing:
                raise ImagesNotSupportedError(
                    [f"{b.name}: {b.model}" for b in bindings]
                )
            history.extend(
                (b.name, "skipped: the model does not take images")
                for b in bindings
                if b not in seeing
            )
            bindings = seeing
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.retry.total_timeout
        call_id = uuid.uuid4().hex
        last_error: ProviderError | None = None
        budget_error: BudgetExceededError | None = None

        for index, binding in enumerate(bindings):
            # Whether no later binding can run (a paid one over budget cannot).
            is_last_binding = all(self._over_budget(b) for b in bindings[index + 1 :])
            if self._over_budget(binding):
                budget_error = BudgetExceededError(
                    budget_usd=self._budget or 0.0,
                    spent_usd=self.spent_today(),
                    day=self._day,
                )
                history.append((binding.name, "skipped: daily budget reached"))
                _LOGGER.info(
                    "Skipping paid provider %s: %s", binding.name, budget_error
                )
                continue
            sub_request = replace(request, model=binding.model)
            attempt_no = 0
            while True:
                attempt_no += 1
                state = _Attempt(binding, attempt_no, loop.time())
                events = self._attempt(agent, call_id, state, sub_request, deadline)
                try:
                    async for event in events:
                        yield event
                except ProviderError as err:
                    will_retry = (
                        not state.emitted
                        and not isinstance(err, ProviderAuthError)
                        and err.retryable
                        and attempt_no < self.retry.max_attempts
                    )
                    delay = self._delay(err, attempt_no) if will_retry else None
                    if delay is not None and loop.time() + delay >= deadline:
                        delay = None
                    final = state.emitted or (
                        delay is None and (is_last_binding or loop.time() >= deadline)
                    )
                    self._record(agent, call_id, state, error=err, final=final)
                    history.append(
                        (binding.name, f"{type(err).__name__}: {err.message}")
                    )
                    last_error = err
                    if isinstance(err, ProviderAuthError):
                        self._mark_reauth(binding, err)
                    if state.emitted:
                        # Output already reached the caller: no retry, no fallback.
                        err.attempts = list(history)
                        raise
                    if delay is not None:
                        _LOGGER.debug(
                            "Retrying %s in %.2fs after %s", binding.name, delay, err
                        )
                        await self._sleep(delay)
                        continue
                    break  # fall over to the next binding
                except asyncio.CancelledError, GeneratorExit:
                    if not state.recorded:
                        self._record(agent, call_id, state, cancelled=True, final=True)
                    raise
                except Exception as err:
                    if not state.recorded:
                        self._record(agent, call_id, state, error=err, final=True)
                    raise
                else:
                    return
                finally:
                    await events.aclose()
            if loop.time() >= deadline:
                break

        if last_error is None:
            # Every binding was skipped for the budget: one that was tried set last_error.
            assert budget_error is not None
            raise budget_error
        last_error.attempts = list(history)
        raise last_error

    async def _attempt(
        self,
        agent: str,
        call_id: str,
        state: _Attempt,
        request: LlmRequest,
        deadline: float,
    ) -> AsyncGenerator[LlmEvent]:
        """One provider request: forward output, meter, end with Usage and Done."""
        binding = state.binding
        loop = asyncio.get_running_loop()
        events = binding.provider.stream(request)
        try:
            while True:
                remaining = deadline - loop.time()
                wait = min(self.retry.idle_timeout, remaining)
                if wait <= 0:
                    raise ProviderUnavailableError(
                        f"{binding.name}: the LLM call exceeded "
                        f"{self.retry.total_timeout:.0f}s",
                        provider=binding.provider.name,
                    )
                try:
                    async with asyncio.timeout(wait):
                        event = await anext(events)
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    raise ProviderUnavailableError(
                        f"{binding.name}: no data from the provider for {wait:.0f}s",
                        provider=binding.provider.name,
                    ) from None
                if isinstance(event, UsageEvent):
                    state.usage = state.usage + event.usage
                elif isinstance(event, Done):
                    state.done = event
                else:
                    state.emitted = True
                    yield event
        finally:
            if isinstance(events, AsyncGenerator):
                await events.aclose()
        if state.done is None:
            raise ProviderUnavailableError(
                f"{binding.name}: the stream ended without a result",
                provider=binding.provider.name,
            )
        record = self._record(agent, call_id, state, final=True)
        yield UsageEvent(state.usage)
        yield Done(
            stop_reason=state.done.stop_reason,
            model=record.model,
            provider=binding.name,
            cost_usd=record.cost_usd,
            provider_data=dict(state.done.provider_data),
        )

    # ---------------------------------------------------------------- metering

    def _cost(self, binding: ProviderBinding, model: str, usage: Usage) -> float | None:
        kind = str(binding.provider.kind)
        cost = self.pricing.cost(model, usage, kind)
        if cost is None and model != binding.model:
            cost = self.pricing.cost(binding.model, usage, kind)
        return cost

    def _record(
        self,
        agent: str,
        call_id: str,
        state: _Attempt,
        *,
        error: BaseException | None = None,
        cancelled: bool = False,
        final: bool,
    ) -> CallRecord:
        loop = asyncio.get_running_loop()
        binding = state.binding
        model = (state.done.model if state.done else None) or binding.model
        usage = state.usage
        cost = (
            self._cost(binding, model, usage)
            if (usage.input_tokens or usage.output_tokens)
            else None
        )
        if cost is None and not (usage.input_tokens or usage.output_tokens):
            # Nothing was billed; a known-price model then costs exactly 0.
            price = self.pricing.price(model, str(binding.provider.kind))
            cost = 0.0 if price is not None else None
        if error is not None:
            message = (
                error.message
                if isinstance(error, LlmError)
                else f"{type(error).__name__}"
            )
            outcome, error_type = "error", type(error).__name__
        elif cancelled:
            message, outcome, error_type = "cancelled", "cancelled", "CancelledError"
        else:
            message, outcome, error_type = None, "ok", None
        record = CallRecord(
            timestamp=self._clock().isoformat(),
            call_id=call_id,
            agent=agent,
            provider=binding.name,
            provider_kind=str(binding.provider.kind),
            model=model,
            attempt=state.attempt,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cached_input_tokens=usage.cached_input_tokens,
            cost_usd=cost,
            latency_s=round(max(0.0, loop.time() - state.started), 6),
            outcome=outcome,
            error_type=error_type,
            error=message,
            final=final,
        )
        self._totals.add(record)
        self._agents.setdefault(agent, MeterTotals()).add(record)
        self._providers.setdefault(binding.name, MeterTotals()).add(record)
        self._recent.append(record)
        if cost:
            self._roll_day()
            self._day_cost += cost
        state.recorded = True
        for listener in list(self._listeners):
            try:
                listener(record)
            except Exception:
                _LOGGER.exception("LLM meter listener failed")
        return record

    # ------------------------------------------------------------------ budget

    def _today(self) -> str:
        return self._clock().date().isoformat()

    def _roll_day(self) -> None:
        today = self._today()
        if today != self._day:
            self._day = today
            self._day_cost = 0.0

    def spent_today(self) -> float:
        """Known USD spend of the current local day."""
        self._roll_day()
        return self._day_cost

    def is_paid(self, binding: ProviderBinding) -> bool:
        """Whether calls through `binding` cost money."""
        if binding.paid is not None:
            return binding.paid
        return self.pricing.is_paid(binding.model, str(binding.provider.kind))

    def _over_budget(self, binding: ProviderBinding) -> bool:
        return (
            self._budget is not None
            and self.is_paid(binding)
            and self.spent_today() >= self._budget
        )

    def budget_exceeded(self) -> bool:
        """Whether today's spend reached the budget (paid calls are blocked)."""
        return self._budget is not None and self.spent_today() >= self._budget

    # ------------------------------------------------------------------ retry

    def _delay(self, err: ProviderError, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None to fall over now."""
        if isinstance(err, ProviderRateLimitError) and err.retry_after is not None:
            if err.retry_after > self.retry.max_retry_after:
                return None
            return err.retry_after
        backoff: float = min(
            self.retry.max_delay, self.retry.base_delay * 2.0 ** (attempt - 1)
        )
        return backoff * (0.5 + 0.5 * float(self._jitter()))

    def _mark_reauth(self, binding: ProviderBinding, err: ProviderAuthError) -> None:
        self.reauth_needed.add(binding.name)
        if self._on_reauth_needed is not None:
            try:
                self._on_reauth_needed(binding.name, err)
            except Exception:
                _LOGGER.exception("Reauth callback failed for %s", binding.name)

    # -------------------------------------------------------------- reporting

    @property
    def totals(self) -> MeterTotals:
        """Overall totals (a copy)."""
        return MeterTotals.from_dict(self._totals.to_dict())

    def agent_total(self, agent: str) -> MeterTotals | None:
        """Totals of one agent (a copy), or None before its first call."""
        totals = self._agents.get(agent)
        return MeterTotals.from_dict(totals.to_dict()) if totals is not None else None

    def agent_totals(self) -> dict[str, MeterTotals]:
        """Totals per agent (copies)."""
        return {k: MeterTotals.from_dict(v.to_dict()) for k, v in self._agents.items()}

    def provider_totals(self) -> dict[str, MeterTotals]:
        """Totals per provider binding name (copies)."""
        return {
            k: MeterTotals.from_dict(v.to_dict()) for k, v in self._providers.items()
        }

    def recent_calls(self) -> list[CallRecord]:
        """Return the most recent records, oldest first (bounded)."""
        return list(self._recent)

    def last_answer(self, agent: str | None = None) -> CallRecord | None:
        """Return the latest answered call (of `agent`): which provider and model answered."""
        for record in reversed(self._recent):
            if (
                record.final
                and record.outcome == "ok"
                and (agent is None or record.agent == agent)
            ):
                return record
        return None

    def snapshot(self) -> dict[str, Any]:
        """Return the totals as JSON-compatible data (for Home Assistant's Store)."""
        self._roll_day()
        return {
            "version": SNAPSHOT_VERSION,
            "pricing_date": PRICING_DATE,
            "totals": self._totals.to_dict(),
            "agents": {k: v.to_dict() for k, v in self._agents.items()},
            "providers": {k: v.to_dict() for k, v in self._providers.items()},
            "day": self._day,
            "day_cost_usd": self._day_cost,
            "recent": [r.to_dict() for r in self._recent],
        }

    def restore(self, data: Any) -> None:
        """Load totals saved by `snapshot()` (lenient: bad parts are skipped)."""
        if not isinstance(data, dict):
            return
        self._totals = MeterTotals.from_dict(data.get("totals"))
        agents = data.get("agents")
        self._agents = (
            {str(k): MeterTotals.from_dict(v) for k, v in agents.items()}
            if isinstance(agents, dict)
            else {}
        )
        providers = data.get("providers")
        self._providers = (
            {str(k): MeterTotals.from_dict(v) for k, v in providers.items()}
            if isinstance(providers, dict)
            else {}
        )
        self._recent.clear()
        recent = data.get("recent")
        if isinstance(recent, list):
            for item in recent[-(self._recent.maxlen or 1) :]:
                if isinstance(item, dict):
                    try:
                        self._recent.append(CallRecord.from_dict(item))
                    except TypeError:
                        continue
        day = data.get("day")
        cost = data.get("day_cost_usd")
        self._day = self._today()
        self._day_cost = (
            float(cost)
            if day == self._day
            and isinstance(cost, (int, float))
            and not isinstance(cost, bool)
            else 0.0
        )
