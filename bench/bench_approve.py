"""Approve-to-fill latency: `Desk.approve` on queued ideas, paper broker, SQLite file.

The desk clock is fixed at the proposals' moment, so each approval re-validates on the same
market the idea was proposed on and fills.

Run: UV_PYTHON_DOWNLOADS=never uv run python -m bench.bench_approve
"""

import tempfile
from collections import Counter
from pathlib import Path

from bench.bench_gate import AS_OF, summarize, timed_ms
from orchestrator import strategy_book
from orchestrator.desk import Desk
from orchestrator.settings import load_settings
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import TradeIdeaRow
from tools.proposal import ProposalDirection, TradeProposal
from tools.strategies import StrategyDefinition, seed_strategies

IDEAS = 50
LOTS = 0.01  # small enough that fifty open positions fit the paper account's margin
# Room for fifty fills in one session; everything else stays at its default.
LIMITS = {
    "kill_zone_mode": "relaxed",
    "max_concurrent_trades": IDEAS,
    "max_same_direction_trades": IDEAS,
    "max_trades_per_session": IDEAS,
    "max_trades_per_day": IDEAS,
}


def _bench_strategy(desk: Desk) -> StrategyDefinition:
    """The seed pullback, active and allowed fifty positions (approve re-reads it from the book)."""
    pullback = next(s for s in seed_strategies() if s.name == "Trend pullback")
    data = pullback.model_dump(mode="json")
    data["active"] = True
    data["risk_caps"]["max_concurrent_positions"] = IDEAS
    with session_scope(desk.engine) as session:
        return strategy_book.save(session, data, actor="bench")


def _queue(desk: Desk, strategy: StrategyDefinition) -> list[int]:
    snapshot = desk.snapshots.build("EURUSD", AS_OF)
    proposal = TradeProposal(
        symbol="EURUSD", direction=ProposalDirection.BUY, strategy=strategy.name
    )
    return [desk.propose(snapshot, proposal, strategy=strategy).idea_id for _ in range(IDEAS)]


def _ideas(desk: Desk, ids: list[int]) -> list[TradeIdeaRow]:
    with session_scope(desk.engine) as session:
        return [session.get_one(TradeIdeaRow, idea_id) for idea_id in ids]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        desk = Desk(engine, load_settings(database_url=url), clock=lambda: AS_OF)
        desk.update_risk_config(LIMITS, actor="bench")
        ideas = _queue(desk, _bench_strategy(desk))
        samples = [timed_ms(lambda i=idea: desk.approve(i, lots=LOTS)) for idea in ideas]
        statuses = Counter(str(idea.status) for idea in _ideas(desk, ideas))
        engine.dispose()
    print(f"approve -> paper fill, SQLite {dict(statuses)}: {summarize(samples)}")


if __name__ == "__main__":
    main()
