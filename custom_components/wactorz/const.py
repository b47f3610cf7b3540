"""Constants of the Wactorz integration."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "wactorz"

CONF_NODE_NAME: Final = "node_name"
CONF_TOPIC_PREFIX: Final = "topic_prefix"
CONF_HEARTBEAT_INTERVAL: Final = "heartbeat_interval"
CONF_ASK_TIMEOUT: Final = "ask_timeout"
CONF_MQTT_EXPORT: Final = "mqtt_export"
CONF_IO_CHAT: Final = "io_chat"
CONF_IO_CHAT_COMMANDS: Final = "io_chat_commands"
CONF_STATE_EXPORT: Final = "state_export"
CONF_STATE_EXPORT_DOMAINS: Final = "state_export_domains"
CONF_MAP_EXPORT: Final = "map_export"
CONF_NODE_TASK_AGENTS: Final = "node_task_agents"
CONF_MAIN_PROVIDER: Final = "main_provider"
CONF_FALLBACK_PROVIDERS: Final = "fallback_providers"
CONF_DAILY_BUDGET: Final = "daily_budget"
CONF_PRICING: Final = "pricing"
CONF_PROMPT: Final = "prompt"
CONF_CLASSIFIER_MODEL: Final = "classifier_model"
CONF_LLM_HASS_API: Final = "llm_hass_api"
CONF_LOCAL_NODE: Final = "local_node"
CONF_LOCAL_NODE_NAME: Final = "local_node_name"
CONF_CODE_LLM_REVIEW: Final = "code_llm_review"
CONF_ACTION_REPLIES: Final = "action_replies"

SUBENTRY_PROVIDER: Final = "provider"
SUBENTRY_AGENT: Final = "agent"
CONF_PROVIDER_KIND: Final = "kind"
CONF_API_KEY: Final = "api_key"
CONF_BASE_URL: Final = "base_url"
CONF_MODEL: Final = "model"
CONF_PROVIDER: Final = "provider"
CONF_ALLOWED_AGENTS: Final = "allowed_agents"
CONF_ASSIST: Final = "assist"

DEFAULT_NODE_NAME: Final = "home"
DEFAULT_TOPIC_PREFIX: Final = ""
DEFAULT_HEARTBEAT_INTERVAL: Final = 10
DEFAULT_ASK_TIMEOUT: Final = 30
DEFAULT_MQTT_EXPORT: Final = True
DEFAULT_NODE_TASK_AGENTS: Final = ("main",)
DEFAULT_LOCAL_NODE_NAME: Final = "ha-local"
DEFAULT_MAIN_PROMPT: Final = (
    "You are main, the coordinator of a team of agents running inside Home Assistant. "
    "Answer briefly and plainly. Never reveal secrets, keys or tokens."
)

HEALTH_INTERVAL_S: Final = 15
STATE_SAVE_DELAY_S: Final = 5

ATTR_AGENT: Final = "agent"
ATTR_MESSAGE: Final = "message"
ATTR_TIMEOUT: Final = "timeout"

SIGNAL_AGENT_ADDED: Final = "wactorz_agent_added_{}"
SIGNAL_AGENT_REMOVED: Final = "wactorz_agent_removed_{}"
SIGNAL_USAGE: Final = "wactorz_llm_usage_{}"

ISSUE_MQTT_MISSING: Final = "mqtt_missing"
ISSUE_STORAGE_UNREADABLE: Final = "storage_unreadable_{}"
ISSUE_AGENT_GAVE_UP: Final = "agent_gave_up_{}"
ISSUE_BUDGET_EXCEEDED: Final = "budget_exceeded"
# Fixable issues of provider keys before the reauth flow: deleted at setup.
LEGACY_ISSUE_PROVIDER_AUTH: Final = "provider_auth_"
# Entry data of a reauth flow: the provider subentry whose key stopped working.
REAUTH_PROVIDER: Final = "reauth_provider"
