"""Base of the domain's immutable value objects."""

from __future__ import annotations

from typing import Any, Self


class Value:
    """Frozen dataclasses share, not copy: deep copies of aggregates (the application's cache
    hands out copies) skip them, which made a loaded case several times cheaper to copy."""

    __slots__ = ()

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self


def copy_state(aggregate: Any, memo: dict[int, Any]) -> Any:
    """A deep copy of an aggregate whose state holds only immutable values, directly or in
    dicts and lists: copying those containers is enough."""
    clone = object.__new__(type(aggregate))
    memo[id(aggregate)] = clone
    clone.__dict__.update(
        {k: v.copy() if isinstance(v, dict | list) else v for k, v in aggregate.__dict__.items()}
    )
    return clone
