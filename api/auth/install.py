"""Attach auth to an app: limiters, the rate-limit error, CSRF and security-header middleware,
and the auth routes."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.auth.csrf import CsrfMiddleware
from api.auth.headers import SecurityHeadersMiddleware
from api.auth.rate_limit import AuthLimits, RateLimited
from api.auth.routes import router
from api.errors import error_body


async def _rate_limited(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    return JSONResponse(
        error_body(exc.code, exc.message, exc.details),
        exc.status,
        headers={"Retry-After": str(exc.retry_after)},
    )


def install_auth(app: FastAPI) -> None:
    app.state.auth_limits = AuthLimits()
    app.add_exception_handler(RateLimited, _rate_limited)
    app.add_middleware(CsrfMiddleware)
    # Added last, so outermost: the CSRF refusals get the headers too.
    app.add_middleware(SecurityHeadersMiddleware)
    app.include_router(router)
