"""Price bars: CSV loading, validation, no-look-ahead cuts, resampling, and the feeds.

Bars are a DataFrame indexed by a tz-aware UTC DatetimeIndex named "time" holding each bar's
OPEN time, with float columns open, high, low, close, volume (volume 0.0 when the source has
none). A bar closes at open time + its timeframe.

CONTRACT:
    load_csv(source, *, timezone="UTC", min_bars=0) -> DataFrame
    validate_bars(df, *, min_bars=0, source="bars") -> None   # raises BarDataError naming the row
    bars_as_of(df, as_of, timeframe) -> DataFrame              # only bars closed at or before as_of
    resample_bars(df, timeframe, *, as_of=None, source_timeframe=None) -> DataFrame
    infer_timeframe(index) -> str                              # from the median bar spacing
    class MarketDataSource(Protocol): bars(symbol, timeframe, as_of, count) -> DataFrame
    class CsvFeed(paths, timezone="UTC"), ReplayFeed(df, timeframe=...)
    (the synthetic DemoFeed lives in tools.demo_feed)

CSV: the time column is timestamp, datetime, date + time (joined, as MetaTrader exports), date,
time (any letter case) or an unnamed first column (what `DataFrame.to_csv` writes). Naive times
are read in `timezone`; times carrying an offset are converted. Volume may be called volume,
tick_volume, tickvol or vol; blank volume cells read as 0. Errors name the file and the 1-based
data row (row 1 is the line after the header).

Resampling: buckets are aligned to UTC midnight. Only complete buckets come back: a bucket is
complete when it closes at or before `as_of` (default: the close of the last source bar), and a
leading bucket the data starts inside of is dropped, as its open would be wrong.

Feeds return at most `count` most recent bars closed at or before `as_of` (tz-aware), building
higher timeframes from the source bars.
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO, Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from tools.errors import BarDataError, FeedError
from tools.timeframes import known_timeframes, timeframe_minutes, timeframe_offset

PRICES = ("open", "high", "low", "close")
COLUMNS = (*PRICES, "volume")
_TIME_NAMES = ("timestamp", "datetime", "date", "time")
_VOLUME_NAMES = ("volume", "tick_volume", "tickvol", "vol")
_UNIT = "us"  # pandas 3's default resolution; one unit everywhere keeps frames comparable


def load_csv(source: str | Path | IO, *, timezone: str = "UTC", min_bars: int = 0) -> pd.DataFrame:
    """Read bars from a CSV path or open file, validate them, and return them in UTC."""
    name = str(source) if isinstance(source, str | Path) else getattr(source, "name", "<stream>")
    zone = _zone(timezone)
    raw = _read(source, name)
    index = _parse_times(_time_values(raw, name), name, zone)
    bars = pd.DataFrame({col: _numbers(raw, col, name) for col in PRICES}, index=index)
    bars["volume"] = _volume(raw)
    validate_bars(bars, min_bars=min_bars, source=name)
    return bars


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {timezone!r}") from None


def _read(source: str | Path | IO, name: str) -> pd.DataFrame:
    if isinstance(source, str | Path) and not Path(source).is_file():
        raise BarDataError(f"{name}: file not found")
    try:
        raw = pd.read_csv(source, skipinitialspace=True)
    except (OSError, ValueError) as exc:  # pandas parse errors are ValueErrors
        raise BarDataError(f"{name}: cannot read CSV: {' '.join(str(exc).split())}") from None
    raw.columns = [str(col).strip().lower() for col in raw.columns]
    return raw


def _time_values(raw: pd.DataFrame, name: str) -> pd.Series:
    cols = set(raw.columns)
    if "date" in cols and "time" in cols and not {"timestamp", "datetime"} & cols:
        return raw["date"].astype(str) + " " + raw["time"].astype(str)
    for col in _TIME_NAMES:
        if col in cols:
            return raw[col]
    if raw.columns[0] == "unnamed: 0":  # pandas' name for an empty header cell
        return raw.iloc[:, 0]
    raise BarDataError(
        f"{name}: missing time column (timestamp, datetime, date or time, "
        "or an unnamed first column)"
    )


def _parse_times(values: pd.Series, name: str, zone: ZoneInfo) -> pd.DatetimeIndex:
    try:
        parsed = pd.to_datetime(values, errors="coerce")
    except ValueError:  # several UTC offsets (e.g. across DST) cannot share one naive dtype
        parsed = pd.to_datetime(values, errors="coerce", utc=True)
    bad = np.flatnonzero(parsed.isna())
    if bad.size:
        row = int(bad[0])
        raise BarDataError(f"{name}: row {row + 1}: cannot read time {values.iloc[row]!r}")
    index = pd.DatetimeIndex(parsed)
    if index.tz is None:
        try:
            index = index.tz_localize(zone, ambiguous="infer")
        except ValueError as exc:
            raise BarDataError(f"{name}: times read as {zone.key}: {exc}") from None
    return index.tz_convert("UTC").as_unit(_UNIT).rename("time")


def _numbers(raw: pd.DataFrame, col: str, name: str) -> np.ndarray:
    if col not in raw.columns:
        found = ", ".join(map(str, raw.columns))
        raise BarDataError(f"{name}: missing column {col!r} (found: {found})")
    return pd.to_numeric(raw[col], errors="coerce").to_numpy(dtype=float)


def _volume(raw: pd.DataFrame) -> np.ndarray:
    col = next((c for c in _VOLUME_NAMES if c in raw.columns), None)
    if col is None:
        return np.zeros(len(raw))
    volume = pd.to_numeric(raw[col], errors="coerce").to_numpy(dtype=float)
    return np.where(raw[col].isna(), 0.0, volume)  # blank means "not recorded"; junk stays NaN


def validate_bars(df: pd.DataFrame, *, min_bars: int = 0, source: str = "bars") -> None:
    """Raise BarDataError naming the first bad row (1-based) and its time, or too few bars."""
    missing = [col for col in COLUMNS if col not in df.columns]
    if missing:
        raise BarDataError(f"{source}: missing column {missing[0]!r}")
    if not isinstance(df.index, pd.DatetimeIndex):
        raise BarDataError(f"{source}: bars must be indexed by time")
    rules = _row_rules(df)
    bad = np.logical_or.reduce([mask for mask, _ in rules])
    if bad.any():
        row = int(np.argmax(bad))
        message = next(describe(row) for mask, describe in rules if mask[row])
        more = int(bad.sum()) - 1
        suffix = f" (and {more} more bad rows)" if more else ""
        stamp = df.index[row].isoformat(sep=" ") if df.index[row] is not pd.NaT else "no time"
        raise BarDataError(f"{source}: row {row + 1} ({stamp}): {message}{suffix}")
    if len(df) < min_bars:
        raise BarDataError(f"{source}: {len(df)} bars found, {min_bars} needed")


def _row_rules(df: pd.DataFrame) -> list[tuple[np.ndarray, Callable[[int], str]]]:
    """(mask of offending rows, row -> message) in the order a row's problems are reported."""
    o, h, low, c, v = (df[col].to_numpy(dtype=float) for col in COLUMNS)
    t = df.index
    earlier = np.zeros(len(t), dtype=bool)
    earlier[1:] = t[1:] < t[:-1]

    def first_with_same_time(row: int) -> int:
        return int(np.flatnonzero(t == t[row])[0]) + 1

    rules: list[tuple[np.ndarray, Callable[[int], str]]] = [(t.isna(), lambda r: "time is missing")]
    rules += [
        (np.isnan(x), lambda r, n=n: f"{n} is missing or not a number")
        for n, x in zip(PRICES, (o, h, low, c), strict=True)
    ]
    rules += [
        (x <= 0, lambda r, n=n, x=x: f"{n} {x[r]} is not positive")
        for n, x in zip(PRICES, (o, h, low, c), strict=True)
    ]
    rules += [
        (h < low, lambda r: f"high {h[r]} is below low {low[r]}"),
        (h < o, lambda r: f"high {h[r]} is below open {o[r]}"),
        (h < c, lambda r: f"high {h[r]} is below close {c[r]}"),
        (low > o, lambda r: f"low {low[r]} is above open {o[r]}"),
        (low > c, lambda r: f"low {low[r]} is above close {c[r]}"),
        (np.isnan(v), lambda r: "volume is not a number"),
        (v < 0, lambda r: f"volume {v[r]} is negative"),
        (t.duplicated(), lambda r: f"duplicate time (same as row {first_with_same_time(r)})"),
        (earlier, lambda r: f"time is earlier than row {r} ({t[r - 1].isoformat(sep=' ')})"),
    ]
    return rules


def bars_as_of(df: pd.DataFrame, as_of: datetime, timeframe: str) -> pd.DataFrame:
    """Bars whose close (open + timeframe) is at or before `as_of`: nothing from the future."""
    cutoff = _utc(as_of) - timeframe_offset(timeframe)
    return df.iloc[: df.index.searchsorted(cutoff, side="right")]


def _utc(as_of: datetime) -> pd.Timestamp:
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError(f"as_of must be timezone-aware, got naive {as_of}")
    return pd.Timestamp(as_of).tz_convert("UTC")


def infer_timeframe(index: pd.DatetimeIndex) -> str:
    """The timeframe matching the median spacing of `index` (robust to weekend gaps)."""
    if len(index) < 2:
        raise ValueError("need at least two bars to infer their timeframe")
    minutes = index.to_series().diff().median() / pd.Timedelta(minutes=1)
    by_minutes = {timeframe_minutes(tf): tf for tf in known_timeframes()}
    if minutes not in by_minutes:
        raise ValueError(f"bar spacing of {minutes:g} minutes is not a known timeframe")
    return by_minutes[int(minutes)]


def resample_bars(
    df: pd.DataFrame,
    timeframe: str,
    *,
    as_of: datetime | None = None,
    source_timeframe: str | None = None,
) -> pd.DataFrame:
    """Complete `timeframe` bars built from `df` (source timeframe inferred unless given)."""
    source = source_timeframe or infer_timeframe(df.index)
    buckets = _aggregate(df, timeframe, source)
    if as_of is None:
        if df.empty:
            return buckets
        as_of = df.index[-1] + timeframe_offset(source)
    return bars_as_of(buckets, as_of, timeframe)


def _aggregate(df: pd.DataFrame, timeframe: str, source: str) -> pd.DataFrame:
    """Every bucket that has bars, complete or not, except a leading partial one."""
    target, step = timeframe_minutes(timeframe), timeframe_minutes(source)
    if target < step or target % step:
        raise ValueError(f"cannot build {timeframe} bars from {source} bars")
    if df.empty:
        return df.copy()
    keys = df.index.floor(f"{target}min")
    buckets = df.groupby(keys).agg(
        open=("open", "first"),
        high=("high", "max"),
        low=("low", "min"),
        close=("close", "last"),
        volume=("volume", "sum"),
    )
    buckets.index.name = "time"
    return buckets.iloc[1:] if df.index[0] != keys[0] else buckets


@runtime_checkable
class MarketDataSource(Protocol):
    def bars(self, symbol: str, timeframe: str, as_of: datetime, count: int) -> pd.DataFrame:
        """At most `count` most recent `timeframe` bars closed at or before `as_of`."""
        ...


class _History:
    """One symbol's source bars plus their higher-timeframe buckets, built once each."""

    def __init__(self, df: pd.DataFrame, timeframe: str) -> None:
        self.df = df
        self.timeframe = timeframe.upper()
        self._buckets: dict[str, pd.DataFrame] = {self.timeframe: df}

    def bars(self, timeframe: str, as_of: datetime, count: int) -> pd.DataFrame:
        if count < 0:
            raise ValueError(f"count must not be negative, got {count}")
        key = timeframe.upper()
        if key not in self._buckets:
            self._buckets[key] = _aggregate(self.df, key, self.timeframe)
        # A bucket closing by as_of holds only bars closing by as_of, so cutting is enough.
        return bars_as_of(self._buckets[key], as_of, key).tail(count)


class CsvFeed:
    """One CSV per symbol, loaded on first use and kept; unknown symbols raise FeedError."""

    def __init__(self, paths: Mapping[str, Path], timezone: str = "UTC") -> None:
        self._paths = {symbol.upper(): Path(path) for symbol, path in paths.items()}
        self._timezone = timezone
        self._loaded: dict[str, _History] = {}

    def bars(self, symbol: str, timeframe: str, as_of: datetime, count: int) -> pd.DataFrame:
        return self._history(symbol).bars(timeframe, as_of, count)

    def _history(self, symbol: str) -> _History:
        key = symbol.upper()
        if key not in self._loaded:
            if key not in self._paths:
                raise FeedError(f"no CSV file is configured for {symbol}")
            df = load_csv(self._paths[key], timezone=self._timezone)
            self._loaded[key] = _History(df, infer_timeframe(df.index))
        return self._loaded[key]


class ReplayFeed:
    """Walks loaded bars forward one at a time; `now` is the close of the current bar and no
    answer ever includes a bar closing after it, whatever as_of is asked for. Given `symbol`,
    it refuses requests for any other symbol instead of answering with the wrong prices."""

    def __init__(
        self,
        df: pd.DataFrame,
        *,
        timeframe: str,
        start_index: int = 0,
        symbol: str | None = None,
    ) -> None:
        if not 0 <= start_index < len(df):
            raise ValueError(f"start_index {start_index} is outside the {len(df)} bars")
        self._history = _History(df, timeframe)
        self._position = start_index
        self._symbol = symbol.upper() if symbol else None

    @property
    def now(self) -> pd.Timestamp:
        return self._history.df.index[self._position] + timeframe_offset(self._history.timeframe)

    def step(self) -> bool:
        """Move to the next bar; False (and no move) when already at the last one."""
        if self._position + 1 >= len(self._history.df):
            return False
        self._position += 1
        return True

    def bars(self, symbol: str, timeframe: str, as_of: datetime, count: int) -> pd.DataFrame:
        if self._symbol and symbol.upper() != self._symbol:
            raise FeedError(f"this replay holds {self._symbol}, not {symbol}")
        return self._history.bars(timeframe, min(_utc(as_of), self.now), count)
