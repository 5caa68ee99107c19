"""Errors the desk raises to its front doors. Each carries a standard code (the REST error
format's `code`) and the numbers behind it in `details`."""

from typing import Any


class DeskError(Exception):
    code = "DESK_ERROR"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidInput(DeskError):
    code = "INVALID_INPUT"


class NotFound(DeskError):
    code = "NOT_FOUND"


class AiHalted(DeskError):
    code = "AI_HALTED"


class RiskViolation(DeskError):
    code = "RISK_VIOLATION"


class ConfirmationRequired(DeskError):
    code = "CONFIRMATION_REQUIRED"


class IdeaNotPending(DeskError):
    """The idea is no longer waiting for a human (already approved, rejected or expired)."""

    code = "IDEA_NOT_PENDING"


class StrategyExists(DeskError):
    code = "STRATEGY_EXISTS"


class BrokerExecutionFailed(DeskError):
    code = "BROKER_EXECUTION_FAILED"


class BrokerUnavailable(DeskError):
    """The broker cannot be reached (or refused the credentials); nothing was sent."""

    code = "BROKER_UNREACHABLE"
