"""The stored record of one idea or decision, loaded once into plain data for the explainer.

Rows become JSON-ready dicts and the snapshot a parsed Snapshot; nothing here keeps a session,
so the views built on a record cannot read or write the database.
"""

import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from orchestrator import strategy_book
from orchestrator.errors import InvalidInput, NotFound
from store.models import DecisionRow, PositionRow, RunRow, TranscriptEventRow
from store.queries import decisions_for_idea, get_idea, orders_for_idea
from store.records import load_snapshot_payload
from tools.snapshot import Snapshot
from tools.strategies import StrategyDefinition

_THREAD_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@dataclass(frozen=True)
class Subject:
    """What a conversation is about: an idea, or one decision (of an idea, or desk-wide)."""

    idea_id: int | None = None
    decision_id: int | None = None

    def __post_init__(self) -> None:
        if (self.idea_id is None) == (self.decision_id is None):
            raise InvalidInput("name either an idea or a decision to explain")

    @property
    def key(self) -> str:
        return (
            f"idea-{self.idea_id}" if self.idea_id is not None else f"decision-{self.decision_id}"
        )

    def conversation(self, name: str | None = None) -> str:
        """The thread key: "idea-12" by default, "idea-12/<name>" for a named thread."""
        if name is None:
            return self.key
        if not _THREAD_NAME.match(name):
            raise InvalidInput(
                "a conversation name is 1-40 letters, digits, '-' or '_'", {"conversation": name}
            )
        return f"{self.key}/{name}"


@dataclass(frozen=True)
class ExplainRecord:
    subject: Subject
    idea: dict[str, Any] | None
    decisions: tuple[dict[str, Any], ...]  # the idea's story (or the one desk-wide decision)
    focus_decision_id: int | None
    snapshot: Snapshot | None
    strategy: StrategyDefinition | None  # as the strategy book holds it now (for what-if)
    orders: tuple[dict[str, Any], ...]
    positions: tuple[dict[str, Any], ...]
    run: dict[str, Any] | None
    transcript: tuple[dict[str, Any], ...]


def _dumps(rows: list[Any]) -> tuple[dict[str, Any], ...]:
    return tuple(row.model_dump(mode="json") for row in rows)


def _snapshot(session: Session, content_hash: str | None) -> Snapshot | None:
    payload = load_snapshot_payload(session, content_hash) if content_hash else None
    return Snapshot.model_validate_json(payload) if payload else None


def _run(session: Session, run_id: int | None) -> tuple[dict | None, tuple[dict, ...]]:
    run = session.get(RunRow, run_id) if run_id is not None else None
    if run is None:
        return None, ()
    events = session.exec(
        select(TranscriptEventRow)
        .where(TranscriptEventRow.run_id == run_id)
        .order_by(col(TranscriptEventRow.attempt), col(TranscriptEventRow.seq))
    ).all()
    return run.model_dump(mode="json"), _dumps(list(events))


def load_record(session: Session, subject: Subject) -> ExplainRecord:
    """Everything stored about the subject; raises NotFound when it does not exist."""
    decision = None
    idea_id = subject.idea_id
    if subject.decision_id is not None:
        decision = session.get(DecisionRow, subject.decision_id)
        if decision is None:
            raise NotFound(f"decision {subject.decision_id} does not exist")
        idea_id = decision.idea_id
    idea = get_idea(session, idea_id) if idea_id is not None else None
    if idea_id is not None and idea is None:
        raise NotFound(f"idea {idea_id} does not exist", {"idea_id": idea_id})
    if idea is None:
        assert decision is not None
        return ExplainRecord(
            subject=subject,
            idea=None,
            decisions=_dumps([decision]),
            focus_decision_id=decision.id,
            snapshot=_snapshot(session, decision.snapshot_hash),
            strategy=None,
            orders=(),
            positions=(),
            run=None,
            transcript=(),
        )
    assert idea.id is not None
    story = decisions_for_idea(session, idea.id)
    positions = session.exec(
        select(PositionRow).where(PositionRow.idea_id == idea.id).order_by(col(PositionRow.id))
    ).all()
    run, transcript = _run(session, idea.run_id)
    return ExplainRecord(
        subject=subject,
        idea=idea.model_dump(mode="json"),
        decisions=_dumps(story),
        focus_decision_id=decision.id if decision else (story[0].id if story else None),
        snapshot=_snapshot(session, idea.snapshot_hash),
        strategy=strategy_book.find(session, idea.strategy_name) if idea.strategy_name else None,
        orders=_dumps(orders_for_idea(session, idea.id)),
        positions=_dumps(list(positions)),
        run=run,
        transcript=transcript,
    )
