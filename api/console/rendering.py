"""Rendering console pages: the language, the translator, dates and amounts for people."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from api.console import i18n
from application.shared import access
from domain.shared.money import format_yuan
from domain.shared.periods import SHANGHAI, shanghai_date

TEMPLATES = Path(__file__).parent / "templates"
CHANGES = "changes"  # the channel carrying the IDs of saved aggregates (api/console/changes.py)
ANY = "*"  # a list page: it hears of every change its user may see
FLASH_COOKIE = "tiaojie_flash"


def flashed(url: str, text: str, kind: str = "ok", **extra: str) -> Redirect:
    """Go on to `url`, where `text` shows once. It travels in a short-lived cookie, never in
    the URL: a URL comes back on reload and ends up in logs and referrers (as an invitation
    link's token would). `extra` carries more for that page (an invitation link)."""
    value = quote(json.dumps({"kind": kind, "text": text, **extra}, ensure_ascii=False))
    cookie = Cookie(
        key=FLASH_COOKIE, value=value, path="/", httponly=True, samesite="strict", max_age=60
    )
    return Redirect(url, status_code=303, cookies=[cookie])


def _flash(request: Request[Any, Any, Any]) -> dict[str, str]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return {}
    try:
        found = json.loads(unquote(raw))
    except ValueError:
        return {}
    return {k: str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def console_path(target: str, default: str = "/console", prefix: str = "/console") -> str:
    """A redirect target on this origin only: a page under `prefix`, never another host (no
    `//`, no backslash, which browsers read as a slash, no control characters)."""
    safe = (
        target.startswith(prefix)
        and "//" not in target
        and "\\" not in target
        and target.isprintable()
    )
    return target if safe else default


def watch_signature(secret: str, user_id: str, watch: str) -> str:
    """The server's word that it showed these IDs to this user (they may be watched)."""
    return hmac.new(secret.encode(), f"{user_id}\n{watch}".encode(), hashlib.sha256).hexdigest()


def language(request: Request[Any, Any, Any]) -> str:
    return i18n.choose(request.cookies.get("lang"), request.headers.get("accept-language"))


def translator(request: Request[Any, Any, Any]) -> Any:
    return i18n.translator(language(request))


def render(request: Request[Any, Any, Any], name: str, **context: Any) -> Template:
    lang = language(request)
    user = request.scope.get("user")
    platform = request.app.state.platform
    deployment = platform.center.config.deployment
    watch = context.get("watch")
    if user is not None and watch and watch != ANY:
        context["watch_sig"] = watch_signature(platform.settings.jwt_secret(), user.user_id, watch)
    flash = _flash(request)
    shown = [Cookie(key=FLASH_COOKIE, value="", path="/", max_age=0)] if flash else []
    return Template(
        template_name=name,
        cookies=shown,  # a message shows once
        context={
            "lang": lang,
            "t": i18n.translator(lang),
            "yuan": format_yuan,
            "beijing": lambda moment: beijing_time(moment, lang),
            "user": user,
            "opens": lambda page: user is not None and access.may_open(user, page, deployment),
            "todo_pages": access.TODO_PAGES,
            "my_todos": functools.cache(  # counted once a page: navigation and the list
                lambda: (
                    platform.case_list.todo_counts(
                        user, deployment, shanghai_date(platform.center.clock())
                    )
                    if user is not None
                    else []
                )
            ),
            "path": request.url.path,
            "flash": flash.get("text"),
            "flash_kind": flash.get("kind", "ok"),
            "flashed": flash,
            **context,
        },
    )


def badge(due: date | str | None, today: date, lang: str, *, provisional: bool = False) -> Any:
    """A deadline as people read it: days left, overdue, provisional."""
    if due is None:
        return None
    day = date.fromisoformat(due) if isinstance(due, str) else due
    t = i18n.translator(lang)
    left = (day - today).days
    if left < 0:
        return {"due": day.isoformat(), "kind": "overdue", "text": t("overdue")}
    text = t("days_left", n=left) + (f" ({t('provisional')})" if provisional else "")
    return {"due": day.isoformat(), "kind": "provisional" if provisional else "", "text": text}


def beijing_time(moment: datetime | None, lang: str) -> str:
    """A moment as people here read it: in Beijing time, and saying so."""
    if moment is None:
        return ""
    shown = moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return i18n.translator(lang)("beijing_time", time=shown)


def people(platform: Any) -> Callable[[Any], dict[str, str]]:
    """Who did an act, as people read it: the account's display name, the role (a word key),
    the institution's name; looked up once per page."""

    @functools.cache
    def named(actor_id: str, role: str, institution: str | None) -> dict[str, str]:
        account = platform.directory.user(actor_id)
        place = platform.directory.institution(institution) if institution else None
        return {
            "who": (account.display_name if account else None) or actor_id,
            "role": role,
            "institution": place.name if place else (institution or ""),
        }

    return lambda actor: named(actor.actor_id, str(actor.role), actor.institution) if actor else {}
