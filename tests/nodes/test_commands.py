"""main's /nodes, /migrate and remote /agents stop helpers (pure)."""

from __future__ import annotations

from typing import Any

from custom_components.wactorz.nodes import commands


class FakeApi:
    """A node manager stand-in."""

    def __init__(self, nodes: list[dict[str, Any]]) -> None:
        """Remember the calls."""
        self.nodes = nodes
        self.calls: list[tuple[str, ...]] = []

    def snapshot(self) -> list[dict[str, Any]]:
        """Return the nodes."""
        return self.nodes

    async def async_migrate_command(self, agent: str, node: str) -> str:
        """Record a migration."""
        self.calls.append(("migrate", agent, node))
        return f"moved {agent} to {node}"

    async def async_stop_command(self, agent: str) -> str | None:
        """Stop only agents called remote-*."""
        self.calls.append(("stop", agent))
        return f"stopped {agent}" if agent.startswith("remote") else None

    async def async_code_command(self, node: str, agent: str, request: str) -> str:
        """Record a code-agent request."""
        self.calls.append(("code", node, agent, request))
        return f"reviewing {agent} for {node}"


class System:
    """Any weak-referenceable object stands for the actor system."""


NODES = [
    {
        "name": "pi1",
        "online": True,
        "paired": True,
        "version": "0.1.0",
        "errors": 2,
        "agents": [{"name": "echo", "state": "running"}],
        "desired": ["echo", "later"],
    },
    {"name": "pi2", "online": False, "paired": False, "agents": [], "desired": []},
]


async def test_commands_with_a_manager() -> None:
    """/nodes lists, /migrate migrates, /agents stop stops remote agents only."""
    system, api = System(), FakeApi(NODES)
    commands.register(system, api)
    try:
        text = await commands.node_command(system, "/nodes")
        assert text is not None
        assert text.splitlines() == [
            "pi1: online, paired, v0.1.0, 1 agent(s), 2 refused",
            "  @echo: running",
            "  waiting to start: later",
            "pi2: offline, not paired, v?, 0 agent(s), 0 refused",
        ]
        assert await commands.node_command(system, "/migrate @echo pi2") == (
            "moved echo to pi2"
        )
        assert await commands.node_command(system, "/migrate echo") == (
            "Usage: /migrate <agent> <node>"
        )
        assert await commands.node_command(system, "/agents stop remote-1") == (
            "stopped remote-1"
        )
        assert await commands.node_command(system, "/agents stop main") is None
        assert await commands.node_command(system, "/agents") is None
        assert await commands.node_command(system, "/help") is None
        assert await commands.node_command(system, "hello") is None
        code = "/code pi1 @greeter ```python\nclass G(Agent):\n    pass\n```"
        assert await commands.node_command(system, code) == "reviewing greeter for pi1"
        assert await commands.node_command(system, "/code pi1 greeter") == (
            "Usage: /code <node> <name> <what it should do, or ```python code```>"
        )
        assert api.calls == [
            ("migrate", "echo", "pi2"),
            ("stop", "remote-1"),
            ("stop", "main"),
            ("code", "pi1", "greeter", "```python\nclass G(Agent):\n    pass\n```"),
        ]
    finally:
        commands.unregister(system)
    assert commands.nodes_api(system) is None


async def test_commands_without_a_manager() -> None:
    """Without nodes: /nodes says so, /agents stop is left to main."""
    system = System()
    assert "not available" in (await commands.node_command(system, "/nodes") or "")
    assert await commands.node_command(system, "/agents stop x") is None
    assert commands.format_nodes([]).startswith("No remote nodes")
