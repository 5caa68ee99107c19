"""Agent health and state: which model decides, whether the desk may trade, in which mode, and
the settings page's "test connection" (the one place a model is called from a front door, with
one tiny request).
"""

from urllib.parse import urlsplit, urlunsplit

from fastapi import APIRouter

from agents import test_connection
from agents.models import ModelConfig
from api.deps import DeskDep, SessionDep, SettingsDep
from api.schemas.agents import AgentsHealth, ConnectionCheck, ModelStatus
from orchestrator.controls import trading_state
from orchestrator.cycle import model_set
from orchestrator.settings import Settings
from store.queries import count_ideas_by_status
from store.queries_runs import last_run_started_at
from store.records import get_risk_config
from tools.lifecycle import IdeaStatus

router = APIRouter(prefix="/agents", tags=["agents"])
# A button waits on this answer: one try, and not the long timeout cycles get.
TEST_TIMEOUT_SECONDS = 10.0


def public_endpoint(url: str | None) -> str | None:
    """The endpoint as it may be shown: no user:password@ and no query (keys hide there)."""
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _model(settings: Settings) -> ModelStatus:
    endpoint = public_endpoint(settings.llm.base_url if settings.llm else None)
    try:
        models = model_set(settings)
    except ValueError as exc:
        return ModelStatus(offline=False, label="unusable", endpoint=endpoint, problem=str(exc))
    return ModelStatus(
        offline=models.is_offline, label=models.label, endpoint=endpoint, problem=None
    )


async def check_connection(settings: Settings) -> ConnectionCheck:
    """Ask the configured endpoint for one short reply; the answer in plain words."""
    config = settings.llm or ModelConfig()
    quick = config.model_copy(
        update={
            "max_retries": 0,
            "timeout_seconds": min(config.timeout_seconds, TEST_TIMEOUT_SECONDS),
        }
    )
    ok, message = await test_connection(quick)
    return ConnectionCheck(
        ok=ok, message=message, model=config.label, endpoint=public_endpoint(config.base_url)
    )


@router.get("/health", summary="Which model decides, trading state and mode")
def agents_health(desk: DeskDep, settings: SettingsDep, session: SessionDep) -> AgentsHealth:
    config = get_risk_config(session)
    return AgentsHealth(
        model=_model(settings),
        trading_state=trading_state(config),
        halt_reason=config.last_halt_reason,
        mode=config.mode,
        broker=desk.brokers.active(session).name,
        ideas_waiting=count_ideas_by_status(session)[IdeaStatus.NEEDS_APPROVAL],
        last_run_at=last_run_started_at(session),
    )


@router.post(
    "/test-connection",
    summary='Call the configured model once: "AI online" or why not, in plain words',
)
async def test_model_connection(settings: SettingsDep) -> ConnectionCheck:
    return await check_connection(settings)
