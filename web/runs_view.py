"""What the runs pages show: a page of runs (refreshed by polling while cycles run) and one run's
transcript, the same on the run page, the idea page and the live stream."""

import hashlib
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from api.schemas.runs import RunPublic, TranscriptEventPublic
from store.db import session_scope
from store.queries_runs import EventKey, get_run, list_runs, run_events
from web.filters import PageFilters

PAGE_SIZE = 25


def event_id(key: EventKey) -> str:
    """An event's place in its transcript as text ("2-7"): SSE ids and `after` cursors."""
    return f"{key[0]}-{key[1]}"


def parse_event_id(text: str | None) -> EventKey | None:
    attempt, _, seq = (text or "").partition("-")
    if not (attempt.isdigit() and seq.isdigit()):
        return None
    return int(attempt), int(seq)


@dataclass(frozen=True)
class RunTranscript:
    run: RunPublic
    events: list[TranscriptEventPublic]

    @property
    def live(self) -> bool:
        """Still running: the page follows the rest of the transcript as it is said."""
        return self.run.status == "running"

    @property
    def cursor(self) -> str:
        return event_id(self.events[-1].key) if self.events else ""


def load_transcript(
    engine: Engine, run_id: int, *, after: EventKey | None = None
) -> RunTranscript | None:
    """The run and its events (those after `after` only, when given)."""
    with session_scope(engine) as session:
        run = get_run(session, run_id)
        if run is None:
            return None
        rows = run_events(session, run_id, after=after)
        return RunTranscript(
            run=RunPublic.model_validate(run),
            events=[TranscriptEventPublic.model_validate(row) for row in rows],
        )


def load_run(engine: Engine, run_id: int) -> RunPublic | None:
    with session_scope(engine) as session:
        run = get_run(session, run_id)
        return None if run is None else RunPublic.model_validate(run)


@dataclass(frozen=True)
class RunList:
    filters: PageFilters
    runs: list[RunPublic]
    older: str | None
    newest: str | None
    cycle_running: bool
    notice: str | None = None
    error: str | None = None

    @property
    def polling(self) -> bool:
        """The first page refreshes itself: new runs start at the top."""
        return self.filters.before_id is None

    @property
    def url(self) -> str:
        query = self.filters.query()
        return f"/runs?{query}" if query else "/runs"

    @property
    def fingerprint(self) -> str:
        """Changes whenever a run starts or ends, so a poll that matches it swaps nothing."""
        text = ",".join(f"{r.id}:{r.status}" for r in self.runs) + f";{self.cycle_running}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_list(
    engine: Engine,
    filters: PageFilters,
    *,
    cycle_running: bool,
    notice: str | None = None,
    error: str | None = None,
) -> RunList:
    with session_scope(engine) as session:
        rows = list_runs(
            session, symbol=filters.symbol, before_id=filters.before_id, limit=PAGE_SIZE + 1
        )
        runs = [RunPublic.model_validate(row) for row in rows[:PAGE_SIZE]]
    return RunList(
        filters=filters,
        runs=runs,
        older=filters.query(before_id=runs[-1].id) if len(rows) > PAGE_SIZE else None,
        newest=filters.query(before_id=None) if filters.before_id else None,
        cycle_running=cycle_running,
        notice=notice,
        error=error,
    )
