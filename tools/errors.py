"""Errors raised by the deterministic tools.

Each names what is wrong (file, row, field) so a front door can show it as one line.
"""


class ToolError(Exception):
    """Base class for errors raised by anything under tools/."""


class BarDataError(ToolError, ValueError):
    """Price bars are malformed: the message names the row and the problem."""


class FeedError(ToolError):
    """An external feed (calendar, news, market data URL) is down or malformed."""


class UnknownInstrumentError(ToolError, KeyError):
    """No instrument definition exists for a symbol."""

    def __str__(self) -> str:  # KeyError would add quotes around the message
        return str(self.args[0]) if self.args else "unknown instrument"
