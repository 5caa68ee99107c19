"""Filters a list page takes from its query string: blanks are "any", symbols upper case, and
`query()` builds the links to other pages of the same list (keyset: `before_id`)."""

from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, field_validator


class PageFilters(BaseModel):
    symbol: str | None = None
    before_id: int | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("symbol")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.strip().upper() if value else None

    def query(self, **changes: Any) -> str:
        values = {**self.model_dump(mode="json"), **changes}
        return urlencode({k: v for k, v in values.items() if v is not None})
