"""Dated pricing table (USD per 1M tokens) with longest-prefix model matching.

Rules:
- The LONGEST matching key wins, so `gpt-4o-mini` never bills at `gpt-4o`
  prices (the original Wactorz took the first key in table order and did).
- A key matches a model when the model equals it or continues it after a
  separator (`-`, `:`, `@`, `/`): `claude-sonnet-4-5` matches
  `claude-sonnet-4-5-20250929`, but `gpt-5` does NOT match `gpt-5.4` (a
  different, differently priced model): unknown beats wrong.
- Provider prefixes such as `models/` (Gemini) and `anthropic/` are ignored.
- User overrides win over the built-in table (same matching rules).
- Unknown models cost `None` ("unknown"), never 0.0. Local and free
  providers (Ollama, NVIDIA NIM's free endpoints) cost 0.0 for any model.

Sources (read on PRICING_DATE): Anthropic's pricing page and model pages
(platform.claude.com), OpenAI's pricing page (as quoted by several dated
2026 price trackers), and for Gemini the table of the Wactorz architecture
seed (section 9). Prices change: users can override any row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import math
from typing import Any

from .types import Usage

PRICING_DATE = "2026-11-25"

_SEPARATORS = frozenset("-:@/")
# Prefixes some APIs put in front of model ids; stripped before matching.
_STRIP_PREFIXES = ("models/", "anthropic/", "openai/", "google/")


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """USD per 1M tokens.

    `cached_input` / `cache_write` None mean "billed as ordinary input".
    When `long_context_threshold` is set, a call whose prompt is larger uses
    the `long_*` rates for all its tokens.
    """

    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None
    long_context_threshold: int | None = None
    long_input: float | None = None
    long_output: float | None = None
    long_cached_input: float | None = None

    @property
    def is_free(self) -> bool:
        """Whether every rate is zero."""
        return (
            self.input == 0.0
            and self.output == 0.0
            and not self.cached_input
            and not self.cache_write
            and not self.long_input
            and not self.long_output
        )

    def cost(self, usage: Usage) -> float:
        """Return the USD cost of `usage` at these rates."""
        inp, out, cached = self.input, self.output, self.cached_input
        if (
            self.long_context_threshold is not None
            and usage.input_tokens > self.long_context_threshold
        ):
            inp = self.long_input if self.long_input is not None else inp
            out = self.long_output if self.long_output is not None else out
            cached = (
                self.long_cached_input if self.long_cached_input is not None else cached
            )
        cached_tokens = min(usage.cached_input_tokens, usage.input_tokens)
        write_tokens = min(
            usage.cache_write_input_tokens, usage.input_tokens - cached_tokens
        )
        plain = usage.input_tokens - cached_tokens - write_tokens
        total = (
            plain * inp
            + cached_tokens * (cached if cached is not None else inp)
            + write_tokens * (self.cache_write if self.cache_write is not None else inp)
            + usage.output_tokens * out
        )
        return total / 1_000_000

    def to_dict(self) -> dict[str, Any]:
        """Serialise (omitting unset fields)."""
        data: dict[str, Any] = {"input": self.input, "output": self.output}
        for key in (
            "cached_input",
            "cache_write",
            "long_context_threshold",
            "long_input",
            "long_output",
            "long_cached_input",
        ):
            if (value := getattr(self, key)) is not None:
                data[key] = value
        return data

    @classmethod
    def from_value(
        cls, value: ModelPrice | Mapping[str, Any] | tuple[float, ...]
    ) -> ModelPrice:
        """Build from a ModelPrice, a mapping or an (input, output[, cached]) tuple."""
        if isinstance(value, ModelPrice):
            return value
        if isinstance(value, tuple):
            if len(value) not in (2, 3):
                raise ValueError("a price tuple is (input, output[, cached_input])")
            rates = [float(v) for v in value]
            return cls(rates[0], rates[1], rates[2] if len(rates) == 3 else None)
        known = {
            "input",
            "output",
            "cached_input",
            "cache_write",
            "long_context_threshold",
            "long_input",
            "long_output",
            "long_cached_input",
        }
        unknown = set(value) - known
        if unknown:
            raise ValueError(f"unknown price fields: {sorted(unknown)}")
        if "input" not in value or "output" not in value:
            raise ValueError("a price needs 'input' and 'output' (USD per 1M tokens)")
        kwargs: dict[str, Any] = {}
        for key, raw in value.items():
            if raw is None:
                continue
            number = int(raw) if key == "long_context_threshold" else float(raw)
            if not math.isfinite(number) or number < 0:
                raise ValueError(f"price field {key!r} must be a finite number >= 0")
            kwargs[key] = number
        return cls(**kwargs)


def _p(
    inp: float,
    out: float,
    cached: float | None = None,
    write: float | None = None,
) -> ModelPrice:
    return ModelPrice(inp, out, cached, write)


# fmt: off
DEFAULT_PRICES: dict[str, ModelPrice] = {
    # --- Anthropic (platform.claude.com pricing page; cache write = 5-minute TTL) ---
    "claude-fable-5-1": _p(10.0, 50.0, 0.25, 12.5),
    "claude-mythos-5-1": _p(10.0, 50.0, 0.25, 12.5),
    "claude-fable-5": _p(10.0, 50.0, 1.0, 12.5),
    "claude-mythos-5": _p(10.0, 50.0, 1.0, 12.5),
    "claude-opus-5-5": _p(4.0, 20.0, 0.2, 5.0),
    "claude-opus-5": _p(5.0, 25.0, 0.5, 6.25),
    "claude-opus-4-8": _p(5.0, 25.0, 0.5, 6.25),
    "claude-opus-4-7": _p(5.0, 25.0, 0.5, 6.25),
    "claude-opus-4-6": _p(5.0, 25.0, 0.5, 6.25),
    "claude-opus-4-5": _p(5.0, 25.0, 0.5, 6.25),
    "claude-opus-4-1": _p(15.0, 75.0, 1.5, 18.75),
    "claude-opus-4-0": _p(15.0, 75.0, 1.5, 18.75),
    "claude-opus-4-2025": _p(15.0, 75.0, 1.5, 18.75),  # claude-opus-4-20250514
    "claude-sonnet-5-5": _p(2.0, 10.0, 0.1, 2.5),  # cache read cut to $0.10 on 2026-10-07
    "claude-sonnet-5": _p(2.0, 10.0, 0.2, 2.5),
    "claude-sonnet-4-6": _p(3.0, 15.0, 0.3, 3.75),
    "claude-sonnet-4-5": _p(3.0, 15.0, 0.3, 3.75),
    "claude-sonnet-4-0": _p(3.0, 15.0, 0.3, 3.75),
    "claude-sonnet-4-2025": _p(3.0, 15.0, 0.3, 3.75),  # claude-sonnet-4-20250514
    "claude-3-7-sonnet": _p(3.0, 15.0, 0.3, 3.75),
    "claude-3-5-sonnet": _p(3.0, 15.0, 0.3, 3.75),
    # Haiku 5.5: rates for prompts up to 100k tokens; longer prompts cost 5x.
    "claude-haiku-5-5": ModelPrice(0.1, 0.5, 0.01, 0.125, 100_000, 0.5, 2.5, 0.05),
    "claude-haiku-4-5": _p(1.0, 5.0, 0.1, 1.25),
    "claude-3-5-haiku": _p(0.8, 4.0, 0.08, 1.0),
    "claude-3-haiku": _p(0.25, 1.25, 0.03, 0.3),
    "claude-3-opus": _p(15.0, 75.0, 1.5, 18.75),
    # --- OpenAI (standard tier, short context) ---
    "gpt-5.5": _p(5.0, 30.0, 0.5),
    "gpt-5.5-pro": _p(30.0, 180.0),
    "gpt-5.4": _p(2.5, 15.0, 0.25),
    "gpt-5.4-mini": _p(0.75, 4.5, 0.075),
    "gpt-5.4-nano": _p(0.2, 1.25, 0.02),
    "gpt-5.4-pro": _p(30.0, 180.0),
    "gpt-5.2": _p(1.75, 14.0, 0.175),
    "gpt-5.1": _p(1.25, 10.0, 0.125),
    "gpt-5": _p(1.25, 10.0, 0.125),
    "gpt-5-mini": _p(0.25, 2.0, 0.025),
    "gpt-5-nano": _p(0.05, 0.4, 0.005),
    "gpt-4.1": _p(2.0, 8.0, 0.5),
    "gpt-4.1-mini": _p(0.4, 1.6, 0.1),
    "gpt-4.1-nano": _p(0.1, 0.4, 0.025),
    "gpt-4o": _p(2.5, 10.0, 1.25),
    "gpt-4o-mini": _p(0.15, 0.6, 0.075),
    "gpt-5-pro": _p(15.0, 120.0),
    "o1": _p(15.0, 60.0, 7.5),
    "o1-mini": _p(1.1, 4.4, 0.55),
    "o1-pro": _p(150.0, 600.0),
    "o3": _p(2.0, 8.0, 0.5),
    "o3-mini": _p(1.1, 4.4, 0.55),
    "o3-pro": _p(20.0, 80.0),
    "o4-mini": _p(1.1, 4.4, 0.275),
    # --- Google Gemini (seed section 9; Pro models cost 2x above 200k prompt tokens) ---
    "gemini-2.5-flash-lite": _p(0.1, 0.4),
    "gemini-2.0-flash": _p(0.1, 0.4),
    "gemini-2.5-flash": _p(0.3, 2.5),
    "gemini-2.5-pro": ModelPrice(1.25, 10.0, None, None, 200_000, 2.5, 20.0),
    "gemini-3.1-pro": ModelPrice(2.0, 12.0, None, None, 200_000, 4.0, 24.0),
}
# fmt: on

FREE = ModelPrice(0.0, 0.0)

# Provider kinds whose every model is free unless the user overrides it:
# Ollama runs locally; NVIDIA NIM's hosted API endpoints are free (credit-based
# developer access). Generic OpenAI-compatible servers are NOT assumed free.
FREE_PROVIDER_KINDS = frozenset({"ollama", "nvidia_nim"})
# Provider kinds that bill per token (an unknown model there is still paid).
PAID_PROVIDER_KINDS = frozenset({"anthropic", "openai", "gemini"})


def normalize_model(model: str) -> str:
    """Lower-case the model id and strip API prefixes such as `models/`."""
    name = model.strip().lower()
    for prefix in _STRIP_PREFIXES:
        name = name.removeprefix(prefix)
    return name


def _longest_match(table: Mapping[str, ModelPrice], name: str) -> ModelPrice | None:
    best_key: str | None = None
    for key in table:
        if (
            name == key
            or (name.startswith(key) and name[len(key)] in _SEPARATORS)
            or key.endswith(("-2025", "-2026"))
            and name.startswith(key)
        ) and (best_key is None or len(key) > len(best_key)):
            best_key = key
    return table[best_key] if best_key is not None else None


class PricingTable:
    """Model prices: user overrides first, then the built-in dated table."""

    def __init__(
        self,
        overrides: Mapping[str, ModelPrice | Mapping[str, Any] | tuple[float, ...]]
        | None = None,
        *,
        base: Mapping[str, ModelPrice] | None = None,
        date: str = PRICING_DATE,
    ) -> None:
        """Use `base` (default: DEFAULT_PRICES) with `overrides` on top."""
        self.date = date
        self._base = {
            normalize_model(k): v for k, v in (base or DEFAULT_PRICES).items()
        }
        self._overrides: dict[str, ModelPrice] = {
            normalize_model(k): ModelPrice.from_value(v)
            for k, v in (overrides or {}).items()
        }

    @property
    def overrides(self) -> dict[str, ModelPrice]:
        """The user overrides (normalised keys)."""
        return dict(self._overrides)

    def price(self, model: str, provider_kind: str | None = None) -> ModelPrice | None:
        """Return the price of `model`, or None when it is unknown.

        An override matching the model wins over everything; then local/free
        provider kinds are free; then the built-in table.
        """
        name = normalize_model(model)
        if (found := _longest_match(self._overrides, name)) is not None:
            return found
        if provider_kind in FREE_PROVIDER_KINDS:
            return FREE
        return _longest_match(self._base, name)

    def cost(
        self, model: str, usage: Usage, provider_kind: str | None = None
    ) -> float | None:
        """Return the USD cost of `usage`, or None when the model's price is unknown."""
        price = self.price(model, provider_kind)
        return None if price is None else price.cost(usage)

    def is_paid(self, model: str, provider_kind: str | None = None) -> bool:
        """Whether calls to `model` cost money (unknown models of paid kinds count as paid)."""
        price = self.price(model, provider_kind)
        if price is not None:
            return not price.is_free
        return provider_kind in PAID_PROVIDER_KINDS


MAX_OVERRIDES = 100
MAX_RATE = 10_000.0  # USD per 1M tokens; anything above is a typo


def parse_overrides(text: str) -> dict[str, ModelPrice]:
    """Parse the user's price lines: `model-prefix: input, output[, cached_input]`.

    Rates are USD per 1M tokens. Blank lines and `#` comments are skipped; the
    model may contain `:` (Ollama tags): the rates follow the last one.
    Raises ValueError naming the first bad line.
    """
    prices: dict[str, ModelPrice] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        model, sep, rates = line.rpartition(":")
        model = normalize_model(model)
        if not sep or not model or any(ch.isspace() for ch in model):
            raise ValueError(f"line {number}: write `model-prefix: input, output`")
        try:
            values = tuple(float(v) for v in rates.split(","))
        except ValueError:
            raise ValueError(f"line {number}: rates must be numbers") from None
        if len(values) not in (2, 3):
            raise ValueError(
                f"line {number}: give input and output (and optionally cached input)"
            )
        if not all(math.isfinite(v) and 0 <= v <= MAX_RATE for v in values):
            raise ValueError(f"line {number}: rates must be between 0 and {MAX_RATE:g}")
        if model in prices:
            raise ValueError(f"line {number}: {model} is listed twice")
        prices[model] = ModelPrice.from_value(values)
        if len(prices) > MAX_OVERRIDES:
            raise ValueError(f"at most {MAX_OVERRIDES} price lines")
    return prices


def format_overrides(prices: Mapping[str, ModelPrice]) -> str:
    """Write overrides back as the lines `parse_overrides` reads."""
    lines = []
    for model, price in prices.items():
        rates = [price.input, price.output]
        if price.cached_input is not None:
            rates.append(price.cached_input)
        lines.append(f"{model}: {', '.join(f'{rate:.10g}' for rate in rates)}")
    return "\n".join(lines)
