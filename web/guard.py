"""Pages need the owner logged in: anyone else is sent to the login page, not given JSON."""

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from api.auth import optional_user
from store.models import UserRow


class LoginRequired(Exception):
    """Raised by page routes for an anonymous request; answered with a redirect to /login."""


def page_user(user: Annotated[UserRow | None, Depends(optional_user)]) -> UserRow:
    if user is None:
        raise LoginRequired()
    return user


PageUser = Annotated[UserRow, Depends(page_user)]


def actor(user: UserRow) -> str:
    """How the desk's decision rows name the owner's acts."""
    return f"human:{user.username}"


def safe_next(target: str | None) -> str:
    """Only a path on this site is a place to go after logging in (no //evil.example)."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


async def to_login(request: Request, _: Exception) -> Response:
    if request.headers.get("HX-Request") == "true":  # htmx would swap a login page into a row
        return Response(status_code=204, headers={"HX-Redirect": "/login"})
    target = quote(safe_next(request.url.path), safe="/")
    return RedirectResponse(f"/login?next={target}", status_code=303)
