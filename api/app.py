"""The FastAPI application factory: REST under /api/v1 and the web desk, over one Desk."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.auth import install_auth
from api.errors import install_error_handlers
from api.routers.v1 import include_api_routers
from orchestrator.cycle import CycleRunner, model_set
from orchestrator.desk import Desk
from orchestrator.scheduler import Scheduler, reconcile_forever
from orchestrator.settings import Settings, load_settings
from store.db import make_engine
from store.migrate import upgrade
from web import include_web

log = logging.getLogger("countersign")


def create_app(settings: Settings | None = None, *, desk: Desk | None = None) -> FastAPI:
    """Build the app. Migrations run here so every front door starts on a current schema."""
    settings = settings or load_settings()
    if desk is None:
        upgrade(settings.database_url)
        desk = Desk(make_engine(settings.database_url), settings)

    models = model_set(settings)
    runner = CycleRunner(desk, models)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configured = await asyncio.to_thread(desk.apply_configured_broker)
        if configured is not None and not configured.active:
            log.error("broker %s not in use: %s", configured.name, configured.message)
        loops = []
        if settings.run_scheduler:
            loops = [
                asyncio.create_task(Scheduler(runner).run_forever(), name="scheduler"),
                asyncio.create_task(reconcile_forever(desk), name="reconciliation"),
            ]
            log.info(
                "scheduler on: cycles for %s at every %s close, reconciliation every %gs",
                ", ".join(settings.watchlist),
                settings.timeframe,
                settings.brokers.reconcile_interval_seconds,
            )
        yield
        for loop in loops:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        await models.aclose()
        desk.brokers.close()

    app = FastAPI(
        title="Countersign",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.desk = desk
    app.state.runner = runner  # "run a cycle now", live transcripts (runner.live)
    install_error_handlers(app)
    install_auth(app)  # auth: limiters, CSRF + security-header middleware, /api/v1/auth, tokens

    # REST: every /api/v1 router (api/routers/v1.py), each behind require_user.
    include_api_routers(app)

    # Web pages (web/): login and first run, every other page behind the owner's login.
    include_web(app)
    return app
