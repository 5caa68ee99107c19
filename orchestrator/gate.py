"""The gate: a proposal + the snapshot it was made on + the desk's state -> one decision.

Deterministic and side-effect free, so approvals re-run it on fresh state and "what if" re-runs
it with one parameter changed. Code recomputes everything the LLM could have got wrong: levels it
left out, R:R, size (never above the computed size or the caps) and confidence.
"""

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from orchestrator.outcome import TRADING_STATE_CHECK, Outcome, decide_outcome
from tools.account import AccountState, Direction
from tools.checks import Category, CheckResult, Severity
from tools.confidence import ConfidenceScore, confidence_score
from tools.levels import compute_levels
from tools.proposal import ProposalDirection, TradeProposal
from tools.risk_checks import GateInputs, news_size_factor, reason_codes, run_checks
from tools.risk_config import RiskConfig
from tools.sizing import SizeResult, floor_to_step, position_size, quote_to_account_rate
from tools.snapshot import Snapshot
from tools.strategies import StrategyDefinition, StrategyEvaluation, evaluate_strategy

LEVELS_CHECK = "LEVELS_AVAILABLE"


@dataclass(frozen=True)
class DeskState:
    """What the gate needs to know about the desk beyond the snapshot, read fresh each time."""

    config: RiskConfig
    trades_this_session: int


class GateDecision(BaseModel):
    outcome: Outcome
    symbol: str
    strategy: str | None
    direction: Direction | None
    entry: float | None = None
    stop: float | None = None
    targets: list[float] = []
    rr: float | None = None
    computed_lots: float = 0.0
    lots: float = 0.0
    size: SizeResult | None = None
    confidence: ConfidenceScore | None = None
    evaluation: StrategyEvaluation | None = None
    checks: list[CheckResult] = []
    reason_codes: list[str] = []

    @property
    def automatic_halts(self) -> list[CheckResult]:
        """Failed HALT checks that should switch trading off (not the one saying it is off)."""
        return [
            c
            for c in self.checks
            if not c.passed and c.severity is Severity.HALT and c.id != TRADING_STATE_CHECK
        ]


def _rr(direction: Direction, entry: float, stop: float, target: float) -> float:
    sign = 1 if direction is Direction.BUY else -1
    risk = (entry - stop) * sign
    return round((target - entry) * sign / risk, 2) if risk > 0 else 0.0


def _levels_unavailable(reason: str) -> CheckResult:
    return CheckResult(
        id=LEVELS_CHECK,
        category=Category.LEVELS,
        passed=False,
        severity=Severity.BLOCK,
        detail=reason,
    )


def _size(
    snapshot: Snapshot,
    strategy: StrategyDefinition | None,
    config: RiskConfig,
    entry: float,
    stop: float,
) -> SizeResult:
    """Code's size; zero lots (so LOT_SIZE fails with the reason) when it cannot be computed,
    e.g. a cross pair whose quote-to-account rate the snapshot does not carry."""
    instrument = snapshot.instrument
    caps = [config.max_lot_size] + ([strategy.risk_caps.max_lots] if strategy else [])
    try:
        return position_size(
            snapshot.account.equity,
            config.risk_per_trade_pct,
            entry,
            stop,
            instrument,
            caps,
            account_currency=snapshot.account.currency,
        )
    except ValueError as exc:
        return SizeResult(
            lots=0.0,
            raw_lots=0.0,
            risk_amount=0.0,
            actual_risk=0.0,
            pip_value=0.0,
            stop_pips=0.0,
            capped_by=None,
            reasons=[f"cannot size: {exc}"],
        )


def _minutes_since(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else max(0.0, (now - moment).total_seconds() / 60)


def _inputs(
    snapshot: Snapshot,
    proposal: TradeProposal,
    direction: Direction,
    strategy: StrategyDefinition | None,
    evaluation: StrategyEvaluation | None,
    levels: tuple[float, float, list[float]],
    computed_lots: float,
    lots: float,
    confidence: float,
    state: DeskState,
) -> GateInputs:
    entry, stop, targets = levels
    account: AccountState = snapshot.account
    instrument = snapshot.instrument
    config = state.config
    try:
        quote_rate = quote_to_account_rate(instrument, entry, account.currency)
    except ValueError:
        quote_rate = 1.0  # unknown cross rate: sizing already refused (0 lots), so no trade
    return GateInputs(
        symbol=snapshot.symbol,
        direction=direction,
        entry=entry,
        stop=stop,
        targets=targets,
        rr=_rr(direction, entry, stop, targets[0]),
        computed_lots=computed_lots,
        requested_lots=lots,
        market_price=snapshot.last_price,
        pip_size=instrument.pip_size,
        contract_size=instrument.contract_size,
        leverage=account.leverage,
        quote_to_account=quote_rate,
        news_currencies=list(
            strategy.news_currencies_for(instrument) if strategy else instrument.news_currencies
        ),
        strategy_name=proposal.strategy or (strategy.name if strategy else None),
        strategy_found=strategy is not None,
        strategy_active=bool(strategy and strategy.active),
        strategy_symbol_allowed=bool(evaluation and evaluation.symbol_allowed),
        strategy_session_open=bool(evaluation and evaluation.session_open),
        strategy_conditions_passed=bool(evaluation and evaluation.passed == evaluation.total),
        strategy_failed_conditions=[
            c.detail for c in (evaluation.conditions if evaluation else []) if not c.passed
        ],
        strategy_direction=evaluation.direction if evaluation else None,
        strategy_expected_rr=strategy.expected_rr if strategy else None,
        strategy_max_lots=strategy.risk_caps.max_lots if strategy else None,
        strategy_max_concurrent=strategy.risk_caps.max_concurrent_positions if strategy else None,
        strategy_news_blackout_minutes=(
            strategy.forbidden.news_blackout_minutes if strategy else None
        ),
        open_positions_count=len(account.positions),
        same_direction_count=sum(
            1 for p in account.positions if p.symbol == snapshot.symbol and p.direction == direction
        ),
        free_margin=account.free_margin,
        daily_pnl=account.daily_pnl,
        trades_today=account.trades_today,
        trades_this_session=state.trades_this_session,
        consecutive_losses=account.consecutive_losses,
        minutes_since_last_loss=_minutes_since(account.last_loss_at, snapshot.as_of),
        kill_zone_active=snapshot.session.kill_zone_active,
        kill_zone_name=snapshot.session.kill_zone,
        events=snapshot.calendar.events,
        calendar_ok=snapshot.calendar.ok,
        as_of=snapshot.as_of,
        trading_enabled=config.ai_trading_enabled,
        halt_reason=config.last_halt_reason,
        mode=config.mode,
        confidence=confidence,
        config=config,
    )


def judge(
    snapshot: Snapshot,
    proposal: TradeProposal,
    strategy: StrategyDefinition | None,
    state: DeskState,
) -> GateDecision:
    """Decide what the proposal may become. Never raises on what the LLM wrote."""
    evaluation = evaluate_strategy(strategy, snapshot) if strategy else None
    base = {
        "symbol": snapshot.symbol,
        "strategy": strategy.name if strategy else proposal.strategy,
        "evaluation": evaluation,
    }
    if proposal.direction is ProposalDirection.NONE:
        return GateDecision(outcome=Outcome.NO_TRADE, direction=None, **base)
    direction = Direction(proposal.direction.value)
    if proposal.symbol.upper() != snapshot.symbol:
        check = _levels_unavailable(f"proposal symbol {proposal.symbol} is not {snapshot.symbol}")
        return GateDecision(
            outcome=Outcome.REJECTED,
            direction=direction,
            checks=[check],
            reason_codes=[check.id],
            **base,
        )

    levels = _proposal_levels(snapshot, proposal, direction, strategy)
    if isinstance(levels, CheckResult):
        return GateDecision(
            outcome=Outcome.REJECTED,
            direction=direction,
            checks=[levels],
            reason_codes=[levels.id],
            **base,
        )
    entry, stop, targets = levels
    size = _size(snapshot, strategy, state.config, entry, stop)
    confidence = (
        confidence_score(
            evaluation, snapshot, direction, news_window_minutes=state.config.news_blackout_minutes
        )
        if evaluation
        else None
    )
    lots = min(proposal.lots or size.lots, size.lots)

    def checks_for(final_lots: float) -> list[CheckResult]:
        return run_checks(
            _inputs(
                snapshot,
                proposal,
                direction,
                strategy,
                evaluation,
                levels,
                size.lots,
                final_lots,
                confidence.total if confidence else 0.0,
                state,
            )
        )

    checks = checks_for(lots)
    factor = news_size_factor(checks, state.config)
    if factor < 1:
        lots = floor_to_step(lots * factor, snapshot.instrument.lot_step)
        checks = checks_for(lots)
    return GateDecision(
        outcome=decide_outcome(checks, state.config.mode, wants_trade=True),
        direction=direction,
        entry=entry,
        stop=stop,
        targets=targets,
        rr=_rr(direction, entry, stop, targets[0]),
        computed_lots=size.lots,
        lots=lots,
        size=size,
        confidence=confidence,
        checks=checks,
        reason_codes=reason_codes(checks),
        **base,
    )


def _proposal_levels(
    snapshot: Snapshot,
    proposal: TradeProposal,
    direction: Direction,
    strategy: StrategyDefinition | None,
) -> tuple[float, float, list[float]] | CheckResult:
    """The proposal's levels, with what it left out filled from the strategy's exit rules."""
    if proposal.entry and proposal.stop and proposal.targets:
        return proposal.entry, proposal.stop, list(proposal.targets)
    if strategy is None:
        return _levels_unavailable("no strategy to compute the missing entry/stop/targets from")
    try:
        computed = compute_levels(strategy, snapshot, direction)
    except ValueError as exc:
        return _levels_unavailable(f"levels cannot be computed: {exc}")
    return (
        proposal.entry or computed.entry,
        proposal.stop or computed.stop,
        list(proposal.targets) or computed.targets,
    )
