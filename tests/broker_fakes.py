"""A stateful MT5 bridge behind respx, speaking the contract in tools/brokers/mt5.py, for tests
that drive the whole desk against a remote broker. Only the HTTP edge is fake: the desk, the
adapter, httpx and the database are the real ones.

    bridge = FakeMt5Bridge(respx_mock)          # inside a respx.mock context
    bridge.fail_next("place", httpx.ReadTimeout("slow"))
    bridge.lose_answer = True                   # fill, then time out as if the reply was lost
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy.engine import Engine

from orchestrator.desk import Desk
from orchestrator.settings import Settings, load_settings
from tests.desk_helpers import Clock, relax_filters
from tools.brokers.mt5 import Mt5Settings

MT5_URL = "http://mt5-bridge.test"
MT5_TOKEN = "mt5-shared-token-do-not-log-4f9a"
OPENED_AT = "2026-11-18T13:00:00Z"


def mt5_settings(**changes: Any) -> Mt5Settings:
    fields: dict[str, Any] = {
        "base_url": MT5_URL,
        "token": MT5_TOKEN,
        "paper": False,
        "retry_backoff_seconds": 0,
        "read_attempts": 1,
    }
    return Mt5Settings(**(fields | changes))


def with_mt5(settings: Settings, *, failures_before_halt: int = 3) -> Settings:
    """`settings` with the MT5 bridge configured (the desk still starts on paper)."""
    brokers = settings.brokers.model_copy(
        update={"mt5": mt5_settings(), "failures_before_halt": failures_before_halt}
    )
    return settings.model_copy(update={"brokers": brokers})


@dataclass
class RouteRecorder:
    """Counts calls per route name and lets a test queue failures for a route (the fakes of
    every broker API share it)."""

    calls: dict[str, int] = field(default_factory=dict, kw_only=True)
    failures: dict[str, list[Exception | httpx.Response]] = field(
        default_factory=dict, kw_only=True
    )

    def fail_next(self, route: str, *outcomes: Exception | httpx.Response) -> None:
        """The next calls to `route` fail this way, in order."""
        self.failures.setdefault(route, []).extend(outcomes)

    def _guard(self, name: str, handler: Any, check: Any) -> Any:
        def respond(request: httpx.Request) -> httpx.Response:
            self.calls[name] = self.calls.get(name, 0) + 1
            check(request)
            pending = self.failures.get(name)
            if pending:
                outcome = pending.pop(0)
                if isinstance(outcome, Exception):
                    raise outcome
                return outcome
            return handler(request)

        return respond


@dataclass
class FakeMt5Bridge(RouteRecorder):
    """Orders fill at once at the requested price unless `fill` is False (left `placed`)."""

    router: respx.MockRouter
    balance: float = 10_000.0
    fill: bool = True
    lose_answer: bool = False  # the order is placed, then the reply times out
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    positions: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        routes = {
            "place": ("POST", "/mt5/order", self._place),
            "orders": ("GET", "/mt5/orders", self._orders),
            "account": ("GET", "/mt5/account", self._account),
        }
        for name, (method, path, handler) in routes.items():
            self.router.route(method=method, url=f"{MT5_URL}{path}").mock(
                side_effect=self._guard(name, handler, self._check_token)
            )

    def fail_always(self, route: str, outcome: Exception | httpx.Response, times: int = 50) -> None:
        self.fail_next(route, *([outcome] * times))

    def add_position(self, position_id: int, symbol: str = "EURUSD", lots: float = 0.2) -> None:
        """A position opened at the broker by someone else than the desk."""
        self.positions.append(self._position(position_id, symbol, "buy", lots, 1.1, None))

    def close_position(self, position_id: int, exit_price: float, pnl: float) -> None:
        """The broker closed a position (stop, target, or by hand in the terminal)."""
        position = next(p for p in self.positions if p["position_id"] == position_id)
        self.positions.remove(position)
        self.history.insert(
            0,
            {
                **{k: position[k] for k in ("position_id", "symbol", "direction", "lot_size")},
                "entry_price": position["entry_price"],
                "exit_price": exit_price,
                "commission": 0.0,
                "closed_pl": pnl,
                "opened_at": position["opened_at"],
                "closed_at": datetime.now(UTC).isoformat(),
                "exit_reason": "sl",
                "comment": position["comment"],
            },
        )

    # --- handlers -----------------------------------------------------------------------------

    @staticmethod
    def _check_token(request: httpx.Request) -> None:
        assert request.headers["Authorization"] == f"Bearer {MT5_TOKEN}"

    def _place(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        cid = body["client_order_id"]
        if cid not in self.orders:  # the bridge is idempotent on client_order_id
            ticket = 1000 + len(self.orders)
            order = {
                "mt5_order_id": ticket,
                "client_order_id": cid,
                "status": "filled" if self.fill else "placed",
                "lot_size": body["lot_size"],
                "filled_price": None,
                "position_id": ticket if self.fill else None,
                "filled_at": OPENED_AT if self.fill else None,
                "commission": 0.0,
                "message": "",
            }
            if self.fill:
                price = order["filled_price"] = self._price(body)
                self.positions.append(
                    self._position(
                        ticket, body["symbol"], body["direction"], body["lot_size"], price, cid
                    )
                )
            self.orders[cid] = order
        if self.lose_answer:
            raise httpx.ReadTimeout("reply lost after the order was placed")
        order = self.orders[cid]
        return httpx.Response(
            200,
            json={
                "status": "ok",
                "mt5_order_id": order["mt5_order_id"],
                "filled_price": order["filled_price"],
                "position_id": order["position_id"],
                "filled_at": order["filled_at"],
                "commission": 0.0,
            },
        )

    def _orders(self, request: httpx.Request) -> httpx.Response:
        cid = request.url.params["client_order_id"]
        found = [self.orders[cid]] if cid in self.orders else []
        return httpx.Response(200, json={"orders": found})

    def _account(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "currency": "USD",
                "leverage": 100,
                "balance": self.balance,
                "equity": self.balance,
                "margin_used": 0.0,
                "margin_free": self.balance,
                "open_pl": 0.0,
                "open_positions": self.positions,
                "history": self.history,
            },
        )

    # --- shapes -------------------------------------------------------------------------------

    @staticmethod
    def _price(body: dict[str, Any]) -> float:
        """A fill near the desk's stop: the desk sends no price, so the test picks one that
        keeps the stop on the right side."""
        stop = body.get("stop_loss") or 1.0
        return round(stop * (1.002 if body["direction"] == "buy" else 0.998), 5)

    @staticmethod
    def _position(
        ticket: int, symbol: str, direction: str, lots: float, price: float, comment: str | None
    ) -> dict[str, Any]:
        return {
            "position_id": ticket,
            "symbol": symbol,
            "direction": direction,
            "lot_size": lots,
            "entry_price": price,
            "stop_loss": None,
            "take_profit": [],
            "unrealized_pl": 0.0,
            "opened_at": OPENED_AT,
            "comment": comment or "",
        }


@pytest.fixture
def mt5_bridge() -> Iterator[FakeMt5Bridge]:
    with respx.mock(assert_all_called=False) as router:
        yield FakeMt5Bridge(router)


@pytest.fixture
def mt5_configured_desk(engine: Engine, mt5_bridge: FakeMt5Bridge) -> Iterator[Desk]:
    """A desk with the MT5 bridge configured (paper still in use) and the filters relaxed."""
    desk = Desk(engine, with_mt5(load_settings()), clock=Clock())
    relax_filters(desk)
    yield desk
    desk.brokers.close()
