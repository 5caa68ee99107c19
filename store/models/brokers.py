"""Broker-side tables: which broker the desk trades through and how each one answered lately,
and the outcome of every reconciliation with a broker."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from store.models.columns import created_at_field, enum_column, updated_at_field
from store.types import UTCDateTime
from tools.lifecycle import BrokerHealth


class BrokerStatusRow(SQLModel, table=True):
    """One row per broker the desk has used or tested; at most one is `active`."""

    __tablename__ = "broker_status"
    __table_args__ = (
        Index(
            "ux_broker_status_one_active",
            "active",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    name: str = Field(primary_key=True, max_length=32)
    active: bool = False
    health: BrokerHealth = Field(default=BrokerHealth.UNKNOWN, sa_type=enum_column(BrokerHealth))
    consecutive_failures: int = 0
    message: str = Field(
        default="", sa_column=Column(Text, nullable=False), description="Last answer or error"
    )
    last_ok_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_failure_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = updated_at_field()


class ReconciliationRow(SQLModel, table=True):
    """What one comparison of the desk's books with a broker found and did."""

    __tablename__ = "reconciliations"

    id: int | None = Field(default=None, primary_key=True)
    broker: str = Field(max_length=32, index=True)
    started_at: datetime = created_at_field(index=True)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    settled: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    imported: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    closed: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    differences: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
