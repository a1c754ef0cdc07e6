"""Domain errors: each one says what was refused so the API can answer precisely."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every refusal raised by the domain."""


class InvalidValue(DomainError):
    """A value breaks a data rule; `field` is the dotted path of the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def within(self, prefix: str) -> InvalidValue:
        """The same error, its field nested under `prefix` (``respondent`` + ``id_number``)."""
        return InvalidValue(f"{prefix}.{self.field}" if prefix else self.field, self.message)


class ActRefused(DomainError):
    """An act that the case's current state or a business rule does not allow."""

    def __init__(self, act: str, current_state: str, rule: str, detail: str = "") -> None:
        message = detail or f"'{act}' is not allowed while the case is '{current_state}'"
        super().__init__(message)
        self.act = act
        self.current_state = current_state
        self.rule = rule
        self.detail = message
