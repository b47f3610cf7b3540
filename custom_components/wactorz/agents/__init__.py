"""Built-in agents. Pure asyncio actors on the core; HA access is injected."""
