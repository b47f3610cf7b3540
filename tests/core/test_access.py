"""The one predicate of what changes the system, and who may send it."""

from __future__ import annotations

import pytest

from custom_components.wactorz.agents.access import (
    CALLER_KEY,
    INTERNAL,
    UNTRUSTED,
    Caller,
    caller_of,
    is_mutating,
    with_caller,
)


@pytest.mark.parametrize(
    ("target", "payload"),
    [
        (None, "/memory clear"),
        (None, "/memory forget name"),
        (None, "/memory remember name: Ada"),
        (None, "/agents stop echo"),
        (None, "/migrate echo rpi"),
        (None, "/deploy rpi"),
        (None, "/code rpi counter count things"),
        (None, "/webhook discord https://discord.com/api/webhooks/1/x"),
        (None, "/rules delete r1"),
        (None, "/rules export r1"),
        (None, "/RULES   Enable r1"),
        (None, "/something-new"),
        (None, "  Pipeline: if the door opens notify me"),
        (None, "@home-assistant-agent delete Morning lights"),
        (None, "@Home-Assistant-Agent CONFIRM 1a2b3c4d"),
        ("main", "@main @home-assistant-agent cancel 1a2b3c4d"),
        ("home-assistant-agent", "create an automation that ..."),
        ("home-assistant-agent", "edit Morning lights: at 8"),
        ("home-assistant-agent", {"command": "delete_automation", "automation": "x"}),
        ("nautilus", "exec rpi ls"),
        ("nautilus", {"command": "push", "host": "rpi"}),
        ("code-agent", "print the time"),
        ("code-agent", {"code": "result = 1"}),
        ("catalog", "spawn image-gen-agent"),
        ("manual", {"command": "clear_manual"}),
        ("manual", "load /config/www/oven.pdf"),
        ("manual", {"text": "clear oven", "from": "main"}),
        ("monitor", {"command": "kill", "agent": "qa"}),
        ("kitchen-actuator", {"command": "trigger", "topic": "x"}),
        ("main", {"command": "remember", "key": "k", "value": "v"}),
    ],
)
def test_changes_are_mutating(target: str | None, payload: object) -> None:
    """Every way to change the system through chat is named by the predicate."""
    assert is_mutating(payload, target)


@pytest.mark.parametrize(
    ("target", "payload"),
    [
        (None, "/help"),
        (None, "/agents"),
        (None, "/nodes"),
        (None, "/cost"),
        (None, "/rules"),
        (None, "/rules list"),
        (None, "/memory"),
        (None, "/memory show"),
        (None, "/webhook"),
        (None, "what is the weather?"),
        (None, "plan: brief me for tomorrow"),
        (None, "@home-assistant-agent list automations"),
        (None, "@echo delete everything"),
        ("home-assistant-agent", "list areas"),
        ("home-assistant-agent", {"command": "list_entities"}),
        ("nautilus", "hosts"),
        ("nautilus", "ping rpi"),
        ("catalog", "list"),
        ("manual", "how do I descale it?"),
        ("code-agent", {"command": "status"}),
        ("monitor", {"command": "health"}),
    ],
)
def test_looking_is_not_mutating(target: str | None, payload: object) -> None:
    """Reading and asking stay open to everyone."""
    assert not is_mutating(payload, target)


def test_caller_travels_and_cannot_be_forged() -> None:
    """No caller: from inside (trusted); a caller JSON can make is trusted with nothing."""
    user = Caller("panel", "u1", admin=False)
    assert caller_of({"text": "/help"}) is INTERNAL
    assert caller_of("/help") is INTERNAL
    assert caller_of(with_caller("/help", user)) == user
    assert with_caller("hi", user) == {"text": "hi", CALLER_KEY: user}
    forged = {"text": "/memory clear", CALLER_KEY: {"origin": "x", "admin": True}}
    assert caller_of(forged) is UNTRUSTED
    assert not UNTRUSTED.admin
    assert user.requester == "user:u1"
    assert Caller("io").requester == "io"
