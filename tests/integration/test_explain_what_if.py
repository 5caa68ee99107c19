"""What-if: the gate on an idea's own snapshot with one parameter changed gives what a fresh
gate run with that parameter gives, and records nothing."""

import pytest
from sqlalchemy.engine import Engine

from orchestrator.desk import Desk
from orchestrator.errors import InvalidInput
from orchestrator.explain import ExplainService
from orchestrator.explain_record import Subject
from orchestrator.settings import load_settings
from store.db import session_scope
from store.queries import get_idea
from tests.desk_helpers import AT, Clock, matching_strategy, relax_filters
from tests.integration.test_explain_support import row_counts
from tools.lifecycle import IdeaStatus
from tools.proposal import TradeProposal
from tools.risk_config import Mode

# The demo calendar holds a high-impact USD event (FOMC minutes) 300 minutes after AT.
NEWS_WINDOW = {"news_filter_mode": "strict", "news_blackout_minutes": 360}


@pytest.fixture
def desk(engine: Engine) -> Desk:
    desk = Desk(engine, load_settings(), clock=Clock())
    relax_filters(desk)
    return desk


def _propose(desk: Desk, lots: float | None = None) -> tuple[int, IdeaStatus]:
    strategy, direction = matching_strategy(desk)
    snapshot = desk.snapshots.build("EURUSD", AT)
    proposal = TradeProposal(
        symbol="EURUSD", direction=direction, strategy=strategy.name, lots=lots
    )
    result = desk.propose(snapshot, proposal, strategy=strategy)
    return result.idea_id, result.status


def _as_recorded(desk: Desk, idea_id: int) -> tuple[str, float | None, list[str], float]:
    """(status, confidence, reason codes, lots) of a freshly proposed idea."""
    with session_scope(desk.engine) as session:
        idea = get_idea(session, idea_id)
        assert idea is not None
        lots = next(c["numbers"]["lots"] for c in idea.checks if c["id"] == "LOT_SIZE")
        return idea.status, idea.confidence, idea.reason_codes, lots


@pytest.mark.parametrize(
    ("setup", "parameter", "value"),
    [
        ({}, "min_confidence_threshold", "80"),
        ({}, "mode", "SEMI_AUTO"),
        (NEWS_WINDOW, "news_filter_mode", "relaxed"),
        ({"min_rr": 5.0}, "min_rr", "1.5"),
        ({}, "max_concurrent_trades", "1"),
    ],
    ids=["threshold-80", "semi-auto", "strict-news-off", "min-rr", "concurrency"],
)
def test_what_if_when_one_parameter_changes_then_same_result_as_a_fresh_gate_run(
    desk: Desk, setup: dict, parameter: str, value: str
) -> None:
    desk.update_risk_config(setup, actor="test")
    idea_id, _ = _propose(desk)
    service = ExplainService(desk.engine, desk.settings)
    before = row_counts(desk.engine)

    result = service.what_if(Subject(idea_id=idea_id), parameter, value)

    assert row_counts(desk.engine) == before  # read-only: no idea, decision or config change
    assert result.matches_record
    if parameter == "mode":  # the mode has its own control
        desk.set_mode(Mode(value), actor="test")
    else:
        desk.update_risk_config({parameter: value}, actor="test")
    fresh_id, fresh_status = _propose(desk)
    _, confidence, codes, lots = _as_recorded(desk, fresh_id)
    new = result.what_if
    assert (new.outcome, new.confidence, new.reason_codes, new.lots) == (
        fresh_status,
        confidence,
        codes,
        lots,
    )


def test_what_if_when_strict_news_blocks_then_relaxed_trades_at_the_news_size_factor(
    desk: Desk,
) -> None:
    desk.update_risk_config(NEWS_WINDOW, actor="test")
    idea_id, status = _propose(desk)
    assert status is IdeaStatus.REJECTED
    service = ExplainService(desk.engine, desk.settings)

    result = service.what_if(Subject(idea_id=idea_id), "news_filter_mode", "relaxed")

    assert (result.baseline.outcome, result.what_if.outcome) == ("rejected", "needs_approval")
    assert result.what_if.lots < result.baseline.lots
    assert [c.id for c in result.changed_checks][:1] == ["LOT_SIZE"]
    assert "NEWS_BLACKOUT" in {c.id for c in result.changed_checks}


def test_what_if_when_smaller_lots_then_same_as_proposing_those_lots(desk: Desk) -> None:
    idea_id, _ = _propose(desk)
    service = ExplainService(desk.engine, desk.settings)
    result = service.what_if(Subject(idea_id=idea_id), "lots", "0.01")
    fresh_id, fresh_status = _propose(desk, lots=0.01)
    _, _, codes, lots = _as_recorded(desk, fresh_id)
    assert (result.what_if.outcome, result.what_if.lots, result.what_if.reason_codes) == (
        fresh_status,
        lots,
        codes,
    )
    assert result.was == result.baseline.lots != 0.01


@pytest.mark.parametrize(
    ("parameter", "value", "message"),
    [
        ("min_confidence_threshold", "101", "less than or equal to 100"),
        ("last_halt_reason", "x", "cannot be changed"),
        ("leverage", "500", "cannot be changed"),
        ("lots", "-1", "greater than 0"),
    ],
)
def test_what_if_when_parameter_or_value_refused_then_invalid_input(
    desk: Desk, parameter: str, value: str, message: str
) -> None:
    idea_id, _ = _propose(desk)
    service = ExplainService(desk.engine, desk.settings)
    with pytest.raises(InvalidInput, match=message):
        service.what_if(Subject(idea_id=idea_id), parameter, value)
