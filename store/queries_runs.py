"""Reads of agent runs and their transcripts, for the runs pages, the REST API and live streams.

Runs come newest first with keyset pages on (started_at, id); a transcript comes in the order it
was said: attempt 1 (the configured model), then attempt 2 (the fallback), each by seq.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, tuple_
from sqlmodel import Session, col, select

from store.models import RunRow, TranscriptEventRow

EventKey = tuple[int, int]  # (attempt, seq): where a transcript was read up to


def list_runs(
    session: Session,
    *,
    symbol: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[RunRow]:
    """Runs newest first, `since` inclusive and `until` exclusive. The next page starts after
    the last run shown: pass its id as `before_id` (stable while new runs arrive)."""
    query = select(RunRow)
    if symbol is not None:
        query = query.where(RunRow.symbol == symbol)
    if since is not None:
        query = query.where(RunRow.started_at >= since)
    if until is not None:
        query = query.where(RunRow.started_at < until)
    if before_id is not None:
        cursor = session.get(RunRow, before_id)
        if cursor is None:
            return []
        query = query.where(
            or_(
                RunRow.started_at < cursor.started_at,
                and_(RunRow.started_at == cursor.started_at, col(RunRow.id) < cursor.id),
            )
        )
    query = query.order_by(col(RunRow.started_at).desc(), col(RunRow.id).desc())
    return list(session.exec(query.limit(limit)))


def get_run(session: Session, run_id: int) -> RunRow | None:
    return session.get(RunRow, run_id)


def run_events(
    session: Session, run_id: int, *, after: EventKey | None = None
) -> list[TranscriptEventRow]:
    """The run's transcript in order; with `after`, only what came after that event."""
    query = select(TranscriptEventRow).where(TranscriptEventRow.run_id == run_id)
    if after is not None:
        key = tuple_(col(TranscriptEventRow.attempt), col(TranscriptEventRow.seq))
        query = query.where(key > tuple_(*after))
    query = query.order_by(col(TranscriptEventRow.attempt), col(TranscriptEventRow.seq))
    return list(session.exec(query))


@dataclass(frozen=True)
class RunActivity:
    last_started_at: datetime | None
    runs_since: int
    running: int


def last_run_started_at(session: Session) -> datetime | None:
    return session.exec(select(func.max(RunRow.started_at))).one()


def run_activity(session: Session, since: datetime) -> RunActivity:
    """When the last run started, how many started since `since`, how many are running."""
    last = last_run_started_at(session)
    counted = session.exec(
        select(func.count()).select_from(RunRow).where(RunRow.started_at >= since)
    ).one()
    running = session.exec(
        select(func.count()).select_from(RunRow).where(RunRow.status == "running")
    ).one()
    return RunActivity(last_started_at=last, runs_since=counted, running=running)
