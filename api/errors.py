"""One error shape for every REST failure: {"error": {"code", "message", "details"}}."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from orchestrator.errors import (
    AiHalted,
    BrokerExecutionFailed,
    BrokerUnavailable,
    ConfirmationRequired,
    DeskError,
    IdeaNotPending,
    InvalidInput,
    NotFound,
    RiskViolation,
    StrategyExists,
)
from orchestrator.state_machines import IllegalTransition

_STATUS: dict[type[DeskError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    AiHalted: 409,
    RiskViolation: 409,
    ConfirmationRequired: 409,
    IdeaNotPending: 409,
    StrategyExists: 409,
    BrokerExecutionFailed: 502,
    BrokerUnavailable: 503,
}
_HTTP_CODES = {
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    429: "RATE_LIMITED",
}


class ApiError(Exception):
    """Raised by routes for errors that are not the desk's (auth, rate limits, lookups)."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or {}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.details), exc.status)

    @app.exception_handler(DeskError)
    async def _desk_error(_: Request, exc: DeskError) -> JSONResponse:
        status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 400)
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status)

    @app.exception_handler(IllegalTransition)
    async def _illegal(_: Request, exc: IllegalTransition) -> JSONResponse:
        return JSONResponse(error_body("ILLEGAL_TRANSITION", str(exc)), 409)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"path": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        message = "; ".join(f"{p['path']}: {p['message']}" for p in problems)
        return JSONResponse(error_body("INVALID_INPUT", message, {"errors": problems}), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        return JSONResponse(
            error_body(code, str(exc.detail)),
            exc.status_code,
            headers=getattr(exc, "headers", None),
        )
