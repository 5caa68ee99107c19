"""The synthetic demo feed: seeded bars for any known instrument, with trends, ranges,
volatility clusters, session rhythm and weekend gaps.

CONTRACT:
    class DemoFeed(seed=7, base_timeframe="H1", instruments=None)   # a MarketDataSource

DemoFeed returns at most `count` most recent bars closed at or before `as_of` (tz-aware),
building higher timeframes from its base bars. It is deterministic per (seed, symbol, bar time):
it generates forward from a fixed epoch in fixed blocks, so what a bar looks like never depends
on the as_of or count that first asked for it.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from tools.instruments import AssetClass, Instrument, InstrumentRegistry
from tools.market_data import _UNIT, _History, _utc
from tools.timeframes import timeframe_minutes

_EPOCH = pd.Timestamp("2024-01-01", tz="UTC")  # a Monday; every demo series starts here
_BLOCK = 2048  # slots per generated block; small enough that phi ** -n stays finite in _ar1
# fmt: off
_LEVELS = {
    "EURUSD": 1.08, "GBPUSD": 1.27, "AUDUSD": 0.66, "NZDUSD": 0.61, "USDCAD": 1.36,
    "USDCHF": 0.88, "EURGBP": 0.85, "EURCHF": 0.95, "USDJPY": 150.0, "EURJPY": 162.0,
    "GBPJPY": 190.0, "XAUUSD": 2350.0, "XAGUSD": 28.0, "US30": 39000.0, "NAS100": 18000.0,
    "SPX500": 5200.0, "GER40": 18000.0, "UK100": 8000.0, "AAPL": 190.0, "MSFT": 420.0,
    "NVDA": 120.0, "AMZN": 180.0, "TSLA": 200.0, "SPY": 520.0,
}
# Per asset class: typical hourly log volatility and hourly (tick) volume.
_HOURLY = {
    AssetClass.FX: (0.0008, 1800.0), AssetClass.METAL: (0.0018, 3500.0),
    AssetClass.INDEX: (0.0016, 5000.0), AssetClass.STOCK: (0.0035, 400_000.0),
    AssetClass.CRYPTO: (0.006, 900.0),
}
# Relative activity by UTC hour: quiet Asia, busy London and the London/New York overlap.
_SESSION = np.array([0.6, 0.5, 0.5, 0.5, 0.6, 0.6, 0.8, 1.2, 1.4, 1.3, 1.2, 1.1,
                     1.3, 1.6, 1.6, 1.4, 1.2, 1.0, 0.8, 0.7, 0.6, 0.5, 0.5, 0.6])
# fmt: on
_SESSION = _SESSION / _SESSION.mean()
_RANGE, _UP, _DOWN = 0, 1, 2
_REGIME_HOURS = 60.0  # mean regime length
_TREND_DRIFT = 0.12  # drift of a trend regime, in units of the bar's volatility
_VOL_PHI, _VOL_SHOCK = 0.98, 0.07  # log-volatility AR(1): clusters with a ~0.35 spread
_RANGE_PHI = 0.97  # ranges oscillate as an AR(1) swing around where they began
_WEEKEND_DAMPING = 0.05  # closed-market slots move a little: a small Monday gap
_WICK = 0.6


def _level(instrument: Instrument, key: int) -> float:
    if instrument.symbol in _LEVELS:
        return _LEVELS[instrument.symbol]
    return {
        AssetClass.FX: 150.0 if instrument.quote_currency == "JPY" else 1.0,
        AssetClass.METAL: 100.0,
        AssetClass.INDEX: 10_000.0,
        AssetClass.STOCK: 100.0 + key % 400,
        AssetClass.CRYPTO: 30_000.0,
    }[instrument.asset_class]


def _stable_key(symbol: str) -> int:
    """Symbol -> 64-bit int that, unlike hash(), is the same in every process."""
    return int.from_bytes(hashlib.sha256(symbol.encode()).digest()[:8], "big")


def _ar1(shocks: np.ndarray, phi: float, start: float) -> np.ndarray:
    """x[t] = phi * x[t-1] + shocks[t] with x[-1] = start, in closed form so it vectorizes."""
    powers = phi ** np.arange(len(shocks))
    return powers * (phi * start + np.cumsum(shocks / powers))


@dataclass(frozen=True)
class _State:
    """What carries from one block to the next."""

    log_close: float
    log_vol: float = 0.0
    swing: float = 0.0
    regime: int = _RANGE


class _DemoSeries:
    """One symbol's synthetic bars, grown block by block from the epoch as later times are
    asked for; each block's randomness depends only on (seed, symbol, timeframe, block)."""

    def __init__(self, instrument: Instrument, seed: int, timeframe: str) -> None:
        self._key = _stable_key(instrument.symbol)
        self._seed, self._timeframe = seed, timeframe
        self._minutes = timeframe_minutes(timeframe)
        self._precision = instrument.precision
        self._log_level = np.log(_level(instrument, self._key))
        hourly_vol, hourly_volume = _HOURLY[instrument.asset_class]
        self._sigma = hourly_vol * np.sqrt(self._minutes / 60)
        self._volume = hourly_volume * self._minutes / 60
        self._weekends = instrument.asset_class is AssetClass.CRYPTO
        self._blocks: list[pd.DataFrame] = []
        self._state = _State(log_close=self._log_level)
        self._history: _History | None = None

    def until(self, as_of: pd.Timestamp) -> _History:
        """The history generated at least up to `as_of`."""
        span = pd.Timedelta(minutes=self._minutes * _BLOCK)
        while not self._blocks or _EPOCH + span * len(self._blocks) < as_of:
            self._blocks.append(self._next_block())
            self._history = None
        if self._history is None:
            self._history = _History(pd.concat(self._blocks), self._timeframe)
        return self._history

    def _next_block(self) -> pd.DataFrame:
        rng = np.random.default_rng([self._seed, self._key, self._minutes, len(self._blocks)])
        slots = len(self._blocks) * _BLOCK + np.arange(_BLOCK)
        times = pd.DatetimeIndex(_EPOCH + pd.to_timedelta(slots * self._minutes, unit="min"))
        state, shocks = self._state, rng.standard_normal(_BLOCK)
        log_vol = _ar1(_VOL_SHOCK * rng.standard_normal(_BLOCK), _VOL_PHI, state.log_vol)
        activity = _SESSION[times.hour] if self._minutes < 1440 else np.ones(_BLOCK)
        sigma = self._sigma * activity * np.exp(log_vol)
        swing = _ar1(shocks, _RANGE_PHI, state.swing)
        regime = self._regimes(rng, state)
        drift = _TREND_DRIFT * ((regime == _UP).astype(float) - (regime == _DOWN))
        steps = np.where(regime == _RANGE, np.diff(swing, prepend=state.swing), shocks + drift)
        open_market = self._weekends | (times.day_of_week < 5)
        log_close = state.log_close + np.cumsum(
            sigma * steps * np.where(open_market, 1.0, _WEEKEND_DAMPING)
        )
        self._state = _State(log_close[-1], log_vol[-1], swing[-1], int(regime[-1]))
        closes = np.exp(np.r_[state.log_close, log_close])
        frame = self._ohlc(rng, closes, sigma)
        frame["volume"] = np.round(
            self._volume * activity * np.exp(log_vol + 0.3 * rng.standard_normal(_BLOCK))
        )
        return frame.set_index(times.as_unit(_UNIT).rename("time"))[open_market]

    def _regimes(self, rng: np.random.Generator, state: _State) -> np.ndarray:
        """Markov switching between range, up and down; trends lean back towards the level."""
        mean_length = max(3.0, _REGIME_HOURS * 60 / self._minutes)
        segment = np.cumsum(rng.random(_BLOCK) < 1 / mean_length)
        lean = float(np.clip((self._log_level - state.log_close) / 0.1, -0.8, 0.8))
        odds = [0.4, 0.3 * (1 + lean), 0.3 * (1 - lean)]
        kinds = rng.choice(3, size=segment[-1] + 1, p=odds)
        kinds[0] = state.regime
        return kinds[segment]

    def _ohlc(
        self, rng: np.random.Generator, closes: np.ndarray, sigma: np.ndarray
    ) -> pd.DataFrame:
        open_, close = np.round(closes[:-1], self._precision), np.round(closes[1:], self._precision)
        top, bottom = np.maximum(open_, close), np.minimum(open_, close)
        wick = _WICK * sigma * np.abs(rng.standard_normal((2, _BLOCK)))
        high = np.maximum(np.round(top * np.exp(wick[0]), self._precision), top)
        low = np.minimum(np.round(bottom * np.exp(-wick[1]), self._precision), bottom)
        return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close})


class DemoFeed:
    """Synthetic, seeded bars for any known instrument: trends, ranges, volatility clusters,
    session rhythm and weekend gaps (no Saturday/Sunday bars except crypto)."""

    def __init__(
        self,
        seed: int = 7,
        base_timeframe: str = "H1",
        instruments: InstrumentRegistry | None = None,
    ) -> None:
        timeframe_minutes(base_timeframe)
        self._seed = seed
        self._timeframe = base_timeframe.upper()
        self._instruments = instruments or InstrumentRegistry()
        self._series: dict[str, _DemoSeries] = {}

    def bars(self, symbol: str, timeframe: str, as_of: datetime, count: int) -> pd.DataFrame:
        key = symbol.upper()
        if key not in self._series:
            instrument = self._instruments.get(key)
            self._series[key] = _DemoSeries(instrument, self._seed, self._timeframe)
        return self._series[key].until(_utc(as_of)).bars(timeframe, as_of, count)
