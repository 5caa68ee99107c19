"""The broker in a real browser: choosing MT5 on the settings page (the confirmation checkbox is
required), then the dashboard's broker card testing the connection and reconciling, and the
dashboard when the bridge stops answering. The bridge is faked at the HTTP edge (respx), which
the browser's own traffic to the served app never goes through."""

import httpx
import pytest
from playwright.sync_api import Page, expect

from orchestrator.desk import Desk
from tests.broker_fakes import MT5_TOKEN, FakeMt5Bridge

pytestmark = pytest.mark.browser
LIVE = "I understand orders go to mt5 (a live account with real money)"


def test_use_mt5_when_confirmed_then_dashboard_card_reconciles_and_survives_outage(
    page: Page, desk: Desk, mt5_bridge: FakeMt5Bridge
) -> None:
    page.goto("/settings")
    mt5 = page.locator("[data-broker-choice=mt5]")
    mt5.get_by_role("button", name="Use mt5").click()  # the unchecked box stops the form here
    assert mt5.get_by_label(LIVE).evaluate("box => box.validity.valueMissing")
    expect(page.locator("[data-broker-choice=paper] [data-in-use]")).to_be_visible()
    mt5.get_by_label(LIVE).check()
    mt5.get_by_role("button", name="Use mt5").click()
    expect(page.locator("#brokers").get_by_role("status")).to_have_text("Orders now go to mt5.")
    expect(page.locator("[data-broker-choice=mt5] [data-in-use]")).to_be_visible()
    assert desk.active_broker().name == "mt5"

    mt5_bridge.add_position(7101, "EURUSD", lots=0.3)
    page.goto("/")
    card = page.locator("#broker-card")
    expect(card.locator("[data-broker]")).to_have_text("mt5")
    expect(card.locator("[data-money]")).to_have_text("LIVE · real money")
    expect(card.locator("[data-broker-health]")).to_have_text("ok")
    card.get_by_role("button", name="Reconcile now").click()
    expect(card.get_by_role("status")).to_have_text("Reconciled with mt5.")
    expect(card.locator("[data-imported='7101']")).to_contain_text("EURUSD BUY 0.3 lots")

    mt5_bridge.fail_always("account", httpx.ConnectError("connection refused"))
    card.get_by_role("button", name="Test connection").click()
    expect(card.locator("[data-broker-health]")).to_have_text("unreachable")
    expect(card.get_by_role("alert")).to_contain_text("mt5 failed the connection test")
    expect(card.locator("[data-broker-failures]")).to_have_text("1")
    page.reload()
    expect(page.locator("[data-account-error]")).to_contain_text("broker unreachable: mt5 GET")
    assert MT5_TOKEN not in page.content()
