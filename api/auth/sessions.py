"""Signed session cookies: {user id, issued-at, expiry, csrf token} + HMAC-SHA256.

Sessions are stateless: nothing is stored server-side, so a cookie is good until it expires
(12 h) or the secret key changes. A tampered, expired or otherwise-signed cookie is no session.
"""

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass

from fastapi import Request, Response

from store.models import UserRow

SESSION_COOKIE = "countersign_session"
SESSION_SECONDS = 12 * 60 * 60
_DOMAIN = b"countersign.session."  # keeps these signatures apart from any other use of the key


@dataclass(frozen=True)
class SessionData:
    user_id: int
    issued_at: int
    expires_at: int
    csrf: str


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), _DOMAIN + payload, hashlib.sha256).digest()


def new_session(user_id: int) -> SessionData:
    issued = int(time.time())
    return SessionData(user_id, issued, issued + SESSION_SECONDS, secrets.token_urlsafe(32))


def sign_session(secret: str, data: SessionData) -> str:
    payload = json.dumps(asdict(data), separators=(",", ":")).encode()
    return f"{_b64encode(payload)}.{_b64encode(_signature(secret, payload))}"


def decode_session(secret: str, value: str) -> SessionData | None:
    try:
        payload_text, signature_text = value.split(".")
        payload, signature = _b64decode(payload_text), _b64decode(signature_text)
        if not hmac.compare_digest(signature, _signature(secret, payload)):
            return None
        data = SessionData(**json.loads(payload))
    except (ValueError, TypeError, binascii.Error):
        return None
    return data if data.expires_at > time.time() else None


def _secret(request: Request) -> str:
    return request.app.state.settings.secret_key.get_secret_value()


def read_session(request: Request) -> SessionData | None:
    value = request.cookies.get(SESSION_COOKIE)
    return decode_session(_secret(request), value) if value else None


def _is_https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def login(request: Request, response: Response, user: UserRow) -> str:
    """Set a fresh session cookie for `user` on `response`; returns its CSRF token."""
    data = new_session(user.id)
    response.set_cookie(
        SESSION_COOKIE,
        sign_session(_secret(request), data),
        max_age=SESSION_SECONDS,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_is_https(request),
    )
    return data.csrf


def logout(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")


def csrf_token(request: Request) -> str:
    """The CSRF token of the request's session, for forms and the htmx header; "" if none."""
    session = read_session(request)
    return session.csrf if session else ""
