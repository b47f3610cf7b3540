"""Chat commands about remote nodes, for main: /nodes, /migrate, /agents stop, /code.

Pure (no Home Assistant import): main finds the node manager of its actor
system through `nodes_api(system)`; the manager registers itself with
`register(system, api)` when it starts and `unregister` when it stops. Without
a manager (MQTT absent, nodes not started) the commands say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import re
from typing import Any, Protocol
import weakref

NODE_HELP = (
    "/nodes (remote nodes and their agents), /migrate <agent> <node> "
    "(move an agent with its state), /agents stop <name> (also on nodes), "
    "/code <node> <name> <description or ```python code```> (a code agent for a "
    "node, after review and your confirmation)"
)
_CODE_COMMAND = re.compile(
    r"^/code\s+(\S+)\s+(\S+)\s+(\S.*)$", re.DOTALL | re.IGNORECASE
)
_MAX_LISTED_AGENTS = 20


class NodesApi(Protocol):
    """What the commands need from the node manager."""

    def snapshot(self) -> list[dict[str, Any]]:
        """Return one dict per node (no secrets)."""

    async def async_migrate_command(self, agent: str, node: str) -> str:
        """Migrate and return a one-line outcome (errors as text, never raised)."""

    async def async_stop_command(self, agent: str) -> str | None:
        """Stop a remote agent; None when no node runs it (a local agent then)."""

    async def async_code_command(self, node: str, agent: str, request: str) -> str:
        """Propose a code agent (reviewed; confirmed in a repair); a one-line outcome."""


_APIS: weakref.WeakKeyDictionary[object, NodesApi] = weakref.WeakKeyDictionary()


def register(system: object, api: NodesApi) -> None:
    """Make `api` the node manager of `system` (an ActorSystem)."""
    _APIS[system] = api


def unregister(system: object) -> None:
    """Forget the node manager of `system`."""
    _APIS.pop(system, None)


def nodes_api(system: object) -> NodesApi | None:
    """Return the node manager of `system`, if any."""
    return _APIS.get(system)


def format_nodes(nodes: Sequence[Mapping[str, Any]]) -> str:
    """Return the /nodes answer: one line per node, then its agents."""
    if not nodes:
        return "No remote nodes yet. Start wactorz-edge on a machine and pair it."
    lines: list[str] = []
    for node in nodes:
        status = "online" if node.get("online") else "offline"
        paired = "paired" if node.get("paired") else "not paired"
        version = node.get("version") or "?"
        agents = list(node.get("agents") or [])
        lines.append(
            f"{node.get('name')}: {status}, {paired}, v{version}, "
            f"{len(agents)} agent(s), {node.get('errors', 0)} refused"
        )
        lines.extend(
            f"  @{agent.get('name')}: {agent.get('state')}"
            for agent in agents[:_MAX_LISTED_AGENTS]
        )
        if len(agents) > _MAX_LISTED_AGENTS:
            lines.append(f"  ... and {len(agents) - _MAX_LISTED_AGENTS} more")
        queued = [
            name
            for name in node.get("desired") or []
            if name not in {a.get("name") for a in agents}
        ]
        if queued:
            lines.append(f"  waiting to start: {', '.join(sorted(queued))}")
    return "\n".join(lines)


async def node_command(system: object, text: str) -> str | None:
    """Answer /nodes, /migrate and remote /agents stop; None for other commands.

    `/agents stop <name>` is answered here only when a node runs `<name>`;
    for a local agent this returns None so main handles it as before.
    """
    words = text.split()
    if not words:
        return None
    command = words[0].lower()
    if command not in ("/nodes", "/migrate", "/agents", "/code"):
        return None
    if command == "/agents" and (len(words) != 3 or words[1].lower() != "stop"):
        return None
    api = nodes_api(system)
    if api is None:
        if command == "/agents":
            return None
        return "Remote nodes are not available (is MQTT set up?)."
    if command == "/nodes":
        return format_nodes(api.snapshot())
    if command == "/code":
        match = _CODE_COMMAND.match(text.strip())
        if match is None:
            return (
                "Usage: /code <node> <name> <what it should do, or ```python code```>"
            )
        node, agent, request = match.groups()
        return await api.async_code_command(node, agent.lstrip("@"), request.strip())
    if command == "/migrate":
        if len(words) != 3:
            return "Usage: /migrate <agent> <node>"
        return await api.async_migrate_command(words[1].lstrip("@"), words[2])
    return await api.async_stop_command(words[2].lstrip("@"))
