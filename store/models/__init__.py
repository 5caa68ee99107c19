"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from store.models.auth import ApiTokenRow, UserRow
from store.models.brokers import BrokerStatusRow, ReconciliationRow
from store.models.explain import ExplainMessageRow
from store.models.market import InstrumentRow, SnapshotRow
from store.models.runs import RunRow, TranscriptEventRow
from store.models.trading import (
    DecisionRow,
    HaltRow,
    OrderRow,
    PaperAccountRow,
    PositionRow,
    RiskConfigRow,
    StrategyRow,
    TradeIdeaRow,
)

__all__ = [
    "ApiTokenRow",
    "BrokerStatusRow",
    "DecisionRow",
    "ExplainMessageRow",
    "HaltRow",
    "InstrumentRow",
    "OrderRow",
    "PaperAccountRow",
    "PositionRow",
    "ReconciliationRow",
    "RiskConfigRow",
    "RunRow",
    "SnapshotRow",
    "StrategyRow",
    "TradeIdeaRow",
    "TranscriptEventRow",
    "UserRow",
]
