"""REST decision log: filters and keyset pages, one decision, its snapshot, its explanation
tree; and the rule book."""

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.desk_helpers import AT, Clock, api_error, clocked_app, queue_idea, relax_filters
from tools.checks import Category
from tools.risk_checks import RULES
from tools.snapshot import Snapshot

DECISIONS = "/api/v1/decisions"


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    app = clocked_app(tmp_path, Clock())
    relax_filters(app.state.desk)  # one risk_config_changed decision
    return app


@pytest.fixture
def idea_id(app: FastAPI) -> int:
    return queue_idea(app.state.desk)  # strategy_changed, then needs_approval


def _decision_for(client: TestClient, action: str) -> dict:
    [decision] = client.get(DECISIONS, params={"action": action}).json()["items"]
    return decision


def test_list_when_paged_then_newest_first_and_cursor_walks_every_row(
    token_client: TestClient, idea_id: int
) -> None:
    everything = token_client.get(DECISIONS).json()
    assert [d["action"] for d in everything["items"]] == [
        "needs_approval",
        "strategy_changed",
        "risk_config_changed",
    ]
    assert everything["next_before_id"] is None
    seen, cursor = [], None
    while True:
        params = {"limit": 1} | ({"before_id": cursor} if cursor else {})
        page = token_client.get(DECISIONS, params=params).json()
        seen += [d["id"] for d in page["items"]]
        cursor = page["next_before_id"]
        if cursor is None:
            break
    assert seen == [d["id"] for d in everything["items"]]


def test_list_when_filtered_then_only_matching_rows(token_client: TestClient, idea_id: int) -> None:
    by_symbol = token_client.get(DECISIONS, params={"symbol": "eurusd"}).json()["items"]
    assert [d["action"] for d in by_symbol] == ["needs_approval"]
    assert by_symbol[0]["idea_id"] == idea_id
    future = (AT + timedelta(days=3650)).isoformat()
    assert token_client.get(DECISIONS, params={"since": future}).json()["items"] == []
    assert token_client.get(DECISIONS, params={"until": "2001-01-01T00:00:00Z"}).json() == {
        "items": [],
        "next_before_id": None,
    }


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-11-18T14:00:00"},  # no UTC offset
        {"until": "yesterday"},
        {"action": "approve"},
        {"limit": 0},
        {"limit": 1000},
        {"before_id": -1},
        {"symbol": "EUR USD"},
    ],
)
def test_list_when_filter_malformed_then_422_invalid_input(
    token_client: TestClient, params: dict
) -> None:
    api_error(token_client.get(DECISIONS, params=params), 422, "INVALID_INPUT")


def test_detail_when_known_then_decision_and_when_unknown_then_404(
    token_client: TestClient, idea_id: int
) -> None:
    decision = _decision_for(token_client, "needs_approval")
    assert token_client.get(f"{DECISIONS}/{decision['id']}").json() == decision
    api_error(token_client.get(f"{DECISIONS}/4242"), 404, "NOT_FOUND")


def test_snapshot_when_decision_has_one_then_stored_snapshot_with_its_hash(
    token_client: TestClient, idea_id: int
) -> None:
    decision = _decision_for(token_client, "needs_approval")
    response = token_client.get(f"{DECISIONS}/{decision['id']}/snapshot")
    snapshot = Snapshot.model_validate_json(response.content)
    assert snapshot.content_hash == decision["snapshot_hash"]
    assert snapshot.compute_hash() == snapshot.content_hash  # untouched: replayable
    assert (snapshot.symbol, snapshot.as_of) == ("EURUSD", AT)


def test_snapshot_when_decision_has_none_then_404_snapshot_not_found(
    token_client: TestClient, idea_id: int
) -> None:
    decision = _decision_for(token_client, "risk_config_changed")
    response = token_client.get(f"{DECISIONS}/{decision['id']}/snapshot")
    api_error(response, 404, "SNAPSHOT_NOT_FOUND")


def test_explanation_when_idea_decision_then_every_rule_by_category_with_numbers(
    token_client: TestClient, idea_id: int
) -> None:
    decision = _decision_for(token_client, "needs_approval")
    tree = token_client.get(f"{DECISIONS}/{decision['id']}/explanation").json()
    assert tree["idea"]["id"] == idea_id
    rules = [rule for category in tree["categories"] for rule in category["rules"]]
    assert [r["id"] for r in rules] == [
        rule.id for category in Category for rule in RULES if rule.category is category
    ]
    assert all(r["status"] in {"passed", "failed"} and r["detail"] for r in rules)
    for category in tree["categories"]:
        statuses = {rule["status"] for rule in category["rules"]}
        assert category["passed"] is ("failed" not in statuses)
    stop_side = next(r for r in rules if r["id"] == "STOP_SIDE")
    assert stop_side["status"] == "passed" and stop_side["description"]
    assert tree["confidence"]["total"] == tree["idea"]["confidence"]
    assert [d["action"] for d in tree["story"]] == ["needs_approval"]


def test_explanation_when_desk_wide_act_then_no_idea_and_no_tree(
    token_client: TestClient, idea_id: int
) -> None:
    decision = _decision_for(token_client, "risk_config_changed")
    tree = token_client.get(f"{DECISIONS}/{decision['id']}/explanation").json()
    assert (tree["idea"], tree["categories"], tree["confidence"], tree["story"]) == (
        None,
        [],
        None,
        [],
    )


def test_rules_when_listed_then_every_check_with_id_category_and_description(
    token_client: TestClient,
) -> None:
    items = token_client.get("/api/v1/rules").json()["items"]
    assert items == [rule.model_dump(mode="json") for rule in RULES]
    assert all(item["description"] for item in items)
