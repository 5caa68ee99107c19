"""Read-only previews: what the gate would say about a snapshot, with nothing recorded.

`analyze` runs every active strategy on a snapshot and previews the trade each one's evaluation
points to; `simulate` previews a proposal a human wrote. Neither stores the snapshot, an idea, a
decision or an order, and neither calls a broker: `Desk.propose` is the one path that records.
The caller builds the snapshot (`desk.snapshots.build`), so it decides how a bad symbol or moment
is answered.
"""

from dataclasses import dataclass

from orchestrator import strategy_book
from orchestrator.desk import Desk
from orchestrator.gate import DeskState, GateDecision, judge
from store.db import session_scope
from tools.proposal import ProposalDirection, TradeProposal
from tools.snapshot import Snapshot
from tools.strategies import StrategyEvaluation, evaluate_strategy


@dataclass(frozen=True)
class StrategyView:
    evaluation: StrategyEvaluation
    preview: GateDecision | None  # None when the strategy points to neither buy nor sell


def _state(desk: Desk, snapshot: Snapshot) -> DeskState:
    # The desk's own reading of its state, so a preview judges exactly as propose would.
    return desk.desk_state(snapshot)


def analyze(desk: Desk, snapshot: Snapshot) -> list[StrategyView]:
    """What each active strategy for the snapshot's symbol and timeframe says, in name order."""
    with session_scope(desk.engine) as session:
        strategies = strategy_book.active_for(session, snapshot.symbol, snapshot.timeframe)
    state = _state(desk, snapshot)
    views = []
    for strategy in strategies:
        evaluation = evaluate_strategy(strategy, snapshot)
        preview = None
        if evaluation.direction is not None:
            proposal = TradeProposal(
                symbol=snapshot.symbol,
                direction=ProposalDirection(evaluation.direction.value),
                strategy=strategy.name,
            )
            preview = judge(snapshot, proposal, strategy, state)
        views.append(StrategyView(evaluation=evaluation, preview=preview))
    return views


def simulate(desk: Desk, snapshot: Snapshot, proposal: TradeProposal) -> GateDecision:
    """The gate's decision on `proposal` against `snapshot`, under the strategy it names."""
    with session_scope(desk.engine) as session:
        strategy = strategy_book.find(session, proposal.strategy) if proposal.strategy else None
    return judge(snapshot, proposal, strategy, _state(desk, snapshot))
