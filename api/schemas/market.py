"""Market context: sessions and kill zones, calendar, news, indicators."""

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import MAX_PRICE, ErrorDetail, RequestModel
from tools.indicators import IndicatorSet
from tools.structure import Trend

MAX_BARS = 5_000


class IndicatorReading(BaseModel):
    symbol: str
    timeframe: str
    as_of: datetime
    last_price: float
    trend: Trend
    indicators: IndicatorSet
    higher_timeframes: dict[str, Trend | None] = Field(description="Trend per higher timeframe")


class IndicatorItem(BaseModel):
    symbol: str
    reading: IndicatorReading | None
    error: ErrorDetail | None = Field(description="Why this symbol has no reading")


class IndicatorList(BaseModel):
    items: list[IndicatorItem]


class BarIn(RequestModel):
    """One price bar; the checks a bar must pass (high >= low, ...) name the row that fails."""

    time: AwareDatetime = Field(description="Bar open time with a UTC offset")
    open: float = Field(ge=-MAX_PRICE, le=MAX_PRICE)
    high: float = Field(ge=-MAX_PRICE, le=MAX_PRICE)
    low: float = Field(ge=-MAX_PRICE, le=MAX_PRICE)
    close: float = Field(ge=-MAX_PRICE, le=MAX_PRICE)
    volume: float = Field(default=0.0, ge=-MAX_PRICE, le=MAX_PRICE)


class IndicatorRequest(RequestModel):
    bars: list[BarIn] = Field(min_length=1, max_length=MAX_BARS, description="Oldest first")
    include_series: bool = Field(default=False, description="Also return every bar's values")


class IndicatorRow(IndicatorSet):
    time: datetime


class IndicatorResult(BaseModel):
    bars: int
    latest: IndicatorSet = Field(description="Values on the last bar; None where bars are too few")
    series: list[IndicatorRow] | None = Field(description="Per bar, when include_series is true")
