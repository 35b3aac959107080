"""The one exception of the report: a folder or file it cannot read or write."""

from __future__ import annotations

from lean_gym.errors import LeanGymError

__all__ = ["ReportError"]


class ReportError(LeanGymError):
    """A run folder that cannot be reported, an output that cannot be written, or a browser
    that cannot render the page.

    The message is one line meant for the user (the CLI prints it and exits with 2). It pickles
    (lean_gym's exceptions rebuild from their constructor arguments).
    """
