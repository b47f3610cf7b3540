"""WactorzRuntime (`entry.runtime_data`): the actor system and its HA adapters.

Data flow: actor events -> one EventStream -> (a) per-agent push coordinators
-> entities, (b) EventExporter -> MQTT `agents/{id}/...`, (c) the dispatcher
signal that adds entities for agents spawned later.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
import json
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval

from .agents.io import IOAgent
from .agents.llm_agent import LlmAgent
from .agents.main import MainActor
from .agents.memory import MemoryHooks
from .agents.monitor import MonitorAgent
from .agents.qa import QAAgent, StreamScreen, screen_outbound
from .agents.stream import ReplyStream
from .ai import (
    BudgetExceededError,
    CallRecord,
    ChatMessage,
    Completion,
    LlmEvent,
    LlmRequest,
    ProviderBinding,
    ProviderError,
    TextDelta,
)
from .ai.providers import collect
from .bus import Bus, EventExporter, encode
from .chat import TurnResult
from .const import (
    CONF_ALLOWED_AGENTS,
    CONF_ASK_TIMEOUT,
    CONF_HEARTBEAT_INTERVAL,
    CONF_IO_CHAT,
    CONF_IO_CHAT_COMMANDS,
    CONF_LOCAL_NODE,
    CONF_LOCAL_NODE_NAME,
    CONF_MAP_EXPORT,
    CONF_MODEL,
    CONF_MQTT_EXPORT,
    CONF_NODE_NAME,
    CONF_PROMPT,
    CONF_PROVIDER,
    CONF_STATE_EXPORT,
    CONF_STATE_EXPORT_DOMAINS,
    CONF_TOPIC_PREFIX,
    DEFAULT_ASK_TIMEOUT,
    DEFAULT_HEARTBEAT_INTERVAL,
    DEFAULT_LOCAL_NODE_NAME,
    DEFAULT_MAIN_PROMPT,
    DEFAULT_MQTT_EXPORT,
    DEFAULT_NODE_NAME,
    DEFAULT_TOPIC_PREFIX,
    DOMAIN,
    HEALTH_INTERVAL_S,
    ISSUE_AGENT_GAVE_UP,
    SIGNAL_AGENT_ADDED,
    SIGNAL_AGENT_REMOVED,
    SIGNAL_USAGE,
    SUBENTRY_AGENT,
)
from .coordinator import AgentCoordinator, LlmUsage
from .core import (
    Actor,
    ActorCell,
    ActorError,
    ActorEvent,
    ActorNotFoundError,
    ActorSystem,
    EventKind,
    actor_factory,
)
from .core.redaction import SecretScrubber
from .core.topics import QA_FLAG, SYSTEM_HEALTH, with_prefix
from .devices import async_remove_device
from .entity import agent_device_identifier
from .followup import FollowUps
from .ha_agents.actuator import ACTOR_PREFIX, ActuatorManager, async_start_actuators
from .ha_agents.home import HOME_AGENT_NAME, HomeAssistantAgent, home_agent_factory
from .ha_agents.map import MAP_REQUEST_TOPIC, MapAgent
from .ha_agents.state_bridge import StateBridgeAgent
from .io_gateway import IoChatGateway
from .knowledge.manual import MANUAL_AGENT_NAME, ManualAgent, manual_agent_factory
from .knowledge.udx import UDX_AGENT_NAME, UDXAgent, udx_agent_factory
from .llm_runtime import LlmRuntime
from .ml.anomaly import async_start_anomaly, async_stop_anomaly
from .nodes.code_agents import CodeAgentProposals
from .nodes.local import LocalNode, async_start_local_node
from .nodes.manager import NodeManager, async_start_nodes
from .pipelines.registry import async_start_pipelines, async_stop_pipelines
from .planner.runner import async_close_plan_cache
from .planner.wiring import make_mode_hooks
from .remote.nautilus import NAUTILUS_AGENT_NAME, NAUTILUS_WATCHDOG_S, NautilusAgent
from .remote.wiring import nautilus_agent_factory
from .storage import HaStateStore, RegistryStore
from .tools.catalog import (
    async_ensure_recipe_agent,
    async_start_catalog,
    async_stop_catalog,
)
from .tools.code import async_start_code_agent

_LOGGER = logging.getLogger(__name__)
SUMMARY_PROMPT = (
    "Summarize this conversation in at most 300 words of dense facts, and list durable "
    "facts about the user (name, preferences, rooms, devices) as short key/value pairs. "
    "Never include passwords, keys or tokens."
)
SUMMARY_SCHEMA = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "facts": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["summary", "facts"],
    "additionalProperties": False,
}
MAX_REMEMBERED_TURNS = 100

type WactorzConfigEntry = ConfigEntry[WactorzRuntime]


@dataclass(frozen=True, slots=True)
class BuiltinAgent:
    """A built-in agent: always present, no subentry."""

    name: str
    kind: str
    actor: type[Actor]
    protected: bool
    description: str
    meta: Mapping[str, Any] | None = None


BUILTIN_AGENTS: tuple[BuiltinAgent, ...] = (
    BuiltinAgent("main", "main", MainActor, True, "Routes user messages"),
    BuiltinAgent("monitor", "monitor", MonitorAgent, True, "Health watchdog"),
    BuiltinAgent("io", "io", IOAgent, True, "Chat gateway"),
    BuiltinAgent("qa", "qa", QAAgent, True, "Safety observer"),
    BuiltinAgent(
        HOME_AGENT_NAME,
        "home_assistant",
        HomeAssistantAgent,
        True,
        "Home Assistant registries and automations",
    ),
    BuiltinAgent(
        MANUAL_AGENT_NAME,
        "manual",
        ManualAgent,
        False,
        "PDF manuals with page citations",
    ),
    BuiltinAgent(
        UDX_AGENT_NAME, "udx", UDXAgent, False, "Answers about Wactorz from its docs"
    ),
    BuiltinAgent(
        NAUTILUS_AGENT_NAME,
        "nautilus",
        NautilusAgent,
        False,
        "SSH and rsync to named hosts",
        {"watchdog_timeout_s": NAUTILUS_WATCHDOG_S},
    ),
)


@dataclass
class WactorzRuntime:
    """Everything one config entry runs."""

    hass: HomeAssistant
    entry: ConfigEntry
    bus: Bus
    system: ActorSystem = field(init=False)
    store: HaStateStore = field(init=False)
    registry: RegistryStore = field(init=False)
    scrubber: SecretScrubber = field(default_factory=SecretScrubber)
    exporter: EventExporter = field(init=False)
    export_events: bool = False
    io_gateway: IoChatGateway | None = None
    nodes: NodeManager | None = None
    local_node: LocalNode | None = None
    code_agents: CodeAgentProposals | None = None
    actuators: ActuatorManager | None = None
    llm: LlmRuntime = field(init=False)
    last_turn: TurnResult | None = None
    turns: OrderedDict[str, TurnResult] = field(default_factory=OrderedDict)
    followups: FollowUps = field(default_factory=FollowUps)
    coordinators: dict[str, AgentCoordinator] = field(default_factory=dict)
    _unsubscribers: list[Callable[[], None]] = field(default_factory=list)
    _stop_unsub: Callable[[], None] | None = None

    @property
    def node_name(self) -> str:
        """Return the node name of this installation."""
        return str(self.entry.data.get(CONF_NODE_NAME, DEFAULT_NODE_NAME))

    @property
    def topic_prefix(self) -> str:
        """Return the MQTT topic prefix ("" keeps the seed's names)."""
        return str(self.entry.data.get(CONF_TOPIC_PREFIX, DEFAULT_TOPIC_PREFIX))

    async def async_start(self) -> None:
        """Create the system, wire the adapters and start the built-in agents."""
        options = self.entry.options
        self.store = HaStateStore(self.hass, self.entry.entry_id)
        self.registry = RegistryStore(self.hass, self.entry.entry_id)
        await self.registry.async_load()
        self.system = ActorSystem(
            self.node_name,
            store=self.store,
            loop=self.hass.loop,
            heartbeat_interval=float(
                options.get(CONF_HEARTBEAT_INTERVAL, DEFAULT_HEARTBEAT_INTERVAL)
            ),
            ask_timeout=float(options.get(CONF_ASK_TIMEOUT, DEFAULT_ASK_TIMEOUT)),
        )
        self._unsubscribers.append(self.bus.watch())
        self.llm = LlmRuntime(self.hass, self.entry, self.scrubber)
        await self.llm.async_setup()
        self._unsubscribers.append(self.llm.gateway.add_listener(self._on_llm_call))
        self._unsubscribers.append(self.system.events.subscribe(self._on_event))
        # The outbox carries everything we publish; agent events only when exported.
        self.exporter = EventExporter(
            self.hass, self.bus, self.scrubber, self.topic_prefix
        )
        self.export_events = bool(options.get(CONF_MQTT_EXPORT, DEFAULT_MQTT_EXPORT))
        if self.export_events:
            self._unsubscribers.append(
                self.system.events.subscribe(self.exporter.handle)
            )
        for agent in BUILTIN_AGENTS:
            await self.async_spawn(
                self._builtin_factory(agent),
                agent.name,
                kind=agent.kind,
                protected=agent.protected,
                description=agent.description,
                meta=dict(agent.meta) if agent.meta else None,
            )
        await self._async_start_optional_agents(options)
        self.actuators = await async_start_actuators(self)
        await self._async_start_user_agents()
        await async_start_pipelines(self)
        await async_start_anomaly(self)
        await async_start_code_agent(self)
        await async_start_catalog(self)
        self.nodes = await async_start_nodes(self)
        self.code_agents = CodeAgentProposals(self)
        self.local_node = await async_start_local_node(
            self,
            bool(options.get(CONF_LOCAL_NODE, False)),
            str(options.get(CONF_LOCAL_NODE_NAME) or DEFAULT_LOCAL_NODE_NAME),
        )
        self._stop_unsub = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._async_on_hass_stop
        )
        self._unsubscribers.append(
            async_track_time_interval(
                self.hass,
                self._async_publish_health,
                timedelta(seconds=HEALTH_INTERVAL_S),
                name="wactorz system health",
                cancel_on_shutdown=True,
            )
        )

    async def _async_start_optional_agents(self, options: Mapping[str, Any]) -> None:
        """Start what the user switched on: io/chat, state export, the map."""
        publish = self.publish_raw
        if options.get(CONF_STATE_EXPORT, False):
            domains = frozenset(options.get(CONF_STATE_EXPORT_DOMAINS) or ())
            await self.async_spawn(
                actor_factory(
                    StateBridgeAgent,
                    self.hass,
                    publish,
                    self.scrubber,
                    prefix=self.topic_prefix,
                    domains=domains,
                ),
                "state-bridge",
                kind="state_bridge",
                description="Home Assistant state changes to MQTT",
            )
        if options.get(CONF_MAP_EXPORT, False):
            await self.async_spawn(
                actor_factory(
                    MapAgent,
                    self.hass,
                    publish,
                    self.scrubber,
                    prefix=self.topic_prefix,
                ),
                "map",
                kind="map",
                description="Entities with area and location to MQTT",
            )

            @callback
            def on_map_request(_topic: str, payload: str) -> None:
                try:
                    self.system.tell("map", {"command": "request", "payload": payload})
                except ActorError as err:  # (full or stopped: the request is dropped)
                    _LOGGER.debug("Map request dropped: %s", err)

            self._unsubscribers.append(
                await self.bus.subscribe(
                    with_prefix(self.topic_prefix, MAP_REQUEST_TOPIC), on_map_request
                )
            )
        if options.get(CONF_IO_CHAT, False):
            self.io_gateway = IoChatGateway(
                self.bus, self.system, self.scrubber, self.topic_prefix
            )
            await self.io_gateway.async_start()
            self._unsubscribers.append(self.io_gateway.stop)

    async def _async_start_user_agents(self) -> None:
        """Start one LLM agent per agent subentry (its name keeps its history).

        An agent whose subentry was deleted is forgotten: its id and saved
        state (HA removed its device with the subentry).
        """
        names = set()
        for subentry in self.entry.subentries.values():
            if subentry.subentry_type != SUBENTRY_AGENT:
                continue
            data = subentry.data
            names.add(str(data["name"]))
            await self.async_spawn(
                actor_factory(
                    LlmAgent,
                    self._agent_respond,
                    frozenset(data.get(CONF_ALLOWED_AGENTS) or ()),
                    self.scrubber.scrub,
                ),
                str(data["name"]),
                kind="llm_agent",
                description=subentry.title,
                meta={"subentry_id": subentry.subentry_id, "watchdog_timeout_s": 600},
            )
        for name, record in list(self.registry.agents.items()):
            if record.get("kind") == "llm_agent" and name not in names:
                self.registry.async_discard(name)
                await self.store.remove(name)

    def agent_config(self, name: str) -> dict[str, Any] | None:
        """Return the subentry data of a user-defined agent."""
        for subentry in self.entry.subentries.values():
            if (
                subentry.subentry_type == SUBENTRY_AGENT
                and subentry.data.get("name") == name
            ):
                return dict(subentry.data)
        return None

    async def _agent_respond(
        self,
        name: str,
        text: str,
        history: list[dict[str, Any]],
        /,
        *,
        stream: ReplyStream | None = None,
    ) -> dict[str, Any] | None:
        """One LLM turn of a user-defined agent with its persona and provider."""
        config = self.agent_config(name) or {}
        await self.llm.async_sync()
        chain = self.llm.chain_for(
            config.get(CONF_PROVIDER), config.get(CONF_MODEL) or None
        )
        if not chain:
            return None
        prompt = config.get(CONF_PROMPT) or f"You are {name}, an agent in a smart home."
        return await self._complete(name, chain, prompt, text, history, stream)

    @callback
    def publish_raw(self, topic: str, payload: str) -> None:
        """Publish through the bounded outbox (dropped first when it is full)."""
        self.exporter.enqueue(EventKind.LOG, topic, payload)

    @callback
    def _qa_flag(self, flag: dict[str, Any]) -> None:
        self.exporter.enqueue(
            EventKind.ALERT,
            with_prefix(self.topic_prefix, QA_FLAG),
            encode(self.scrubber.scrub_data(flag)),
        )

    def _builtin_factory(self, agent: BuiltinAgent) -> Callable[[], Actor]:
        options = self.entry.options
        if agent.actor is ManualAgent:
            return manual_agent_factory(self)
        if agent.actor is UDXAgent:
            return udx_agent_factory(self)
        if agent.actor is NautilusAgent:
            return nautilus_agent_factory(self)
        if agent.actor is HomeAssistantAgent:
            return home_agent_factory(self)
        if agent.actor is QAAgent:
            return actor_factory(QAAgent, self.scrubber, self._qa_flag)
        if agent.actor is IOAgent:
            return actor_factory(
                IOAgent, allow_commands=bool(options.get(CONF_IO_CHAT_COMMANDS, False))
            )
        if agent.actor is MainActor:
            return actor_factory(
                MainActor,
                self._respond,
                MemoryHooks(
                    summarize=self._summarize,
                    scrub=self.scrubber.scrub,
                    on_secret=lambda value: self.scrubber.add([value]),
                ),
                self._cost_report,
                modes=make_mode_hooks(self),
                resolve=lambda name: async_ensure_recipe_agent(self, name),
            )
        if agent.actor is MonitorAgent:
            return actor_factory(
                MonitorAgent,
                on_escalate=self._escalate,
                on_recover=self._recover,
                silence_timeout_s=3 * self.system.heartbeat_interval,
            )
        return actor_factory(agent.actor)

    @callback
    def _escalate(self, agent: str, data: dict[str, Any]) -> None:
        """Tell the user that supervision gave up on an agent (fixable: restart it).

        A silent agent on a node cannot be restarted from here: its issue says
        which node to check and goes away when the agent reports again.
        """
        if data.get("remote") and self.system.get(agent) is None:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                ISSUE_AGENT_GAVE_UP.format(agent),
                is_fixable=False,
                is_persistent=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="remote_agent_silent",
                translation_placeholders={
                    "agent": agent,
                    "node": str(data.get("node") or "?"),
                },
            )
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            ISSUE_AGENT_GAVE_UP.format(agent),
            is_fixable=self.system.get(agent) is not None,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="agent_gave_up",
            translation_placeholders={
                "agent": agent,
                "error": self.scrubber.scrub(
                    str(data.get("error") or data.get("reason") or "")
                ),
                "restarts": str(data.get("restarts", "")),
            },
            data={"agent": agent},
        )

    @callback
    def _recover(self, agent: str) -> None:
        ir.async_delete_issue(self.hass, DOMAIN, ISSUE_AGENT_GAVE_UP.format(agent))

    @callback
    def record_turn(self, conversation_id: str, turn: TurnResult) -> None:
        """Remember who answered a conversation's last turn (bounded)."""
        self.last_turn = turn
        self.turns[conversation_id] = turn
        self.turns.move_to_end(conversation_id)
        while len(self.turns) > MAX_REMEMBERED_TURNS:
            self.turns.popitem(last=False)

    async def _summarize(
        self, exchanges: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        """Compress old exchanges into a summary and durable facts (one LLM call)."""
        await self.llm.async_sync()
        chain = self.llm.main_chain()
        if not chain:
            return None
        transcript = "\n".join(
            f"User: {e.get('text', '')}\nAssistant: {e.get('reply', '')}"
            for e in exchanges
        )
        request = LlmRequest(
            model=chain[0].model,
            messages=[ChatMessage.user(self.scrubber.scrub(transcript))],
            system=SUMMARY_PROMPT,
            max_tokens=600,
            response_schema=SUMMARY_SCHEMA,
        )
        try:
            completion = await self.llm.gateway.complete("main", request, chain=chain)
            data = json.loads(completion.text)
        except (ProviderError, BudgetExceededError, ValueError) as err:
            _LOGGER.debug("No summary this time: %s", err)
            return None
        return data if isinstance(data, dict) else None

    def _cost_report(self) -> str:
        """Return the /cost text: totals, today, per agent and per provider."""
        gateway = self.llm.gateway
        totals = gateway.totals
        lines = [
            f"Total: ${totals.cost_usd:.4f}, {totals.input_tokens} in / "
            f"{totals.output_tokens} out tokens, {totals.calls} calls"
            + (
                f" ({totals.unknown_cost_requests} of unknown price)"
                if totals.unknown_cost_requests
                else ""
            ),
            f"Today: ${gateway.spent_today():.4f}"
            + (
                f" of ${gateway.daily_budget_usd:.2f}"
                if gateway.daily_budget_usd
                else ""
            ),
        ]
        lines += [
            f"@{name}: ${t.cost_usd:.4f}, {t.input_tokens + t.output_tokens} tokens"
            for name, t in sorted(gateway.agent_totals().items())
        ]
        lines += [
            f"{name}: ${t.cost_usd:.4f}, {t.calls} calls, {t.errors} errors"
            for name, t in sorted(gateway.provider_totals().items())
        ]
        return "\n".join(lines)

    def _usage_of(self, agent: str) -> LlmUsage:
        """Return one agent's LLM usage and who answered it last (read at every snapshot)."""
        gateway = self.llm.gateway
        totals = gateway.agent_total(agent)
        if totals is None:
            return LlmUsage()
        last = gateway.last_answer(agent)
        return LlmUsage(
            cost_usd=totals.cost_usd,
            tokens=totals.input_tokens + totals.output_tokens,
            unknown_cost_requests=totals.unknown_cost_requests,
            last_provider=last.provider if last else None,
            last_model=last.model if last else None,
        )

    @callback
    def _on_llm_call(self, record: CallRecord) -> None:
        coordinator = self.coordinators.get(record.agent)
        if coordinator is not None:
            coordinator.refresh_usage()
        async_dispatcher_send(self.hass, SIGNAL_USAGE.format(self.entry.entry_id))

    async def _respond(
        self,
        text: str,
        history: list[dict[str, Any]],
        context: str,
        /,
        *,
        stream: ReplyStream | None = None,
    ) -> dict[str, Any] | None:
        """Run main's LLM turn outside Assist (services, panel, io/chat); scrubbed input."""
        await self.llm.async_sync()
        chain = self.llm.main_chain()
        if not chain:
            return None
        prompt = self.entry.options.get(CONF_PROMPT) or DEFAULT_MAIN_PROMPT
        if context:
            prompt = f"{prompt}\n\n{self.scrubber.scrub(context)}"
        return await self._complete("main", chain, prompt, text, history, stream)

    async def _complete(  # noqa: PLR0917 - internal, positional like its callers
        self,
        agent: str,
        chain: list[ProviderBinding],
        prompt: str,
        text: str,
        history: list[dict[str, Any]],
        stream: ReplyStream | None = None,
    ) -> dict[str, Any]:
        """One metered call with the recent history; errors become a reply that says why.

        With a `stream`, the reply is streamed: QA's StreamScreen holds back the
        tail (a secret split across deltas is caught whole) and what it releases
        goes to the stream; the reply text is what was released, in order.
        """
        scrub = self.scrubber.scrub
        messages: list[ChatMessage] = []
        for exchange in history:
            messages.append(ChatMessage.user(scrub(str(exchange.get("text", "")))))
            messages.append(
                ChatMessage.assistant(scrub(str(exchange.get("reply", ""))))
            )
        messages.append(ChatMessage.user(scrub(text)))
        request = LlmRequest(model=chain[0].model, messages=messages, system=prompt)
        if stream is not None:
            return await self._stream_turn(agent, chain, request, stream)
        try:
            completion = await self.llm.gateway.complete(agent, request, chain=chain)
        except (BudgetExceededError, ProviderError) as err:
            return self._failed_turn(err)
        return self._turn_reply(
            # Screened here, before anything else scrubs it: a leak is blocked
            # and QA flags it (system/qa-flag), counted for this agent.
            screen_outbound(self.system, self.scrubber, agent, completion.text),
            completion,
        )

    async def _stream_turn(
        self,
        agent: str,
        chain: list[ProviderBinding],
        request: LlmRequest,
        stream: ReplyStream,
    ) -> dict[str, Any]:
        """`_complete` streamed: screened deltas to `stream`, the released text as the reply."""
        screen = StreamScreen(self.system, self.scrubber, agent)
        released: list[str] = []
        try:
            completion = await collect(
                self._screened(
                    self.llm.gateway.stream(agent, request, chain=chain),
                    screen,
                    stream,
                    released,
                ),
                default_model=request.model,
            )
        except (BudgetExceededError, ProviderError) as err:
            screen.close()  # what was made is still screened and flagged, not shown
            return self._failed_turn(err)
        if rest := screen.close():
            released.append(rest)
            stream.push(rest)
        return self._turn_reply("".join(released), completion)

    def _failed_turn(self, err: BudgetExceededError | ProviderError) -> dict[str, Any]:
        """Return the reply of a turn no provider answered (says why)."""
        if isinstance(err, BudgetExceededError):
            return {
                "text": f"The daily LLM budget is spent: {err}",
                "error": "budget_exceeded",
            }
        return {
            "text": f"No provider could answer: {self.scrubber.scrub(str(err))}",
            "error": "provider",
        }

    @staticmethod
    def _turn_reply(text: str, completion: Completion) -> dict[str, Any]:
        """Return an answered turn's reply: the (screened) text, who answered, the cost."""
        return {
            "text": text,
            "provider": completion.provider,
            "model": completion.model,
            "cost_usd": completion.cost_usd,
            "input_tokens": completion.usage.input_tokens,
            "output_tokens": completion.usage.output_tokens,
        }

    @staticmethod
    async def _screened(
        events: AsyncIterator[LlmEvent],
        screen: StreamScreen,
        stream: ReplyStream,
        released: list[str],
    ) -> AsyncIterator[LlmEvent]:
        """Pass the events on; text deltas also go through QA's screen to `stream`."""
        async for event in events:
            if isinstance(event, TextDelta) and (text := screen.feed(event.text)):
                released.append(text)
                stream.push(text)
            yield event

    async def async_spawn(
        self,
        factory: Callable[[], Actor],
        name: str,
        *,
        kind: str,
        protected: bool = False,
        description: str = "",
        meta: dict[str, Any] | None = None,
    ) -> ActorCell:
        """Spawn an agent with a stable id (kept in the registry store)."""
        record = self.registry.agents.get(name, {})
        cell_meta = {"kind": kind, "description": description, **(meta or {})}
        # In place before the spawn (its first events reach it); a refused spawn
        # (e.g. the name is taken) puts back the running agent's coordinator.
        previous = self.coordinators.get(name)
        coordinator = self.coordinators[name] = AgentCoordinator(
            self.hass, self.entry, name, cell_meta, self.scrubber, usage=self._usage_of
        )
        try:
            cell = await self.system.spawn(
                factory,
                name,
                actor_id=record.get("id"),
                protected=protected,
                meta=cell_meta,
            )
        except BaseException:
            if self.coordinators.get(name) is coordinator:
                if previous is not None:
                    self.coordinators[name] = previous
                else:
                    del self.coordinators[name]
            raise
        if record.get("id") != cell.id or record.get("kind") != kind:
            self.registry.async_set(name, {"id": cell.id, "kind": kind})
        coordinator.bind(cell)
        async_dispatcher_send(
            self.hass, SIGNAL_AGENT_ADDED.format(self.entry.entry_id), name
        )
        return cell

    @callback
    def _on_event(self, event: ActorEvent) -> None:
        coordinator = self.coordinators.get(event.actor_name)
        if coordinator is not None:
            if event.kind is EventKind.REMOVED:
                if (
                    coordinator.cell is not None
                    and coordinator.cell.id == event.actor_id
                ):
                    self._forget_agent(event.actor_name)
                return
            coordinator.handle_event(event)

    @callback
    def _forget_agent(self, name: str) -> None:
        """Forget a removed agent: its coordinator, its registry record, its device.

        Every `system.remove` of an agent made by `async_spawn` ends here (the
        panel's delete, a deleted actuator), so none leaves a device behind.
        """
        coordinator = self.coordinators.pop(name)
        coordinator.unbind()
        self.registry.async_discard(name)
        entry_id = self.entry.entry_id
        async_remove_device(
            self.hass, entry_id, agent_device_identifier(entry_id, name)
        )
        async_dispatcher_send(self.hass, SIGNAL_AGENT_REMOVED.format(entry_id), name)

    async def async_remove_agent(self, name: str) -> None:
        """Delete an agent for good (the panel): actor, saved state, record, device.

        An actuator is deleted with its config and trigger, a user-defined
        agent with its subentry (the entry reloads without it); otherwise
        they would come back at the next start.
        """
        cell = self.system.get(name)
        if cell is None:
            raise ActorNotFoundError(name)
        actuator = name.removeprefix(ACTOR_PREFIX)
        if (
            cell.meta.get("kind") == "actuator"
            and self.actuators is not None
            and actuator in self.actuators
        ):
            await self.actuators.async_delete(actuator)
            return
        subentry_id = cell.meta.get("subentry_id")
        await self.system.remove(cell.id)
        if isinstance(subentry_id, str) and subentry_id in self.entry.subentries:
            self.hass.config_entries.async_remove_subentry(self.entry, subentry_id)

    async def _async_publish_health(self, _now: Any = None) -> None:
        """Publish system/health (answered by the monitor agent)."""
        try:
            health = await self.system.ask("monitor", {"command": "health"}, timeout=5)
        except ActorError as err:
            _LOGGER.debug("No health snapshot: %s", err)
            return
        health["bus"] = self.bus.kind
        self.exporter.enqueue(
            EventKind.STATUS,
            with_prefix(self.topic_prefix, SYSTEM_HEALTH),
            encode(self.scrubber.scrub_data(health)),
        )

    async def _async_on_hass_stop(self, _event: Event) -> None:
        """Stop the agents when Home Assistant stops (their state reaches the final write)."""
        self._stop_unsub = None
        if self.local_node is not None:
            await self.local_node.async_stop()
        await self.system.shutdown()

    async def async_stop(self) -> None:
        """Stop every agent (their last status still goes out), flush, release listeners."""
        if self._stop_unsub is not None:
            self._stop_unsub()
            self._stop_unsub = None
        if self.code_agents is not None:
            self.code_agents.stop()
            self.code_agents = None
        if self.local_node is not None:
            await self.local_node.async_stop()
            self.local_node = None
        if self.nodes is not None:
            await self.nodes.async_stop()
            self.nodes = None
        if self.actuators is not None:
            await self.actuators.async_stop()
            self.actuators = None
        await async_stop_pipelines(self.hass, self.entry.entry_id)
        await async_stop_anomaly(self.hass, self.entry.entry_id)
        await async_close_plan_cache(self.hass, self.entry.entry_id)
        await self.system.shutdown()
        async_stop_catalog(self.hass, self.entry.entry_id)
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()
        await self.registry.async_flush()
        await self.llm.async_close()
        await self.exporter.async_close()
        for coordinator in self.coordinators.values():
            coordinator.unbind()
