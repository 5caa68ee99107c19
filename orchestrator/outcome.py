"""From check results and the mode to one outcome: the last, purely mechanical step of the gate.

direction none                          -> no_trade
trading halted, or a HALT check failed  -> halted_by_risk
a BLOCK check failed                    -> rejected
ANALYSIS_ONLY                           -> analysis (recorded, never ordered)
APPROVAL_REQUIRED                       -> needs_approval
SEMI_AUTO                               -> auto_executed at/above threshold, else needs_approval
SIMULATION, FULL_AUTO                   -> auto_executed at/above threshold, else rejected
"""

from enum import StrEnum

from tools.checks import CheckResult, Severity
from tools.risk_config import Mode

CONFIDENCE_CHECK = "CONFIDENCE_THRESHOLD"
TRADING_STATE_CHECK = "TRADING_STATE"


class Outcome(StrEnum):
    AUTO_EXECUTED = "auto_executed"
    NEEDS_APPROVAL = "needs_approval"
    REJECTED = "rejected"
    HALTED_BY_RISK = "halted_by_risk"
    NO_TRADE = "no_trade"
    ANALYSIS = "analysis"


def decide_outcome(results: list[CheckResult], mode: Mode, *, wants_trade: bool) -> Outcome:
    if not wants_trade:
        return Outcome.NO_TRADE
    failed = [r for r in results if not r.passed]
    if any(r.severity is Severity.HALT for r in failed):
        return Outcome.HALTED_BY_RISK
    if any(r.severity is Severity.BLOCK for r in failed):
        return Outcome.REJECTED
    confident = all(r.id != CONFIDENCE_CHECK for r in failed)
    match mode:
        case Mode.ANALYSIS_ONLY:
            return Outcome.ANALYSIS
        case Mode.APPROVAL_REQUIRED:
            return Outcome.NEEDS_APPROVAL
        case Mode.SEMI_AUTO:
            return Outcome.AUTO_EXECUTED if confident else Outcome.NEEDS_APPROVAL
        case Mode.SIMULATION | Mode.FULL_AUTO:
            return Outcome.AUTO_EXECUTED if confident else Outcome.REJECTED
