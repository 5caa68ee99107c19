"""What several pages show: the AI control panel, the approval queue, desk errors as a line and
validation errors at the form fields they belong to."""

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from sqlmodel import Session

from api.errors import ApiError
from orchestrator.brokerage import BrokerProvider
from orchestrator.desk import Desk
from orchestrator.errors import DeskError
from orchestrator.state_machines import IllegalTransition
from store.models import TradeIdeaRow
from store.queries import list_ideas
from tools.lifecycle import IdeaStatus
from tools.risk_config import Mode, RiskConfig

RECENT_OUTCOMES = 15
_OUTCOMES = [status for status in IdeaStatus if status is not IdeaStatus.NEEDS_APPROVAL]
Problem = dict[str, str]  # {"path": "entry_conditions.1.rsi.below", "message": "..."}


def describe(error: DeskError | ApiError | IllegalTransition) -> str:
    """One line for the screen: the standard code, then what happened."""
    if isinstance(error, IllegalTransition):
        return f"ILLEGAL_TRANSITION: {error}"
    return f"{error.code}: {error.message}"


def attempt(act: Callable[[], str]) -> tuple[str | None, str | None]:
    """Run one of the owner's acts: (its notice, None), or (None, the refusal as one line)."""
    try:
        return act(), None
    except (DeskError, ApiError, IllegalTransition) as exc:
        return None, describe(exc)


def errors_by_field(
    problems: list[Problem], fields: Collection[str], *, rest: str
) -> dict[str, list[Problem]]:
    """Each problem under the form field its path starts with (keeping the full path), the
    others under `rest`, shown at the top of the form."""
    grouped: dict[str, list[Problem]] = {}
    for problem in problems:
        head = problem["path"].split(".")[0]
        grouped.setdefault(head if head in fields else rest, []).append(problem)
    return grouped


@dataclass(frozen=True)
class Panel:
    config: RiskConfig
    broker: BrokerProvider  # on a remote one, SEMI_AUTO needs confirming too
    error: str | None = None
    notice: str | None = None
    modes: tuple[Mode, ...] = tuple(Mode)


def control_panel(desk: Desk, *, error: str | None = None, notice: str | None = None) -> Panel:
    return Panel(desk.risk_config(), desk.active_broker(), error=error, notice=notice)


@dataclass(frozen=True)
class Queue:
    pending: list[TradeIdeaRow]
    recent: list[TradeIdeaRow]
    errors: dict[int, str] = field(default_factory=dict)
    notice: str | None = None

    @property
    def stray_errors(self) -> list[str]:
        """Refusals for ideas no longer in the queue (already handled, expired)."""
        pending = {idea.id for idea in self.pending}
        return [error for idea_id, error in self.errors.items() if idea_id not in pending]

    @property
    def fingerprint(self) -> str:
        """Changes whenever an idea joins, leaves or changes: polls that match it swap nothing,
        so a lots value being typed is not wiped every few seconds."""
        text = ",".join(f"{i.id}:{i.version}:{i.status}" for i in [*self.pending, *self.recent])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def approval_queue(
    session: Session, *, errors: dict[int, str] | None = None, notice: str | None = None
) -> Queue:
    return Queue(
        pending=list_ideas(session, [IdeaStatus.NEEDS_APPROVAL], limit=100),
        recent=list_ideas(session, _OUTCOMES, limit=RECENT_OUTCOMES),
        errors=errors or {},
        notice=notice,
    )
