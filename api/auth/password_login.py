"""Logging in with a password, shared by the JSON endpoint and the web login form."""

import logging

from fastapi import Request, Response
from sqlmodel import Session

from api.auth.accounts import authenticate
from api.auth.rate_limit import auth_limits, client_ip
from api.auth.sessions import login
from api.errors import ApiError

log = logging.getLogger("countersign.auth")


def password_login(
    request: Request, response: Response, session: Session, username: str, password: str
) -> str:
    """Check the password and set the session cookie on `response`; returns the CSRF token.

    Raises RateLimited after too many failures from this client, ApiError(401) on a mismatch.
    """
    limiter, ip = auth_limits(request).login, client_ip(request)
    limiter.check(ip)
    user = authenticate(session, username, password)
    if user is None:
        limiter.record(ip)
        # The attempted username can be a mistyped password: neither goes in the log.
        log.warning("failed login from %s", ip)
        raise ApiError(401, "UNAUTHORIZED", "wrong username or password")
    return login(request, response, user)
