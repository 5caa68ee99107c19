"""REST ideas: the active list, one idea in full, approve and reject through the Desk."""

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.desk_helpers import Clock, api_error, clocked_app, queue_idea, relax_filters
from tools.brokers.base import BrokerRejectedError, OrderRequest, OrderResult
from tools.brokers.paper import PaperBroker
from tools.lifecycle import IdeaStatus

IDEAS = "/api/v1/ideas"


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    app = clocked_app(tmp_path, Clock())
    relax_filters(app.state.desk)
    return app


@pytest.fixture
def idea_id(app: FastAPI) -> int:
    return queue_idea(app.state.desk)


def test_list_when_nothing_proposed_then_empty(token_client: TestClient) -> None:
    response = token_client.get(IDEAS)
    assert response.status_code == 200 and response.json() == {"items": []}


def test_list_when_idea_queued_then_active_list_shows_it_and_status_filter_hides_it(
    token_client: TestClient, idea_id: int
) -> None:
    [row] = token_client.get(IDEAS).json()["items"]
    assert (row["id"], row["status"], row["symbol"]) == (idea_id, "needs_approval", "EURUSD")
    assert row["computed_lots"] > 0 and row["targets"]
    executed = token_client.get(IDEAS, params={"status": ["executed", "auto_executed"]})
    assert executed.json()["items"] == []


def test_detail_when_idea_queued_then_checks_confidence_and_story(
    token_client: TestClient, idea_id: int
) -> None:
    idea = token_client.get(f"{IDEAS}/{idea_id}").json()
    assert {"STOP_SIDE", "TRADING_STATE", "MODE"} <= {check["id"] for check in idea["checks"]}
    assert all(set(c) >= {"passed", "severity", "detail", "category"} for c in idea["checks"])
    breakdown = idea["confidence_breakdown"]
    assert breakdown["total"] == idea["confidence"] and breakdown["reasons"]
    assert [d["action"] for d in idea["decisions"]] == ["needs_approval"]
    assert idea["orders"] == [] and idea["rationale"] == "test"


def test_approve_when_fewer_lots_then_executed_with_one_filled_order(
    token_client: TestClient, idea_id: int
) -> None:
    computed = token_client.get(f"{IDEAS}/{idea_id}").json()["computed_lots"]
    lots = round(computed / 2, 2)
    response = token_client.post(f"{IDEAS}/{idea_id}/approve", json={"lots": lots})
    assert response.status_code == 200
    assert response.json() == {"idea_id": idea_id, "status": "executed"}
    idea = token_client.get(f"{IDEAS}/{idea_id}").json()
    [order] = idea["orders"]
    assert (order["status"], order["lots"]) == ("filled", lots)
    assert [d["action"] for d in idea["decisions"]] == ["needs_approval", "approved", "executed"]
    assert idea["decisions"][1]["actor"] == "human:owner"


def test_approve_when_no_body_then_computed_size_ordered(
    token_client: TestClient, idea_id: int
) -> None:
    response = token_client.post(f"{IDEAS}/{idea_id}/approve")
    assert response.json()["status"] == IdeaStatus.EXECUTED
    idea = token_client.get(f"{IDEAS}/{idea_id}").json()
    assert idea["orders"][0]["lots"] == idea["computed_lots"]


def test_approve_when_lots_above_computed_then_422_and_nothing_ordered(
    token_client: TestClient, idea_id: int
) -> None:
    computed = token_client.get(f"{IDEAS}/{idea_id}").json()["computed_lots"]
    response = token_client.post(f"{IDEAS}/{idea_id}/approve", json={"lots": computed + 1})
    error = api_error(response, 422, "INVALID_INPUT")
    assert error["details"]["computed_lots"] == computed
    assert token_client.get(f"{IDEAS}/{idea_id}").json()["orders"] == []


def test_approve_when_already_approved_then_409_idea_not_pending(
    token_client: TestClient, idea_id: int
) -> None:
    token_client.post(f"{IDEAS}/{idea_id}/approve")
    api_error(token_client.post(f"{IDEAS}/{idea_id}/approve"), 409, "IDEA_NOT_PENDING")


def test_approve_when_halted_then_409_ai_halted_and_refusal_logged(
    app: FastAPI, token_client: TestClient, idea_id: int
) -> None:
    app.state.desk.halt("desk closed for lunch")
    error = api_error(token_client.post(f"{IDEAS}/{idea_id}/approve"), 409, "AI_HALTED")
    assert "desk closed for lunch" in error["message"]
    idea = token_client.get(f"{IDEAS}/{idea_id}").json()
    assert idea["decisions"][-1]["action"] == "approval_refused" and idea["orders"] == []


def test_approve_when_lots_malformed_then_422_naming_the_field(
    token_client: TestClient, idea_id: int
) -> None:
    for body in ({"lots": -1}, {"lots": "many"}, {"lots": 0.1, "extra": True}):
        error = api_error(
            token_client.post(f"{IDEAS}/{idea_id}/approve", json=body), 422, "INVALID_INPUT"
        )
        assert error["details"]["errors"][0]["path"].startswith("body")


def test_reject_when_reason_given_then_human_rejected_with_reason(
    token_client: TestClient, idea_id: int
) -> None:
    response = token_client.post(f"{IDEAS}/{idea_id}/reject", json={"reason": "spread too wide"})
    assert response.json() == {"idea_id": idea_id, "status": "human_rejected"}
    last = token_client.get(f"{IDEAS}/{idea_id}").json()["decisions"][-1]
    assert (last["action"], last["details"]["reason"], last["human_override"]) == (
        "human_rejected",
        "spread too wide",
        True,
    )
    assert token_client.get(IDEAS).json()["items"] == []
    api_error(token_client.post(f"{IDEAS}/{idea_id}/reject"), 409, "IDEA_NOT_PENDING")


def test_acts_when_idea_unknown_then_404_not_found(token_client: TestClient) -> None:
    api_error(token_client.get(f"{IDEAS}/999"), 404, "NOT_FOUND")
    api_error(token_client.post(f"{IDEAS}/999/approve"), 404, "NOT_FOUND")
    api_error(token_client.post(f"{IDEAS}/999/reject"), 404, "NOT_FOUND")


@pytest.mark.parametrize("bad", ["0", "abc", "99999999999999999999"])
def test_detail_when_id_malformed_then_422(token_client: TestClient, bad: str) -> None:
    api_error(token_client.get(f"{IDEAS}/{bad}"), 422, "INVALID_INPUT")


def test_list_when_status_unknown_then_422(token_client: TestClient) -> None:
    api_error(token_client.get(IDEAS, params={"status": "pending"}), 422, "INVALID_INPUT")


def test_approve_when_logged_in_by_cookie_then_csrf_checked_and_act_signed(
    app: FastAPI, owner_client: TestClient, idea_id: int
) -> None:
    response = owner_client.post(f"{IDEAS}/{idea_id}/reject", json={"reason": "by cookie"})
    assert response.status_code == 200, response.text
    without_csrf = TestClient(app, cookies=owner_client.cookies)
    assert without_csrf.post(f"{IDEAS}/{idea_id}/approve").status_code == 403


def test_approve_when_broker_refuses_then_502_and_idea_execution_failed(
    token_client: TestClient, idea_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: PaperBroker, request: OrderRequest) -> OrderResult:
        raise BrokerRejectedError("MARKET_CLOSED", "the market is closed")

    monkeypatch.setattr(PaperBroker, "place_order", refuse)
    response = token_client.post(f"{IDEAS}/{idea_id}/approve")
    error = api_error(response, 502, "BROKER_EXECUTION_FAILED")
    assert "market is closed" in error["message"]
    assert error["details"]["status"] == "execution_failed"
    idea = token_client.get(f"{IDEAS}/{idea_id}").json()
    assert idea["status"] == "execution_failed"
    assert [o["status"] for o in idea["orders"]] == ["rejected"]
