"""/deploy for main (pure: no Home Assistant import).

The deployer registers itself for its actor system (`register`); main answers
`/deploy <node> [<ssh-host>]` through `deploy_command`. The target must be an
SSH host an administrator named (wactorz.nautilus_add_host), by default the one
named like the node: chat never takes an address, a user or a password.
"""

from __future__ import annotations

from typing import Protocol
import weakref

DEPLOY_HELP = (
    "/deploy <node> [<ssh-host>] (install the edge runner over SSH on the named host "
    "and start it as a systemd user service)"
)


class DeployApi(Protocol):
    """What /deploy needs."""

    async def async_deploy_command(self, node: str, host: str) -> str:
        """Start a deployment; return a one-line answer (errors as text)."""


_APIS: weakref.WeakKeyDictionary[object, DeployApi] = weakref.WeakKeyDictionary()


def register(system: object, api: DeployApi) -> None:
    """Make `api` the deployer of `system` (an ActorSystem)."""
    _APIS[system] = api


def unregister(system: object) -> None:
    """Forget the deployer of `system`."""
    _APIS.pop(system, None)


async def deploy_command(system: object, text: str) -> str | None:
    """Answer /deploy; None for other commands."""
    words = text.split()
    if not words or words[0].lower() != "/deploy":
        return None
    if len(words) not in (2, 3):
        return "Usage: /deploy <node> [<ssh-host>]"
    api = _APIS.get(system)
    if api is None:
        return "Deploying nodes is not available (is Wactorz loaded with MQTT?)."
    node = words[1]
    return await api.async_deploy_command(node, words[2] if len(words) == 3 else node)
