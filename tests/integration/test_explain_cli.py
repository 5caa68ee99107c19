"""`countersign explain`: an answer with its sources, JSON, and what-if from the command line."""

import json

import pytest

from api.cli import main
from orchestrator.desk import Desk
from orchestrator.settings import load_settings
from store.db import make_engine
from store.migrate import upgrade
from tests.desk_helpers import Clock, queue_idea, relax_filters
from tests.integration.test_explain_support import explain_messages


@pytest.fixture
def desk(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Desk:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    monkeypatch.setenv("COUNTERSIGN_DATABASE_URL", url)
    upgrade(url)
    desk = Desk(make_engine(url), load_settings(), clock=Clock())
    relax_filters(desk)
    return desk


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_explain_when_question_given_then_answer_sources_and_model_printed(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    idea_id = queue_idea(desk)
    code, out, _ = _run(capsys, "explain", str(idea_id), "Why was it queued?")
    assert code == 0
    assert "queued for approval" in out
    assert "Sources: idea, decisions, checks" in out
    assert "Model: countersign-offline (offline rules model)" in out
    assert "Not in the record" not in out
    assert explain_messages(desk.engine) == 2


def test_explain_when_json_then_the_stored_answer(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    idea_id = queue_idea(desk)
    code, out, _ = _run(capsys, "explain", str(idea_id), "Why this confidence?", "--json")
    answer = json.loads(out)
    assert (code, answer["role"], answer["idea_id"]) == (0, "assistant", idea_id)
    assert [s["tool"] for s in answer["sources"]] == ["confidence"]


def test_explain_when_what_if_then_summary_and_nothing_stored(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    idea_id = queue_idea(desk)
    code, out, _ = _run(capsys, "explain", str(idea_id), "--what-if", "mode=SEMI_AUTO")
    assert code == 0
    assert "gives auto_executed instead of needs_approval" in out
    assert explain_messages(desk.engine) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["explain", "999", "Why?"], "NOT_FOUND: idea 999 does not exist"),
        (["explain", "1", "--what-if", "threshold"], "write PARAMETER=VALUE"),
        (["explain", "--decision", "999", "Why?"], "NOT_FOUND: decision 999 does not exist"),
    ],
)
def test_explain_when_input_refused_then_one_line_and_exit_2(
    desk: Desk, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    queue_idea(desk)
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert message in err
