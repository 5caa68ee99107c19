"""The web desk: HTML pages (Jinja + htmx) over the same Desk and store queries as REST."""

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from web.guard import LoginRequired, page_user, to_login
from web.market import MarketBoard
from web.routes import (
    account,
    broker,
    control,
    dashboard,
    data,
    explain,
    history,
    ideas,
    performance,
    queue,
    run_stream,
    runs,
    settings,
    strategies,
)

STATIC_DIR = Path(__file__).parent / "static"
PAGES = (
    dashboard,
    broker,
    queue,
    runs,
    run_stream,
    ideas,
    explain,
    history,
    control,
    strategies,
    data,
    settings,
    performance,
)


def include_web(app: FastAPI) -> None:
    """Mount the pages on `app` (whose state already holds the desk): /static, the login and
    first-run pages, and every other page behind the owner's login."""
    app.state.market_board = MarketBoard(app.state.desk)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(LoginRequired, to_login)
    app.include_router(account.router, include_in_schema=False)
    for module in PAGES:
        app.include_router(
            module.router, dependencies=[Depends(page_user)], include_in_schema=False
        )
