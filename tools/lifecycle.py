"""The vocabulary of the desk's life cycles: trading state, ideas, orders, decisions, halts.

Values are stored as-is in the database, so renaming one is a migration, not a refactor.
The legal moves between them live in orchestrator.state_machines.
"""

from enum import StrEnum


class TradingState(StrEnum):
    ACTIVE = "ACTIVE"
    HALTED = "HALTED"  # no order is submitted, approvals included; cancels and closes still pass


class IdeaStatus(StrEnum):
    ANALYSIS = "analysis"  # recorded; terminal when the desk runs in ANALYSIS_ONLY
    NEEDS_APPROVAL = "needs_approval"
    APPROVED = "approved"
    EXECUTING = "executing"  # claimed; an order is being written and sent
    EXECUTED = "executed"  # filled after a human approved it
    AUTO_EXECUTED = "auto_executed"  # filled without a human (SIMULATION, SEMI_AUTO, FULL_AUTO)
    REJECTED = "rejected"  # by the gate, with reason codes
    HUMAN_REJECTED = "human_rejected"
    HALTED_BY_RISK = "halted_by_risk"
    EXPIRED = "expired"
    EXECUTION_FAILED = "execution_failed"
    NO_TRADE = "no_trade"


class OrderStatus(StrEnum):
    """The desk's view of an order; `pending` is written before the broker is called."""

    PENDING = "pending"
    SUBMITTED = "submitted"
    FILLED = "filled"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class OrderKind(StrEnum):
    ENTRY = "entry"  # at most one per idea (database constraint)
    CLOSE = "close"


class DecisionAction(StrEnum):
    """What one append-only decision row records."""

    # The gate's outcome for a proposal.
    AUTO_EXECUTED = "auto_executed"
    NEEDS_APPROVAL = "needs_approval"
    REJECTED = "rejected"
    HALTED_BY_RISK = "halted_by_risk"
    NO_TRADE = "no_trade"
    ANALYSIS_RECORDED = "analysis_recorded"
    # Human acts on an idea, and what became of it.
    APPROVED = "approved"
    APPROVAL_REFUSED = "approval_refused"  # re-validation at approve time said no
    HUMAN_REJECTED = "human_rejected"
    EXPIRED = "expired"
    EXECUTED = "executed"
    EXECUTION_FAILED = "execution_failed"
    POSITION_CLOSED = "position_closed"
    # What the broker said when it did not simply fill (settled later by reconciliation).
    ORDER_WORKING = "order_working"  # accepted, not filled yet
    ORDER_UNCONFIRMED = "order_unconfirmed"  # no answer, and asking for it failed too
    POSITION_IMPORTED = "position_imported"  # found at the broker, unknown to the desk
    # Desk controls.
    AI_HALTED = "ai_halted"
    AI_RESUMED = "ai_resumed"
    MODE_CHANGED = "mode_changed"
    RISK_CONFIG_CHANGED = "risk_config_changed"
    STRATEGY_CHANGED = "strategy_changed"
    PAPER_RESET = "paper_reset"
    BROKER_CHANGED = "broker_changed"


class HaltSource(StrEnum):
    KILL_SWITCH = "kill_switch"
    DRAWDOWN = "drawdown"
    DAILY_TARGET = "daily_target"
    CONSECUTIVE_LOSSES = "consecutive_losses"
    ERROR_RATE = "error_rate"
    BROKER = "broker"


class BrokerHealth(StrEnum):
    UNKNOWN = "unknown"  # not asked yet
    OK = "ok"
    UNREACHABLE = "unreachable"  # timeouts, connection errors, 5xx, garbled answers
    AUTH_FAILED = "auth_failed"  # credentials refused: a human must act
