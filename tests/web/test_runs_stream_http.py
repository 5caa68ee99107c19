"""A run's live transcript over HTTP (server-sent events, no browser): the replay of what the
database holds, cursors, following live events until the run ends, and the `done` event."""

import threading
import time
from pathlib import Path

import pytest
from fastapi import FastAPI

from agents import TranscriptEvent
from orchestrator.transcripts import event_payload, record_event, start_run
from store.db import session_scope
from store.models import RunRow
from store.queries_runs import run_events
from tests.api_fixtures import CsrfClient
from tests.desk_helpers import AT, Clock, clocked_app
from tests.web.conftest import BREAKOUT, run_breakout


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return clocked_app(tmp_path, Clock())


def sse_messages(text: str) -> list[dict[str, str]]:
    """The stream's messages: {"id", "event", "data"} each, comment lines left out."""
    messages = []
    for block in text.strip().split("\n\n"):
        fields: dict[str, list[str]] = {}
        for line in block.splitlines():
            name, _, value = line.partition(": ")
            if name in ("id", "event", "data"):
                fields.setdefault(name, []).append(value)
        if fields:
            messages.append({name: "\n".join(values) for name, values in fields.items()})
    return messages


def _stored_keys(app: FastAPI, run_id: int) -> list[str]:
    with session_scope(app.state.desk.engine) as session:
        return [f"{row.attempt}-{row.seq}" for row in run_events(session, run_id)]


def test_stream_when_run_finished_then_persisted_events_replayed_then_done(
    app: FastAPI, owner_client: CsrfClient
) -> None:
    run_id = run_breakout(app, owner_client).run_id
    response = owner_client.get(f"/runs/{run_id}/stream")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    *said, done = sse_messages(response.text)
    assert [m["id"] for m in said] == _stored_keys(app, run_id)
    assert {m["event"] for m in said} == {"transcript"}
    for message in said:  # each one the chat message partial the page renders
        assert message["data"].startswith(f'<li id="event-{message["id"]}"')
    assert 'data-tool-call="submit_proposal"' in "".join(m["data"] for m in said)
    assert done["event"] == "done" and 'data-run-summary="finished"' in done["data"]
    assert "sse-swap" not in done["data"]  # the final summary stops listening


def test_stream_when_cursor_given_then_only_later_events_replayed(
    app: FastAPI, owner_client: CsrfClient
) -> None:
    run_id = run_breakout(app, owner_client).run_id
    keys = _stored_keys(app, run_id)

    after = sse_messages(owner_client.get(f"/runs/{run_id}/stream?after={keys[4]}").text)
    assert [m.get("id") for m in after] == [*keys[5:], None]
    reconnect = owner_client.get(f"/runs/{run_id}/stream", headers={"Last-Event-ID": keys[-2]})
    assert [m.get("id") for m in sse_messages(reconnect.text)] == [keys[-1], None]


def test_stream_when_run_in_progress_then_live_events_follow_the_replay_until_it_ends(
    app: FastAPI, owner_client: CsrfClient
) -> None:
    desk, live = app.state.desk, app.state.runner.live
    run_id = start_run(desk.engine, desk.snapshots.build("XAUUSD", AT), BREAKOUT, "m", AT)
    said = [
        TranscriptEvent(seq=seq, source="technical", type="text", content=f"message {seq}")
        for seq in range(3)
    ]
    for event in said[:2]:
        record_event(desk.engine, run_id, 1, event)

    def run_goes_on() -> None:
        deadline = time.monotonic() + 10
        while not live._watchers.get(run_id):  # the stream has replayed and now follows
            assert time.monotonic() < deadline
            time.sleep(0.01)
        record_event(desk.engine, run_id, 1, said[2])
        for event in said[1:]:  # message 1 was replayed already: it must not show twice
            owner_client.portal.call(live.publish, run_id, event_payload(event, 1))
        with session_scope(desk.engine) as session:
            session.get_one(RunRow, run_id).status = "finished"

    thread = threading.Thread(target=run_goes_on)
    thread.start()
    response = owner_client.get(f"/runs/{run_id}/stream")
    thread.join()

    *said_messages, done = sse_messages(response.text)
    assert [m["id"] for m in said_messages] == ["1-0", "1-1", "1-2"]
    assert "message 2" in said_messages[-1]["data"]
    assert done["event"] == "done" and 'data-run-summary="finished"' in done["data"]
    assert not live._watchers.get(run_id)  # the stream stopped watching


def test_stream_when_run_unknown_then_404(owner_client: CsrfClient) -> None:
    assert owner_client.get("/runs/999/stream").status_code == 404
