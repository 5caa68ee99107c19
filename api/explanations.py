"""The explanation tree of a decision: every rule with pass/fail and its numbers, grouped by
category, with the idea's confidence breakdown and story. Shared by GET
/decisions/{id}/explanation and POST /explain."""

from sqlmodel import Session

from api.schemas.decisions import CategoryVerdict, Explanation, RuleVerdict
from api.schemas.ideas import DecisionPublic, IdeaSummary
from store.models import DecisionRow, TradeIdeaRow
from store.queries import decisions_for_idea, get_idea
from tools.checks import Category, CheckResult, Rule
from tools.confidence import ConfidenceScore
from tools.risk_checks import RULES


def _verdict(rule: Rule, check: CheckResult | None) -> RuleVerdict:
    if check is None:
        return RuleVerdict(
            id=rule.id, description=rule.description, status="not_run", severity=None, detail=None
        )
    return RuleVerdict(
        id=rule.id,
        description=rule.description,
        status="passed" if check.passed else "failed",
        severity=check.severity,
        detail=check.detail,
        numbers=check.numbers,
    )


def explanation_tree(checks: list[CheckResult]) -> list[CategoryVerdict]:
    """Every known rule under its category, plus any check the gate ran outside the rule book
    (e.g. LEVELS_AVAILABLE when levels could not be computed)."""
    by_id = {check.id: check for check in checks}
    rules = [*RULES]
    known = {rule.id for rule in rules}
    rules += [
        Rule(id=c.id, category=c.category, description=c.detail)
        for c in checks
        if c.id not in known
    ]
    categories = []
    for category in Category:
        verdicts = [_verdict(r, by_id.get(r.id)) for r in rules if r.category is category]
        if verdicts:
            passed = all(v.status != "failed" for v in verdicts)
            categories.append(CategoryVerdict(category=category, passed=passed, rules=verdicts))
    return categories


def _idea_parts(
    session: Session, idea: TradeIdeaRow | None
) -> tuple[list[CategoryVerdict], ConfidenceScore | None, list[DecisionPublic]]:
    if idea is None or idea.id is None:
        return [], None, []
    checks = [CheckResult.model_validate(c) for c in idea.checks]
    confidence = (
        ConfidenceScore.model_validate(idea.confidence_breakdown)
        if idea.confidence_breakdown
        else None
    )
    story = [DecisionPublic.model_validate(d) for d in decisions_for_idea(session, idea.id)]
    return explanation_tree(checks) if checks else [], confidence, story


def build_explanation(session: Session, decision: DecisionRow) -> Explanation:
    idea = get_idea(session, decision.idea_id) if decision.idea_id is not None else None
    categories, confidence, story = _idea_parts(session, idea)
    return Explanation(
        decision=DecisionPublic.model_validate(decision),
        idea=IdeaSummary.model_validate(idea) if idea else None,
        reason_codes=decision.reason_codes,
        categories=categories,
        confidence=confidence,
        story=story,
    )
