"""The task message: a compact one-line JSON digest of the snapshot and the code's candidate.

The orchestrator builds the digest (a dict); `build_task` checks the two keys agents rely on and
renders prompts/task.j2. The candidate carries TradeProposal fields only (no symbol: the digest's
symbol is used), so the offline executor can submit exactly what code computed.
"""

import json
from collections.abc import Mapping
from typing import Any

from prompts import load_prompt
from tools.proposal import TradeProposal

MARKER = "DESK DIGEST (JSON, one line):"


def candidate_proposal(digest: Mapping[str, Any], rationale: str = "") -> TradeProposal | None:
    """The candidate as a TradeProposal, or None when the digest has no candidate.

    Raises pydantic.ValidationError when the candidate is not a valid proposal."""
    candidate = digest.get("candidate")
    if candidate is None:
        return None
    return TradeProposal.model_validate(
        {**candidate, "symbol": digest["symbol"], "rationale": rationale}
    )


def build_task(digest: Mapping[str, Any]) -> str:
    """The message that starts a run. `digest` needs "symbol" and "candidate" (a dict of
    TradeProposal fields without symbol, or None); every other key is free-form context.
    Headlines do not belong here: the news agent reads them through its tool, as data."""
    symbol = digest.get("symbol")
    if not isinstance(symbol, str) or not symbol:
        raise ValueError("the digest needs a 'symbol'")
    if "candidate" not in digest:
        raise ValueError("the digest needs a 'candidate' (None when the strategy allows none)")
    candidate_proposal(digest)  # fail here, in the caller, rather than inside the chat
    digest_json = json.dumps(digest, separators=(",", ":"), default=str, ensure_ascii=False)
    return load_prompt("task", symbol=symbol, marker=MARKER, digest_json=digest_json)


def read_digest(task: str) -> dict[str, Any] | None:
    """The digest back from a task message; None when there is none or it is not a JSON object.
    json.dumps escapes newlines, so the digest is always exactly the line after the marker."""
    _, found, rest = task.partition(MARKER)
    if not found:
        return None
    try:
        digest = json.loads(rest.strip().splitlines()[0]) if rest.strip() else None
    except json.JSONDecodeError:
        return None
    return digest if isinstance(digest, dict) else None
