"""Model configuration: offline by default, per-role overrides, shared clients, plain errors."""

import pydantic
import pytest

from agents import ModelConfig, ModelSet, Role
from agents import test_connection as check_connection
from agents.failures import describe, describe_team_error
from agents.models import CLIENT_LANES
from agents.offline import OfflineChatCompletionClient


def _online(**changes) -> ModelConfig:
    return ModelConfig(base_url="http://localhost:11434/v1", model="llama3.1", **changes)


def test_model_config_when_nothing_is_set_then_offline() -> None:
    models = ModelSet.offline()
    assert ModelConfig().is_offline
    assert models.is_offline
    assert models.label == "countersign-offline (offline rules model)"
    assert isinstance(models.client(Role.RISK), OfflineChatCompletionClient)


def test_model_config_when_only_an_api_key_is_set_then_online() -> None:
    assert not ModelConfig(api_key="sk-test").is_offline


def test_from_config_when_a_role_overrides_the_model_then_only_that_role_changes() -> None:
    models = ModelSet.from_config(_online(), {"risk": {"model": "qwen2.5"}})
    assert not models.is_offline
    assert models.label == "llama3.1, qwen2.5"
    assert models.client(Role.RISK) is not models.client(Role.TECHNICAL)


def test_from_config_when_roles_share_an_endpoint_then_they_share_one_client() -> None:
    models = ModelSet.from_config(_online())
    assert models.client(Role.TECHNICAL) is models.client(Role.EXECUTOR)


def test_runs_in_turn_when_online_then_they_spread_over_lanes_of_their_own_clients() -> None:
    models = ModelSet.from_config(_online())
    lanes = [models.next_lane() for _ in range(CLIENT_LANES + 1)]
    assert lanes == [*range(CLIENT_LANES), 0]
    clients = {id(models.client(Role.RISK, lane)) for lane in range(CLIENT_LANES)}
    assert len(clients) == CLIENT_LANES
    assert models.client(Role.RISK, 3) is models.client(Role.NEWS, 3)


def test_lanes_when_offline_then_one_client_serves_them_all() -> None:
    models = ModelSet.offline()
    assert models.client(Role.RISK, 5) is models.client(Role.RISK, 0)


def test_from_config_when_keys_differ_then_clients_differ() -> None:
    models = ModelSet.from_config(_online(api_key="sk-one"), {"news": {"api_key": "sk-two"}})
    assert models.client(Role.NEWS) is not models.client(Role.TECHNICAL)
    assert sorted(set(models.secrets())) == ["sk-one", "sk-two"]


def test_from_config_when_one_role_is_offline_then_the_label_says_so() -> None:
    models = ModelSet.from_config(_online(), {"executor": {"base_url": None}})
    assert not models.is_offline
    assert models.label == "llama3.1, countersign-offline (offline rules model)"


def test_from_config_when_a_role_is_unknown_then_it_raises() -> None:
    with pytest.raises(ValueError, match="portfolio"):
        ModelSet.from_config(ModelConfig(), {"portfolio": {"model": "x"}})


def test_model_config_when_azure_lacks_api_version_then_it_raises() -> None:
    with pytest.raises(pydantic.ValidationError, match="api_version"):
        ModelConfig(provider="azure", base_url="https://x.openai.azure.com", api_key="k")


def test_model_config_when_printed_then_the_key_is_hidden() -> None:
    assert "sk-secret" not in repr(_online(api_key="sk-secret"))


async def test_test_connection_when_offline_then_ok_and_says_offline() -> None:
    ok, message = await check_connection(ModelConfig())
    assert ok
    assert "offline rules model" in message


@pytest.mark.parametrize(
    ("error_types", "expected"),
    [
        (["APITimeoutError", "APIConnectionError"], "did not answer in time"),
        (["APIConnectionError"], "could not be reached"),
        (["AuthenticationError", "APIStatusError"], "refused the API key"),
        (["RateLimitError", "APIStatusError"], "limiting requests"),
        (["KeyError"], "The model call failed"),
    ],
)
def test_describe_when_error_type_is_known_then_plain_words(
    error_types: list[str], expected: str
) -> None:
    assert expected in describe(error_types)


def test_describe_team_error_when_detail_holds_the_key_then_it_is_scrubbed() -> None:
    text = "AuthenticationError: Incorrect API key provided: sk-secret\nTraceback:\n  ..."
    described = describe_team_error(text, ["sk-secret"])
    assert described.startswith("The endpoint refused the API key (AuthenticationError:")
    assert "sk-secret" not in described
    assert "Traceback" not in described
