"""Choosing, testing and trusting a broker.

- Switching to a remote broker (MT5, Alpaca, IBKR) needs the human's confirmation and a passing
  connection test; switching back to paper needs neither.
- Entering SEMI_AUTO or FULL_AUTO while a remote broker is active needs the same two.
- An approval on a broker last seen failing tests it again first, and is refused with the reason
  when it still fails: nothing is queued to be sent "later".

Network calls happen outside any database transaction (SQLite takes its write lock at BEGIN).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from orchestrator.broker_health import record_failure, record_ok, set_active, status_row
from orchestrator.brokerage import BrokerBook, BrokerProvider
from orchestrator.errors import BrokerUnavailable, ConfirmationRequired
from store.db import session_scope
from store.records import append_decision, get_risk_config
from tools.brokers.base import BrokerError
from tools.lifecycle import BrokerHealth, DecisionAction
from tools.risk_config import Mode

AUTONOMOUS_MODES = frozenset({Mode.SEMI_AUTO, Mode.FULL_AUTO})


@dataclass(frozen=True)
class BrokerStatus:
    """One broker as the dashboard and the API show it. Never holds a credential."""

    name: str
    is_paper: bool
    is_remote: bool
    active: bool
    health: BrokerHealth
    message: str
    consecutive_failures: int
    last_ok_at: datetime | None
    last_failure_at: datetime | None

    @property
    def reachable(self) -> bool:
        return self.health in (BrokerHealth.OK, BrokerHealth.UNKNOWN)


def _status(session: Session, provider: BrokerProvider, active: str) -> BrokerStatus:
    row = status_row(session, provider.name)
    return BrokerStatus(
        name=provider.name,
        is_paper=provider.is_paper,
        is_remote=provider.is_remote,
        active=provider.name == active,
        health=row.health,
        message=row.message,
        consecutive_failures=row.consecutive_failures,
        last_ok_at=row.last_ok_at,
        last_failure_at=row.last_failure_at,
    )


def statuses(session: Session, book: BrokerBook) -> list[BrokerStatus]:
    """Every configured broker, the active one first."""
    active = book.active(session).name
    views = [_status(session, book.get(name), active) for name in book.names()]
    return sorted(views, key=lambda view: not view.active)


def check_connection(engine: Engine, book: BrokerBook, name: str) -> BrokerStatus:
    """Ask the broker for its account now and record the answer."""
    provider = book.get(name)
    try:
        message, error = provider.test_connection(), None
    except BrokerError as exc:
        message, error = str(exc), exc
    with session_scope(engine) as session:
        if error is None:
            record_ok(session, name, message, book.clock())
        else:
            record_failure(
                session,
                name,
                error,
                book.clock(),
                failures_before_halt=book.settings.failures_before_halt,
            )
        return _status(session, provider, book.active(session).name)


def _require_connection(engine: Engine, book: BrokerBook, name: str, purpose: str) -> str:
    status = check_connection(engine, book, name)
    if not status.reachable:
        raise BrokerUnavailable(
            f"{purpose}: broker {name} did not answer the connection test: {status.message}",
            {"broker": name, "health": status.health, "message": status.message},
        )
    return status.message


def use_broker(
    engine: Engine, book: BrokerBook, name: str, *, confirm: bool, actor: str
) -> BrokerStatus:
    """Make `name` the broker new orders go to."""
    provider = book.get(name)
    with session_scope(engine) as session:
        current = book.active(session)
    if current.name == name:
        return check_connection(engine, book, name)
    tested = "not needed"
    if provider.is_remote:
        if not confirm:
            account = "its paper account" if provider.is_paper else "a LIVE account with real money"
            raise ConfirmationRequired(
                f"switching to {name} sends orders to {account}: confirm to proceed",
                {"from": current.name, "to": name},
            )
        tested = _require_connection(engine, book, name, f"cannot switch to {name}")
    with session_scope(engine) as session:
        config = get_risk_config(session, lock=True)  # one control change at a time
        set_active(session, name)
        append_decision(
            session,
            action=DecisionAction.BROKER_CHANGED,
            actor=actor,
            mode=config.mode,
            human_override=actor.startswith("human:"),
            details={"from": current.name, "to": name, "confirmed": confirm, "test": tested},
        )
        session.flush()
        return _status(session, provider, name)


def apply_configured(engine: Engine, book: BrokerBook, name: str) -> BrokerStatus:
    """At start: switch to the broker the settings name; a failing test leaves the desk on the
    broker it had (the failure is recorded and shows on the dashboard)."""
    try:
        return use_broker(engine, book, name, confirm=True, actor="settings")
    except BrokerUnavailable:
        with session_scope(engine) as session:
            return _status(session, book.get(name), book.active(session).name)


def require_safe_mode(engine: Engine, book: BrokerBook, mode: Mode, *, confirm: bool) -> None:
    """Refuse an autonomous mode on a remote broker without confirmation and a live answer."""
    if mode not in AUTONOMOUS_MODES:
        return
    with session_scope(engine) as session:
        provider = book.active(session)
    if not provider.is_remote:
        return
    if not confirm:
        raise ConfirmationRequired(
            f"{mode} sends orders to {provider.name} without a human: confirm to proceed",
            {"to": mode, "broker": provider.name},
        )
    _require_connection(engine, book, provider.name, f"cannot enter {mode}")


def require_reachable(engine: Engine, book: BrokerBook) -> None:
    """Before an approval: a broker last seen failing must answer again now."""
    with session_scope(engine) as session:
        provider = book.active(session)
        health = status_row(session, provider.name).health
    if provider.is_remote and health not in (BrokerHealth.OK, BrokerHealth.UNKNOWN):
        _require_connection(
            engine, book, provider.name, "not approved, the idea stays in the queue"
        )
