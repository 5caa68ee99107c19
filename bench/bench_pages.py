"""Page and API latency on a year of history: 100,000 decisions, 1,000,000 transcript events.

The app runs under uvicorn on 127.0.0.1 (a thread of this process); an httpx client logged in by
cookie asks for the pages, one holding a Bearer token asks the API. Each endpoint is requested
sequentially, after a warm-up, and its p50/p95/max wall time printed. Then every SQL statement one
request of each endpoint runs is timed on its own and its EXPLAIN QUERY PLAN printed, so a slow
endpoint points at its query (--explain prints them all, not only for endpoints over target).

The seeded file is kept and reused; --reseed builds it again (about a minute).

Run: UV_PYTHON_DOWNLOADS=never uv run python -m bench.bench_pages [--reseed] [-n 200]
"""

import argparse
import json
import os
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import event, func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from api.app import create_app
from api.auth import OwnerExists, create_api_token, create_owner
from bench.seed_history import END, Sizes, seed
from orchestrator.settings import load_settings
from store.db import session_scope
from store.models import DecisionRow, TranscriptEventRow, UserRow

DEFAULT_DB = Path("/tmp/countersign-bench/pages.db")
OWNER, PASSWORD = "owner", "correct horse battery"
TARGET_P95_MS = 100.0
WARMUP = 10
SYMBOL, ACTION, EMPTY_ACTION = "EURUSD", "needs_approval", "mode_changed"
HISTORY_DAYS = 90


@dataclass
class Endpoint:
    name: str
    url: str
    client: httpx.Client
    has_rows: bool = True
    samples_ms: list[float] = field(default_factory=list)
    cpu_ms: float = 0.0  # this process's CPU time per request (client and server), load-proof

    def p(self, q: int) -> float:
        """The q-th percentile (1..99) of the samples."""
        return statistics.quantiles(self.samples_ms, n=100, method="inclusive")[q - 1]


@dataclass
class Statement:
    sql: str
    parameters: Any
    ms: float


# --- the database ---------------------------------------------------------------------------


def _sidecar(db: Path) -> Path:
    return db.with_name(db.name + ".seed.json")


def ensure_seeded(db: Path, reseed: bool) -> dict[str, Any]:
    """Seed `db` unless a finished seeding of it is on record; what the seeding wrote and took."""
    sidecar = _sidecar(db)
    if not reseed and db.exists() and sidecar.exists():
        return {**json.loads(sidecar.read_text()), "reused": True}
    for path in (db, sidecar, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        path.unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    written = seed(f"sqlite:///{db}", Sizes())
    record = {"seconds": round(time.perf_counter() - started, 1), "rows": written}
    sidecar.write_text(json.dumps(record))  # written last: a killed seeding is not reused
    return {**record, "reused": False}


def db_size_mb(db: Path) -> float:
    files = [db, db.with_name(db.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1e6


def owner_and_token(app: FastAPI) -> str:
    """Make sure the owner exists; a fresh API token for it."""
    engine = app.state.desk.engine
    try:
        with session_scope(engine) as session:
            create_owner(session, OWNER, PASSWORD)
    except OwnerExists:
        pass
    with session_scope(engine) as session:
        owner = session.exec(select(UserRow)).one()
        _, token = create_api_token(session, owner, "bench")
    return token


def middle_ids(engine: Engine) -> tuple[int, int]:
    """A cursor in the middle of all decisions, and one in the middle of the filtered ones."""
    with session_scope(engine) as session:
        total = session.exec(select(func.max(DecisionRow.id))).one() or 0
        filtered = session.exec(
            select(DecisionRow.id)
            .where(DecisionRow.symbol == SYMBOL, DecisionRow.action == ACTION)
            .order_by(col(DecisionRow.id))
        ).all()
    ids = [i for i in filtered if i is not None]
    return total // 2, ids[len(ids) // 2]


def counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        decisions = session.exec(select(func.count()).select_from(DecisionRow)).one()
        events = session.exec(select(func.count()).select_from(TranscriptEventRow)).one()
    return {"decisions": decisions, "transcript_events": events}


# --- the server and its clients -------------------------------------------------------------


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """`app` under uvicorn in a thread on a free port of 127.0.0.1; its base URL."""
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets whose proto is TCP, and
    # a bare socket.socket() has proto 0. Without it Nagle holds the body behind the headers
    # until the client's delayed ACK (~40 ms per response on a kept-alive connection).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def logged_in(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    response = client.post("/api/v1/auth/login", json={"username": OWNER, "password": PASSWORD})
    response.raise_for_status()
    return client


def endpoints(cookie: httpx.Client, bearer: httpx.Client, engine: Engine) -> list[Endpoint]:
    start, end = (END - timedelta(days=HISTORY_DAYS)).date(), END.date()
    middle, filtered_middle = middle_ids(engine)
    filters = f"symbol={SYMBOL}&action={ACTION}"
    return [
        Endpoint("GET /queue", "/queue", cookie),
        Endpoint("GET /history (no filter)", "/history", cookie),
        Endpoint(
            f"GET /history {SYMBOL} {ACTION} {HISTORY_DAYS}d",
            f"/history?{filters}&start={start}&end={end}",
            cookie,
        ),
        Endpoint(
            f"GET /history {SYMBOL} {ACTION} deep page",
            f"/history?{filters}&before_id={filtered_middle}",
            cookie,
        ),
        Endpoint(
            f"GET /api/v1/decisions {SYMBOL} {ACTION}",
            f"/api/v1/decisions?{filters}&limit=50",
            bearer,
        ),
        Endpoint(
            f"GET /api/v1/decisions {SYMBOL} {ACTION} deep page",
            f"/api/v1/decisions?{filters}&limit=50&before_id={filtered_middle}",
            bearer,
        ),
        Endpoint(
            "GET /api/v1/decisions deep page (no filter)",
            f"/api/v1/decisions?limit=50&before_id={middle}",
            bearer,
        ),
        # The worst filter: desk actions carry no symbol, so every EURUSD row is read for none.
        Endpoint(
            f"GET /api/v1/decisions {SYMBOL} {EMPTY_ACTION} (none)",
            f"/api/v1/decisions?symbol={SYMBOL}&action={EMPTY_ACTION}&limit=50",
            bearer,
            has_rows=False,
        ),
    ]


def check(endpoint: Endpoint, response: httpx.Response) -> None:
    """A fast wrong answer is no result: every endpoint must answer 200 with rows in it."""
    if response.status_code != 200:
        raise RuntimeError(f"{endpoint.name}: {response.status_code} {response.text[:300]}")
    if not endpoint.has_rows:
        return
    if endpoint.url.startswith("/api/"):
        if not response.json()["items"]:
            raise RuntimeError(f"{endpoint.name}: no decisions in the answer")
    elif "data-decision=" not in response.text and "data-idea=" not in response.text:
        raise RuntimeError(f"{endpoint.name}: the page shows no rows")


def measure(endpoint: Endpoint, requests: int) -> None:
    for _ in range(WARMUP):
        check(endpoint, endpoint.client.get(endpoint.url))
    cpu_started = time.process_time()
    for _ in range(requests):
        started = time.perf_counter()
        response = endpoint.client.get(endpoint.url)
        endpoint.samples_ms.append((time.perf_counter() - started) * 1000)
        check(endpoint, response)
    endpoint.cpu_ms = (time.process_time() - cpu_started) * 1000 / requests


# --- why it is slow ---------------------------------------------------------------------------


@contextmanager
def captured(engine: Engine) -> Iterator[list[Statement]]:
    """Every statement the engine runs meanwhile, with its own time."""
    statements: list[Statement] = []
    local = threading.local()

    def before(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        local.started = time.perf_counter()

    def after(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        ms = (time.perf_counter() - local.started) * 1000
        statements.append(Statement(sql, parameters, ms))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def query_plan(engine: Engine, statement: Statement) -> list[str]:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"EXPLAIN QUERY PLAN {statement.sql}", statement.parameters)
        return [row[3] for row in cursor.fetchall()]
    finally:
        raw.close()


def explain(endpoint: Endpoint, engine: Engine) -> None:
    with captured(engine) as statements:
        endpoint.client.get(endpoint.url)
    print(f"\n{endpoint.name}: {len(statements)} statements (ms to the first row)")
    for statement in statements:
        if not statement.sql.lstrip().upper().startswith("SELECT"):
            continue
        sql = " ".join(statement.sql.split())
        print(f"  {statement.ms:7.2f} ms  {sql[:160]}{'...' if len(sql) > 160 else ''}")
        print(f"             params {statement.parameters}")
        for line in query_plan(engine, statement):
            print(f"             plan   {line}")


# --- main --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="the SQLite file")
    parser.add_argument("--reseed", action="store_true", help="seed the file again")
    parser.add_argument("-n", "--requests", type=int, default=200, help="per endpoint")
    parser.add_argument("--explain", action="store_true", help="query plans for every endpoint")
    args = parser.parse_args()

    seeding = ensure_seeded(args.db, args.reseed)
    how = "reused, seeded earlier" if seeding["reused"] else "seeded"
    print(f"database {args.db}: {db_size_mb(args.db):,.0f} MB, {how} in {seeding['seconds']} s")
    print(f"rows written: {seeding['rows']}")

    url = f"sqlite:///{args.db}"
    app = create_app(load_settings(database_url=url, run_scheduler=False))
    engine: Engine = app.state.desk.engine
    print(f"rows now: {counts(engine)}")
    token = owner_and_token(app)
    with serve(app) as base_url:
        cookie = logged_in(base_url)
        bearer = httpx.Client(
            base_url=base_url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )
        measured = endpoints(cookie, bearer, engine)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"\n{args.requests} sequential requests each after {WARMUP} warm-up, wall time ms")
        print(
            f"(client and server share this process; load average {load} on {os.cpu_count()} CPUs)"
        )
        print(f"{'endpoint':<52} {'p50':>7} {'p95':>7} {'max':>7} {'cpu/req':>8}")
        for endpoint in measured:
            measure(endpoint, args.requests)
            flag = "  OVER TARGET" if endpoint.p(95) > TARGET_P95_MS else ""
            print(
                f"{endpoint.name:<52} {endpoint.p(50):7.1f} {endpoint.p(95):7.1f} "
                f"{max(endpoint.samples_ms):7.1f} {endpoint.cpu_ms:8.1f}{flag}"
            )
        slow = [e for e in measured if args.explain or e.p(95) > TARGET_P95_MS]
        for endpoint in slow:
            explain(endpoint, engine)
        cookie.close()
        bearer.close()
    engine.dispose()
    over = [e.name for e in measured if e.p(95) > TARGET_P95_MS]
    print(f"\np95 target {TARGET_P95_MS:.0f} ms: " + (f"OVER for {over}" if over else "all under"))


if __name__ == "__main__":
    main()
