"""REST runs: pages of runs, one run with its transcript, "run a cycle now" (one at a time), and
the model connection test; all with the offline rules model on a desk at a fixed moment."""

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import start_blocking_portal
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from agents import ModelSet
from orchestrator.cycle import CycleResult, CycleRunner
from orchestrator.desk import Desk
from orchestrator.settings import load_settings
from store.db import session_scope
from store.queries_runs import list_runs, run_activity, run_events
from tests.desk_helpers import AT, Clock, api_error, clocked_app

RUNS = "/api/v1/runs"
BREAKOUT = "Momentum breakout"  # proposes a buy on the demo XAUUSD market at AT


@pytest.fixture
def overrides() -> dict[str, Any]:
    """Settings for the app; a test parametrizes this to configure a model endpoint."""
    return {}


@pytest.fixture
def app(tmp_path: Path, overrides: dict[str, Any]) -> FastAPI:
    return clocked_app(tmp_path, Clock(), **overrides)


def _cycle(app: FastAPI, client: TestClient, symbols: list[str]) -> list[CycleResult]:
    """Run the breakout strategy on `symbols` with the app's own runner (offline model), on the
    event loop the client serves the app on."""
    assert client.portal is not None
    return client.portal.call(app.state.runner.run_watchlist, AT, symbols, BREAKOUT)


def _wait_for_manual_cycle(app: FastAPI, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not app.state.cycle_task.done():
        assert time.monotonic() < deadline, "the cycle started by POST did not finish"
        time.sleep(0.05)
    assert app.state.cycle_task.exception() is None


def test_list_when_runs_recorded_then_newest_first_in_keyset_pages(
    app: FastAPI, token_client: TestClient
) -> None:
    results = _cycle(app, token_client, ["EURUSD", "XAUUSD"]) + _cycle(
        app, token_client, ["XAUUSD"]
    )
    ids = sorted((r.run_id for r in results), reverse=True)

    first = token_client.get(RUNS, params={"limit": 2}).json()
    assert [run["id"] for run in first["items"]] == ids[:2]
    assert first["next_before_id"] == ids[1]
    rest = token_client.get(RUNS, params={"limit": 2, "before_id": ids[1]}).json()
    assert ([run["id"] for run in rest["items"]], rest["next_before_id"]) == (ids[2:], None)

    run = first["items"][0]
    assert (run["symbol"], run["strategy_name"], run["status"]) == ("XAUUSD", BREAKOUT, "finished")
    assert "offline" in run["model"] and run["llm_calls"] > 0 and run["prompt_tokens"] > 0
    assert (run["cost_usd"], run["fallback_used"]) == (0.0, False)
    assert run["outcome"] == "needs_approval" and run["idea_id"] is not None


def test_list_when_filtered_by_symbol_and_time_then_only_matching_runs(
    app: FastAPI, token_client: TestClient
) -> None:
    _cycle(app, token_client, ["EURUSD", "XAUUSD"])

    def symbols(**params: Any) -> list[str]:
        return [run["symbol"] for run in token_client.get(RUNS, params=params).json()["items"]]

    assert symbols(symbol="xauusd") == ["XAUUSD"]
    assert sorted(symbols(since=AT.isoformat())) == ["EURUSD", "XAUUSD"]
    assert symbols(until=AT.isoformat()) == []  # until is exclusive
    assert symbols(since=(AT + timedelta(minutes=1)).isoformat()) == []


def test_get_when_run_exists_then_its_transcript_in_order(
    app: FastAPI, token_client: TestClient
) -> None:
    [result] = _cycle(app, token_client, ["XAUUSD"])
    run = token_client.get(f"{RUNS}/{result.run_id}").json()

    assert (run["id"], run["idea_id"], run["outcome"]) == (
        result.run_id,
        result.idea_id,
        "needs_approval",
    )
    events = run["events"]
    assert [(e["attempt"], e["seq"]) for e in events] == sorted((1, e["seq"]) for e in events)
    assert [e["source"] for e in events if e["type"] == "text"] == [
        "technical",
        "news",
        "risk",
        "executor",
    ]
    calls = [call["name"] for e in events for call in e["tool_calls"]]
    assert calls[0] == "indicators" and calls[-1] == "submit_proposal"
    assert events[-1]["type"] == "stop"
    assert any(e["prompt_tokens"] for e in events if e["type"] == "tool_call")


def test_get_when_run_unknown_then_404(token_client: TestClient) -> None:
    api_error(token_client.get(f"{RUNS}/999"), 404, "NOT_FOUND")


def test_runs_when_no_credentials_then_401(client: TestClient) -> None:
    api_error(client.get(RUNS), 401, "UNAUTHORIZED")
    api_error(client.get(f"{RUNS}/1"), 401, "UNAUTHORIZED")
    api_error(client.post(RUNS), 401, "UNAUTHORIZED")
    api_error(client.post("/api/v1/agents/test-connection"), 401, "UNAUTHORIZED")


def test_start_when_posted_then_202_and_every_watched_symbol_gets_its_runs(
    app: FastAPI, token_client: TestClient
) -> None:
    started = token_client.post(RUNS)
    assert started.status_code == 202, started.text
    body = started.json()
    assert body["at"] == AT.isoformat().replace("+00:00", "Z")
    assert body["symbols"] == app.state.settings.watchlist
    _wait_for_manual_cycle(app)

    results: list[CycleResult] = app.state.cycle_task.result()
    runs = token_client.get(RUNS, params={"limit": 200}).json()["items"]
    assert sorted(run["id"] for run in runs) == sorted(r.run_id for r in results)
    assert {run["symbol"] for run in runs} == set(app.state.settings.watchlist)
    assert all(run["status"] == "finished" for run in runs)


def test_start_when_a_cycle_is_running_then_409_and_allowed_again_once_it_ends(
    app: FastAPI, token_client: TestClient
) -> None:
    assert token_client.post(RUNS).status_code == 202
    error = api_error(token_client.post(RUNS), 409, "CYCLE_RUNNING")
    assert "already running" in error["message"]
    _wait_for_manual_cycle(app)
    assert token_client.post(RUNS).status_code == 202
    _wait_for_manual_cycle(app)


def test_health_when_a_run_was_recorded_then_last_run_time_given(
    app: FastAPI, token_client: TestClient
) -> None:
    health = "/api/v1/agents/health"
    assert token_client.get(health).json()["last_run_at"] is None
    _cycle(app, token_client, ["XAUUSD"])
    assert token_client.get(health).json()["last_run_at"] == AT.isoformat().replace("+00:00", "Z")


def test_test_connection_when_no_endpoint_then_ok_and_says_offline_model(
    token_client: TestClient,
) -> None:
    answer = token_client.post("/api/v1/agents/test-connection").json()
    assert answer["ok"] is True and "offline rules model" in answer["message"]
    assert answer["endpoint"] is None


@pytest.mark.parametrize(
    "overrides",
    [{"llm": {"base_url": "http://user:pw@127.0.0.1:9/v1", "model": "m1", "api_key": "sk-secret"}}],
)
def test_test_connection_when_endpoint_unreachable_then_plain_reason_never_key(
    token_client: TestClient,
) -> None:
    response = token_client.post("/api/v1/agents/test-connection")
    answer = response.json()
    assert answer["ok"] is False
    assert answer["message"] == "The AI endpoint could not be reached"
    assert (answer["model"], answer["endpoint"]) == ("m1", "http://127.0.0.1:9/v1")
    assert "sk-secret" not in response.text and "pw" not in response.text


def test_run_queries_when_on_each_backend_then_keyset_pages_and_cursor_hold(
    engine: Engine,
) -> None:
    desk = Desk(engine, load_settings(), clock=lambda: AT)
    runner = CycleRunner(desk, ModelSet.offline())
    with start_blocking_portal() as portal:  # its own loop, whatever runs in this thread
        results = portal.call(runner.run_watchlist, AT, ["EURUSD", "XAUUSD"], BREAKOUT)
    newest, oldest = sorted((r.run_id for r in results), reverse=True)
    with session_scope(engine) as session:
        assert [run.id for run in list_runs(session, limit=1)] == [newest]
        assert [run.id for run in list_runs(session, before_id=newest)] == [oldest]
        events = run_events(session, newest)
        later = run_events(session, newest, after=(events[4].attempt, events[4].seq))
        activity = run_activity(session, since=AT)
    assert [e.id for e in later] == [e.id for e in events[5:]]
    assert (activity.last_started_at, activity.runs_since, activity.running) == (AT, 2, 0)
