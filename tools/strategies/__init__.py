"""Strategies: definitions a trader edits, their evaluation against a snapshot, the seeds."""

from tools.strategies.evaluate import (
    ConditionResult,
    StrategyEvaluation,
    evaluate_strategy,
    window_open,
)
from tools.strategies.schema import (
    StrategyDefinition,
    StrategyDefinitionError,
    parse_strategy,
)
from tools.strategies.seeds import seed_strategies

__all__ = [
    "ConditionResult",
    "StrategyDefinition",
    "StrategyDefinitionError",
    "StrategyEvaluation",
    "evaluate_strategy",
    "parse_strategy",
    "seed_strategies",
    "window_open",
]
