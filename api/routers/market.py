"""Market context: trading sessions and kill zones, the economic calendar and the news, as the
desk's snapshots see them."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import StringConstraints

from api.deps import DeskDep, SettingsDep
from api.errors import ApiError
from api.routers.params import MomentQuery, SymbolQuery
from tools.calendar import CalendarResult, Impact
from tools.errors import UnknownInstrumentError
from tools.news import NewsResult
from tools.sessions import SessionState, session_state

router = APIRouter(tags=["market"])

CurrencyQuery = Annotated[
    list[Annotated[str, StringConstraints(to_upper=True, pattern="^[A-Za-z]{3}$")]] | None,
    Query(description="Repeat for several, e.g. USD"),
]


@router.get("/market/session", summary="Open sessions and the ICT kill zone at a moment")
def get_session(desk: DeskDep, at: MomentQuery = None) -> SessionState:
    return session_state(at or desk.clock(), desk.snapshots.windows)


@router.get("/calendar", summary="Economic events around a moment (the snapshot's window)")
def get_calendar(
    desk: DeskDep,
    at: MomentQuery = None,
    currency: CurrencyQuery = None,
    impact: Annotated[list[Impact] | None, Query(description="Repeat for several")] = None,
) -> CalendarResult:
    result = desk.snapshots.calendar(at or desk.clock())
    events = [
        e
        for e in result.events
        if (not currency or e.currency.upper() in currency) and (not impact or e.impact in impact)
    ]
    return result.model_copy(update={"events": events})


@router.get("/news", summary="Recent headlines for a symbol, or for the whole watchlist")
def get_news(
    desk: DeskDep, settings: SettingsDep, symbol: SymbolQuery = None, at: MomentQuery = None
) -> NewsResult:
    moment = at or desk.clock()
    try:
        symbols = [symbol] if symbol else settings.watchlist
        instruments = [desk.instruments.get(s) for s in symbols]
    except UnknownInstrumentError as exc:
        raise ApiError(422, "INVALID_INPUT", str(exc), {"symbol": symbol}) from None
    currencies = sorted({c for i in instruments for c in i.news_currencies})
    # Without a symbol, "" matches no symbol tag: headlines are picked by currency alone.
    return desk.snapshots.news(symbol or "", currencies, moment)
