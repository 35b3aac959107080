"""Exceptions raised inside the MiniLean engine (turned into Lean messages at the boundary)."""

from __future__ import annotations


class LeanFailure(Exception):
    """A Lean error thrown by a tactic or an elaborator (Lean's ``throwError``).

    Attributes:
        message: The message text in Lean's wording.
        start: Source offset of the syntax the error is reported at (or None).
        end: End offset of that syntax (or None).
    """

    def __init__(self, message: str, start: int | None = None, end: int | None = None):
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end

    def at(self, start: int, end: int) -> LeanFailure:
        """Sets the position if it is not set yet; returns self."""
        if self.start is None:
            self.start = start
            self.end = end
        return self


class RecoverableElabError(LeanFailure):
    """An elaboration error Lean logs and recovers from (the term becomes ``sorry``)."""


class DeadlineExceeded(Exception):
    """The cooperative deadline of the current request passed."""

    def __init__(self, seconds: float):
        super().__init__(f"MiniLean: timeout after {seconds:g} s")
        self.seconds = seconds

    def __reduce__(self) -> tuple[type[DeadlineExceeded], tuple[float]]:
        return type(self), (self.seconds,)  # pickles: the constructor takes seconds, not the text
