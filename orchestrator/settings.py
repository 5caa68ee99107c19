"""Settings: defaults < optional TOML file < environment (prefix COUNTERSIGN_, nested with __).

`load_settings()` turns pydantic's validation errors into one `SettingsError` whose message names
each bad setting the way the user wrote it (COUNTERSIGN_BAR_COUNT, or bar_count in the TOML).
"""

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from agents.models import ModelConfig
from agents.roles import Role
from orchestrator.broker_settings import BrokerSettings, secret_paths_in
from tools.brokers.paper_state import PaperSettings
from tools.timeframes import timeframe_minutes

ENV_PREFIX = "COUNTERSIGN_"
CONFIG_FILE_ENV = "COUNTERSIGN_CONFIG_FILE"
DEFAULT_CONFIG_FILE = "countersign.toml"


DEV_SECRET_KEY = "development-only-secret-key-change-me"


class SettingsError(ValueError):
    """A setting has an invalid value; the message names it."""


class PaperDeskSettings(PaperSettings):
    starting_balance: float = Field(default=10_000.0, gt=0)


class LlmPrice(BaseModel):
    prompt_per_million: float = Field(ge=0)
    completion_per_million: float = Field(ge=0)


DEFAULT_PRICES = {
    "gpt-4o-mini": LlmPrice(prompt_per_million=0.15, completion_per_million=0.60),
    "gpt-4o": LlmPrice(prompt_per_million=2.50, completion_per_million=10.0),
    "gpt-4.1-mini": LlmPrice(prompt_per_million=0.40, completion_per_million=1.60),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid"
    )

    environment: Literal["development", "production"] = "development"
    database_url: str = Field(
        default="sqlite:///var/countersign.db",
        description="SQLAlchemy URL; a relative SQLite path is relative to the working directory",
    )
    data_timezone: str = Field(default="UTC", description="Zone of naive CSV timestamps")
    watchlist: list[str] = Field(
        default_factory=lambda: ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "US30"]
    )
    timeframe: str = "H1"
    higher_timeframes: list[str] = Field(default_factory=lambda: ["H4", "D1"])
    bar_count: int = Field(default=300, ge=50, le=5000, description="Bars kept in a snapshot")
    demo_seed: int = 7
    market_data_csv: dict[str, Path] = Field(
        default_factory=dict, description="Symbol -> CSV file; symbols not listed use the demo feed"
    )
    calendar_source: str | None = Field(default=None, description="File or URL; None = sample")
    news_sources: list[str] = Field(default_factory=list, description="Files or URLs; [] = sample")
    news_keywords: dict[str, list[str]] | None = None
    feed_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    event_window_hours: int = Field(default=24, ge=1, le=24 * 14)
    news_lookback_hours: int = Field(default=24, ge=1, le=24 * 14)
    instruments: dict[str, dict[str, Any]] = Field(default_factory=dict)
    sessions: dict[str, dict[str, str]] | None = Field(
        default=None, description='{"sessions": {"london": "03:00-12:00"}, "kill_zones": {...}}'
    )
    paper: PaperDeskSettings = Field(default_factory=PaperDeskSettings)
    brokers: BrokerSettings = Field(
        default_factory=BrokerSettings, description="Real broker adapters (paper is built in)"
    )
    llm: ModelConfig | None = Field(
        default=None, description="OpenAI-compatible endpoint; None = the offline rules model"
    )
    llm_agents: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description='Per-agent overrides, e.g. {"risk": {"model": "o4"}}'
    )
    llm_prices: dict[str, LlmPrice] = Field(
        default_factory=lambda: dict(DEFAULT_PRICES), description="USD per 1M tokens by model"
    )
    budget_max_messages: int = Field(default=12, ge=5, le=100)
    budget_max_tokens: int = Field(default=20_000, ge=1_000, le=1_000_000)
    budget_max_seconds: float = Field(default=90.0, gt=0, le=3600)
    cycle_concurrency: int = Field(default=8, ge=1, le=200)
    secret_key: SecretStr = Field(
        default=SecretStr(DEV_SECRET_KEY),
        description="Signs session cookies; must be set outside development",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    run_scheduler: bool = Field(
        default=True, description="Run cycles on bar closes and reconciliation in serve"
    )

    @field_validator("watchlist")
    @classmethod
    def _upper_symbols(cls, symbols: list[str]) -> list[str]:
        return [s.strip().upper() for s in symbols if s.strip()]

    @field_validator("timeframe")
    @classmethod
    def _known_timeframe(cls, value: str) -> str:
        timeframe_minutes(value)
        return value.upper()

    @field_validator("higher_timeframes")
    @classmethod
    def _known_timeframes(cls, values: list[str]) -> list[str]:
        return [cls._known_timeframe(v) for v in values]

    @field_validator("llm_agents")
    @classmethod
    def _known_roles(cls, overrides: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        unknown = sorted(set(overrides) - {role.value for role in Role})
        if unknown:
            known = ", ".join(role.value for role in Role)
            raise ValueError(f"unknown agent(s) {', '.join(unknown)}; agents are {known}")
        return overrides

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> "Settings":
        if self.environment == "production" and (
            self.secret_key.get_secret_value() == DEV_SECRET_KEY
        ):
            raise ValueError("secret_key: set COUNTERSIGN_SECRET_KEY in production")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get(CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file.is_file():
            _refuse_file_secrets(toml_file)
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)


def _refuse_file_secrets(toml_file: Path) -> None:
    """Broker credentials belong in the environment, never in a file that gets shared."""
    with toml_file.open("rb") as handle:
        brokers = tomllib.load(handle).get("brokers", {})
    found = sorted(secret_paths_in(brokers, ("brokers",))) if isinstance(brokers, dict) else []
    if found:
        env_names = ", ".join(f"{ENV_PREFIX}{p.replace('.', '__').upper()}" for p in found)
        raise SettingsError(
            f"{toml_file}: {', '.join(found)} must not be in a settings file; "
            f"set {env_names} in the environment"
        )


def _setting_name(location: tuple[Any, ...]) -> str:
    path = "__".join(str(part) for part in location)
    return f"{ENV_PREFIX}{path.upper()} ({'.'.join(str(p) for p in location)})"


def load_settings(**overrides: Any) -> Settings:
    explicit = os.environ.get(CONFIG_FILE_ENV)
    if explicit and not Path(explicit).is_file():
        raise SettingsError(f"{CONFIG_FILE_ENV}: config file {explicit!r} does not exist")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"{_setting_name(err['loc'])}: {err['msg']}" for err in exc.errors())
        raise SettingsError(f"invalid setting: {problems}") from None
