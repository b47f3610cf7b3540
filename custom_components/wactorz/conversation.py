"""The Assist agent: MainActor routes, the LLM (with Home Assistant's tools) answers the rest.

An open follow-up of the conversation (which entity a rule meant, yes/no for
a rule that waits for confirmation) is answered first, without an LLM call.
Explicit `@agent` mentions and slash-commands are answered by MainActor
without any LLM call; `pipeline:` builds a rule here (it may ask back);
everything else is one streamed LLM turn with the tools of the configured LLM
APIs plus Wactorz's own (delegate, plan, create a pipeline, remember). Every
turn, routed or not, stays in the ChatLog. An answered LLM turn is then told
to its agent as an `exchange` (main: history, summary chain and facts; a
user-defined agent: its history), so Assist and `wactorz.chat` feed the same
memory as every other path.
A `plan:` / `coordinate:` request streams one line per finished step (from
the plan's progress events, matched by a run id) before the final answer.
The turn's user travels with everything sent to main (`permissions`): a
non-admin user gets a refusal, not a change of the system.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
import secrets
from typing import Any, Literal

from homeassistant.components import conversation
from homeassistant.const import MATCH_ALL
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import intent, llm
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .agents.access import CALLER_KEY, NOT_ADMIN_REPLY, Caller, is_mutating
from .agents.qa import StreamScreen, screen_inbound
from .ai import Completion, ProviderBinding
from .ai.classifier import classify_needs_tools
from .chat import LOCAL_COMMAND, async_run_turn
from .const import (
    CONF_ACTION_REPLIES,
    CONF_ALLOWED_AGENTS,
    CONF_ASSIST,
    CONF_CLASSIFIER_MODEL,
    CONF_LLM_HASS_API,
    CONF_MODEL,
    CONF_PROMPT,
    CONF_PROVIDER,
    DOMAIN,
    SUBENTRY_AGENT,
)
from .coordinator import AgentCoordinator
from .core import ActorError
from .entity import WactorzAgentEntity
from .followup import async_answer, async_create_pipeline
from .llm import AgentToolsAPI, MainToolsAPI
from .llm_runtime import LlmRuntime
from .permissions import async_caller
from .pipelines.model import RuleError
from .planner.routing import split_mode
from .planner.runner import EVENT_TASK_PROGRESS, RUN_TIMEOUT_S
from .runtime import WactorzConfigEntry

PARALLEL_UPDATES = 0
MAX_PROGRESS_EVENTS = 200
MAX_STEP_LINE_CHARS = 160


def progress_line(data: dict[str, Any]) -> str | None:
    """Return the streamed line of one plan progress event (None: not shown)."""
    stage = data.get("stage")
    step, agent = data.get("step"), data.get("agent")
    if stage == "step_done":
        preview = " ".join(str(data.get("result", "")).split())
        if len(preview) > MAX_STEP_LINE_CHARS:
            preview = preview[: MAX_STEP_LINE_CHARS - 1] + "…"
        return f"✓ {step} ({agent}): {preview}\n"
    if stage == "step_failed":
        return f"✗ {step} ({agent}) failed: {data.get('error', '')}\n"
    if stage == "agent_spawned":
        return f"Started {agent} from the catalog.\n"
    return None


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WactorzConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the Assist agent of main."""
    runtime = entry.runtime_data
    async_add_entities([WactorzConversationEntity(entry, runtime.coordinators["main"])])
    for subentry in entry.subentries.values():
        if subentry.subentry_type != SUBENTRY_AGENT or not subentry.data.get(
            CONF_ASSIST
        ):
            continue
        coordinator = runtime.coordinators.get(str(subentry.data["name"]))
        if coordinator is not None:
            async_add_entities(
                [AgentConversationEntity(entry, coordinator)],
                config_subentry_id=subentry.subentry_id,
            )


def _previous_reply(chat_log: conversation.ChatLog, start: int = 0) -> str | None:
    """Return the assistant's last reply (from content index `start` on), or None."""
    for content in reversed(chat_log.content[start:]):
        if isinstance(content, conversation.AssistantContent) and content.content:
            return content.content
    return None


class _AssistEntity(
    WactorzAgentEntity,
    conversation.ConversationEntity,
    conversation.AbstractConversationAgent,
):
    """An agent in Assist: streamed LLM turns with the chosen Home Assistant tools."""

    _attr_supports_streaming = True
    _attr_translation_key = "assistant"

    def __init__(
        self,
        entry: WactorzConfigEntry,
        coordinator: AgentCoordinator,
        hass_apis: list[str] | None,
    ) -> None:
        """Create the entity on the agent's device; CONTROL only with HA tools."""
        super().__init__(coordinator, "conversation")
        self._entry = entry
        if hass_apis:
            self._attr_supported_features = (
                conversation.ConversationEntityFeature.CONTROL
            )

    @property
    def supported_languages(self) -> list[str] | Literal["*"]:
        """Return every language (the model decides)."""
        return MATCH_ALL

    async def _async_llm_turn(
        self,
        user_input: conversation.ConversationInput,
        chat_log: conversation.ChatLog,
        *,
        hass_apis: list[str] | llm.API | None,
        prompt: str | None,
        extra: str | None,
        chain: Callable[[LlmRuntime], list[ProviderBinding]],
        classifier_model: str | None = None,
    ) -> conversation.ConversationResult:
        """Give the ChatLog its prompt and tools, run the turn, remember who answered.

        With a classifier model, a small call first decides whether the turn
        needs tools; plain conversation is then sent without tool definitions.
        """
        runtime = self._entry.runtime_data
        await runtime.llm.async_sync()
        bindings = chain(runtime.llm)
        classified: Completion | None = None
        if classifier_model and hass_apis:
            needs_tools, classified = await classify_needs_tools(
                runtime.llm.gateway,
                self.coordinator.agent_name,
                bindings,
                classifier_model,
                runtime.scrubber.scrub(user_input.text),
                previous_reply=_previous_reply(chat_log),
            )
            if not needs_tools:
                hass_apis = None
        try:
            await chat_log.async_provide_llm_data(
                user_input.as_llm_context(DOMAIN), hass_apis, prompt, extra
            )
        except conversation.ConverseError as err:
            return err.as_conversation_result()
        start = len(chat_log.content)
        try:
            turn = await async_run_turn(
                chat_log,
                runtime.llm.gateway,
                bindings,
                agent=self.coordinator.agent_name,
                agent_id=self.entity_id or DOMAIN,
                screen=lambda: StreamScreen(
                    runtime.system, runtime.scrubber, self.coordinator.agent_name
                ),
                action_replies=self._entry.options.get(CONF_ACTION_REPLIES, True),
            )
        except HomeAssistantError as err:
            return _error_result(user_input, chat_log, err)
        if classified is not None:  # the classifier's call is part of the turn's cost
            turn.llm_calls += 1
            turn.input_tokens += classified.usage.input_tokens
            turn.output_tokens += classified.usage.output_tokens
            if classified.cost_usd is not None:
                turn.cost_usd = (turn.cost_usd or 0.0) + classified.cost_usd
        runtime.record_turn(chat_log.conversation_id, turn)
        if (reply := _previous_reply(chat_log, start)) is not None:
            self._remember(user_input.text, reply)
        result = conversation.async_get_result_from_chat_log(user_input, chat_log)
        if runtime.followups.get(chat_log.conversation_id) is not None:
            result.continue_conversation = True  # a tool asked; the next turn answers
        return result

    def _remember(self, text: str, reply: str) -> None:
        """Tell the agent an answered exchange to keep (scrubbed again when stored)."""
        scrub = self._entry.runtime_data.scrubber.scrub
        with suppress(ActorError):  # a stopped agent keeps no history
            self._entry.runtime_data.system.tell(
                self.coordinator.agent_name,
                {"command": "exchange", "text": scrub(text), "reply": scrub(reply)},
            )

    def _local_result(
        self,
        user_input: conversation.ConversationInput,
        chat_log: conversation.ChatLog,
        text: str,
        *,
        continue_conversation: bool = False,
        command: bool = False,
    ) -> conversation.ConversationResult:
        """Answer without an LLM; the reply stays in the ChatLog.

        A slash-command's reply is marked (`chat.LOCAL_COMMAND`): it stays in
        the ChatLog but is not sent to the model as conversation.
        """
        chat_log.async_add_assistant_content_without_tools(
            conversation.AssistantContent(
                agent_id=self.entity_id or DOMAIN,
                content=self._entry.runtime_data.scrubber.scrub(text),
                native=LOCAL_COMMAND if command else None,
            )
        )
        result = conversation.async_get_result_from_chat_log(user_input, chat_log)
        result.continue_conversation = (
            result.continue_conversation or continue_conversation
        )
        return result


def _error_result(
    user_input: conversation.ConversationInput,
    chat_log: conversation.ChatLog,
    err: HomeAssistantError,
) -> conversation.ConversationResult:
    """Answer a failed turn with its error instead of raising through the ChatLog.

    Raised through `async_get_chat_log`, the error would leave that turn's log
    as the task's current one, and the next turn of the same task (a script
    calling `wactorz.chat` again) would continue the failed log and never save.
    Returned, the failed user message is dropped and the saved log stays as it was.
    """
    response = intent.IntentResponse(language=user_input.language)
    response.async_set_error(intent.IntentResponseErrorCode.UNKNOWN, str(err))
    return conversation.ConversationResult(
        response=response, conversation_id=chat_log.conversation_id
    )


class WactorzConversationEntity(_AssistEntity):
    """Wactorz in Assist: main's routing first, then an LLM turn."""

    def __init__(
        self, entry: WactorzConfigEntry, coordinator: AgentCoordinator
    ) -> None:
        """Create the agent on main's device."""
        super().__init__(entry, coordinator, entry.options.get(CONF_LLM_HASS_API))

    async def async_added_to_hass(self) -> None:
        """Register as a conversation agent."""
        await super().async_added_to_hass()
        conversation.async_set_agent(self.hass, self._entry, self)

    async def async_will_remove_from_hass(self) -> None:
        """Unregister."""
        conversation.async_unset_agent(self.hass, self._entry)
        await super().async_will_remove_from_hass()

    async def _async_handle_message(
        self,
        user_input: conversation.ConversationInput,
        chat_log: conversation.ChatLog,
    ) -> conversation.ConversationResult:
        """Answer an open follow-up, route through main, else run the LLM turn."""
        runtime = self._entry.runtime_data
        conversation_id = chat_log.conversation_id
        caller = await async_caller(self.hass, user_input.context, "assist")
        if not caller.admin and runtime.followups.get(conversation_id) is not None:
            # An open follow-up finishes a rule (its entity, or "yes" to turn it on).
            runtime.followups.discard(conversation_id)
            return self._local_result(user_input, chat_log, NOT_ADMIN_REPLY)
        answered = await async_answer(runtime, conversation_id, user_input.text)
        if answered is not None:
            return self._local_result(
                user_input,
                chat_log,
                answered["reply"],
                continue_conversation=answered["awaiting_answer"],
            )
        if not caller.admin and is_mutating({"text": user_input.text}):
            return self._local_result(user_input, chat_log, NOT_ADMIN_REPLY)
        mode = split_mode(user_input.text)
        if mode is not None and mode[0] == "pipeline":
            screen_inbound(runtime.system, "assist", mode[1])  # (main would have)
            try:
                built = await async_create_pipeline(runtime, mode[1], conversation_id)
            except RuleError as err:
                return self._local_result(
                    user_input, chat_log, f"I could not make a rule: {err}"
                )
            self._remember(user_input.text, built["reply"])  # as main would have
            return self._local_result(
                user_input,
                chat_log,
                built["reply"],
                continue_conversation=built["awaiting_answer"],
            )
        if mode is not None and mode[0] == "task":
            return await self._async_plan(user_input, chat_log, caller)
        try:
            routed = await runtime.system.ask(
                "main",
                {
                    "text": user_input.text,
                    "from": "assist",
                    "route_only": True,
                    CALLER_KEY: caller,
                },
            )
        except ActorError as err:
            return _error_result(
                user_input,
                chat_log,
                HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="agent_failed",
                    translation_placeholders={
                        "agent": "main",
                        "phase": "handle",
                        "error": str(err),
                    },
                ),
            )
        if isinstance(routed, dict) and routed.get("handled"):
            # Assist's debug trace: who answered, under which correlation id.
            chat_log.async_trace(
                {
                    "wactorz": {
                        key: routed[key]
                        for key in ("route", "agent", "correlation_id")
                        if key in routed
                    }
                }
            )
            return self._local_result(
                user_input,
                chat_log,
                str(routed.get("text", "")),
                command=routed.get("route") == "command",
            )
        options = self._entry.options
        memory = str(routed.get("context") or "") if isinstance(routed, dict) else ""
        extra = "\n\n".join(p for p in (user_input.extra_system_prompt, memory) if p)
        return await self._async_llm_turn(
            user_input,
            chat_log,
            hass_apis=MainToolsAPI(
                hass=self.hass,
                id=f"{DOMAIN}_main",
                name="Wactorz",
                hass_apis=list(options.get(CONF_LLM_HASS_API) or []),
            ),
            classifier_model=options.get(CONF_CLASSIFIER_MODEL) or None,
            prompt=options.get(CONF_PROMPT),
            extra=runtime.scrubber.scrub(extra) or None,
            chain=lambda llm: llm.main_chain(),
        )

    async def _async_plan(
        self,
        user_input: conversation.ConversationInput,
        chat_log: conversation.ChatLog,
        caller: Caller,
    ) -> conversation.ConversationResult:
        """Ask main to run the plan; stream a line per finished step, then the answer."""
        runtime = self._entry.runtime_data
        run_id = secrets.token_hex(6)
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(MAX_PROGRESS_EVENTS)

        @callback
        def on_progress(event: Event[dict[str, Any]]) -> None:
            if event.data.get("run_id") == run_id and not queue.full():
                queue.put_nowait(dict(event.data))

        unsubscribe = self.hass.bus.async_listen(EVENT_TASK_PROGRESS, on_progress)
        ask = self.hass.async_create_task(
            runtime.system.ask(
                "main",
                {
                    "text": user_input.text,
                    "from": "assist",
                    "route_only": True,
                    "run_id": run_id,
                    CALLER_KEY: caller,
                },
                timeout=RUN_TIMEOUT_S + 30,
            ),
            f"{DOMAIN} plan {run_id}",
            eager_start=False,
        )

        async def deltas() -> AsyncIterator[conversation.AssistantContentDeltaDict]:
            yield {"role": "assistant"}
            while not ask.done():
                getter = asyncio.ensure_future(queue.get())
                await asyncio.wait({getter, ask}, return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    getter.cancel()
                    break
                if line := progress_line(getter.result()):
                    yield {"content": line}
            while not queue.empty():
                if line := progress_line(queue.get_nowait()):
                    yield {"content": line}
            try:
                answer = await ask
                text = (
                    str(answer.get("text", ""))
                    if isinstance(answer, dict)
                    else str(answer)
                )
            except ActorError as err:
                text = f"The task failed: {err}"
            yield {"content": "\n" + runtime.scrubber.scrub(text)}

        try:
            async for _content in chat_log.async_add_delta_content_stream(
                self.entity_id or DOMAIN, deltas()
            ):
                pass
        finally:
            unsubscribe()
            if not ask.done():
                ask.cancel()
        return conversation.async_get_result_from_chat_log(user_input, chat_log)


class AgentConversationEntity(_AssistEntity):
    """A user-defined agent in Assist: its persona, its provider, its tools."""

    def __init__(
        self, entry: WactorzConfigEntry, coordinator: AgentCoordinator
    ) -> None:
        """Create the agent's Assist entity on its device."""
        config = entry.runtime_data.agent_config(coordinator.agent_name) or {}
        super().__init__(entry, coordinator, config.get(CONF_LLM_HASS_API))

    async def _async_handle_message(
        self,
        user_input: conversation.ConversationInput,
        chat_log: conversation.ChatLog,
    ) -> conversation.ConversationResult:
        """Run the agent's LLM turn with its persona, provider, tools and allowed agents."""
        name = self.coordinator.agent_name
        config = self._entry.runtime_data.agent_config(name) or {}
        hass_apis = list(config.get(CONF_LLM_HASS_API) or [])
        allowed = frozenset(config.get(CONF_ALLOWED_AGENTS) or ())
        return await self._async_llm_turn(
            user_input,
            chat_log,
            hass_apis=AgentToolsAPI(
                hass=self.hass,
                id=f"{DOMAIN}_agent_{name}",
                name=name,
                agent=name,
                hass_apis=hass_apis,
                allowed_agents=allowed,
            )
            if hass_apis or allowed
            else None,
            prompt=config.get(CONF_PROMPT) or None,
            extra=user_input.extra_system_prompt,
            chain=lambda llm: llm.chain_for(
                config.get(CONF_PROVIDER), config.get(CONF_MODEL) or None
            ),
        )
