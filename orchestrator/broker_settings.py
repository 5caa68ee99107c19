"""Which real brokers the desk may use, and how it watches them.

Configuring an adapter here only makes it available. Switching to a real one is a confirmed act
that needs a passing connection test (`Desk.use_broker`); `use` names one in the settings, which
counts as the operator's confirmation, and the desk switches at start only if the test passes.

Secrets (tokens, API keys) are read from the environment only, e.g.
COUNTERSIGN_BROKERS__ALPACA__KEY_ID; `secret_paths_in` finds them in a settings file so loading
can refuse it.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tools.brokers.alpaca import AlpacaSettings
from tools.brokers.ibkr import IbkrSettings
from tools.brokers.mt5 import Mt5Settings

PAPER = "paper"
# Field names that hold a credential in any adapter's settings.
SECRET_FIELDS = frozenset({"token", "key_id", "secret_key"})


class BrokerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    use: str | None = Field(
        default=None,
        description="Broker to switch to at start (after a passing connection test); "
        "None keeps the one chosen last on the desk",
    )
    mt5: Mt5Settings | None = None
    alpaca: AlpacaSettings | None = None
    ibkr: IbkrSettings | None = None
    failures_before_halt: int = Field(
        default=3,
        ge=0,
        le=100,
        description="Broker calls failing in a row before trading halts; 0 never halts",
    )
    reconcile_interval_seconds: float = Field(
        default=60.0,
        ge=5,
        le=3600,
        description="How often in-flight orders and positions are "
        "compared with the broker (also once at start)",
    )

    @model_validator(mode="after")
    def _use_is_configured(self) -> "BrokerSettings":
        available = [PAPER, *self.configured()]
        if self.use is not None and self.use not in available:
            raise ValueError(
                f"use: {self.use!r} is not configured; configured: {', '.join(available)}"
            )
        return self

    def configured(self) -> dict[str, BaseModel]:
        """The real adapters with settings, by broker name."""
        adapters = {"mt5": self.mt5, "alpaca": self.alpaca, "ibkr": self.ibkr}
        return {name: config for name, config in adapters.items() if config is not None}


def secret_paths_in(data: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[str]:
    """Dotted paths of credential fields in settings read from a file."""
    for key, value in data.items():
        path = (*prefix, str(key))
        if isinstance(value, Mapping):
            yield from secret_paths_in(value, path)
        elif key in SECRET_FIELDS:
            yield ".".join(path)
