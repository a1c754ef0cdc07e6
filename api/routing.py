"""What every act endpoint shares: one POST per act on a resource, in one style."""

import inspect
from collections.abc import Callable
from typing import Any

from litestar import post
from litestar.handlers import HTTPRouteHandler
from litestar.params import JSONBody

from application.shared.commands import Command

MiB = 1024 * 1024


def act_route(
    resource: str, command: type[Command], handler: Callable[..., Any]
) -> HTTPRouteHandler:
    """`POST /{<resource>_id}/<act>`, the body the act's Struct and the description its
    docstring; the handler's path parameter is `<resource>_id`, its body parameter `data`."""
    name = command.act_name()
    handler.__name__ = f"{resource}_{name}"
    handler.__annotations__["data"] = JSONBody[command]  # type: ignore[misc,valid-type]
    return post(
        f"/{{{resource}_id:uuid}}/{name}",
        sync_to_thread=True,
        status_code=200,
        summary=name.replace("_", " ").capitalize(),
        description=f"{inspect.cleandoc(command.__doc__ or '')} Refused by the {resource}'s "
        "state or a rule: 409 with current_state, act and rule.",
        operation_id=f"{resource}_{name}",
        request_max_body_size=MiB,
    )(handler)
