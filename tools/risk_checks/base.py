"""What the gate checks against, and the shape every check shares.

`GateInputs` is flat on purpose: the orchestrator fills it from the snapshot, the strategy
evaluation, the computed levels and size and the confidence score, so a check is a pure function
of plain numbers and flags and a replay of the same inputs gives the same results.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PositiveFloat

from tools.account import Direction
from tools.calendar import CalendarEvent
from tools.checks import Category, CheckResult, Rule, Severity
from tools.risk_config import Mode, RiskConfig, Strictness


class GateInputs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The proposal, with levels and size as code computed them.
    symbol: str = Field(min_length=1)
    direction: Direction
    entry: PositiveFloat
    stop: PositiveFloat
    targets: list[PositiveFloat] = Field(
        min_length=1, description="R:R and profit are measured to the first"
    )
    rr: float = Field(description="Reward to the first target over risk to the stop")
    computed_lots: float = Field(ge=0, description="Size from the risk budget")
    requested_lots: float = Field(ge=0, description="Final lots after any human/LLM reduction")
    # The instrument at the snapshot.
    market_price: PositiveFloat = Field(description="The snapshot's last price")
    pip_size: PositiveFloat
    contract_size: PositiveFloat
    leverage: PositiveFloat
    quote_to_account: PositiveFloat = Field(
        default=1.0, description="Converts margin from the quote currency (e.g. JPY) to account"
    )
    news_currencies: list[str]
    # The strategy evaluation; caps are None when no strategy was found.
    strategy_name: str | None
    strategy_found: bool
    strategy_active: bool
    strategy_symbol_allowed: bool
    strategy_session_open: bool
    strategy_conditions_passed: bool
    strategy_failed_conditions: list[str]
    strategy_direction: Direction | None
    strategy_expected_rr: float | None
    strategy_max_lots: PositiveFloat | None
    strategy_max_concurrent: int | None = Field(ge=1)
    strategy_news_blackout_minutes: int | None = Field(ge=0)
    # Account and activity.
    open_positions_count: int = Field(ge=0)
    same_direction_count: int = Field(ge=0, description="Open on this symbol and side")
    free_margin: float
    daily_pnl: float
    trades_today: int = Field(ge=0)
    trades_this_session: int = Field(ge=0)
    consecutive_losses: int = Field(ge=0)
    minutes_since_last_loss: float | None = Field(ge=0, description="None if never lost")
    # Session, news and desk state at `as_of`.
    kill_zone_active: bool
    kill_zone_name: str | None
    events: list[CalendarEvent] = Field(description="Calendar events as of the snapshot")
    calendar_ok: bool
    as_of: AwareDatetime
    trading_enabled: bool = Field(description="Kill switch on and trading state ACTIVE")
    halt_reason: str | None
    mode: Mode
    confidence: float = Field(ge=0, le=100)
    config: RiskConfig


@dataclass(frozen=True)
class Verdict:
    """What one check decided; the numbers become the detail line verbatim."""

    passed: bool
    numbers: dict[str, Any]
    severity: Severity = Severity.BLOCK  # the severity a failure has, set even when it passes
    note: str = ""  # words the numbers cannot say (failed conditions, halt reason)

    def detail(self) -> str:
        shown = " ".join(f"{name}={_shown(value)}" for name, value in self.numbers.items())
        return f"{shown} ({self.note})" if self.note else shown


Evaluate = Callable[[GateInputs], Verdict]


@dataclass(frozen=True)
class Check:
    rule: Rule
    evaluate: Evaluate

    def run(self, inputs: GateInputs) -> CheckResult:
        verdict = self.evaluate(inputs)
        return CheckResult(
            id=self.rule.id,
            category=self.rule.category,
            passed=verdict.passed,
            severity=verdict.severity,
            detail=verdict.detail(),
            numbers=verdict.numbers,
        )


class CheckList(list[Check]):
    """Checks in the order their rules are declared; `@checks.rule(...)` adds a function."""

    def rule(self, id: str, category: Category, description: str) -> Callable[[Evaluate], Evaluate]:
        def add(evaluate: Evaluate) -> Evaluate:
            self.append(Check(Rule(id=id, category=category, description=description), evaluate))
            return evaluate

        return add


def clean(value: float) -> float:
    """`value` at the precision details show (10 significant digits), so float noise such as
    1.0855 - 1.085 = 0.000499999... cannot fail a number sitting exactly on its limit."""
    return value if isinstance(value, int) else float(f"{value:.10g}")


def below(
    name: str,
    value: float,
    limit: float,
    *,
    limit_name: str = "max",
    severity: Severity = Severity.BLOCK,
) -> Verdict:
    """Passes while `value` < `limit`: reaching a limit fails. A limit of 0 means no limit."""
    value, limit = clean(value), clean(limit)
    return Verdict(
        passed=limit == 0 or value < limit,
        numbers={name: value, limit_name: limit},
        severity=severity,
        note="no limit" if limit == 0 else "",
    )


def at_least(
    name: str, value: float, minimum: float, *, severity: Severity = Severity.BLOCK
) -> Verdict:
    """Passes when `value` >= `minimum`: exactly the minimum passes."""
    value, minimum = clean(value), clean(minimum)
    return Verdict(value >= minimum, {name: value, "min": minimum}, severity)


def strictness_severity(mode: Strictness) -> Severity:
    return Severity.BLOCK if mode is Strictness.STRICT else Severity.WARN


def _shown(value: Any) -> str:
    match value:
        case None:
            return "none"
        case bool():
            return str(value).lower()
        case float():
            return f"{value:.10g}"
        case list():
            return ",".join(_shown(v) for v in value) or "none"
        case str() if any(c.isspace() for c in value):
            return repr(value)
        case _:
            return str(value)
