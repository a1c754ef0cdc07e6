"""What every act endpoint shares: one POST per act on a resource, in one style."""

from collections.abc import Callable
from typing import Any

from litestar import post
from litestar.handlers import HTTPRouteHandler

MiB = 1024 * 1024


def act_route(
    resource: str, name: str, description: str, handler: Callable[..., Any]
) -> HTTPRouteHandler:
    """`POST /{<resource>_id}/<name>`: the handler's path parameter is `<resource>_id`."""
    handler.__name__ = f"{resource}_{name}"
    return post(
        f"/{{{resource}_id:uuid}}/{name}",
        sync_to_thread=True,
        status_code=200,
        summary=name.replace("_", " ").capitalize(),
        description=f"{description} Refused by the {resource}'s state or a rule: 409 with "
        "current_state, act and rule.",
        operation_id=f"{resource}_{name}",
        request_max_body_size=MiB,
    )(handler)
