"""Indicators: the latest readings per watchlist symbol, and a calculator for bars you send."""

from datetime import UTC

import pandas as pd
from fastapi import APIRouter

from api.deps import DeskDep, SettingsDep
from api.errors import ApiError
from api.routers.params import SymbolQuery
from api.routers.snapshots import fresh_snapshot
from api.schemas.common import ErrorDetail
from api.schemas.market import (
    IndicatorItem,
    IndicatorList,
    IndicatorReading,
    IndicatorRequest,
    IndicatorResult,
    IndicatorRow,
)
from orchestrator.desk import Desk
from tools.errors import ToolError
from tools.indicators import compute_indicators, indicator_series
from tools.market_data import validate_bars

router = APIRouter(prefix="/indicators", tags=["indicators"])


def _reading(desk: Desk, symbol: str) -> IndicatorItem:
    try:
        snapshot = fresh_snapshot(desk, symbol)
    except ApiError as exc:
        error = ErrorDetail(code=exc.code, message=exc.message, details=exc.details)
        return IndicatorItem(symbol=symbol, reading=None, error=error)
    reading = IndicatorReading(
        symbol=snapshot.symbol,
        timeframe=snapshot.timeframe,
        as_of=snapshot.as_of,
        last_price=snapshot.last_price,
        trend=snapshot.structure.trend,
        indicators=snapshot.indicators,
        higher_timeframes={v.timeframe: v.trend for v in snapshot.higher_timeframes},
    )
    return IndicatorItem(symbol=snapshot.symbol, reading=reading, error=None)


@router.get("", summary="Latest indicators per watchlist symbol (or for one symbol)")
def list_indicators(
    desk: DeskDep, settings: SettingsDep, symbol: SymbolQuery = None
) -> IndicatorList:
    symbols = [symbol] if symbol else settings.watchlist
    return IndicatorList(items=[_reading(desk, s) for s in symbols])


def _frame(body: IndicatorRequest) -> pd.DataFrame:
    rows = [bar.model_dump(exclude={"time"}) for bar in body.bars]
    index = pd.DatetimeIndex([bar.time.astimezone(UTC) for bar in body.bars], name="time")
    return pd.DataFrame(rows, index=index.as_unit("us"))


@router.post("/calculate", summary="Indicator values for the bars sent (malformed rows named)")
def calculate_indicators(body: IndicatorRequest) -> IndicatorResult:
    bars = _frame(body)
    try:
        validate_bars(bars, source="bars")
        latest = compute_indicators(bars)
        series = indicator_series(bars) if body.include_series else None
    except ToolError as exc:
        message = str(exc)
        raise ApiError(
            422, "INVALID_INPUT", message, {"errors": [{"path": "bars", "message": message}]}
        ) from None
    rows = None
    if series is not None:
        records = series.astype(object).where(series.notna(), None).to_dict("records")
        rows = [IndicatorRow(time=t, **r) for t, r in zip(series.index, records, strict=True)]
    return IndicatorResult(bars=len(bars), latest=latest, series=rows)
