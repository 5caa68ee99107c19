"""CSRF protection for cookie sessions: every unsafe request must echo the session's token.

Accepted from the `X-CSRF-Token` header (htmx, fetch) or the `csrf_token` form field. Requests
with an Authorization header carry their own credential and need none; requests without a valid
session cookie are anonymous, and the routes that need a user refuse them with 401.
"""

import hmac

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth.sessions import read_session
from api.errors import error_body

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_MESSAGE = "missing or wrong CSRF token; reload the page and try again"
_PAGE = (
    "<!doctype html><title>Request refused</title><h1>Request refused</h1>"
    f"<p>{_MESSAGE}.</p><p><a href='/'>Back to the desk</a></p>"
)


async def _read_body(receive: Receive) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands out the already-read body once, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _form_token(scope: Scope, body: bytes, receive: Receive) -> str | None:
    form = await Request(scope, _replay(body, receive)).form()
    try:
        value = form.get(CSRF_FIELD)
        return None if isinstance(value, UploadFile) else value
    finally:
        await form.close()


def _refusal(path: str) -> Response:
    if path.startswith("/api/"):
        return JSONResponse(error_body("CSRF_FAILED", _MESSAGE), 403)
    return HTMLResponse(_PAGE, 403)


class CsrfMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        session = None if "authorization" in request.headers else read_session(request)
        if session is None:
            await self.app(scope, receive, send)
            return
        sent = request.headers.get(CSRF_HEADER)
        content_type = request.headers.get("content-type", "")
        if sent is None and content_type.startswith(_FORM_TYPES):
            body = await _read_body(receive)
            sent = await _form_token(scope, body, receive)
            receive = _replay(body, receive)
        if sent is None or not hmac.compare_digest(sent.encode(), session.csrf.encode()):
            await _refusal(scope["path"])(scope, receive, send)
            return
        await self.app(scope, receive, send)
