"""What if: the gate again on an idea's own snapshot, with one parameter changed.

Pure: nothing is stored and no decision is recorded. The baseline is the same re-run without
the change, so the difference shows the parameter's effect even if the strategy was edited
since (`matches_record` says whether the baseline still gives the recorded result).
"""

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, PositiveFloat, TypeAdapter, ValidationError

from orchestrator.errors import InvalidInput
from orchestrator.gate import DeskState, GateDecision, judge
from orchestrator.outcome import Outcome
from tools.checks import CheckResult
from tools.proposal import ProposalDirection, TradeProposal
from tools.risk_config import RiskConfig
from tools.snapshot import Snapshot
from tools.strategies import StrategyDefinition

LOTS = "lots"
SESSION_CHECK = "MAX_TRADES_PER_SESSION"
_FIXED = {"last_halt_reason", "halted_at"}  # records of a halt, not parameters
PARAMETERS: tuple[str, ...] = (LOTS, *sorted(set(RiskConfig.model_fields) - _FIXED))
_LOTS = TypeAdapter(PositiveFloat)


class GateReplay(BaseModel):
    outcome: Outcome
    confidence: float | None
    lots: float
    computed_lots: float
    rr: float | None
    reason_codes: list[str]
    checks: list[CheckResult]


class CheckChange(BaseModel):
    id: str
    before: str
    after: str


class WhatIfResult(BaseModel):
    parameter: str
    value: Any
    was: Any
    recorded: dict[str, Any]
    baseline: GateReplay
    what_if: GateReplay
    changed_checks: list[CheckChange]
    matches_record: bool
    summary: str


def proposal_for(idea: Mapping[str, Any], lots: float | None = None) -> TradeProposal:
    """The idea as a proposal again (as Desk._revalidate rebuilds it); the gate sizes it
    unless `lots` asks for fewer."""
    return TradeProposal(
        symbol=idea["symbol"],
        direction=ProposalDirection(idea["direction"]),
        strategy=idea["strategy_name"] or None,
        entry=idea["entry"],
        stop=idea["stop"],
        targets=idea["targets"],
        lots=lots,
    )


def trades_this_session(idea: Mapping[str, Any]) -> int:
    """The session's trade count the gate saw, as its frequency check recorded it."""
    check = next((c for c in idea["checks"] if c["id"] == SESSION_CHECK), None)
    return int(check["numbers"].get("session_trades", 0)) if check else 0


def replay(
    snapshot: Snapshot,
    proposal: TradeProposal,
    strategy: StrategyDefinition | None,
    config: RiskConfig,
    session_trades: int,
) -> GateDecision:
    # The snapshot carries the config too (account comfort reads its limits): both change.
    changed = snapshot.model_copy(update={"risk_config": config})
    return judge(changed, proposal, strategy, DeskState(config, session_trades))


def _as_replay(decision: GateDecision, llm_unavailable: bool) -> GateReplay:
    outcome = decision.outcome
    if llm_unavailable and outcome is Outcome.AUTO_EXECUTED:
        outcome = Outcome.NEEDS_APPROVAL  # as Desk.propose: the fallback never executes alone
    return GateReplay(
        outcome=outcome,
        confidence=decision.confidence.total if decision.confidence else None,
        lots=decision.lots,
        computed_lots=decision.computed_lots,
        rr=decision.rr,
        reason_codes=decision.reason_codes,
        checks=decision.checks,
    )


def _changed(parameter: str, value: str | float, base: RiskConfig) -> tuple[RiskConfig, Any, Any]:
    """(config to judge with, the value parsed, the value it replaces)."""
    if parameter not in PARAMETERS:
        raise InvalidInput(
            f"{parameter!r} cannot be changed in a what-if (known: {', '.join(PARAMETERS)})",
            {"parameter": parameter},
        )
    try:
        if parameter == LOTS:
            return base, _LOTS.validate_python(value), None
        config = RiskConfig.model_validate({**base.model_dump(), parameter: value})
    except ValidationError as exc:
        message = exc.errors()[0]["msg"]
        raise InvalidInput(f"{parameter}={value}: {message}", {"parameter": parameter}) from None
    return config, getattr(config, parameter), getattr(base, parameter)


def _verdict(check: CheckResult) -> str:
    return f"passed ({check.detail})" if check.passed else f"{check.severity} ({check.detail})"


def _shown(check: CheckResult) -> tuple[bool, str, str]:
    return check.passed, check.severity, check.detail


def _check_changes(before: GateReplay, after: GateReplay) -> list[CheckChange]:
    old = {c.id: c for c in before.checks}
    return [
        CheckChange(id=c.id, before=_verdict(old[c.id]), after=_verdict(c))
        for c in after.checks
        if c.id in old and _shown(old[c.id]) != _shown(c)
    ]


def _summary(result: WhatIfResult) -> str:
    base, new = result.baseline, result.what_if
    was = "" if result.was is None else f" (was {result.was})"
    outcome = (
        f"still gives {new.outcome}"
        if new.outcome is base.outcome
        else f"gives {new.outcome} instead of {base.outcome}"
    )
    lines = [
        f"With {result.parameter} = {result.value}{was}, the gate on the same snapshot {outcome}; "
        f"confidence {base.confidence} -> {new.confidence}; lots {base.lots} -> {new.lots}."
    ]
    lines += [f"{c.id}: {c.before} -> {c.after}" for c in result.changed_checks]
    return "\n".join(lines)


def what_if(
    snapshot: Snapshot,
    idea: Mapping[str, Any],
    strategy: StrategyDefinition | None,
    parameter: str,
    value: str | float,
) -> WhatIfResult:
    """Judge the idea's proposal on its snapshot with `parameter` set to `value`; raises
    InvalidInput for an unknown parameter or a value the desk would refuse."""
    base_config = snapshot.risk_config
    config, parsed, was = _changed(parameter, value, base_config)
    session_trades = trades_this_session(idea)
    unavailable = bool(idea["llm_unavailable"])
    baseline = _as_replay(
        replay(snapshot, proposal_for(idea), strategy, base_config, session_trades), unavailable
    )
    lots = parsed if parameter == LOTS else None
    changed = _as_replay(
        replay(snapshot, proposal_for(idea, lots), strategy, config, session_trades), unavailable
    )
    result = WhatIfResult(
        parameter=parameter,
        value=parsed,
        was=was if parameter != LOTS else baseline.lots,
        recorded={
            "status": idea["status"],
            "confidence": idea["confidence"],
            "reason_codes": idea["reason_codes"],
        },
        baseline=baseline,
        what_if=changed,
        changed_checks=_check_changes(baseline, changed),
        matches_record=(baseline.confidence, baseline.reason_codes)
        == (idea["confidence"], idea["reason_codes"]),
        summary="",
    )
    return result.model_copy(update={"summary": _summary(result)})
