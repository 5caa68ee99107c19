"""Trading-side tables: strategies, risk config, halts, ideas, decisions, orders, positions and
the paper account.

Enums are stored as their values in plain VARCHAR columns (no native PostgreSQL enum types), so
adding a value needs no migration. Documents owned by a pydantic model (strategy, risk config,
paper state) are Text the model parses; small structured fields are the portable JSON type.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from store.models.columns import created_at_field, enum_column, updated_at_field
from store.types import UTCDateTime
from tools.account import Direction
from tools.brokers.base import ExitReason
from tools.lifecycle import DecisionAction, HaltSource, IdeaStatus, OrderKind, OrderStatus
from tools.risk_config import Mode

SINGLE_ROW_ID = 1


def _single_row_id() -> Any:
    return Field(default=SINGLE_ROW_ID, primary_key=True, sa_column_kwargs={"autoincrement": False})


def _single_row_check(table: str) -> CheckConstraint:
    return CheckConstraint(f"id = {SINGLE_ROW_ID}", name=f"ck_{table}_single_row")


class StrategyRow(SQLModel, table=True):
    __tablename__ = "strategies"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    active: bool = False
    definition: str = Field(sa_column=Column(Text, nullable=False), description="Strategy JSON")
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class RiskConfigRow(SQLModel, table=True):
    __tablename__ = "risk_config"
    __table_args__ = (_single_row_check("risk_config"),)

    id: int = _single_row_id()
    config: str = Field(sa_column=Column(Text, nullable=False), description="RiskConfig JSON")
    updated_at: datetime = updated_at_field()
    version: int = 1


class HaltRow(SQLModel, table=True):
    """A trading halt. Resuming ends it; halts are never deleted."""

    __tablename__ = "trading_halts"

    id: int | None = Field(default=None, primary_key=True)
    source: HaltSource = Field(sa_type=enum_column(HaltSource))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    started_at: datetime = created_at_field()
    started_by: str = Field(max_length=64)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_by: str | None = Field(default=None, max_length=64)


class TradeIdeaRow(SQLModel, table=True):
    __tablename__ = "trade_ideas"
    __table_args__ = (
        CheckConstraint("direction IN ('buy', 'sell', 'none')", name="ck_trade_ideas_direction"),
        Index("ix_trade_ideas_status_created_at", "status", "created_at"),
        Index("ix_trade_ideas_symbol_created_at", "symbol", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    symbol: str = Field(max_length=32)
    timeframe: str = Field(max_length=8)
    strategy_name: str = Field(max_length=64)
    direction: str = Field(max_length=8, description="buy, sell or none")
    status: IdeaStatus = Field(sa_type=enum_column(IdeaStatus))
    mode: Mode = Field(sa_type=enum_column(Mode), description="Mode when the idea was created")
    entry: float | None = None
    stop: float | None = None
    targets: list[float] = Field(default_factory=list, sa_type=JSON)
    computed_lots: float | None = Field(default=None, description="What code sized")
    approved_lots: float | None = Field(default=None, description="At most computed_lots")
    rr: float | None = None
    confidence: float | None = None
    confidence_breakdown: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    checks: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_type=JSON,
        description="[{id, passed, severity, reason_code, detail, numbers}]",
    )
    reason_codes: list[str] = Field(default_factory=list, sa_type=JSON)
    rationale: str = Field(default="", sa_column=Column(Text, nullable=False))
    llm_unavailable: bool = False
    snapshot_hash: str = Field(max_length=64, foreign_key="snapshots.content_hash")
    run_id: int | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1, description="Bumped by every claim (optimistic locking)")


class DecisionRow(SQLModel, table=True):
    """One act of the desk or a human. Append-only: database triggers refuse UPDATE and DELETE."""

    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_symbol_created_at", "symbol", "created_at"),
        Index("ix_decisions_action_created_at", "action", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = created_at_field(index=True)
    idea_id: int | None = Field(default=None, foreign_key="trade_ideas.id", index=True)
    symbol: str | None = Field(default=None, max_length=32)
    action: DecisionAction = Field(sa_type=enum_column(DecisionAction))
    actor: str = Field(max_length=64, description='"ai", "system" or "human:<user>"')
    human_override: bool = False
    reason_codes: list[str] = Field(default_factory=list, sa_type=JSON)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    snapshot_hash: str | None = Field(
        default=None, max_length=64, foreign_key="snapshots.content_hash"
    )
    confidence: float | None = None
    mode: Mode | None = Field(default=None, sa_type=enum_column(Mode))


class OrderRow(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        # One entry order per idea, whatever races the application loses.
        Index(
            "uq_orders_one_entry_per_idea",
            "idea_id",
            unique=True,
            sqlite_where=text("kind = 'entry'"),
            postgresql_where=text("kind = 'entry'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="trade_ideas.id", index=True)
    kind: OrderKind = Field(sa_type=enum_column(OrderKind))
    client_order_id: str = Field(max_length=64, unique=True)
    symbol: str = Field(max_length=32)
    direction: Direction = Field(sa_type=enum_column(Direction))
    lots: float
    requested_price: float
    stop: float | None = None
    targets: list[float] = Field(default_factory=list, sa_type=JSON)
    status: OrderStatus = Field(default=OrderStatus.PENDING, sa_type=enum_column(OrderStatus))
    broker: str = Field(max_length=32)
    broker_order_id: str | None = Field(default=None, max_length=128)
    fill_price: float | None = None
    filled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class PositionRow(SQLModel, table=True):
    """A position the desk opened; idea and order are empty for one found at the broker."""

    __tablename__ = "positions"

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int | None = Field(default=None, foreign_key="trade_ideas.id", index=True)
    order_id: int | None = Field(default=None, foreign_key="orders.id")
    symbol: str = Field(max_length=32)
    direction: Direction = Field(sa_type=enum_column(Direction))
    lots: float
    entry_price: float
    stop: float | None = None
    take_profit: float | None = None
    opened_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    exit_price: float | None = None
    pnl: float | None = None
    r_multiple: float | None = None
    exit_reason: ExitReason | None = Field(default=None, sa_type=enum_column(ExitReason))
    broker: str = Field(max_length=32)
    broker_position_id: str | None = Field(default=None, max_length=128)


class PaperAccountRow(SQLModel, table=True):
    __tablename__ = "paper_account"
    __table_args__ = (_single_row_check("paper_account"),)

    id: int = _single_row_id()
    state: str = Field(sa_column=Column(Text, nullable=False), description="Paper broker JSON")
    updated_at: datetime = updated_at_field()
