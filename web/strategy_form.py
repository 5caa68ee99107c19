"""The strategy editor's form: plain inputs for the top-level fields, JSON for the nested parts.
Validation errors keep their full path (`entry_conditions.1.rsi.below`) and show beside the
input their path starts with."""

import json
from typing import Any

from pydantic import BaseModel

from tools.strategies import StrategyDefinition
from web.views import Problem

JSON_FIELDS = ("session_windows", "entry_conditions", "exit", "forbidden", "risk_caps")


class StrategyForm(BaseModel):
    name: str = ""
    description: str = ""
    active: bool = False
    allowed_symbols: str = ""
    timeframe: str = "H1"
    expected_rr: str = ""
    session_windows: str = "[]"
    entry_conditions: str = "[]"
    exit: str = "{}"
    forbidden: str = "{}"
    risk_caps: str = "{}"

    @classmethod
    def of(cls, strategy: StrategyDefinition, **changes: Any) -> "StrategyForm":
        data = {**strategy.model_dump(mode="json"), **changes}
        return cls(
            name=data["name"],
            description=data["description"],
            active=data["active"],
            allowed_symbols=", ".join(data["allowed_symbols"]),
            timeframe=data["timeframe"],
            expected_rr=f"{data['expected_rr']:g}",
            **{field: json.dumps(data[field], indent=2) for field in JSON_FIELDS},
        )

    def definition(self) -> tuple[dict[str, Any], list[Problem]]:
        """The strategy as `Desk.save_strategy` takes it, and the parts that are not JSON."""
        data: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "active": self.active,
            "allowed_symbols": [s for s in self.allowed_symbols.replace(",", " ").split() if s],
            "timeframe": self.timeframe,
            "expected_rr": self.expected_rr,
        }
        problems = []
        for field in JSON_FIELDS:
            try:
                data[field] = json.loads(getattr(self, field))
            except json.JSONDecodeError as exc:
                message = f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
                problems.append({"path": field, "message": message})
        return data, problems
