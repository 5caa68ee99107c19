"""Shared broker HTTP plumbing: error mapping, read-only retries, timeouts, secret redaction and
the steps every adapter shares (cancel, clearing working orders, test connection)."""

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from pydantic import BaseModel, SecretStr

from tools.brokers.base import (
    BrokerAuthError,
    BrokerError,
    BrokerRejectedError,
    BrokerTemporaryError,
    OrderResult,
    OrderStatus,
    RejectCode,
)
from tools.brokers.http import (
    BrokerHttp,
    BrokerProtocolError,
    HttpBrokerSettings,
    Refusal,
    cancel_via,
    clear_orders,
    parse,
)

URL = "http://broker.test"
SECRET = "sk-live-0123456789abcdef"
SETTINGS = HttpBrokerSettings(
    base_url=URL, connect_timeout_seconds=2, read_timeout_seconds=7, retry_backoff_seconds=0.5
)


def classify(body: Any) -> Refusal | None:
    if isinstance(body, dict) and body.get("reason") == "margin":
        return Refusal(RejectCode.INSUFFICIENT_MARGIN, body["message"])
    return None


@pytest.fixture
def server() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=URL, assert_all_called=False) as router:
        yield router


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """One pool for the module: building a client (its TLS context) costs more than a test."""
    with httpx.Client() as shared:
        yield shared


@pytest.fixture
def http(sleeps: list[float], client: httpx.Client) -> BrokerHttp:
    return BrokerHttp(
        "test",
        SETTINGS,
        classify,
        headers={"X-Token": SECRET},
        secrets=[SecretStr(SECRET)],
        client=client,
        sleep=sleeps.append,
    )


def test_get_when_server_fails_twice_then_retries_with_backoff_and_returns(
    server: respx.MockRouter, http: BrokerHttp, sleeps: list[float]
) -> None:
    route = server.get("/thing").mock(
        side_effect=[httpx.Response(503), httpx.ConnectError("down"), httpx.Response(200, json=[1])]
    )
    assert http.get("/thing").body == [1]
    assert route.call_count == 3
    assert sleeps == [0.5, 1.0]


def test_get_when_every_try_fails_then_temporary_error_after_read_attempts(
    server: respx.MockRouter, http: BrokerHttp
) -> None:
    route = server.get("/thing").respond(502)
    with pytest.raises(BrokerTemporaryError, match="HTTP 502"):
        http.get("/thing")
    assert route.call_count == SETTINGS.read_attempts


@pytest.mark.parametrize(
    "outcome",
    [httpx.Response(503), httpx.ReadTimeout("slow"), httpx.ConnectError("refused")],
    ids=["5xx", "timeout", "connection"],
)
def test_post_when_outcome_unknown_then_sent_once_and_temporary_error(
    server: respx.MockRouter, http: BrokerHttp, outcome: Any
) -> None:
    route = server.post("/orders").mock(side_effect=[outcome])
    with pytest.raises(BrokerTemporaryError):
        http.post("/orders", {"a": 1})
    assert route.call_count == 1


def test_request_when_sent_then_carries_explicit_timeouts_and_headers(
    server: respx.MockRouter, http: BrokerHttp
) -> None:
    route = server.get("/thing").respond(200, json={})
    http.get("/thing")
    request = route.calls.last.request
    assert request.extensions["timeout"] == {"connect": 2, "read": 7, "write": 7, "pool": 2}
    assert request.headers["X-Token"] == SECRET


@pytest.mark.parametrize("status", [401, 403])
def test_request_when_credentials_refused_then_auth_error(
    server: respx.MockRouter, http: BrokerHttp, status: int
) -> None:
    server.get("/thing").respond(status, json={"message": "bad key"})
    with pytest.raises(BrokerAuthError, match="bad key"):
        http.get("/thing")


def test_request_when_403_states_a_refusal_then_rejected_not_auth(
    server: respx.MockRouter, http: BrokerHttp
) -> None:
    server.post("/orders").respond(403, json={"reason": "margin", "message": "no buying power"})
    with pytest.raises(BrokerRejectedError) as caught:
        http.post("/orders")
    assert (caught.value.code, caught.value.message) == ("INSUFFICIENT_MARGIN", "no buying power")
    assert caught.value.details == {"http_status": 403}


def test_request_when_4xx_unclassified_then_rejected_with_broker_message(
    server: respx.MockRouter, http: BrokerHttp
) -> None:
    server.post("/orders").respond(422, json={"error": "symbol halted"})
    with pytest.raises(BrokerRejectedError) as caught:
        http.post("/orders")
    assert (caught.value.code, caught.value.message) == (RejectCode.REJECTED, "symbol halted")


def test_get_when_accepted_status_then_reply_instead_of_error(
    server: respx.MockRouter, http: BrokerHttp
) -> None:
    server.get("/orders/x").respond(404, json={"code": 1})
    assert http.get("/orders/x", accept={404}).status == 404


def test_get_when_body_not_json_then_protocol_error_without_retry(
    server: respx.MockRouter, http: BrokerHttp
) -> None:
    route = server.get("/thing").respond(200, text="<html>proxy login</html>")
    with pytest.raises(BrokerProtocolError, match="not JSON"):
        http.get("/thing")
    assert route.call_count == 1


def test_request_when_redirected_then_protocol_error(
    server: respx.MockRouter, http: BrokerHttp
) -> None:
    server.get("/thing").respond(302, headers={"Location": "https://elsewhere.test"})
    with pytest.raises(BrokerProtocolError, match="HTTP 302"):
        http.get("/thing")


def test_protocol_error_when_raised_then_is_temporary_so_callers_ask_find_order() -> None:
    assert issubclass(BrokerProtocolError, BrokerTemporaryError)


@pytest.mark.parametrize("status", [401, 422, 500])
def test_errors_when_broker_echoes_secret_then_message_and_logs_are_redacted(
    server: respx.MockRouter,
    http: BrokerHttp,
    caplog: pytest.LogCaptureFixture,
    status: int,
) -> None:
    server.post("/orders").respond(status, json={"message": f"key {SECRET} is not valid"})
    caplog.set_level(logging.DEBUG, logger="tools.brokers.http")
    with pytest.raises(BrokerError) as caught:
        http.post("/orders")
    assert SECRET not in str(caught.value)
    assert "[redacted]" in str(caught.value)
    assert caplog.records, "failures are logged"
    assert SECRET not in caplog.text


class Shape(BaseModel):
    account: str
    equity: float


def test_parse_when_fields_missing_then_protocol_error_naming_fields_not_values() -> None:
    with pytest.raises(BrokerProtocolError) as caught:
        parse(Shape, {"account": "ACC-SECRET-NUMBER", "equity": "lots"}, "test account")
    assert "equity" in str(caught.value)
    assert "ACC-SECRET-NUMBER" not in str(caught.value)
    assert "lots" not in str(caught.value)


# --- shared steps -------------------------------------------------------------------------------


def order(status: OrderStatus) -> OrderResult:
    return OrderResult(client_order_id="c1", status=status, broker_order_id="b1")


def test_cancel_via_when_order_unknown_then_unknown_order_and_nothing_sent() -> None:
    sent: list[OrderResult] = []
    with pytest.raises(BrokerRejectedError) as caught:
        cancel_via(lambda _: None, sent.append, "c1")
    assert caught.value.code == RejectCode.UNKNOWN_ORDER
    assert sent == []


@pytest.mark.parametrize("status", [OrderStatus.FILLED, OrderStatus.CANCELLED])
def test_cancel_via_when_order_final_then_not_cancellable_and_nothing_sent(
    status: OrderStatus,
) -> None:
    sent: list[OrderResult] = []
    with pytest.raises(BrokerRejectedError) as caught:
        cancel_via(lambda _: order(status), sent.append, "c1")
    assert caught.value.code == RejectCode.NOT_CANCELLABLE
    assert sent == []


def test_cancel_via_when_order_working_then_sends_cancel_and_answers_broker_view() -> None:
    views = iter([order(OrderStatus.SUBMITTED), order(OrderStatus.CANCELLED)])
    sent: list[OrderResult] = []
    result = cancel_via(lambda _: next(views), sent.append, "c1")
    assert [o.broker_order_id for o in sent] == ["b1"]
    assert result.status is OrderStatus.CANCELLED


def test_clear_orders_when_cancels_settle_then_returns_after_waiting(
    http: BrokerHttp, sleeps: list[float]
) -> None:
    listings = iter([["o1", "o2"], ["o2"], []])
    cancelled: list[str] = []
    clear_orders(http, lambda: next(listings), cancelled.append, "AAPL")
    assert cancelled == ["o1", "o2"]
    assert sleeps == [0.5]


def test_clear_orders_when_orders_keep_working_then_temporary_error(http: BrokerHttp) -> None:
    with pytest.raises(BrokerTemporaryError, match="still being cancelled"):
        clear_orders(http, lambda: ["o1"], lambda _: None, "AAPL")
