"""Annotated dependency aliases for routes: the desk, a database session, the current user."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from orchestrator.desk import Desk
from orchestrator.settings import Settings
from store.db import session_scope


def get_desk(request: Request) -> Desk:
    return request.app.state.desk


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """A read session for queries; commands go through the Desk, never through this."""
    with session_scope(request.app.state.desk.engine) as session:
        yield session


DeskDep = Annotated[Desk, Depends(get_desk)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
