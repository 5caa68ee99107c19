"""`countersign broker` on a SQLite file, with the MT5 bridge configured through the environment
(faked at the HTTP edge): status, connection tests, switching, reconciliation."""

import json

import httpx
import pytest

from api.cli import main
from tests.broker_fakes import MT5_TOKEN, MT5_URL, FakeMt5Bridge

TERMINAL_OFFLINE = httpx.Response(503, json={"status": "error", "message": "terminal offline"})


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COUNTERSIGN_DATABASE_URL", f"sqlite:///{tmp_path / 'desk.db'}")


@pytest.fixture
def mt5(monkeypatch: pytest.MonkeyPatch, mt5_bridge: FakeMt5Bridge) -> FakeMt5Bridge:
    """The MT5 bridge configured the way an operator does it: in the environment."""
    for key, value in {
        "BASE_URL": MT5_URL,
        "TOKEN": MT5_TOKEN,
        "READ_ATTEMPTS": "1",
        "RETRY_BACKOFF_SECONDS": "0",
    }.items():
        monkeypatch.setenv(f"COUNTERSIGN_BROKERS__MT5__{key}", value)
    return mt5_bridge


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["broker", *argv])
    captured = capsys.readouterr()
    assert MT5_TOKEN not in captured.out + captured.err
    return code, captured.out, captured.err


def _status(capsys: pytest.CaptureFixture[str]) -> dict:
    code, out, _ = _run(capsys, "status", "--json")
    assert code == 0
    return json.loads(out)


def test_broker_status_when_only_paper_then_paper_active_and_never_reconciled(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "status")
    assert code == 0 and out.splitlines() == ["* paper [paper] unknown"]
    status = _status(capsys)
    assert [(b["name"], b["active"]) for b in status["items"]] == [("paper", True)]
    assert status["last_reconciliation"] is None


def test_broker_use_when_not_confirmed_then_error_and_paper_stays(
    mt5: FakeMt5Bridge, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "use", "mt5")
    assert code == 2 and err.startswith("error: CONFIRMATION_REQUIRED: switching to mt5")
    assert [b["name"] for b in _status(capsys)["items"]] == ["paper", "mt5"]


def test_broker_use_when_confirmed_then_mt5_active_and_listed_first(
    mt5: FakeMt5Bridge, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "use", "mt5", "--confirm")
    assert code == 0 and out.startswith(
        "new orders go to mt5\n* mt5 [LIVE] ok: MT5 bridge answered"
    )
    code, out, _ = _run(capsys, "status")
    assert out.splitlines()[0].startswith("* mt5 [LIVE] ok") and "  paper" in out


def test_broker_use_when_connection_test_fails_then_broker_unreachable_error(
    mt5: FakeMt5Bridge, capsys: pytest.CaptureFixture[str]
) -> None:
    mt5.fail_next("account", TERMINAL_OFFLINE)
    code, _, err = _run(capsys, "use", "mt5", "--confirm")
    assert code == 2 and err.startswith("error: BROKER_UNREACHABLE: cannot switch to mt5")
    mt5_status = _status(capsys)["items"][1]
    assert not mt5_status["active"] and mt5_status["health"] == "unreachable"


def test_broker_use_when_not_configured_then_not_found_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = _run(capsys, "use", "alpaca", "--confirm")
    assert code == 2 and err.startswith("error: NOT_FOUND: broker 'alpaca' is not configured")


def test_broker_test_when_bridge_down_then_exit_1_and_failure_shown(
    mt5: FakeMt5Bridge, capsys: pytest.CaptureFixture[str]
) -> None:
    mt5.fail_next("account", TERMINAL_OFFLINE)
    code, out, _ = _run(capsys, "test", "mt5")
    assert code == 1 and out.startswith("  mt5 [LIVE] unreachable (1 failed): ")
    assert "terminal offline" in out
    code, out, _ = _run(capsys, "test", "mt5")
    assert code == 0 and out.startswith("  mt5 [LIVE] ok: ")


def test_broker_test_when_no_name_then_the_active_broker(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "test")
    assert code == 0 and out.startswith("* paper [paper] ok: ")


def test_broker_reconcile_when_position_opened_at_the_bridge_then_imported_and_reported(
    mt5: FakeMt5Bridge, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "use", "mt5", "--confirm")[0] == 0
    mt5.add_position(777, "EURUSD", lots=0.3)
    code, out, _ = _run(capsys, "reconcile")
    assert code == 0
    assert out.splitlines()[0] == "mt5: 0 settled, 1 imported, 0 closed, 0 differences"
    assert "imported position_id=777 symbol=EURUSD" in out

    code, out, _ = _run(capsys, "reconcile", "--json")
    [report] = json.loads(out)
    assert code == 0 and report["broker"] == "mt5" and report["imported"] == []  # known now
    assert _status(capsys)["last_reconciliation"] == report


def test_broker_reconcile_when_bridge_down_then_exit_1_and_error_shown(
    mt5: FakeMt5Bridge, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "use", "mt5", "--confirm")[0] == 0
    mt5.fail_next("account", TERMINAL_OFFLINE)
    code, out, _ = _run(capsys, "reconcile")
    assert code == 1 and out.startswith("mt5: error: ") and "terminal offline" in out
