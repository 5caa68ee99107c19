"""The Client Portal Gateway's REST API (/v1/api) as the IBKR adapter calls it: the session's
required first calls, order tickets and the questions the gateway asks before it transmits them,
and reads parsed into the shapes of ibkr_shapes. What the answers mean for the desk is decided in
tools/brokers/ibkr.py.

Calls (the first use runs GET /iserver/accounts and GET /portfolio/accounts, which the gateway
requires before other calls, and checks that `account_id` is in this session):
- POST /iserver/account/{acct}/orders {"orders": [{"acctId", "conid", "orderType": "MKT",
  "side": "BUY"|"SELL", "quantity", "tif": "DAY", "cOID": client_order_id}, ...]} with the stop
  ("STP") and first target ("LMT") as GTC children carrying "parentId": cOID (an IBKR bracket:
  children have no cOID of their own). The gateway may answer with questions
  [{"id", "message": [...]}]; each is confirmed with POST /iserver/reply/{id} {"confirmed": true},
  at most `max_confirmations` times, then it answers [{"order_id", "order_status"}].
- GET /iserver/account/order/status/{orderId} right after placing, for the fill price.
- GET /iserver/account/orders (the session's live orders; matched on order_ref = cOID). The
  gateway may answer the first call after a restart with an empty list, so an id missing there is
  looked up once more before find_order says "never received". It only knows the current day.
- DELETE /iserver/account/{acct}/order/{orderId}
- GET /portfolio/{acct}/summary, /portfolio/{acct}/positions/0 (first 100 positions),
  /iserver/account/pnl/partitioned (daily P/L), /iserver/account/trades?days=7 (history)
"""

from collections.abc import Callable
from typing import Any

import httpx

from tools.account import Direction
from tools.brokers.base import BrokerAuthError, BrokerRejectedError, RejectCode
from tools.brokers.http import (
    BrokerHttp,
    BrokerProtocolError,
    Refusal,
    message_of,
    parse,
    refusal_by_words,
)
from tools.brokers.ibkr_shapes import (
    Answer,
    Execution,
    IbkrContract,
    IbkrSettings,
    LiveOrder,
    LiveOrders,
    LiveOrderStatus,
    Pnl,
    PnlRow,
    Position,
    Summary,
)

API = "/v1/api"
ALREADY_USED = "already registered"  # IBKR's words for a cOID it has seen before

_REFUSALS = (
    (("insufficient", "margin", "equity with loan"), RejectCode.INSUFFICIENT_MARGIN),
    (("stop price", "limit price", "trigger price"), RejectCode.INVALID_STOPS),
    (("quantity", "order size"), RejectCode.INVALID_VOLUME),
    (("market is closed", "trading hours"), RejectCode.MARKET_CLOSED),
)


def _classify(body: Any) -> Refusal | None:
    if not (isinstance(body, dict) and "error" in body):
        return None
    return refusal_by_words(message_of(body), _REFUSALS)


class IbkrGateway:
    """The gateway calls for one account; each sets up the session first if it is not yet."""

    def __init__(
        self,
        broker: str,
        settings: IbkrSettings,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._settings = settings
        self._acct = settings.account_id
        self._ready = False
        self.http = BrokerHttp(broker, settings, _classify, client=client, sleep=sleep)

    # --- orders -----------------------------------------------------------------------------

    def ticket(
        self,
        contract: IbkrContract,
        side: Direction,
        units: float,
        order_type: str,
        tif: str,
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        """One order of an orders post, for this account."""
        return {
            "acctId": self._acct,
            "conid": contract.conid,
            "orderType": order_type,
            "side": side.value.upper(),
            "quantity": units,
            "tif": tif,
            **extra,
        }

    def submit(self, orders: list[dict[str, Any]]) -> list[Answer]:
        """Send orders and confirm the gateway's questions; the answers once none is left."""
        self._session()
        reply = self.http.post(f"{API}/iserver/account/{self._acct}/orders", {"orders": orders})
        for confirmations in range(self._settings.max_confirmations + 1):
            refusal = _classify(reply.body)  # IBKR also refuses with a 200
            if refusal is not None:
                raise self.http.rejected(refusal, reply.status, "ibkr orders")
            answers = parse(list[Answer], reply.body, "ibkr orders")
            question = next((a for a in answers if a.id and a.message), None)
            if question is None and answers:
                return answers
            if question is None:
                raise BrokerProtocolError("ibkr orders: an empty answer")
            if confirmations == self._settings.max_confirmations:
                raise BrokerRejectedError(
                    RejectCode.REJECTED,
                    f"still asking after {confirmations} confirmations, so the order was not "
                    f"transmitted: {self.http.redact(' '.join(question.message))}",
                )
            reply = self.http.post(f"{API}/iserver/reply/{question.id}", {"confirmed": True})
        raise AssertionError("unreachable: the loop returns or raises")

    def order_status(self, order_id: str) -> LiveOrder:
        self._session()
        reply = self.http.get(f"{API}/iserver/account/order/status/{order_id}")
        return parse(LiveOrderStatus, reply.body, "ibkr order status")

    def live_orders(self) -> list[LiveOrder]:
        self._session()
        reply = self.http.get(f"{API}/iserver/account/orders")
        return parse(LiveOrders, reply.body, "ibkr live orders").orders

    def cancel(self, order_id: str) -> None:
        """Cancel one order; an order the gateway no longer knows (404) is not an error."""
        self._session()
        self.http.delete(f"{API}/iserver/account/{self._acct}/order/{order_id}", accept={404})

    # --- reads ------------------------------------------------------------------------------

    def positions(self) -> list[Position]:
        """The account's non-zero positions (the first 100)."""
        self._session()
        reply = self.http.get(f"{API}/portfolio/{self._acct}/positions/0")
        return [p for p in parse(list[Position], reply.body, "ibkr positions") if p.position]

    def trades(self) -> list[Execution]:
        """The executions of the last 7 days."""
        self._session()
        reply = self.http.get(f"{API}/iserver/account/trades", params={"days": "7"})
        return parse(list[Execution], reply.body, "ibkr trades")

    def summary(self) -> Summary:
        self._session()
        reply = self.http.get(f"{API}/portfolio/{self._acct}/summary")
        return parse(Summary, reply.body, "ibkr summary")

    def pnl(self) -> PnlRow:
        """This account's row of the partitioned P/L."""
        self._session()
        reply = self.http.get(f"{API}/iserver/account/pnl/partitioned")
        rows = parse(Pnl, reply.body, "ibkr pnl").upnl
        pnl = next((row for key, row in rows.items() if key.startswith(f"{self._acct}.")), None)
        if pnl is None:
            raise BrokerProtocolError(f"ibkr pnl: no row for account {self._acct}")
        return pnl

    def close(self) -> None:
        self.http.close()

    def _session(self) -> None:
        """The gateway's required first calls, once; and the configured account must be in it."""
        if self._ready:
            return
        self.http.get(f"{API}/iserver/accounts")
        listed = parse(
            list[dict[str, Any]], self.http.get(f"{API}/portfolio/accounts").body, "ibkr accounts"
        )
        ids = {str(a.get("accountId") or a.get("id")) for a in listed}
        if self._acct not in ids:
            raise BrokerAuthError(
                f"ibkr: account {self._acct} is not in this gateway session (it has "
                f"{', '.join(sorted(ids)) or 'none'})"
            )
        self._ready = True
