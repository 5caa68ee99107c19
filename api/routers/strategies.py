"""Strategies: list, read, create, replace, switch on/off, clone and delete.

Strategies are named in the path. DELETE is a soft delete: it switches the strategy off and keeps
it, because ideas and decisions name the strategy they followed and must stay explainable.
Every change goes through the Desk, is validated (422 INVALID_INPUT naming each bad field) and is
logged as a decision; reads come from the strategy book.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Path, status
from sqlmodel import Session

from api.deps import DeskDep, SessionDep
from api.errors import ApiError
from api.routers.params import Actor, not_found
from api.schemas.common import error_responses
from api.schemas.strategies import (
    StrategyActivation,
    StrategyClone,
    StrategyCreate,
    StrategyList,
)
from orchestrator import strategy_book
from store.db import session_scope
from tools.strategies import StrategyDefinition, StrategyDefinitionError

router = APIRouter(prefix="/strategies", tags=["strategies"])

NamePath = Annotated[str, Path(min_length=1, max_length=100)]
_WRITE_ERRORS = error_responses(404, 409)


@contextmanager
def _validated() -> Iterator[None]:
    """A broken definition becomes a 422 naming each bad field (the Desk wrote nothing)."""
    try:
        yield
    except StrategyDefinitionError as exc:
        message = "; ".join(f"{e['path']}: {e['message']}" for e in exc.errors)
        raise ApiError(422, "INVALID_INPUT", message, {"errors": exc.errors}) from None


def _existing(session: Session, name: str) -> StrategyDefinition:
    strategy = strategy_book.find(session, name)
    if strategy is None:
        raise not_found("strategy", name)
    return strategy


@router.get("", summary="Every strategy, active or not, by name")
def list_strategies(session: SessionDep) -> StrategyList:
    return StrategyList(items=strategy_book.all_strategies(session))


@router.get("/{name}", responses=error_responses(404))
def get_strategy(name: NamePath, session: SessionDep) -> StrategyDefinition:
    return _existing(session, name)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a strategy (409 when the name is taken)",
    responses=error_responses(409),
)
def create_strategy(body: StrategyCreate, desk: DeskDep, actor: Actor) -> StrategyDefinition:
    with _validated():
        return desk.save_strategy(body.model_dump(mode="json"), actor=actor, create=True)


@router.put(
    "/{name}",
    summary="Replace a strategy's whole definition (the body's name must be the path's)",
    responses=_WRITE_ERRORS,
)
def replace_strategy(
    name: NamePath, body: StrategyCreate, desk: DeskDep, actor: Actor
) -> StrategyDefinition:
    if body.name != name:
        raise ApiError(
            422,
            "INVALID_INPUT",
            "the body's name must match the path's: clone to rename",
            {"errors": [{"path": "name", "message": f"expected {name!r}"}]},
        )
    with _validated():
        return desk.save_strategy(body.model_dump(mode="json"), actor=actor, create=False)


@router.patch("/{name}", summary="Switch a strategy on or off", responses=_WRITE_ERRORS)
def set_strategy_active(
    name: NamePath, body: StrategyActivation, desk: DeskDep, actor: Actor
) -> StrategyDefinition:
    return desk.set_strategy_active(name, body.active, actor=actor)


@router.post(
    "/{name}/clone",
    status_code=status.HTTP_201_CREATED,
    summary="Copy a strategy under a new name, switched off",
    responses=_WRITE_ERRORS,
)
def clone_strategy(
    name: NamePath, body: StrategyClone, desk: DeskDep, actor: Actor
) -> StrategyDefinition:
    # A short read of its own: on SQLite a session open across the Desk's write would block it.
    with session_scope(desk.engine) as session:
        source = _existing(session, name)
    copy = {**source.model_dump(mode="json"), "name": body.name, "active": False}
    with _validated():
        return desk.save_strategy(copy, actor=actor, create=True)


@router.delete(
    "/{name}",
    summary="Soft delete: switch the strategy off and keep it (ideas and decisions name it)",
    responses=error_responses(404),
)
def delete_strategy(name: NamePath, desk: DeskDep, actor: Actor) -> StrategyDefinition:
    return desk.set_strategy_active(name, False, actor=actor)
