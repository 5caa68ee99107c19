"""Transcript events of concurrent runs are committed in shared transactions, in order, and one
event that cannot be stored fails its own run only."""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from agents import TranscriptEvent
from orchestrator import transcript_writer
from orchestrator.desk import Desk
from orchestrator.settings import load_settings
from orchestrator.transcript_writer import TranscriptWriter
from orchestrator.transcripts import EventRecord, record_events, start_run
from store.db import session_scope
from store.models import TranscriptEventRow

AT = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)
RUNS, EVENTS_PER_RUN = 20, 3


@pytest.fixture
def run_ids(engine: Engine) -> list[int]:
    desk = Desk(engine, load_settings(), clock=lambda: AT)
    snapshot = desk.snapshots.build("EURUSD", AT)
    return [start_run(engine, snapshot, "Test", "m", AT) for _ in range(RUNS)]


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> list[list[EventRecord]]:
    seen: list[list[EventRecord]] = []

    def counting(engine: Engine, records: list[EventRecord]) -> None:
        seen.append(list(records))
        record_events(engine, records)

    monkeypatch.setattr(transcript_writer, "record_events", counting)
    return seen


async def _speak(writer: TranscriptWriter, run_id: int) -> None:
    for seq in range(EVENTS_PER_RUN):
        event = TranscriptEvent(seq=seq, source="technical", type="text", content=f"{run_id}:{seq}")
        await writer.write(run_id, 1, event)


def _stored(engine: Engine) -> dict[int, list[str]]:
    with session_scope(engine) as session:
        rows = session.exec(select(TranscriptEventRow).order_by(TranscriptEventRow.id)).all()
    stored: dict[int, list[str]] = {}
    for row in rows:
        stored.setdefault(row.run_id, []).append(row.content)
    return stored


async def test_write_when_runs_speak_at_once_then_events_share_transactions_in_order(
    engine: Engine, run_ids: list[int], transactions: list[list[EventRecord]]
) -> None:
    writer = TranscriptWriter(engine)
    await asyncio.gather(*(_speak(writer, run_id) for run_id in run_ids))

    expected = {r: [f"{r}:{seq}" for seq in range(EVENTS_PER_RUN)] for r in run_ids}
    assert _stored(engine) == expected
    assert sum(len(batch) for batch in transactions) == RUNS * EVENTS_PER_RUN
    assert len(transactions) <= EVENTS_PER_RUN * 2  # not one per event


async def test_write_when_one_event_cannot_be_stored_then_only_its_run_hears_of_it(
    engine: Engine, run_ids: list[int], transactions: list[list[EventRecord]]
) -> None:
    writer = TranscriptWriter(engine)
    missing_run = max(run_ids) + 1000  # the foreign key refuses it
    outcomes = await asyncio.gather(
        *(_speak(writer, run_id) for run_id in [*run_ids, missing_run]), return_exceptions=True
    )

    assert isinstance(outcomes[-1], IntegrityError)
    assert outcomes[:-1] == [None] * RUNS
    stored = _stored(engine)
    assert missing_run not in stored
    assert all(len(stored[r]) == EVENTS_PER_RUN for r in run_ids)
