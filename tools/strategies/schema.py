"""Strategy definitions: what a trade must satisfy before the desk may propose it.

Every model forbids unknown keys so a typo in an edited strategy is an error, not a silently
ignored rule. `parse_strategy` turns pydantic's errors into one `StrategyDefinitionError` whose
entries name the field path the way the strategy page shows it (`entry_conditions.1.rsi.below`).

Direction vocabulary (how `evaluate_strategy` decides buy or sell):
- a fixed value (bullish, above, cross_up, up, lower, ...) votes for one direction;
- `with_trend` votes for the chart's trend and fails when there is none;
- `either`/`cross` vote for whichever side the market shows (band touched, way of the cross);
- rsi with `mirror: true` and near_swing_level follow the direction the voters agree on.
"""

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tools.instruments import Instrument
from tools.timeframes import timeframe_minutes

Weekday = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
WEEKDAYS: tuple[Weekday, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _hh_mm(value: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError("expected a UTC time as HH:MM, e.g. 07:30")
    return value


def _timeframe(value: str) -> str:
    timeframe_minutes(value)  # raises ValueError naming the known timeframes
    return value.upper()


HhMm = Annotated[str, AfterValidator(_hh_mm)]
Timeframe = Annotated[str, AfterValidator(_timeframe)]


class SessionWindow(_Strict):
    """A daily UTC window; end <= start crosses midnight and belongs to the day it starts on
    (Fri 22:00-02:00 is open Sat 01:00); end == start means 24 hours from start."""

    start: HhMm
    end: HhMm
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:5]), min_length=1)

    @property
    def start_minute(self) -> int:
        return int(self.start[:2]) * 60 + int(self.start[3:])

    @property
    def end_minute(self) -> int:
        return int(self.end[:2]) * 60 + int(self.end[3:])


# --- entry conditions -------------------------------------------------------------------------


class TrendAlignment(_Strict):
    """The trend (of the chart, or of `timeframe` from the snapshot's higher timeframes).
    `range` passes when there is no trend and votes for no direction."""

    type: Literal["trend_alignment"]
    direction: Literal["bullish", "bearish", "with_trend", "range"]
    timeframe: Timeframe | None = None


class RsiCondition(_Strict):
    """RSI(14) strictly below `below` and/or strictly above `above`. Plain, it votes for no
    direction. With `mirror`, the bounds are written for buys and are mirrored around 50 for
    sells (below 30 becomes above 70); it then follows the direction the others agree on."""

    type: Literal["rsi"]
    below: float | None = Field(default=None, ge=0, le=100)
    above: float | None = Field(default=None, ge=0, le=100)
    mirror: bool = False

    @model_validator(mode="after")
    def _bounds(self) -> "RsiCondition":
        if self.below is None and self.above is None:
            raise ValueError("give at least one of below or above")
        if self.below is not None and self.above is not None and self.above >= self.below:
            raise ValueError(f"above ({self.above:g}) must be lower than below ({self.below:g})")
        return self


class PriceVsMa(_Strict):
    """Last price above (votes buy) or below (votes sell) a moving average."""

    type: Literal["price_vs_ma"]
    ma: Literal["sma_20", "sma_50", "sma_200", "ema_20", "ema_50"]
    relation: Literal["above", "below", "with_trend"]


class MacdCondition(_Strict):
    """MACD histogram (MACD minus signal). Crosses compare the previous bar's histogram with the
    latest: cross_up is prev <= 0 < now. `cross` accepts either way and votes for it."""

    type: Literal["macd"]
    signal: Literal["cross_up", "cross_down", "cross", "positive", "negative", "with_trend"]


class SupertrendCondition(_Strict):
    type: Literal["supertrend"]
    direction: Literal["up", "down", "with_trend"]


class NearSwingLevel(_Strict):
    """Price within max_atr x ATR of the last swing low (buys) or high (sells); it follows the
    direction the other conditions agree on."""

    type: Literal["near_swing_level"]
    max_atr: float = Field(gt=0, le=20)


class BollingerCondition(_Strict):
    """The last bar reached a band (its low at/below the lower, its high at/above the upper).
    Touches are faded: lower votes buy, upper votes sell; with_trend buys lower-band touches in
    an uptrend and sells upper-band touches in a downtrend; either fades whichever was touched."""

    type: Literal["bollinger"]
    touch: Literal["lower", "upper", "either", "with_trend"]


Condition = Annotated[
    TrendAlignment
    | RsiCondition
    | PriceVsMa
    | MacdCondition
    | SupertrendCondition
    | NearSwingLevel
    | BollingerCondition,
    Field(discriminator="type"),
]


def follows_direction(condition: Condition) -> bool:
    """Checked for the direction the others agree on rather than voting for one."""
    return isinstance(condition, NearSwingLevel) or (
        isinstance(condition, RsiCondition) and condition.mirror
    )


def decides_direction(condition: Condition) -> bool:
    """Can vote for buy or sell (plain rsi and trend `range` only pass or fail)."""
    return not isinstance(condition, RsiCondition | NearSwingLevel) and not (
        isinstance(condition, TrendAlignment) and condition.direction == "range"
    )


# --- exits, news, caps ------------------------------------------------------------------------


class AtrStop(_Strict):
    type: Literal["atr"]
    multiple: float = Field(gt=0, le=20)


class SwingStop(_Strict):
    """Beyond the last swing low (buys) / high (sells) by buffer_pips; ATR x 1.5 without one."""

    type: Literal["swing"]
    buffer_pips: float = Field(ge=0)


class RMultipleTarget(_Strict):
    type: Literal["r_multiple"]
    value: float = Field(gt=0, le=50)


class LevelTarget(_Strict):
    type: Literal["level"]
    price: float = Field(gt=0)


Stop = Annotated[AtrStop | SwingStop, Field(discriminator="type")]
Target = Annotated[RMultipleTarget | LevelTarget, Field(discriminator="type")]


class ExitRules(_Strict):
    stop: Stop
    targets: list[Target] = Field(min_length=1, max_length=5)
    time_limit_minutes: int | None = Field(default=None, gt=0)


def _currencies(values: list[str]) -> list[str]:
    return [v.strip().upper() for v in values]


class ForbiddenRules(_Strict):
    news_blackout_minutes: int = Field(default=30, ge=0, le=24 * 60)
    news_currencies: Annotated[list[str], AfterValidator(_currencies)] = Field(
        default_factory=list, description="Empty means the instrument's news currencies"
    )


class RiskCaps(_Strict):
    max_lots: float = Field(default=1.0, gt=0)
    max_concurrent_positions: int = Field(default=1, ge=1, le=50)


class StrategyDefinition(_Strict):
    name: str = Field(min_length=1, max_length=64)  # the strategies.name column
    description: str = Field(default="", max_length=2000)
    active: bool = Field(default=False, description="A strategy allows no trade until switched on")
    allowed_symbols: list[str] = Field(min_length=1)
    timeframe: Timeframe
    session_windows: list[SessionWindow] = Field(
        default_factory=list, description="Empty means any time"
    )
    entry_conditions: list[Condition] = Field(min_length=1)
    exit: ExitRules
    forbidden: ForbiddenRules = Field(default_factory=ForbiddenRules)
    risk_caps: RiskCaps = Field(default_factory=RiskCaps)
    expected_rr: float = Field(ge=1, le=50)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value.strip()

    @field_validator("allowed_symbols")
    @classmethod
    def _symbols(cls, values: list[str]) -> list[str]:
        symbols = [v.strip().upper() for v in values]
        if not all(symbols):
            raise ValueError("symbols must not be blank")
        return list(dict.fromkeys(symbols))

    @field_validator("entry_conditions")
    @classmethod
    def _has_direction(cls, values: list[Condition]) -> list[Condition]:
        if not any(decides_direction(c) for c in values):
            raise ValueError(
                "no condition decides buy or sell; add e.g. trend_alignment or supertrend"
            )
        return values

    def news_currencies_for(self, instrument: Instrument) -> tuple[str, ...]:
        """Currencies whose high-impact news blacks this strategy out on `instrument`."""
        return tuple(self.forbidden.news_currencies) or instrument.news_currencies


class StrategyDefinitionError(ValueError):
    """A strategy definition is invalid; `.errors` holds {"path", "message"} per problem."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        lines = "\n".join(f"  {e['path']}: {e['message']}" for e in errors)
        super().__init__(f"invalid strategy ({len(errors)} problem(s)):\n{lines}")


def parse_strategy(data: dict[str, Any]) -> StrategyDefinition:
    """Validate a strategy as written (JSON or a form); raise naming every bad field."""
    try:
        return StrategyDefinition.model_validate(data)
    except ValidationError as exc:
        raise StrategyDefinitionError(
            [
                {
                    "path": ".".join(str(part) for part in err["loc"]) or "strategy",
                    "message": err["msg"].removeprefix("Value error, "),
                }
                for err in exc.errors()
            ]
        ) from None
