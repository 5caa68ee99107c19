"""What the offline rules model says for each role: deterministic, from the conversation alone.

Analysts call their tools and restate the numbers; the risk manager checks the code's candidate;
the executor submits that candidate, or direction "none" when there is none or the risk manager's
checks say they block. Headline text is never read: it is only passed through as data.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from agents.digest import candidate_proposal
from agents.roles import TITLES, Role, parse_tool_summary
from tools.proposal import ProposalDirection, TradeProposal

ToolCallPlan = list[tuple[str, dict[str, Any]]]
_MAX_RESULT_CHARS = 600
_MAX_LIST_ITEMS = 3


@dataclass(frozen=True)
class Conversation:
    """What an agent's model context says, reduced to what the rules need."""

    role: Role
    digest: dict[str, Any] | None
    said: dict[str, str] = field(default_factory=dict)  # latest message of each colleague
    tool_results: list[tuple[str, str]] = field(default_factory=list)  # this turn's (name, result)


def _trade(conversation: Conversation) -> TradeProposal | None:
    """The code's candidate when it is a buy or a sell."""
    if conversation.digest is None:
        return None
    candidate = candidate_proposal(conversation.digest)
    return None if candidate is None or candidate.direction is ProposalDirection.NONE else candidate


def plan_calls(conversation: Conversation) -> ToolCallPlan:
    match conversation.role:
        case Role.TECHNICAL:
            return [("indicators", {}), ("evaluate_strategy", {}), ("key_levels", {})]
        case Role.NEWS:
            return [("upcoming_events", {}), ("headlines", {})]
        case Role.RISK:
            trade = _trade(conversation)
            if trade is None:
                return [("confidence", {"direction": side}) for side in ("buy", "sell")]
            side = trade.direction.value
            return [
                ("position_size", {"direction": side}),
                ("risk_checks", {"proposal": trade.model_dump(mode="json")}),
                ("confidence", {"direction": side}),
            ]
        case Role.EXECUTOR:
            return [("submit_proposal", {"proposal": decide(conversation).model_dump(mode="json")})]


def _risk_blockers(risk_message: str | None) -> list[str] | None:
    """Reason codes when the risk manager's risk_checks said they block; None when they did not.
    Only an explicit "passed": false blocks: the gate re-checks everything either way."""
    raw = parse_tool_summary(risk_message or "").get("risk_checks")
    try:
        checks = json.loads(raw) if raw else None
    except json.JSONDecodeError:
        return None
    if not isinstance(checks, dict) or checks.get("passed") is not False:
        return None
    return [str(code) for code in checks.get("reason_codes") or ["RISK_CHECKS_FAILED"]]


def decide(conversation: Conversation) -> TradeProposal:
    if conversation.digest is None:
        raise ValueError("the task has no desk digest, so the offline model has nothing to submit")
    symbol = conversation.digest["symbol"]
    trade = _trade(conversation)
    if trade is None:
        return _no_trade(symbol, "the strategy allows no trade now")
    blockers = _risk_blockers(conversation.said.get(Role.RISK.value))
    if blockers is not None:
        return _no_trade(symbol, f"the risk checks block ({', '.join(blockers)})")
    return trade.model_copy(
        update={
            "rationale": f"Offline rules model: submits the code's {trade.direction.value} "
            f"candidate for strategy {trade.strategy or 'unnamed'}; the risk checks pass."
        }
    )


def _no_trade(symbol: str, why: str) -> TradeProposal:
    return TradeProposal(
        symbol=symbol, direction=ProposalDirection.NONE, rationale=f"Offline rules model: {why}."
    )


def _number(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else json.dumps(value, ensure_ascii=False)


def _flatten(value: Any, path: str = "") -> list[str]:
    """key=value pairs, dotted for nesting, so a message states every number a tool gave."""
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _flatten(v, f"{path}{k}.")]
    if isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        items = value[:_MAX_LIST_ITEMS]
        return [pair for i, item in enumerate(items) for pair in _flatten(item, f"{path}{i}.")]
    if isinstance(value, list):
        return [f"{path.rstrip('.')}=[{', '.join(_number(v) for v in value)}]"]
    return [f"{path.rstrip('.')}={_number(value)}"]


def _compact(result: str) -> str:
    try:
        text = ", ".join(_flatten(json.loads(result)))
    except json.JSONDecodeError:
        text = result
    return text if len(text) <= _MAX_RESULT_CHARS else text[: _MAX_RESULT_CHARS - 3] + "..."


def write_message(conversation: Conversation) -> str:
    lines = [f"Offline rules model ({TITLES[conversation.role]}): the numbers from my tools."]
    lines += [f"- {name}: {_compact(result)}" for name, result in conversation.tool_results]
    trade = _trade(conversation)
    if trade is not None:
        lines.append(
            f"Code candidate: {trade.direction.value} entry={_number(trade.entry)} "
            f"stop={_number(trade.stop)} targets=[{', '.join(_number(t) for t in trade.targets)}] "
            f"lots={_number(trade.lots)}."
        )
    else:
        lines.append("Code candidate: none, the strategy allows no trade now.")
    return "\n".join(lines)
