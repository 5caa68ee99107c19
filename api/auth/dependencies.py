"""Who is asking: the owner behind a Bearer API token or the session cookie, or nobody.

Each lookup uses its own short unit of work rather than the request's SessionDep: on SQLite every
transaction takes the write lock, and holding it for the whole request would block the Desk's
own transactions in the same request.
"""

from typing import Annotated

from fastapi import Depends, Request

from api.auth.sessions import read_session
from api.auth.tokens import user_for_token
from api.deps import get_desk
from api.errors import ApiError
from store.db import session_scope
from store.models import UserRow


def _bearer_token(authorization: str) -> str | None:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def optional_user(request: Request) -> UserRow | None:
    """The authenticated owner, or None. An Authorization header, when sent, is the only
    credential looked at: a bad token never falls back to the cookie."""
    engine = get_desk(request).engine
    authorization = request.headers.get("authorization")
    if authorization is not None:
        token = _bearer_token(authorization)
        if token is None:
            return None
        with session_scope(engine) as session:
            return user_for_token(session, token)
    cookie_session = read_session(request)
    if cookie_session is None:
        return None
    with session_scope(engine) as session:
        return session.get(UserRow, cookie_session.user_id)


def require_user(user: Annotated[UserRow | None, Depends(optional_user)]) -> UserRow:
    if user is None:
        raise ApiError(401, "UNAUTHORIZED", "log in or send an API token (Authorization: Bearer)")
    return user


CurrentUser = Annotated[UserRow, Depends(require_user)]
