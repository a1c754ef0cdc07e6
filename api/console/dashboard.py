"""The center's dashboard: the figures the real center and court ODR anchors publish."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from api.console.forms import AuthRequest
from api.console.rendering import render
from application.bootstrap import Platform
from application.read_models.case_list import center_figures
from application.shared import access
from application.shared.errors import NotFound
from domain.shared.periods import shanghai_date


def _bars(rows: list[dict[str, Any]], key: str, scale: float, unit: str) -> dict[str, Any]:
    """A server-side SVG bar chart's geometry (the template draws it)."""
    width, height, gap = 640, 200, 4
    step = width / max(len(rows), 1)
    bars = []
    for index, row in enumerate(rows):
        value = float(row[key] or 0)
        bar = height * value / scale if scale else 0
        bars.append(
            {
                "x": round(index * step + gap / 2, 1),
                "y": round(height - bar, 1),
                "w": round(step - gap, 1),
                "h": round(bar, 1),
                "label": str(row["label"]),
                "value": f"{value:.0f}{unit}",
            }
        )
    return {"width": width, "height": height, "bars": bars}


@get("/console/dashboard", include_in_schema=False, sync_to_thread=True)
def dashboard(
    request: AuthRequest,
    platform: NamedDependency[Platform],
    group: FromQuery[str] = "month",
    since: FromQuery[str] = "",
    until: FromQuery[str] = "",
) -> Template:
    """The center's figures: cases filed, amounts at stake, success rate, time to resolution,
    share transferred to court, default rate; by month, mediator or applicant institution."""
    if not access.may_open(request.user, "dashboard", platform.center.config.deployment):
        raise NotFound("dashboard")
    if group not in ("month", "mediator", "applicant"):
        group = "month"
    today = shanghai_date(platform.center.clock())
    start = since or today.replace(year=today.year - 1).isoformat()
    end = until or (today + timedelta(days=1)).isoformat()
    rows = center_figures(platform.case_list.view, group, start, end)
    directory = platform.directory
    names = {  # people and institutions by name, not by account or code
        "mediator": lambda v: getattr(directory.user(v), "display_name", None) or v,
        "applicant": lambda v: getattr(directory.institution(v), "name", None) or v,
    }.get(group)
    for row in rows:
        if names is not None:
            row["label"] = names(row["label"])
        concluded = row["concluded"] or 0
        row["success"] = 100 * (row["agreed"] or 0) / concluded if concluded else 0
        row["transferred_share"] = 100 * (row["transferred"] or 0) / concluded if concluded else 0
    took_effect, defaults = platform.center.agreement_counts()
    filed = sum(r["filed"] for r in rows)
    concluded = sum(r["concluded"] or 0 for r in rows)
    totals = {
        "filed": filed,
        "at_stake_fen": sum(r["at_stake_fen"] or 0 for r in rows),
        "success": 100 * sum(r["agreed"] or 0 for r in rows) / concluded if concluded else 0,
        "transferred": 100 * sum(r["transferred"] or 0 for r in rows) / concluded
        if concluded
        else 0,
        "default_rate": 100 * defaults / took_effect if took_effect else 0,
    }
    return render(
        request,
        "dashboard.html",
        rows=rows,
        totals=totals,
        group=group,
        since=start,
        until=end,
        filed_chart=_bars(rows, "filed", max([r["filed"] for r in rows] or [1]), ""),
        success_chart=_bars(rows, "success", 100, "%"),
        lagging=platform.audit.lagging(),  # witnesses that did not cosign the latest checkpoint
        calendar=platform.calendar_warnings(),  # unknown years, deadlines held for them
        watch="*",
    )
