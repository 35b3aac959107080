"""What a model policy raises when it cannot propose.

A search treats any of these as one failed expansion (the node gets no children), never as a
crash: a server that answered 503 five times, a request past its timeout, a malformed answer.
A model that cannot be loaded is a :class:`ModelLoadError`, raised when the policy is built.
All of them pickle (they cross worker-process boundaries).
"""

from __future__ import annotations

__all__ = ["PolicyError", "PolicyTimeoutError", "PolicyServerError", "ModelLoadError"]


class PolicyError(Exception):
    """A policy could not produce candidates for a state (a failed expansion)."""


class PolicyTimeoutError(PolicyError):
    """The model or server did not answer within the policy's timeout."""


class PolicyServerError(PolicyError):
    """A completions server answered with an error (after the retries it allows).

    Attributes:
        status: The HTTP status of the last answer, or None when there was none (the
            connection was refused or reset).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message, status)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message


class ModelLoadError(PolicyError):
    """The model or tokenizer could not be loaded (the message says how to fix it)."""
