"""What a model can take, where it is known: images.

Anthropic, OpenAI and Gemini chat models take images, except a few
text-only families. Local and OpenAI-compatible servers (Ollama, NIM, LM
Studio, vLLM, llama.cpp) serve whatever model the user loaded: a name with a
vision marker (llava, "-vl", "vision", gemma3, ...) takes images; a known
text-only family (llama3.1, qwen2.5, mistral, deepseek-r1, ...) does not; an
unknown name is left to the server (it answers with its own error).
"""

from __future__ import annotations

import re

# Families that take images whatever their size tag (checked first).
_VISION = re.compile(
    r"(llava|bakllava|vision|[-_.:/]vl\b|vl[-_:]|\bvl$|qwen[23](\.5)?-?vl|"
    r"gemma-?3|llama-?4|pixtral|moondream|minicpm-?v|internvl|phi-?4-multimodal|"
    r"mistral-small-?3\.[12]|mistral-medium-?3|granite3\.2-vision|neva|kosmos|"
    r"paligemma|cogvlm|idefics|smolvlm|molmo|nemotron-nano-vl)"
)
# Text-only families (without a vision marker).
_TEXT_ONLY = re.compile(
    r"^(llama-?[23]|meta-llama-3|codellama|mistral|mixtral|codestral|qwen|qwq|"
    r"deepseek|phi-?[1-4]|gemma|gpt-oss|tinyllama|smollm|command-r|granite|"
    r"starcoder|falcon|olmo|gpt-3\.5|o1-mini|o3-mini|text-|davinci|babbage)"
)
_STRIP = (
    "models/",
    "meta/",
    "meta-llama/",
    "mistralai/",
    "qwen/",
    "google/",
    "nvidia/",
    "microsoft/",
    "deepseek-ai/",
    "openai/",
    "ibm/",
    "library/",
)


def _name(model: str) -> str:
    name = model.strip().lower()
    for prefix in _STRIP:
        name = name.removeprefix(prefix)
    return name


def model_takes_images(kind: str, model: str) -> bool:
    """Whether `model` of provider `kind` takes image input (unknown: True)."""
    name = _name(model)
    if _VISION.search(name):
        return True
    if kind == "anthropic":
        return not name.startswith(("claude-2", "claude-instant"))
    if kind == "gemini":
        return True
    return _TEXT_ONLY.match(name) is None
