"""Paper broker: fills, rejections, exits on bars, money and the persisted state.

Expected numbers are derived here from the inputs and the instrument definitions, never copied
from the broker's output.
"""

from datetime import UTC, datetime, timedelta

import pytest

from tools.account import Direction
from tools.brokers.base import (
    Broker,
    BrokerRejectedError,
    ExitReason,
    OrderRequest,
    OrderStatus,
    RejectCode,
)
from tools.brokers.paper import PaperBroker
from tools.brokers.paper_state import PaperAccountState, PaperSettings
from tools.errors import BarDataError
from tools.instruments import DEFAULT_INSTRUMENTS, Instrument

EURUSD = DEFAULT_INSTRUMENTS["EURUSD"]
USDJPY = DEFAULT_INSTRUMENTS["USDJPY"]
SETTINGS = PaperSettings()
T0 = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_broker(balance: float = 10_000.0, clock: Clock | None = None) -> PaperBroker:
    clock = clock or Clock()
    state = PaperAccountState.fresh(balance, SETTINGS, clock())
    return PaperBroker(state, SETTINGS, DEFAULT_INSTRUMENTS, clock)


def order(
    client_order_id: str = "c1",
    direction: Direction = Direction.BUY,
    lots: float = 1.0,
    price: float = 1.1,
    stop: float | None = 1.095,
    targets: tuple[float, ...] = (1.11,),
    symbol: str = "EURUSD",
) -> OrderRequest:
    return OrderRequest(
        client_order_id=client_order_id,
        symbol=symbol,
        direction=direction,
        lots=lots,
        price=price,
        stop_loss=stop,
        take_profits=list(targets),
    )


def sign(direction: Direction) -> int:
    return 1 if direction is Direction.BUY else -1


def slipped(inst: Instrument, price: float, direction: Direction) -> float:
    """A market fill slips against the trader: buys higher, sells lower."""
    return round(price + sign(direction) * SETTINGS.slippage_pips * inst.pip_size, inst.precision)


def commission(lots: float) -> float:
    return lots * SETTINGS.commission_per_lot


def net_pnl(inst: Instrument, direction: Direction, lots: float, entry: float, exit_: float):
    return (exit_ - entry) * sign(direction) * lots * inst.contract_size - commission(lots)


def risk_at_stop(inst: Instrument, lots: float, entry: float, stop: float) -> float:
    return abs(entry - stop) * lots * inst.contract_size


def test_broker_when_paper_then_satisfies_broker_protocol() -> None:
    broker: Broker = make_broker()

    assert (broker.name, broker.is_paper) == ("paper", True)


@pytest.mark.parametrize("direction", [Direction.BUY, Direction.SELL])
def test_place_when_market_order_then_fill_slips_against_direction(direction: Direction) -> None:
    broker = make_broker()
    stop, target = (1.095, 1.11) if direction is Direction.BUY else (1.105, 1.09)

    result = broker.place_order(order(direction=direction, stop=stop, targets=(target,)))

    assert result.status is OrderStatus.FILLED
    assert result.fill_price == slipped(EURUSD, 1.1, direction)
    assert (result.fill_price - 1.1) * sign(direction) > 0
    assert result.commission == pytest.approx(commission(1.0))
    assert broker.account().balance == pytest.approx(10_000.0 - commission(1.0))


def test_place_when_client_order_id_reused_then_returns_first_result_and_opens_nothing() -> None:
    broker = make_broker()
    first = broker.place_order(order("same"))

    again = broker.place_order(order("same", lots=2.0, price=1.2, stop=1.19, targets=(1.21,)))

    assert again == first
    assert [p.position_id for p in broker.positions()] == [first.position_id]
    assert broker.account().balance == pytest.approx(10_000.0 - commission(1.0))


def test_place_when_free_margin_too_small_then_rejected_insufficient_margin() -> None:
    balance, leverage = 1_000.0, SETTINGS.leverage
    fill = slipped(EURUSD, 1.1, Direction.BUY)
    lots = 1.0
    margin = lots * EURUSD.contract_size * fill / leverage
    assert margin + commission(lots) > balance  # the setup really is short of margin
    broker = make_broker(balance)

    with pytest.raises(BrokerRejectedError) as caught:
        broker.place_order(order(lots=lots))

    assert caught.value.code == RejectCode.INSUFFICIENT_MARGIN
    assert caught.value.details["required_margin"] == pytest.approx(margin)
    assert caught.value.details["free_margin"] == pytest.approx(balance)
    assert broker.positions() == []
    assert broker.account().balance == balance
    assert broker.find_order("c1").status is OrderStatus.REJECTED


def test_place_when_margin_suffices_then_margin_used_is_notional_over_leverage() -> None:
    broker = make_broker()

    result = broker.place_order(order(lots=0.5))

    account = broker.account()
    expected = 0.5 * EURUSD.contract_size * result.fill_price / SETTINGS.leverage
    assert account.margin_used == pytest.approx(expected, abs=0.01)
    assert account.free_margin == pytest.approx(account.equity - expected, abs=0.01)


def test_place_when_base_is_account_currency_then_margin_converted_by_price() -> None:
    broker = make_broker()

    broker.place_order(order(symbol="USDJPY", price=150.0, stop=149.0, targets=(152.0,)))

    # JPY notional / leverage, divided by the price to get dollars: price cancels out
    expected = 1.0 * USDJPY.contract_size / SETTINGS.leverage
    assert broker.account().margin_used == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize(
    ("direction", "stop", "targets"),
    [
        (Direction.BUY, 1.102, (1.11,)),  # buy stop above the fill
        (Direction.SELL, 1.095, (1.09,)),  # sell stop below the fill
        (Direction.BUY, 1.095, (1.09,)),  # buy target below the fill
    ],
)
def test_place_when_level_on_wrong_side_then_rejected_invalid_stops(
    direction: Direction, stop: float, targets: tuple[float, ...]
) -> None:
    broker = make_broker()

    with pytest.raises(BrokerRejectedError) as caught:
        broker.place_order(order(direction=direction, stop=stop, targets=targets))

    assert caught.value.code == RejectCode.INVALID_STOPS
    assert broker.positions() == []


def test_place_when_rejected_id_reused_then_returns_rejection_without_placing() -> None:
    broker = make_broker()
    with pytest.raises(BrokerRejectedError):
        broker.place_order(order(stop=1.2))

    again = broker.place_order(order())

    assert again.status is OrderStatus.REJECTED
    assert RejectCode.INVALID_STOPS in again.message
    assert broker.positions() == []


def test_place_when_lots_off_step_then_rejected_invalid_volume() -> None:
    broker = make_broker()

    with pytest.raises(BrokerRejectedError) as caught:
        broker.place_order(order(lots=EURUSD.lot_step * 1.5))

    assert caught.value.code == RejectCode.INVALID_VOLUME


def test_place_when_symbol_unknown_then_rejected_unknown_symbol() -> None:
    broker = make_broker()

    with pytest.raises(BrokerRejectedError) as caught:
        broker.place_order(order(symbol="NOPE"))

    assert caught.value.code == RejectCode.UNKNOWN_SYMBOL


def test_on_bar_when_low_reaches_buy_stop_then_closes_at_stop_with_r_from_risk() -> None:
    broker = make_broker()
    fill = broker.place_order(order(stop=1.095)).fill_price

    (trade,) = broker.on_bar("EURUSD", T0, open=1.1, high=1.101, low=1.094, close=1.097)

    expected = net_pnl(EURUSD, Direction.BUY, 1.0, fill, 1.095)
    assert (trade.exit_reason, trade.exit_price) == (ExitReason.STOP, 1.095)
    assert trade.pnl == pytest.approx(expected, abs=0.01)
    assert trade.r_multiple == pytest.approx(expected / risk_at_stop(EURUSD, 1.0, fill, 1.095))
    assert broker.positions() == []
    assert broker.account().balance == pytest.approx(10_000.0 + expected, abs=0.01)


def test_on_bar_when_high_reaches_sell_stop_then_closes_at_stop() -> None:
    broker = make_broker()
    broker.place_order(order(direction=Direction.SELL, stop=1.105, targets=(1.09,)))

    (trade,) = broker.on_bar("EURUSD", T0, open=1.1, high=1.106, low=1.099, close=1.104)

    assert (trade.exit_reason, trade.exit_price) == (ExitReason.STOP, 1.105)
    assert trade.pnl < 0


def test_on_bar_when_high_reaches_first_target_then_closes_whole_position_there() -> None:
    broker = make_broker()
    fill = broker.place_order(order(lots=0.3, stop=1.095, targets=(1.105, 1.12))).fill_price

    (trade,) = broker.on_bar("EURUSD", T0, open=1.1, high=1.106, low=1.099, close=1.1055)

    expected = net_pnl(EURUSD, Direction.BUY, 0.3, fill, 1.105)
    assert (trade.exit_reason, trade.exit_price, trade.lots) == (ExitReason.TARGET, 1.105, 0.3)
    assert trade.pnl == pytest.approx(expected, abs=0.01)
    assert trade.r_multiple == pytest.approx(expected / risk_at_stop(EURUSD, 0.3, fill, 1.095))


def test_on_bar_when_bar_spans_stop_and_target_then_stop_assumed_first() -> None:
    broker = make_broker()
    broker.place_order(order(stop=1.095, targets=(1.11,)))

    (trade,) = broker.on_bar("EURUSD", T0, open=1.1, high=1.12, low=1.09, close=1.1)

    assert (trade.exit_reason, trade.exit_price) == (ExitReason.STOP, 1.095)


def test_on_bar_when_bar_gaps_through_stop_then_fills_at_open() -> None:
    broker = make_broker()
    fill = broker.place_order(order(stop=1.095)).fill_price

    (trade,) = broker.on_bar("EURUSD", T0, open=1.09, high=1.092, low=1.088, close=1.091)

    assert (trade.exit_reason, trade.exit_price) == (ExitReason.STOP, 1.09)
    expected = net_pnl(EURUSD, Direction.BUY, 1.0, fill, 1.09)
    assert trade.pnl == pytest.approx(expected, abs=0.01)
    assert trade.r_multiple < -1  # worse than the planned loss


def test_on_bar_when_no_level_reached_then_position_marked_at_close() -> None:
    broker = make_broker()
    fill = broker.place_order(order()).fill_price

    closed = broker.on_bar("EURUSD", T0, open=1.1, high=1.102, low=1.099, close=1.101)

    (position,) = broker.positions()
    expected = (1.101 - fill) * EURUSD.contract_size
    assert closed == []
    assert position.unrealized_pnl == pytest.approx(expected, abs=0.01)


def test_on_bar_when_bar_began_before_fill_then_position_untouched() -> None:
    broker = make_broker()
    broker.place_order(order(stop=1.095))

    closed = broker.on_bar("EURUSD", T0 - timedelta(minutes=15), 1.1, 1.101, 1.09, 1.1)

    assert closed == []
    assert len(broker.positions()) == 1


def test_on_bar_when_high_below_low_then_bar_data_error() -> None:
    broker = make_broker()

    with pytest.raises(BarDataError):
        broker.on_bar("EURUSD", T0, open=1.1, high=1.09, low=1.11, close=1.1)


def test_close_when_manual_then_exit_slips_and_pnl_derived_from_inputs() -> None:
    broker = make_broker()
    result = broker.place_order(order(direction=Direction.SELL, stop=1.105, targets=(1.09,)))

    trade = broker.close_position(result.position_id, 1.097)

    exit_ = slipped(EURUSD, 1.097, Direction.BUY)  # closing a sell buys
    expected = net_pnl(EURUSD, Direction.SELL, 1.0, result.fill_price, exit_)
    assert (trade.exit_reason, trade.exit_price) == (ExitReason.MANUAL, exit_)
    assert trade.pnl == pytest.approx(expected, abs=0.01)
    risk = risk_at_stop(EURUSD, 1.0, result.fill_price, 1.105)
    assert trade.r_multiple == pytest.approx(expected / risk)


def test_close_when_quote_is_jpy_then_pnl_converted_by_exit_price() -> None:
    broker = make_broker()
    result = broker.place_order(order(symbol="USDJPY", price=150.0, stop=149.0, targets=(152.0,)))

    trade = broker.close_position(result.position_id, 151.0)

    exit_ = slipped(USDJPY, 151.0, Direction.SELL)
    gross_jpy = (exit_ - result.fill_price) * USDJPY.contract_size
    assert trade.pnl == pytest.approx(gross_jpy / exit_ - commission(1.0), abs=0.01)


def test_close_when_no_stop_then_r_multiple_is_none() -> None:
    broker = make_broker()
    result = broker.place_order(order(stop=None, targets=()))

    trade = broker.close_position(result.position_id, 1.102)

    assert trade.r_multiple is None


def test_close_when_position_unknown_then_rejected_unknown_position() -> None:
    broker = make_broker()

    with pytest.raises(BrokerRejectedError) as caught:
        broker.close_position("paper-404", 1.1)

    assert caught.value.code == RejectCode.UNKNOWN_POSITION


def test_account_when_trade_spans_two_utc_days_then_daily_pnl_split_by_day() -> None:
    clock = Clock(datetime(2024, 3, 5, 23, 30, tzinfo=UTC))
    broker = make_broker(clock=clock)
    result = broker.place_order(order())
    day_one = broker.account()
    clock.now = datetime(2024, 3, 6, 0, 30, tzinfo=UTC)
    broker.mark_to_market({"EURUSD": 1.103})
    marked_equity = broker.account().equity

    trade = broker.close_position(result.position_id, 1.103)

    day_two = broker.account()
    gross = trade.pnl + trade.commission
    assert (day_one.daily_pnl, day_one.trades_today) == (pytest.approx(-commission(1.0)), 1)
    assert (day_two.daily_pnl, day_two.trades_today) == (pytest.approx(gross), 0)
    assert day_two.start_of_day_equity == pytest.approx(10_000.0 - commission(1.0))
    assert marked_equity > day_two.start_of_day_equity  # the day began before the mark


def test_close_when_losses_in_a_row_then_counted_and_reset_by_a_win() -> None:
    clock = Clock()
    broker = make_broker(clock=clock)
    for i, exit_price in enumerate([1.097, 1.098]):
        clock.now = T0 + timedelta(hours=i)
        pid = broker.place_order(order(f"loss-{i}")).position_id
        broker.close_position(pid, exit_price)
    losing = broker.account()

    pid = broker.place_order(order("win")).position_id
    broker.close_position(pid, 1.105)

    assert (losing.consecutive_losses, losing.last_loss_at) == (2, T0 + timedelta(hours=1))
    assert broker.account().consecutive_losses == 0


def test_mark_to_market_when_price_moves_then_equity_and_open_pnl_follow() -> None:
    broker = make_broker()
    fill = broker.place_order(order(lots=2.0)).fill_price

    broker.mark_to_market({"EURUSD": 1.1042, "GBPUSD": 1.3})

    account = broker.account()
    open_pnl = (1.1042 - fill) * 2.0 * EURUSD.contract_size
    assert account.open_pnl == pytest.approx(open_pnl, abs=0.01)
    assert account.equity == pytest.approx(account.balance + open_pnl, abs=0.01)


def test_reset_when_positions_open_then_balance_restored_and_everything_cleared() -> None:
    broker = make_broker()
    first = broker.place_order(order())
    broker.close_position(broker.place_order(order("c2")).position_id, 1.09)

    broker.reset(25_000.0)

    account = broker.account()
    assert (account.balance, account.equity, account.positions) == (25_000.0, 25_000.0, [])
    assert (account.consecutive_losses, account.daily_pnl, account.trades_today) == (0, 0.0, 0)
    assert broker.history() == [] and broker.find_order("c1") is None
    assert broker.place_order(order()).position_id != first.position_id


def test_state_when_round_tripped_through_json_then_same_account() -> None:
    clock = Clock()
    broker = make_broker(clock=clock)
    broker.place_order(order("open"))
    broker.close_position(broker.place_order(order("closed")).position_id, 1.097)
    broker.mark_to_market({"EURUSD": 1.1025})

    restored_state = PaperAccountState.model_validate_json(broker.state.model_dump_json())
    restored = PaperBroker(restored_state, SETTINGS, DEFAULT_INSTRUMENTS, clock)

    assert restored.account() == broker.account()
    assert restored.history() == broker.history()
    assert restored.find_order("open") == broker.find_order("open")


def test_find_order_when_placed_then_returns_fill_and_none_when_never_seen() -> None:
    broker = make_broker()
    placed = broker.place_order(order("known"))

    assert broker.find_order("known") == placed
    assert broker.find_order("never-sent") is None


def test_cancel_when_order_unknown_then_rejected_unknown_order_naming_it() -> None:
    broker = make_broker()

    with pytest.raises(BrokerRejectedError) as caught:
        broker.cancel_order("ghost-7")

    assert caught.value.code == RejectCode.UNKNOWN_ORDER
    assert "ghost-7" in str(caught.value)


def test_cancel_when_order_already_filled_then_rejected_not_cancellable() -> None:
    broker = make_broker()
    broker.place_order(order())

    with pytest.raises(BrokerRejectedError) as caught:
        broker.cancel_order("c1")

    assert caught.value.code == RejectCode.NOT_CANCELLABLE


def test_history_when_several_closed_then_newest_first_up_to_limit() -> None:
    broker = make_broker()
    ids = [broker.place_order(order(f"c{i}")).position_id for i in range(3)]
    for pid in ids:
        broker.close_position(pid, 1.101)

    assert [t.position_id for t in broker.history(2)] == ids[::-1][:2]


def test_account_when_clock_is_naive_then_value_error() -> None:
    state = PaperAccountState.fresh(10_000.0, SETTINGS, T0)
    broker = PaperBroker(state, SETTINGS, DEFAULT_INSTRUMENTS, lambda: T0.replace(tzinfo=None))

    with pytest.raises(ValueError, match="timezone-aware"):
        broker.account()
