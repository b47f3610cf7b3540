"""Which models take images, where it is known (unknown local models are left to the server)."""

from __future__ import annotations

import pytest

from custom_components.wactorz.ai.capabilities import model_takes_images


@pytest.mark.parametrize(
    ("kind", "model", "expected"),
    [
        ("anthropic", "claude-sonnet-4-5", True),
        ("anthropic", "claude-instant-1.2", False),
        ("openai", "gpt-4o-mini", True),
        ("openai", "gpt-3.5-turbo", False),
        ("gemini", "models/gemini-2.5-flash", True),
        ("ollama", "llama3.2", False),
        ("ollama", "llama3.2-vision:11b", True),
        ("ollama", "llava:13b", True),
        ("ollama", "gemma3:4b", True),
        ("ollama", "qwen2.5:7b", False),
        ("ollama", "qwen2.5vl:7b", True),
        ("ollama", "deepseek-r1:8b", False),
        ("nvidia_nim", "meta/llama-3.1-8b-instruct", False),
        ("nvidia_nim", "meta/llama-3.2-11b-vision-instruct", True),
        ("openai_compatible", "Qwen/Qwen2.5-VL-7B-Instruct", True),
        ("openai_compatible", "my-finetune", True),  # unknown: the server decides
    ],
)
def test_model_takes_images(kind: str, model: str, expected: bool) -> None:
    """Vision markers win; known text-only families are refused; unknown names pass."""
    assert model_takes_images(kind, model) is expected
