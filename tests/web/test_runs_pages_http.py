"""The runs pages and what came with them, server side without a browser: the runs list and its
no-change poll, "run a cycle now" from the control panel, the idea page's transcript, the
settings page's connection test and paper reset, and strategy switches through the Desk."""

import re
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from store.db import session_scope
from store.queries import list_decisions
from tests.api_fixtures import CsrfClient
from tests.desk_helpers import Clock, clocked_app, queue_idea, relax_filters
from tests.web.conftest import BREAKOUT, run_breakout
from tools.lifecycle import DecisionAction

HTMX = {"HX-Request": "true"}
UNREACHABLE_LLM = {
    "llm": {
        "base_url": "http://127.0.0.1:9/v1",
        "model": "m1",
        "api_key": "sk-secret",
        "max_retries": 0,
        "timeout_seconds": 2,
    }
}
PANEL = {**HTMX, "HX-Target": "control-panel"}


@pytest.fixture
def overrides() -> dict[str, Any]:
    """Settings for the app; a test parametrizes this to configure a model endpoint."""
    return {}


@pytest.fixture
def app(tmp_path: Path, overrides: dict[str, Any]) -> FastAPI:
    app = clocked_app(tmp_path, Clock(), **overrides)
    relax_filters(app.state.desk)
    return app


def test_runs_page_when_run_recorded_then_row_links_run_and_idea(
    app: FastAPI, owner_client: CsrfClient
) -> None:
    result = run_breakout(app, owner_client)
    page = owner_client.get("/runs").text
    row = re.search(rf'<tr data-run="{result.run_id}".*?</tr>', page, re.S)
    assert row is not None
    assert f'href="/runs/{result.run_id}"' in row[0] and f'href="/ideas/{result.idea_id}"' in row[0]
    assert "XAUUSD" in row[0] and BREAKOUT in row[0] and "needs approval" in row[0]


def test_poll_runs_when_nothing_changed_then_no_content_and_new_run_then_rows(
    app: FastAPI, owner_client: CsrfClient
) -> None:
    rows = owner_client.get("/runs", headers=HTMX)
    assert rows.text.lstrip().startswith('<section id="run-rows"') and "<html" not in rows.text
    seen = re.search(r'"seen": "(\w+)"', rows.text)
    assert seen is not None
    assert owner_client.get("/runs", params={"seen": seen[1]}, headers=HTMX).status_code == 204
    result = run_breakout(app, owner_client)
    again = owner_client.get("/runs", params={"seen": seen[1]}, headers=HTMX)
    assert again.status_code == 200 and f'data-run="{result.run_id}"' in again.text


def test_run_now_when_clicked_in_control_panel_then_started_and_second_click_refused(
    app: FastAPI, owner_client: CsrfClient
) -> None:
    first = owner_client.post("/runs/start", headers=PANEL)
    assert 'id="control-panel"' in first.text and "Cycle started at 14:00 UTC" in first.text
    second = owner_client.post("/runs/start", headers=PANEL)
    assert "CYCLE_RUNNING: a cycle is already running" in second.text
    deadline = time.monotonic() + 30
    while not app.state.cycle_task.done():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert len(app.state.cycle_task.result()) > 0


@pytest.mark.parametrize("overrides", [UNREACHABLE_LLM])
def test_run_page_when_llm_failed_then_run_and_attempt_two_messages_marked_fallback(
    app: FastAPI, owner_client: CsrfClient
) -> None:
    result = run_breakout(app, owner_client)
    assert result.fallback_used
    page = owner_client.get(f"/runs/{result.run_id}").text
    assert "data-run-fallback" in page and "The AI endpoint could not be reached" in page
    attempts = re.findall(r'<li id="event-(\d)-\d+"', page)
    assert set(attempts) == {"1", "2"}
    assert page.count("data-fallback ") == attempts.count("2")  # one badge per fallback message
    assert page.count('data-attempt-start="2"') == 1
    assert "sk-secret" not in page


def test_run_page_when_run_unknown_then_404(owner_client: CsrfClient) -> None:
    assert owner_client.get("/runs/999").status_code == 404


def test_idea_page_when_idea_came_from_a_run_then_its_transcript_and_cost_line(
    app: FastAPI, owner_client: CsrfClient
) -> None:
    result = run_breakout(app, owner_client)
    page = owner_client.get(f"/ideas/{result.idea_id}").text
    assert f'data-run-transcript="{result.run_id}"' in page
    assert 'data-tool-call="submit_proposal"' in page and "<details" in page
    assert re.search(r"countersign-offline.*· 5 LLM calls", page, re.S)
    assert "sse-connect" not in page  # a finished run is not followed


def test_test_connection_when_no_endpoint_then_says_offline_model(
    owner_client: CsrfClient,
) -> None:
    answer = owner_client.post("/settings/llm/test", headers=HTMX).text
    assert 'data-connection="ok"' in answer and "offline rules model" in answer


def test_reset_paper_when_position_open_then_refusal_shown_and_balance_kept(
    app: FastAPI, owner_client: CsrfClient
) -> None:
    desk = app.state.desk
    desk.approve(queue_idea(desk), actor="test")
    before = desk.account()
    assert before.positions
    answer = owner_client.post(
        "/settings/paper/reset", data={"starting_balance": "5000"}, headers=HTMX
    )
    assert "INVALID_INPUT: close the open paper positions" in answer.text
    assert desk.account().balance == before.balance


def test_reset_paper_when_no_position_then_new_balance_and_logged(
    app: FastAPI, owner_client: CsrfClient
) -> None:
    answer = owner_client.post(
        "/settings/paper/reset", data={"starting_balance": "5,000"}, headers=HTMX
    )
    assert "Paper account reset: balance 5,000.00 USD." in answer.text
    assert app.state.desk.account().balance == 5_000.0
    with session_scope(app.state.desk.engine) as session:
        [reset] = list_decisions(session, action=DecisionAction.PAPER_RESET)
    assert reset.actor == "human:owner"


def test_switch_strategy_when_unknown_then_refusal_and_when_known_then_logged(
    app: FastAPI, owner_client: CsrfClient
) -> None:
    unknown = owner_client.post(
        "/strategies/active", data={"name": "Nope", "active": "true"}, headers=HTMX
    )
    assert "NOT_FOUND: no strategy named &#39;Nope&#39;" in unknown.text
    off = owner_client.post(
        "/strategies/active", data={"name": BREAKOUT, "active": "false"}, headers=HTMX
    )
    assert f"{BREAKOUT} is now inactive." in off.text
    with session_scope(app.state.desk.engine) as session:
        [changed] = list_decisions(session, action=DecisionAction.STRATEGY_CHANGED)
    assert (changed.actor, changed.details) == (
        "human:owner",
        {"strategy": BREAKOUT, "active": False},
    )


def test_dashboard_when_runs_recorded_then_last_cycle_and_todays_count(
    app: FastAPI, owner_client: CsrfClient
) -> None:
    assert "no cycle has run yet" in owner_client.get("/").text
    run_breakout(app, owner_client)
    run_breakout(app, owner_client)
    line = re.search(r"data-last-cycle>(.*?)</a>", owner_client.get("/").text, re.S)
    assert line is not None
    assert " ".join(line[1].split()) == "last cycle 2026-11-18 14:00 UTC · 2 runs today"
