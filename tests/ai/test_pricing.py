"""The dated pricing table and its longest-prefix matching."""

from __future__ import annotations

import re

import pytest

from custom_components.wactorz.ai import PRICING_DATE, ModelPrice, PricingTable, Usage
from custom_components.wactorz.ai.pricing import (
    DEFAULT_PRICES,
    format_overrides,
    parse_overrides,
)

MILLION = Usage(1_000_000, 1_000_000)


def test_pricing_is_dated() -> None:
    """The table says when it was read."""
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", PRICING_DATE)
    assert PricingTable().date == PRICING_DATE


def test_longest_prefix_wins_whatever_the_table_order() -> None:
    """gpt-4o-mini is never billed at gpt-4o prices (the original Wactorz bug)."""
    table = PricingTable()
    assert table.cost("gpt-4o-mini", MILLION) == pytest.approx(0.75)
    assert table.cost("gpt-4o-mini-2024-07-18", MILLION) == pytest.approx(0.75)
    assert table.cost("gpt-4o", MILLION) == pytest.approx(12.5)
    assert table.cost("gpt-4o-2024-08-06", MILLION) == pytest.approx(12.5)
    # Same with a table where the shorter key comes first.
    ordered = PricingTable(
        base={"gpt-4o": ModelPrice(2.5, 10), "gpt-4o-mini": ModelPrice(0.15, 0.6)}
    )
    assert ordered.cost("gpt-4o-mini-2024-07-18", MILLION) == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
        ("claude-opus-4-20250514", "claude-opus-4-2025"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4-2025"),
        ("claude-3-5-haiku-20241022", "claude-3-5-haiku"),
        ("models/gemini-2.5-flash", "gemini-2.5-flash"),
        ("gemini-2.5-flash-lite-preview-06-17", "gemini-2.5-flash-lite"),
        ("o3-mini-2025-01-31", "o3-mini"),
        ("o3-2025-04-16", "o3"),
    ],
)
def test_dated_and_prefixed_ids_match_their_family(model: str, family: str) -> None:
    """Dated suffixes and API prefixes resolve to the family's price."""
    assert PricingTable().price(model) == DEFAULT_PRICES[family]


@pytest.mark.parametrize(
    "model",
    [
        "gpt-5.9",
        "claude-sonnet-9",
        "gemini-3-pro-preview",
        "llama3.2",
        "gpt-4omni",
        "o3x",
    ],
)
def test_unknown_models_cost_none(model: str) -> None:
    """Unknown (or only superficially similar) models are unknown, not free."""
    table = PricingTable()
    assert table.price(model) is None
    assert table.cost(model, MILLION) is None


def test_separator_rule() -> None:
    """gpt-5 does not price gpt-5.4 (a different model); it does price gpt-5-2025-08-07."""
    table = PricingTable()
    assert table.price("gpt-5.4") == DEFAULT_PRICES["gpt-5.4"]
    assert table.price("gpt-5-2025-08-07") == DEFAULT_PRICES["gpt-5"]
    assert table.price("gpt-5.4-mini-2026-03-01") == DEFAULT_PRICES["gpt-5.4-mini"]


def test_free_and_unknown_provider_kinds() -> None:
    """Ollama and NIM are free; a generic compatible server is unknown."""
    table = PricingTable()
    assert table.cost("llama3.2:latest", MILLION, "ollama") == 0.0
    assert table.cost("meta/llama-3.1-8b-instruct", MILLION, "nvidia_nim") == 0.0
    assert table.cost("mystery", MILLION, "openai_compatible") is None
    assert not table.is_paid("llama3.2", "ollama")
    assert not table.is_paid("mystery", "openai_compatible")
    assert table.is_paid("gpt-9-ultra", "openai")  # unknown but a paid cloud
    assert table.is_paid("claude-sonnet-4-5", "anthropic")


def test_overrides_win() -> None:
    """User overrides beat the table, also for local kinds and unknown models."""
    table = PricingTable(
        {
            "gpt-4o-mini": {"input": 1.0, "output": 1.0},
            "my-local": (0.5, 0.5),
            "llama3.2": ModelPrice(0.1, 0.1),
        }
    )
    assert table.cost("gpt-4o-mini-2024-07-18", MILLION) == pytest.approx(2.0)
    assert table.cost("gpt-4o", MILLION) == pytest.approx(12.5)  # not overridden
    assert table.cost("my-local", MILLION, "openai_compatible") == pytest.approx(1.0)
    assert table.cost("llama3.2", MILLION, "ollama") == pytest.approx(0.2)
    assert set(table.overrides) == {"gpt-4o-mini", "my-local", "llama3.2"}


@pytest.mark.parametrize(
    "bad",
    [
        {"input": 1.0},
        {"input": -1, "output": 1},
        {"input": 1, "output": 1, "surprise": 2},
        (1.0,),
    ],
)
def test_invalid_overrides_rejected(bad: object) -> None:
    """Malformed user prices are refused."""
    with pytest.raises(ValueError):
        PricingTable({"x": bad})  # type: ignore[dict-item]


def test_cached_and_cache_write_rates() -> None:
    """Cached reads and cache writes use their own rates (Anthropic)."""
    price = DEFAULT_PRICES["claude-sonnet-4-5"]
    usage = Usage(
        input_tokens=1_000_000,
        output_tokens=0,
        cached_input_tokens=500_000,
        cache_write_input_tokens=100_000,
    )
    expected = 0.4 * 3.0 + 0.5 * 0.3 + 0.1 * 3.75
    assert price.cost(usage) == pytest.approx(expected)
    # Without a cached rate, cached tokens are billed as plain input.
    assert ModelPrice(1.0, 1.0).cost(Usage(1_000_000, 0, 1_000_000)) == pytest.approx(
        1.0
    )


def test_long_context_tier() -> None:
    """Gemini Pro prompts above 200k tokens cost twice as much (seed section 9)."""
    price = DEFAULT_PRICES["gemini-2.5-pro"]
    assert price.cost(Usage(200_000, 0)) == pytest.approx(0.25)
    assert price.cost(Usage(200_001, 0)) == pytest.approx(200_001 * 2.5 / 1e6)


def test_seed_gemini_table() -> None:
    """The Gemini rows are the seed's."""
    expected = {
        "gemini-2.5-flash-lite": (0.10, 0.40),
        "gemini-2.0-flash": (0.10, 0.40),
        "gemini-2.5-flash": (0.30, 2.50),
        "gemini-2.5-pro": (1.25, 10.00),
        "gemini-3.1-pro": (2.00, 12.00),
    }
    for model, (inp, out) in expected.items():
        assert (DEFAULT_PRICES[model].input, DEFAULT_PRICES[model].output) == (inp, out)


def test_round_trip_to_dict() -> None:
    """A price serialises to a dict that builds the same price."""
    price = DEFAULT_PRICES["claude-haiku-5-5"]
    assert ModelPrice.from_value(price.to_dict()) == price


def test_user_price_lines_are_parsed_and_win() -> None:
    """The options' lines: an Ollama tag with `:` works, comments are skipped, prefixes match."""
    lines = "# mine\n llama3.2:3b: 0.1, 0.2\nGPT-4o-mini: 1, 2, 0.5\n\n"
    prices = parse_overrides(lines)
    assert prices == {
        "llama3.2:3b": ModelPrice(0.1, 0.2),
        "gpt-4o-mini": ModelPrice(1.0, 2.0, 0.5),
    }
    assert parse_overrides(format_overrides(prices)) == prices
    table = PricingTable(prices)
    assert table.cost("gpt-4o-mini-2024-07-18", MILLION) == pytest.approx(3.0)
    assert table.cost("gpt-4o", MILLION) == pytest.approx(12.5)  # built-in still there
    assert table.cost("llama3.2:3b", MILLION, "ollama") == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("gpt-4o 1, 2", "line 1"),
        ("gpt-4o: 1", "input and output"),
        ("gpt-4o: one, two", "numbers"),
        ("ok: 1, 2\ngpt-4o: -1, 2", "line 2"),
        ("gpt-4o: 1, inf", "between"),
        ("gpt-4o: 1, 2\ngpt-4o: 3, 4", "twice"),
        ("my model: 1, 2", "line 1"),
        ("\n".join(f"m{i}: 1, 2" for i in range(101)), "at most"),
    ],
)
def test_bad_price_lines_say_what_is_wrong(text: str, problem: str) -> None:
    """A bad line is refused with its number or the reason (never half applied)."""
    with pytest.raises(ValueError, match=problem):
        parse_overrides(text)
