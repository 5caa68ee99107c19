"""Alpaca adapter against respx-mocked Trading API v2 answers in Alpaca's documented shapes."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from tools.account import Direction
from tools.brokers.alpaca import LIVE_URL, PAPER_URL, AlpacaBroker, AlpacaSettings
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

KEY_ID = "PKTEST1234567890ABCD"
SECRET_KEY = "s3cr3t-alpaca-key-0987654321"
NOW = datetime(2025, 10, 27, 15, 0, tzinfo=UTC)
SETTINGS = AlpacaSettings(key_id=KEY_ID, secret_key=SECRET_KEY, retry_backoff_seconds=0)
BY_CLIENT_ID = "/v2/orders:by_client_order_id"


def request(**changes: Any) -> OrderRequest:
    fields: dict[str, Any] = {
        "client_order_id": "cs-7-entry",
        "symbol": "AAPL",
        "direction": Direction.BUY,
        "lots": 10,
        "price": 187.5,
        "stop_loss": 184.2,
        "take_profits": [193.1, 195.0],
    }
    return OrderRequest(**(fields | changes))


def order_json(status: str = "accepted", **changes: Any) -> dict[str, Any]:
    filled = status == "filled"
    return {
        "id": "61e69015-8549-4bfd-b9c3-01e75843f47d",
        "client_order_id": "cs-7-entry",
        "created_at": "2025-10-27T14:59:59.9Z",
        "submitted_at": "2025-10-27T14:59:59.9Z",
        "filled_at": "2025-10-27T15:00:00.5Z" if filled else None,
        "symbol": "AAPL",
        "asset_class": "us_equity",
        "qty": "10",
        "filled_qty": "10" if filled else "0",
        "filled_avg_price": "187.61" if filled else None,
        "order_class": "bracket",
        "order_type": "market",
        "type": "market",
        "side": "buy",
        "time_in_force": "gtc",
        "limit_price": None,
        "stop_price": None,
        "status": status,
        "legs": None,
    } | changes


def position_json(**changes: Any) -> dict[str, Any]:
    return {
        "asset_id": "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415",
        "symbol": "AAPL",
        "exchange": "NASDAQ",
        "asset_class": "us_equity",
        "avg_entry_price": "187.61",
        "qty": "10",
        "qty_available": "0",
        "side": "long",
        "market_value": "1900.5",
        "cost_basis": "1876.1",
        "unrealized_pl": "24.4",
        "unrealized_plpc": "0.013",
        "current_price": "190.05",
        "lastday_price": "186.0",
        "change_today": "0.02",
    } | changes


ACCOUNT = {
    "id": "904837e3-3b76-47ec-b432-046db621571b",
    "account_number": "PA3XYZ",
    "status": "ACTIVE",
    "currency": "USD",
    "cash": "98123.9",
    "portfolio_value": "100024.4",
    "equity": "100024.4",
    "last_equity": "100200.0",
    "buying_power": "396000.0",
    "initial_margin": "950.25",
    "maintenance_margin": "570.15",
    "multiplier": "4",
    "trading_blocked": False,
}


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=PAPER_URL, assert_all_called=False) as router:
        yield router


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """One pool for the module: building a client (its TLS context) costs more than a test."""
    with httpx.Client() as shared:
        yield shared


@pytest.fixture
def broker(client: httpx.Client) -> AlpacaBroker:
    return AlpacaBroker(SETTINGS, client=client, clock=lambda: NOW, sleep=lambda _: None)


def sent(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


def test_alpaca_broker_when_built_then_has_every_broker_protocol_member(
    broker: AlpacaBroker,
) -> None:
    members = [name for name in vars(Broker) if not name.startswith("_")]
    assert [name for name in members if not hasattr(broker, name)] == []
    assert (broker.name, broker.is_paper) == ("alpaca", True)


@pytest.mark.parametrize(("paper", "url"), [(True, PAPER_URL), (False, LIVE_URL)])
def test_settings_when_no_base_url_then_paper_flag_picks_endpoint(paper: bool, url: str) -> None:
    settings = AlpacaSettings(key_id=KEY_ID, secret_key=SECRET_KEY, paper=paper)
    assert settings.root_url() == url


def test_settings_when_printed_then_keys_hidden() -> None:
    assert KEY_ID not in repr(SETTINGS) and SECRET_KEY not in SETTINGS.model_dump_json()


def test_place_order_when_stop_and_target_then_sends_bracket_with_client_id(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    route = api.post("/v2/orders").respond(200, json=order_json("accepted"))
    result = broker.place_order(request())
    assert sent(route) == {
        "symbol": "AAPL",
        "qty": "10",
        "side": "buy",
        "type": "market",
        "time_in_force": "gtc",
        "client_order_id": "cs-7-entry",
        "order_class": "bracket",
        "take_profit": {"limit_price": "193.1"},
        "stop_loss": {"stop_price": "184.2"},
    }
    headers = route.calls.last.request.headers
    assert (headers["APCA-API-KEY-ID"], headers["APCA-API-SECRET-KEY"]) == (KEY_ID, SECRET_KEY)
    assert (result.status, result.broker_order_id) == (OrderStatus.SUBMITTED, order_json()["id"])
    assert (result.filled_lots, result.position_id) == (0.0, None)


def test_place_order_when_only_stop_then_oto_with_sub_penny_rounded(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    route = api.post("/v2/orders").respond(200, json=order_json())
    broker.place_order(request(stop_loss=184.2371, take_profits=[], direction=Direction.SELL))
    body = sent(route)
    assert (body["order_class"], body["side"]) == ("oto", "sell")
    assert body["stop_loss"] == {"stop_price": "184.24"}
    assert "take_profit" not in body


def test_place_order_when_no_levels_then_simple_market_order(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    route = api.post("/v2/orders").respond(200, json=order_json())
    broker.place_order(request(stop_loss=None, take_profits=[]))
    assert "order_class" not in sent(route)


def test_place_order_when_filled_at_once_then_fill_price_lots_and_symbol_position(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    api.post("/v2/orders").respond(200, json=order_json("filled"))
    result = broker.place_order(request())
    assert (result.status, result.fill_price, result.filled_lots) == (
        OrderStatus.FILLED,
        187.61,
        10.0,
    )
    assert result.position_id == "AAPL"


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (403, {"code": 40310000, "message": "insufficient buying power"}, "INSUFFICIENT_MARGIN"),
        (
            422,
            {"code": 42210000, "message": "stop_loss.stop_price must be <= base_price - 0.01"},
            "INVALID_STOPS",
        ),
        (422, {"code": 40010001, "message": "qty must be > 0"}, "INVALID_VOLUME"),
        (403, {"code": 40310000, "message": "trade denied due to pattern day trading"}, "REJECTED"),
    ],
    ids=["buying-power", "stop", "qty", "pdt"],
)
def test_place_order_when_alpaca_refuses_then_rejected_with_mapped_code(
    api: respx.MockRouter, broker: AlpacaBroker, status: int, body: dict[str, Any], code: str
) -> None:
    api.post("/v2/orders").respond(status, json=body)
    with pytest.raises(BrokerRejectedError) as caught:
        broker.place_order(request())
    assert (caught.value.code, caught.value.message) == (code, body["message"])


def test_place_order_when_client_id_already_used_then_answers_existing_order(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    post = api.post("/v2/orders").respond(
        422, json={"code": 40010001, "message": "client_order_id must be unique"}
    )
    api.get(BY_CLIENT_ID).respond(200, json=order_json("filled"))
    result = broker.place_order(request())
    assert post.call_count == 1
    assert result.status is OrderStatus.FILLED


def test_place_order_when_timeout_then_sent_once_and_find_order_returns_fill(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    post = api.post("/v2/orders").mock(side_effect=httpx.ReadTimeout("slow"))
    lookup = api.get(BY_CLIENT_ID, params={"client_order_id": "cs-7-entry"}).respond(
        200, json=order_json("filled")
    )
    with pytest.raises(BrokerTemporaryError):
        broker.place_order(request())
    found = broker.find_order("cs-7-entry")
    assert (post.call_count, lookup.call_count) == (1, 1)
    assert found is not None
    assert (found.status, found.fill_price, found.position_id) == (
        OrderStatus.FILLED,
        187.61,
        "AAPL",
    )


def test_place_order_when_timeout_and_alpaca_never_got_it_then_find_order_none(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    api.post("/v2/orders").mock(side_effect=httpx.ConnectError("refused"))
    api.get(BY_CLIENT_ID).respond(404, json={"code": 40410000, "message": "order not found"})
    with pytest.raises(BrokerTemporaryError):
        broker.place_order(request())
    assert broker.find_order("cs-7-entry") is None


def test_find_order_when_404_is_not_alpacas_then_protocol_error_not_none(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    api.get(BY_CLIENT_ID).respond(404, json={"message": "Not Found"})
    with pytest.raises(BrokerProtocolError):
        broker.find_order("cs-7-entry")


@pytest.mark.parametrize(
    ("alpaca_status", "status"),
    [
        ("new", OrderStatus.SUBMITTED),
        ("partially_filled", OrderStatus.SUBMITTED),
        ("canceled", OrderStatus.CANCELLED),
        ("expired", OrderStatus.CANCELLED),
        ("rejected", OrderStatus.REJECTED),
    ],
)
def test_find_order_when_alpaca_status_then_desk_status(
    api: respx.MockRouter, broker: AlpacaBroker, alpaca_status: str, status: OrderStatus
) -> None:
    api.get(BY_CLIENT_ID).respond(200, json=order_json(alpaca_status))
    found = broker.find_order("cs-7-entry")
    assert found is not None and found.status is status


def test_place_order_when_5xx_then_temporary_and_not_resent(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    post = api.post("/v2/orders").respond(500, json={"message": "internal server error"})
    with pytest.raises(BrokerTemporaryError):
        broker.place_order(request())
    assert post.call_count == 1


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(200, text="<html>maintenance</html>"), httpx.Response(200, json={"id": "x"})],
    ids=["not-json", "missing-fields"],
)
def test_place_order_when_answer_malformed_then_protocol_error(
    api: respx.MockRouter, broker: AlpacaBroker, answer: httpx.Response
) -> None:
    api.post("/v2/orders").mock(return_value=answer)
    with pytest.raises(BrokerProtocolError):
        broker.place_order(request())


@pytest.mark.parametrize(
    ("status", "body"),
    [(401, {"code": 40110000, "message": f"key {KEY_ID} not authorized"}), (403, "forbidden")],
)
def test_place_order_when_keys_refused_then_auth_error_without_keys(
    api: respx.MockRouter, broker: AlpacaBroker, status: int, body: Any
) -> None:
    api.post("/v2/orders").respond(status, json=body)
    with pytest.raises(BrokerAuthError) as caught:
        broker.place_order(request())
    assert KEY_ID not in str(caught.value) and SECRET_KEY not in str(caught.value)


def test_cancel_order_when_working_then_deletes_by_alpaca_id(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    api.get(BY_CLIENT_ID).mock(
        side_effect=[
            httpx.Response(200, json=order_json("new")),
            httpx.Response(200, json=order_json("canceled")),
        ]
    )
    delete = api.delete(f"/v2/orders/{order_json()['id']}").respond(204)
    result = broker.cancel_order("cs-7-entry")
    assert delete.called
    assert result.status is OrderStatus.CANCELLED


def test_close_position_when_legs_open_then_cancels_them_before_closing_at_mark(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    api.get("/v2/positions/AAPL").respond(200, json=position_json())
    legs = [order_json("new", id="leg-stop", type="stop"), order_json("held", id="leg-tp")]
    open_orders = api.get("/v2/orders", params={"status": "open", "symbols": "AAPL"}).mock(
        side_effect=[httpx.Response(200, json=legs), httpx.Response(200, json=[])]
    )
    cancels = [api.delete(f"/v2/orders/{leg['id']}").respond(204) for leg in legs]
    close = api.delete("/v2/positions/AAPL").respond(200, json=order_json("accepted", side="sell"))
    trade = broker.close_position("AAPL", 190.0)
    assert all(c.called for c in cancels) and open_orders.call_count == 2
    assert close.called
    assert (trade.symbol, trade.direction, trade.lots) == ("AAPL", Direction.BUY, 10.0)
    assert (trade.entry_price, trade.exit_price, trade.pnl) == (187.61, 190.05, 24.4)
    assert (trade.closed_at, trade.exit_reason) == (NOW, ExitReason.MANUAL)


def test_close_position_when_legs_keep_working_then_temporary_and_position_untouched(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    api.get("/v2/positions/AAPL").respond(200, json=position_json())
    api.get("/v2/orders").respond(200, json=[order_json("pending_cancel", id="leg-stop")])
    api.delete("/v2/orders/leg-stop").respond(204)
    close = api.delete("/v2/positions/AAPL").respond(200, json=order_json())
    with pytest.raises(BrokerTemporaryError, match="still being cancelled"):
        broker.close_position("AAPL", 190.0)
    assert not close.called


def test_close_position_when_none_open_then_unknown_position(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    api.get("/v2/positions/AAPL").respond(
        404, json={"code": 40410000, "message": "position does not exist"}
    )
    with pytest.raises(BrokerRejectedError) as caught:
        broker.close_position("AAPL", 190.0)
    assert caught.value.code == RejectCode.UNKNOWN_POSITION


def test_account_when_alpaca_answers_then_daily_pnl_from_last_equity(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    api.get("/v2/account").respond(200, json=ACCOUNT)
    api.get("/v2/positions").respond(200, json=[position_json()])
    account = broker.account()
    assert (account.equity, account.open_pnl, account.balance) == (100024.4, 24.4, 100000.0)
    assert (account.daily_pnl, account.start_of_day_equity) == (-175.6, 100200.0)
    assert (account.margin_used, account.free_margin, account.leverage) == (
        950.25,
        99074.15,
        4.0,
    )
    assert [p.position_id for p in account.positions] == ["AAPL"]


def test_positions_when_short_then_sell_with_positive_lots(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    api.get("/v2/positions").respond(200, json=[position_json(side="short", qty="-5")])
    [position] = broker.positions()
    assert (position.direction, position.lots, position.opened_at) == (Direction.SELL, 5.0, NOW)


def leg(leg_type: str, status: str, price: str | None, stop: str | None = None) -> dict[str, Any]:
    filled = status == "filled"
    return order_json(
        status,
        id=f"leg-{leg_type}",
        type=leg_type,
        side="sell",
        order_class="",
        stop_price=stop,
        filled_qty="10" if filled else "0",
        filled_avg_price=price if filled else None,
        filled_at="2025-10-27T18:00:00Z" if filled else None,
    )


def test_history_when_bracket_legs_filled_then_trades_with_reason_and_r(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    stopped = order_json(
        "filled", legs=[leg("limit", "canceled", None), leg("stop", "filled", "184.2", "184.2")]
    )
    won = order_json(
        "filled", legs=[leg("limit", "filled", "193.1"), leg("stop", "canceled", None, "184.2")]
    )
    never_exited = order_json("canceled", filled_qty="0", legs=[])
    api.get("/v2/orders", params={"status": "closed", "nested": "true"}).respond(
        200, json=[stopped, never_exited, won]
    )
    trades = broker.history()
    assert [(t.exit_reason, t.exit_price) for t in trades] == [
        (ExitReason.STOP, 184.2),
        (ExitReason.TARGET, 193.1),
    ]
    assert trades[0].pnl == round((184.2 - 187.61) * 10, 2)
    assert trades[0].r_multiple == pytest.approx(-1.0)
    assert trades[1].r_multiple == pytest.approx((193.1 - 187.61) / (187.61 - 184.2))


def test_test_connection_when_account_answers_then_ok_with_status(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    api.get("/v2/account").respond(200, json=ACCOUNT)
    assert broker.test_connection() == "Alpaca paper account PA3XYZ is ACTIVE: equity 100024.40 USD"


def test_test_connection_when_keys_refused_then_auth_error_and_keys_hidden(
    api: respx.MockRouter, broker: AlpacaBroker
) -> None:
    api.get("/v2/account").respond(401, json={"message": f"{KEY_ID}/{SECRET_KEY} unauthorized"})
    with pytest.raises(BrokerAuthError) as refused:
        broker.test_connection()
    message = str(refused.value)
    assert KEY_ID not in message and SECRET_KEY not in message
