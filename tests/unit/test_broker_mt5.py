"""MT5 bridge adapter against a respx-mocked bridge speaking the contract in tools.brokers.mt5."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from tools.account import Direction
from tools.brokers.base import (
    Broker,
    BrokerAuthError,
    BrokerRejectedError,
    BrokerTemporaryError,
    ExitReason,
    OrderRequest,
    OrderStatus,
    RejectCode,
)
from tools.brokers.http import BrokerProtocolError
from tools.brokers.mt5 import Mt5Broker, Mt5Settings

URL = "http://mt5-connector.internal:8080"
TOKEN = "bridge-token-7f3a9c2e"
NOW = datetime(2025, 10, 27, 12, 0, tzinfo=UTC)
SETTINGS = Mt5Settings(base_url=URL, token=TOKEN, retry_backoff_seconds=0)


def request(client_order_id: str = "cs-42-entry", **changes: Any) -> OrderRequest:
    fields: dict[str, Any] = {
        "client_order_id": client_order_id,
        "symbol": "XAUUSD",
        "direction": Direction.BUY,
        "lots": 0.5,
        "price": 2385.0,
        "stop_loss": 2378.5,
        "take_profits": [2398.0, 2402.0],
    }
    return OrderRequest(**(fields | changes))


def order_json(status: str = "filled", **changes: Any) -> dict[str, Any]:
    return {
        "mt5_order_id": 123456789,
        "client_order_id": "cs-42-entry",
        "status": status,
        "lot_size": 0.5,
        "filled_price": 2385.3 if status == "filled" else None,
        "position_id": 123456789 if status == "filled" else None,
        "filled_at": "2025-10-27T10:15:02Z" if status == "filled" else None,
        "commission": 3.5,
        "message": "",
    } | changes


def trade_json(closed_at: str, closed_pl: float, reason: str = "tp") -> dict[str, Any]:
    return {
        "position_id": 555,
        "symbol": "XAUUSD",
        "direction": "buy",
        "lot_size": 0.5,
        "entry_price": 2380.0,
        "exit_price": 2395.0,
        "commission": 3.5,
        "closed_pl": closed_pl,
        "opened_at": "2025-10-26T08:30:00Z",
        "closed_at": closed_at,
        "exit_reason": reason,
        "comment": "cs-41-entry",
    }


ACCOUNT = {
    "currency": "USD",
    "leverage": 100,
    "balance": 12000.0,
    "equity": 12250.0,
    "margin_used": 4000.0,
    "margin_free": 8000.0,
    "open_pl": 250.0,
    "open_positions": [
        {
            "position_id": 123456789,
            "symbol": "XAUUSD",
            "direction": "buy",
            "lot_size": 0.5,
            "entry_price": 2380.0,
            "stop_loss": 2370.0,
            "take_profit": [2395.0, 2400.0],
            "unrealized_pl": 150.0,
            "opened_at": "2025-10-27T08:30:00Z",
            "comment": "cs-42-entry",
        }
    ],
    "history": [
        trade_json("2025-10-27T09:05:00Z", 180.0, "tp"),
        trade_json("2025-10-27T07:00:00Z", -60.0, "sl"),
        trade_json("2025-10-26T21:00:00Z", 500.0, "manual"),  # yesterday: not today's P/L
    ],
}


@pytest.fixture
def bridge() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=URL, assert_all_called=False) as router:
        yield router


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """One pool for the module: building a client (its TLS context) costs more than a test."""
    with httpx.Client() as shared:
        yield shared


@pytest.fixture
def broker(client: httpx.Client) -> Mt5Broker:
    return Mt5Broker(SETTINGS, client=client, clock=lambda: NOW, sleep=lambda _: None)


def sent(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


def test_mt5_broker_when_built_then_has_every_broker_protocol_member(broker: Mt5Broker) -> None:
    members = [name for name in vars(Broker) if not name.startswith("_")]
    assert [name for name in members if not hasattr(broker, name)] == []
    assert (broker.name, broker.is_paper) == ("mt5", False)


def test_place_order_when_bridge_fills_then_sends_contract_body_and_returns_fill(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    route = bridge.post("/mt5/order").respond(
        200,
        json={
            "status": "ok",
            "mt5_order_id": 123456789,
            "filled_price": 2385.3,
            "position_id": 123456790,
            "filled_at": "2025-10-27T10:15:02Z",
            "commission": 3.5,
        },
    )
    result = broker.place_order(request())
    assert sent(route) == {
        "client_order_id": "cs-42-entry",
        "comment": "cs-42-entry",
        "symbol": "XAUUSD",
        "direction": "buy",
        "lot_size": 0.5,
        "entry_type": "market",
        "stop_loss": 2378.5,
        "take_profit": [2398.0, 2402.0],
    }
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert result.status is OrderStatus.FILLED
    assert (result.broker_order_id, result.position_id) == ("123456789", "123456790")
    assert (result.fill_price, result.filled_lots, result.commission) == (2385.3, 0.5, 3.5)
    assert result.filled_at == datetime(2025, 10, 27, 10, 15, 2, tzinfo=UTC)


def test_place_order_when_seed_minimal_answer_then_position_is_order_and_time_is_now(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    bridge.post("/mt5/order").respond(
        200, json={"status": "ok", "mt5_order_id": 123456789, "filled_price": 2385.3}
    )
    result = broker.place_order(request())
    assert (result.position_id, result.filled_at) == ("123456789", NOW)


def test_place_order_when_no_fill_price_then_submitted(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    bridge.post("/mt5/order").respond(
        200, json={"status": "ok", "mt5_order_id": 7, "filled_price": None}
    )
    result = broker.place_order(request())
    assert (result.status, result.filled_lots, result.position_id) == (
        OrderStatus.SUBMITTED,
        0.0,
        None,
    )


@pytest.mark.parametrize(
    ("retcode", "code"),
    [
        (10019, RejectCode.INSUFFICIENT_MARGIN),
        (10016, RejectCode.INVALID_STOPS),
        (10014, RejectCode.INVALID_VOLUME),
        (10018, "MARKET_CLOSED"),
        (10006, "REJECTED"),
    ],
)
def test_place_order_when_bridge_refuses_then_rejected_with_mapped_code_and_message(
    bridge: respx.MockRouter, broker: Mt5Broker, retcode: int, code: str
) -> None:
    bridge.post("/mt5/order").respond(
        422, json={"status": "error", "retcode": retcode, "message": "No money"}
    )
    with pytest.raises(BrokerRejectedError) as caught:
        broker.place_order(request())
    assert caught.value.code == code
    assert caught.value.message == f"No money (retcode {retcode})"


def test_place_order_when_client_id_too_long_for_mt5_comment_then_rejected_unsent(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    route = bridge.post("/mt5/order").respond(200, json={})
    with pytest.raises(BrokerRejectedError, match="31"):
        broker.place_order(request("x" * 32))
    assert not route.called


def test_place_order_when_timeout_then_sent_once_and_find_order_returns_the_fill(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    placed = bridge.post("/mt5/order").mock(side_effect=httpx.ReadTimeout("slow terminal"))
    lookup = bridge.get("/mt5/orders", params={"client_order_id": "cs-42-entry"}).respond(
        200, json={"orders": [order_json("filled")]}
    )
    with pytest.raises(BrokerTemporaryError):
        broker.place_order(request())
    found = broker.find_order("cs-42-entry")
    assert placed.call_count == 1
    assert lookup.called
    assert found is not None
    assert (found.status, found.fill_price, found.filled_lots) == (OrderStatus.FILLED, 2385.3, 0.5)
    assert found.position_id == "123456789"


def test_place_order_when_timeout_and_bridge_never_got_it_then_find_order_none(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    bridge.post("/mt5/order").mock(side_effect=httpx.ConnectTimeout("no route"))
    bridge.get("/mt5/orders").respond(200, json={"orders": []})
    with pytest.raises(BrokerTemporaryError):
        broker.place_order(request())
    assert broker.find_order("cs-42-entry") is None


def test_place_order_when_bridge_5xx_then_temporary_and_not_resent(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    route = bridge.post("/mt5/order").respond(503, json={"message": "terminal disconnected"})
    with pytest.raises(BrokerTemporaryError, match="terminal disconnected"):
        broker.place_order(request())
    assert route.call_count == 1


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="OK"),
        httpx.Response(200, json={"status": "ok", "filled_price": 1.0}),
        httpx.Response(200, json={"status": "error", "mt5_order_id": 1}),
    ],
    ids=["not-json", "no-order-id", "not-ok"],
)
def test_place_order_when_answer_malformed_then_protocol_error(
    bridge: respx.MockRouter, broker: Mt5Broker, answer: httpx.Response
) -> None:
    bridge.post("/mt5/order").mock(return_value=answer)
    with pytest.raises(BrokerProtocolError):
        broker.place_order(request())


def test_place_order_when_token_refused_then_auth_error_without_token(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    bridge.post("/mt5/order").respond(401, json={"message": f"token {TOKEN} unknown"})
    with pytest.raises(BrokerAuthError) as caught:
        broker.place_order(request())
    assert TOKEN not in str(caught.value)


def test_find_order_when_bridge_briefly_down_then_read_is_retried(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    route = bridge.get("/mt5/orders").mock(
        side_effect=[httpx.ConnectError("down"), httpx.Response(200, json={"orders": []})]
    )
    assert broker.find_order("cs-42-entry") is None
    assert route.call_count == 2


def test_cancel_order_when_pending_then_posts_cancel_and_returns_cancelled(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    bridge.get("/mt5/orders").mock(
        side_effect=[
            httpx.Response(200, json={"orders": [order_json("placed")]}),
            httpx.Response(200, json={"orders": [order_json("cancelled")]}),
        ]
    )
    cancel = bridge.post("/mt5/order/cancel").respond(200, json=order_json("cancelled"))
    result = broker.cancel_order("cs-42-entry")
    assert sent(cancel) == {"client_order_id": "cs-42-entry"}
    assert result.status is OrderStatus.CANCELLED


def test_cancel_order_when_filled_then_not_cancellable_and_nothing_sent(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    bridge.get("/mt5/orders").respond(200, json={"orders": [order_json("filled")]})
    cancel = bridge.post("/mt5/order/cancel").respond(200, json={})
    with pytest.raises(BrokerRejectedError) as caught:
        broker.cancel_order("cs-42-entry")
    assert caught.value.code == RejectCode.NOT_CANCELLABLE
    assert not cancel.called


def test_close_position_when_open_then_posts_ticket_and_returns_trade_with_callers_reason(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    route = bridge.post("/mt5/position/close").respond(
        200, json=trade_json("2025-10-27T11:00:00Z", 746.5, "manual")
    )
    trade = broker.close_position("555", 2395.0, ExitReason.TIME)
    assert sent(route) == {"position_id": 555}
    assert (trade.position_id, trade.exit_price, trade.pnl) == ("555", 2395.0, 746.5)
    assert trade.exit_reason is ExitReason.TIME


def test_close_position_when_bridge_says_closed_then_unknown_position(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    bridge.post("/mt5/position/close").respond(
        404, json={"status": "error", "retcode": 10036, "message": "Position already closed"}
    )
    with pytest.raises(BrokerRejectedError) as caught:
        broker.close_position("555", 2395.0)
    assert caught.value.code == RejectCode.UNKNOWN_POSITION


def test_close_position_when_id_not_a_ticket_then_unknown_position_unsent(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    route = bridge.post("/mt5/position/close").respond(200, json={})
    with pytest.raises(BrokerRejectedError):
        broker.close_position("paper-3", 1.0)
    assert not route.called


def test_account_when_bridge_answers_then_maps_money_and_todays_closed_pnl(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    bridge.get("/mt5/account").respond(200, json=ACCOUNT)
    account = broker.account()
    assert (account.balance, account.equity, account.margin_used) == (12000.0, 12250.0, 4000.0)
    assert (account.free_margin, account.open_pnl, account.leverage) == (8000.0, 250.0, 100.0)
    assert account.daily_pnl == 180.0 - 60.0
    assert [p.position_id for p in account.positions] == ["123456789"]


def test_positions_when_bridge_answers_then_first_target_and_ticket_id(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    bridge.get("/mt5/account").respond(200, json=ACCOUNT)
    [position] = broker.positions()
    assert (position.direction, position.lots, position.take_profit) == (
        Direction.BUY,
        0.5,
        2395.0,
    )
    assert (position.stop_loss, position.unrealized_pnl) == (2370.0, 150.0)


def test_history_when_bridge_answers_then_newest_first_with_exit_reasons(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    bridge.get("/mt5/account").respond(200, json=ACCOUNT)
    trades = broker.history(limit=2)
    assert [(t.pnl, t.exit_reason) for t in trades] == [
        (180.0, ExitReason.TARGET),
        (-60.0, ExitReason.STOP),
    ]


def test_account_when_field_missing_then_protocol_error(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    bridge.get("/mt5/account").respond(
        200, json={k: v for k, v in ACCOUNT.items() if k != "equity"}
    )
    with pytest.raises(BrokerProtocolError, match="equity"):
        broker.account()


def test_test_connection_when_bridge_answers_then_ok_with_summary(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    bridge.get("/mt5/account").respond(200, json=ACCOUNT)
    message = broker.test_connection()
    assert "balance 12000.00 USD" in message and "1 open position" in message


def test_test_connection_when_token_refused_then_auth_error_and_token_hidden(
    bridge: respx.MockRouter, broker: Mt5Broker
) -> None:
    bridge.get("/mt5/account").respond(403, json={"message": f"bad token {TOKEN}"})
    with pytest.raises(BrokerAuthError) as refused:
        broker.test_connection()
    assert TOKEN not in str(refused.value)


def test_settings_when_printed_or_dumped_then_token_hidden() -> None:
    assert TOKEN not in repr(SETTINGS)
    assert TOKEN not in SETTINGS.model_dump_json()
