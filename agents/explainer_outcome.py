"""The offline explainer's answer to "why": what the gate decided about an idea, the checks
that decided it, the human acts after it, and the idea's story of decisions.

Shared with explainer_answers: `num` (a value at the precision the record holds it) and
`title` (how an idea is named).
"""

from collections.abc import Mapping
from typing import Any

Results = Mapping[str, Any]


def num(value: Any) -> str:
    """A number as the record holds it, without float noise or exponent notation."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:.6f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _levels(idea: Mapping[str, Any]) -> str:
    targets = ", ".join(num(t) for t in idea.get("targets") or []) or "none"
    return (
        f"entry {num(idea['entry'])}, stop {num(idea['stop'])}, targets {targets}, "
        f"R:R {num(idea['rr'])}, {num(idea['computed_lots'])} lots computed"
    )


def title(idea: Mapping[str, Any]) -> str:
    strategy = idea.get("strategy") or "no strategy"
    return f"Idea #{idea['id']} ({idea['symbol']} {idea['direction']}, {strategy})"


def _check_lines(checks: list[Mapping[str, Any]]) -> str:
    return "; ".join(f"{c['id']} ({c['detail']})" for c in checks)


def _failed(results: Results, *severities: str) -> list[Mapping[str, Any]]:
    checks = (results.get("checks") or {}).get("checks") or []
    return [c for c in checks if not c["passed"] and c["severity"] in severities]


def _decision_line(decision: Mapping[str, Any]) -> str:
    codes = ", ".join(decision.get("reason_codes") or [])
    details = decision.get("details") or {}
    extra = "; ".join(
        f"{key} {num(details[key])}" for key in ("reason", "message", "lots") if details.get(key)
    )
    return (
        f"#{decision['id']} {decision['action']} by {decision['actor']} at {decision['at']}"
        + (f" [{codes}]" if codes else "")
        + (f": {extra}" if extra else "")
    )


def _threshold_sentence(results: Results, idea: Mapping[str, Any]) -> str:
    check = next(
        (
            c
            for c in (results.get("checks") or {}).get("checks") or []
            if c["id"] == "CONFIDENCE_THRESHOLD"
        ),
        None,
    )
    if check is None:
        return ""
    side = "at or above" if check["passed"] else "below"
    return (
        f" Its confidence {num(idea['confidence'])} was {side} the threshold "
        f"{num(check['numbers'].get('min'))}."
    )


_HUMAN_ACTS = {
    "approved": "{actor} approved it with {lots} lots",
    "human_rejected": "{actor} rejected it (reason: {reason})",
    "expired": "nobody countersigned it before it expired",
    "approval_refused": "approving it was refused on re-validation ({codes})",
}


def _human_act(results: Results) -> str | None:
    """The last human act on the idea (or its expiry), in words."""
    story = (results.get("decisions") or {}).get("decisions") or []
    for decision in reversed(story):
        template = _HUMAN_ACTS.get(decision["action"])
        if template is not None:
            details = decision.get("details") or {}
            return template.format(
                actor=decision["actor"],
                lots=num(details.get("lots")),
                reason=details.get("reason") or "none given",
                codes=", ".join(decision.get("reason_codes") or []),
            )
    return None


def _why_status(results: Results, idea: Mapping[str, Any]) -> str:
    status, mode = idea["status"], idea["mode"]
    human = _human_act(results)
    if human is not None and status != "needs_approval":
        return f"The gate queued it for a human in {mode}, then {human}; it is now {status}."
    blocking = _failed(results, "block", "halt")
    if status in ("rejected", "halted_by_risk") and blocking:
        verb = "rejected it and halted trading" if status == "halted_by_risk" else "rejected it"
        return f"The gate {verb}: {_check_lines(blocking)}."
    if status == "rejected":
        return (
            f"The gate rejected it in {mode}: its confidence {num(idea['confidence'])} was below "
            f"the threshold, and in {mode} that rejects rather than queues."
        )
    if status == "needs_approval":
        if idea.get("llm_unavailable"):
            why = "the offline fallback decided it (LLM_UNAVAILABLE), so a human must countersign"
        elif mode == "SEMI_AUTO":
            why = "in SEMI_AUTO only ideas at or above the confidence threshold execute alone"
        else:
            why = f"the desk runs in {mode}: every passing idea waits for a human countersignature"
        return f"It passed every blocking check and was queued for approval: {why}."
    if status == "auto_executed":
        return f"Every blocking check passed and {mode} let the desk execute it without a human."
    if status == "no_trade":
        codes = ", ".join(idea.get("reason_codes") or []) or "none"
        return f"The desk proposed no trade (reason codes: {codes}). Rationale: {idea['rationale']}"
    if status == "analysis":
        return "The desk ran in ANALYSIS_ONLY: the idea was recorded and never ordered."
    return f"Its status is {status}; the decisions below tell how it got there."


def outcome(results: Results) -> list[str]:
    idea = results.get("idea") or {}
    story = (results.get("decisions") or {}).get("decisions") or []
    if not idea.get("available"):
        lines = [idea.get("note", "This decision is not about an idea.")]
        return lines + [f"- {_decision_line(d)}" for d in story]
    lines = [
        f"{title(idea)} is {idea['status']} (mode {idea['mode']}; {_levels(idea)}).",
        _why_status(results, idea) + _threshold_sentence(results, idea),
    ]
    warnings = _failed(results, "warn")
    if warnings:
        lines.append(f"Warnings that did not block: {_check_lines(warnings)}.")
    if story:
        lines.append("Decisions, oldest first:")
        lines += [f"- {_decision_line(d)}" for d in story]
    return lines
