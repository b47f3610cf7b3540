"""Wire the remote package into a runtime: the NautilusAgent's factory and /deploy."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from ..core import Actor, actor_factory
from . import commands
from .deploy import ChatDeployer
from .nautilus import NautilusAgent
from .trust import async_raise_host_key_issue, get_ssh_client

if TYPE_CHECKING:
    from ..runtime import WactorzRuntime


def nautilus_agent_factory(runtime: WactorzRuntime) -> Callable[[], Actor]:
    """Return the NautilusAgent's factory; make /deploy available to main."""
    hass = runtime.hass
    client = get_ssh_client(hass)
    commands.register(runtime.system, ChatDeployer(runtime, client))
    return actor_factory(
        NautilusAgent,
        client,
        hass.config.is_allowed_path,
        partial(async_raise_host_key_issue, hass),
        runtime.scrubber.scrub,
    )
