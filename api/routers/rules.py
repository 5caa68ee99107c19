"""The rule book: every check the gate runs, with its id, category and description."""

from fastapi import APIRouter

from api.schemas.decisions import RuleList
from tools.risk_checks import RULES

router = APIRouter(prefix="/rules", tags=["rules"])


@router.get("", summary="Every risk and autonomy check the gate runs, in check order")
def list_rules() -> RuleList:
    return RuleList(items=RULES)
