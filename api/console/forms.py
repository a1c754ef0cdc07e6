"""Console forms become the same Structs the API takes, and every refusal goes one way back.

People type amounts in yuan (`8,000`, full-width digits), dates and Beijing times; the form is
turned into the act's Struct with those values made strict, so the application sees exactly
what the JSON API would send. Any refusal (a bad value, a state or rule, a forbidden act, a
conflict, something not found) comes back to the page it came from as a message: a form never
answers 500.
"""

from __future__ import annotations

import json
import typing
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit
from uuid import UUID

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from litestar.security.jwt import Token

from api.console import i18n
from api.console.rendering import console_path, flashed, language, translator
from application.mediation_center.spreadsheet import template_column
from application.shared.access import Forbidden, Principal
from application.shared.commands import Command
from application.shared.errors import ConcurrencyConflict, NotFound
from domain.shared.errors import ActRefused, DomainError, InvalidValue
from domain.shared.money import parse_yuan
from domain.shared.periods import SHANGHAI

AuthRequest = Request[Principal, Token, Any]
S = TypeVar("S", bound=msgspec.Struct)
_IGNORED = frozenset({"act", "_csrf_token", "file_anyway"})  # the form's, not the act's
# A form's fields as posted (URL-encoded), for the handlers that read them.
FormBody = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
_TRUE = frozenset({"1", "on", "yes", "true"})
REFUSALS = (msgspec.ValidationError, DomainError, Forbidden, ConcurrencyConflict, NotFound)


def _plain(hint: Any) -> Any:
    """The type under Annotated and Optional."""
    while typing.get_origin(hint) is Annotated:
        hint = typing.get_args(hint)[0]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if args and typing.get_origin(hint) is not typing.Literal and len(args) == 1:
        return _plain(args[0])
    return hint


def _integer(text: str, field: str) -> int:
    normalized = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    if not normalized.lstrip("-").isdigit():
        raise InvalidValue(field, "must be a whole number")
    return int(normalized)


def _beijing_time(text: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValue(field, "must be a date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def struct_from_form(struct: type[S], form: Mapping[str, str]) -> S:
    """The Struct from a form's fields; `*_fen` fields may come as `*_yuan` in yuan."""
    hints = typing.get_type_hints(struct, include_extras=True)
    values: dict[str, Any] = {}
    for field in msgspec.structs.fields(struct):
        name, kind = field.name, _plain(hints[field.name])
        yuan = name.removesuffix("_fen") + "_yuan"
        raw = form.get(name)
        if raw is None and name.endswith("_fen") and form.get(yuan, "").strip():
            values[name] = parse_yuan(form[yuan], yuan)
        elif raw is None or name in _IGNORED or not raw.strip():
            continue
        elif kind is bool:
            values[name] = raw.strip().lower() in _TRUE
        elif kind is int:
            values[name] = _integer(raw, name)
        elif kind is datetime:
            values[name] = _beijing_time(raw, name)
        elif isinstance(kind, type) and issubclass(kind, msgspec.Struct):
            try:
                values[name] = json.loads(raw)
            except ValueError:
                raise InvalidValue(name, "is not readable") from None
        else:
            values[name] = raw.strip()
    return _converted(values, struct)


def nested_struct_from_form(struct: type[S], form: Mapping[str, str]) -> S:
    """A Struct with nested parts (a complaint's sides and claim) from a form whose fields
    are named by dotted path (`respondent.id_number`); `*_yuan` fields give `*_fen` amounts.
    Errors name the dotted field."""
    values: dict[str, Any] = {}
    for name, raw in form.items():
        if name in _IGNORED or not raw.strip():
            continue
        *parents, leaf = name.split(".")
        place = values
        for parent in parents:
            place = place.setdefault(parent, {})
        if leaf.endswith("_yuan"):
            place[leaf.removesuffix("_yuan") + "_fen"] = parse_yuan(raw, name)
        else:
            place[leaf] = raw.strip()
    return _converted(values, struct)


def _converted(values: dict[str, Any], struct: type[S]) -> S:
    """The form's values as the Struct (people's text: lax about types); a value it refuses
    is named by its dotted field."""
    try:
        return msgspec.convert(values, struct, strict=False)
    except msgspec.ValidationError as error:
        message, _, where = str(error).partition(" - at `$.")
        raise InvalidValue(where.rstrip("`") or "form", message) from None


def command_named(commands: Iterable[type[Command]], name: str) -> type[Command]:
    """The command class a form names by its act (forms post the act's name)."""
    for command in commands:
        if command.act_name() == name:
            return command
    raise InvalidValue("act", f"no such act: {name}")


def refusal(request: AuthRequest, error: Exception) -> str:
    """Why an act was refused, in the page's language: the field in words, the state in
    words, the domain's message from the catalog (one it does not hold stays in English)."""
    lang = language(request)
    t = i18n.translator(lang)
    words = i18n.domain_words(lang)

    def said(error: Any) -> str:
        """The catalog's words for its template, with its values, those that name a side, a
        state or a kind of thing in words too (a message without values is not a template:
        braces in it are text)."""
        template = words(error.template)
        if not error.values:
            return template
        values = {name: _in_words(t, name, value) for name, value in error.values.items()}
        return template.format(**values)

    if isinstance(error, InvalidValue):
        return t("invalid_field", field=field_words(t, error.field, lang), message=said(error))
    if isinstance(error, ActRefused):
        if error.rule == "state":
            return t("refused_in_state", act=t(error.act), state=t(error.current_state))
        return said(error)
    if isinstance(error, Forbidden):
        return said(error)
    if isinstance(error, NotFound):
        return t("not_found")
    if isinstance(error, ConcurrencyConflict):
        return t("changed_meanwhile")
    return str(error)


# The word families of values a message names: sides and signers, states, procedures,
# kinds of party, roles, service channels.
VALUE_WORDS = {
    "side": "",
    "signer": "",
    "state": "",
    "current_state": "",
    "procedure": "opt_",
    "channel": "opt_",
    "kind": "sk_",
    "role": "role_",
}


def _in_words(t: Callable[..., str], name: str, value: object) -> object:
    """A value as a word where the catalog has one (a code it does not know stays as it is)."""
    if name not in VALUE_WORDS:
        return value
    key = f"{VALUE_WORDS[name]}{value}"
    word = t(key)
    return value if word == key else word


def field_words(t: Callable[..., str], field: str, lang: str) -> str:
    """A field an error names, as the form or the template labels it (the path otherwise)."""
    column = template_column(field)
    if column != field and lang == i18n.DEFAULT:
        return column
    leaf = field.rsplit(".", 1)[-1]
    for key in (f"fl_{leaf}", leaf.removesuffix("_fen") + "_yuan", leaf):
        if t(key) != key:
            return str(t(key))
    return field


def back_with(request: AuthRequest, error: Exception) -> Redirect:
    """Back to the page the form came from (on this origin), saying why it was refused."""
    detail = translator(request)("refused", detail=refusal(request, error))
    referer = urlsplit(request.headers.get("referer", ""))
    same_origin = referer.netloc in ("", request.headers.get("host", ""))
    back = console_path(referer.path) if same_origin else "/console"
    return flashed(back, detail, "error")


def run_act(request: AuthRequest, run: Callable[[], Any], act: str) -> Redirect:
    """Run an act from a form and go on to its page with what happened (`run` returns a case
    ID, or (page, ID) for a session's or a matter's page); refusals go back where they came
    from."""
    t = translator(request)
    try:
        target = run()
    except REFUSALS as error:
        return back_with(request, error)
    done = t("done", act=t(act))
    if isinstance(target, tuple):
        page, target_id = target
        path = {
            "video": "/console/video",
            "notary": "/console/notary",
            "supervision": "/console/supervision",
            "flag": "/console/procuratorate/flags",
            "litigation": "/console/litigations",
        }[page]
        return flashed(f"{path}/{target_id}", done)
    assert isinstance(target, UUID)
    return flashed(f"/console/cases/{target}", done)
