"""Each machine against an expected table written out here, over every (from, to) pair."""

from enum import StrEnum
from itertools import product

import pytest

from orchestrator.state_machines import (
    IDEA,
    MODE,
    ORDER,
    TRADING_STATE,
    IllegalTransition,
    TransitionTable,
    mode_change_needs_confirmation,
)
from tools.lifecycle import IdeaStatus, OrderStatus, TradingState
from tools.risk_config import Mode

IS, OS, M, T = IdeaStatus, OrderStatus, Mode, TradingState

EXPECTED: dict[str, tuple[TransitionTable, type[StrEnum], set[tuple[StrEnum, StrEnum]]]] = {
    "mode": (
        MODE,
        Mode,
        {
            (M.ANALYSIS_ONLY, M.SIMULATION),
            (M.ANALYSIS_ONLY, M.APPROVAL_REQUIRED),
            (M.SIMULATION, M.ANALYSIS_ONLY),
            (M.SIMULATION, M.APPROVAL_REQUIRED),
            (M.SIMULATION, M.SEMI_AUTO),
            (M.APPROVAL_REQUIRED, M.ANALYSIS_ONLY),
            (M.APPROVAL_REQUIRED, M.SIMULATION),
            (M.APPROVAL_REQUIRED, M.SEMI_AUTO),
            (M.APPROVAL_REQUIRED, M.FULL_AUTO),
            (M.SEMI_AUTO, M.ANALYSIS_ONLY),
            (M.SEMI_AUTO, M.SIMULATION),
            (M.SEMI_AUTO, M.APPROVAL_REQUIRED),
            (M.SEMI_AUTO, M.FULL_AUTO),
            (M.FULL_AUTO, M.ANALYSIS_ONLY),
            (M.FULL_AUTO, M.SIMULATION),
            (M.FULL_AUTO, M.APPROVAL_REQUIRED),
            (M.FULL_AUTO, M.SEMI_AUTO),
        },
    ),
    "trading state": (TRADING_STATE, TradingState, {(T.ACTIVE, T.HALTED), (T.HALTED, T.ACTIVE)}),
    "idea": (
        IDEA,
        IdeaStatus,
        {
            (IS.ANALYSIS, IS.NEEDS_APPROVAL),
            (IS.ANALYSIS, IS.EXECUTING),
            (IS.ANALYSIS, IS.REJECTED),
            (IS.ANALYSIS, IS.HALTED_BY_RISK),
            (IS.ANALYSIS, IS.NO_TRADE),
            (IS.NEEDS_APPROVAL, IS.APPROVED),
            (IS.NEEDS_APPROVAL, IS.HUMAN_REJECTED),
            (IS.NEEDS_APPROVAL, IS.EXPIRED),
            (IS.APPROVED, IS.EXECUTING),
            (IS.EXECUTING, IS.EXECUTED),
            (IS.EXECUTING, IS.AUTO_EXECUTED),
            (IS.EXECUTING, IS.EXECUTION_FAILED),
        },
    ),
    "order": (
        ORDER,
        OrderStatus,
        {
            (OS.PENDING, OS.SUBMITTED),
            (OS.PENDING, OS.REJECTED),
            (OS.PENDING, OS.CANCELLED),
            (OS.SUBMITTED, OS.FILLED),
            (OS.SUBMITTED, OS.REJECTED),
            (OS.SUBMITTED, OS.CANCELLED),
        },
    ),
}

ALL_PAIRS = [
    pytest.param(name, current, target, id=f"{name}:{current}->{target}")
    for name, (_, states, _) in EXPECTED.items()
    for current, target in product(states, repeat=2)
]


@pytest.mark.parametrize(("name", "current", "target"), ALL_PAIRS)
def test_check_when_pair_listed_or_not_then_passes_or_raises(
    name: str, current: StrEnum, target: StrEnum
) -> None:
    table, _, legal = EXPECTED[name]
    if (current, target) in legal:
        assert table.check(current, target) == target
    else:
        with pytest.raises(IllegalTransition, match=f"^{name}: illegal transition"):
            table.check(current, target)


@pytest.mark.parametrize(
    ("table", "current", "target"),
    [
        (MODE, M.ANALYSIS_ONLY, M.FULL_AUTO),
        (MODE, M.SIMULATION, M.FULL_AUTO),
        (MODE, M.ANALYSIS_ONLY, M.SEMI_AUTO),
        (MODE, M.FULL_AUTO, M.FULL_AUTO),
        (TRADING_STATE, T.HALTED, T.HALTED),
        (IDEA, IS.NEEDS_APPROVAL, IS.EXECUTING),
        (IDEA, IS.REJECTED, IS.NEEDS_APPROVAL),
        (IDEA, IS.HUMAN_REJECTED, IS.APPROVED),
        (IDEA, IS.EXECUTED, IS.EXECUTING),
        (IDEA, IS.EXPIRED, IS.APPROVED),
        (ORDER, OS.FILLED, OS.CANCELLED),
        (ORDER, OS.PENDING, OS.FILLED),
        (ORDER, OS.CANCELLED, OS.SUBMITTED),
    ],
    ids=lambda value: value.name if isinstance(value, TransitionTable) else str(value),
)
def test_check_when_move_is_named_unsafe_then_raises_naming_machine_and_states(
    table: TransitionTable, current: StrEnum, target: StrEnum
) -> None:
    with pytest.raises(IllegalTransition) as raised:
        table.check(current, target)
    assert str(raised.value) == f"{table.name}: illegal transition {current} -> {target}"


def test_next_states_when_state_terminal_then_empty() -> None:
    assert IDEA.next_states(IS.EXECUTED) == frozenset()
    assert ORDER.next_states(OS.FILLED) == frozenset()
    assert MODE.next_states(M.ANALYSIS_ONLY) == {M.SIMULATION, M.APPROVAL_REQUIRED}


@pytest.mark.parametrize("current", [M.APPROVAL_REQUIRED, M.SEMI_AUTO])
def test_mode_change_when_entering_full_auto_then_needs_confirmation(current: Mode) -> None:
    assert mode_change_needs_confirmation(current, M.FULL_AUTO) is True


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (M.FULL_AUTO, M.SEMI_AUTO),
        (M.FULL_AUTO, M.ANALYSIS_ONLY),
        (M.APPROVAL_REQUIRED, M.SEMI_AUTO),
        (M.SIMULATION, M.APPROVAL_REQUIRED),
    ],
)
def test_mode_change_when_not_entering_full_auto_then_no_confirmation(
    current: Mode, target: Mode
) -> None:
    assert mode_change_needs_confirmation(current, target) is False


def test_mode_change_when_illegal_then_raises_instead_of_answering() -> None:
    with pytest.raises(IllegalTransition):
        mode_change_needs_confirmation(M.ANALYSIS_ONLY, M.FULL_AUTO)


def test_table_when_a_state_has_no_declared_moves_then_refused_at_construction() -> None:
    with pytest.raises(ValueError, match=r"no moves declared for \[<TradingState.HALTED"):
        TransitionTable[TradingState]("partial", {T.ACTIVE: {T.HALTED}})
