"""Strategies as the REST API takes and gives them."""

from pydantic import BaseModel, Field

from api.schemas.common import RequestModel
from tools.strategies import StrategyDefinition

# A strategy is addressed by name in the path (/strategies/{name}), so a name cannot hold "/";
# the database column holds 64 characters.
STRATEGY_NAME = Field(
    min_length=1,
    max_length=64,
    pattern=r"^[^/\x00-\x1f]+$",
    examples=["Trend pullback"],
    description="Unique; no '/' (it names the strategy in URLs)",
)


class StrategyCreate(StrategyDefinition):
    """A full definition, for create (POST) and replace (PUT)."""

    name: str = STRATEGY_NAME


class StrategyActivation(RequestModel):
    active: bool = Field(description="A strategy allows no trade until switched on")


class StrategyClone(RequestModel):
    name: str = STRATEGY_NAME


class StrategyList(BaseModel):
    items: list[StrategyDefinition]
