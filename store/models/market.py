"""Market-side tables: instruments and persisted snapshots."""

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime, utc_now


class InstrumentRow(SQLModel, table=True):
    __tablename__ = "instruments"

    symbol: str = Field(primary_key=True, max_length=32)
    definition: str = Field(sa_column=Column(Text, nullable=False), description="Instrument JSON")
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)


class SnapshotRow(SQLModel, table=True):
    """A snapshot as the agents saw it. The content hash is the `snapshot_ref`."""

    __tablename__ = "snapshots"
    __table_args__ = (Index("ix_snapshots_symbol_as_of", "symbol", "as_of"),)

    id: int | None = Field(default=None, primary_key=True)
    content_hash: str = Field(max_length=64, unique=True, index=True)
    symbol: str = Field(max_length=32)
    timeframe: str = Field(max_length=8)
    as_of: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    payload: str = Field(sa_column=Column(Text, nullable=False), description="Snapshot JSON")
