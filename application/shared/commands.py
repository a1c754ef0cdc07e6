"""One way to run an act, for every institution.

An act arrives as a typed msgspec Struct (unknown fields refused; its docstring is the HTTP
operation's description). Each institution keeps a table from command class to handler; a
handler takes the act's `Context` (application, principal, side, now), the target aggregate and
the command, calls the domain, and names any further aggregates to save with the target in one
transaction. The HTTP layer makes one route per command class (`api.routing.act_route`) and the
console builds the same Structs from its forms.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, ClassVar, Generic, TypeVar

import msgspec
from eventsourcing.domain import Aggregate

from application.shared.access import Principal
from domain.shared.actors import Actor
from domain.shared.errors import InvalidValue
from domain.shared.filing import SideRole

AppT = TypeVar("AppT")
TargetT = TypeVar("TargetT")
Text = Annotated[str, msgspec.Meta(max_length=2_000)]
ShortText = Annotated[str, msgspec.Meta(max_length=500)]
Sha256 = Annotated[str, msgspec.Meta(pattern="^[0-9a-fA-F]{64}$")]
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


class Command(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every act's body. The act's name is the class name in snake case, unless the
    class sets `act`."""

    act: ClassVar[str] = ""

    @classmethod
    def act_name(cls) -> str:
        return cls.__dict__.get("act") or _CAMEL.sub("_", cls.__name__).lower()


@dataclass
class Context(Generic[AppT]):
    """What a handler needs besides its target and command; `save` adds aggregates to the
    act's one transaction."""

    app: AppT
    principal: Principal
    now: datetime
    side: SideRole | None = None
    saved: list[Aggregate] = field(default_factory=list)

    @property
    def actor(self) -> Actor:
        return self.principal.actor

    @property
    def own_side(self) -> SideRole:
        """The side the act is done for, where the act needs one."""
        if self.side is None:
            raise InvalidValue("side", "say for which side (applicant or respondent) this is done")
        return self.side

    def save(self, *aggregates: Aggregate) -> None:
        self.saved.extend(aggregates)


Handler = Callable[[Context[AppT], TargetT, Any], object]


class Composite:
    """A target made of several aggregates (an agreement with its case): all of them are
    saved with the act."""

    @property
    def aggregates(self) -> list[Aggregate]:
        raise NotImplementedError
