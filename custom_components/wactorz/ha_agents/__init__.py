"""Agents that work inside Home Assistant (registries, states), on top of the core."""
