"""The task message: the digest goes in as one JSON line and comes back out unchanged."""

import pydantic
import pytest

from agents import build_task
from agents.digest import candidate_proposal, read_digest
from tests.unit.test_agents_support import CANDIDATE, make_digest
from tools.proposal import ProposalDirection


def test_build_task_when_digest_is_valid_then_it_reads_back_unchanged() -> None:
    digest = make_digest() | {"note": "line one\nline two"}
    task = build_task(digest)
    assert "EURUSD" in task.splitlines()[0]
    assert read_digest(task) == digest


def test_build_task_when_symbol_is_missing_then_it_raises() -> None:
    with pytest.raises(ValueError, match="symbol"):
        build_task({"candidate": None})


def test_build_task_when_candidate_key_is_missing_then_it_raises() -> None:
    with pytest.raises(ValueError, match="candidate"):
        build_task({"symbol": "EURUSD"})


def test_build_task_when_candidate_is_not_a_proposal_then_it_raises() -> None:
    with pytest.raises(pydantic.ValidationError):
        build_task(make_digest(candidate=CANDIDATE | {"direction": "sideways"}))


def test_candidate_proposal_when_candidate_given_then_digest_symbol_is_used() -> None:
    proposal = candidate_proposal(make_digest("GBPUSD"))
    assert proposal is not None
    assert (proposal.symbol, proposal.direction) == ("GBPUSD", ProposalDirection.BUY)
    assert proposal.lots == CANDIDATE["lots"]


def test_candidate_proposal_when_candidate_is_none_then_none() -> None:
    assert candidate_proposal(make_digest(candidate=None)) is None


@pytest.mark.parametrize("task", ["no digest here", "DESK DIGEST (JSON, one line):\n[1, 2]"])
def test_read_digest_when_task_has_no_json_object_then_none(task: str) -> None:
    assert read_digest(task) is None
