"""Confidence score: deterministic, bounded, and each part moving the right way."""

import pytest

from tests.factories import make_event, make_position, make_snapshot, typical
from tools.account import Direction
from tools.calendar import CalendarResult
from tools.confidence import ConfidenceScore, confidence_score
from tools.snapshot import Snapshot
from tools.strategies import evaluate_strategy, seed_strategies

WINDOW = 30
PULLBACK = next(s for s in seed_strategies() if s.name == "Trend pullback")
_, ATR = typical("EURUSD")


def score(snapshot: Snapshot, direction: str = "buy", window: int = WINDOW) -> ConfidenceScore:
    evaluation = evaluate_strategy(PULLBACK, snapshot)
    return confidence_score(evaluation, snapshot, direction, news_window_minutes=window)


def pullback(**knobs) -> Snapshot:
    """An uptrend pulling back: the pullback strategy matches for a buy."""
    return make_snapshot(**({"trend": "up", "rsi": 40} | knobs))


def test_score_when_same_inputs_then_same_number() -> None:
    snap = pullback(events=[make_event(50, impact="medium")], positions=[make_position()])
    first = score(snap)
    assert score(snap) == first
    assert score(snap.model_copy(deep=True)) == first
    assert score(Snapshot.model_validate_json(snap.model_dump_json())) == first


def test_score_when_ideal_then_every_part_at_its_maximum() -> None:
    result = score(pullback())
    assert (result.strategy_match, result.market_risk, result.account_comfort) == (50, 25, 25)
    assert result.total == 100


@pytest.mark.parametrize(
    "snapshot",
    [
        pullback(),
        pullback(rsi=70, atr=10 * ATR, events=[make_event(5)]),
        pullback(
            trend="down",
            atr=None,
            events=[make_event(10, impact="medium"), make_event(-20, impact="medium")] * 3,
            positions=[make_position(lots=5.0, pnl=-900.0)] * 4,
            account={"daily_pnl": -2_000.0},
        ),
        pullback(calendar=CalendarResult(ok=False, error="feed down"), atr=4 * ATR),
    ],
    ids=["ideal", "stretched", "everything_wrong", "calendar_down"],
)
@pytest.mark.parametrize("direction", ["buy", "sell"])
def test_score_when_any_market_then_parts_stay_in_their_ranges(
    snapshot: Snapshot, direction: str
) -> None:
    result = score(snapshot, direction)
    assert 0 <= result.strategy_match <= 50
    assert 0 <= result.market_risk <= 25
    assert 0 <= result.account_comfort <= 25
    assert result.total == round(
        result.strategy_match + result.market_risk + result.account_comfort, 1
    )
    for value in (result.total, result.strategy_match, result.market_risk, result.account_comfort):
        assert value == round(value, 1)


@pytest.mark.parametrize("minutes", [-WINDOW, -5, 0, 12, WINDOW])
def test_market_when_high_impact_event_inside_the_window_then_zero(minutes: int) -> None:
    result = score(pullback(events=[make_event(minutes, currency="EUR", title="ECB rate")]))
    assert result.market_risk == 0
    assert any("ECB rate" in r for r in result.reasons)


@pytest.mark.parametrize(
    "event",
    [make_event(WINDOW + 1), make_event(-WINDOW - 1), make_event(5, currency="JPY")],
    ids=["after_window", "before_window", "other_currency"],
)
def test_market_when_high_impact_event_outside_window_or_currency_then_not_zeroed(
    event,
) -> None:
    assert score(pullback(events=[event])).market_risk == score(pullback()).market_risk


def test_market_when_medium_impact_events_inside_the_window_then_reduced_slightly() -> None:
    calm = score(pullback()).market_risk
    one = score(pullback(events=[make_event(10, impact="medium")])).market_risk
    two = score(pullback(events=[make_event(10, impact="medium")] * 2)).market_risk
    assert calm > one > two > 0


def test_market_when_atr_grows_against_the_bars_then_reduced() -> None:
    readings = [score(pullback(atr=k * ATR)).market_risk for k in (1, 2, 2.5, 4)]
    assert readings == sorted(readings, reverse=True)
    assert readings[0] > readings[-1]


def test_market_when_calendar_feed_failed_then_reduced() -> None:
    down = pullback(calendar=CalendarResult(ok=False, error="feed down"))
    assert score(down).market_risk < score(pullback()).market_risk
    assert any("feed down" in r for r in score(down).reasons)


def test_strategy_when_a_condition_fails_then_less_than_when_matched() -> None:
    matched, near = score(pullback()), score(pullback(rsi=50))
    assert near.strategy_match < matched.strategy_match
    assert near.strategy_match > 0


def test_strategy_when_direction_is_not_the_allowed_one_then_zero() -> None:
    assert score(pullback(), "sell").strategy_match == 0


def test_strategy_when_session_closed_then_zero() -> None:
    evening = pullback(as_of=make_snapshot().as_of.replace(hour=21))
    assert score(evening).strategy_match == 0


@pytest.mark.parametrize(
    ("calm", "strained"),
    [
        ({}, {"positions": [make_position("GBPUSD")]}),
        ({"positions": [make_position("GBPUSD")]}, {"positions": [make_position("EURUSD")]}),
        (
            {"positions": [make_position("EURUSD", "sell")]},
            {"positions": [make_position("EURUSD", "buy")]},
        ),
        ({}, {"account": {"daily_pnl": -300.0, "equity": 9_700.0}}),
        (
            {"account": {"daily_pnl": -300.0, "equity": 9_700.0}},
            {"account": {"daily_pnl": -900.0, "equity": 9_100.0}},
        ),
        ({"account": {"margin_used": 500.0}}, {"account": {"margin_used": 5_000.0}}),
    ],
    ids=[
        "another_position",
        "same_symbol_same_side",
        "same_side_over_opposite",
        "drawdown",
        "more_drawdown",
        "margin_level",
    ],
)
def test_account_when_strain_grows_then_comfort_falls(calm: dict, strained: dict) -> None:
    assert score(pullback(**strained)).account_comfort < score(pullback(**calm)).account_comfort


def test_account_when_concurrent_limit_reached_then_no_slot_points() -> None:
    full = [make_position(s) for s in ("GBPUSD", "USDJPY", "XAUUSD")]
    result = score(pullback(positions=full, risk={"max_concurrent_trades": 3}))
    assert "account: 0/6, 3/3 concurrent trades open" in result.reasons


def test_score_when_direction_given_as_enum_or_text_then_same() -> None:
    snap = pullback()
    assert score(snap, Direction.BUY) == score(snap, "buy")
