"""Units of work on SQLite: writers queue for the write lock, readers do not."""

import threading

from sqlalchemy.engine import Engine
from sqlmodel import select

from store.db import session_scope
from store.models import RunRow
from store.records import get_risk_config

WAIT_SECONDS = 2.0


def _while_a_writer_holds_the_lock(engine: Engine, read_only: bool) -> bool:
    """Whether a unit of work finished while another unit held the write lock."""
    finished = threading.Event()

    def reader() -> None:
        with session_scope(engine, read_only=read_only) as session:
            session.exec(select(RunRow.id)).all()
        finished.set()

    with session_scope(engine) as writer:
        get_risk_config(writer)  # the writer's unit has begun (BEGIN IMMEDIATE) and holds on
        thread = threading.Thread(target=reader)
        thread.start()
        done_meanwhile = finished.wait(WAIT_SECONDS)
    thread.join()
    return done_meanwhile


def test_read_only_unit_when_a_writer_holds_the_lock_then_it_reads_without_waiting(
    sqlite_engine: Engine,
) -> None:
    assert _while_a_writer_holds_the_lock(sqlite_engine, read_only=True)


def test_unit_of_work_when_a_writer_holds_the_lock_then_it_waits_its_turn(
    sqlite_engine: Engine,
) -> None:
    assert not _while_a_writer_holds_the_lock(sqlite_engine, read_only=False)
