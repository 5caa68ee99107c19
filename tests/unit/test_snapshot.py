from datetime import UTC, datetime, timedelta

import pytest

from orchestrator.settings import load_settings
from orchestrator.snapshots import SnapshotService
from tools.errors import BarDataError
from tools.snapshot import Snapshot

AS_OF = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)


@pytest.fixture
def service() -> SnapshotService:
    return SnapshotService(load_settings())


def test_build_when_same_inputs_then_same_content_hash(service: SnapshotService) -> None:
    first, second = service.build("EURUSD", AS_OF), service.build("EURUSD", AS_OF)
    assert first.content_hash == second.content_hash != ""
    assert first.content_hash == first.compute_hash()


def test_build_when_persisted_json_reloaded_then_hash_reproduces(service: SnapshotService) -> None:
    snapshot = service.build("XAUUSD", AS_OF)
    reloaded = Snapshot.model_validate_json(snapshot.model_dump_json())
    assert reloaded.compute_hash() == snapshot.content_hash
    assert reloaded.indicators == snapshot.indicators


def test_build_when_as_of_mid_bar_then_no_bar_closes_after_as_of(
    service: SnapshotService,
) -> None:
    as_of = AS_OF + timedelta(minutes=30)
    snapshot = service.build("EURUSD", as_of)
    last_close_time = snapshot.bars[-1].time + timedelta(hours=1)
    assert last_close_time <= as_of
    assert last_close_time > as_of - timedelta(hours=1)


def test_build_when_later_bars_exist_then_snapshot_ignores_them(service: SnapshotService) -> None:
    earlier = service.build("GBPUSD", AS_OF)
    later = service.build("GBPUSD", AS_OF + timedelta(hours=5))
    assert earlier.bars[-1].time < later.bars[-1].time
    # The later snapshot's view of the earlier moment is identical bar for bar.
    overlap = {bar.time: bar for bar in later.bars}
    assert all(overlap[bar.time] == bar for bar in earlier.bars if bar.time in overlap)


def test_build_when_calendar_and_news_sampled_then_nothing_from_the_future(
    service: SnapshotService,
) -> None:
    snapshot = service.build("EURUSD", AS_OF)
    assert snapshot.news.headlines, "the sample news should give headlines"
    assert all(h.published_at <= AS_OF for h in snapshot.news.headlines)
    assert all(
        "EUR" in h.currencies or "USD" in h.currencies or "EURUSD" in h.symbols
        for h in snapshot.news.headlines
    )


def test_build_when_higher_timeframes_then_only_complete_bars(service: SnapshotService) -> None:
    snapshot = service.build("EURUSD", datetime(2026, 11, 18, 14, 30, tzinfo=UTC))
    views = {view.timeframe: view for view in snapshot.higher_timeframes}
    assert set(views) == {"H4", "D1"}
    daily = views["D1"]
    assert daily.indicators is not None and daily.indicators.sma_50 is not None
    assert daily.bars[-1].time + timedelta(days=1) <= datetime(2026, 11, 18, 14, 30, tzinfo=UTC)


def test_build_when_csv_has_too_few_bars_then_error_names_counts(tmp_path) -> None:
    csv = tmp_path / "short.csv"
    rows = ["timestamp,open,high,low,close"] + [
        f"2026-11-02T{h:02d}:00:00,1.1,1.2,1.0,1.15" for h in range(10)
    ]
    csv.write_text("\n".join(rows))
    service = SnapshotService(load_settings(), csv_overrides={"EURUSD": csv})
    with pytest.raises(BarDataError, match="10 bars found, 60 needed"):
        service.build("EURUSD", datetime(2026, 11, 3, tzinfo=UTC))


def test_build_when_as_of_naive_then_refused(service: SnapshotService) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        service.build("EURUSD", datetime(2026, 11, 18, 14, 0))


def test_build_when_views_cached_then_same_hash_as_a_cold_service() -> None:
    warm = SnapshotService(load_settings())
    warm.build("EURUSD", AS_OF - timedelta(hours=1))  # fills the view cache for the same day
    cold = SnapshotService(load_settings())
    assert warm.build("EURUSD", AS_OF).content_hash == cold.build("EURUSD", AS_OF).content_hash


def test_build_when_news_is_a_url_then_fetched_once_for_many_symbols(respx_mock) -> None:
    route = respx_mock.get("https://news.test/rss").respond(
        200, text="<rss><channel><title>T</title></channel></rss>"
    )
    service = SnapshotService(load_settings(news_sources=["https://news.test/rss"]))
    for symbol in ("EURUSD", "GBPUSD", "XAUUSD"):
        service.build(symbol, AS_OF)
    assert route.call_count == 1
