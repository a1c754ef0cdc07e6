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
