"""The web desk in a real browser: logging in, the live approval queue, an idea's page, acts on
ideas and their refusals, strategy validation, history with replay, and CSRF."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from orchestrator.desk import Desk
from store.db import session_scope
from store.queries import get_idea
from tests.desk_helpers import AT, matching_strategy, queue_idea
from tests.web.conftest import log_in
from tools.news import Headline
from tools.proposal import TradeProposal

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.__pwned = 1">Fed <b>surprise</b> hike'


def _computed_lots(desk: Desk, idea_id: int) -> float:
    with session_scope(desk.engine) as session:
        idea = get_idea(session, idea_id)
        assert idea is not None and idea.computed_lots
        return idea.computed_lots


def test_open_page_when_logged_out_then_login_form_leads_to_dashboard(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.goto("/queue")
    expect(page).to_have_url(f"{base_url}/login?next=/queue")
    log_in(page)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("[data-ai-badge]")).to_have_text("AI Trading ON")
    expect(page.locator("section[aria-label=Watchlist] tr[data-symbol=EURUSD]")).to_be_visible()
    context.close()


def test_queue_when_idea_proposed_after_load_then_row_appears_without_reload(
    page: Page, desk: Desk
) -> None:
    page.goto("/queue")
    page.evaluate("window.__sameDocument = true")
    idea_id = queue_idea(desk)
    row = page.locator(f"#idea-{idea_id}")
    expect(row).to_be_visible()
    expect(row).to_contain_text("needs approval")
    assert page.evaluate("window.__sameDocument") is True


def test_idea_page_when_opened_then_chart_checks_and_transcript_placeholder_shown(
    page: Page, desk: Desk
) -> None:
    idea_id = queue_idea(desk)
    page.goto(f"/ideas/{idea_id}")
    expect(page.locator("#chart canvas").first).to_be_visible()
    expect(page.locator("[data-check=STOP_SIDE]")).to_contain_text("✓")
    expect(page.locator("[data-confidence]")).to_contain_text("Strategy match")
    expect(page.locator("[data-transcript]")).to_contain_text(
        "No transcript: proposed outside an agent run"
    )
    expect(page.locator("#idea-panel [data-approve]")).to_be_visible()


def test_approve_when_fewer_lots_then_executed_and_decision_in_history(
    page: Page, desk: Desk
) -> None:
    idea_id = queue_idea(desk)
    lots = round(_computed_lots(desk, idea_id) / 2, 2)
    page.goto("/queue")
    approve = page.locator(f"#idea-{idea_id} [data-approve]")
    approve.get_by_label("Lots").fill(str(lots))
    approve.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text(f"Idea #{idea_id} approved: executed")
    expect(page.locator(f"#outcome-{idea_id}")).to_contain_text("executed")
    page.goto(f"/ideas/{idea_id}")
    expect(page.locator("#idea-panel")).to_contain_text(f"approved {lots:.2f} lots")
    page.goto("/history?action=approved")
    expect(page.locator("#history-rows").get_by_role("link", name=f"#{idea_id}")).to_be_visible()


def test_reject_when_reason_given_then_rejected_with_reason_in_history(
    page: Page, desk: Desk
) -> None:
    idea_id = queue_idea(desk)
    page.goto("/queue")
    reject = page.locator(f"#idea-{idea_id} [data-reject]")
    reject.get_by_label("Reject reason").fill("spread too wide")
    reject.get_by_role("button", name="Reject").click()
    expect(page.locator(f"#outcome-{idea_id}")).to_contain_text("human rejected")
    expect(page.locator(f"#idea-{idea_id}")).to_have_count(0)
    page.goto("/history?action=human_rejected")
    expect(page.locator("#history-rows")).to_contain_text("spread too wide")


def test_approve_when_kill_switch_off_then_refused_with_reason_on_screen(
    page: Page, desk: Desk
) -> None:
    idea_id = queue_idea(desk)
    page.goto("/queue")
    panel = page.locator("#control-panel")
    panel.get_by_label("Halt reason").fill("lunch break")
    panel.get_by_role("button", name="Kill switch: halt").click()
    expect(panel.locator("[data-trading-state]")).to_have_text("OFF · HALTED")
    expect(panel.locator("[data-halt-reason]")).to_have_text("Reason: lunch break")
    page.locator(f"#idea-{idea_id}").get_by_role("button", name="Approve").click()
    refusal = page.locator(f"[data-idea-error='{idea_id}']")
    expect(refusal).to_contain_text("AI_HALTED")
    expect(refusal).to_contain_text("lunch break")
    expect(page.locator(f"#idea-{idea_id}")).to_contain_text("needs approval")


def test_save_strategy_when_invalid_then_errors_shown_at_their_fields(page: Page) -> None:
    page.goto("/strategies/new")
    form = page.locator("[data-strategy-form]")
    form.get_by_label("Name").fill("Broken")
    form.get_by_label("Expected R:R").fill("0.5")
    form.locator("textarea[name=entry_conditions]").fill(
        '[{"type": "supertrend", "direction": "up"}, {"type": "rsi", "below": 150}]'
    )
    form.get_by_role("button", name="Save strategy").click()
    expect(page.locator("[data-error-for=expected_rr]")).to_contain_text(
        "expected_rr: Input should be greater than or equal to 1"
    )
    expect(page.locator("[data-error-for=entry_conditions]")).to_contain_text(
        "entry_conditions.1.rsi.below"
    )
    page.goto("/strategies")
    expect(page.locator("[data-strategy=Broken]")).to_have_count(0)


def test_history_when_filtered_then_replay_shows_snapshot_with_headlines_as_text(
    page: Page, desk: Desk
) -> None:
    strategy, direction = matching_strategy(desk)
    snapshot = desk.snapshots.build("EURUSD", AT)
    hostile = Headline(headline=HOSTILE, source="Untrusted Wire", published_at=AT)
    news = snapshot.news.model_copy(update={"headlines": [hostile, *snapshot.news.headlines]})
    snapshot = snapshot.model_copy(update={"news": news}).sealed()
    proposal = TradeProposal(symbol="EURUSD", direction=direction, strategy=strategy.name)
    idea_id = desk.propose(snapshot, proposal, strategy=strategy).idea_id

    page.goto("/history")
    filters = page.get_by_role("search")
    filters.get_by_label("Symbol").select_option("EURUSD")
    filters.get_by_label("Action").select_option("needs_approval")
    today = datetime.now(UTC).date().isoformat()
    filters.get_by_label("From (UTC)").fill(today)
    filters.get_by_label("To (UTC)").fill(today)
    filters.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(
        re.compile(rf"/history\?symbol=EURUSD&action=needs_approval&start={today}&end={today}$")
    )
    rows = page.locator("#history-rows tbody tr")
    expect(rows.first).to_be_visible()
    assert set(rows.locator("td:nth-child(3)").all_inner_texts()) == {"EURUSD"}

    row = page.locator("#history-rows tr", has=page.get_by_role("link", name=f"#{idea_id}"))
    row.get_by_role("button", name="Replay").click()
    drawer = page.locator("[data-drawer]")
    expect(drawer.get_by_label("Indicators")).to_contain_text("atr_14")
    expect(drawer.get_by_label("Calendar")).to_be_visible()
    expect(drawer.get_by_label("Account")).to_contain_text("balance")
    expect(drawer.locator("[data-headline]").first).to_have_text(HOSTILE)
    assert drawer.locator("img, b").count() == 0
    assert page.evaluate("window.__pwned") is None
    drawer.get_by_role("button", name="Close").click()
    expect(drawer).to_have_count(0)


def test_post_form_when_csrf_token_missing_then_refused(page: Page, desk: Desk) -> None:
    page.goto("/control")
    response = page.request.post("/control/halt", form={"reason": "forged"})
    assert response.status == 403
    assert desk.risk_config().ai_trading_enabled
