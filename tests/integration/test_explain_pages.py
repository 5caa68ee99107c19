"""The idea page's explain section over HTTP: the lazy section, asking with and without htmx, the
answer stream, what-if, and refusals shown in place."""

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api_fixtures import CsrfClient
from tests.desk_helpers import queue_idea, relax_filters
from tests.integration.test_explain_support import explain_messages, row_counts

HTMX = {"HX-Request": "true"}


@pytest.fixture
def idea_id(app: FastAPI) -> int:
    relax_filters(app.state.desk)
    return queue_idea(app.state.desk)


def _stream_url(html: str) -> str:
    found = re.findall(r'sse-connect="([^"]+)"', html)
    assert len(found) == 1, html
    return found[0]


def test_idea_page_when_opened_then_explain_section_loads_itself(
    owner_client: CsrfClient, idea_id: int
) -> None:
    page = owner_client.get(f"/ideas/{idea_id}").text
    assert f'hx-get="/ideas/{idea_id}/explain" hx-trigger="load"' in page
    section = owner_client.get(f"/ideas/{idea_id}/explain").text
    assert 'id="explain"' in section and "data-explain-form" in section
    assert "Why this confidence?" in section  # a suggested question


def test_ask_when_htmx_then_pending_turn_streams_its_answer_once(
    owner_client: CsrfClient, app: FastAPI, idea_id: int
) -> None:
    section = owner_client.post(
        f"/ideas/{idea_id}/explain", data={"question": "What were RSI and ATR?"}, headers=HTMX
    ).text
    assert "data-answer-pending" in section
    stream = owner_client.get(_stream_url(section))
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert "event: chunk" in stream.text and "event: done" in stream.text
    assert 'data-source="market"' in stream.text
    again = owner_client.get(_stream_url(section)).text  # a reconnect replays the stored answer
    assert "event: chunk" not in again and 'data-source="market"' in again
    assert explain_messages(app.state.desk.engine) == 2
    section = owner_client.get(f"/ideas/{idea_id}/explain").text
    assert "data-answer-pending" not in section and "RSI(14)" in section


def test_ask_when_no_htmx_then_answered_and_back_to_the_idea(
    owner_client: CsrfClient, app: FastAPI, idea_id: int
) -> None:
    response = owner_client.post(
        f"/ideas/{idea_id}/explain", data={"question": "Why?"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/ideas/{idea_id}#explain"
    assert explain_messages(app.state.desk.engine) == 2


def test_ask_when_question_blank_then_error_in_the_section_and_nothing_stored(
    owner_client: CsrfClient, app: FastAPI, idea_id: int
) -> None:
    section = owner_client.post(
        f"/ideas/{idea_id}/explain", data={"question": "  "}, headers=HTMX
    ).text
    assert 'role="alert"' in section and "INVALID_INPUT: a question is 1-1000 characters" in section
    assert explain_messages(app.state.desk.engine) == 0


def test_ask_when_a_later_question_replaced_it_then_stream_says_so(
    owner_client: CsrfClient, idea_id: int
) -> None:
    first = owner_client.post(
        f"/ideas/{idea_id}/explain", data={"question": "Why?"}, headers=HTMX
    ).text
    owner_client.post(f"/ideas/{idea_id}/explain", data={"question": "And now?"}, headers=HTMX)
    done = owner_client.get(_stream_url(first)).text
    assert "was replaced by a later question" in done and "data-answer" not in done


def test_stream_when_question_of_another_idea_then_not_found(
    owner_client: CsrfClient, app: FastAPI, idea_id: int
) -> None:
    other = queue_idea(app.state.desk)
    section = owner_client.post(
        f"/ideas/{other}/explain", data={"question": "Why?"}, headers=HTMX
    ).text
    question_id = _stream_url(section).split("/")[-2]
    response = owner_client.get(f"/ideas/{idea_id}/explain/{question_id}/stream")
    assert response.status_code == 404


def test_what_if_form_when_submitted_then_result_shown_and_nothing_recorded(
    owner_client: CsrfClient, app: FastAPI, idea_id: int
) -> None:
    before = row_counts(app.state.desk.engine)
    html = owner_client.post(
        f"/ideas/{idea_id}/what-if",
        data={"parameter": "mode", "value": "SEMI_AUTO"},
        headers=HTMX,
    ).text
    assert re.search(r"data-what-if-outcome><span[^>]*>auto executed</span>", html)
    assert "Nothing was recorded" in html
    assert row_counts(app.state.desk.engine) == before
    refused = owner_client.post(
        f"/ideas/{idea_id}/what-if", data={"parameter": "min_confidence_threshold", "value": "x"}
    ).text
    assert 'role="alert"' in refused and "INVALID_INPUT: min_confidence_threshold=x" in refused


def test_explain_pages_when_logged_out_then_sent_to_login(client: TestClient, idea_id: int) -> None:
    response = client.get(f"/ideas/{idea_id}/explain", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
