"""Persisting runs and their transcript events."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from agents import TeamResult, TranscriptEvent
from orchestrator.settings import LlmPrice
from store.db import session_scope
from store.models import RunRow, TranscriptEventRow
from store.records import save_snapshot
from tools.snapshot import Snapshot


def event_payload(event: TranscriptEvent, attempt: int) -> dict[str, Any]:
    data = asdict(event)
    data["created_at"] = event.created_at.isoformat()
    data["type"] = str(event.type)
    return {"attempt": attempt, **data}


def start_run(engine: Engine, snapshot: Snapshot, strategy: str, model: str, at: datetime) -> int:
    with session_scope(engine) as session:
        save_snapshot(
            session,
            snapshot.model_dump_json(),
            snapshot.content_hash,
            snapshot.symbol,
            snapshot.timeframe,
            snapshot.as_of,
        )
        run = RunRow(
            symbol=snapshot.symbol,
            timeframe=snapshot.timeframe,
            strategy_name=strategy,
            snapshot_hash=snapshot.content_hash,
            model=model,
            started_at=at,
        )
        session.add(run)
        session.flush()
        assert run.id is not None
        return run.id


@dataclass(frozen=True)
class EventRecord:
    """One transcript event of one attempt of one run, ready to store."""

    run_id: int
    attempt: int
    event: TranscriptEvent


def record_events(engine: Engine, records: Sequence[EventRecord]) -> None:
    """Store the events in one transaction, in the order given."""
    with session_scope(engine) as session:
        session.add_all(_event_row(record) for record in records)


def record_event(engine: Engine, run_id: int, attempt: int, event: TranscriptEvent) -> None:
    record_events(engine, [EventRecord(run_id, attempt, event)])


def _event_row(record: EventRecord) -> TranscriptEventRow:
    event = record.event
    return TranscriptEventRow(
        run_id=record.run_id,
        attempt=record.attempt,
        seq=event.seq,
        source=event.source,
        type=str(event.type),
        content=event.content,
        tool_calls=event.tool_calls,
        tool_results=event.tool_results,
        prompt_tokens=event.prompt_tokens or 0,
        completion_tokens=event.completion_tokens or 0,
        latency_ms=event.latency_ms,
        created_at=event.created_at,
    )


def _price_for(prices: dict[str, LlmPrice], model: str) -> LlmPrice | None:
    """Exact name, else the longest priced name it starts with: providers answer with dated
    names ("gpt-4o-mini-2024-07-18") for the model asked as "gpt-4o-mini"."""
    if model in prices:
        return prices[model]
    prefixes = [name for name in prices if model.startswith(name)]
    return prices[max(prefixes, key=len)] if prefixes else None


def cost_usd(prices: dict[str, LlmPrice], model: str, prompt: int, completion: int) -> float:
    price = _price_for(prices, model)
    if price is None:
        return 0.0  # unknown or offline model: no price, shown as 0 rather than guessed
    return round(
        (prompt * price.prompt_per_million + completion * price.completion_per_million) / 1_000_000,
        6,
    )


def finish_run(
    engine: Engine,
    run_id: int,
    results: list[TeamResult],
    *,
    model: str,
    prices: dict[str, LlmPrice],
    seconds: float,
    at: datetime,
    outcome: str | None,
    idea_id: int | None,
) -> RunRow:
    """Totals over every attempt (the configured model's and the fallback's)."""
    prompt = sum(r.prompt_tokens for r in results)
    completion = sum(r.completion_tokens for r in results)
    final = results[-1]
    with session_scope(engine) as session:
        run = session.get_one(RunRow, run_id)
        run.status = "finished"
        run.finished_at = at
        run.ended_by = final.ended_by
        run.fallback_used = len(results) > 1
        run.llm_calls = sum(r.llm_calls for r in results)
        run.prompt_tokens, run.completion_tokens = prompt, completion
        run.cost_usd = sum(
            cost_usd(prices, name, prompt_tokens, completion_tokens)
            for r in results
            for name, (prompt_tokens, completion_tokens) in r.tokens_by_model.items()
        )
        run.seconds = round(seconds, 3)
        run.outcome = outcome
        run.idea_id = idea_id
        run.error = next((r.error for r in results if r.error), None)
        run.model = model
        return run


def fail_run(engine: Engine, run_id: int, exc: BaseException, at: datetime) -> None:
    with session_scope(engine) as session:
        run = session.get_one(RunRow, run_id)
        run.status, run.finished_at = "failed", at
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
