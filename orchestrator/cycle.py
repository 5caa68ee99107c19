"""Cycles: for each watched symbol and each active strategy that allows it, snapshot -> team ->
gate -> persist. Symbols run side by side (bounded); one symbol never runs twice at once.

Degraded mode: when the configured LLM fails, the same snapshot is decided again by the offline
rules model; the decision carries LLM_UNAVAILABLE and the failed attempt's transcript is kept.
"""

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from agents import Budget, ModelSet, TeamResult, TranscriptEvent, build_task, run_team
from orchestrator import strategy_book
from orchestrator.desk import Desk
from orchestrator.gate import DeskState
from orchestrator.live import LiveRuns
from orchestrator.settings import Settings
from orchestrator.toolkit import SnapshotToolkit
from orchestrator.transcript_writer import TranscriptWriter
from orchestrator.transcripts import (
    event_payload,
    fail_run,
    finish_run,
    start_run,
)
from store.db import session_scope
from tools.proposal import ProposalDirection, TradeProposal
from tools.snapshot import Snapshot
from tools.strategies import StrategyDefinition

log = logging.getLogger("countersign.cycle")
FALLBACK_NOTE = "FALLBACK (offline rules model, the configured LLM failed): "
EventSink = Callable[[int, dict], Awaitable[None] | None]
_NO_PROPOSAL_CODES = {"budget_exceeded": "BUDGET_EXCEEDED", "no_proposal": "NO_PROPOSAL"}


@dataclass
class CycleResult:
    run_id: int
    symbol: str
    strategy: str
    ended_by: str
    status: str | None
    idea_id: int | None
    reason_codes: list[str] = field(default_factory=list)
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    model: str = ""
    fallback_used: bool = False


class FallbackToolkit(SnapshotToolkit):
    """The same tools; the submitted rationale says it came from the fallback."""

    def submit_proposal(self, proposal: TradeProposal) -> dict:
        marked = proposal.model_copy(update={"rationale": FALLBACK_NOTE + proposal.rationale})
        return super().submit_proposal(marked)


class CycleRunner:
    def __init__(
        self,
        desk: Desk,
        models: ModelSet,
        *,
        budget: Budget | None = None,
        live: LiveRuns | None = None,
    ) -> None:
        settings = desk.settings
        self.desk = desk
        self.models = models
        self.offline = ModelSet.offline()
        self.budget = budget or Budget(
            max_messages=settings.budget_max_messages,
            max_tokens=settings.budget_max_tokens,
            max_seconds=settings.budget_max_seconds,
        )
        self.live = live or LiveRuns()
        self._transcripts = TranscriptWriter(desk.engine)
        self._slots = asyncio.Semaphore(settings.cycle_concurrency)
        self._symbol_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def strategies_for(self, symbol: str, name: str | None = None) -> list[StrategyDefinition]:
        with session_scope(self.desk.engine, read_only=True) as session:
            active = strategy_book.active_for(session, symbol, self.desk.settings.timeframe)
        return [s for s in active if name is None or s.name == name]

    async def run_watchlist(
        self,
        at: datetime,
        symbols: list[str] | None = None,
        strategy: str | None = None,
        on_event: EventSink | None = None,
    ) -> list[CycleResult]:
        symbols = symbols or self.desk.settings.watchlist
        batches = await asyncio.gather(
            *(self.run_symbol(s, at, strategy, on_event) for s in symbols)
        )
        return [result for batch in batches for result in batch]

    async def run_symbol(
        self,
        symbol: str,
        at: datetime,
        strategy: str | None = None,
        on_event: EventSink | None = None,
    ) -> list[CycleResult]:
        """Every active strategy for the symbol on one snapshot, one after another."""
        async with self._symbol_locks[symbol.upper()]:
            definitions = await asyncio.to_thread(self.strategies_for, symbol, strategy)
            if not definitions:
                return []
            snapshot = await asyncio.to_thread(self.desk.snapshots.build, symbol, at)
            results = []
            for definition in definitions:
                async with self._slots:
                    try:
                        results.append(await self.run_once(snapshot, definition, on_event))
                    except Exception:  # one broken run must not cost the other symbols theirs
                        log.exception("cycle %s / %s failed", symbol, definition.name)
            return results

    async def run_once(
        self, snapshot: Snapshot, strategy: StrategyDefinition, on_event: EventSink | None = None
    ) -> CycleResult:
        started = time.perf_counter()
        state = await asyncio.to_thread(self.desk.desk_state, snapshot)
        engine = self.desk.engine
        run_id = await asyncio.to_thread(
            start_run, engine, snapshot, strategy.name, self.models.label, self.desk.clock()
        )
        try:
            return await self._decide(snapshot, strategy, state, run_id, started, on_event)
        except BaseException as exc:
            # A run that died (a bug, a cancelled task) is closed as failed, not left "running".
            await asyncio.to_thread(fail_run, engine, run_id, exc, self.desk.clock())
            raise

    async def _decide(
        self,
        snapshot: Snapshot,
        strategy: StrategyDefinition,
        state: DeskState,
        run_id: int,
        started: float,
        on_event: EventSink | None,
    ) -> CycleResult:
        symbol, engine = snapshot.symbol, self.desk.engine
        toolkit = SnapshotToolkit(self.desk, snapshot, strategy, state, run_id=run_id)
        task = build_task(toolkit.digest())

        results = [await self._attempt(run_id, 1, task, toolkit, self.models, on_event)]
        if results[0].ended_by == "llm_unavailable" and not self.models.is_offline:
            fallback = FallbackToolkit(self.desk, snapshot, strategy, state, run_id=run_id)
            fallback.llm_unavailable = True
            results.append(await self._attempt(run_id, 2, task, fallback, self.offline, on_event))
            toolkit = fallback
        final = results[-1]
        if toolkit.submitted is None:
            # Budget overrun, a stalled chat or two failed attempts: record why, order nothing.
            code = _NO_PROPOSAL_CODES.get(final.ended_by, "LLM_UNAVAILABLE")
            none = TradeProposal(
                symbol=symbol,
                direction=ProposalDirection.NONE,
                strategy=strategy.name,
                rationale=final.stop_reason[:500],
            )
            recorded = await asyncio.to_thread(
                self.desk.propose,
                snapshot,
                none,
                strategy=strategy,
                run_id=run_id,
                extra_codes=[code],
                llm_unavailable=toolkit.llm_unavailable,
            )
            toolkit.submitted = {
                "idea_id": recorded.idea_id,
                "status": recorded.status,
                "reason_codes": recorded.decision.reason_codes,
            }
        submitted = toolkit.submitted
        model = (
            self.models.label
            if len(results) == 1
            else f"{self.models.label} -> {self.offline.label}"
        )
        run = await asyncio.to_thread(
            finish_run,
            engine,
            run_id,
            results,
            model=model,
            prices=self.desk.settings.llm_prices,
            seconds=time.perf_counter() - started,
            at=self.desk.clock(),
            outcome=str(submitted.get("status")),
            idea_id=submitted.get("idea_id"),
        )
        return CycleResult(
            run_id=run_id,
            symbol=snapshot.symbol,
            strategy=strategy.name,
            ended_by=final.ended_by,
            status=run.outcome,
            idea_id=run.idea_id,
            reason_codes=list(submitted.get("reason_codes") or []),
            llm_calls=run.llm_calls,
            prompt_tokens=run.prompt_tokens,
            completion_tokens=run.completion_tokens,
            cost_usd=run.cost_usd,
            seconds=run.seconds,
            model=run.model,
            fallback_used=run.fallback_used,
        )

    async def _attempt(
        self,
        run_id: int,
        attempt: int,
        task: str,
        toolkit: SnapshotToolkit,
        models: ModelSet,
        on_event: EventSink | None,
    ) -> TeamResult:
        async def persist_and_publish(event: TranscriptEvent) -> None:
            await self._transcripts.write(run_id, attempt, event)
            payload = event_payload(event, attempt)
            self.live.publish(run_id, payload)
            if on_event is not None:
                maybe = on_event(run_id, payload)
                if maybe is not None:
                    await maybe

        return await run_team(
            task=task,
            toolkit=toolkit,
            models=models,
            budget=self.budget,
            on_event=persist_and_publish,
        )


def model_set(settings: Settings) -> ModelSet:
    """The configured endpoint, or the offline rules model when none is set."""
    if settings.llm is None:
        return ModelSet.offline()
    return ModelSet.from_config(settings.llm, settings.llm_agents)
