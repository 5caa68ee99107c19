"""Tests for tools.market_data: CSV loading, validation, as-of cuts, resampling and the feeds."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from tools.demo_feed import DemoFeed
from tools.errors import BarDataError, FeedError, UnknownInstrumentError
from tools.instruments import InstrumentRegistry
from tools.market_data import (
    COLUMNS,
    CsvFeed,
    MarketDataSource,
    ReplayFeed,
    bars_as_of,
    infer_timeframe,
    load_csv,
    resample_bars,
    validate_bars,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "eurusd_h1.csv"
HEADER = ["timestamp", "open", "high", "low", "close", "volume"]
START = datetime(2024, 1, 2, tzinfo=UTC)  # a Tuesday


def _rows(n: int = 5) -> list[dict[str, object]]:
    """n valid hourly rows starting at START (naive text, as most exports write it)."""
    return [
        {
            "timestamp": f"{START + timedelta(hours=i):%Y-%m-%d %H:%M}",
            "open": 1.10,
            "high": 1.12,
            "low": 1.09,
            "close": 1.11,
            "volume": 100 + i,
        }
        for i in range(n)
    ]


def _write(tmp_path: Path, rows: list[dict[str, object]], header: list[str] = HEADER) -> Path:
    """Write rows under `header` (renamed positionally from HEADER's keys)."""
    lines = [",".join(header)]
    lines += [",".join(str(row.get(key, "")) for key in HEADER[: len(header)]) for row in rows]
    path = tmp_path / "bars.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _bars(start: datetime, n: int, minutes: int = 60, seed: int = 1) -> pd.DataFrame:
    """A valid random walk of n bars, `minutes` apart, in the module's output shape."""
    rng = np.random.default_rng(seed)
    closes = 1.1 * np.exp(np.cumsum(rng.normal(0, 0.001, n + 1)))
    opens, closes = closes[:-1], closes[1:]
    wicks = np.abs(rng.normal(0, 0.0005, (2, n)))
    times = pd.date_range(start, periods=n, freq=f"{minutes}min", name="time").as_unit("us")
    index = pd.DatetimeIndex(times, freq=None)  # loaded bars carry no freq either
    return pd.DataFrame(
        {
            "open": opens,
            "high": np.maximum(opens, closes) + wicks[0],
            "low": np.minimum(opens, closes) - wicks[1],
            "close": closes,
            "volume": rng.integers(1, 1000, n).astype(float),
        },
        index=index,
    )


def _stamp(text: str) -> str:
    return pd.Timestamp(text, tz="UTC").isoformat(sep=" ")


# --- load_csv: shape and column names -------------------------------------------------------


def test_load_csv_when_valid_then_utc_index_named_time_and_float_columns(tmp_path: Path) -> None:
    rows = _rows()
    bars = load_csv(_write(tmp_path, rows))

    assert list(bars.columns) == list(COLUMNS)
    assert all(dtype == np.float64 for dtype in bars.dtypes)
    assert bars.index.name == "time"
    assert str(bars.index.tz) == "UTC"
    assert bars.index[0] == START
    assert bars["volume"].tolist() == [float(row["volume"]) for row in rows]


def test_load_csv_when_no_volume_column_then_volume_is_zero(tmp_path: Path) -> None:
    bars = load_csv(_write(tmp_path, _rows(), header=HEADER[:5]))

    assert (bars["volume"] == 0.0).all()


@pytest.mark.parametrize(
    "header",
    [
        ["Timestamp", "Open", "High", "Low", "Close", "Volume"],
        ["DATE", "OPEN", "HIGH", "LOW", "CLOSE", "VOLUME"],
        ["Datetime", "open", "HIGH", "low", "Close", "tick_volume"],
        ["time", "open", "high", "low", "close", "vol"],
    ],
)
def test_load_csv_when_column_names_vary_in_case_then_read(
    tmp_path: Path, header: list[str]
) -> None:
    rows = _rows()
    bars = load_csv(_write(tmp_path, rows, header=header))

    assert list(bars.columns) == list(COLUMNS)
    assert bars["close"].tolist() == [row["close"] for row in rows]
    assert bars["volume"].tolist() == [float(row["volume"]) for row in rows]


def test_load_csv_when_unnamed_first_column_from_to_csv_then_index_read(tmp_path: Path) -> None:
    original = _bars(START, 10)
    path = tmp_path / "written.csv"
    original.rename_axis(None).to_csv(path)

    bars = load_csv(path)

    pd.testing.assert_frame_equal(bars, original)


def test_load_csv_when_separate_date_and_time_columns_then_joined(tmp_path: Path) -> None:
    path = tmp_path / "mt4.csv"
    path.write_text(
        "Date,Time,Open,High,Low,Close,Volume\n"
        "2024.01.02,00:00,1.1,1.12,1.09,1.11,10\n"
        "2024.01.02,01:00,1.11,1.12,1.10,1.115,12\n"
    )

    bars = load_csv(path)

    assert list(bars.index) == [START, START + timedelta(hours=1)]


def test_load_csv_when_given_open_stream_then_read(tmp_path: Path) -> None:
    path = _write(tmp_path, _rows())

    with path.open() as stream:
        bars = load_csv(stream)

    pd.testing.assert_frame_equal(bars, load_csv(path))


# --- load_csv: time zones --------------------------------------------------------------------


def test_load_csv_when_naive_times_and_default_timezone_then_read_as_utc(tmp_path: Path) -> None:
    rows = _rows(3)
    bars = load_csv(_write(tmp_path, rows))

    assert [t.isoformat(sep=" ") for t in bars.index] == [_stamp(r["timestamp"]) for r in rows]


@pytest.mark.parametrize("local", ["2024-01-02 09:00", "2024-07-02 09:00"])
def test_load_csv_when_naive_times_in_new_york_then_converted_to_utc(
    tmp_path: Path, local: str
) -> None:
    path = tmp_path / "ny.csv"
    path.write_text(f"timestamp,open,high,low,close\n{local},1.1,1.2,1.0,1.1\n")
    expected = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("America/New_York"))

    bars = load_csv(path, timezone="America/New_York")

    assert bars.index[0] == expected.astimezone(UTC)
    assert str(bars.index.tz) == "UTC"


def test_load_csv_when_new_york_clock_repeats_an_hour_then_both_kept_in_order(
    tmp_path: Path,
) -> None:
    local = ["2024-11-03 00:00", "2024-11-03 01:00", "2024-11-03 01:00", "2024-11-03 02:00"]
    path = tmp_path / "fallback.csv"
    path.write_text("time,open,high,low,close\n" + "".join(f"{t},1,1,1,1\n" for t in local))

    bars = load_csv(path, timezone="America/New_York")

    assert bars.index.is_monotonic_increasing and bars.index.is_unique
    assert (bars.index[-1] - bars.index[0]) == timedelta(hours=3)


def test_load_csv_when_times_carry_offsets_then_converted_to_utc(tmp_path: Path) -> None:
    stamps = ["2024-03-08 09:00-05:00", "2024-03-11 09:00-04:00"]
    path = tmp_path / "offsets.csv"
    path.write_text("timestamp,open,high,low,close\n" + "".join(f"{s},1,1,1,1\n" for s in stamps))

    bars = load_csv(path, timezone="Asia/Tokyo")  # ignored: the times say their own offset

    assert list(bars.index) == [datetime.fromisoformat(s).astimezone(UTC) for s in stamps]


def test_load_csv_when_timezone_unknown_then_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        load_csv(_write(tmp_path, _rows()), timezone="Mars/Olympus")


# --- load_csv / validate_bars: bad input -----------------------------------------------------


def test_load_csv_when_file_missing_then_error_names_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"

    with pytest.raises(BarDataError, match="not found") as caught:
        load_csv(path)

    assert str(path) in str(caught.value)


def test_load_csv_when_close_column_missing_then_error_names_file_and_column(
    tmp_path: Path,
) -> None:
    path = tmp_path / "no_close.csv"
    path.write_text("timestamp,open,high,low\n2024-01-02 00:00,1,1,1\n")

    with pytest.raises(BarDataError) as caught:
        load_csv(path)

    message = str(caught.value)
    assert str(path) in message and "'close'" in message and "\n" not in message


def test_load_csv_when_no_time_column_then_error_says_which_names_work(tmp_path: Path) -> None:
    path = _write(tmp_path, _rows(), header=["when", *HEADER[1:]])

    with pytest.raises(BarDataError, match="missing time column"):
        load_csv(path)


BAD_ROW_CASES = {
    "high_below_close": ({"high": 1.105}, "high 1.105 is below close 1.11"),
    "high_below_open": ({"open": 1.13}, "high 1.12 is below open 1.13"),
    "low_above_open": ({"open": 1.085}, "low 1.09 is above open 1.085"),
    "low_above_close": ({"close": 1.085}, "low 1.09 is above close 1.085"),
    "high_below_low": ({"high": 1.08}, "high 1.08 is below low 1.09"),
    "blank_price": ({"close": ""}, "close is missing or not a number"),
    "text_price": ({"open": "abc"}, "open is missing or not a number"),
    "zero_price": ({"low": 0}, "low 0.0 is not positive"),
    "negative_price": ({"open": -1, "low": -2}, "open -1.0 is not positive"),
    "negative_volume": ({"volume": -5}, "volume -5.0 is negative"),
    "duplicate_time": ({"timestamp": "2024-01-02 01:00"}, "duplicate time (same as row 2)"),
    "time_goes_back": ({"timestamp": "2024-01-01 23:00"}, "time is earlier than row 2"),
}


@pytest.mark.parametrize(("change", "problem"), BAD_ROW_CASES.values(), ids=list(BAD_ROW_CASES))
def test_load_csv_when_row_breaks_a_rule_then_one_line_error_names_row_time_and_problem(
    tmp_path: Path, change: dict[str, object], problem: str
) -> None:
    rows = _rows()
    rows[2].update(change)
    path = _write(tmp_path, rows)

    with pytest.raises(BarDataError) as caught:
        load_csv(path)

    message = str(caught.value)
    assert message.startswith(f"{path}: row 3 ({_stamp(rows[2]['timestamp'])}): ")
    assert problem in message
    assert "\n" not in message


def test_load_csv_when_time_unreadable_then_error_names_row_and_text(tmp_path: Path) -> None:
    rows = _rows()
    rows[3]["timestamp"] = "someday"
    path = _write(tmp_path, rows)

    with pytest.raises(BarDataError, match="row 4: cannot read time 'someday'"):
        load_csv(path)


def test_load_csv_when_several_rows_bad_then_first_named_and_rest_counted(tmp_path: Path) -> None:
    rows = _rows()
    for row in rows[1:4]:
        row["volume"] = -1
    path = _write(tmp_path, rows)

    with pytest.raises(BarDataError, match=r"row 2 .*\(and 2 more bad rows\)"):
        load_csv(path)


def test_load_csv_when_fewer_bars_than_needed_then_error_counts_both(tmp_path: Path) -> None:
    path = _write(tmp_path, _rows(4))

    with pytest.raises(BarDataError, match="4 bars found, 10 needed"):
        load_csv(path, min_bars=10)


def test_validate_bars_when_frame_valid_then_silent() -> None:
    validate_bars(_bars(START, 50), min_bars=50)


def test_validate_bars_when_high_below_low_then_error_names_source_row_and_time() -> None:
    bars = _bars(START, 6)
    bars.iloc[4, bars.columns.get_loc("high")] = bars["low"].iloc[4] - 0.01

    with pytest.raises(BarDataError) as caught:
        validate_bars(bars, source="EURUSD feed")

    assert str(caught.value).startswith(f"EURUSD feed: row 5 ({bars.index[4].isoformat(sep=' ')})")
    assert "below low" in str(caught.value)


def test_validate_bars_when_volume_column_missing_then_error_names_it() -> None:
    with pytest.raises(BarDataError, match="missing column 'volume'"):
        validate_bars(_bars(START, 3).drop(columns="volume"))


# --- bars_as_of ------------------------------------------------------------------------------


def test_bars_as_of_when_bar_closes_exactly_at_as_of_then_included() -> None:
    bars = _bars(START, 10)
    as_of = bars.index[5] + timedelta(hours=1)

    cut = bars_as_of(bars, as_of, "H1")

    assert cut.index[-1] == bars.index[5]
    pd.testing.assert_frame_equal(cut, bars.iloc[:6])


def test_bars_as_of_when_bar_still_open_at_as_of_then_excluded() -> None:
    bars = _bars(START, 10)

    cut = bars_as_of(bars, bars.index[5] + timedelta(minutes=59), "H1")

    assert cut.index[-1] == bars.index[4]


def test_bars_as_of_when_as_of_in_another_zone_then_compared_in_utc() -> None:
    bars = _bars(START, 10)
    as_of = (bars.index[3] + timedelta(hours=1)).astimezone(ZoneInfo("Asia/Tokyo"))

    assert len(bars_as_of(bars, as_of, "H1")) == 4


def test_bars_as_of_when_as_of_naive_then_value_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        bars_as_of(_bars(START, 3), datetime(2024, 1, 2, 5), "H1")


# --- resample_bars ---------------------------------------------------------------------------


def _expected_buckets(bars: pd.DataFrame, minutes: int) -> pd.DataFrame:
    """Slow, obvious aggregation to check the fast one against."""
    rows = {}
    for start in sorted({t.floor(f"{minutes}min") for t in bars.index}):
        part = bars[(bars.index >= start) & (bars.index < start + timedelta(minutes=minutes))]
        rows[start] = {
            "open": part["open"].iloc[0],
            "high": part["high"].max(),
            "low": part["low"].min(),
            "close": part["close"].iloc[-1],
            "volume": part["volume"].sum(),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index = pd.DatetimeIndex(frame.index, name="time").as_unit("us")
    return frame


@pytest.mark.parametrize(
    ("source_minutes", "target", "target_minutes"),
    [(60, "H4", 240), (60, "D1", 1440), (15, "H1", 60), (240, "D1", 1440)],
)
def test_resample_bars_when_source_covers_whole_buckets_then_ohlcv_aggregated(
    source_minutes: int, target: str, target_minutes: int
) -> None:
    n = 3 * 1440 // source_minutes  # exactly three days
    bars = _bars(START, n, minutes=source_minutes)

    result = resample_bars(bars, target)

    pd.testing.assert_frame_equal(result, _expected_buckets(bars, target_minutes))


def test_resample_bars_when_data_starts_mid_bucket_then_partial_first_bucket_dropped() -> None:
    bars = _bars(START + timedelta(hours=2), 22)  # 02:00 .. 23:00

    result = resample_bars(bars, "H4")

    assert result.index[0] == START + timedelta(hours=4)
    assert all(t.hour % 4 == 0 and t.minute == 0 for t in result.index)


def test_resample_bars_when_last_bucket_unfinished_then_left_out() -> None:
    bars = _bars(START, 7)  # 00:00 .. 06:00: the 04:00 bucket still needs 07:00

    result = resample_bars(bars, "H4")

    assert list(result.index) == [START]


def test_resample_bars_when_source_reaches_bucket_final_bar_then_bucket_kept() -> None:
    bars = _bars(START, 8)  # 00:00 .. 07:00

    result = resample_bars(bars, "H4")

    assert list(result.index) == [START, START + timedelta(hours=4)]


def test_resample_bars_when_as_of_mid_bucket_then_only_buckets_closed_by_as_of() -> None:
    bars = _bars(START, 24)
    at_close = START + timedelta(hours=8)

    assert resample_bars(bars, "H4", as_of=at_close).index[-1] == START + timedelta(hours=4)
    before = resample_bars(bars, "H4", as_of=at_close - timedelta(minutes=1))
    assert before.index[-1] == START


def test_resample_bars_when_weekend_gap_then_no_weekend_buckets_and_friday_complete() -> None:
    friday = datetime(2024, 1, 5, tzinfo=UTC)
    bars = pd.concat([_bars(friday, 24), _bars(friday + timedelta(days=3), 24, seed=2)])

    result = resample_bars(bars, "D1")

    assert list(result.index) == [friday, friday + timedelta(days=3)]


def test_resample_bars_when_target_below_source_then_value_error() -> None:
    with pytest.raises(ValueError, match="cannot build H1 bars from H4"):
        resample_bars(_bars(START, 12, minutes=240), "H1")


def test_resample_bars_when_spacing_matches_no_timeframe_then_value_error() -> None:
    with pytest.raises(ValueError, match="7 minutes"):
        resample_bars(_bars(START, 20, minutes=7), "H1")


def test_resample_bars_when_source_timeframe_given_then_not_inferred() -> None:
    one_bar = _bars(START, 1)

    with pytest.raises(ValueError, match="at least two bars"):
        resample_bars(one_bar, "H1")
    assert len(resample_bars(one_bar, "H1", source_timeframe="H1")) == 1


def test_infer_timeframe_when_weekend_gaps_then_median_spacing_wins() -> None:
    friday = datetime(2024, 1, 5, tzinfo=UTC)
    bars = pd.concat([_bars(friday, 24), _bars(friday + timedelta(days=3), 24)])

    assert infer_timeframe(bars.index) == "H1"


# --- feeds -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        DemoFeed,
        lambda: CsvFeed({}),
        lambda: ReplayFeed(_bars(START, 3), timeframe="H1"),
    ],
)
def test_feeds_when_checked_then_satisfy_market_data_source(make) -> None:
    assert isinstance(make(), MarketDataSource)


@pytest.fixture
def csv_path(tmp_path: Path) -> Path:
    path = tmp_path / "eurusd.csv"
    _bars(START, 100).to_csv(path, index_label="timestamp")
    return path


def test_csv_feed_when_asked_then_at_most_count_bars_closed_by_as_of(csv_path: Path) -> None:
    as_of = START + timedelta(hours=50, minutes=30)

    bars = CsvFeed({"EURUSD": csv_path}).bars("eurusd", "H1", as_of, 10)

    assert len(bars) == 10
    assert bars.index[-1] + timedelta(hours=1) <= as_of
    pd.testing.assert_frame_equal(bars, bars_as_of(load_csv(csv_path), as_of, "H1").tail(10))


@pytest.mark.parametrize("hours", [30, 98, 200])  # inside the file, last bucket open, past it
def test_csv_feed_when_higher_timeframe_then_same_as_resample_bars(
    csv_path: Path, hours: int
) -> None:
    as_of = START + timedelta(hours=hours)

    bars = CsvFeed({"EURUSD": csv_path}).bars("EURUSD", "H4", as_of, 5)

    expected = resample_bars(load_csv(csv_path), "H4", as_of=as_of).tail(5)
    pd.testing.assert_frame_equal(bars, expected)


def test_csv_feed_when_asked_twice_then_file_read_once(csv_path: Path) -> None:
    feed = CsvFeed({"EURUSD": csv_path})
    as_of = START + timedelta(days=3)
    first = feed.bars("EURUSD", "H1", as_of, 20)
    csv_path.unlink()

    pd.testing.assert_frame_equal(feed.bars("EURUSD", "H1", as_of, 20), first)


def test_csv_feed_when_symbol_not_configured_then_feed_error(csv_path: Path) -> None:
    with pytest.raises(FeedError, match="GBPUSD"):
        CsvFeed({"EURUSD": csv_path}).bars("GBPUSD", "H1", START, 10)


def test_feed_when_count_negative_then_value_error(csv_path: Path) -> None:
    with pytest.raises(ValueError, match="count"):
        CsvFeed({"EURUSD": csv_path}).bars("EURUSD", "H1", START + timedelta(days=2), -1)


# --- DemoFeed --------------------------------------------------------------------------------

AS_OF = datetime(2025, 6, 13, 13, 30, tzinfo=UTC)  # a Friday afternoon


@pytest.mark.parametrize("timeframe", ["H1", "H4", "D1"])
def test_demo_feed_when_asked_with_other_as_of_or_count_then_shared_bars_identical(
    timeframe: str,
) -> None:
    short = DemoFeed().bars("EURUSD", timeframe, AS_OF, 200)
    fresh = DemoFeed()
    fresh.bars("EURUSD", timeframe, datetime(2027, 1, 1, tzinfo=UTC), 10)  # generate far first
    long = fresh.bars("EURUSD", timeframe, AS_OF + timedelta(days=40), 5000)

    assert len(short) == 200
    pd.testing.assert_frame_equal(long.loc[short.index], short)


def test_demo_feed_when_symbols_differ_then_paths_differ() -> None:
    feed = DemoFeed()
    eur = np.log(feed.bars("EURUSD", "H1", AS_OF, 500)["close"]).diff()
    gbp = np.log(feed.bars("GBPUSD", "H1", AS_OF, 500)["close"]).diff()

    assert abs(eur.corr(gbp)) < 0.5


def test_demo_feed_when_seeds_differ_then_bars_differ() -> None:
    first = DemoFeed(seed=1).bars("EURUSD", "H1", AS_OF, 100)
    second = DemoFeed(seed=2).bars("EURUSD", "H1", AS_OF, 100)

    assert not np.allclose(first["close"], second["close"])


@pytest.mark.parametrize("symbol", ["EURUSD", "USDJPY", "XAUUSD", "US30", "AAPL"])
@pytest.mark.parametrize("timeframe", ["H1", "D1"])
def test_demo_feed_when_any_symbol_then_valid_bars_at_instrument_precision(
    symbol: str, timeframe: str
) -> None:
    precision = InstrumentRegistry().get(symbol).precision
    bars = DemoFeed().bars(symbol, timeframe, AS_OF, 300)

    validate_bars(bars, min_bars=300)
    prices = bars[["open", "high", "low", "close"]].to_numpy()
    assert np.allclose(prices, np.round(prices, precision), rtol=0, atol=1e-9)
    assert (bars["volume"] > 0).all()


@pytest.mark.parametrize(
    ("symbol", "low", "high"),
    [
        ("EURUSD", 0.85, 1.35),
        ("GBPUSD", 1.0, 1.6),
        ("USDJPY", 110, 190),
        ("XAUUSD", 1700, 3200),
        ("US30", 28_000, 52_000),
        ("MSFT", 200, 800),
    ],
)
def test_demo_feed_when_default_instrument_then_prices_at_realistic_levels(
    symbol: str, low: float, high: float
) -> None:
    closes = DemoFeed().bars(symbol, "D1", datetime(2026, 1, 1, tzinfo=UTC), 10_000)["close"]

    assert low < closes.min() and closes.max() < high


def test_demo_feed_when_fx_then_no_weekend_bars() -> None:
    bars = DemoFeed().bars("EURUSD", "H1", AS_OF, 2000)

    assert (bars.index.day_of_week < 5).all()


def test_demo_feed_when_crypto_instrument_configured_then_weekends_trade() -> None:
    registry = InstrumentRegistry(
        {
            "BTCUSD": {
                "asset_class": "crypto",
                "base_currency": "BTC",
                "quote_currency": "USD",
                "contract_size": 1,
                "pip_size": 1,
                "precision": 2,
                "news_currencies": ["USD"],
            }
        }
    )

    bars = DemoFeed(instruments=registry).bars("BTCUSD", "H1", AS_OF, 500)

    assert (bars.index.day_of_week >= 5).any()


def test_demo_feed_when_returns_examined_then_volatility_clusters() -> None:
    bars = DemoFeed().bars("EURUSD", "H1", AS_OF, 3000)
    moves = np.log(bars["close"]).diff().abs().dropna()
    # Remove the session rhythm so only clustering can make big moves follow big moves.
    moves = moves / moves.groupby(moves.index.hour).transform("mean")

    assert moves.autocorr(1) > 0.1


def test_demo_feed_when_as_of_mid_bar_then_last_bar_closed_by_as_of() -> None:
    bars = DemoFeed().bars("EURUSD", "H1", AS_OF, 50)

    assert bars.index[-1] + timedelta(hours=1) <= AS_OF < bars.index[-1] + timedelta(hours=2)


def test_demo_feed_when_as_of_before_epoch_then_empty_frame() -> None:
    bars = DemoFeed().bars("EURUSD", "H1", datetime(2023, 6, 1, tzinfo=UTC), 50)

    assert bars.empty and list(bars.columns) == list(COLUMNS)


def test_demo_feed_when_as_of_years_ahead_then_bars_up_to_it() -> None:
    as_of = datetime(2030, 3, 1, tzinfo=UTC)

    bars = DemoFeed().bars("XAUUSD", "D1", as_of, 100)

    assert len(bars) == 100 and bars.index[-1] + timedelta(days=1) <= as_of


def test_demo_feed_when_symbol_unknown_then_unknown_instrument_error() -> None:
    with pytest.raises(UnknownInstrumentError):
        DemoFeed().bars("NOPE", "H1", AS_OF, 10)


def test_demo_feed_when_as_of_naive_then_value_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        DemoFeed().bars("EURUSD", "H1", datetime(2024, 6, 1), 10)


# --- ReplayFeed ------------------------------------------------------------------------------


def test_replay_feed_when_started_then_now_is_close_of_start_bar() -> None:
    bars = _bars(START, 30)

    feed = ReplayFeed(bars, timeframe="H1", start_index=10)

    assert feed.now == bars.index[10] + timedelta(hours=1)


def test_replay_feed_when_asked_about_the_future_then_answers_as_of_now() -> None:
    bars = _bars(START, 30)
    feed = ReplayFeed(bars, timeframe="H1", start_index=10)

    seen = feed.bars("EURUSD", "H1", datetime(2030, 1, 1, tzinfo=UTC), 1000)

    pd.testing.assert_frame_equal(seen, bars.iloc[:11])


def test_replay_feed_when_stepped_through_then_never_reveals_a_later_bar() -> None:
    bars = _bars(START, 60)
    complete_h4 = resample_bars(bars, "H4")
    feed = ReplayFeed(bars, timeframe="H1", start_index=0)
    far = datetime(2030, 1, 1, tzinfo=UTC)

    steps = 0
    while True:
        hourly, four_hourly = feed.bars("X", "H1", far, 500), feed.bars("X", "H4", far, 500)
        assert hourly.index[-1] + timedelta(hours=1) == feed.now
        assert (four_hourly.index + timedelta(hours=4) <= feed.now).all()
        pd.testing.assert_frame_equal(four_hourly, complete_h4.loc[four_hourly.index])
        if not feed.step():
            break
        steps += 1

    assert steps == len(bars) - 1


def test_replay_feed_when_at_last_bar_then_step_false_and_now_unchanged() -> None:
    bars = _bars(START, 5)
    feed = ReplayFeed(bars, timeframe="H1", start_index=4)
    now = feed.now

    assert feed.step() is False
    assert feed.now == now


def test_replay_feed_when_start_index_outside_bars_then_value_error() -> None:
    with pytest.raises(ValueError, match="start_index"):
        ReplayFeed(_bars(START, 5), timeframe="H1", start_index=5)


def test_replay_feed_when_bound_to_symbol_and_asked_another_then_feed_error() -> None:
    feed = ReplayFeed(_bars(START, 5), timeframe="H1", symbol="EURUSD")

    with pytest.raises(FeedError, match="GBPUSD"):
        feed.bars("GBPUSD", "H1", START + timedelta(hours=3), 2)


# --- fixture ---------------------------------------------------------------------------------


def test_eurusd_fixture_when_loaded_then_about_700_valid_h1_bars() -> None:
    bars = load_csv(FIXTURE, min_bars=650)

    assert infer_timeframe(bars.index) == "H1"
    assert 0.9 < bars["close"].median() < 1.3
