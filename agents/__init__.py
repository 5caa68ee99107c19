"""The desk's agents behind a plain interface: no AutoGen type crosses it.

models = ModelSet.offline()  # or ModelSet.from_config(ModelConfig(...), {"risk": {...}})
result = await run_team(task=build_task(digest), toolkit=toolkit, models=models,
                        budget=Budget())
"""

from agents.connection import test_connection
from agents.digest import build_task
from agents.models import ModelCapabilities, ModelConfig, ModelSet
from agents.offline import OFFLINE_LABEL, OFFLINE_MODEL
from agents.roles import SPEAKING_ORDER, Role
from agents.team import Budget, EndedBy, TeamResult, run_team
from agents.toolbelt import DeskToolkit
from agents.transcript import EventType, TranscriptEvent

__all__ = [
    "OFFLINE_LABEL",
    "OFFLINE_MODEL",
    "SPEAKING_ORDER",
    "Budget",
    "DeskToolkit",
    "EndedBy",
    "EventType",
    "ModelCapabilities",
    "ModelConfig",
    "ModelSet",
    "Role",
    "TeamResult",
    "TranscriptEvent",
    "build_task",
    "run_team",
    "test_connection",
]
