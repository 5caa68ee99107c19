"""Trading tables, records and queries against real databases (SQLite and PostgreSQL)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import func, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from store.db import make_engine, session_scope
from store.migrate import alembic_config, upgrade
from store.models import (
    DecisionRow,
    HaltRow,
    OrderRow,
    RiskConfigRow,
    SnapshotRow,
    TradeIdeaRow,
)
from store.queries import (
    count_ideas_by_status,
    decisions_for_idea,
    get_idea,
    list_decisions,
    list_ideas,
    orders_for_idea,
)
from store.records import (
    active_halt,
    append_decision,
    end_halt,
    get_risk_config,
    load_paper_state,
    load_snapshot_payload,
    save_paper_state,
    save_risk_config,
    save_snapshot,
    start_halt,
)
from tools.account import Direction
from tools.lifecycle import DecisionAction, HaltSource, IdeaStatus, OrderKind, OrderStatus
from tools.risk_config import Mode, RiskConfig

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
HASH = "a" * 64
APPEND_ONLY = "decisions are append-only"


@pytest.fixture
def idea_id(engine: Engine) -> int:
    """One idea (and the snapshot it points at) already committed."""
    with session_scope(engine) as session:
        save_snapshot(session, '{"symbol": "EURUSD"}', HASH, "EURUSD", "M15", T0)
        return _add_idea(session, IdeaStatus.NEEDS_APPROVAL).id


def _add_idea(session: Session, status: IdeaStatus, *, at: datetime = T0) -> TradeIdeaRow:
    idea = TradeIdeaRow(
        symbol="EURUSD",
        timeframe="M15",
        strategy_name="london-breakout",
        direction="buy",
        status=status,
        mode=Mode.APPROVAL_REQUIRED,
        entry=1.0850,
        stop=1.0830,
        targets=[1.0880, 1.0900],
        computed_lots=0.5,
        snapshot_hash=HASH,
        created_at=at,
    )
    session.add(idea)
    session.flush()
    return idea


def _order(idea_id: int, kind: OrderKind, client_order_id: str) -> OrderRow:
    return OrderRow(
        idea_id=idea_id,
        kind=kind,
        client_order_id=client_order_id,
        symbol="EURUSD",
        direction=Direction.BUY,
        lots=0.5,
        requested_price=1.0850,
        broker="paper",
    )


@pytest.fixture
def decision_id(engine: Engine, idea_id: int) -> int:
    with session_scope(engine) as session:
        return append_decision(
            session, action=DecisionAction.NEEDS_APPROVAL, actor="ai", idea_id=idea_id
        ).id


@pytest.mark.parametrize(
    "statement",
    ["UPDATE decisions SET action = 'x'", "DELETE FROM decisions"],
    ids=["update", "delete"],
)
def test_raw_sql_when_changing_decisions_then_database_refuses(
    engine: Engine, decision_id: int, statement: str
) -> None:
    with pytest.raises(IntegrityError, match=APPEND_ONLY), engine.begin() as conn:
        conn.execute(text(statement))
    with Session(engine) as session:
        assert session.get_one(DecisionRow, decision_id).action is DecisionAction.NEEDS_APPROVAL


def test_orm_delete_when_decision_exists_then_database_refuses(
    engine: Engine, decision_id: int
) -> None:
    with pytest.raises(IntegrityError, match=APPEND_ONLY), session_scope(engine) as session:
        session.delete(session.get_one(DecisionRow, decision_id))
    with Session(engine) as session:
        assert session.get(DecisionRow, decision_id) is not None


@pytest.mark.postgres
def test_truncate_when_decisions_on_postgresql_then_refused(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with pytest.raises(IntegrityError, match=APPEND_ONLY), engine.begin() as conn:
            conn.execute(text("TRUNCATE decisions CASCADE"))
    finally:
        engine.dispose()


def test_append_decision_when_called_then_row_reads_back_with_typed_fields(
    engine: Engine, idea_id: int
) -> None:
    with session_scope(engine) as session:
        decision_id = append_decision(
            session,
            action=DecisionAction.REJECTED,
            actor="human:owner",
            idea_id=idea_id,
            symbol="EURUSD",
            human_override=True,
            reason_codes=("RR_TOO_LOW", "NEWS_BLACKOUT"),
            details={"rr": 1.2, "min_rr": 1.5},
            snapshot_hash=HASH,
            confidence=64.5,
            mode=Mode.SEMI_AUTO,
        ).id
    with Session(engine) as session:
        row = session.get_one(DecisionRow, decision_id)
    assert row.action is DecisionAction.REJECTED
    assert row.mode is Mode.SEMI_AUTO
    assert (row.actor, row.human_override, row.confidence) == ("human:owner", True, 64.5)
    assert row.reason_codes == ["RR_TOO_LOW", "NEWS_BLACKOUT"]
    assert row.details == {"rr": 1.2, "min_rr": 1.5}
    assert row.created_at.tzinfo is UTC


def test_insert_when_second_entry_order_for_idea_then_unique_violation(
    engine: Engine, idea_id: int
) -> None:
    with session_scope(engine) as session:
        session.add(_order(idea_id, OrderKind.ENTRY, "cs-1-entry"))
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(_order(idea_id, OrderKind.ENTRY, "cs-1-entry-again"))


def test_insert_when_close_order_for_idea_with_entry_then_accepted(
    engine: Engine, idea_id: int
) -> None:
    with session_scope(engine) as session:
        session.add(_order(idea_id, OrderKind.ENTRY, "cs-1-entry"))
        session.flush()
        session.add(_order(idea_id, OrderKind.CLOSE, "cs-1-close-1"))
        session.add(_order(idea_id, OrderKind.CLOSE, "cs-1-close-2"))
    with Session(engine) as session:
        orders = orders_for_idea(session, idea_id)
    assert [o.kind for o in orders] == [OrderKind.ENTRY, OrderKind.CLOSE, OrderKind.CLOSE]
    assert orders[0].status is OrderStatus.PENDING
    assert orders[0].direction is Direction.BUY


def test_insert_when_client_order_id_reused_then_unique_violation(
    engine: Engine, idea_id: int
) -> None:
    with session_scope(engine) as session:
        other_idea = _add_idea(session, IdeaStatus.APPROVED).id
        session.add(_order(idea_id, OrderKind.ENTRY, "cs-same"))
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(_order(other_idea, OrderKind.ENTRY, "cs-same"))


@pytest.mark.parametrize(
    ("table", "statement"),
    [
        (
            "risk_config",
            "INSERT INTO risk_config (id, config, updated_at, version)"
            " VALUES (2, '{}', CURRENT_TIMESTAMP, 1)",
        ),
        (
            "paper_account",
            "INSERT INTO paper_account (id, state, updated_at) VALUES (2, '{}', CURRENT_TIMESTAMP)",
        ),
    ],
)
def test_insert_when_single_row_table_gets_id_2_then_check_refuses(
    engine: Engine, table: str, statement: str
) -> None:
    with pytest.raises(IntegrityError, match=f"ck_{table}_single_row"), engine.begin() as conn:
        conn.execute(text(statement))


def test_get_risk_config_when_database_fresh_then_defaults_stored_at_version_1(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        assert get_risk_config(session) == RiskConfig()
    with Session(engine) as session:
        row = session.get_one(RiskConfigRow, 1)
        assert row.version == 1
        assert session.exec(select(func.count()).select_from(RiskConfigRow)).one() == 1


def test_save_risk_config_when_changed_then_version_bumps_and_unchanged_keeps_it(
    engine: Engine,
) -> None:
    changed = RiskConfig(mode=Mode.SEMI_AUTO, min_confidence_threshold=80)
    with session_scope(engine) as session:
        assert save_risk_config(session, changed) == 2
        assert save_risk_config(session, changed) == 2
        assert save_risk_config(session, RiskConfig()) == 3
    with session_scope(engine) as session:
        assert save_risk_config(session, changed) == 4
    with Session(engine) as session:
        assert get_risk_config(session) == changed


def test_end_halt_when_halted_then_row_ended_not_deleted(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert active_halt(session) is None
        first = start_halt(session, HaltSource.DRAWDOWN, "daily drawdown 1000 reached", "system")
        again = start_halt(session, HaltSource.KILL_SWITCH, "owner pressed stop", "human:owner")
        assert again.id == first.id and again.source is HaltSource.DRAWDOWN
    with session_scope(engine) as session:
        assert active_halt(session).id == first.id
        assert [h.id for h in end_halt(session, "human:owner")] == [first.id]
        assert active_halt(session) is None
        assert end_halt(session, "human:owner") == []
    with session_scope(engine) as session:
        second = start_halt(session, HaltSource.KILL_SWITCH, "owner pressed stop", "human:owner")
    with Session(engine) as session:
        halts = session.exec(select(HaltRow).order_by(HaltRow.id)).all()
    assert [h.id for h in halts] == [first.id, second.id]
    assert halts[0].ended_by == "human:owner" and halts[0].ended_at is not None
    assert halts[1].ended_at is None


def _decision(session: Session, at: datetime, symbol: str, action: DecisionAction) -> int:
    row = DecisionRow(created_at=at, symbol=symbol, action=action, actor="ai")
    session.add(row)
    session.flush()
    return row.id


def test_list_decisions_when_filtered_then_only_matching_rows_newest_first(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        ids = [
            _decision(session, T0, "EURUSD", DecisionAction.REJECTED),
            _decision(session, T0 + timedelta(hours=1), "GBPUSD", DecisionAction.REJECTED),
            _decision(session, T0 + timedelta(hours=2), "EURUSD", DecisionAction.NO_TRADE),
            _decision(session, T0 + timedelta(hours=3), "EURUSD", DecisionAction.REJECTED),
        ]
    with Session(engine) as session:
        assert [d.id for d in list_decisions(session)] == ids[::-1]
        assert [d.id for d in list_decisions(session, symbol="EURUSD")] == [ids[3], ids[2], ids[0]]
        by_action = list_decisions(session, action=DecisionAction.REJECTED)
        assert [d.id for d in by_action] == [ids[3], ids[1], ids[0]]
        window = list_decisions(
            session, since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3)
        )
        assert [d.id for d in window] == [ids[2], ids[1]]
        both = list_decisions(session, symbol="EURUSD", action=DecisionAction.REJECTED, limit=1)
        assert [d.id for d in both] == [ids[3]]


def test_list_decisions_when_paging_with_before_id_then_every_row_once_in_order(
    engine: Engine,
) -> None:
    # Ties on created_at are the hard case for keyset pagination: id breaks them.
    times = [T0, T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=1), T0, T0]
    with session_scope(engine) as session:
        ids = [_decision(session, at, "EURUSD", DecisionAction.NO_TRADE) for at in times]
    expected = sorted(zip(times, ids, strict=True), reverse=True)
    pages: list[list[int]] = []
    before_id = None
    with Session(engine) as session:
        while page := list_decisions(session, limit=4, before_id=before_id):
            pages.append([d.id for d in page])
            before_id = page[-1].id
        assert list_decisions(session, before_id=10_000) == []
    assert [len(page) for page in pages] == [4, 2]
    assert [i for page in pages for i in page] == [i for _, i in expected]


def test_save_snapshot_when_same_hash_twice_then_one_row_and_first_payload(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        save_snapshot(session, '{"v": 1}', HASH, "EURUSD", "M15", T0)
        save_snapshot(session, '{"v": 1}', HASH, "EURUSD", "M15", T0)
    with session_scope(engine) as session:
        save_snapshot(session, '{"v": 1}', HASH, "EURUSD", "M15", T0)
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(SnapshotRow)).one()
        assert count == 1
        assert load_snapshot_payload(session, HASH) == '{"v": 1}'
        assert load_snapshot_payload(session, "b" * 64) is None


def test_save_paper_state_when_saved_twice_then_latest_state_loads(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert load_paper_state(session) is None
        save_paper_state(session, '{"balance": 10000}')
        save_paper_state(session, '{"balance": 10250.5}')
        assert load_paper_state(session) == '{"balance": 10250.5}'
    with Session(engine) as session:
        assert load_paper_state(session) == '{"balance": 10250.5}'


def test_idea_when_times_given_in_other_zone_then_read_back_as_same_instant_in_utc(
    engine: Engine, idea_id: int
) -> None:
    new_york = timezone(timedelta(hours=-5))
    expires = datetime(2025, 3, 3, 5, 30, 15, 123456, tzinfo=new_york)
    with session_scope(engine) as session:
        idea = session.get_one(TradeIdeaRow, idea_id)
        written_at = idea.updated_at
        idea.expires_at = expires
    with Session(engine) as session:
        idea = get_idea(session, idea_id)
    assert idea.expires_at == expires
    assert idea.expires_at.tzinfo is UTC and idea.expires_at.hour == 10
    assert idea.created_at == T0 and idea.created_at.tzinfo is UTC
    assert idea.updated_at > written_at


def test_list_ideas_when_filtered_by_status_then_newest_first_and_counts_all_statuses(
    engine: Engine, idea_id: int
) -> None:
    with session_scope(engine) as session:
        later = _add_idea(session, IdeaStatus.NEEDS_APPROVAL, at=T0 + timedelta(minutes=5)).id
        rejected = _add_idea(session, IdeaStatus.REJECTED, at=T0 + timedelta(minutes=9)).id
    with Session(engine) as session:
        waiting = list_ideas(session, statuses=[IdeaStatus.NEEDS_APPROVAL])
        assert [i.id for i in waiting] == [later, idea_id]
        assert [i.id for i in list_ideas(session, limit=1)] == [rejected]
        assert list_ideas(session, statuses=[]) == []
        counts = count_ideas_by_status(session)
    assert counts[IdeaStatus.NEEDS_APPROVAL] == 2 and counts[IdeaStatus.REJECTED] == 1
    assert counts[IdeaStatus.EXECUTED] == 0 and len(counts) == len(IdeaStatus)


def test_decisions_for_idea_when_several_acts_then_story_oldest_first(
    engine: Engine, idea_id: int
) -> None:
    actions = [DecisionAction.NEEDS_APPROVAL, DecisionAction.APPROVED, DecisionAction.EXECUTED]
    with session_scope(engine) as session:
        for action in actions:
            append_decision(session, action=action, actor="human:owner", idea_id=idea_id)
        append_decision(session, action=DecisionAction.MODE_CHANGED, actor="human:owner")
    with Session(engine) as session:
        assert [d.action for d in decisions_for_idea(session, idea_id)] == actions


def test_downgrade_when_to_0001_then_trading_tables_gone_and_upgrade_restores_triggers(
    db_url: str,
) -> None:
    command.downgrade(alembic_config(db_url), "0001")
    engine = make_engine(db_url)
    try:
        assert "decisions" not in inspect(engine).get_table_names()
        upgrade(db_url)
        with session_scope(engine) as session:
            append_decision(session, action=DecisionAction.PAPER_RESET, actor="human:owner")
        with pytest.raises(IntegrityError, match=APPEND_ONLY), engine.begin() as conn:
            conn.execute(text("DELETE FROM decisions"))
    finally:
        engine.dispose()
