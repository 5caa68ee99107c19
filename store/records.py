"""Write helpers the desk calls inside its own unit of work: they flush, never commit."""

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col, select

from store.models import (
    DecisionRow,
    HaltRow,
    PaperAccountRow,
    RiskConfigRow,
    SnapshotRow,
    TradeIdeaRow,
)
from store.models.trading import SINGLE_ROW_ID
from store.types import utc_now
from tools.lifecycle import DecisionAction, HaltSource
from tools.risk_config import Mode, RiskConfig


def _insert(session: Session, model: type[SQLModel]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT, so concurrent first writes cannot collide."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"no ON CONFLICT insert for {dialect}")


def append_decision(
    session: Session,
    *,
    action: DecisionAction,
    actor: str,
    idea_id: int | None = None,
    symbol: str | None = None,
    human_override: bool = False,
    reason_codes: Iterable[str] = (),
    details: Mapping[str, Any] | None = None,
    snapshot_hash: str | None = None,
    confidence: float | None = None,
    mode: Mode | None = None,
) -> DecisionRow:
    """Record one act. `details` must be JSON-ready (numbers, strings, lists, dicts)."""
    row = DecisionRow(
        action=action,
        actor=actor,
        idea_id=idea_id,
        symbol=symbol,
        human_override=human_override,
        reason_codes=list(reason_codes),
        details=dict(details or {}),
        snapshot_hash=snapshot_hash,
        confidence=confidence,
        mode=mode,
    )
    session.add(row)
    session.flush()
    return row


def append_idea_decision(
    session: Session,
    idea: TradeIdeaRow,
    action: DecisionAction,
    actor: str,
    **fields: Any,
) -> DecisionRow:
    """A decision about one idea: its id, symbol, snapshot and mode come from the idea."""
    return append_decision(
        session,
        action=action,
        actor=actor,
        idea_id=idea.id,
        symbol=idea.symbol,
        snapshot_hash=idea.snapshot_hash,
        mode=idea.mode,
        **fields,
    )


def _config_json(config: RiskConfig) -> str:
    # Canonical text, so an unchanged config compares equal and keeps its version.
    return json.dumps(config.model_dump(mode="json"), sort_keys=True)


def _risk_config_row(session: Session, *, lock: bool = False) -> RiskConfigRow:
    row = session.get(RiskConfigRow, SINGLE_ROW_ID, with_for_update=lock)
    if row is None:
        default = {"id": SINGLE_ROW_ID, "config": _config_json(RiskConfig()), "version": 1}
        insert = _insert(session, RiskConfigRow).values(**default, updated_at=utc_now())
        session.execute(insert.on_conflict_do_nothing(index_elements=["id"]))
        row = session.get_one(RiskConfigRow, SINGLE_ROW_ID, with_for_update=lock)
    return row


def get_risk_config(session: Session, *, lock: bool = False) -> RiskConfig:
    """The desk's risk config; a fresh database gets (and stores) the defaults.

    `lock` holds the row (PostgreSQL) so a read-modify-write cannot interleave with another.
    """
    return RiskConfig.model_validate_json(_risk_config_row(session, lock=lock).config)


def save_risk_config(session: Session, config: RiskConfig) -> int:
    """Store `config` and return its version, bumped only when something changed."""
    row = _risk_config_row(session, lock=True)
    stored = _config_json(config)
    if stored != row.config:
        row.config = stored
        row.version += 1
        session.flush()
    return row.version


def _active_halts(session: Session) -> list[HaltRow]:
    query = select(HaltRow).where(col(HaltRow.ended_at).is_(None))
    return list(session.exec(query.order_by(col(HaltRow.started_at), col(HaltRow.id))))


def active_halt(session: Session) -> HaltRow | None:
    """The halt in force (the earliest, should racing writers have started two), or None."""
    return next(iter(_active_halts(session)), None)


def start_halt(session: Session, source: HaltSource, reason: str, actor: str) -> HaltRow:
    """Halt trading. While a halt is in force it stands, with its own reason, and is returned."""
    current = active_halt(session)
    if current is not None:
        return current
    row = HaltRow(source=source, reason=reason, started_by=actor)
    session.add(row)
    session.flush()
    return row


def end_halt(session: Session, actor: str) -> list[HaltRow]:
    """End every halt in force (rows stay, as history); empty when trading was not halted."""
    halts = _active_halts(session)
    now = utc_now()
    for halt in halts:
        halt.ended_at, halt.ended_by = now, actor
    session.flush()
    return halts


def save_snapshot(
    session: Session,
    snapshot_json: str,
    content_hash: str,
    symbol: str,
    timeframe: str,
    as_of: datetime,
) -> None:
    """Store a snapshot once: the same content hash again is a no-op."""
    insert = _insert(session, SnapshotRow).values(
        content_hash=content_hash,
        symbol=symbol,
        timeframe=timeframe,
        as_of=as_of,
        created_at=utc_now(),
        payload=snapshot_json,
    )
    session.execute(insert.on_conflict_do_nothing(index_elements=["content_hash"]))


def load_snapshot_payload(session: Session, content_hash: str) -> str | None:
    query = select(SnapshotRow.payload).where(SnapshotRow.content_hash == content_hash)
    return session.exec(query).first()


def load_paper_state(session: Session, *, lock: bool = False) -> str | None:
    """The paper broker's saved state (its own JSON), or None before the first save.

    `lock` holds the row until the transaction ends (PostgreSQL), so two orders filling at once
    cannot overwrite each other's balance; SQLite serialises writers with BEGIN IMMEDIATE.
    """
    query = select(PaperAccountRow.state).where(PaperAccountRow.id == SINGLE_ROW_ID)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def save_paper_state(session: Session, state_json: str) -> None:
    values = {"state": state_json, "updated_at": utc_now()}
    insert = _insert(session, PaperAccountRow).values(id=SINGLE_ROW_ID, **values)
    session.execute(insert.on_conflict_do_update(index_elements=["id"], set_=values))
