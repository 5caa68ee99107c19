"""The broker on the web desk, server side without a browser, against the MT5 bridge faked at the
HTTP edge: the dashboard's broker card (health, test, reconciliation and its differences), pages
that still render when the bridge is down, the settings page's broker choice and its refusals,
autonomous modes on a live broker, approvals the broker cannot take or has not confirmed, and
the bridge's token on no page."""

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from orchestrator.desk import Desk
from orchestrator.settings import load_settings
from store.db import session_scope
from store.queries import get_idea
from tests.api_fixtures import CsrfClient
from tests.broker_fakes import MT5_TOKEN, FakeMt5Bridge, with_mt5
from tests.desk_helpers import Clock, clocked_app, queue_idea, relax_filters
from tools.lifecycle import IdeaStatus

HTMX = {"HX-Request": "true"}
QUEUE = {**HTMX, "HX-Target": "queue-live"}
BRIDGE_DOWN = httpx.ConnectError("connection refused by mt5-bridge.test")
PAGES = ("/", "/settings", "/control", "/queue", "/history", "/runs", "/strategies", "/data")


@pytest.fixture
def app(tmp_path: Path, mt5_bridge: FakeMt5Bridge) -> FastAPI:
    """The app on paper with the MT5 bridge configured (and faked for the whole test)."""
    app = clocked_app(tmp_path, Clock(), brokers=with_mt5(load_settings()).brokers)
    relax_filters(app.state.desk)
    return app


@pytest.fixture
def desk(app: FastAPI) -> Desk:
    return app.state.desk


@pytest.fixture
def on_mt5(desk: Desk) -> Desk:
    desk.use_broker("mt5", confirm=True, actor="test")
    return desk


def _card(html: str) -> str:
    card = re.search(r'<section id="broker-card".*?</section>', html, re.S)
    assert card is not None, html
    return card[0]


def _idea_status(desk: Desk, idea_id: int) -> IdeaStatus:
    with session_scope(desk.engine) as session:
        idea = get_idea(session, idea_id)
        assert idea is not None
        return idea.status


def test_dashboard_when_paper_then_card_shows_broker_and_test_records_health(
    owner_client: CsrfClient,
) -> None:
    card = _card(owner_client.get("/").text)
    assert '<span class="badge-blue" data-broker>paper</span>' in card
    assert "data-money>simulated · no real money</span>" in card
    assert "No reconciliation with paper yet." in card
    tested = owner_client.post("/broker/check", headers=HTMX).text
    assert tested.lstrip().startswith('<section id="broker-card"')
    assert re.search(r'data-broker-health><span class="badge-green">ok</span>', tested)
    assert 'role="status">paper answered the connection test.' in tested


def test_dashboard_when_mt5_reconciled_then_import_and_differences_shown(
    on_mt5: Desk, mt5_bridge: FakeMt5Bridge, owner_client: CsrfClient
) -> None:
    mt5_bridge.add_position(7001, "EURUSD", lots=0.2)
    card = _card(owner_client.post("/broker/reconcile", headers=HTMX).text)
    assert "data-broker>mt5</span>" in card and "LIVE · real money" in card
    assert "Reconciled with mt5." in card
    assert "settled 0 · imported 1 · closed 0 · differences 0" in card
    assert "Imported position 7001: EURUSD BUY 0.2 lots at 1.1" in card

    mt5_bridge.positions[0]["lot_size"] = 0.5  # changed by hand in the terminal
    on_mt5.reconcile()
    card = _card(owner_client.get("/").text)
    row = re.search(r'<tr data-difference="lots_differ">.*?</tr>', card, re.S)
    assert row is not None, card
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td.*?</td>", row[0])]
    assert cells == ["lots differ", "EURUSD", "7001", "0.2", "0.5", "–"]


def test_pages_when_bridge_down_then_render_and_say_broker_unreachable(
    on_mt5: Desk, mt5_bridge: FakeMt5Bridge, owner_client: CsrfClient
) -> None:
    mt5_bridge.fail_always("account", BRIDGE_DOWN)
    dashboard = owner_client.get("/")
    assert dashboard.status_code == 200
    assert (
        "data-account-error>broker unreachable: mt5 GET /mt5/account: unreachable" in dashboard.text
    )
    settings = owner_client.get("/settings")
    assert settings.status_code == 200 and "broker unreachable: " in settings.text

    card = _card(owner_client.post("/broker/check", headers=HTMX).text)
    assert re.search(r'data-broker-health><span class="badge-red">unreachable</span>', card)
    assert "data-broker-failures>1</dd>" in card
    assert 'role="alert">mt5 failed the connection test (unreachable): mt5 GET' in card
    failed = _card(owner_client.post("/broker/reconcile", headers=HTMX).text)
    assert "Reconciliation failed: mt5: " in failed and "data-reconciliation-error" in failed


def test_use_broker_when_unconfirmed_then_confirmation_asked_and_paper_stays(
    desk: Desk, mt5_bridge: FakeMt5Bridge, owner_client: CsrfClient
) -> None:
    settings = owner_client.get("/settings").text
    assert "I understand orders go to mt5 (a live account with real money)" in settings
    refused = owner_client.post("/settings/broker", data={"broker": "mt5"}, headers=HTMX).text
    assert refused.lstrip().startswith('<section id="brokers"')
    assert (
        "CONFIRMATION_REQUIRED: switching to mt5 sends orders to a LIVE account with real money"
        in refused
    )
    assert desk.active_broker().name == "paper" and mt5_bridge.calls.get("account", 0) == 0

    used = owner_client.post(
        "/settings/broker", data={"broker": "mt5", "confirm": "true"}, headers=HTMX
    ).text
    assert "Orders now go to mt5." in used and desk.active_broker().name == "mt5"
    assert 'data-use-broker="paper"' in used and "data-reset-paper" not in used


def test_use_broker_when_bridge_down_then_unreachable_shown_and_paper_stays(
    desk: Desk, mt5_bridge: FakeMt5Bridge, owner_client: CsrfClient
) -> None:
    mt5_bridge.fail_always("account", BRIDGE_DOWN)
    refused = owner_client.post(
        "/settings/broker", data={"broker": "mt5", "confirm": "true"}, headers=HTMX
    ).text
    assert "BROKER_UNREACHABLE: cannot switch to mt5: broker mt5 did not answer" in refused
    assert desk.active_broker().name == "paper"


def test_set_mode_when_semi_auto_on_mt5_then_needs_confirmation_and_an_answer(
    on_mt5: Desk, mt5_bridge: FakeMt5Bridge, owner_client: CsrfClient
) -> None:
    assert "ideas execute at mt5 without me" in owner_client.get("/control").text
    semi_auto = {"mode": "SEMI_AUTO"}
    refused = owner_client.post("/control/mode", data=semi_auto, headers=HTMX).text
    assert "CONFIRMATION_REQUIRED: SEMI_AUTO sends orders to mt5 without a human" in refused

    confirmed = {**semi_auto, "confirm": "true"}
    mt5_bridge.fail_next("account", BRIDGE_DOWN)
    down = owner_client.post("/control/mode", data=confirmed, headers=HTMX).text
    assert "BROKER_UNREACHABLE: cannot enter SEMI_AUTO: broker mt5 did not answer" in down
    assert on_mt5.risk_config().mode == "APPROVAL_REQUIRED"

    done = owner_client.post("/control/mode", data=confirmed, headers=HTMX).text
    assert "Mode is now SEMI_AUTO." in done and on_mt5.risk_config().mode == "SEMI_AUTO"


def test_approve_when_mt5_down_then_queue_item_shows_refusal_and_nothing_sent(
    on_mt5: Desk, mt5_bridge: FakeMt5Bridge, owner_client: CsrfClient
) -> None:
    idea_id = queue_idea(on_mt5)
    mt5_bridge.fail_always("account", BRIDGE_DOWN)
    on_mt5.check_broker()  # last seen failing: an approval must get an answer first
    queue = owner_client.post(f"/ideas/{idea_id}/approve", headers=QUEUE).text
    refusal = re.search(rf'data-idea-error="{idea_id}">([^<]*)<', queue)
    assert refusal is not None, queue
    assert refusal[1].startswith("BROKER_UNREACHABLE: not approved, the idea stays in the queue")
    assert "broker mt5 did not answer" in refusal[1]
    assert _idea_status(on_mt5, idea_id) is IdeaStatus.NEEDS_APPROVAL
    assert mt5_bridge.calls.get("place", 0) == 0


def test_approve_when_answer_lost_then_outcome_says_in_flight_until_reconciled(
    on_mt5: Desk, mt5_bridge: FakeMt5Bridge, owner_client: CsrfClient
) -> None:
    idea_id = queue_idea(on_mt5)
    mt5_bridge.lose_answer = True
    mt5_bridge.fail_next("orders", BRIDGE_DOWN)
    queue = owner_client.post(f"/ideas/{idea_id}/approve", headers=QUEUE).text
    assert f"Idea #{idea_id} approved: executing" in queue
    outcome = re.search(rf'<tr id="outcome-{idea_id}".*?</tr>', queue, re.S)
    assert outcome is not None and "Order in flight" in outcome[0]
    assert "Reconciliation will settle it" in outcome[0]
    assert "Order in flight" in owner_client.get(f"/ideas/{idea_id}").text

    on_mt5.reconcile()
    assert _idea_status(on_mt5, idea_id) is IdeaStatus.EXECUTED
    assert "Order in flight" not in owner_client.get(f"/ideas/{idea_id}").text


def test_pages_when_mt5_in_use_up_or_down_then_token_never_in_html(
    on_mt5: Desk, mt5_bridge: FakeMt5Bridge, owner_client: CsrfClient
) -> None:
    mt5_bridge.add_position(7002)
    answers = [owner_client.post("/broker/reconcile", headers=HTMX)]
    answers += [owner_client.get(path) for path in PAGES]
    mt5_bridge.fail_always("account", httpx.Response(401, json={"message": "bad token"}))
    answers += [owner_client.post(f"/broker/{act}", headers=HTMX) for act in ("check", "reconcile")]
    answers += [owner_client.get(path) for path in PAGES]
    assert {answer.status_code for answer in answers} == {200}
    assert 'badge-red">auth failed' in answers[-len(PAGES)].text  # the dashboard, refused
    assert not [answer.url for answer in answers if MT5_TOKEN in answer.text]
