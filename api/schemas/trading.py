"""The account as the broker reports it, open positions, and orders."""

from pydantic import BaseModel, Field

from api.schemas.ideas import OrderPublic
from tools.account import AccountState, OpenPosition


class AccountPublic(AccountState):
    broker: str = Field(description='e.g. "paper"')
    is_paper: bool
    margin_level: float | None = Field(
        description="Equity / used margin in percent; None without margin in use"
    )


class PositionList(BaseModel):
    broker: str
    items: list[OpenPosition]


class OrderPage(BaseModel):
    items: list[OrderPublic] = Field(description="Newest first")
    next_before_id: int | None = Field(description="Pass as before_id for the next page")
