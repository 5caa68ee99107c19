"""The Desk: the one facade every front door (CLI, REST, web, agents) calls for commands.

propose   snapshot + proposal -> gate -> idea + decision (+ order when the outcome says so)
approve   re-validate on fresh state, claim the idea, order at most once, submit
reject / expire_stale / set_mode / halt / resume / update_risk_config
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from orchestrator import broker_control, controls, strategy_book
from orchestrator.broker_control import BrokerStatus
from orchestrator.brokerage import BrokerBook, BrokerProvider, PaperBrokerProvider
from orchestrator.errors import (
    AiHalted,
    IdeaNotPending,
    InvalidInput,
    NotFound,
    RiskViolation,
    StrategyExists,
)
from orchestrator.execution import submit_entry
from orchestrator.gate import DeskState, GateDecision, judge
from orchestrator.outcome import Outcome
from orchestrator.reconcile import reconcile_all
from orchestrator.sessions_clock import session_started_at
from orchestrator.settings import Settings
from orchestrator.snapshots import SnapshotService
from store.db import session_scope
from store.models import OrderRow, ReconciliationRow, TradeIdeaRow
from store.records import (
    append_decision,
    append_idea_decision,
    get_risk_config,
    save_snapshot,
)
from store.types import utc_now
from tools.account import AccountState
from tools.checks import Severity
from tools.instruments import InstrumentRegistry
from tools.lifecycle import DecisionAction, HaltSource, IdeaStatus, OrderKind, OrderStatus
from tools.proposal import ProposalDirection, TradeProposal
from tools.risk_config import Mode, RiskConfig
from tools.snapshot import Snapshot
from tools.strategies import StrategyDefinition

AI_ACTOR = "ai"
SYSTEM_ACTOR = "system"

_IDEA_STATUS = {
    Outcome.NO_TRADE: IdeaStatus.NO_TRADE,
    Outcome.ANALYSIS: IdeaStatus.ANALYSIS,
    Outcome.NEEDS_APPROVAL: IdeaStatus.NEEDS_APPROVAL,
    Outcome.REJECTED: IdeaStatus.REJECTED,
    Outcome.HALTED_BY_RISK: IdeaStatus.HALTED_BY_RISK,
    Outcome.AUTO_EXECUTED: IdeaStatus.ANALYSIS,  # moves to executing when its order is sent
}
_DECISION_ACTION = {
    Outcome.NO_TRADE: DecisionAction.NO_TRADE,
    Outcome.ANALYSIS: DecisionAction.ANALYSIS_RECORDED,
    Outcome.NEEDS_APPROVAL: DecisionAction.NEEDS_APPROVAL,
    Outcome.REJECTED: DecisionAction.REJECTED,
    Outcome.HALTED_BY_RISK: DecisionAction.HALTED_BY_RISK,
    Outcome.AUTO_EXECUTED: DecisionAction.AUTO_EXECUTED,
}
_HALT_SOURCES = {
    "MAX_DAILY_DRAWDOWN": HaltSource.DRAWDOWN,
    "DAILY_PROFIT_TARGET": HaltSource.DAILY_TARGET,
    "CONSECUTIVE_LOSSES": HaltSource.CONSECUTIVE_LOSSES,
}


@dataclass(frozen=True)
class ProposalResult:
    idea_id: int
    status: IdeaStatus
    decision: GateDecision


def _client_order_id(idea_id: int) -> str:
    return f"cs-{idea_id}-entry"


class Desk:
    def __init__(
        self, engine: Engine, settings: Settings, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.instruments = InstrumentRegistry(settings.instruments)
        paper = PaperBrokerProvider(settings.paper, self.instruments, clock)
        self.brokers = BrokerBook(paper, settings.brokers, clock)
        self.snapshots = SnapshotService(
            settings, account=self.account, risk_config=self.risk_config
        )
        with session_scope(engine) as session:
            strategy_book.ensure_seeded(session)
            get_risk_config(session)  # stores the defaults, so later reads never write

    # --- reads the snapshot needs -------------------------------------------------------------

    def account(self) -> AccountState:
        with session_scope(self.engine, read_only=True) as session:
            return self.brokers.active(session).read(session).account()

    def active_broker(self) -> BrokerProvider:
        with session_scope(self.engine, read_only=True) as session:
            return self.brokers.active(session)

    def risk_config(self) -> RiskConfig:
        with session_scope(self.engine, read_only=True) as session:
            return get_risk_config(session)

    def desk_state(self, snapshot: Snapshot) -> DeskState:
        with session_scope(self.engine, read_only=True) as session:
            return self._desk_state(session, snapshot)

    def _desk_state(self, session: Session, snapshot: Snapshot) -> DeskState:
        started = session_started_at(snapshot.session, self.snapshots.windows)
        trades = 0
        if started is not None:
            trades = session.exec(
                select(func.count())
                .select_from(OrderRow)
                .where(
                    OrderRow.kind == OrderKind.ENTRY,
                    OrderRow.created_at >= started,
                    col(OrderRow.status).in_([OrderStatus.SUBMITTED, OrderStatus.FILLED]),
                )
            ).one()
        return DeskState(config=get_risk_config(session), trades_this_session=trades)

    # --- propose ------------------------------------------------------------------------------

    def propose(
        self,
        snapshot: Snapshot,
        proposal: TradeProposal,
        *,
        strategy: StrategyDefinition | None,
        run_id: int | None = None,
        llm_unavailable: bool = False,
        extra_codes: Sequence[str] = (),
    ) -> ProposalResult:
        """Judge and record a proposal. `extra_codes` carry why a run ended without a real
        proposal (BUDGET_EXCEEDED...); LLM_UNAVAILABLE is added when the fallback decided."""
        now = self.clock()
        with session_scope(self.engine) as session:
            state = self._desk_state(session, snapshot)
            decision = judge(snapshot, proposal, strategy, state)
            if llm_unavailable and decision.outcome is Outcome.AUTO_EXECUTED:
                # What the fallback decided is never executed without a human's countersignature.
                decision = decision.model_copy(update={"outcome": Outcome.NEEDS_APPROVAL})
            codes = [
                *decision.reason_codes,
                *extra_codes,
                *(["LLM_UNAVAILABLE"] if llm_unavailable else []),
            ]
            decision = decision.model_copy(update={"reason_codes": codes})
            save_snapshot(
                session,
                snapshot.model_dump_json(),
                snapshot.content_hash,
                snapshot.symbol,
                snapshot.timeframe,
                snapshot.as_of,
            )
            idea = self._new_idea(
                session, snapshot, proposal, decision, state.config, run_id, llm_unavailable, now
            )
            append_decision(
                session,
                action=_DECISION_ACTION[decision.outcome],
                actor=AI_ACTOR,
                idea_id=idea.id,
                symbol=snapshot.symbol,
                reason_codes=codes,
                snapshot_hash=snapshot.content_hash,
                mode=state.config.mode,
                confidence=decision.confidence.total if decision.confidence else None,
                details={"rationale": proposal.rationale[:500], "lots": decision.lots},
            )
            for check in decision.automatic_halts:
                controls.halt(
                    session,
                    check.line(),
                    actor=SYSTEM_ACTOR,
                    source=_HALT_SOURCES.get(check.id, HaltSource.ERROR_RATE),
                    at=now,
                    details={"check": check.id, "numbers": check.numbers},
                )
            order_id = (
                self._new_order(session, idea)
                if decision.outcome is Outcome.AUTO_EXECUTED
                else None
            )
            idea_id, status = idea.id, idea.status
        if order_id is not None:
            status = submit_entry(self.engine, self.brokers, order_id, actor=AI_ACTOR)
        assert idea_id is not None
        return ProposalResult(idea_id=idea_id, status=status, decision=decision)

    def _new_idea(
        self,
        session: Session,
        snapshot: Snapshot,
        proposal: TradeProposal,
        decision: GateDecision,
        config: RiskConfig,
        run_id: int | None,
        llm_unavailable: bool,
        now: datetime,
    ) -> TradeIdeaRow:
        idea = TradeIdeaRow(
            symbol=snapshot.symbol,
            timeframe=snapshot.timeframe,
            strategy_name=decision.strategy or "",
            direction=proposal.direction.value,
            status=_IDEA_STATUS[decision.outcome],
            mode=config.mode,
            entry=decision.entry,
            stop=decision.stop,
            targets=decision.targets,
            computed_lots=decision.computed_lots,
            approved_lots=decision.lots if decision.outcome is Outcome.AUTO_EXECUTED else None,
            rr=decision.rr,
            confidence=decision.confidence.total if decision.confidence else None,
            confidence_breakdown=decision.confidence.model_dump() if decision.confidence else {},
            checks=[c.model_dump(mode="json") for c in decision.checks],
            reason_codes=decision.reason_codes,
            rationale=proposal.rationale,
            llm_unavailable=llm_unavailable,
            snapshot_hash=snapshot.content_hash,
            run_id=run_id,
            created_at=now,
            expires_at=now + timedelta(minutes=config.idea_expiry_minutes),
        )
        session.add(idea)
        session.flush()
        return idea

    def _new_order(self, session: Session, idea: TradeIdeaRow) -> int:
        assert idea.id is not None and idea.entry is not None
        order = OrderRow(
            idea_id=idea.id,
            kind=OrderKind.ENTRY,
            client_order_id=_client_order_id(idea.id),
            symbol=idea.symbol,
            direction=idea.direction,
            lots=idea.approved_lots,
            requested_price=idea.entry,
            stop=idea.stop,
            targets=idea.targets,
            broker=self.brokers.active(session).name,
        )
        session.add(order)
        session.flush()
        assert order.id is not None
        return order.id

    # --- human acts ---------------------------------------------------------------------------

    def approve(
        self, idea_id: int, *, lots: float | None = None, actor: str = "human:owner"
    ) -> IdeaStatus:
        """Approve a queued idea: at most one order, whatever the number of clicks."""
        with session_scope(self.engine) as session:
            idea = self._pending_idea(session, idea_id)
            symbol, timeframe = idea.symbol, idea.timeframe
        broker_control.require_reachable(self.engine, self.brokers)
        fresh = self.snapshots.build(symbol, self.clock(), timeframe)  # outside the claim lock
        with session_scope(self.engine) as session:
            idea = self._pending_idea(session, idea_id)
            refusal = self._revalidate(session, idea, fresh, lots, actor)
            if refusal is None:
                order_id = self._claim(session, idea, lots, actor)
        if refusal is not None:
            raise refusal
        return submit_entry(self.engine, self.brokers, order_id, actor=actor)

    def _pending_idea(self, session: Session, idea_id: int) -> TradeIdeaRow:
        idea = session.get(TradeIdeaRow, idea_id)
        if idea is None:
            raise NotFound(f"idea {idea_id} does not exist", {"idea_id": idea_id})
        if idea.status is not IdeaStatus.NEEDS_APPROVAL:
            raise IdeaNotPending(
                f"idea {idea_id} is {idea.status}, not waiting for approval",
                {"idea_id": idea_id, "status": idea.status},
            )
        return idea

    def _refuse(
        self,
        session: Session,
        idea: TradeIdeaRow,
        error: Exception,
        codes: list[str],
        actor: str,
        details: Mapping[str, Any],
    ) -> Exception:
        append_idea_decision(
            session,
            idea,
            DecisionAction.APPROVAL_REFUSED,
            actor,
            human_override=True,
            reason_codes=codes,
            details={"message": str(error), **details},
        )
        return error

    def _revalidate(
        self, session: Session, idea: TradeIdeaRow, fresh: Snapshot, lots: float | None, actor: str
    ) -> Exception | None:
        now = self.clock()
        computed = idea.computed_lots or 0.0
        if lots is not None and lots > computed:
            raise InvalidInput(
                f"lots {lots} is above the computed size {computed}",
                {"lots": lots, "computed_lots": computed},
            )
        if idea.expires_at is not None and idea.expires_at <= now:
            self._expire(session, idea, actor=SYSTEM_ACTOR)
            return IdeaNotPending(f"idea {idea.id} expired at {idea.expires_at:%H:%M} UTC")
        config = get_risk_config(session, lock=True)
        if not config.ai_trading_enabled:
            return self._refuse(
                session,
                idea,
                AiHalted(f"trading is halted: {config.last_halt_reason}"),
                ["AI_HALTED"],
                actor,
                {"halt_reason": config.last_halt_reason},
            )
        moved_pct = abs(fresh.last_price - (idea.entry or 0)) / (idea.entry or 1) * 100
        if moved_pct > config.approval_price_tolerance_pct:
            return self._refuse(
                session,
                idea,
                RiskViolation(
                    f"price moved {moved_pct:.3f}% since the proposal (max "
                    f"{config.approval_price_tolerance_pct}%)"
                ),
                ["PRICE_MOVED"],
                actor,
                {"entry": idea.entry, "price": fresh.last_price, "moved_pct": round(moved_pct, 4)},
            )
        proposal = TradeProposal(
            symbol=idea.symbol,
            direction=ProposalDirection(idea.direction),
            strategy=idea.strategy_name,
            entry=idea.entry,
            stop=idea.stop,
            targets=idea.targets,
            lots=lots or computed,
        )
        strategy = strategy_book.find(session, idea.strategy_name)
        verdict = judge(fresh, proposal, strategy, self._desk_state(session, fresh))
        failed = [
            c
            for c in verdict.checks
            if not c.passed and (c.severity in (Severity.BLOCK, Severity.HALT) or c.id == "MODE")
        ]
        if failed:
            return self._refuse(
                session,
                idea,
                RiskViolation("; ".join(c.line() for c in failed)),
                [c.id for c in failed],
                actor,
                {"checks": [c.model_dump(mode="json") for c in failed]},
            )
        return None

    def _claim(self, session: Session, idea: TradeIdeaRow, lots: float | None, actor: str) -> int:
        final_lots = lots or idea.computed_lots
        claimed = session.execute(
            update(TradeIdeaRow)
            .where(
                col(TradeIdeaRow.id) == idea.id,
                col(TradeIdeaRow.status) == IdeaStatus.NEEDS_APPROVAL,
                col(TradeIdeaRow.version) == idea.version,
            )
            .values(
                status=IdeaStatus.APPROVED,
                approved_lots=final_lots,
                version=TradeIdeaRow.version + 1,
            )
        ).rowcount
        if claimed != 1:
            raise IdeaNotPending(f"idea {idea.id} was already handled", {"idea_id": idea.id})
        session.refresh(idea)
        append_idea_decision(
            session,
            idea,
            DecisionAction.APPROVED,
            actor,
            human_override=True,
            confidence=idea.confidence,
            details={"lots": final_lots, "computed_lots": idea.computed_lots},
        )
        return self._new_order(session, idea)

    def reject(
        self, idea_id: int, *, reason: str | None = None, actor: str = "human:owner"
    ) -> None:
        with session_scope(self.engine) as session:
            idea = self._pending_idea(session, idea_id)
            self._transition(session, idea, IdeaStatus.HUMAN_REJECTED)
            append_idea_decision(
                session,
                idea,
                DecisionAction.HUMAN_REJECTED,
                actor,
                human_override=True,
                details={"reason": reason or ""},
            )

    def expire_stale(self) -> int:
        now = self.clock()
        with session_scope(self.engine) as session:
            stale = session.exec(
                select(TradeIdeaRow).where(
                    TradeIdeaRow.status == IdeaStatus.NEEDS_APPROVAL,
                    col(TradeIdeaRow.expires_at) <= now,
                )
            ).all()
            for idea in stale:
                self._expire(session, idea, actor=SYSTEM_ACTOR)
            return len(stale)

    def _expire(self, session: Session, idea: TradeIdeaRow, *, actor: str) -> None:
        self._transition(session, idea, IdeaStatus.EXPIRED)
        append_idea_decision(
            session,
            idea,
            DecisionAction.EXPIRED,
            actor,
            details={"expired_at": idea.expires_at.isoformat() if idea.expires_at else None},
        )

    @staticmethod
    def _transition(session: Session, idea: TradeIdeaRow, target: IdeaStatus) -> None:
        """Conditional on the status we read, so a concurrent act cannot be overwritten."""
        claimed = session.execute(
            update(TradeIdeaRow)
            .where(col(TradeIdeaRow.id) == idea.id, col(TradeIdeaRow.status) == idea.status)
            .values(status=target, version=TradeIdeaRow.version + 1)
        ).rowcount
        if claimed != 1:
            raise IdeaNotPending(f"idea {idea.id} was already handled", {"idea_id": idea.id})
        session.refresh(idea)

    # --- strategies and the paper account ------------------------------------------------------

    def save_strategy(
        self, data: Mapping[str, Any], *, actor: str = "human:owner", create: bool | None = None
    ) -> StrategyDefinition:
        """Validate and store a strategy. `create` True refuses an existing name, False refuses
        a missing one, None accepts both. A broken definition raises StrategyDefinitionError
        (field paths) and nothing is written."""
        name = str(data.get("name", ""))
        with session_scope(self.engine) as session:
            exists = strategy_book.find(session, name) is not None
            if create is True and exists:
                raise StrategyExists(f"a strategy named {name!r} already exists", {"name": name})
            if create is False and not exists:
                raise NotFound(f"no strategy named {name!r}", {"name": name})
            return strategy_book.save(session, dict(data), actor=actor)

    def set_strategy_active(
        self, name: str, active: bool, *, actor: str = "human:owner"
    ) -> StrategyDefinition:
        with session_scope(self.engine) as session:
            strategy = strategy_book.find(session, name)
            if strategy is None:
                raise NotFound(f"no strategy named {name!r}", {"name": name})
            data = {**strategy.model_dump(mode="json"), "active": active}
            return strategy_book.save(session, data, actor=actor)

    def reset_paper(
        self, *, starting_balance: float | None = None, actor: str = "human:owner"
    ) -> AccountState:
        """Start the paper account over; refused while paper positions are open."""
        with session_scope(self.engine) as session:
            if self.brokers.paper.read(session).positions():
                raise InvalidInput("close the open paper positions before resetting the account")
            self.brokers.paper.reset(session, starting_balance)
            append_decision(
                session,
                action=DecisionAction.PAPER_RESET,
                actor=actor,
                human_override=True,
                details={
                    "starting_balance": starting_balance or self.settings.paper.starting_balance
                },
            )
        return self.account()

    # --- controls -----------------------------------------------------------------------------

    def set_mode(
        self, mode: Mode, *, confirm: bool = False, actor: str = "human:owner"
    ) -> RiskConfig:
        broker_control.require_safe_mode(self.engine, self.brokers, mode, confirm=confirm)
        with session_scope(self.engine) as session:
            return controls.set_mode(session, mode, confirm=confirm, actor=actor)

    def halt(
        self,
        reason: str,
        *,
        actor: str = "human:owner",
        source: HaltSource = HaltSource.KILL_SWITCH,
    ) -> RiskConfig:
        with session_scope(self.engine) as session:
            return controls.halt(session, reason, actor=actor, source=source, at=self.clock())

    def resume(self, *, actor: str = "human:owner") -> RiskConfig:
        with session_scope(self.engine) as session:
            return controls.resume(session, actor=actor)

    def update_risk_config(
        self, changes: Mapping[str, Any], *, actor: str = "human:owner"
    ) -> RiskConfig:
        with session_scope(self.engine) as session:
            return controls.update_risk_config(session, changes, actor=actor)

    # --- brokers ------------------------------------------------------------------------------

    def broker_statuses(self) -> list[BrokerStatus]:
        with session_scope(self.engine) as session:
            return broker_control.statuses(session, self.brokers)

    def check_broker(self, name: str | None = None) -> BrokerStatus:
        """Test the connection to `name` (default: the active broker) and record the answer."""
        return broker_control.check_connection(
            self.engine, self.brokers, name or self.active_broker().name
        )

    def use_broker(
        self, name: str, *, confirm: bool = False, actor: str = "human:owner"
    ) -> BrokerStatus:
        return broker_control.use_broker(
            self.engine, self.brokers, name, confirm=confirm, actor=actor
        )

    def apply_configured_broker(self) -> BrokerStatus | None:
        """Switch to `brokers.use` from the settings, if set (done once when serving starts)."""
        name = self.settings.brokers.use
        return broker_control.apply_configured(self.engine, self.brokers, name) if name else None

    def reconcile(self) -> list[ReconciliationRow]:
        """Settle in-flight orders and compare positions with every broker that needs it."""
        return reconcile_all(self.engine, self.brokers)
