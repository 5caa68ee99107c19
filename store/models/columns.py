"""Column helpers every table module shares: enums as plain VARCHAR values, UTC timestamps."""

from enum import StrEnum
from typing import Any

from sqlalchemy import Enum
from sqlmodel import Field

from store.types import UTCDateTime, utc_now


def enum_column(enum_type: type[StrEnum]) -> Enum:
    return Enum(
        enum_type,
        native_enum=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def created_at_field(*, index: bool = False) -> Any:
    return Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False, index=index)


def updated_at_field() -> Any:
    return Field(
        default_factory=utc_now,
        sa_type=UTCDateTime,
        nullable=False,
        sa_column_kwargs={"onupdate": utc_now},
    )
