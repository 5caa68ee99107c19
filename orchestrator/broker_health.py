"""How each broker answered lately, and the halt that repeated failures trigger.

Every call the desk makes to a broker (placing, asking for an order, reconciling, testing the
connection) reports here in the caller's transaction, so the dashboard, the API and the approve
path all read the same status from the database.
"""

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from orchestrator import controls
from store.models import BrokerStatusRow
from store.records import get_risk_config
from store.types import utc_now
from tools.brokers.base import BrokerAuthError, BrokerError
from tools.lifecycle import BrokerHealth, HaltSource

SYSTEM_ACTOR = "system"
_NEW_ROW = {
    "active": False,
    "health": BrokerHealth.UNKNOWN,
    "consecutive_failures": 0,
    "message": "",
}


def status_row(session: Session, name: str) -> BrokerStatusRow:
    """The broker's row, created on first use. Concurrent approvals may both create it, so the
    insert yields to the one that got there first instead of failing."""
    row = session.get(BrokerStatusRow, name)
    if row is None:
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        session.execute(
            insert(BrokerStatusRow)
            .values(name=name, updated_at=utc_now(), **_NEW_ROW)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        row = session.get_one(BrokerStatusRow, name)
    return row


def active_name(session: Session, default: str) -> str:
    name = session.exec(
        select(BrokerStatusRow.name).where(col(BrokerStatusRow.active).is_(True))
    ).first()
    return name or default


def set_active(session: Session, name: str) -> None:
    for row in session.exec(select(BrokerStatusRow).where(col(BrokerStatusRow.active).is_(True))):
        row.active = False
    session.flush()  # the unique index allows one active row at any moment
    status_row(session, name).active = True


def record_ok(session: Session, name: str, message: str, at: datetime) -> BrokerStatusRow:
    row = status_row(session, name)
    row.health, row.consecutive_failures = BrokerHealth.OK, 0
    row.message, row.last_ok_at = message, at
    return row


def record_failure(
    session: Session, name: str, error: BrokerError, at: datetime, *, failures_before_halt: int
) -> BrokerStatusRow:
    """Count a failed call; halt trading when `failures_before_halt` are reached in a row (0
    never halts) or at once when the broker refused the credentials."""
    row = status_row(session, name)
    auth = isinstance(error, BrokerAuthError)
    row.health = BrokerHealth.AUTH_FAILED if auth else BrokerHealth.UNREACHABLE
    row.consecutive_failures += 1
    row.message, row.last_failure_at = str(error), at
    limit_reached = 0 < failures_before_halt <= row.consecutive_failures
    if (auth or limit_reached) and get_risk_config(session).ai_trading_enabled:
        why = "refused the credentials" if auth else f"failed {row.consecutive_failures} times"
        controls.halt(
            session,
            f"BROKER_UNREACHABLE: {name} {why}: {error}",
            actor=SYSTEM_ACTOR,
            source=HaltSource.BROKER,
            at=at,
            details={"broker": name, "consecutive_failures": row.consecutive_failures},
        )
    return row
