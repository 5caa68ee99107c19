"""Auth for the web desk and REST: one owner, cookie sessions with CSRF, Bearer API tokens,
rate limits and security headers. Routers protect themselves with `Depends(require_user)`."""

from api.auth.accounts import OwnerExists, authenticate, create_owner, owner_exists
from api.auth.csrf import CSRF_FIELD, CSRF_HEADER, CsrfMiddleware
from api.auth.dependencies import CurrentUser, optional_user, require_user
from api.auth.exposure import warn_if_exposed
from api.auth.install import install_auth
from api.auth.password_login import password_login
from api.auth.rate_limit import RateLimited, execution_rate_limit
from api.auth.sessions import SESSION_COOKIE, csrf_token, login, logout
from api.auth.tokens import create_api_token

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "CsrfMiddleware",
    "CurrentUser",
    "OwnerExists",
    "RateLimited",
    "authenticate",
    "create_api_token",
    "create_owner",
    "csrf_token",
    "execution_rate_limit",
    "install_auth",
    "login",
    "logout",
    "optional_user",
    "owner_exists",
    "password_login",
    "require_user",
    "warn_if_exposed",
]
