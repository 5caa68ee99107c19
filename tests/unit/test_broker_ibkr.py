"""IBKR adapter against respx-mocked Client Portal Gateway answers in IBKR's documented shapes."""

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
from tools.brokers.ibkr import IbkrBroker, IbkrContract, IbkrSettings

URL = "https://localhost:5000/v1/api"
ACCT = "DU1234567"
AAPL, EURUSD = 265598, 12087792
NOW = datetime(2025, 10, 27, 15, 0, tzinfo=UTC)
SETTINGS = IbkrSettings(
    account_id=ACCT,
    paper=True,
    contracts={
        "AAPL": IbkrContract(conid=AAPL),
        "EURUSD": IbkrContract(conid=EURUSD, units_per_lot=100_000),
    },
    retry_backoff_seconds=0,
)
ORDERS = f"/iserver/account/{ACCT}/orders"
QUESTION = {
    "id": "07a13a5a-4a48-44a5-bb25-5ab37b79186c",
    "message": ["You are about to submit an order outside regular trading hours. Are you sure?"],
    "isSuppressed": False,
    "messageIds": ["o163"],
}
PLACED = [{"order_id": "1799796559", "order_status": "PreSubmitted", "encrypt_message": "1"}]


def request(**changes: Any) -> OrderRequest:
    fields: dict[str, Any] = {
        "client_order_id": "cs-9-entry",
        "symbol": "AAPL",
        "direction": Direction.BUY,
        "lots": 5,
        "price": 192.0,
        "stop_loss": 189.5,
        "take_profits": [197.0],
    }
    return OrderRequest(**(fields | changes))


def status_json(status: str = "Filled", **changes: Any) -> dict[str, Any]:
    return {
        "order_id": 1799796559,
        "conid": AAPL,
        "symbol": "AAPL",
        "side": "B",
        "total_size": "5.0",
        "order_type": "MARKET",
        "cum_fill": "5.0" if status == "Filled" else "0.0",
        "order_status": status,
        "order_status_description": "Order Filled",
        "tif": "DAY",
        "average_price": "192.26" if status == "Filled" else None,
        "order_time": "231211180049",
    } | changes


def live_json(status: str = "Filled", **changes: Any) -> dict[str, Any]:
    return {
        "acct": ACCT,
        "conidex": str(AAPL),
        "conid": AAPL,
        "orderId": 1799796559,
        "cashCcy": "USD",
        "sizeAndFills": "5",
        "orderDesc": "Bought 5 Market, Day",
        "ticker": "AAPL",
        "secType": "STK",
        "remainingQuantity": 0.0,
        "filledQuantity": 5.0 if status == "Filled" else 0.0,
        "totalSize": 5.0,
        "status": status,
        "avgPrice": "192.26" if status == "Filled" else None,
        "origOrderType": "MARKET",
        "orderType": "Market",
        "order_ref": "cs-9-entry",
        "timeInForce": "DAY",
        "lastExecutionTime_r": 1761577200000,
        "side": "BUY",
    } | changes


def position_json(**changes: Any) -> dict[str, Any]:
    return {
        "acctId": ACCT,
        "conid": AAPL,
        "contractDesc": "AAPL",
        "position": 5.0,
        "mktPrice": 195.1,
        "mktValue": 975.5,
        "currency": "USD",
        "avgCost": 192.26,
        "avgPrice": 192.26,
        "realizedPnl": 0.0,
        "unrealizedPnl": 14.2,
        "ticker": "AAPL",
    } | changes


def amount(value: float) -> dict[str, Any]:
    return {"amount": value, "currency": "USD", "isNull": False, "timestamp": 1761577200000}


@pytest.fixture
def gateway() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=URL, assert_all_called=False) as router:
        router.get("/iserver/accounts", name="iserver_accounts").respond(
            200, json={"accounts": [ACCT], "selectedAccount": ACCT}
        )
        router.get("/portfolio/accounts", name="portfolio_accounts").respond(
            200, json=[{"id": ACCT, "accountId": ACCT, "currency": "USD", "type": "INDIVIDUAL"}]
        )
        yield router


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """One pool for the module: building a client (its TLS context) costs more than a test."""
    with httpx.Client() as shared:
        yield shared


@pytest.fixture
def broker(client: httpx.Client) -> IbkrBroker:
    return IbkrBroker(SETTINGS, client=client, clock=lambda: NOW, sleep=lambda _: None)


def sent(route: respx.Route, call: int = -1) -> Any:
    return json.loads(route.calls[call].request.content)


def test_ibkr_broker_when_built_then_has_every_broker_protocol_member(broker: IbkrBroker) -> None:
    members = [name for name in vars(Broker) if not name.startswith("_")]
    assert [name for name in members if not hasattr(broker, name)] == []
    assert (broker.name, broker.is_paper) == ("ibkr", True)


def test_place_order_when_gateway_asks_then_confirms_and_sends_bracket_with_coid(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    place = gateway.post(ORDERS).respond(200, json=[QUESTION])
    reply = gateway.post(f"/iserver/reply/{QUESTION['id']}").respond(200, json=PLACED)
    gateway.get("/iserver/account/order/status/1799796559").respond(200, json=status_json())
    result = broker.place_order(request())
    common = {"acctId": ACCT, "conid": AAPL, "quantity": 5}
    assert sent(place) == {
        "orders": [
            {**common, "orderType": "MKT", "side": "BUY", "tif": "DAY", "cOID": "cs-9-entry"},
            {**common, "orderType": "STP", "side": "SELL", "tif": "GTC", "price": 189.5}
            | {"parentId": "cs-9-entry"},
            {**common, "orderType": "LMT", "side": "SELL", "tif": "GTC", "price": 197.0}
            | {"parentId": "cs-9-entry"},
        ]
    }
    assert sent(reply) == {"confirmed": True}
    assert (place.call_count, reply.call_count) == (1, 1)
    assert (result.status, result.broker_order_id) == (OrderStatus.FILLED, "1799796559")
    assert (result.fill_price, result.filled_lots, result.position_id) == (192.26, 5.0, "AAPL")


def test_place_order_when_fx_lots_then_quantity_in_units(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    place = gateway.post(ORDERS).respond(200, json=PLACED)
    gateway.get("/iserver/account/order/status/1799796559").respond(
        200, json=status_json("Submitted", conid=EURUSD)
    )
    result = broker.place_order(
        request(symbol="EURUSD", lots=0.5, price=1.1, stop_loss=None, take_profits=[])
    )
    assert sent(place)["orders"] == [
        {
            "acctId": ACCT,
            "conid": EURUSD,
            "orderType": "MKT",
            "side": "BUY",
            "quantity": 50000,
            "tif": "DAY",
            "cOID": "cs-9-entry",
        }
    ]
    assert (result.status, result.fill_price) == (OrderStatus.SUBMITTED, None)


def test_place_order_when_questions_never_end_then_rejected_untransmitted(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    gateway.post(ORDERS).respond(200, json=[QUESTION])
    reply = gateway.post(f"/iserver/reply/{QUESTION['id']}").respond(200, json=[QUESTION])
    with pytest.raises(BrokerRejectedError, match="not transmitted") as caught:
        broker.place_order(request())
    assert caught.value.code == "REJECTED"
    assert reply.call_count == SETTINGS.max_confirmations


@pytest.mark.parametrize("status", [200, 400])
def test_place_order_when_gateway_refuses_then_rejected_with_mapped_code(
    gateway: respx.MockRouter, broker: IbkrBroker, status: int
) -> None:
    message = "YOUR ORDER IS NOT ACCEPTED. ... MUST EXCEED THE INITIAL MARGIN"
    gateway.post(ORDERS).respond(status, json={"error": message})
    with pytest.raises(BrokerRejectedError) as caught:
        broker.place_order(request())
    assert (caught.value.code, caught.value.message) == ("INSUFFICIENT_MARGIN", message)


def test_place_order_when_coid_already_used_then_answers_existing_order(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    place = gateway.post(ORDERS).respond(
        400, json={"error": "Local order ID=cs-9-entry is already registered."}
    )
    gateway.get("/iserver/account/orders").respond(200, json={"orders": [live_json()]})
    result = broker.place_order(request())
    assert place.call_count == 1
    assert (result.status, result.fill_price) == (OrderStatus.FILLED, 192.26)


def test_place_order_when_symbol_has_no_contract_then_unknown_symbol_unsent(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    place = gateway.post(ORDERS).respond(200, json=PLACED)
    with pytest.raises(BrokerRejectedError) as caught:
        broker.place_order(request(symbol="MSFT"))
    assert caught.value.code == RejectCode.UNKNOWN_SYMBOL
    assert not place.called


def test_place_order_when_status_read_fails_after_placing_then_submitted_not_error(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    gateway.post(ORDERS).respond(200, json=PLACED)
    gateway.get("/iserver/account/order/status/1799796559").respond(503)
    result = broker.place_order(request())
    assert (result.status, result.broker_order_id) == (OrderStatus.SUBMITTED, "1799796559")


def test_place_order_when_timeout_then_sent_once_and_find_order_returns_fill(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    place = gateway.post(ORDERS).mock(side_effect=httpx.ReadTimeout("slow"))
    gateway.get("/iserver/account/orders").respond(
        200, json={"orders": [live_json(order_ref="other"), live_json()], "snapshot": True}
    )
    with pytest.raises(BrokerTemporaryError):
        broker.place_order(request())
    found = broker.find_order("cs-9-entry")
    assert place.call_count == 1
    assert found is not None
    assert (found.status, found.fill_price, found.filled_lots) == (OrderStatus.FILLED, 192.26, 5.0)
    assert found.filled_at == datetime.fromtimestamp(1761577200, UTC)


def test_find_order_when_first_list_empty_after_restart_then_asks_again(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    live = gateway.get("/iserver/account/orders").mock(
        side_effect=[
            httpx.Response(200, json={"orders": [], "snapshot": False}),
            httpx.Response(200, json={"orders": [live_json("Submitted")]}),
        ]
    )
    found = broker.find_order("cs-9-entry")
    assert live.call_count == 2
    assert found is not None and found.status is OrderStatus.SUBMITTED


def test_place_order_when_timeout_and_gateway_never_got_it_then_find_order_none(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    gateway.post(ORDERS).mock(side_effect=httpx.ConnectError("refused"))
    gateway.get("/iserver/account/orders").respond(200, json={"orders": []})
    with pytest.raises(BrokerTemporaryError):
        broker.place_order(request())
    assert broker.find_order("cs-9-entry") is None


def test_place_order_when_5xx_then_temporary_and_not_resent(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    place = gateway.post(ORDERS).respond(503, text="Service Unavailable")
    with pytest.raises(BrokerTemporaryError):
        broker.place_order(request())
    assert place.call_count == 1


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(200, text="<html>login</html>"), httpx.Response(200, json=[])],
    ids=["not-json", "empty"],
)
def test_place_order_when_answer_malformed_then_protocol_error(
    gateway: respx.MockRouter, broker: IbkrBroker, answer: httpx.Response
) -> None:
    gateway.post(ORDERS).mock(return_value=answer)
    with pytest.raises(BrokerProtocolError):
        broker.place_order(request())


def test_place_order_when_gateway_session_expired_then_auth_error(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    gateway.post(ORDERS).respond(401, json={"error": "not authenticated"})
    with pytest.raises(BrokerAuthError):
        broker.place_order(request())


def test_any_call_when_account_not_in_session_then_auth_error_and_nothing_sent(
    gateway: respx.MockRouter, client: httpx.Client
) -> None:
    other = IbkrBroker(SETTINGS.model_copy(update={"account_id": "U999"}), client=client)
    place = gateway.post("/iserver/account/U999/orders").respond(200, json=PLACED)
    with pytest.raises(BrokerAuthError, match="U999"):
        other.place_order(request())
    assert not place.called


def test_session_when_used_twice_then_gateway_preflight_runs_once(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    gateway.get("/iserver/account/orders").respond(200, json={"orders": [live_json()]})
    broker.find_order("cs-9-entry")
    broker.find_order("cs-9-entry")
    assert gateway.routes["iserver_accounts"].call_count == 1
    assert gateway.routes["portfolio_accounts"].call_count == 1


def test_cancel_order_when_working_then_deletes_by_order_id(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    gateway.get("/iserver/account/orders").mock(
        side_effect=[
            httpx.Response(200, json={"orders": [live_json("Submitted")]}),
            httpx.Response(200, json={"orders": [live_json("Cancelled")]}),
        ]
    )
    delete = gateway.delete(f"/iserver/account/{ACCT}/order/1799796559").respond(
        200, json={"msg": "Request was submitted", "order_id": 1799796559}
    )
    assert broker.cancel_order("cs-9-entry").status is OrderStatus.CANCELLED
    assert delete.called


def test_close_position_when_bracket_children_work_then_cancels_them_and_sells(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    gateway.get(f"/portfolio/{ACCT}/positions/0").respond(200, json=[position_json()])
    stop = live_json("PreSubmitted", orderId=11, order_ref=None, side="SELL")
    gateway.get("/iserver/account/orders").mock(
        side_effect=[
            httpx.Response(200, json={"orders": [live_json(), stop]}),
            httpx.Response(200, json={"orders": [live_json(), stop | {"status": "Cancelled"}]}),
        ]
    )
    cancel = gateway.delete(f"/iserver/account/{ACCT}/order/11").respond(200, json={})
    place = gateway.post(ORDERS).respond(200, json=PLACED)
    trade = broker.close_position("AAPL", 195.0)
    assert cancel.called
    assert sent(place)["orders"] == [
        {
            "acctId": ACCT,
            "conid": AAPL,
            "orderType": "MKT",
            "side": "SELL",
            "quantity": 5,
            "tif": "DAY",
            "cOID": f"close-AAPL-{int(NOW.timestamp() * 1000)}",
        }
    ]
    assert (trade.exit_price, trade.pnl, trade.exit_reason) == (195.1, 14.2, ExitReason.MANUAL)


def test_close_position_when_flat_then_unknown_position(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    gateway.get(f"/portfolio/{ACCT}/positions/0").respond(200, json=[position_json(position=0)])
    with pytest.raises(BrokerRejectedError) as caught:
        broker.close_position("AAPL", 195.0)
    assert caught.value.code == RejectCode.UNKNOWN_POSITION


def test_account_when_gateway_answers_then_money_daily_pnl_and_positions(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    gateway.get(f"/portfolio/{ACCT}/summary").respond(
        200,
        json={
            "netliquidation": amount(100_250.0),
            "availablefunds": amount(99_300.0),
            "initmarginreq": amount(487.5),
            "totalcashvalue": amount(99_274.5),
        },
    )
    gateway.get("/iserver/account/pnl/partitioned").respond(
        200,
        json={"upnl": {f"{ACCT}.Core": {"rowType": 1, "dpl": -80.0, "nl": 100_250.0, "upl": 14.2}}},
    )
    gateway.get(f"/portfolio/{ACCT}/positions/0").respond(
        200, json=[position_json(), position_json(conid=EURUSD, position=-50_000, ticker="EUR")]
    )
    account = broker.account()
    assert (account.equity, account.balance, account.open_pnl) == (100_250.0, 100_235.8, 14.2)
    assert (account.daily_pnl, account.start_of_day_equity) == (-80.0, 100_330.0)
    assert (account.margin_used, account.free_margin, account.leverage) == (487.5, 99_300.0, 2.0)
    assert [(p.symbol, p.direction, p.lots) for p in account.positions] == [
        ("AAPL", Direction.BUY, 5.0),
        ("EURUSD", Direction.SELL, 0.5),
    ]


def execution(side: str, price: str, at_ms: int, order_ref: str | None = None) -> dict[str, Any]:
    return {
        "execution_id": f"0000e0d5.{at_ms}",
        "symbol": "AAPL",
        "side": side,
        "order_description": f"{'Bought' if side == 'B' else 'Sold'} 5 @ {price} on ISLAND",
        "trade_time_r": at_ms,
        "size": 5,
        "price": price,
        "order_ref": order_ref,
        "commission": "1.00",
        "conid": str(AAPL),
    }


def test_history_when_executions_then_fifo_trades_newest_first_with_reasons(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    fills = [
        execution("S", "196.0", 5_000, "close-AAPL-1"),  # answers are not in time order
        execution("B", "192.0", 1_000, "cs-1-entry"),
        execution("S", "189.5", 2_000),  # a stop child: no order reference
        execution("B", "193.0", 4_000, "cs-2-entry"),
    ]
    gateway.get("/iserver/account/trades", params={"days": "7"}).respond(200, json=fills)
    manual, stopped = broker.history()
    assert (stopped.exit_reason, stopped.entry_price, stopped.exit_price) == (
        ExitReason.STOP,
        192.0,
        189.5,
    )
    assert (stopped.pnl, stopped.commission) == (round((189.5 - 192.0) * 5 - 2.0, 2), 2.0)
    assert (manual.exit_reason, manual.pnl) == (ExitReason.MANUAL, round(3.0 * 5 - 2.0, 2))
    assert manual.opened_at == datetime.fromtimestamp(4, UTC)


def test_test_connection_when_session_up_then_ok_with_net_liquidation(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    gateway.get(f"/portfolio/{ACCT}/summary").respond(
        200,
        json={
            "netliquidation": amount(100_250.0),
            "availablefunds": amount(99_300.0),
            "initmarginreq": amount(487.5),
        },
    )
    assert broker.test_connection() == (
        f"IBKR gateway session is authenticated; account {ACCT}: net liquidation 100250.00 USD"
    )


def test_test_connection_when_gateway_down_then_temporary_error(
    gateway: respx.MockRouter, broker: IbkrBroker
) -> None:
    gateway.routes["iserver_accounts"].mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(
        BrokerTemporaryError, match=r"ibkr GET /v1/api/iserver/accounts: unreachable"
    ):
        broker.test_connection()
