"""Gate latency: `orchestrator.gate.judge` on one realistic proposal (demo feed, no network).

Run: UV_PYTHON_DOWNLOADS=never uv run python -m bench.bench_gate
"""

import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from orchestrator.gate import DeskState, judge
from orchestrator.settings import load_settings
from orchestrator.snapshots import SnapshotService
from tools.proposal import ProposalDirection, TradeProposal
from tools.risk_config import RiskConfig, Strictness
from tools.strategies import seed_strategies

# The demo EURUSD market at this hour is a pullback in an uptrend: the buy passes every check.
AS_OF = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)
CALLS = 2000


def timed_ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def summarize(samples_ms: Sequence[float]) -> str:
    p95 = statistics.quantiles(samples_ms, n=20)[18]
    return (
        f"median {statistics.median(samples_ms):.3f} ms, p95 {p95:.3f} ms, "
        f"max {max(samples_ms):.3f} ms over {len(samples_ms):,} calls"
    )


def main() -> None:
    snapshot = SnapshotService(load_settings()).build("EURUSD", AS_OF)
    pullback = next(s for s in seed_strategies() if s.name == "Trend pullback")
    strategy = pullback.model_copy(update={"active": True})
    proposal = TradeProposal(
        symbol="EURUSD", direction=ProposalDirection.BUY, strategy=strategy.name
    )
    state = DeskState(config=RiskConfig(kill_zone_mode=Strictness.RELAXED), trades_this_session=0)
    decision = judge(snapshot, proposal, strategy, state)
    samples = [timed_ms(lambda: judge(snapshot, proposal, strategy, state)) for _ in range(CALLS)]
    print(f"judge ({decision.outcome}, {len(decision.checks)} checks): {summarize(samples)}")


if __name__ == "__main__":
    main()
