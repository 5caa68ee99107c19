"""Alpaca's Trading API and the IBKR Client Portal Gateway behind respx, answering in the shapes
tools/brokers/alpaca.py and tools/brokers/ibkr.py document, for tests that drive the whole desk
against those brokers. Only the HTTP edge is fake; orders fill at once at a price near the stop.

    with respx.mock(assert_all_called=False) as router:
        api = FakeAlpacaApi(router)
        desk = Desk(engine, with_broker(load_settings(), "alpaca", alpaca_settings()))
        ...
        assert api.placements == 1
"""

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import respx
from pydantic import BaseModel

from orchestrator.settings import Settings
from tests.broker_fakes import RouteRecorder
from tools.brokers.alpaca import AlpacaSettings
from tools.brokers.ibkr import IbkrSettings

ALPACA_URL = "http://alpaca.test"
ALPACA_KEY_ID = "PKDESKTEST0000000001"
ALPACA_SECRET_KEY = "alpaca-secret-do-not-log-7c1e"

IBKR_URL = "http://ibkr.test"
IBKR_API = f"{IBKR_URL}/v1/api"
IBKR_ACCOUNT = "DU123"
EURUSD_CONID = 12087792
EURUSD_UNITS_PER_LOT = 100_000
FILLED_AT = "2026-11-18T14:00:01Z"
FILLED_AT_MS = 1_795_010_401_000


def with_broker(settings: Settings, name: str, config: BaseModel) -> Settings:
    """`settings` with one adapter configured (the desk still starts on paper)."""
    brokers = settings.brokers.model_copy(update={name: config})
    return settings.model_copy(update={"brokers": brokers})


def alpaca_settings(**changes: Any) -> AlpacaSettings:
    fields: dict[str, Any] = {
        "key_id": ALPACA_KEY_ID,
        "secret_key": ALPACA_SECRET_KEY,
        "base_url": ALPACA_URL,
        "retry_backoff_seconds": 0,
        "read_attempts": 1,
    }
    return AlpacaSettings(**(fields | changes))


def ibkr_settings(**changes: Any) -> IbkrSettings:
    fields: dict[str, Any] = {
        "base_url": IBKR_URL,
        "account_id": IBKR_ACCOUNT,
        "contracts": {
            "EURUSD": {"conid": EURUSD_CONID, "units_per_lot": EURUSD_UNITS_PER_LOT},
        },
        "paper": True,
        "retry_backoff_seconds": 0,
        "read_attempts": 1,
    }
    return IbkrSettings(**(fields | changes))


def _fill_price(stop: float | None, buy: bool) -> float:
    """A fill near the desk's stop, on the right side of it (the desk sends no price)."""
    stop = stop or 1.0
    return round(stop * (1.002 if buy else 0.998), 5)


@dataclass
class FakeAlpacaApi(RouteRecorder):
    """Alpaca's Trading API v2: account, positions, placing and finding orders."""

    router: respx.MockRouter
    equity: float = 100_000.0  # a fresh paper account; the desk caps lots at 1.0, so margin fits
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    positions: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        routes = {
            "place": ("POST", "/v2/orders", self._place),
            "order": ("GET", "/v2/orders:by_client_order_id", self._order),
            "account": ("GET", "/v2/account", self._account),
            "positions": ("GET", "/v2/positions", self._positions),
        }
        for name, (method, path, handler) in routes.items():
            self.router.route(method=method, url=f"{ALPACA_URL}{path}").mock(
                side_effect=self._guard(name, handler, self._check)
            )

    @property
    def placements(self) -> int:
        return self.calls.get("place", 0)

    @staticmethod
    def _check(request: httpx.Request) -> None:
        assert request.headers["APCA-API-KEY-ID"] == ALPACA_KEY_ID
        assert request.headers["APCA-API-SECRET-KEY"] == ALPACA_SECRET_KEY

    def _place(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        cid = body["client_order_id"]
        if cid in self.orders:
            return httpx.Response(
                422, json={"code": 40010001, "message": "client_order_id must be unique"}
            )
        buy = body["side"] == "buy"
        stop = body.get("stop_loss", {}).get("stop_price")
        price = _fill_price(float(stop) if stop else None, buy)
        order = {
            "id": f"alpaca-order-{len(self.orders) + 1}",
            "client_order_id": cid,
            "created_at": FILLED_AT,
            "submitted_at": FILLED_AT,
            "filled_at": FILLED_AT,
            "symbol": body["symbol"],
            "asset_class": "us_equity",
            "qty": body["qty"],
            "filled_qty": body["qty"],
            "filled_avg_price": str(price),
            "order_class": body.get("order_class", "simple"),
            "order_type": "market",
            "type": "market",
            "side": body["side"],
            "time_in_force": body["time_in_force"],
            "limit_price": None,
            "stop_price": None,
            "status": "filled",
            "legs": None,
        }
        self.orders[cid] = order
        self.positions.append(
            {
                "symbol": body["symbol"],
                "side": "long" if buy else "short",
                "qty": body["qty"] if buy else f"-{body['qty']}",
                "avg_entry_price": str(price),
                "current_price": str(price),
                "unrealized_pl": "0",
                "market_value": "0",
                "asset_class": "us_equity",
            }
        )
        return httpx.Response(200, json=order)

    def _order(self, request: httpx.Request) -> httpx.Response:
        order = self.orders.get(request.url.params["client_order_id"])
        if order is None:
            return httpx.Response(404, json={"code": 40410000, "message": "order not found"})
        return httpx.Response(200, json=order)

    def _account(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "id": "904837e3-3b76-47ec-b432-046db621571b",
                "account_number": "PA3DESK",
                "status": "ACTIVE",
                "currency": "USD",
                "cash": str(self.equity),
                "equity": str(self.equity),
                "last_equity": str(self.equity),
                "buying_power": str(self.equity * 4),
                "initial_margin": "0",
                "maintenance_margin": "0",
                "multiplier": "4",
                "trading_blocked": False,
            },
        )

    def _positions(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=self.positions)


@dataclass
class FakeIbkrGateway(RouteRecorder):
    """The IBKR Client Portal Gateway: the session calls, the account summary, P/L, positions,
    placing a bracket and reading its status."""

    router: respx.MockRouter
    equity: float = 100_000.0  # a fresh paper account; the desk caps lots at 1.0, so margin fits
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # by cOID
    positions: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        acct = IBKR_ACCOUNT
        routes = {
            "iserver_accounts": ("GET", "/iserver/accounts", self._iserver_accounts),
            "portfolio_accounts": ("GET", "/portfolio/accounts", self._portfolio_accounts),
            "summary": ("GET", f"/portfolio/{acct}/summary", self._summary),
            "pnl": ("GET", "/iserver/account/pnl/partitioned", self._pnl),
            "positions": ("GET", f"/portfolio/{acct}/positions/0", self._positions),
            "place": ("POST", f"/iserver/account/{acct}/orders", self._place),
            "live_orders": ("GET", "/iserver/account/orders", self._live_orders),
        }
        for name, (method, path, handler) in routes.items():
            self.router.route(method=method, url=f"{IBKR_API}{path}").mock(
                side_effect=self._guard(name, handler, self._check)
            )
        self.router.route(
            method="GET", url__regex=rf"^{IBKR_API}/iserver/account/order/status/\d+$"
        ).mock(side_effect=self._guard("status", self._status, self._check))

    @property
    def placements(self) -> int:
        return self.calls.get("place", 0)

    @staticmethod
    def _check(request: httpx.Request) -> None:
        pass  # the gateway holds the session; requests carry no credential

    def _iserver_accounts(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"accounts": [IBKR_ACCOUNT], "selectedAccount": IBKR_ACCOUNT}
        )

    def _portfolio_accounts(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json=[
                {"id": IBKR_ACCOUNT, "accountId": IBKR_ACCOUNT, "currency": "USD", "type": "DEMO"}
            ],
        )

    def _summary(self, request: httpx.Request) -> httpx.Response:
        def amount(value: float) -> dict[str, Any]:
            return {"amount": value, "currency": "USD", "isNull": False, "timestamp": FILLED_AT_MS}

        return httpx.Response(
            200,
            json={
                "netliquidation": amount(self.equity),
                "availablefunds": amount(self.equity),
                "initmarginreq": amount(0.0),
            },
        )

    def _pnl(self, request: httpx.Request) -> httpx.Response:
        row = {"rowType": 1, "dpl": 0.0, "nl": self.equity, "upl": 0.0}
        return httpx.Response(200, json={"upnl": {f"{IBKR_ACCOUNT}.Core": row}})

    def _positions(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=self.positions)

    def _place(self, request: httpx.Request) -> httpx.Response:
        orders = json.loads(request.content)["orders"]
        parent = next(o for o in orders if "cOID" in o)
        cid = parent["cOID"]
        if cid in self.orders:
            return httpx.Response(200, json={"error": f"Local order ID={cid} already registered"})
        buy = parent["side"] == "BUY"
        stop = next((o["price"] for o in orders if o["orderType"] == "STP"), None)
        price = _fill_price(stop, buy)
        order_id = 1_799_796_559 + len(self.orders)
        self.orders[cid] = {
            "orderId": order_id,
            "order_ref": cid,
            "conid": parent["conid"],
            "status": "Filled",
            "filledQuantity": parent["quantity"],
            "avgPrice": str(price),
            "lastExecutionTime_r": FILLED_AT_MS,
            "side": parent["side"],
            "acct": IBKR_ACCOUNT,
        }
        units = parent["quantity"] if buy else -parent["quantity"]
        self.positions.append(
            {
                "acctId": IBKR_ACCOUNT,
                "conid": parent["conid"],
                "position": units,
                "avgPrice": price,
                "mktPrice": price,
                "unrealizedPnl": 0.0,
                "currency": "USD",
                "ticker": "EUR",
            }
        )
        answer = {
            "order_id": str(order_id),
            "order_status": "Submitted",
            "local_order_id": cid,
            "encrypt_message": "1",
        }
        return httpx.Response(200, json=[answer])

    def _status(self, request: httpx.Request) -> httpx.Response:
        order_id = int(request.url.path.rsplit("/", 1)[1])
        order = next(o for o in self.orders.values() if o["orderId"] == order_id)
        return httpx.Response(
            200,
            json={
                "order_id": order_id,
                "conid": order["conid"],
                "side": order["side"][0],
                "order_type": "MARKET",
                "order_status": order["status"],
                "cum_fill": str(order["filledQuantity"]),
                "average_price": order["avgPrice"],
                "tif": "DAY",
            },
        )

    def _live_orders(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"orders": list(self.orders.values()), "snapshot": True})
