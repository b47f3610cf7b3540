"""The agent API on a real runner: send_to (found, missing), delegate, agents(), restarts with backoff."""

from __future__ import annotations

from typing import Any

from conftest import StartRunner
from edge_harness import Controller
import pytest
from test_e2e import NODE, online

from wactorz_edge import protocol as p
from wactorz_edge.agent import Agent
from wactorz_edge.store import AgentState, Store

pytestmark = pytest.mark.broker

API_USER = """
class ApiUser(Agent):
    async def handle_task(self, payload):
        direct = await self.send_to("echo-api", {"n": 1}, timeout=5)
        delegated = await self.delegate("echo-api", {"n": 2}, timeout=5)
        try:
            await self.send_to("ghost-agent", {"n": 3}, timeout=0.5)
        except Exception as err:
            missing = str(err)
        else:
            missing = None
        return {
            "direct": direct,
            "delegated": delegated,
            "missing": missing,
            "agents": sorted(a["name"] for a in self.agents()),
            "node": self.node,
        }
"""

CRASHER = """
class Crasher(Agent):
    async def on_start(self):
        raise RuntimeError("cannot start")
"""


async def test_send_to_a_missing_agent_is_a_timeout_error_reply(
    controller: Controller, start_runner: StartRunner
) -> None:
    """Nobody answers: the signed request went out, the task fails with the timeout, the agent lives on."""
    await start_runner()
    await online(controller)
    mark = controller.mark()
    await controller.control(
        p.SPAWN,
        {
            "name": "asker-m",
            "class": "forward",
            "config": {"target": "nobody-here", "timeout": 0.5},
        },
    )
    await controller.agent_state("asker-m", "running", since=mark)
    reply = await controller.ask("asker-m", {"q": 1})
    assert reply["ok"] is False
    assert reply["error"] == "TimeoutError: no answer from nobody-here within 0.5 s"
    request = await controller.wait_for("agents/by-name/nobody-here/task", since=mark)
    sender, signed = p.verify_request(
        request, secret=controller.secret, agent_name="nobody-here"
    )
    assert sender == NODE and signed.payload["from"] == f"{NODE}/asker-m"
    error = await controller.wait_for(
        "agents/+/errors", lambda d: d["name"] == "asker-m", since=mark
    )
    assert error["phase"] == "task" and error["type"] == "TimeoutError"
    again = await controller.ask("asker-m", {"q": 2})  # still running, still answering
    assert again["ok"] is False and "nobody-here" in again["error"]


async def test_code_agent_uses_send_to_delegate_and_agents(
    controller: Controller, start_runner: StartRunner
) -> None:
    """A code agent (child process) asks a local agent directly and by delegate, misses a ghost, lists agents."""
    await start_runner(extra=("--allow-code",))
    await online(controller)
    mark = controller.mark()
    await controller.control(
        p.DESIRED_STATE,
        {
            "agents": [
                {"name": "echo-api", "class": "echo"},
                {"name": "api-user", "kind": "code", "source": API_USER},
            ]
        },
    )
    await controller.agent_state("echo-api", "running", since=mark)
    await controller.agent_state("api-user", "running", since=mark, timeout=15)
    reply = await controller.ask("api-user", "go", timeout=15)
    assert reply["ok"] is True, reply
    result = reply["result"]
    assert result["direct"] == {"echo": {"n": 1}, "agent": "echo-api", "node": NODE}
    assert result["delegated"] == {"echo": {"n": 2}, "agent": "echo-api", "node": NODE}
    assert "no answer from ghost-agent within 0.5 s" in result["missing"]
    assert result["agents"] == ["api-user", "echo-api"]
    assert result["node"] == NODE
    ghost = await controller.wait_for("agents/by-name/ghost-agent/task", since=mark)
    sender, signed = p.verify_request(
        ghost, secret=controller.secret, agent_name="ghost-agent"
    )
    assert sender == NODE and signed.payload["from"] == f"{NODE}/api-user"


async def test_restarts_back_off_doubling_then_give_up(
    controller: Controller, start_runner: StartRunner
) -> None:
    """An agent that cannot start: restarts after 0.05, 0.1, 0.2, 0.2 s (capped), then failed."""
    await start_runner(extra=("--allow-code",))
    await online(controller)
    mark = controller.mark()
    restart = {
        "max_restarts": 4,
        "window_s": 300,
        "backoff_s": 0.05,
        "backoff_max_s": 0.2,
    }
    await controller.control(
        p.SPAWN,
        {"name": "crasher", "kind": "code", "source": CRASHER, "restart": restart},
    )
    failed = await controller.agent_state("crasher", "failed", since=mark, timeout=30)
    assert failed["reason"] == "restart budget spent"
    delays = [
        d["reason"]
        for d in controller.matching("agents/+/status", since=mark)
        if d["name"] == "crasher" and d["state"] == "restarting"
    ]
    assert delays == ["in 0.05 s", "in 0.1 s", "in 0.2 s", "in 0.2 s"]
    errors = [
        d
        for d in controller.matching("agents/+/errors", since=mark)
        if d["name"] == "crasher"
    ]
    assert [e["severity"] for e in errors] == ["error"] * 5 + ["fatal"]
    assert all("cannot start" in e["error"] for e in errors[:5])
    beat = await controller.wait_for(
        f"nodes/{NODE}/heartbeat",
        lambda d: any(a["name"] == "crasher" for a in d["agents"]),
        since=controller.mark(),
    )
    (described,) = [a for a in beat["agents"] if a["name"] == "crasher"]
    assert described["state"] == "failed" and described["restarts"] == 4


class _Recorder:
    """NodeServices that records requests and answers them."""

    node = "unit-node"

    def __init__(self) -> None:
        """No calls yet."""
        self.requests: list[tuple[str, str, Any, float]] = []

    async def request(
        self, sender: str, target: str, payload: Any, timeout: float
    ) -> Any:
        """Record and answer."""
        self.requests.append((sender, target, payload, timeout))
        return {"answered": payload}

    def agent_list(self) -> list[dict[str, Any]]:
        """Describe one agent."""
        return [{"name": "someone"}]


async def test_builtin_delegate_and_agents_go_through_the_node(tmp_path: Any) -> None:
    """In-process agents: delegate is send_to (same sender, target, timeout); agents() asks the node."""
    services = _Recorder()
    agent = Agent(
        name="me",
        agent_id="id-me",
        config={},
        services=services,  # type: ignore[arg-type]
        state=AgentState(Store(tmp_path), "me"),
    )
    assert await agent.delegate("other", {"x": 1}, timeout=3) == {"answered": {"x": 1}}
    assert await agent.send_to("other", 2) == {"answered": 2}
    assert services.requests == [
        ("me", "other", {"x": 1}, 3),
        ("me", "other", 2, 30.0),
    ]
    assert agent.agents() == [{"name": "someone"}]
    assert agent.node == "unit-node"
