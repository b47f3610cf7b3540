"""Rules that control locks, alarms, covers or valves wait for the user: a repair issue each.

A sensitive rule starts disabled. Its repair issue (`pipeline_confirm_<rule
id>`) opens a confirm flow that names the trigger and every action the rule
will take; confirming enables the rule and removes the issue. Turning the
rule's switch on confirms it too (and removes the issue); deleting the rule
removes the issue. Issues are not persistent: they are raised again for every
rule still waiting when the rules are restored.
"""

from __future__ import annotations

from collections.abc import Callable
import json
from typing import Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from ..const import DOMAIN
from .model import Action, Rule

ISSUE_PREFIX = "pipeline_confirm_"
TRANSLATION_KEY = "pipeline_confirm"
MAX_DATA_CHARS = 200


def issue_id(rule_id: str) -> str:
    """Return the repair issue id of a rule waiting for confirmation."""
    return f"{ISSUE_PREFIX}{rule_id}"


def is_confirm_issue(issue: str) -> bool:
    """Return True for a pipeline confirmation issue."""
    return issue.startswith(ISSUE_PREFIX)


def describe_action(action: Action) -> str:
    """Return one action in words a user can check (service, targets, data)."""
    if action.type == "notify":
        return (
            f"send a {action.channel or action.service} notification: {action.message}"
        )
    text = action.service
    if action.entity_ids:
        text += f" on {', '.join(action.entity_ids)}"
    if action.data:
        data = json.dumps(action.data, sort_keys=True)
        if len(data) > MAX_DATA_CHARS:
            data = data[: MAX_DATA_CHARS - 1] + "…"
        text += f" with {data}"
    return text


def placeholders(rule: Rule, scrub: Callable[[str], str] = str) -> dict[str, str]:
    """Return what the issue and its flow show: the rule, its trigger, its actions (scrubbed)."""
    summary = rule.summary()
    trigger = summary.split(": ", 1)[0]
    if rule.conditions:
        trigger += f" (if {len(rule.conditions)} conditions hold)"
    return {
        "rule_id": rule.id,
        "name": scrub(rule.name),
        "trigger": scrub(trigger),
        "actions": scrub("\n".join(f"- {describe_action(a)}" for a in rule.actions)),
    }


@callback
def async_raise_confirm_issue(
    hass: HomeAssistant, rule: Rule, scrub: Callable[[str], str] = str
) -> None:
    """Create (or refresh) the confirmation issue of a waiting rule."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(rule.id),
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=TRANSLATION_KEY,
        translation_placeholders=placeholders(rule, scrub),
        data={"rule_id": rule.id},
    )


@callback
def async_clear_confirm_issue(hass: HomeAssistant, rule_id: str) -> None:
    """Remove a rule's confirmation issue (confirmed, disabled by hand or deleted)."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(rule_id))


class ConfirmRuleRepairFlow(ConfirmRepairFlow):
    """Show exactly what the rule will do; enable it on confirm."""

    def __init__(self, rule_id: str) -> None:
        """Remember which rule to confirm."""
        self._rule_id = rule_id

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Show the rule; on confirm enable it (this also confirms it) and close the issue."""
        from .registry import get_registry  # noqa: PLC0415 - registry imports us

        entries = self.hass.config_entries.async_loaded_entries(DOMAIN)
        registry = get_registry(self.hass, entries[0].entry_id) if entries else None
        if registry is None:
            return self.async_abort(reason="not_loaded")
        rule = registry.rules.get(self._rule_id)
        if rule is None or not rule.needs_confirmation:
            async_clear_confirm_issue(self.hass, self._rule_id)
            return self.async_abort(reason="rule_gone")
        if user_input is not None:
            await registry.async_set_enabled(rule.id, True)
            async_clear_confirm_issue(self.hass, rule.id)
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            description_placeholders=placeholders(rule, registry.scrub),
        )


def fix_flow(data: dict[str, Any] | None) -> ConfirmRuleRepairFlow | None:
    """Return the fix flow of a confirmation issue (None when its data is odd)."""
    if data and isinstance(data.get("rule_id"), str):
        return ConfirmRuleRepairFlow(data["rule_id"])
    return None
