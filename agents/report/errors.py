"""The one exception of the report: a folder or file it cannot read or write."""

from __future__ import annotations

__all__ = ["ReportError"]


class ReportError(Exception):
    """A run folder that cannot be reported, or an output that cannot be written.

    The message is one line meant for the user (the CLI prints it and exits with 2). It pickles
    (a single string argument).
    """
