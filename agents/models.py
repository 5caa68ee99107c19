"""Which model each role talks to: any OpenAI-compatible endpoint, or the offline rules model.

A ModelConfig with neither base_url nor api_key is the offline model (the default). A ModelSet
resolves one config per role (a default plus per-role overrides) and keeps clients per distinct
endpoint: clients are shared between roles and runs; agents and teams never are.

Each endpoint gets CLIENT_LANES clients and each run takes the next lane: httpcore's connection
pool walks all its connections (a poll() per idle socket) on every request and every release,
so one pool serving fifty concurrent decisions spent more CPU on bookkeeping than on requests.
"""

import itertools
from collections.abc import Mapping
from typing import Any, Literal

from autogen_core.models import ChatCompletionClient, ModelInfo
from autogen_ext.models.openai import AzureOpenAIChatCompletionClient, OpenAIChatCompletionClient
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from agents.offline import OFFLINE_LABEL, OFFLINE_MODEL, OfflineChatCompletionClient
from agents.roles import SPEAKING_ORDER, Role

CLIENT_LANES = 8


class ModelCapabilities(BaseModel):
    """What the model can do. AutoGen needs this for models it does not know by name (Ollama,
    vLLM, LM Studio...); the agents need function_calling."""

    model_config = ConfigDict(extra="forbid")

    function_calling: bool = True
    json_output: bool = True
    vision: bool = False
    family: str = Field(default="unknown", description='e.g. "gpt-4o", "llama-3.3", "unknown"')
    structured_output: bool = False


class ModelConfig(BaseModel):
    """One endpoint and model. Defaults to the offline rules model."""

    model_config = ConfigDict(extra="forbid")

    provider: Literal["openai", "azure"] = Field(
        default="openai", description="openai = any OpenAI-compatible API (Ollama, vLLM, ...)"
    )
    base_url: str | None = Field(
        default=None, description="e.g. http://localhost:11434/v1; the endpoint for Azure"
    )
    model: str = "gpt-4o-mini"
    api_key: SecretStr | None = None
    azure_deployment: str | None = None
    api_version: str | None = Field(default=None, description="Azure only, e.g. 2024-06-01")
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    temperature: float | None = Field(default=None, ge=0, le=2)
    capabilities: ModelCapabilities = Field(default_factory=ModelCapabilities)

    @model_validator(mode="after")
    def _azure_needs_endpoint(self) -> "ModelConfig":
        if self.provider == "azure" and not (self.base_url and self.api_version):
            raise ValueError("Azure OpenAI needs base_url (the endpoint) and api_version")
        return self

    @property
    def is_offline(self) -> bool:
        return self.base_url is None and self.api_key is None

    @property
    def label(self) -> str:
        return OFFLINE_MODEL if self.is_offline else self.model


def _endpoint_key(config: ModelConfig) -> tuple[str, str]:
    secret = config.api_key.get_secret_value() if config.api_key else ""
    return config.model_dump_json(exclude={"api_key"}), secret


def build_client(config: ModelConfig) -> ChatCompletionClient:
    if config.is_offline:
        return OfflineChatCompletionClient()
    info = ModelInfo(**config.capabilities.model_dump())
    # Local servers ignore the key, but the OpenAI SDK refuses to start without one.
    common: dict[str, Any] = {
        "model": config.model,
        "api_key": config.api_key.get_secret_value() if config.api_key else "not-needed",
        "timeout": config.timeout_seconds,
        "max_retries": config.max_retries,
        "model_info": info,
    }
    if config.temperature is not None:
        common["temperature"] = config.temperature
    if config.provider == "azure":
        return AzureOpenAIChatCompletionClient(
            azure_endpoint=config.base_url,
            azure_deployment=config.azure_deployment or config.model,
            api_version=config.api_version,
            **common,
        )
    if config.base_url is not None:
        common["base_url"] = config.base_url
    return OpenAIChatCompletionClient(**common)


class ModelSet:
    """The model of every role, with one shared client per distinct endpoint."""

    def __init__(self, configs: Mapping[Role, ModelConfig]) -> None:
        self._configs = {role: configs[role] for role in SPEAKING_ORDER}
        self._endpoints = {role: _endpoint_key(config) for role, config in self._configs.items()}
        self._clients: dict[tuple[int, tuple[str, str]], ChatCompletionClient] = {}
        self._lanes = itertools.cycle(range(CLIENT_LANES))
        # Lane 0 is built now, so a config a client refuses fails at start-up, not in a cycle.
        for role in SPEAKING_ORDER:
            self.client(role)

    @classmethod
    def offline(cls) -> "ModelSet":
        return cls.from_config(ModelConfig())

    @classmethod
    def from_config(
        cls, default: ModelConfig, overrides: Mapping[str, Mapping[str, Any]] | None = None
    ) -> "ModelSet":
        """`overrides` maps a role name to the fields it changes, e.g. {"risk": {"model": "o4"}}."""
        overrides = dict(overrides or {})
        unknown = set(overrides) - {r.value for r in Role}
        if unknown:
            raise ValueError(f"unknown role(s) in model overrides: {', '.join(sorted(unknown))}")
        base = default.model_dump()
        return cls(
            {
                role: ModelConfig.model_validate({**base, **overrides.get(role.value, {})})
                for role in SPEAKING_ORDER
            }
        )

    @property
    def is_offline(self) -> bool:
        return all(config.is_offline for config in self._configs.values())

    @property
    def label(self) -> str:
        """The model name(s) for records and pages, e.g. "gpt-4o-mini" or "countersign-offline
        (offline rules model)"."""
        names = list(dict.fromkeys(config.label for config in self._configs.values()))
        text = ", ".join(names)
        return f"{text} ({OFFLINE_LABEL})" if OFFLINE_MODEL in names else text

    def secrets(self) -> list[str]:
        """API keys in use, so error texts can be scrubbed of them."""
        return [c.api_key.get_secret_value() for c in self._configs.values() if c.api_key]

    def next_lane(self) -> int:
        """The lane a new run should use (round robin)."""
        return next(self._lanes)

    def client(self, role: Role, lane: int = 0) -> ChatCompletionClient:
        """The role's client in `lane`; for agents.team only (an AutoGen type). Roles on one
        endpoint share a client within a lane."""
        config = self._configs[role]
        if config.is_offline:
            lane = 0  # no connections to spread
        key = (lane % CLIENT_LANES, self._endpoints[role])
        if key not in self._clients:
            self._clients[key] = build_client(config)
        return self._clients[key]

    async def aclose(self) -> None:
        """Close the HTTP clients; call once when the desk shuts down."""
        for client in self._clients.values():
            await client.close()
