"""Analyze a symbol (one or a batch) and simulate a proposal: the snapshot, what each active
strategy says and the gate's preview. Nothing is recorded and nothing is ordered."""

from fastapi import APIRouter

from api.deps import DeskDep
from api.errors import ApiError
from api.routers.snapshots import fresh_snapshot
from api.schemas.analysis import (
    AnalysisPublic,
    AnalyzeRequest,
    BatchAnalysis,
    BatchAnalyzeRequest,
    BatchItem,
    GatePreview,
    SimulateRequest,
    SimulationPublic,
    SnapshotSummary,
    StrategyAnalysis,
)
from api.schemas.common import ErrorDetail, error_responses
from orchestrator import previews
from orchestrator.desk import Desk

router = APIRouter(tags=["analysis"])


def _analysis(desk: Desk, request: AnalyzeRequest) -> AnalysisPublic:
    snapshot = fresh_snapshot(desk, request.symbol, request.at, request.timeframe)
    views = previews.analyze(desk, snapshot)
    return AnalysisPublic(
        snapshot=SnapshotSummary.of(snapshot),
        strategies=[StrategyAnalysis.of(v.evaluation, v.preview) for v in views],
    )


@router.post(
    "/analyze",
    summary="Analyze a symbol now (or at a past moment): snapshot, strategies, gate preview",
    responses=error_responses(503),
)
def analyze(body: AnalyzeRequest, desk: DeskDep) -> AnalysisPublic:
    return _analysis(desk, body)


@router.post(
    "/analyze/batch",
    summary="Analyze several symbols; one that fails carries its error, the rest still answer",
)
def analyze_batch(body: BatchAnalyzeRequest, desk: DeskDep) -> BatchAnalysis:
    items = []
    for symbol in dict.fromkeys(body.symbols):
        request = AnalyzeRequest(symbol=symbol, at=body.at, timeframe=body.timeframe)
        try:
            items.append(BatchItem(symbol=symbol, analysis=_analysis(desk, request), error=None))
        except ApiError as exc:
            error = ErrorDetail(code=exc.code, message=exc.message, details=exc.details)
            items.append(BatchItem(symbol=symbol, analysis=None, error=error))
    return BatchAnalysis(items=items)


@router.post(
    "/simulate",
    summary="What the gate would decide on this proposal now (nothing recorded or ordered)",
    responses=error_responses(503),
)
def simulate(body: SimulateRequest, desk: DeskDep) -> SimulationPublic:
    snapshot = fresh_snapshot(desk, body.symbol, timeframe=body.timeframe)
    decision = previews.simulate(desk, snapshot, body.proposal())
    return SimulationPublic(snapshot=SnapshotSummary.of(snapshot), preview=GatePreview.of(decision))
