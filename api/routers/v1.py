"""REST under /api/v1: every router, behind authentication (401 without a user)."""

from fastapi import APIRouter, Depends, FastAPI

from api.auth.dependencies import require_user
from api.routers import (
    agents,
    analysis,
    brokers,
    controls,
    decisions,
    explain,
    ideas,
    indicators,
    market,
    performance,
    rules,
    runs,
    strategies,
    trading,
)
from api.schemas.common import error_responses

PREFIX = "/api/v1"
ROUTERS: tuple[APIRouter, ...] = (
    analysis.router,
    ideas.router,
    decisions.router,
    explain.router,
    rules.router,
    strategies.router,
    controls.router,
    trading.router,
    brokers.router,
    market.router,
    indicators.router,
    agents.router,
    runs.router,
    performance.router,
)


def include_api_routers(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(
            router,
            prefix=PREFIX,
            dependencies=[Depends(require_user)],
            responses=error_responses(401, 422),
        )
