"""Analysis and simulation: a snapshot's summary and the gate's preview, nothing recorded."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import ErrorDetail, Lots, Moment, Price, RequestModel, Symbol
from orchestrator.gate import GateDecision
from orchestrator.outcome import Outcome
from tools.account import Direction
from tools.calendar import CalendarEvent
from tools.checks import CheckResult
from tools.confidence import ConfidenceScore
from tools.indicators import IndicatorSet
from tools.news import Headline
from tools.proposal import TradeProposal
from tools.sessions import SessionState
from tools.snapshot import Bar, Snapshot
from tools.strategies.evaluate import ConditionResult, StrategyEvaluation
from tools.strategies.schema import Timeframe
from tools.structure import MarketStructure, Trend

MAX_BATCH = 10
TIMEFRAME_HELP = "M1, M5, M15, M30, H1, H4 or D1; default: the desk's timeframe"


class AnalyzeRequest(RequestModel):
    symbol: Symbol
    at: Moment | None = Field(default=None, description="Default: now; never in the future")
    timeframe: Timeframe | None = Field(default=None, description=TIMEFRAME_HELP)


class BatchAnalyzeRequest(RequestModel):
    symbols: list[Symbol] = Field(min_length=1, max_length=MAX_BATCH)
    at: Moment | None = Field(default=None, description="Default: now; never in the future")
    timeframe: Timeframe | None = Field(default=None, description=TIMEFRAME_HELP)


class SimulateRequest(TradeProposal):
    """A proposal as the executor would submit it; levels left out are filled by the strategy."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    symbol: Symbol
    entry: Price | None = None
    stop: Price | None = None
    targets: list[Price] = Field(default_factory=list, max_length=5)
    lots: Lots | None = Field(default=None, description="Never above the computed size")
    timeframe: Timeframe | None = Field(default=None, description=TIMEFRAME_HELP)

    def proposal(self) -> TradeProposal:
        return TradeProposal.model_validate(self.model_dump(exclude={"timeframe"}))


class SnapshotSummary(BaseModel):
    snapshot_ref: str = Field(description="Content hash of the snapshot (not stored by previews)")
    symbol: str
    timeframe: str
    as_of: datetime
    bars: int
    last_bar: Bar
    last_price: float
    indicators: IndicatorSet
    structure: MarketStructure
    higher_timeframes: dict[str, Trend | None] = Field(description="Trend per higher timeframe")
    session: SessionState
    calendar_ok: bool
    events: list[CalendarEvent]
    news_ok: bool
    headlines: list[Headline] = Field(description="Untrusted third-party text, shown as data")

    @classmethod
    def of(cls, snapshot: Snapshot) -> "SnapshotSummary":
        return cls(
            snapshot_ref=snapshot.content_hash,
            symbol=snapshot.symbol,
            timeframe=snapshot.timeframe,
            as_of=snapshot.as_of,
            bars=len(snapshot.bars),
            last_bar=snapshot.bars[-1],
            last_price=snapshot.last_price,
            indicators=snapshot.indicators,
            structure=snapshot.structure,
            higher_timeframes={v.timeframe: v.trend for v in snapshot.higher_timeframes},
            session=snapshot.session,
            calendar_ok=snapshot.calendar.ok,
            events=snapshot.calendar.events,
            news_ok=snapshot.news.ok,
            headlines=snapshot.news.headlines,
        )


class GatePreview(BaseModel):
    """What the gate would decide now. Nothing is recorded and nothing is ordered."""

    model_config = ConfigDict(from_attributes=True)

    outcome: Outcome
    strategy: str | None
    direction: Direction | None
    entry: float | None
    stop: float | None
    targets: list[float]
    rr: float | None
    computed_lots: float = Field(description="What code sized")
    lots: float = Field(description="What would be ordered")
    confidence: ConfidenceScore | None
    checks: list[CheckResult]
    reason_codes: list[str]

    @classmethod
    def of(cls, decision: GateDecision) -> "GatePreview":
        return cls.model_validate(decision)


class StrategyAnalysis(BaseModel):
    strategy: str
    matched: bool
    direction: Direction | None = Field(description="The side its conditions point to")
    passed: int
    total: int
    session_open: bool
    reasons: list[str] = Field(description="Why it did not match; empty when it matched")
    conditions: list[ConditionResult]
    preview: GatePreview | None = Field(description="The gate on its candidate trade, if any")

    @classmethod
    def of(cls, evaluation: StrategyEvaluation, preview: GateDecision | None) -> "StrategyAnalysis":
        return cls(
            strategy=evaluation.strategy,
            matched=evaluation.matched,
            direction=evaluation.direction,
            passed=evaluation.passed,
            total=evaluation.total,
            session_open=evaluation.session_open,
            reasons=evaluation.reasons,
            conditions=evaluation.conditions,
            preview=GatePreview.of(preview) if preview else None,
        )


class AnalysisPublic(BaseModel):
    snapshot: SnapshotSummary
    strategies: list[StrategyAnalysis] = Field(
        description="Every active strategy for the symbol and timeframe"
    )


class BatchItem(BaseModel):
    symbol: str
    analysis: AnalysisPublic | None
    error: ErrorDetail | None = Field(description="Why this symbol could not be analyzed")


class BatchAnalysis(BaseModel):
    items: list[BatchItem]


class SimulationPublic(BaseModel):
    snapshot: SnapshotSummary
    preview: GatePreview
