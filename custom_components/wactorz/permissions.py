"""Who is asking, from Home Assistant's side: users, admins, and HA itself.

Every chat entry point (panel chat, `wactorz.chat`/`ask`/`send`, Assist, the
LLM tools) turns its user into an `agents.access.Caller` and sends it with
the message. A call without a user (an automation, a script, a voice
satellite) is trusted, as Home Assistant trusts a service call without one;
a user who is not an administrator may watch and ask, but whatever
`is_mutating` says changes the system is refused here with a translated
`Unauthorized` error, and refused again by main and the home agent.
"""

from __future__ import annotations

from typing import Any

from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import Unauthorized

from .agents.access import Caller, is_mutating
from .const import DOMAIN


class AdminRequiredError(Unauthorized):
    """A non-admin user asked for something that changes the system (translated)."""

    def __init__(self, context: Context | None, agent: str) -> None:
        """Refuse `context`'s user for a message to `agent`."""
        super().__init__(context=context, permission="control")
        self.translation_domain = DOMAIN
        self.translation_key = "admin_required"
        self.translation_placeholders = {"agent": agent}
        self.generate_message = True


def user_caller(user: User | None, origin: str) -> Caller:
    """Return the caller of an authenticated user (None: Home Assistant itself)."""
    if user is None:
        return Caller(origin, admin=True)
    return Caller(origin, user.id, user.is_admin)


async def async_caller(
    hass: HomeAssistant, context: Context | None, origin: str
) -> Caller:
    """Return the caller of a service call or an Assist turn.

    No user: trusted (automations, scripts, satellites). An unknown user id is
    trusted with nothing.
    """
    user_id = context.user_id if context is not None else None
    if not user_id:
        return Caller(origin, admin=True)
    user = await hass.auth.async_get_user(user_id)
    return Caller(origin, user_id, user is not None and user.is_admin)


def ensure_allowed(
    caller: Caller, payload: Any, agent: str, context: Context | None = None
) -> None:
    """Raise AdminRequiredError when `caller` may not send `payload` to `agent`."""
    if not caller.admin and is_mutating(payload, agent):
        raise AdminRequiredError(context, agent)
