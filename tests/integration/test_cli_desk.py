"""The desk commands of `countersign` on a SQLite file: queue, human acts, history, controls."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial

import pytest

from api import cli_desk
from api.cli import main
from orchestrator.desk import Desk
from orchestrator.settings import load_settings
from store.db import make_engine
from store.migrate import upgrade
from tests.factories import make_snapshot
from tools.lifecycle import IdeaStatus
from tools.proposal import ProposalDirection, TradeProposal
from tools.snapshot import Snapshot
from tools.strategies import StrategyDefinition, seed_strategies

# The demo EURUSD market at this hour is a pullback in an uptrend: a buy passes the gate.
AT = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)


@pytest.fixture
def desk(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    monkeypatch.setenv("COUNTERSIGN_DATABASE_URL", url)
    upgrade(url)
    engine = make_engine(url)
    desk = Desk(engine, load_settings(), clock=lambda: AT)
    # The commands' own desk lives at AT too, so approve re-validates on the proposal's market.
    monkeypatch.setattr(cli_desk, "Desk", partial(Desk, clock=lambda: AT))
    desk.update_risk_config({"kill_zone_mode": "relaxed"}, actor="test")
    yield desk
    engine.dispose()


@pytest.fixture
def pullback() -> StrategyDefinition:
    strategy = next(s for s in seed_strategies() if s.name == "Trend pullback")
    return strategy.model_copy(update={"active": True})


def _queue(desk: Desk, strategy: StrategyDefinition, snapshot: Snapshot) -> int:
    proposal = TradeProposal(
        symbol="EURUSD", direction=ProposalDirection.BUY, strategy=strategy.name, rationale="cli"
    )
    result = desk.propose(snapshot, proposal, strategy=strategy)
    assert result.status is IdeaStatus.NEEDS_APPROVAL, result.decision.reason_codes
    return result.idea_id


@pytest.fixture
def idea_id(desk: Desk, pullback: StrategyDefinition) -> int:
    return _queue(desk, pullback, make_snapshot(rsi=40))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    code, out, _ = _run(capsys, *argv, "--json")
    assert code == 0
    return json.loads(out)


def test_ideas_when_idea_queued_then_listed_with_levels(
    idea_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "ideas")
    [row] = out.splitlines()[1:]
    assert code == 0
    assert row.split()[:3] == [str(idea_id), "EURUSD", "buy"]
    assert "needs_approval until" in row


def test_ideas_json_when_idea_queued_then_stable_keys_and_numbers(
    idea_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    [idea] = _json(capsys, "ideas")
    assert list(idea) == [
        "id",
        "symbol",
        "direction",
        "entry",
        "stop",
        "target",
        "lots",
        "rr",
        "confidence",
        "status",
        "expires_at",
    ]
    assert idea["id"] == idea_id and idea["status"] == "needs_approval"
    assert idea["stop"] < idea["entry"] < idea["target"] and idea["lots"] > 0


def test_ideas_when_idea_rejected_then_only_all_lists_it(
    idea_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "reject", str(idea_id))[0] == 0
    assert _json(capsys, "ideas") == []
    assert [idea["status"] for idea in _json(capsys, "ideas", "--all")] == ["human_rejected"]


def test_reject_when_reason_given_then_history_shows_human_rejected_with_reason(
    idea_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "reject", str(idea_id), "--reason", "spread too wide")
    assert (code, out) == (0, f"idea {idea_id} rejected\n")
    _, history, _ = _run(capsys, "history")
    newest = history.splitlines()[1].split()
    assert newest[2:6] == ["human_rejected", "human:cli", "EURUSD", str(idea_id)]
    assert history.splitlines()[1].endswith("spread too wide")


def test_approve_when_halted_then_exit_2_with_ai_halted(
    idea_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "halt", "--reason", "lunch")[0] == 0
    code, out, err = _run(capsys, "approve", str(idea_id))
    assert (code, out) == (2, "")
    assert err == "error: AI_HALTED: trading is halted: lunch\n"


def test_approve_when_idea_unknown_then_exit_2_with_not_found(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "approve", "999")
    assert code == 2
    assert err == "error: NOT_FOUND: idea 999 does not exist\n"


def test_approve_when_market_still_matches_then_executed_and_logged(
    desk: Desk,
    pullback: StrategyDefinition,
    capsys: pytest.CaptureFixture[str],
) -> None:
    idea_id = _queue(desk, pullback, desk.snapshots.build("EURUSD", AT))
    code, out, _ = _run(capsys, "approve", str(idea_id), "--lots", "0.01")
    assert (code, out) == (0, f"idea {idea_id} approved: executed\n")
    history = _json(capsys, "history", "--symbol", "eurusd")
    assert [d["action"] for d in history] == ["executed", "approved", "needs_approval"]
    assert history[1]["actor"] == "human:cli" and history[1]["details"]["lots"] == 0.01


def test_approve_when_lots_not_positive_then_exit_2_before_the_desk(
    idea_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["approve", str(idea_id), "--lots", "0"])
    assert exit_info.value.code == 2
    assert "must be above zero" in capsys.readouterr().err
    assert [idea["id"] for idea in _json(capsys, "ideas")] == [idea_id]


def test_mode_when_full_auto_without_confirm_then_exit_2_and_mode_unchanged(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "mode", "FULL_AUTO")
    assert code == 2 and err.startswith("error: CONFIRMATION_REQUIRED: ")
    assert _run(capsys, "mode")[1] == "mode APPROVAL_REQUIRED, trading ACTIVE\n"


def test_mode_when_full_auto_confirmed_then_changed_and_logged_as_cli(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "mode", "full_auto", "--confirm")
    assert (code, out) == (0, "mode FULL_AUTO, trading ACTIVE\n")
    [change] = _json(capsys, "history", "--action", "mode_changed")
    assert change["actor"] == "human:cli"
    assert change["details"] == {"from": "APPROVAL_REQUIRED", "to": "FULL_AUTO", "confirmed": True}


def test_halt_then_resume_when_run_then_state_follows(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        _run(capsys, "halt")[1] == "mode APPROVAL_REQUIRED, trading HALTED (halted from the CLI)\n"
    )
    assert _run(capsys, "resume")[1] == "mode APPROVAL_REQUIRED, trading ACTIVE\n"


def test_history_json_when_action_filtered_then_only_that_action_newest_first(
    desk: Desk, pullback: StrategyDefinition, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = (_queue(desk, pullback, make_snapshot(rsi=40)) for _ in range(2))
    for idea in (first, second):
        _run(capsys, "reject", str(idea))
    rejected = _json(capsys, "history", "--action", "human_rejected")
    assert [(d["action"], d["idea_id"]) for d in rejected] == [
        ("human_rejected", second),
        ("human_rejected", first),
    ]
    assert len(_json(capsys, "history", "--action", "human_rejected", "--limit", "1")) == 1


def test_history_when_fresh_database_then_migrated_and_empty(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COUNTERSIGN_DATABASE_URL", f"sqlite:///{tmp_path / 'new' / 'cs.db'}")
    assert _run(capsys, "history") == (0, "no decisions\n", "")
