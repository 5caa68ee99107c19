"""Engine and sessions. SQLite (a file, WAL) by default; PostgreSQL through one URL."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

_READ_ONLY = "countersign_read_only"


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A deferred transaction that reads and then writes fails at once ("database is locked")
    # when another writer got in between; taking the write lock up front makes concurrent units
    # of work (20 clicks on one approve) queue on busy_timeout and see each other's commits.
    # Units that only read begin deferred: under WAL they neither wait for nor block writers.
    if connection.get_execution_options().get(_READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout on every connect."""
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


@contextmanager
def session_scope(engine: Engine, *, read_only: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    `read_only` promises the unit writes nothing, so on SQLite it does not queue for the write
    lock behind every running cycle (a write in it may then fail with "database is locked").
    """
    with Session(engine, expire_on_commit=False) as session:
        if read_only:
            session.connection(execution_options={_READ_ONLY: True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
