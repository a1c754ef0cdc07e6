"""Domain errors: each one says what was refused so the API can answer precisely."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every refusal raised by the domain."""


class InvalidValue(DomainError):
    """A value breaks a data rule; `field` is the dotted path of the offending field.

    The message is a template with named `values` (``"at most {limit} characters"``), so that
    it can be said in another language with the same values."""

    def __init__(self, field: str, message: str, **values: object) -> None:
        text = message.format(**values) if values else message
        super().__init__(f"{field}: {text}")
        self.field = field
        self.message = text
        self.template = message
        self.values = values

    def within(self, prefix: str) -> InvalidValue:
        """The same error, its field nested under `prefix` (``respondent`` + ``id_number``)."""
        field = f"{prefix}.{self.field}" if prefix else self.field
        return InvalidValue(field, self.template, **self.values)


class ActRefused(DomainError):
    """An act that the case's current state or a business rule does not allow."""

    def __init__(
        self, act: str, current_state: str, rule: str, detail: str = "", **values: object
    ) -> None:
        template = detail or "'{act}' is not allowed while the case is '{current_state}'"
        values = values if detail else {"act": act, "current_state": current_state}
        message = template.format(**values) if values else template
        super().__init__(message)
        self.act = act
        self.current_state = current_state
        self.rule = rule
        self.detail = message
        self.template = template  # the detail with named values, as InvalidValue's
        self.values = values
