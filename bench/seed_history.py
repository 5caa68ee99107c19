"""Seed a SQLite desk with a year of history for bench_pages: ideas, decisions, runs, transcripts.

Rows go in with SQLAlchemy Core executemany, in batches, a few transactions per table, with
explicit ids so references between tables are known before anything is written. Everything is
drawn from one seeded random generator: the same sizes give the same database.

Run alone: UV_PYTHON_DOWNLOADS=never uv run python -m bench.seed_history /tmp/x.db
"""

import argparse
import bisect
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Engine

from orchestrator.settings import load_settings
from orchestrator.snapshots import SnapshotService
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import DecisionRow, RunRow, TradeIdeaRow, TranscriptEventRow
from store.records import save_snapshot
from tools.lifecycle import DecisionAction, IdeaStatus
from tools.risk_checks import RULES

# The year of history ends at the moment the other benches use (the demo feed has it).
END = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)
START = END - timedelta(days=365)
SYMBOLS = {"EURUSD": 0.3, "GBPUSD": 0.2, "USDJPY": 0.2, "XAUUSD": 0.2, "US30": 0.1}
STRATEGIES = ["Trend pullback", "Range mean reversion", "Momentum breakout"]
SNAPSHOT_MOMENTS = [END, END - timedelta(days=1)]  # two snapshots per symbol, reused by all rows
BATCH = 10_000
ROWS_PER_TRANSACTION = 200_000
SEED = 20_26

# Ideas: the statuses a year leaves behind. The needs_approval ones are the newest few.
IDEA_STATUSES = {
    IdeaStatus.REJECTED: 40,
    IdeaStatus.NO_TRADE: 25,
    IdeaStatus.EXPIRED: 8,
    IdeaStatus.AUTO_EXECUTED: 8,
    IdeaStatus.EXECUTED: 5,
    IdeaStatus.HUMAN_REJECTED: 4,
    IdeaStatus.ANALYSIS: 6,
    IdeaStatus.HALTED_BY_RISK: 3,
    IdeaStatus.EXECUTION_FAILED: 1,
}
# Decisions: fifteen actions; the first group is about one idea, the second about the desk.
IDEA_ACTIONS = {
    DecisionAction.REJECTED: 26,
    DecisionAction.NO_TRADE: 18,
    DecisionAction.NEEDS_APPROVAL: 9,
    DecisionAction.ANALYSIS_RECORDED: 6,
    DecisionAction.AUTO_EXECUTED: 6,
    DecisionAction.APPROVED: 5,
    DecisionAction.HUMAN_REJECTED: 3,
    DecisionAction.EXPIRED: 4,
    DecisionAction.EXECUTED: 5,
    DecisionAction.POSITION_CLOSED: 8,
    DecisionAction.HALTED_BY_RISK: 2,
}
DESK_ACTIONS = {
    DecisionAction.MODE_CHANGED: 3,
    DecisionAction.RISK_CONFIG_CHANGED: 3,
    DecisionAction.AI_HALTED: 1,
    DecisionAction.AI_RESUMED: 1,
}
HUMAN_ACTIONS = {DecisionAction.APPROVED, DecisionAction.HUMAN_REJECTED}
SYSTEM_ACTIONS = {
    DecisionAction.EXPIRED,
    DecisionAction.EXECUTED,
    DecisionAction.POSITION_CLOSED,
    DecisionAction.HALTED_BY_RISK,
}
MODES = ["APPROVAL_REQUIRED", "SEMI_AUTO", "SIMULATION", "FULL_AUTO"]
REASONS = [
    ["MIN_RR"],
    ["KILL_ZONE"],
    ["NEWS_BLACKOUT"],
    ["CONFIDENCE_THRESHOLD"],
    ["MAX_CONCURRENT_TRADES", "SAME_DIRECTION_EXPOSURE"],
    ["STRATEGY_CONDITIONS"],
    [],
]
SOURCES = ["technical", "news", "risk", "executor"]
TOOLS = ["get_snapshot", "get_indicators", "get_news", "get_calendar", "submit_proposal"]
PROSE = (
    "price holds above the 50 EMA on H1 while H4 trend stays up; RSI 54 after the pullback, "
    "ATR 0.0011, the prior swing low at 1.0842 gives a stop with room. London session is open, "
    "no high impact event in the next six hours, spreads normal. Risk sees two open positions "
    "and a daily drawdown of 0.4 percent against a cap of 3 percent. "
)
WORDS = PROSE.split()


@dataclass(frozen=True)
class Sizes:
    decisions: int = 100_000
    ideas: int = 20_000
    pending: int = 30
    runs: int = 2_000
    events: int = 1_000_000


@dataclass(frozen=True)
class Idea:
    id: int
    at: datetime
    symbol: str
    snapshot_hash: str


def moments(rng: random.Random, count: int) -> list[datetime]:
    """`count` sorted moments spread over the year."""
    seconds = (END - START).total_seconds()
    return [
        START + timedelta(seconds=s) for s in sorted(rng.random() * seconds for _ in range(count))
    ]


def pick(rng: random.Random, weights: dict[Any, int | float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def text(rng: random.Random, low: int, high: int) -> str:
    start = rng.randrange(len(WORDS))
    words = [WORDS[(start + i) % len(WORDS)] for i in range(rng.randint(low, high))]
    return " ".join(words)


def batches(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_rows(engine: Engine, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """executemany in batches, committing every ROWS_PER_TRANSACTION rows."""
    written = 0
    chunk = iter(batches(rows))
    statement = insert(table)
    while True:
        with engine.begin() as connection:
            in_transaction = 0
            for batch in chunk:
                connection.execute(statement, batch)
                in_transaction += len(batch)
                if in_transaction >= ROWS_PER_TRANSACTION:
                    break
        if in_transaction == 0:
            return written
        written += in_transaction


def seed_snapshots(engine: Engine, url: str) -> dict[str, list[str]]:
    """Real demo-feed snapshots (so replay works), two per symbol: their hashes by symbol."""
    service = SnapshotService(load_settings(database_url=url))
    hashes: dict[str, list[str]] = {}
    with session_scope(engine) as session:
        for symbol in SYMBOLS:
            for moment in SNAPSHOT_MOMENTS:
                snapshot = service.build(symbol, moment)
                save_snapshot(
                    session,
                    snapshot.model_dump_json(),
                    snapshot.content_hash,
                    snapshot.symbol,
                    snapshot.timeframe,
                    snapshot.as_of,
                )
                hashes.setdefault(symbol, []).append(snapshot.content_hash)
    return hashes


def check_lists(rng: random.Random, variants: int = 8) -> list[list[dict[str, Any]]]:
    """A few full check lists (every rule, a failure or two) that ideas share."""
    lists = []
    for _ in range(variants):
        failing = set(rng.sample([rule.id for rule in RULES], 2))
        lists.append(
            [
                {
                    "id": rule.id,
                    "category": rule.category.value,
                    "passed": rule.id not in failing,
                    "severity": "block",
                    "detail": f"value={rng.uniform(0, 3):.2f} limit={rng.uniform(1, 3):.2f}",
                    "numbers": {"value": round(rng.uniform(0, 3), 2), "limit": 2.0},
                }
                for rule in RULES
            ]
        )
    return lists


def idea_rows(
    rng: random.Random, sizes: Sizes, hashes: dict[str, list[str]]
) -> tuple[list[Idea], list[dict[str, Any]]]:
    """The ideas in time order, and their rows (`run_id` is filled in once runs are placed)."""
    checks = check_lists(rng)
    ideas, rows = [], []
    # The pending ideas are among the newest: the rest expired or were decided long ago.
    newest = range(sizes.ideas - 2 * sizes.pending + 1, sizes.ideas + 1)
    pending = set(rng.sample(newest, sizes.pending))
    for idea_id, at in enumerate(moments(rng, sizes.ideas), start=1):
        symbol = pick(rng, SYMBOLS)
        status = IdeaStatus.NEEDS_APPROVAL if idea_id in pending else pick(rng, IDEA_STATUSES)
        entry = rng.uniform(1.05, 1.15)
        stop = entry - rng.uniform(0.001, 0.004)
        lots = round(rng.uniform(0.01, 1.0), 2)
        idea = Idea(idea_id, at, symbol, rng.choice(hashes[symbol]))
        ideas.append(idea)
        rows.append(
            {
                "id": idea_id,
                "symbol": symbol,
                "timeframe": "H1",
                "strategy_name": rng.choice(STRATEGIES),
                "direction": rng.choice(["buy", "sell"]),
                "status": status.value,
                "mode": rng.choice(MODES),
                "entry": entry,
                "stop": stop,
                "targets": [entry + 2 * (entry - stop), entry + 3 * (entry - stop)],
                "computed_lots": lots,
                "approved_lots": lots if status is IdeaStatus.EXECUTED else None,
                "rr": round(rng.uniform(1.0, 3.5), 2),
                "confidence": round(rng.uniform(40, 95), 1),
                "confidence_breakdown": {"technical": 30, "news": 15, "risk": 20},
                "checks": rng.choice(checks),
                "reason_codes": rng.choice(REASONS),
                "rationale": text(rng, 30, 90),
                "llm_unavailable": False,
                "snapshot_hash": idea.snapshot_hash,
                "run_id": None,
                "created_at": at,
                "updated_at": at + timedelta(minutes=rng.randint(1, 240)),
                "expires_at": at + timedelta(hours=4),
                "version": 1,
            }
        )
    return ideas, rows


def event_counts(rng: random.Random, runs: int, events: int) -> list[int]:
    """How many events each run has: uneven, never under 2, summing to `events`."""
    base = events // runs
    counts = [base] * runs
    counts[-1] += events - base * runs
    for i in range(0, runs - 1, 2):
        shift = rng.randint(0, max(0, base - 2))
        counts[i] += shift
        counts[i + 1] -= shift
    return counts


def run_rows(
    rng: random.Random, starts: Sequence[datetime], ideas: Sequence[Idea], counts: Sequence[int]
) -> Iterator[dict[str, Any]]:
    for run_id, (at, idea) in enumerate(zip(starts, ideas, strict=True), start=1):
        prompt, completion = rng.randint(20_000, 90_000), rng.randint(1_000, 6_000)
        yield {
            "id": run_id,
            "symbol": idea.symbol,
            "timeframe": "H1",
            "strategy_name": rng.choice(STRATEGIES),
            "snapshot_hash": idea.snapshot_hash,
            "started_at": at,
            "finished_at": at + timedelta(seconds=2 * counts[run_id - 1]),
            "status": "finished",
            "ended_by": "submit_proposal",
            "model": "gpt-4o-mini",
            "fallback_used": False,
            "llm_calls": counts[run_id - 1] // 3,
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "cost_usd": round(prompt * 0.15e-6 + completion * 0.6e-6, 6),
            "seconds": 2.0 * counts[run_id - 1],
            "outcome": "rejected",
            "idea_id": idea.id,
            "error": None,
        }


def event_rows(
    rng: random.Random, starts: Sequence[datetime], counts: Sequence[int]
) -> Iterator[dict[str, Any]]:
    """Each run's events in order; one run in twenty fell back to a second attempt."""
    contents = [text(rng, 10, 120) for _ in range(200)]
    event_id = 0
    for run_id, (at, count) in enumerate(zip(starts, counts, strict=True), start=1):
        fallback_from = count * 2 // 3 if rng.random() < 0.05 else count
        for n in range(count):
            attempt, seq = (1, n) if n < fallback_from else (2, n - fallback_from)
            event_id += 1
            kind = "task" if seq == 0 else rng.choice(["text", "text", "tool_call", "tool_result"])
            tool = rng.choice(TOOLS)
            yield {
                "id": event_id,
                "run_id": run_id,
                "attempt": attempt,
                "seq": seq,
                "source": "user" if kind == "task" else rng.choice(SOURCES),
                "type": kind,
                "content": contents[event_id % len(contents)],
                "tool_calls": (
                    [{"id": f"call_{event_id}", "name": tool, "arguments": '{"symbol": "EURUSD"}'}]
                    if kind == "tool_call"
                    else []
                ),
                "tool_results": (
                    [
                        {
                            "call_id": f"call_{event_id}",
                            "name": tool,
                            "content": "ok",
                            "is_error": False,
                        }
                    ]
                    if kind == "tool_result"
                    else []
                ),
                "prompt_tokens": 1200 if kind == "text" else 0,
                "completion_tokens": 180 if kind == "text" else 0,
                "latency_ms": 850.0 if kind in ("text", "tool_result") else None,
                "created_at": at + timedelta(seconds=2 * n),
            }


def decision_rows(
    rng: random.Random, count: int, ideas: Sequence[Idea]
) -> Iterator[dict[str, Any]]:
    idea_times = [idea.at for idea in ideas]
    actions = {**IDEA_ACTIONS, **DESK_ACTIONS}
    for decision_id, at in enumerate(moments(rng, count), start=1):
        action = pick(rng, actions)
        newest = bisect.bisect_right(idea_times, at)  # ideas created by then
        idea = ideas[max(0, newest - 1 - rng.randint(0, 5))] if newest else None
        if action in DESK_ACTIONS or idea is None:
            idea, symbol, snapshot_hash = None, None, None
        else:
            symbol, snapshot_hash = idea.symbol, idea.snapshot_hash
        actor = (
            "human:owner"
            if action in HUMAN_ACTIONS
            else "system"
            if action in SYSTEM_ACTIONS or action in DESK_ACTIONS
            else "ai"
        )
        reason_codes = rng.choice(REASONS) if action is DecisionAction.REJECTED else []
        yield {
            "id": decision_id,
            "created_at": at,
            "idea_id": idea.id if idea else None,
            "symbol": symbol,
            "action": action.value,
            "actor": actor,
            "human_override": action in HUMAN_ACTIONS and rng.random() < 0.1,
            "reason_codes": reason_codes,
            "details": {"reason": text(rng, 4, 16)} if rng.random() < 0.3 else {},
            "snapshot_hash": snapshot_hash,
            "confidence": round(rng.uniform(40, 95), 1) if idea else None,
            "mode": rng.choice(MODES),
        }


def seed(url: str, sizes: Sizes = Sizes()) -> dict[str, int]:
    """Migrate `url` (a fresh SQLite file) and fill it; the rows written, by table."""
    upgrade(url)
    engine = make_engine(url)
    rng = random.Random(SEED)
    try:
        hashes = seed_snapshots(engine, url)
        run_starts = moments(rng, sizes.runs)
        ideas, rows = idea_rows(rng, sizes, hashes)
        # Each run ends in the first idea created after it started.
        idea_times = [idea.at for idea in ideas]
        run_ideas = [
            ideas[min(bisect.bisect_left(idea_times, at), len(ideas) - 1)] for at in run_starts
        ]
        run_of_idea = {idea.id: run_id for run_id, idea in enumerate(run_ideas, start=1)}
        for row in rows:
            row["run_id"] = run_of_idea.get(row["id"])
        counts = event_counts(rng, sizes.runs, sizes.events)
        written = {
            "trade_ideas": insert_rows(engine, table_of(TradeIdeaRow), rows),
            "runs": insert_rows(
                engine, table_of(RunRow), run_rows(rng, run_starts, run_ideas, counts)
            ),
            "transcript_events": insert_rows(
                engine, table_of(TranscriptEventRow), event_rows(rng, run_starts, counts)
            ),
            "decisions": insert_rows(
                engine, table_of(DecisionRow), decision_rows(rng, sizes.decisions, ideas)
            ),
        }
        # Outside any transaction (SQLAlchemy would open one): fold the WAL into the file.
        raw = engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        return {"snapshots": sum(len(h) for h in hashes.values()), **written}
    finally:
        engine.dispose()


def table_of(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="a new SQLite file")
    path = parser.parse_args().path
    started = time.perf_counter()
    written = seed(f"sqlite:///{path}")
    print(f"seeded {written} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
