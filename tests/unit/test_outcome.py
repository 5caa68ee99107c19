import pytest

from orchestrator.outcome import Outcome, decide_outcome
from tools.checks import Category, CheckResult, Severity
from tools.risk_config import Mode


def _check(id_: str, passed: bool, severity: Severity) -> CheckResult:
    return CheckResult(
        id=id_, category=Category.STATE, passed=passed, severity=severity, detail="x"
    )


PASSING = [
    _check("STOP_SIDE", True, Severity.BLOCK),
    _check("CONFIDENCE_THRESHOLD", True, Severity.WARN),
]
LOW_CONFIDENCE = [
    _check("STOP_SIDE", True, Severity.BLOCK),
    _check("CONFIDENCE_THRESHOLD", False, Severity.WARN),
]


@pytest.mark.parametrize(
    ("mode", "results", "expected"),
    [
        (Mode.ANALYSIS_ONLY, PASSING, Outcome.ANALYSIS),
        (Mode.APPROVAL_REQUIRED, PASSING, Outcome.NEEDS_APPROVAL),
        (Mode.APPROVAL_REQUIRED, LOW_CONFIDENCE, Outcome.NEEDS_APPROVAL),
        (Mode.SEMI_AUTO, PASSING, Outcome.AUTO_EXECUTED),
        (Mode.SEMI_AUTO, LOW_CONFIDENCE, Outcome.NEEDS_APPROVAL),
        (Mode.SIMULATION, PASSING, Outcome.AUTO_EXECUTED),
        (Mode.SIMULATION, LOW_CONFIDENCE, Outcome.REJECTED),
        (Mode.FULL_AUTO, PASSING, Outcome.AUTO_EXECUTED),
        (Mode.FULL_AUTO, LOW_CONFIDENCE, Outcome.REJECTED),
    ],
)
def test_decide_outcome_when_checks_pass_then_mode_decides(
    mode: Mode, results: list[CheckResult], expected: Outcome
) -> None:
    assert decide_outcome(results, mode, wants_trade=True) is expected


@pytest.mark.parametrize("mode", list(Mode))
def test_decide_outcome_when_block_check_fails_then_rejected_in_every_mode(mode: Mode) -> None:
    results = [*PASSING, _check("MIN_RR", False, Severity.BLOCK)]
    assert decide_outcome(results, mode, wants_trade=True) is Outcome.REJECTED


@pytest.mark.parametrize("mode", list(Mode))
def test_decide_outcome_when_halt_check_fails_then_halted_even_with_block(mode: Mode) -> None:
    results = [
        *PASSING,
        _check("MIN_RR", False, Severity.BLOCK),
        _check("TRADING_STATE", False, Severity.HALT),
    ]
    assert decide_outcome(results, mode, wants_trade=True) is Outcome.HALTED_BY_RISK


def test_decide_outcome_when_team_wants_no_trade_then_no_trade_whatever_the_checks() -> None:
    results = [_check("TRADING_STATE", False, Severity.HALT)]
    assert decide_outcome(results, Mode.FULL_AUTO, wants_trade=False) is Outcome.NO_TRADE


def test_decide_outcome_when_warn_check_fails_then_does_not_block() -> None:
    results = [*PASSING, _check("KILL_ZONE", False, Severity.WARN)]
    assert decide_outcome(results, Mode.SEMI_AUTO, wants_trade=True) is Outcome.AUTO_EXECUTED
