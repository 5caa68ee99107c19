import json
import subprocess
import sys

import pandas as pd
import pytest

from api.cli import main
from api.snapshot_view import INDICATOR_KEYS

FIXTURE = "tests/fixtures/eurusd_h1.csv"


@pytest.fixture
def fixture_csv(request: pytest.FixtureRequest) -> str:
    return str(request.config.rootpath / FIXTURE)


def test_snapshot_json_when_csv_given_then_stable_indicator_keys(
    fixture_csv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "snapshot",
            "--symbol",
            "EURUSD",
            "--csv",
            fixture_csv,
            "--at",
            "2024-02-20T12:00Z",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert tuple(out["indicators"]) == INDICATOR_KEYS
    assert out["last_bar"]["time"] == "2024-02-20T11:00:00Z"
    bars = pd.read_csv(fixture_csv, parse_dates=["timestamp"])
    row = bars[bars["timestamp"] == "2024-02-20 11:00:00"].iloc[0]
    assert out["last_bar"]["close"] == pytest.approx(row["close"])


def test_snapshot_when_symbol_unknown_then_one_line_error_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["snapshot", "--symbol", "NOPE"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "unknown instrument 'NOPE'" in err


def test_snapshot_when_at_not_iso_then_error_names_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["snapshot", "--symbol", "EURUSD", "--at", "yesterday"]) == 2
    assert "--at: 'yesterday' is not an ISO 8601 time" in capsys.readouterr().err


def test_snapshot_when_csv_malformed_then_error_names_row(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("time,open,high,low,close\n2026-01-01T00:00,1.1,1.0,1.05,1.08\n")
    assert main(["snapshot", "--symbol", "EURUSD", "--csv", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "row 1" in err and err.count("\n") == 1


def test_console_script_when_run_then_prints_readable_snapshot(tmp_path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "api.cli",
            "snapshot",
            "--symbol",
            "XAUUSD",
            "--at",
            "2026-11-18T09:00Z",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={
            "PYTHONPATH": str(__import__("pathlib").Path(__file__).parents[2]),
            "PATH": "/usr/bin:/bin",
        },
    )
    assert result.returncode == 0, result.stderr
    assert "XAUUSD H1 as of 2026-11-18 09:00 UTC" in result.stdout
    assert "RSI14" in result.stdout


def test_db_upgrade_when_fresh_sqlite_then_at_head(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COUNTERSIGN_DATABASE_URL", f"sqlite:///{tmp_path / 'desk.db'}")
    assert main(["db", "upgrade"]) == 0
    assert "database at revision" in capsys.readouterr().out


def test_snapshot_when_save_asked_then_stored_under_its_hash(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from store.db import make_engine, session_scope
    from store.records import load_snapshot_payload
    from tools.snapshot import Snapshot

    url = f"sqlite:///{tmp_path / 'desk.db'}"
    monkeypatch.setenv("COUNTERSIGN_DATABASE_URL", url)
    assert (
        main(["snapshot", "--symbol", "EURUSD", "--at", "2026-11-18T09:00Z", "--json", "--save"])
        == 0
    )
    ref = json.loads(capsys.readouterr().out)["snapshot_ref"]
    with session_scope(make_engine(url)) as session:
        payload = load_snapshot_payload(session, ref)
    assert payload is not None and Snapshot.model_validate_json(payload).compute_hash() == ref
