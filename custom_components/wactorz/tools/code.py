"""CodeAgent: Python from a task or from the LLM, run in the sandbox (never in HA's process).

Tasks:
- `{"command": "run", "code": "...", "inputs": <json>, "timeout_s": n}`;
- `{"command": "generate", "text": "what to compute"}`: the LLM (main's
  chain, metered as this agent) writes the code, which is then reviewed and
  run like any other;
- free text (`@code-agent ...`): a fenced ```python block is run as is,
  other text is a `generate` request;
- `{"command": "status"}`: whether the sandbox works here, and why not.

The reply: `ok`, `stdout`, `result`, `error`, `reasons` (review refusals),
`timed_out`, `code`, `text` (a short summary for chat). One run at a time
(the actor's mailbox), each bounded by the sandbox limits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
import re
from typing import TYPE_CHECKING, Any

from ..agents.access import NOT_ADMIN_REPLY, caller_of, is_mutating
from ..agents.qa_rules import ALLOWED_IMPORTS
from ..agents.text import text_of
from ..ai import BudgetExceededError, ChatMessage, LlmRequest, ProviderError
from ..core import Actor, Message, actor_factory
from .sandbox import (
    SandboxLimits,
    SandboxResult,
    SandboxUnavailableError,
    async_probe,
    async_run_code,
)

if TYPE_CHECKING:
    from ..runtime import WactorzRuntime

CODE_AGENT_NAME = "code-agent"
MAX_TIMEOUT_S = 60.0
MAX_TEXT_CHARS = 4000
MAX_TOKENS = 2000
PREVIEW_CHARS = 1500
_FENCE = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.DOTALL | re.IGNORECASE)

GENERATE_PROMPT = (
    "Write a short Python 3 program that computes what the user asks. Rules: use only "
    "these modules: {modules}; no files, no network, no input(); the input data (if any) "
    "is in the variable `inputs`; put the final answer, as a JSON-serializable value, in "
    "a variable named `result`. Reply with the code only, in one ```python block."
)

type Executor = Callable[..., Awaitable[Any]]
type Generate = Callable[[str], Awaitable[str]]


class CodeAgentError(Exception):
    """A refusal with a message for the user."""


def extract_code(text: str) -> str | None:
    """Return the first fenced Python block of a text, or None."""
    match = _FENCE.search(text)
    return match.group(1).strip() if match else None


def code_generator(runtime: WactorzRuntime, agent: str = CODE_AGENT_NAME) -> Generate:
    """Return the LLM call that writes code: main's chain, metered as `agent`."""

    async def generate(text: str) -> str:
        await runtime.llm.async_sync()
        chain = runtime.llm.main_chain()
        if not chain:
            raise CodeAgentError(
                "No language model is configured to write code; send the code itself."
            )
        scrub = runtime.scrubber.scrub
        request = LlmRequest(
            model=chain[0].model,
            messages=[ChatMessage.user(scrub(text[:MAX_TEXT_CHARS]))],
            system=GENERATE_PROMPT.format(modules=", ".join(sorted(ALLOWED_IMPORTS))),
            max_tokens=MAX_TOKENS,
        )
        try:
            completion = await runtime.llm.gateway.complete(agent, request, chain=chain)
        except BudgetExceededError as err:
            raise CodeAgentError(f"The daily LLM budget is spent: {err}") from err
        except ProviderError as err:
            raise CodeAgentError(
                f"No provider could answer: {scrub(str(err))}"
            ) from err
        code = extract_code(completion.text) or completion.text.strip()
        if not code:
            raise CodeAgentError("The model did not return any code.")
        return code

    return generate


class CodeAgent(Actor):
    """Runs Python in a separate, limited process and reports what happened."""

    def __init__(
        self,
        executor: Executor,
        generate: Generate | None = None,
        scrub: Callable[[str], str] | None = None,
        limits: SandboxLimits | None = None,
    ) -> None:
        """Create the agent; `executor(func, *args)` runs blocking work off the loop."""
        self._executor = executor
        self._generate = generate
        self._scrub = scrub or (lambda text: text)
        self._limits = limits or SandboxLimits()
        self._runs = 0
        self._refused = 0
        self._failed = 0

    def heartbeat_data(self) -> dict[str, Any]:
        """Return the run counters."""
        return {"runs": self._runs, "refused": self._refused, "failed": self._failed}

    async def handle(self, message: Message) -> Any:
        """Run one task; refusals and failures are replies, not crashes."""
        payload = message.payload
        task = payload if isinstance(payload, dict) else {}
        command = str(task.get("command") or "")
        if not caller_of(payload).admin and is_mutating(payload, CODE_AGENT_NAME):
            self._refused += 1
            return {"ok": False, "error": "not_admin", "text": NOT_ADMIN_REPLY}
        try:
            if command == "status":
                return await self._status()
            if command == "run" or (not command and "code" in task):
                return await self._run(
                    str(task.get("code") or ""), task.get("inputs"), task
                )
            text = str(task.get("text") or text_of(payload)).strip()
            if command == "generate" or text:
                code = extract_code(text) if command != "generate" else None
                if code is None:
                    code = await self._generated(text)
                return await self._run(code, task.get("inputs"), task)
        except CodeAgentError as err:
            self._refused += 1
            return {"ok": False, "error": str(err), "text": str(err)}
        help_text = (
            "Send Python in a ```python block (set `result`), or describe what to "
            "compute; /status tells whether the sandbox works here."
        )
        return {"ok": False, "error": "empty task", "text": help_text}

    async def _generated(self, text: str) -> str:
        if self._generate is None:
            raise CodeAgentError(
                "No language model is configured to write code; send the code in a "
                "```python block."
            )
        return await self._generate(text)

    async def _status(self) -> dict[str, Any]:
        try:
            _prefix, isolation = await async_probe()
        except SandboxUnavailableError as err:
            return {"available": False, "reason": str(err), "text": str(err)}
        return {
            "available": True,
            "network_isolation": isolation,
            "limits": self._limits.as_child() | {"timeout_s": self._limits.timeout_s},
            "text": f"The sandbox works here ({isolation}).",
        }

    async def _run(
        self, code: str, inputs: Any, task: dict[str, Any]
    ) -> dict[str, Any]:
        if not code.strip():
            raise CodeAgentError("There is no code to run.")
        limits = self._limits
        if task.get("timeout_s") is not None:
            try:
                timeout = float(task["timeout_s"])
            except (TypeError, ValueError) as err:
                raise CodeAgentError("timeout_s must be a number.") from err
            limits = replace(limits, timeout_s=max(0.5, min(timeout, MAX_TIMEOUT_S)))
        try:
            outcome = await async_run_code(
                self._executor, code, inputs=inputs, limits=limits
            )
        except SandboxUnavailableError as err:
            raise CodeAgentError(f"The code sandbox is not available: {err}") from err
        return self._reply(code, outcome)

    def _reply(self, code: str, outcome: SandboxResult) -> dict[str, Any]:
        scrub = self._scrub
        reply = outcome.as_dict()
        reply["stdout"] = scrub(outcome.stdout)
        if outcome.error:
            reply["error"] = scrub(outcome.error)
        reply["code"] = code
        if outcome.reasons:
            self._refused += 1
            reply["text"] = "Refused: " + "; ".join(outcome.reasons)
        elif outcome.ok:
            self._runs += 1
            preview = repr(outcome.result)[:PREVIEW_CHARS]
            reply["text"] = f"Result: {preview}" + (
                f"\nOutput:\n{reply['stdout'][:PREVIEW_CHARS]}"
                if outcome.stdout
                else ""
            )
            self.completed(outcome.result)
        else:
            self._failed += 1
            reply["text"] = f"The code failed: {reply['error']}"
        return reply


def code_agent_factory(runtime: WactorzRuntime) -> Callable[[], Actor]:
    """Return the factory of the runtime's CodeAgent."""
    return actor_factory(
        CodeAgent,
        runtime.hass.async_add_executor_job,
        code_generator(runtime),
        runtime.scrubber.scrub,
    )


async def async_start_code_agent(runtime: WactorzRuntime) -> None:
    """Spawn the CodeAgent (idle until asked; the sandbox is probed on first use)."""
    await runtime.async_spawn(
        code_agent_factory(runtime),
        CODE_AGENT_NAME,
        kind="code",
        description="Runs Python in a separate, limited process",
        meta={"watchdog_timeout_s": int(MAX_TIMEOUT_S * 2)},
    )
