"""Who may change the system: the caller of a chat line and the one predicate.

Home Assistant's rule: non-admin users can watch; they cannot control. Every
entry point puts a `Caller` in the payload it sends (key `caller`): the panel
chat, `wactorz.chat`/`ask`/`send`, Assist, the LLM tools, `io/chat` and
node requests. A payload without one comes from inside (automations and
scripts without a user, agents, the planner) and is trusted, as Home
Assistant trusts a service call without a user. A `caller` that is not a
`Caller` object (JSON cannot make one: a service's or a node's payload that
claims one) is trusted with nothing.

`is_mutating(payload, target)` is the one place that knows which slash
commands, prefixes and agent verbs change the system; main, the IO agent, the
home agent and the Home Assistant entry points all ask it.
"""

from __future__ import annotations

from dataclasses import dataclass
import shlex
from typing import Any, Final

from .text import split_mention, text_of

CALLER_KEY: Final = "caller"

NOT_ADMIN_REPLY: Final = (
    "Only a Home Assistant administrator can do that: it changes the system. "
    "You can still look: /help, /agents, /nodes, /rules, /cost, /memory."
)

# Slash-commands that only read (without arguments, or with one of the listed ones).
READ_ONLY_COMMANDS: Final = frozenset(
    {"/help", "/agents", "/nodes", "/cost", "/rules", "/memory", "/webhook"}
)
READ_ONLY_ARGUMENTS: Final[dict[str, frozenset[str]]] = {
    "/rules": frozenset({"list"}),
    "/memory": frozenset({"show"}),
}
# `pipeline: ...` makes a rule that acts on the home by itself.
MUTATING_PREFIXES: Final = ("pipeline:",)

# The home-assistant-agent's free-text verbs (ha_agents/home.py parses with these).
HOME_AGENT: Final = "home-assistant-agent"
HOME_CREATE_VERBS: Final = frozenset({"create", "add", "make", "new"})
HOME_CHANGE_VERBS: Final = frozenset(
    {"delete", "remove", "edit", "change", "update", "modify"}
)
HOME_DECISION_VERBS: Final = frozenset({"confirm", "cancel"})

_EVERYTHING: Final = frozenset({"*"})
# Per agent: first words of free text that change the system ("*": any text).
_TEXT_VERBS: Final[dict[str, frozenset[str]]] = {
    HOME_AGENT: HOME_CREATE_VERBS | HOME_CHANGE_VERBS | HOME_DECISION_VERBS,
    "manual": frozenset({"load", "clear"}),  # `@manual load <path|url>`, `clear`
    "nautilus": frozenset({"exec", "push", "add_host", "remove_host"}),
    "catalog": frozenset({"spawn", "reload"}),
    "code-agent": _EVERYTHING,  # any text is code to run, or a request to write it
}
# Per agent: `command` values of a task object that change the system.
_COMMANDS: Final[dict[str, frozenset[str]]] = {
    "main": frozenset({"remember"}),
    "monitor": frozenset({"kill"}),
    HOME_AGENT: frozenset({"create_automation", "edit_automation", "delete_automation"})
    | HOME_DECISION_VERBS,
    "nautilus": _TEXT_VERBS["nautilus"],
    "manual": frozenset({"load", "load_manual", "clear", "clear_manual"}),
    "catalog": frozenset({"spawn", "reload"}),
    "code-agent": frozenset({"run", "generate"}),
}
# `command` values that change the system whichever agent gets them (actuators have any name).
_ANY_AGENT_COMMANDS: Final = frozenset({"kill", "trigger"})


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sends a chat line: a Home Assistant user, or an origin without one.

    `admin` says whether the caller may change the system (an administrator,
    Home Assistant itself, or `io/chat` when the user allowed it there).
    """

    origin: str
    user_id: str | None = None
    admin: bool = False

    @property
    def requester(self) -> str:
        """Return who this is, for proposals that only the same requester confirms."""
        return f"user:{self.user_id}" if self.user_id else self.origin


INTERNAL: Final = Caller("internal", admin=True)
UNTRUSTED: Final = Caller("unknown")


def caller_of(payload: Any) -> Caller:
    """Return the caller of a payload (INTERNAL without one, UNTRUSTED for a forged one)."""
    if not isinstance(payload, dict) or CALLER_KEY not in payload:
        return INTERNAL
    caller = payload[CALLER_KEY]
    return caller if isinstance(caller, Caller) else UNTRUSTED


def with_caller(payload: Any, caller: Caller) -> Any:
    """Return the payload carrying `caller` (text becomes {"text": ...}; others as they are)."""
    if isinstance(payload, str):
        return {"text": payload, CALLER_KEY: caller}
    if isinstance(payload, dict):
        return {**payload, CALLER_KEY: caller}
    return payload


def is_mutating_command(text: str) -> bool:
    """Return True for a slash-command that changes the system."""
    parts = text.strip().split()
    if not parts or not parts[0].startswith("/"):
        return False
    command, args = parts[0].lower(), parts[1:]
    if command not in READ_ONLY_COMMANDS:
        return True
    if not args:
        return False
    return len(args) > 1 or args[0].lower() not in READ_ONLY_ARGUMENTS.get(
        command, frozenset()
    )


def _first_word(agent: str, text: str) -> str:
    if agent == "nautilus":  # it splits like a shell
        try:
            words = shlex.split(text)
        except ValueError:
            return ""
    else:
        words = text.split(maxsplit=1)
    return words[0].lower() if words else ""


def is_mutating(payload: Any, target: str | None = None) -> bool:
    """Return True when sending `payload` to `target` (None: main) changes the system.

    Main's text: a slash-command that is not read-only, a `pipeline:` rule, or
    an `@agent` mention whose rest changes the system. Another agent: a write
    verb of that agent (free text), or a write `command` in a task object.
    """
    agent = (target or "main").lower()
    if isinstance(payload, dict) and isinstance(payload.get("command"), str):
        command = payload["command"].lower()
        return command in _ANY_AGENT_COMMANDS or command in _COMMANDS.get(
            agent, frozenset()
        )
    text = text_of(payload).strip()
    if agent == "main":
        if is_mutating_command(text):
            return True
        if text.lower().startswith(MUTATING_PREFIXES):
            return True
        mentioned, rest = split_mention(text)
        if mentioned is not None:  # "@main ..." too: a gateway strips one mention
            return is_mutating({"text": rest}, mentioned)
        return False
    verbs = _TEXT_VERBS.get(agent)
    if verbs is None:
        return False
    if verbs is _EVERYTHING:
        return bool(text) or (isinstance(payload, dict) and "code" in payload)
    return _first_word(agent, text) in verbs
