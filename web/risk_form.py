"""The settings page's risk form, built from the RiskConfig model so a new limit shows up by
itself. Mode, the kill switch and the halt state are the control panel's, not this form's."""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from pydantic.fields import FieldInfo

from tools.risk_config import RiskConfig

CONTROL_PANEL_FIELDS = frozenset({"mode", "ai_trading_enabled", "last_halt_reason", "halted_at"})
EDITABLE = tuple(name for name in RiskConfig.model_fields if name not in CONTROL_PANEL_FIELDS)
_BOUNDS = (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<"))


@dataclass(frozen=True)
class RiskField:
    name: str
    value: str
    options: tuple[str, ...]  # empty for a number
    hint: str

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


def _options(info: FieldInfo) -> tuple[str, ...]:
    kind = info.annotation
    if kind is bool:
        return ("true", "false")
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return tuple(member.value for member in kind)
    return ()


def _hint(info: FieldInfo) -> str:
    bounds = [
        f"{sign} {getattr(rule, attr):g}"
        for rule in info.metadata
        for attr, sign in _BOUNDS
        if hasattr(rule, attr)
    ]
    return "; ".join([*([info.description] if info.description else []), ", ".join(bounds)])


def _text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def risk_fields(config: RiskConfig, submitted: Mapping[str, str] | None = None) -> list[RiskField]:
    """One field per editable limit, holding what was submitted (after an error) or the config."""
    values = {name: _text(getattr(config, name)) for name in EDITABLE} | dict(submitted or {})
    return [
        RiskField(
            name=name,
            value=values[name],
            options=_options(info),
            hint=_hint(info).strip("; "),
        )
        for name, info in RiskConfig.model_fields.items()
        if name in EDITABLE
    ]
