"""Reads of broker reconciliations, for the dashboard, the REST API and the CLI."""

from sqlmodel import Session, col, select

from store.models import ReconciliationRow


def list_reconciliations(
    session: Session, *, broker: str | None = None, limit: int = 20
) -> list[ReconciliationRow]:
    """Reconciliation reports newest first, of one broker or of all."""
    query = select(ReconciliationRow)
    if broker is not None:
        query = query.where(ReconciliationRow.broker == broker)
    query = query.order_by(
        col(ReconciliationRow.started_at).desc(), col(ReconciliationRow.id).desc()
    )
    return list(session.exec(query.limit(limit)))
