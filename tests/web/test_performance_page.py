"""The performance page reads closed trades: win rate, P/L over time, outcomes, reason codes."""

from datetime import timedelta
from pathlib import Path

from api.auth import create_owner
from orchestrator.positions import advance_paper
from store.db import session_scope
from tests.api_fixtures import OWNER_PASSWORD, OWNER_USERNAME, CsrfClient
from tests.desk_helpers import AT, Clock, clocked_app, queue_idea, relax_filters


def test_performance_when_a_trade_closed_then_stats_and_pnl_row_shown(tmp_path: Path) -> None:
    clock = Clock(AT)
    app = clocked_app(tmp_path, clock)
    desk = app.state.desk
    relax_filters(desk)
    desk.approve(queue_idea(desk))
    desk.reject(queue_idea(desk, AT), reason="second look")
    closed = []
    for hours in range(1, 24 * 10):
        clock.now = AT + timedelta(hours=hours)
        closed = advance_paper(desk, clock.now)
        if closed:
            break
    [trade] = closed
    with session_scope(desk.engine) as session:
        create_owner(session, OWNER_USERNAME, OWNER_PASSWORD)
    with CsrfClient(app) as client:
        client.post(
            "/api/v1/auth/login", json={"username": OWNER_USERNAME, "password": OWNER_PASSWORD}
        )
        page = client.get("/performance").text
    assert "Closed trades" in page and f"{trade.pnl:.2f}" in page
    assert ("100%" if trade.pnl > 0 else "0%") in page
    assert "human rejected" in page and "executed" in page
    assert trade.closed_at.date().isoformat() in page
