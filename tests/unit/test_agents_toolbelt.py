"""The tools bound to a toolkit: JSON results, one submission per run, stoppable calls."""

import asyncio
import json

from autogen_core import CancellationToken

from agents.roles import Role
from agents.toolbelt import Submission, SubmissionRefusedError, workbench_for
from tests.unit.test_agents_support import CANDIDATE, FakeToolkit, SlowToolkit
from tools.proposal import TradeProposal

PROPOSAL = TradeProposal.model_validate(CANDIDATE | {"symbol": "EURUSD"})


async def test_call_tool_when_toolkit_answers_then_result_is_its_dict_as_json() -> None:
    bench = workbench_for(Role.TECHNICAL, FakeToolkit(), Submission())
    result = await bench.call_tool("key_levels", {}, CancellationToken())
    assert not result.is_error
    assert json.loads(result.to_text()) == {
        "trend": "up",
        "support": [1.082],
        "resistance": [1.089],
    }


async def test_call_tool_when_direction_is_not_buy_or_sell_then_tool_error() -> None:
    toolkit = FakeToolkit()
    bench = workbench_for(Role.RISK, toolkit, Submission())
    result = await bench.call_tool("position_size", {"direction": "long"}, CancellationToken())
    assert result.is_error
    assert toolkit.calls == []


async def test_call_tool_when_token_fires_mid_call_then_error_result_not_cancellation() -> None:
    toolkit = SlowToolkit()
    bench = workbench_for(Role.TECHNICAL, toolkit, Submission())
    token = CancellationToken()
    asyncio.get_running_loop().call_later(0.1, token.cancel)
    try:
        result = await asyncio.wait_for(bench.call_tool("indicators", {}, token), timeout=2)
    finally:
        toolkit.release.set()
    assert result.is_error
    assert "stopped before the tool finished" in result.to_text()


async def test_submit_when_called_twice_at_once_then_the_toolkit_sees_one_submission() -> None:
    toolkit = FakeToolkit()
    submission = Submission()
    first, second = await asyncio.gather(
        submission.submit(toolkit.submit_proposal, PROPOSAL),
        submission.submit(toolkit.submit_proposal, PROPOSAL),
        return_exceptions=True,
    )
    assert first == {"outcome": "needs_approval", "symbol": "EURUSD"}
    assert isinstance(second, SubmissionRefusedError)
    assert toolkit.submitted == [PROPOSAL]


async def test_submit_when_token_was_already_cancelled_then_refused_without_calling_toolkit() -> (
    None
):
    toolkit = FakeToolkit()
    bench = workbench_for(Role.EXECUTOR, toolkit, Submission())
    token = CancellationToken()
    token.cancel()
    arguments = {"proposal": PROPOSAL.model_dump(mode="json")}
    result = await bench.call_tool("submit_proposal", arguments, token)
    assert result.is_error
    assert toolkit.calls == []


async def test_tools_of_two_runs_share_their_schema_but_each_calls_its_own_toolkit() -> None:
    first, second = FakeToolkit(), FakeToolkit()
    first_bench = workbench_for(Role.RISK, first, Submission())
    second_bench = workbench_for(Role.RISK, second, Submission())
    first_schemas, second_schemas = await first_bench.list_tools(), await second_bench.list_tools()
    assert [s["name"] for s in first_schemas] == ["position_size", "risk_checks", "confidence"]
    assert all(a is b for a, b in zip(first_schemas, second_schemas, strict=True))
    assert first_schemas[0]["parameters"]["properties"]["direction"]["enum"] == ["buy", "sell"]
    assert "cancellation_token" not in first_schemas[0]["parameters"]["properties"]
    await second_bench.call_tool("position_size", {"direction": "sell"}, CancellationToken())
    assert first.calls == []
    assert second.calls == [("position_size", "sell")]
