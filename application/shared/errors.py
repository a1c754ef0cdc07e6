"""Refusals raised by the applications (the domain's own are in domain.shared.errors)."""

from __future__ import annotations


class ConcurrencyConflict(Exception):
    """Another act on the same aggregate kept winning; the retries ran out."""

    def __init__(self, what: str, attempts: int) -> None:
        super().__init__(f"{what} was changed concurrently {attempts} times; try again")
        self.what = what
        self.attempts = attempts


class AlreadyExists(Exception):
    """A uniquely named thing (institution code, username, ID number) is taken."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(Exception):
    """No such thing (or none the caller may see)."""


class BatchInvalid(Exception):
    """Rows of a bulk filing broke data rules; nothing was stored."""

    def __init__(self, errors: list[tuple[int, str, str]]) -> None:
        super().__init__(f"{len(errors)} invalid field(s) in the batch; nothing was stored")
        self.errors = errors  # (row, field, message)


class Throttled(Exception):
    """Too many tries (wrong passwords for one account): try again after `retry_after`
    seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OutcomeUnknown(Exception):
    """The store could not be asked whether a save took effect (it may have): the caller must
    read before repeating, or repeat with the same idempotency key."""


class InstitutionMissing(Exception):
    """The deployment lacks an institution an act needs (none configured, or not in the
    directory); the message says which and how to add it."""
