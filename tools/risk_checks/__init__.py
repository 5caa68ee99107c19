"""The gate's risk checks: one CheckResult per rule, in a stable order, from flat GateInputs.

Every rule runs every time (no short-circuit), so a rejected idea shows all its reasons and the
checks tree on the idea page always has the same shape.
"""

from tools.checks import Category, CheckResult, Rule, Severity
from tools.risk_checks import desk, trade
from tools.risk_checks.base import GateInputs
from tools.risk_config import RiskConfig

__all__ = [
    "RULES",
    "GateInputs",
    "blocking",
    "news_size_factor",
    "reason_codes",
    "run_checks",
]

_CHECKS = [*trade.CHECKS, *desk.CHECKS]
RULES: list[Rule] = [check.rule for check in _CHECKS]


def run_checks(inputs: GateInputs) -> list[CheckResult]:
    return [check.run(inputs) for check in _CHECKS]


def blocking(results: list[CheckResult]) -> list[CheckResult]:
    """Failed checks that reject the idea (BLOCK) or halt trading (HALT)."""
    return [r for r in results if r.blocks]


def reason_codes(results: list[CheckResult]) -> list[str]:
    """Ids of the failed checks, warnings included, in check order."""
    return [r.id for r in results if not r.passed]


def news_size_factor(results: list[CheckResult], config: RiskConfig) -> float:
    """Lot multiplier for relaxed news mode: config.news_size_factor when a news check failed as
    a warning (a blackout, or a calendar that could not confirm there is none), else 1."""
    relaxed_news = any(
        r.category is Category.NEWS and not r.passed and r.severity is Severity.WARN
        for r in results
    )
    return config.news_size_factor if relaxed_news else 1.0
