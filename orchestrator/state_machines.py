"""Explicit transition tables for the desk's state machines; an illegal move raises.

Every state of a machine must appear as a key, terminal states with no next state, so that
adding an enum value without deciding its moves fails at import time.
"""

from collections.abc import Iterable, Mapping
from enum import StrEnum

from tools.lifecycle import IdeaStatus, OrderStatus, TradingState
from tools.risk_config import Mode


class IllegalTransition(ValueError):
    """A move the machine's table does not allow."""


class TransitionTable[S: StrEnum]:
    def __init__(self, name: str, moves: Mapping[S, Iterable[S]]) -> None:
        self.name = name
        self._moves: dict[S, frozenset[S]] = {state: frozenset(to) for state, to in moves.items()}
        state_type = type(next(iter(self._moves)))
        missing = set(state_type) - self._moves.keys()
        if missing:
            raise ValueError(f"{name}: no moves declared for {sorted(missing)}")

    def next_states(self, state: S) -> frozenset[S]:
        """Where `state` may go (empty for a terminal state); e.g. the modes a page offers."""
        return self._moves[state]

    def can(self, current: S, target: S) -> bool:
        return target in self._moves.get(current, frozenset())

    def check(self, current: S, target: S) -> S:
        """Return `target` when the move is legal; raise IllegalTransition otherwise."""
        if not self.can(current, target):
            raise IllegalTransition(f"{self.name}: illegal transition {current} -> {target}")
        return target


_AO, _SIM, _AR = Mode.ANALYSIS_ONLY, Mode.SIMULATION, Mode.APPROVAL_REQUIRED
_SEMI, _FULL = Mode.SEMI_AUTO, Mode.FULL_AUTO

# Mode changes. Going safer (ANALYSIS_ONLY, APPROVAL_REQUIRED) and to SIMULATION is always
# allowed; autonomy is granted one step at a time, FULL_AUTO never straight from paper/analysis.
#
#   from \ to          ANALYSIS  SIMULATION  APPROVAL  SEMI_AUTO  FULL_AUTO
#   ANALYSIS_ONLY         -         yes        yes        no         no
#   SIMULATION           yes         -         yes        yes        no
#   APPROVAL_REQUIRED    yes        yes         -         yes        yes*
#   SEMI_AUTO            yes        yes        yes         -         yes*
#   FULL_AUTO            yes        yes        yes        yes         -
#
#   * entering FULL_AUTO needs explicit confirmation (mode_change_needs_confirmation).
MODE = TransitionTable[Mode](
    "mode",
    {
        _AO: {_SIM, _AR},
        _SIM: {_AO, _AR, _SEMI},
        _AR: {_AO, _SIM, _SEMI, _FULL},
        _SEMI: {_AO, _SIM, _AR, _FULL},
        _FULL: {_AO, _SIM, _AR, _SEMI},
    },
)


def mode_change_needs_confirmation(current: Mode, target: Mode) -> bool:
    """Whether the human must confirm this (legal) mode change; raises if it is illegal."""
    return MODE.check(current, target) is Mode.FULL_AUTO


TRADING_STATE = TransitionTable[TradingState](
    "trading state",
    {
        TradingState.ACTIVE: {TradingState.HALTED},
        TradingState.HALTED: {TradingState.ACTIVE},
    },
)

_I = IdeaStatus
IDEA = TransitionTable[IdeaStatus](
    "idea",
    {
        # An idea recorded in ANALYSIS_ONLY simply stays in `analysis`.
        _I.ANALYSIS: {
            _I.NEEDS_APPROVAL,
            _I.EXECUTING,
            _I.REJECTED,
            _I.HALTED_BY_RISK,
            _I.NO_TRADE,
        },
        _I.NEEDS_APPROVAL: {_I.APPROVED, _I.HUMAN_REJECTED, _I.EXPIRED},
        _I.APPROVED: {_I.EXECUTING},
        _I.EXECUTING: {_I.EXECUTED, _I.AUTO_EXECUTED, _I.EXECUTION_FAILED},
        _I.EXECUTED: set(),
        _I.AUTO_EXECUTED: set(),
        _I.REJECTED: set(),
        _I.HUMAN_REJECTED: set(),
        _I.HALTED_BY_RISK: set(),
        _I.EXPIRED: set(),
        _I.EXECUTION_FAILED: set(),
        _I.NO_TRADE: set(),
    },
)

_O = OrderStatus
ORDER = TransitionTable[OrderStatus](
    "order",
    {
        _O.PENDING: {_O.SUBMITTED, _O.REJECTED, _O.CANCELLED},
        _O.SUBMITTED: {_O.FILLED, _O.REJECTED, _O.CANCELLED},
        _O.FILLED: set(),
        _O.REJECTED: set(),
        _O.CANCELLED: set(),
    },
)
