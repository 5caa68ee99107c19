"""The decision log: pages of decisions and the explanation tree of one decision."""

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.ideas import DecisionPublic, IdeaSummary
from tools.checks import Category, Rule, Severity
from tools.confidence import ConfidenceScore


class DecisionPage(BaseModel):
    items: list[DecisionPublic] = Field(description="Newest first")
    next_before_id: int | None = Field(
        description="Pass as before_id for the next page; None on the last page"
    )


class RuleList(BaseModel):
    items: list[Rule]


class RuleVerdict(BaseModel):
    id: str
    description: str
    status: Literal["passed", "failed", "not_run"]
    severity: Severity | None = Field(description="What a failure does: block, warn or halt")
    detail: str | None = Field(description="The numbers that decided it, e.g. 'open=2 max=2'")
    numbers: dict[str, object] = Field(default_factory=dict)


class CategoryVerdict(BaseModel):
    category: Category
    passed: bool = Field(description="No rule in the category failed")
    rules: list[RuleVerdict]


class Explanation(BaseModel):
    """Why a decision came out as it did: every rule, grouped by category, with the idea's
    confidence breakdown and the story of the idea it belongs to."""

    decision: DecisionPublic
    idea: IdeaSummary | None = Field(description="None for desk-wide acts (mode, kill switch)")
    reason_codes: list[str] = Field(description="The decision's reason codes")
    categories: list[CategoryVerdict] = Field(description="Empty when there is no idea")
    confidence: ConfidenceScore | None
    story: list[DecisionPublic] = Field(description="Every decision on the idea, oldest first")
