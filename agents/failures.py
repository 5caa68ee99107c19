"""Model failures in words a trader understands: what went wrong, never a raw status code."""

from collections.abc import Iterable

_BY_ERROR_TYPE: dict[str, str] = {
    # Most specific first: APITimeoutError is an APIConnectionError, all status errors are
    # APIStatusErrors.
    "APITimeoutError": "The AI endpoint did not answer in time",
    "APIConnectionError": "The AI endpoint could not be reached",
    "AuthenticationError": "The endpoint refused the API key",
    "PermissionDeniedError": "The API key is not allowed to use this model",
    "NotFoundError": "The endpoint does not know this model, or the URL is wrong",
    "RateLimitError": "The endpoint is limiting requests, or the quota is used up",
    "InternalServerError": "The AI endpoint failed on its side",
    "BadRequestError": "The endpoint rejected the request",
    "UnprocessableEntityError": "The endpoint rejected the request",
    "APIResponseValidationError": "The endpoint sent a reply that is not valid",
    "JSONDecodeError": "The endpoint sent a reply that is not valid JSON",
    "APIStatusError": "The AI endpoint returned an error",
}
_GENERIC = "The model call failed"
_MAX_DETAIL = 300


def describe(error_types: Iterable[str]) -> str:
    """The sentence for the first known name among an error's type and its base types."""
    names = list(error_types)
    return next((_BY_ERROR_TYPE[n] for n in _BY_ERROR_TYPE if n in names), _GENERIC)


def describe_exception(exc: BaseException) -> str:
    return describe(cls.__name__ for cls in type(exc).__mro__)


def describe_team_error(text: str, secrets: Iterable[str] = ()) -> str:
    """AutoGen re-raises a participant's error as RuntimeError("Type: message\\nTraceback...").
    Returns the sentence plus that first line (trimmed, API keys scrubbed) for the records."""
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    error_type = first_line.partition(":")[0].strip()
    detail = first_line[:_MAX_DETAIL]
    for secret in secrets:
        detail = detail.replace(secret, "***")
    return f"{describe([error_type])} ({detail})" if detail else describe([error_type])
