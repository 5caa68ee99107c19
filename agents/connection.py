"""The settings page's "test connection": one tiny call, answered in plain words."""

from autogen_core.models import UserMessage

from agents.failures import describe_exception
from agents.models import ModelConfig, build_client


async def test_connection(config: ModelConfig) -> tuple[bool, str]:
    """(ok, message), e.g. (True, "AI online (gpt-4o-mini)") or
    (False, "The endpoint refused the API key"). Never raises for endpoint problems."""
    if config.is_offline:
        return True, "No AI endpoint is set: the desk uses the offline rules model"
    try:
        client = build_client(config)
    except ValueError as exc:
        return False, f"The model settings are not usable: {exc}"
    try:
        await client.create([UserMessage(content="Reply with the word OK.", source="user")])
    except Exception as exc:  # any failure is an answer to "does it work?"
        return False, describe_exception(exc)
    finally:
        await client.close()
    return True, f"AI online ({config.model})"
