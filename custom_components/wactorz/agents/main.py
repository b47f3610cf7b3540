"""MainActor: the user's entry point.

Who asks matters: a line whose caller may not change the system (a non-admin
user, `io/chat` without permission, a node) is refused when
`access.is_mutating` says it would change something; the caller travels on
with `@agent` mentions and plans so the agents can check again.

Order: slash-commands and explicit `@agent` mentions are answered locally
(0 LLM calls; a mention's reply names the `agent` and the `correlation_id` of
the request main sent it, which that agent's reply echoes; the mentioned agent
is asked beside the mailbox and its answer comes back as `mention_done`, so a
slow agent does not hold main); everything else
goes to the injected `respond` (one LLM turn
through the metered gateway). Without a configured provider main says so
instead of pretending. `route_only` requests (Assist, which runs its own LLM
turn with Home Assistant's tools) get `{"handled": False}` for those; once
such a turn has answered, the host tells main the `exchange` and main
remembers it like its own (history, summary chain, facts).

Task mode (`plan:` / `coordinate:`) never blocks main's mailbox: main defers
its reply, runs the plan in a task (the planner actor does the work), and the
result comes back to main as a `plan_done` message that remembers the
exchange and answers the original ask. Main keeps handling other messages
meanwhile.

The rolling summary works the same way: past the threshold main starts one
summary task at a time (bounded by `MemoryHooks.summary_timeout_s`); its
result comes back as a `summary_done` message that replaces the summarized
exchanges and persists. A failed or timed-out summary keeps the history
(capped) and is tried again a few exchanges later; stop and `/memory clear`
cancel it.

An LLM turn runs beside the mailbox too (`turn_done`); a payload with a
`ReplyStream` (the panel) gets the turn's screened text deltas as they arrive.
At most `MAX_TURNS` turns run beside the mailbox; past that the handler waits
for its turn, so the mailbox pushes back instead of tasks piling up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass
from typing import Any, Protocol

from ..core import (
    Actor,
    ActorError,
    ActorFailedError,
    ActorStoppedError,
    DeferredReply,
    Message,
)
from ..nodes.commands import NODE_HELP, node_command
from ..planner.routing import RULES_HELP, ModeHooks, split_mode
from ..remote.commands import DEPLOY_HELP, deploy_command
from .access import NOT_ADMIN_REPLY, Caller, caller_of, is_mutating
from .memory import RECENT_EXCHANGES, Memory, MemoryHooks, mask_url
from .mention import ask_mentioned
from .qa import screen_inbound
from .stream import ReplyStream, stream_of
from .text import host_exchange, split_mention, text_of

SUMMARY_RETRY_EXCHANGES = 3  # after a failed summary, wait this many exchanges


@dataclass(slots=True)
class _Summary:
    """One summary in flight; its identity proves a `summary_done` message is ours."""

    exchanges: list[dict[str, Any]]
    task: asyncio.Task[None] | None = None


NO_LLM_REPLY = (
    "No language model is configured yet, so I can only route messages. "
    "Use @agent-name to talk to an agent, or /help for commands."
)


MAX_TURNS = 8  # LLM turns running beside main's mailbox


class Respond(Protocol):
    """One LLM turn: (text, recent history, memory context) -> {"text", "provider", ...}.

    None without a provider. `stream` gets the reply's screened text while it arrives.
    """

    def __call__(
        self,
        text: str,
        history: list[dict[str, Any]],
        context: str,
        /,
        *,
        stream: ReplyStream | None = None,
    ) -> Awaitable[dict[str, Any] | None]:
        """Run the turn."""


HELP = (
    "Commands:\n"
    "/agents - agents and their states\n"
    "/memory (or /memory show) - what I remember; /memory clear; /memory forget <key>; "
    "/memory remember <key>: <value>\n"
    "/webhook - stored webhooks (masked); /webhook discord|slack|telegram <url>\n"
    "/cost - LLM tokens and cost\n"
    f"{NODE_HELP}\n"
    f"{DEPLOY_HELP}\n"
    f"{RULES_HELP}\n"
    "Mention an agent with @name to send it a message."
)


class MainActor(Actor):
    """Routes user messages; remembers history, a summary chain and user facts."""

    def __init__(
        self,
        respond: Respond | None = None,
        memory_hooks: MemoryHooks | None = None,
        cost_report: Callable[[], str] | None = None,
        modes: ModeHooks | None = None,
        resolve: Callable[[str], Awaitable[Any]] | None = None,
    ) -> None:
        """Create main; `respond` runs one LLM turn (None: no LLM available)."""
        self._respond = respond
        self._hooks = memory_hooks or MemoryHooks()
        self._cost_report = cost_report
        self._modes = modes
        self._resolve = resolve  # spawns a catalog recipe on first @mention
        self._plans: set[asyncio.Task[None]] = set()
        self._turns: set[asyncio.Task[None]] = set()
        self._summary: _Summary | None = None
        self._summary_wait = 0  # exchanges to wait before retrying a failed summary
        self.memory: Memory

    async def on_start(self) -> None:
        """Bind the memory to this instance's state; re-register stored secrets."""
        self.memory = Memory(self.recall, self.persist, self._hooks)
        self.memory.announce_secrets()

    async def on_stop(self) -> None:
        """Cancel running plans and LLM turns (askers get ActorStoppedError) and a summary."""
        tasks = [*self._plans, *self._turns]
        if (summary := self._cancel_summary()) is not None:
            tasks.append(summary)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def heartbeat_data(self) -> dict[str, Any]:
        """Return how many plans are running and whether a summary is."""
        return {
            "plans_running": len(self._plans),
            "turns_running": len(self._turns),
            "summary_pending": self._summary is not None,
        }

    @property
    def pending_summary(self) -> asyncio.Task[None] | None:
        """Return the summary task in flight, if any."""
        return self._summary.task if self._summary is not None else None

    async def handle(self, message: Message) -> Any:
        """Answer one user message (or a memory command from a tool)."""
        payload = message.payload if isinstance(message.payload, dict) else {}
        command = payload.get("command")
        if command == "remember":
            refused = self.memory.remember_fact(
                str(payload.get("key", "")), str(payload.get("value", ""))
            )
            return {"stored": refused is None, "reason": refused}
        if command == "context":
            return {"context": self.memory.context()}
        if command == "exchange":
            return self._exchange(message, payload)
        if command == "plan_done":
            return self._plan_done(payload)
        if command == "summary_done":
            return self._summary_done(payload)
        if command == "turn_done":
            return self._turn_done(message, payload)
        if command == "mention_done":
            return self._mention_done(message, payload)
        text = text_of(message.payload).strip()
        if not text:
            return {
                "text": "Send some text, e.g. /help.",
                "handled": True,
                "route": "empty",
            }
        self._screen(text, message.sender)
        caller = caller_of(payload)
        if not caller.admin and is_mutating({"text": text}):
            self.log(
                "refused a command that changes the system",
                origin=caller.origin,
            )
            return {
                "text": NOT_ADMIN_REPLY,
                "handled": True,
                "route": "refused",
                "refused": True,
            }
        mode = split_mode(text)
        if mode is not None and mode[0] == "task" and self._modes is not None:
            self._start_plan(
                message, text, mode[1], str(payload.get("run_id") or ""), caller
            )
            return None  # answered by plan_done
        mention = self._mention(text)
        if mention is not None:
            await self._start_mention(message, text, *mention, caller)
            return None  # answered by mention_done
        local = await self._route_locally(text)
        if local is not None:
            if local["route"] != "command":  # commands are not conversation
                self._remember(text, local["text"])
            return {**local, "handled": True}
        if payload.get("route_only"):
            return {"handled": False, "context": self.memory.context()}
        if self._respond is None:
            return self._answered(text, None)
        await self._start_turn(message, text, self._respond, stream_of(payload))
        return None  # answered by turn_done

    def _answered(self, text: str, answer: dict[str, Any] | None) -> Any:
        """Remember an LLM turn's exchange (not a failed one); return main's reply."""
        if answer is None:
            answer = {"text": NO_LLM_REPLY}
        reply = str(answer.get("text", ""))
        if not answer.get("error"):  # a failed turn is not conversation to replay
            self._remember(text, reply)
        return {**answer, "text": reply, "handled": True, "route": "llm"}

    async def _start_turn(
        self,
        message: Message,
        text: str,
        respond: Respond,
        stream: ReplyStream | None,
    ) -> None:
        """Run an LLM turn beside the mailbox; its answer comes back as turn_done."""
        history = self.memory.history[-RECENT_EXCHANGES:]
        context = self.memory.context()

        def failed(err: Exception) -> None:
            self.log("the LLM turn failed", error=str(err))

        def unremembered(answer: Any) -> dict[str, Any]:
            return {
                **(answer or {"text": NO_LLM_REPLY}),
                "handled": True,
                "route": "llm",
            }

        await self._run_beside(
            message,
            text,
            "turn_done",
            work=lambda: respond(text, history, context, stream=stream),
            unremembered=unremembered,
            failed=failed,
        )

    async def _run_beside(
        self,
        message: Message,
        text: str,
        command: str,
        *,
        work: Callable[[], Awaitable[Any]],
        unremembered: Callable[[Any], dict[str, Any]],
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run `work` beside the mailbox; its answer comes back to main as `command`.

        The asker's reply is deferred: main answers it when `command` arrives
        (and remembers the exchange); when main is gone or full, the answer
        goes out directly (`unremembered`). A failure fails the ask. Bounded:
        past MAX_TURNS running, the mailbox waits for this one.
        """
        deferred = self.defer_reply(message)

        async def run() -> None:
            try:
                answer = await work()
            except asyncio.CancelledError:
                deferred.fail(ActorStoppedError(self.name))
                raise
            except Exception as err:  # noqa: BLE001 - the asker gets the reason
                if failed is not None:
                    failed(err)
                deferred.fail(ActorFailedError(self.name, "handle", str(err)))
                return
            done = {"command": command, "reply": deferred, "text": text}
            try:
                self.tell(self.name, {**done, "answer": answer})
            except ActorError:  # main is gone or full: answer without remembering
                deferred.resolve(unremembered(answer))

        task = asyncio.get_running_loop().create_task(
            run(), name=f"wactorz {command} for {self.name}"
        )
        self._turns.add(task)
        task.add_done_callback(self._turns.discard)
        if len(self._turns) > MAX_TURNS:
            await asyncio.wait({task})  # back-pressure: the mailbox waits

    def _turn_done(self, message: Message, payload: dict[str, Any]) -> Any:
        """Remember a finished LLM turn's exchange and answer its original ask."""
        deferred = payload.get("reply")
        if message.sender != self.id or not isinstance(deferred, DeferredReply):
            return {"handled": False, "error": "not a turn result"}
        answer = payload.get("answer")
        reply = self._answered(
            str(payload.get("text", "")), answer if isinstance(answer, dict) else None
        )
        deferred.resolve(reply)
        return {"handled": True}

    def _exchange(self, message: Message, payload: dict[str, Any]) -> Any:
        """Remember a turn answered outside main (Assist's LLM turn); host only."""
        exchange, refusal = host_exchange(message.sender, payload)
        if exchange is None:
            return refusal
        self._remember(*exchange)
        return {"stored": True}

    def _remember(self, text: str, reply: str) -> None:
        """Keep one exchange; start a summary in the background when one is due."""
        self.memory.remember_exchange(text, reply)
        if self._summary is not None:
            return
        if self._summary_wait > 0:
            self._summary_wait -= 1
            return
        exchanges = self.memory.due_for_summary()
        summarize = self._hooks.summarize
        if exchanges is None or summarize is None:
            return
        summary = _Summary(exchanges)
        timeout = self._hooks.summary_timeout_s

        async def run() -> None:
            result: dict[str, Any] | None = None
            try:
                async with asyncio.timeout(timeout):
                    result = await summarize(exchanges)
            except TimeoutError:
                self.log("the summary timed out; history kept", timeout_s=timeout)
            except Exception as err:  # noqa: BLE001 - a failed summary is retried later
                self.log("the summary failed; history kept", error=type(err).__name__)
            with contextlib.suppress(ActorError):  # main is gone: its history is kept
                self.tell(
                    self.name,
                    {"command": "summary_done", "summary": summary, "result": result},
                )

        summary.task = asyncio.get_running_loop().create_task(
            run(), name=f"wactorz summary for {self.name}"
        )
        self._summary = summary

    def _summary_done(self, payload: dict[str, Any]) -> Any:
        """Apply a finished summary (ours only); a failed one is retried later."""
        summary = payload.get("summary")
        if not isinstance(summary, _Summary) or summary is not self._summary:
            return {"handled": False, "error": "not a pending summary"}
        self._summary = None
        result = payload.get("result")
        if isinstance(result, dict) and self.memory.apply_summary(
            summary.exchanges, result
        ):
            return {"handled": True, "applied": True}
        self._summary_wait = SUMMARY_RETRY_EXCHANGES
        return {"handled": True, "applied": False}

    def _cancel_summary(self) -> asyncio.Task[None] | None:
        """Forget the pending summary and cancel its task; return the task."""
        summary, self._summary = self._summary, None
        if summary is None or summary.task is None:
            return None
        summary.task.cancel()
        return summary.task

    async def _route_locally(self, text: str) -> dict[str, Any] | None:
        """Answer modes and slash-commands without an LLM; None when the LLM must answer.

        Returns {"text", "route"}. (Mentions are asked beside the mailbox:
        `_start_mention`.)
        """
        mode = split_mode(text)
        if mode is not None and self._modes is not None:
            kind, rest = mode
            return {"text": await self._modes.pipeline(rest), "route": kind}
        if text.startswith("/"):
            return {"text": await self._slash_command(text), "route": "command"}
        return None

    def _mention(self, text: str) -> tuple[str, str] | None:
        """Return (agent, rest) for an `@agent` line main passes on, else None."""
        if text.startswith("/") or (
            split_mode(text) is not None and self._modes is not None
        ):
            return None
        target, rest = split_mention(text)
        if target is None or target == self.name:
            return None
        return target, rest

    async def _start_mention(
        self, message: Message, text: str, target: str, rest: str, caller: Caller
    ) -> None:
        """Ask the mentioned agent beside the mailbox; its answer comes back as mention_done.

        A slow agent (an LLM agent, a node's) no longer holds main's other
        messages, Assist turns included, for the length of its answer.
        """
        await self._run_beside(
            message,
            text,
            "mention_done",
            work=lambda: self._delegate(target, rest, message.sender, caller),
            unremembered=lambda answer: {**answer, "handled": True},
        )

    def _mention_done(self, message: Message, payload: dict[str, Any]) -> Any:
        """Remember an answered mention's exchange and answer its original ask."""
        deferred = payload.get("reply")
        answer = payload.get("answer")
        if (
            message.sender != self.id
            or not isinstance(deferred, DeferredReply)
            or not isinstance(answer, dict)
        ):
            return {"handled": False, "error": "not a mention result"}
        self._remember(str(payload.get("text", "")), str(answer.get("text", "")))
        deferred.resolve({**answer, "handled": True})
        return {"handled": True}

    async def _slash_command(self, text: str) -> str:
        """Answer a slash-command (nodes, deploy, stop an agent, rules, the rest)."""
        remote = await node_command(self.system, text)
        if remote is None:
            remote = await deploy_command(self.system, text)
        if remote is not None:
            return remote
        words = text.split()
        if len(words) == 3 and [w.lower() for w in words[:2]] == ["/agents", "stop"]:
            return await self._stop_agent(words[2].lstrip("@"))
        if self._modes is not None and text.split(maxsplit=1)[0].lower() == "/rules":
            return await self._modes.rules(text.split()[1:3])
        return self._command(text)

    async def _delegate(
        self, target: str, rest: str, sender: str | None, caller: Caller
    ) -> dict[str, Any]:
        """Ask the mentioned agent (spawned from the catalog if it is a recipe)."""
        if self._resolve is not None and self.system.get(target) is None:
            await self._resolve(target)
        return await ask_mentioned(self, target, rest, sender or "user", caller)

    def _start_plan(
        self, message: Message, text: str, task: str, run_id: str, caller: Caller
    ) -> None:
        """Run a plan outside this handler (its steps carry the caller); the result comes back as plan_done."""
        assert self._modes is not None
        deferred = self.defer_reply(message)
        run = self._modes.task

        async def run_plan() -> None:
            try:
                answer = await run(task, run_id, caller)
            except asyncio.CancelledError:
                deferred.fail(ActorStoppedError(self.name))
                raise
            except Exception as err:  # noqa: BLE001 - the asker gets the reason
                answer = f"The task failed: {err}"
            done = {
                "command": "plan_done",
                "reply": deferred,
                "text": text,
                "answer": answer,
            }
            try:
                self.tell(self.name, done)
            except ActorError:  # main is gone: answer without remembering
                deferred.resolve({"text": answer, "handled": True, "route": "task"})

        task_ = asyncio.get_running_loop().create_task(
            run_plan(), name=f"wactorz plan for {self.name}"
        )
        self._plans.add(task_)
        task_.add_done_callback(self._plans.discard)

    def _plan_done(self, payload: dict[str, Any]) -> Any:
        """Remember a finished plan's exchange and answer its original ask."""
        deferred = payload.get("reply")
        if not isinstance(deferred, DeferredReply):
            return {"handled": False, "error": "not a plan result"}
        text = str(payload.get("text", ""))
        answer = str(payload.get("answer", ""))
        self._remember(text, answer)
        deferred.resolve({"text": answer, "handled": True, "route": "task"})
        return {"handled": True}

    async def _stop_agent(self, name: str) -> str:
        """Stop a local agent (`/agents stop <name>`; a node's agents are stopped above)."""
        if self.system.get(name) is None:
            return f"No agent named {name}."
        try:
            await self.system.stop(name)
        except ActorError as err:
            return f"@{name} was not stopped: {err}"
        return f"Stopped @{name}."

    def _command(self, text: str) -> str:
        parts = text.split(maxsplit=2)
        command = parts[0].lower()
        args = parts[1:]
        if command == "/agents":
            return "\n".join(
                f"@{cell.name}: {cell.state.value}" for cell in self.system.actors()
            )
        if command == "/help":
            return HELP
        if command == "/memory":
            return self._memory_command(args)
        if command == "/webhook":
            return self._webhook_command(args)
        if command == "/cost":
            return (
                self._cost_report() if self._cost_report else "No LLM is metered yet."
            )
        return f"Unknown command {command}. Try /help."

    def _memory_command(self, args: list[str]) -> str:
        memory = self.memory
        if not args or (len(args) == 1 and args[0].lower() == "show"):
            facts = memory.facts
            lines = [f"- {k}: {v}" for k, v in sorted(facts.items())] or ["(no facts)"]
            return (
                "Facts:\n"
                + "\n".join(lines)
                + f"\nSummaries: {len(memory.summaries)}; recent exchanges: {len(memory.history)}"
            )
        action = args[0].lower()
        rest = args[1] if len(args) > 1 else ""
        if action == "clear":
            self._cancel_summary()  # its exchanges are gone: never apply it
            self._summary_wait = 0
            memory.clear()
            return "Memory cleared: facts, summaries and history."
        if action == "forget" and rest:
            return (
                f"Forgot {rest}."
                if memory.forget_fact(rest)
                else f"No fact named {rest}."
            )
        if action == "remember" and ":" in rest:
            key, value = rest.split(":", 1)
            refused = memory.remember_fact(key, value)
            return (
                f"Refused: {refused}."
                if refused
                else f"Remembered {key.strip().lower()}."
            )
        return "Use /memory, /memory clear, /memory forget <key> or /memory remember <key>: <value>."

    def _webhook_command(self, args: list[str]) -> str:
        memory = self.memory
        if not args:
            hooks = memory.webhooks
            if not hooks:
                return "No webhooks stored. Use /webhook discord|slack|telegram <url>."
            return "\n".join(
                f"{kind}: {mask_url(url)}" for kind, url in sorted(hooks.items())
            )
        if len(args) < 2:
            return "Use /webhook discord|slack|telegram <url>."
        refused = memory.set_webhook(args[0].lower(), args[1].strip())
        return (
            f"Refused: {refused}."
            if refused
            else f"Stored the {args[0].lower()} webhook."
        )

    def _screen(self, text: str, sender: str | None) -> None:
        """Let QA look for prompt injection (fire and forget: never slows the reply)."""
        screen_inbound(self.system, sender or "user", text)
