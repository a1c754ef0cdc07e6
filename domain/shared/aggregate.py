"""The base of every tiaojie aggregate: cheap copies and refusals that name the state."""

from __future__ import annotations

from typing import Any, Self

from eventsourcing.domain import Aggregate as LibraryAggregate

from domain.shared.errors import ActRefused


class Aggregate(LibraryAggregate):
    """An aggregate whose state holds only immutable values (Value objects, str, int, date,
    UUID), directly or in dicts and lists.

    The application's cache hands out deep copies; copying just those containers is enough,
    which made a loaded case several times cheaper to copy.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        clone = object.__new__(type(self))
        memo[id(self)] = clone
        clone.__dict__.update(
            {k: v.copy() if isinstance(v, dict | list) else v for k, v in self.__dict__.items()}
        )
        return clone

    def _refuse(self, act: str, rule: str, detail: str = "", **values: object) -> ActRefused:
        """The act refused by a rule, naming the aggregate's current state."""
        state = str(getattr(self, "state", type(self).__name__))
        return ActRefused(act, state, rule, detail, **values)
