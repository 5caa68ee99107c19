"""HTTP plumbing shared by the real broker adapters (MT5 bridge, Alpaca, IBKR): explicit timeouts,
one mapping from HTTP outcomes to broker errors, bounded retries for reads only, and secrets kept
out of every message and log line.

How an answer becomes an error, for every adapter:
- timeout, connection error, 408, 429, 5xx -> BrokerTemporaryError (the outcome is unknown)
- 401 -> BrokerAuthError; 403 -> BrokerAuthError unless the adapter reads a refusal in the body
  (Alpaca answers 403 to "insufficient buying power")
- any other 4xx -> BrokerRejectedError with the adapter's code and the broker's own message
- a 2xx body that is not JSON or lacks fields the adapter needs -> BrokerProtocolError

BrokerProtocolError is a BrokerTemporaryError on purpose: a garbled answer to a placement leaves
the outcome unknown exactly like a timeout, so the caller asks `find_order` before concluding.
It is never retried here: a broken bridge answers the same way twice.

Only GET is retried (`read_attempts`, exponential backoff). POST and DELETE are sent once: a
placement that timed out may have reached the broker, and sending it again could double it.
"""

import json
import logging
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, TypeAdapter, ValidationError

from tools.account import OpenPosition
from tools.brokers.base import (
    BrokerAuthError,
    BrokerError,
    BrokerRejectedError,
    BrokerTemporaryError,
    ClosedTrade,
    ExitReason,
    OrderResult,
    OrderStatus,
    RejectCode,
)

logger = logging.getLogger(__name__)

FINAL_STATUSES = frozenset({OrderStatus.FILLED, OrderStatus.REJECTED, OrderStatus.CANCELLED})
_REDACTED = "[redacted]"
_MAX_MESSAGE = 300  # an HTML error page would otherwise become the whole message


class BrokerProtocolError(BrokerTemporaryError):
    """The broker answered, but not in the shape its API documents (not JSON, fields missing)."""


class HttpBrokerSettings(BaseModel):
    """Connection settings every HTTP adapter shares; adapters add their secrets (SecretStr)."""

    model_config = ConfigDict(extra="forbid")

    base_url: HttpUrl
    connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    read_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    read_attempts: int = Field(default=3, ge=1, le=5, description="Tries for a GET; writes: 1")
    retry_backoff_seconds: float = Field(default=0.5, ge=0, le=10, description="Doubles per try")
    verify_tls: bool = True

    def root_url(self) -> str:
        return str(self.base_url).rstrip("/")

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect_timeout_seconds,
            read=self.read_timeout_seconds,
            write=self.read_timeout_seconds,
            pool=self.connect_timeout_seconds,
        )


@dataclass(frozen=True)
class Refusal:
    """An adapter's reading of a 4xx body: which RejectCode, in the broker's words."""

    code: str
    message: str


# an error body (parsed JSON, else text) -> the refusal it states, or None when it states none
Classifier = Callable[[Any], Refusal | None]


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any = None


class BrokerHttp:
    """JSON over HTTP for one broker. Pass `client` to reuse a connection pool or in tests; the
    adapter's own timeouts are sent with every request either way."""

    def __init__(
        self,
        broker: str,
        settings: HttpBrokerSettings,
        classify: Classifier,
        *,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[SecretStr | None] = (),
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.broker = broker
        self._settings = settings
        self._root = settings.root_url()
        self._classify = classify
        self._headers = dict(headers or {})
        self._secrets = [s.get_secret_value() for s in secrets if s and s.get_secret_value()]
        self._timeout = settings.timeout()
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=self._timeout, verify=settings.verify_tls)
        self.sleep = sleep or time.sleep

    def get(
        self, path: str, *, params: Mapping[str, str] | None = None, accept: Collection[int] = ()
    ) -> Reply:
        """A read: retried on temporary failures with exponential backoff."""
        attempts = self.read_attempts
        for attempt in range(attempts):
            try:
                return self._send("GET", path, params=params, accept=accept)
            except BrokerProtocolError:
                raise
            except BrokerTemporaryError:
                if attempt == attempts - 1:
                    raise
                self.sleep(self.backoff(attempt))
        raise AssertionError("unreachable: the loop returns or raises")

    @property
    def read_attempts(self) -> int:
        return self._settings.read_attempts

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed try number `attempt` (counted from 0)."""
        return self._settings.retry_backoff_seconds * 2**attempt

    def post(self, path: str, body: Any = None, *, accept: Collection[int] = ()) -> Reply:
        """A write: sent once, whatever happens."""
        return self._send("POST", path, json_body=body, accept=accept)

    def delete(self, path: str, *, accept: Collection[int] = ()) -> Reply:
        return self._send("DELETE", path, accept=accept)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, _REDACTED)
        return text

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        accept: Collection[int] = (),
    ) -> Reply:
        where = f"{self.broker} {method} {path}"
        started = time.monotonic()
        try:
            response = self._client.request(
                method,
                self._root + path,
                params=params,
                json=json_body,
                headers=self._headers,
                timeout=self._timeout,
            )
        except httpx.TimeoutException as exc:
            raise self._fail(
                BrokerTemporaryError, f"{where}: timed out ({type(exc).__name__})"
            ) from None
        except httpx.HTTPError as exc:
            raise self._fail(
                BrokerTemporaryError, f"{where}: unreachable ({type(exc).__name__})"
            ) from None
        status = response.status_code
        level = logging.DEBUG if method == "GET" else logging.INFO
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.log(level, "%s -> HTTP %s in %.0f ms", where, status, elapsed_ms)
        if 200 <= status < 300 or status in accept:
            return Reply(status, self._json(response, where))
        raise self._error(status, _body(response), where)

    def _json(self, response: httpx.Response, where: str) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise self._fail(
                BrokerProtocolError,
                f"{where}: HTTP {response.status_code} with a body that is not JSON",
            ) from None

    def _error(self, status: int, body: Any, where: str) -> BrokerError:
        said = message_of(body)
        if status == 401:
            return self._fail(BrokerAuthError, f"{where}: credentials refused (HTTP 401): {said}")
        if status in (408, 429) or status >= 500:
            return self._fail(BrokerTemporaryError, f"{where}: HTTP {status}: {said}")
        if not 400 <= status < 500:  # a redirect means the base URL is wrong
            return self._fail(BrokerProtocolError, f"{where}: unexpected HTTP {status}")
        refusal = self._classify(body)
        if refusal is None and status == 403:
            return self._fail(BrokerAuthError, f"{where}: access refused (HTTP 403): {said}")
        return self.rejected(refusal or Refusal(RejectCode.REJECTED, said), status, where)

    def rejected(self, refusal: Refusal, status: int, where: str) -> BrokerRejectedError:
        """The error for a refusal the broker stated, its message redacted and logged."""
        message = self.redact(refusal.message)[:_MAX_MESSAGE]
        logger.warning("%s refused: %s %s", where, refusal.code, message)
        return BrokerRejectedError(refusal.code, message, {"http_status": status})

    def _fail[E: BrokerError](self, kind: type[E], message: str) -> E:
        message = self.redact(message)[:_MAX_MESSAGE]
        logger.warning("%s", message)
        return kind(message)


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def message_of(body: Any) -> str:
    """The human part of an error body: its `message` or `error` field, else the body itself."""
    if isinstance(body, dict):
        for key in ("message", "error", "msg"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
        return json.dumps(body)
    # Not cut here: a secret straddling the cut would escape redaction; callers redact, then cut.
    return str(body or "no message").strip()


def refusal_by_words(message: str, table: Iterable[tuple[tuple[str, ...], str]]) -> Refusal:
    """The code of the first (words, code) row with a word in `message`, else REJECTED: for
    brokers whose refusals are prose rather than codes."""
    lowered = message.lower()
    code = next((c for words, c in table if any(w in lowered for w in words)), RejectCode.REJECTED)
    return Refusal(code, message)


def parse[T](shape: type[T], body: Any, what: str) -> T:
    """Validate a broker's JSON against the shape its API documents. Only the failing field names
    reach the message: values could hold account data."""
    try:
        return TypeAdapter(shape).validate_python(body)
    except ValidationError as exc:
        fields = ", ".join(
            ".".join(str(part) for part in err["loc"]) or "body" for err in exc.errors()[:5]
        )
        raise BrokerProtocolError(f"{what}: unexpected answer (check {fields})") from None


# --- steps every adapter takes the same way ---------------------------------------------------


def cancel_via(
    find: Callable[[str], OrderResult | None],
    send_cancel: Callable[[OrderResult], None],
    client_order_id: str,
) -> OrderResult:
    """Cancel through the broker's own view of the order: unknown and final orders are refused
    before anything is sent; the answer is the order as the broker reports it afterwards (a
    cancel the broker still processes shows as `submitted`)."""
    order = find(client_order_id)
    if order is None:
        raise BrokerRejectedError(
            RejectCode.UNKNOWN_ORDER, f"no order with client_order_id {client_order_id!r}"
        )
    if order.status in FINAL_STATUSES:
        raise BrokerRejectedError(
            RejectCode.NOT_CANCELLABLE,
            f"order {client_order_id!r} is already {order.status}",
            {"status": order.status},
        )
    send_cancel(order)
    return find(client_order_id) or order


def clear_orders(
    http: BrokerHttp,
    working: Callable[[], list[str]],
    cancel: Callable[[str], object],
    what: str,
) -> None:
    """Cancel every order `working()` lists, then wait (the read backoff, bounded) until it lists
    none. Raises BrokerTemporaryError, having closed nothing, when some are still working."""
    for order_id in working():
        cancel(order_id)
    for attempt in range(http.read_attempts):
        if attempt:
            http.sleep(http.backoff(attempt - 1))
        if not working():
            return
    raise BrokerTemporaryError(
        f"{http.broker}: orders on {what} are still being cancelled; nothing was closed, try again"
    )


def closed_at_mark(
    position: OpenPosition, mark: float, at: datetime, reason: ExitReason
) -> ClosedTrade:
    """The trade a market close just ended, as the broker valued it at the moment of closing
    (its mark and unrealized P/L): the closing fill arrives later, so reconciliation replaces
    these numbers with the broker's history."""
    return ClosedTrade(
        position_id=position.position_id,
        symbol=position.symbol,
        direction=position.direction,
        lots=position.lots,
        entry_price=position.entry_price,
        exit_price=mark,
        opened_at=position.opened_at,
        closed_at=at,
        commission=0.0,
        pnl=round(position.unrealized_pnl, 2),
        r_multiple=None,
        exit_reason=reason,
        idea_id=position.idea_id,
    )
