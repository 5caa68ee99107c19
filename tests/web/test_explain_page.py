"""Explain this trade in a real browser: a question asked on an idea's page gets a grounded
answer with its sources, streamed in over server-sent events, and what-if shows its result."""

import pytest
from playwright.sync_api import Page, expect

from orchestrator.desk import Desk
from store.db import session_scope
from store.queries import get_idea
from tests.desk_helpers import queue_idea

pytestmark = pytest.mark.browser


def _confidence(desk: Desk, idea_id: int) -> str:
    with session_scope(desk.engine) as session:
        idea = get_idea(session, idea_id)
        assert idea is not None and idea.confidence is not None
    return f"{idea.confidence:.6f}".rstrip("0").rstrip(".")


def test_ask_when_question_typed_on_idea_page_then_grounded_answer_with_sources(
    page: Page, desk: Desk
) -> None:
    idea_id = queue_idea(desk)
    page.goto(f"/ideas/{idea_id}")
    chat = page.locator("section[data-explain]")
    chat.get_by_label("Question", exact=True).fill("Why was it queued?")
    chat.get_by_role("button", name="Ask").click()

    turn = chat.locator("[data-explain-turn]").last
    expect(turn.locator("[data-question]")).to_have_text("Why was it queued?")
    answer = turn.locator("[data-answer]")
    expect(answer).to_contain_text("queued for approval")
    expect(answer).to_contain_text(f"Its confidence {_confidence(desk, idea_id)} was")
    expect(answer.locator("[data-source]")).to_have_text(["idea", "decisions", "checks"])
    expect(answer).to_contain_text("offline rules model")
    expect(answer.locator("mark[data-unmatched]")).to_have_count(0)
    expect(chat.get_by_label("Question", exact=True)).to_have_value("")


def test_ask_when_suggested_question_clicked_then_it_is_answered_and_kept_on_reload(
    page: Page, desk: Desk
) -> None:
    idea_id = queue_idea(desk)
    page.goto(f"/ideas/{idea_id}")
    chat = page.locator("section[data-explain]")
    chat.get_by_role("button", name="Why this confidence?").click()
    expect(chat.locator("[data-answer]").last).to_contain_text("Confidence ")
    page.reload()
    expect(page.locator("[data-explain-turn] [data-question]")).to_have_text(
        ["Why this confidence?"]
    )
    expect(page.locator("[data-answer] [data-source]")).to_have_text(["confidence"])


def test_what_if_when_mode_changed_on_idea_page_then_outcome_shown(page: Page, desk: Desk) -> None:
    idea_id = queue_idea(desk)
    page.goto(f"/ideas/{idea_id}")
    what_if = page.locator("[data-what-if]")
    what_if.locator("summary").click()
    what_if.get_by_label("Parameter").select_option("mode")
    what_if.get_by_label("Value").fill("SEMI_AUTO")
    what_if.get_by_role("button", name="Re-run the gate").click()
    expect(what_if.locator("[data-what-if-outcome]")).to_have_text("auto executed")
    expect(what_if).to_contain_text("Nothing was recorded")
    expect(page.locator("#idea-panel [data-idea-status]")).to_have_text("needs approval")
