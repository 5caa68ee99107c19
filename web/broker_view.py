"""The broker as the pages show it: the one in use with its health and its latest
reconciliation, and the account read so that a broker that does not answer leaves a line on the
page instead of an error page. Nothing here holds a credential."""

from collections.abc import Sequence
from dataclasses import dataclass

from orchestrator.broker_control import BrokerStatus
from orchestrator.desk import Desk
from store.db import session_scope
from store.models import ReconciliationRow
from store.queries_brokers import list_reconciliations
from tools.account import AccountState
from tools.brokers.base import BrokerError


def read_account(desk: Desk) -> tuple[AccountState | None, str | None]:
    """The active broker's account, or None and why not (a remote broker may be down)."""
    try:
        return desk.account(), None
    except BrokerError as exc:
        return None, f"broker unreachable: {exc}"


@dataclass(frozen=True)
class BrokerCard:
    status: BrokerStatus
    reconciliation: ReconciliationRow | None
    error: str | None = None
    notice: str | None = None


def broker_card(desk: Desk, *, error: str | None = None, notice: str | None = None) -> BrokerCard:
    status = next(status for status in desk.broker_statuses() if status.active)
    with session_scope(desk.engine) as session:
        latest = list_reconciliations(session, broker=status.name, limit=1)
    return BrokerCard(status, latest[0] if latest else None, error=error, notice=notice)


def connection_answer(status: BrokerStatus) -> tuple[str | None, str | None]:
    """A connection test as (notice, error); the card shows the answer itself."""
    if status.reachable:
        return f"{status.name} answered the connection test.", None
    return None, f"{status.name} failed the connection test ({status.health}): {status.message}"


def reconciliation_answer(reports: Sequence[ReconciliationRow]) -> tuple[str | None, str | None]:
    """What "Reconcile now" did, as (notice, error); the card shows what it found."""
    done = [report.broker for report in reports if not report.error]
    failed = [f"{report.broker}: {report.error}" for report in reports if report.error]
    notice = f"Reconciled with {', '.join(done)}." if done else None
    error = f"Reconciliation failed: {'; '.join(failed)}" if failed else None
    return notice, error
