"""The gate end to end over real checks: the LLM can argue, it cannot pass the gate."""

import pytest

from orchestrator.gate import LEVELS_CHECK, DeskState, judge
from orchestrator.outcome import Outcome
from tests.factories import make_position, make_snapshot
from tools.proposal import ProposalDirection, TradeProposal
from tools.risk_config import Mode, RiskConfig, Strictness
from tools.strategies import StrategyDefinition, seed_strategies


@pytest.fixture
def pullback() -> StrategyDefinition:
    strategy = next(s for s in seed_strategies() if s.name == "Trend pullback")
    return strategy.model_copy(update={"active": True})


def _config(**changes) -> RiskConfig:
    # Kill-zone strictness off so tests need not pick a time inside one.
    return RiskConfig(kill_zone_mode=Strictness.RELAXED, **changes)


def _state(**changes) -> DeskState:
    return DeskState(config=_config(**changes), trades_this_session=0)


def _buy(**fields) -> TradeProposal:
    return TradeProposal(
        symbol="EURUSD", direction=ProposalDirection.BUY, strategy="Trend pullback", **fields
    )


def test_judge_when_strategy_matches_and_levels_left_out_then_code_fills_them(
    pullback: StrategyDefinition,
) -> None:
    snapshot = make_snapshot(rsi=40)
    decision = judge(snapshot, _buy(), pullback, _state())
    assert decision.outcome is Outcome.NEEDS_APPROVAL, decision.reason_codes
    assert decision.entry == snapshot.last_price
    assert decision.stop < decision.entry < decision.targets[0]
    assert decision.lots == decision.computed_lots > 0
    assert decision.confidence is not None and decision.confidence.total > 0


def test_judge_when_llm_asks_more_lots_than_computed_then_size_is_the_computed_one(
    pullback: StrategyDefinition,
) -> None:
    decision = judge(make_snapshot(rsi=40), _buy(lots=50), pullback, _state(max_lot_size=100))
    assert decision.lots == decision.computed_lots < 50


def test_judge_when_llm_asks_fewer_lots_then_fewer_lots(pullback: StrategyDefinition) -> None:
    full = judge(make_snapshot(rsi=40), _buy(), pullback, _state())
    smaller = judge(make_snapshot(rsi=40), _buy(lots=0.01), pullback, _state())
    assert smaller.lots == 0.01 < full.lots


def test_judge_when_stop_on_wrong_side_then_rejected_with_stop_side(
    pullback: StrategyDefinition,
) -> None:
    snapshot = make_snapshot(rsi=40)
    price = snapshot.last_price
    proposal = _buy(entry=price, stop=price + 0.0030, targets=[price + 0.0060])
    decision = judge(snapshot, proposal, pullback, _state())
    assert decision.outcome is Outcome.REJECTED
    assert "STOP_SIDE" in decision.reason_codes


def test_judge_when_entry_invented_far_from_market_then_rejected(
    pullback: StrategyDefinition,
) -> None:
    snapshot = make_snapshot(rsi=40)
    price = snapshot.last_price
    proposal = _buy(entry=price * 0.98, stop=price * 0.97, targets=[price * 1.01])
    decision = judge(snapshot, proposal, pullback, _state())
    assert "ENTRY_NEAR_MARKET" in decision.reason_codes
    assert decision.outcome is Outcome.REJECTED


def test_judge_when_conditions_fail_then_rejected_by_strategy(
    pullback: StrategyDefinition,
) -> None:
    decision = judge(make_snapshot(rsi=60), _buy(), pullback, _state())
    assert decision.outcome is Outcome.REJECTED
    assert "STRATEGY_CONDITIONS" in decision.reason_codes


def test_judge_when_trading_halted_then_halted_by_risk(pullback: StrategyDefinition) -> None:
    state = _state(ai_trading_enabled=False, last_halt_reason="kill switch")
    decision = judge(make_snapshot(rsi=40), _buy(), pullback, state)
    assert decision.outcome is Outcome.HALTED_BY_RISK
    assert decision.automatic_halts == []  # already halted: nothing new to halt


def test_judge_when_daily_drawdown_breached_then_halts_trading(
    pullback: StrategyDefinition,
) -> None:
    snapshot = make_snapshot(rsi=40, account={"daily_pnl": -1500.0})
    decision = judge(snapshot, _buy(), pullback, _state(max_daily_drawdown=1000))
    assert decision.outcome is Outcome.HALTED_BY_RISK
    assert [c.id for c in decision.automatic_halts] == ["MAX_DAILY_DRAWDOWN"]


def test_judge_when_team_proposes_nothing_then_no_trade(pullback: StrategyDefinition) -> None:
    proposal = TradeProposal(symbol="EURUSD", direction=ProposalDirection.NONE)
    assert judge(make_snapshot(), proposal, pullback, _state()).outcome is Outcome.NO_TRADE


def test_judge_when_no_strategy_and_no_levels_then_rejected_levels_unavailable() -> None:
    decision = judge(make_snapshot(rsi=40), _buy(), None, _state())
    assert decision.outcome is Outcome.REJECTED
    assert decision.reason_codes == [LEVELS_CHECK]


def test_judge_when_proposal_for_other_symbol_then_rejected(
    pullback: StrategyDefinition,
) -> None:
    proposal = TradeProposal(symbol="GBPUSD", direction=ProposalDirection.BUY)
    assert judge(make_snapshot(rsi=40), proposal, pullback, _state()).outcome is Outcome.REJECTED


@pytest.mark.parametrize(
    ("mode", "threshold", "expected"),
    [
        (Mode.SEMI_AUTO, 0, Outcome.AUTO_EXECUTED),
        (Mode.SEMI_AUTO, 100, Outcome.NEEDS_APPROVAL),
        (Mode.FULL_AUTO, 100, Outcome.REJECTED),
        (Mode.ANALYSIS_ONLY, 0, Outcome.ANALYSIS),
    ],
)
def test_judge_when_checks_pass_then_mode_and_threshold_decide(
    pullback: StrategyDefinition, mode: Mode, threshold: float, expected: Outcome
) -> None:
    state = _state(mode=mode, min_confidence_threshold=threshold)
    # An open position on another symbol costs account comfort: confidence sits below 100.
    snapshot = make_snapshot(rsi=40, positions=[make_position("GBPUSD")])
    decision = judge(snapshot, _buy(), pullback, state)
    assert decision.confidence is not None and decision.confidence.total < 100
    assert decision.outcome is expected


def test_judge_when_same_inputs_then_same_decision(pullback: StrategyDefinition) -> None:
    snapshot = make_snapshot(rsi=40)
    assert judge(snapshot, _buy(), pullback, _state()) == judge(
        snapshot, _buy(), pullback, _state()
    )
