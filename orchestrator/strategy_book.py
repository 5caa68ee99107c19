"""Strategies as the desk stores them: validated on the way in, seeded on first use."""

import json
from typing import Any

from sqlmodel import Session, select

from store.models import StrategyRow
from store.records import append_decision
from tools.lifecycle import DecisionAction
from tools.strategies import StrategyDefinition, parse_strategy, seed_strategies


def _to_row_json(strategy: StrategyDefinition) -> str:
    return json.dumps(strategy.model_dump(mode="json"), sort_keys=True)


def ensure_seeded(session: Session) -> None:
    if session.exec(select(StrategyRow.id).limit(1)).first() is None:
        for strategy in seed_strategies():
            session.add(
                StrategyRow(
                    name=strategy.name,
                    active=True,
                    definition=_to_row_json(strategy.model_copy(update={"active": True})),
                )
            )
        session.flush()


def all_strategies(session: Session) -> list[StrategyDefinition]:
    rows = session.exec(select(StrategyRow).order_by(StrategyRow.name)).all()
    return [StrategyDefinition.model_validate_json(row.definition) for row in rows]


def active_for(session: Session, symbol: str, timeframe: str) -> list[StrategyDefinition]:
    return [
        s
        for s in all_strategies(session)
        if s.active and symbol.upper() in s.allowed_symbols and s.timeframe == timeframe
    ]


def find(session: Session, name: str) -> StrategyDefinition | None:
    row = session.exec(select(StrategyRow).where(StrategyRow.name == name)).first()
    return StrategyDefinition.model_validate_json(row.definition) if row else None


def save(session: Session, data: dict[str, Any], *, actor: str) -> StrategyDefinition:
    """Validate and store (create or replace by name). A broken definition raises
    StrategyDefinitionError with field paths and nothing is written."""
    strategy = parse_strategy(data)
    row = session.exec(select(StrategyRow).where(StrategyRow.name == strategy.name)).first()
    if row is None:
        row = StrategyRow(name=strategy.name, active=strategy.active, definition="")
        session.add(row)
    row.active = strategy.active
    row.definition = _to_row_json(strategy)
    session.flush()
    append_decision(
        session,
        action=DecisionAction.STRATEGY_CHANGED,
        actor=actor,
        details={"strategy": strategy.name, "active": strategy.active},
    )
    return strategy
