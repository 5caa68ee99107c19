"""Risk and autonomy checks: results with reason codes and the numbers that decided them.

A denial is an event with a standard code and its numbers, not a boolean: pages, the API and the
explainer show `MAX_CONCURRENT_TRADES: open=2 max=2` rather than "risk check failed".
"""

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Severity(StrEnum):
    BLOCK = "block"  # a failure rejects the idea
    WARN = "warn"  # a failure is shown but does not reject (relaxed modes)
    HALT = "halt"  # a failure rejects and halts trading (drawdown, target, loss streak)


class Category(StrEnum):
    STRATEGY = "strategy"
    LEVELS = "levels"
    SIZE = "size"
    EXPOSURE = "exposure"
    ACCOUNT = "account"
    FREQUENCY = "frequency"
    SESSION = "session"
    NEWS = "news"
    STATE = "state"
    CONFIDENCE = "confidence"


class Rule(BaseModel):
    id: str
    category: Category
    description: str


class CheckResult(BaseModel):
    id: str = Field(description="Rule id, e.g. MAX_CONCURRENT_TRADES")
    category: Category
    passed: bool
    severity: Severity
    detail: str = Field(description="One line with the numbers, e.g. 'open=2 max=2'")
    numbers: dict[str, Any] = Field(default_factory=dict)

    @property
    def blocks(self) -> bool:
        return not self.passed and self.severity in (Severity.BLOCK, Severity.HALT)

    def line(self) -> str:
        return f"{self.id}: {self.detail}"
