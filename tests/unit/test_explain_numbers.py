"""The number check: which numbers an answer holds, which the record holds, at what precision
they match, and how unmatched ones are marked."""

import pytest

from orchestrator.explain_numbers import (
    KnownNumbers,
    marked,
    numbers_in,
    numbers_in_text,
    segments,
    unmatched_numbers,
)

RECORD = {
    "idea": {"entry": 1.08523, "confidence": 72.5, "targets": [1.0891], "equity": 10012.4},
    "checks": [{"detail": "rr=1.6 min=1.5", "numbers": {"rr": 1.6, "min": 1.5}}],
    "reasons": ["market: -4, atr_14 0.00109876 is 1.05x the median true range"],
    "pnl": -42.75,
}


def _flagged(answer: str) -> list[str]:
    return [span.text for span in unmatched_numbers(answer, KnownNumbers(numbers_in(RECORD)))]


@pytest.mark.parametrize(
    "answer",
    [
        "Entry 1.08523, target 1.0891, confidence 72.5.",
        "Entry about 1.0852 and confidence 73.",  # at the precision written
        "R:R 1.6 against a minimum of 1.5; ATR(14) 0.0011 is 1.05x normal.",
        "It lost 42.75 (P&L -42.75) with equity near 10,000.",
        "Market risk lost 4 points; RSI(14) and H1 bars on 2026-11-18 14:00 UTC, rsi_14.",
        "Risk 1.5% per trade; 3 of 9 checks; idea cs-12-entry; confidence 72.5/100.",
    ],
)
def test_check_when_every_number_is_in_the_record_then_nothing_flagged(answer: str) -> None:
    assert _flagged(answer) == []


@pytest.mark.parametrize(
    ("answer", "flagged"),
    [
        ("Entry 1.0861 and confidence 72.5.", ["1.0861"]),
        ("Confidence 72.4 is close.", ["72.4"]),
        ("RSI was 97.31 and equity 9,500.", ["97.31", "9,500"]),
        ("Risk was 2.5% of equity.", ["2.5%"]),
        ("It lost -43.75.", ["-43.75"]),
    ],
)
def test_check_when_a_number_is_invented_then_it_is_flagged(
    answer: str, flagged: list[str]
) -> None:
    assert _flagged(answer) == flagged


def test_numbers_in_text_when_dates_times_and_codes_then_they_are_skipped() -> None:
    text = "On 2024-03-12T14:00:00+00:00 at 09:30 the H4 sma_200 of cs-12-entry was 1.5x"
    assert [span.text for span in numbers_in_text(text)] == ["1.5x"]


def test_numbers_in_when_nested_data_then_numbers_and_numbers_inside_strings() -> None:
    assert numbers_in({"a": [1, {"b": -2.5}], "c": "rr=1.6", "d": True, "e": None}) == {
        1.0,
        2.5,
        1.6,
    }


def test_segments_when_spans_given_then_flagged_pieces_and_marked_text() -> None:
    text = "RSI was 97.31 at entry."
    spans = [{"text": "97.31", "start": 8, "end": 13}]
    assert segments(text, spans) == [("RSI was ", False), ("97.31", True), (" at entry.", False)]
    assert marked(text, spans) == "RSI was 97.31 [not in the record] at entry."


def test_segments_when_offsets_do_not_fit_the_text_then_they_are_ignored() -> None:
    assert segments("short", [{"start": 3, "end": 40}]) == [("short", False)]
