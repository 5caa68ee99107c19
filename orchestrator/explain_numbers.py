"""The number check: every number in an answer must be one the record holds.

Known numbers are every number in the record's data (and inside its texts: check details,
confidence reasons, transcript messages), in what the answer's tools returned, and in the
human's own questions. A number in the answer matches a known one at the precision it is
written with: "58" matches 58.2 and "1.0852" matches 1.08523 (half a unit of the last digit),
"1.5%" matches 1.5 or 0.015, a round integer such as "10,000" matches within 0.5%.

Not checked, and documented as such: dates, clock times and years (1900-2100), integers 0-10
(counts, list markers, "1 of 3"), a number right after "/" (the "/50" of a score), an
indicator's period (the 14 of "RSI(14)") and digits inside words or codes (H1, rsi_14,
cs-12-entry).
"""

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

UNMATCHED_NOTE = "not in the record"
_DATES = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b"
)
_NUMBER = re.compile(
    r"(?<![\w.\-/])(?<![A-Za-z]\()(?P<sign>-)?(?<![\w.])(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?"
    r"(?P<unit>%|x\b|\b)"
)
_SMALL_INT = 10
_YEARS = range(1900, 2101)
_ROUND_RELATIVE = 0.005


@dataclass(frozen=True)
class NumberSpan:
    """A number as written in a text: where it is and what it says."""

    text: str
    start: int
    end: int
    value: float
    decimals: int
    percent: bool

    @property
    def exempt(self) -> bool:
        """Numbers the check leaves alone (see the module docstring)."""
        whole = self.decimals == 0 and not self.percent
        return whole and (abs(self.value) <= _SMALL_INT or int(abs(self.value)) in _YEARS)

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def numbers_in_text(text: str) -> list[NumberSpan]:
    """Every number in `text`, dates and times excepted (offsets stay those of `text`)."""
    spans = []
    for match in _NUMBER.finditer(_DATES.sub(_blank, text)):
        digits = match["int"].replace(",", "") + (match["frac"] or "")
        value = float(digits) * (-1 if match["sign"] else 1)
        spans.append(
            NumberSpan(
                text=match.group(0),
                start=match.start(),
                end=match.end(),
                value=value,
                decimals=len(match["frac"] or "") - (1 if match["frac"] else 0),
                percent=match["unit"] == "%",
            )
        )
    return spans


def numbers_in(data: Any) -> set[float]:
    """Every number in JSON-like data, including those written inside its strings."""
    found: set[float] = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, bool) or item is None:
            continue
        if isinstance(item, int | float):
            if math.isfinite(item):
                found.add(abs(float(item)))
        elif isinstance(item, str):
            found.update(abs(span.value) for span in numbers_in_text(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set):
            stack.extend(item)
    return found


class KnownNumbers:
    def __init__(self, values: Iterable[float]) -> None:
        self._values = sorted(set(values))

    def _near(self, target: float, tolerance: float) -> bool:
        # Few hundred to few thousand values: a scan is fast enough and easy to trust.
        return any(abs(value - target) <= tolerance for value in self._values)

    def matches(self, span: NumberSpan) -> bool:
        value = abs(span.value)
        tolerance = 0.5 * 10 ** (-span.decimals) * (1 + 1e-9)
        if span.decimals == 0 and value >= 100 and value % 100 == 0:
            tolerance = max(tolerance, value * _ROUND_RELATIVE)  # "10,000" is a rounding
        candidates = [value, value / 100] if span.percent else [value]
        return any(self._near(c, tolerance if c == value else tolerance / 100) for c in candidates)


def unmatched_numbers(answer: str, known: KnownNumbers) -> list[NumberSpan]:
    return [s for s in numbers_in_text(answer) if not s.exempt and not known.matches(s)]


def segments(text: str, spans: Iterable[dict[str, Any]]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, flagged) pieces, flagged pieces being the unmatched numbers."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for span in sorted(spans, key=lambda s: s["start"]):
        start, end = span["start"], span["end"]
        if start < at or end > len(text):
            continue  # never trust offsets that do not fit the text
        pieces += [(text[at:start], False), (text[start:end], True)]
        at = end
    pieces.append((text[at:], False))
    return [(piece, flagged) for piece, flagged in pieces if piece]


def marked(text: str, spans: Iterable[dict[str, Any]]) -> str:
    """Plain text with every unmatched number followed by "[not in the record]"."""
    return "".join(
        f"{piece} [{UNMATCHED_NOTE}]" if flagged else piece
        for piece, flagged in segments(text, spans)
    )
