"""Logging in and out, and creating the owner account on first run. No login needed here."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from api.auth import (
    OwnerExists,
    create_owner,
    login,
    logout,
    optional_user,
    owner_exists,
    password_login,
)
from api.deps import DeskDep
from api.errors import ApiError
from store.db import session_scope
from store.models import UserRow
from web.guard import safe_next
from web.rendering import render

router = APIRouter()
AnyUser = Annotated[UserRow | None, Depends(optional_user)]


def _redirect(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


def _has_owner(desk: DeskDep) -> bool:
    with session_scope(desk.engine) as session:
        return owner_exists(session)


@router.get("/login")
def login_page(request: Request, desk: DeskDep, user: AnyUser, next: str = "/") -> Response:
    if user is not None:
        return _redirect(safe_next(next))
    if not _has_owner(desk):
        return _redirect("/setup")
    return render(request, "login.html", {"next": safe_next(next)})


@router.post("/login")
def login_form(
    request: Request,
    desk: DeskDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    response = _redirect(safe_next(next))
    try:
        with session_scope(desk.engine) as session:
            password_login(request, response, session, username, password)
    except ApiError as exc:  # wrong password (401) or too many tries (429)
        context = {"next": safe_next(next), "error": exc.message, "username": username}
        return render(request, "login.html", context, status=exc.status)
    return response


@router.post("/logout")
def logout_form() -> Response:
    response = _redirect("/login")
    logout(response)
    return response


@router.get("/setup")
def setup_page(request: Request, desk: DeskDep) -> Response:
    if _has_owner(desk):
        return _redirect("/login")
    return render(request, "setup.html", {})


@router.post("/setup")
def setup_form(
    request: Request,
    desk: DeskDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    confirm: Annotated[str, Form(max_length=1024)],
) -> Response:
    response = _redirect("/")
    try:
        if password != confirm:
            raise ValueError("the two passwords differ")
        with session_scope(desk.engine) as session:
            user = create_owner(session, username, password)
    except OwnerExists:
        return _redirect("/login")
    except ValueError as exc:
        return render(request, "setup.html", {"error": str(exc), "username": username}, status=422)
    login(request, response, user)
    return response
