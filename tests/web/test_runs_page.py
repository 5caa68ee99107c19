"""Runs in a real browser: "run a cycle now" from the runs page and from the control panel, runs
appearing without a reload, a transcript read as a chat with expandable tool calls, a run in
progress streaming in over server-sent events, and an idea's page showing its run."""

import asyncio
import re
import time
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect

from orchestrator.toolkit import SnapshotToolkit
from store.db import session_scope
from store.queries_runs import list_runs, run_events
from tests.desk_helpers import AT
from tests.web.conftest import BREAKOUT, LiveServer

pytestmark = pytest.mark.browser

CYCLE_MS = 30_000  # a whole watchlist cycle with the offline model takes a few seconds
RUN_ID = re.compile(r"^#\d+$")


def _newest_run_id(app: FastAPI) -> int:
    with session_scope(app.state.desk.engine) as session:
        runs = list_runs(session, limit=1)
    return runs[0].id if runs and runs[0].id else 0


def _event_ids(app: FastAPI, run_id: int) -> list[str]:
    with session_scope(app.state.desk.engine) as session:
        return [f"event-{e.attempt}-{e.seq}" for e in run_events(session, run_id)]


def _run_reaching(app: FastAPI, before: int, step: str, seconds: float = 10) -> int:
    """The id of the run newer than `before` once its transcript holds `step` (source:type)."""
    deadline = time.monotonic() + seconds
    while True:
        run_id = _newest_run_id(app)
        if run_id > before:
            with session_scope(app.state.desk.engine) as session:
                steps = {f"{e.source}:{e.type}" for e in run_events(session, run_id)}
            if step in steps:
                return run_id
        assert time.monotonic() < deadline, f"no new run reached {step}"
        time.sleep(0.05)


def _wait_for_cycle_end(page: Page) -> None:
    expect(page.locator("[data-cycle-running]")).to_have_count(0, timeout=CYCLE_MS)
    expect(page.locator("#run-rows tr[data-status=running]")).to_have_count(0, timeout=CYCLE_MS)


def test_run_now_when_clicked_on_runs_page_then_new_runs_appear_without_reload(
    page: Page, web_app: FastAPI
) -> None:
    before = _newest_run_id(web_app)
    page.goto("/runs")
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("button", name="Run a cycle now").click()
    expect(page.locator("#run-start [role=status]")).to_contain_text("Cycle started at 14:00 UTC")
    newest = page.locator("#run-rows tr[data-run]").first
    expect(newest).not_to_have_attribute("data-run", str(before), timeout=CYCLE_MS)
    _wait_for_cycle_end(page)
    symbols = set(page.locator("#run-rows tr[data-run] td:nth-child(3)").all_inner_texts())
    assert symbols == set(web_app.state.settings.watchlist)
    assert int(newest.get_attribute("data-run") or 0) > before
    assert page.evaluate("window.__sameDocument") is True


def test_run_now_when_clicked_in_control_panel_then_run_transcript_reads_as_chat(
    page: Page, web_app: FastAPI
) -> None:
    before = _newest_run_id(web_app)
    page.goto("/control")
    panel = page.locator("#control-panel")
    panel.get_by_role("button", name="Run a cycle now").click()
    expect(panel.get_by_role("status")).to_contain_text("Cycle started at 14:00 UTC for EURUSD")
    panel.get_by_role("link", name="Runs and their transcripts").click()
    _wait_for_cycle_end(page)

    row = page.locator("#run-rows tr[data-run]", has_text="XAUUSD").filter(has_text=BREAKOUT)
    idea_link = row.first.locator("[data-outcome]")
    expect(idea_link).to_have_attribute("href", re.compile(r"^/ideas/\d+$"))
    idea = idea_link.get_attribute("href")
    assert idea is not None
    row.first.get_by_role("link", name=RUN_ID).click()
    run_id = int(page.url.rsplit("/", 1)[1])
    assert run_id > before
    summary = page.locator("[data-run-summary=finished]")
    expect(summary.locator(f"a[href='{idea}']")).to_be_visible()
    expect(page.locator("[data-run-cost]")).to_contain_text("LLM calls")
    chat = page.locator("[data-transcript-events] > li[data-event]")
    assert chat.evaluate_all("items => items.map(i => i.id)") == _event_ids(web_app, run_id)
    speakers = page.locator("[data-event=text] [data-agent]").all_inner_texts()
    assert speakers == ["Technical analyst", "News analyst", "Risk manager", "Executor"]

    call = page.locator("[data-tool-call=submit_proposal]")
    expect(call.locator("pre")).not_to_be_visible()
    call.locator("summary").click()
    expect(call.locator("pre")).to_contain_text('"direction":')
    result = page.locator("[data-tool-result=submit_proposal]")
    result.locator("summary").click()
    expect(result.locator("pre")).to_contain_text(f'"idea_id": {idea.rsplit("/", 1)[1]}')


def test_run_page_when_run_in_progress_then_messages_stream_in_until_it_ends(
    page: Page, web_app: FastAPI, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    calendar = SnapshotToolkit.upcoming_events

    def slow_calendar(self: SnapshotToolkit) -> dict[str, Any]:
        time.sleep(3)  # the news analyst waits on its calendar: the run is open meanwhile
        return calendar(self)

    monkeypatch.setattr(SnapshotToolkit, "upcoming_events", slow_calendar)
    before = _newest_run_id(web_app)
    running = asyncio.run_coroutine_threadsafe(
        web_app.state.runner.run_symbol("XAUUSD", AT, BREAKOUT), live_server.loop
    )
    run_id = _run_reaching(web_app, before, "news:tool_call")

    page.goto(f"/runs/{run_id}")
    page.evaluate("window.__sameDocument = true")
    expect(page.locator("[data-run-summary=running]")).to_be_visible()
    expect(page.locator("[data-tool-call=upcoming_events]")).to_be_visible()
    assert page.locator("[data-tool-result=upcoming_events]").count() == 0

    expect(page.locator("[data-tool-result=upcoming_events]")).to_be_visible(timeout=10_000)
    expect(page.locator("[data-source=executor][data-event=text]")).to_be_visible()
    [result] = running.result(timeout=30)
    assert result.run_id == run_id
    summary = page.locator("[data-run-summary=finished]")
    expect(summary.locator(f"a[href='/ideas/{result.idea_id}']")).to_be_visible()
    chat = page.locator("[data-transcript-events] > li[data-event]")
    assert chat.evaluate_all("items => items.map(i => i.id)") == _event_ids(web_app, run_id)
    assert page.evaluate("window.__sameDocument") is True


def test_idea_page_when_idea_came_from_a_run_then_transcript_with_expandable_tool_calls(
    page: Page, web_app: FastAPI, live_server: LiveServer
) -> None:
    done = asyncio.run_coroutine_threadsafe(
        web_app.state.runner.run_symbol("XAUUSD", AT, BREAKOUT), live_server.loop
    )
    [result] = done.result(timeout=30)
    page.goto(f"/ideas/{result.idea_id}")
    transcript = page.locator("[data-transcript]")
    expect(transcript.get_by_role("link", name=f"run #{result.run_id}")).to_be_visible()
    expect(transcript.locator("[data-run-cost]")).to_contain_text("5 LLM calls")
    call = transcript.locator("[data-tool-call=risk_checks]")
    expect(call.locator("pre")).not_to_be_visible()
    call.locator("summary").click()
    expect(call.locator("pre")).to_contain_text('"proposal"')
    expect(transcript.locator("[data-event=text][data-source=executor]")).to_contain_text(
        "submit_proposal"
    )
