"""Tests of the pure LLM layer (providers through real SDKs, pricing, gateway)."""
