"""Group commit for transcript events.

Every event is stored before its run goes on, but a transaction per event made fifty concurrent
decisions queue for SQLite's one write lock about seven hundred times a cycle. Events that
arrive while a batch is being written wait for the next batch, so a busy desk writes a few
transactions per round of messages and an idle one still writes each event at once.
"""

import asyncio
import logging

from sqlalchemy.engine import Engine

from agents import TranscriptEvent
from orchestrator.transcripts import EventRecord, record_events

log = logging.getLogger("countersign.transcripts")


class TranscriptWriter:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pending: list[tuple[EventRecord, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def write(self, run_id: int, attempt: int, event: TranscriptEvent) -> None:
        """Return once the event is committed; raise what storing this event raised."""
        stored = asyncio.get_running_loop().create_future()
        self._pending.append((EventRecord(run_id, attempt, event), stored))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        await stored

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await asyncio.to_thread(record_events, self._engine, [r for r, _ in batch])
            except Exception:
                # One bad event must not fail the other runs' events: store them one by one
                # so each writer hears about its own event only.
                log.warning("a batch of %d transcript events failed; retrying singly", len(batch))
                for record, stored in batch:
                    await self._write_one(record, stored)
            else:
                for _, stored in batch:
                    _settle(stored, None)

    async def _write_one(self, record: EventRecord, stored: asyncio.Future[None]) -> None:
        try:
            await asyncio.to_thread(record_events, self._engine, [record])
        except Exception as exc:
            _settle(stored, exc)
        else:
            _settle(stored, None)


def _settle(stored: asyncio.Future[None], error: Exception | None) -> None:
    if stored.done():  # its writer was cancelled; the event is stored all the same
        return
    if error is None:
        stored.set_result(None)
    else:
        stored.set_exception(error)
