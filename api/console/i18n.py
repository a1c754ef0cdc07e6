"""The console's two languages: zh-CN (the default) and English.

The words are gettext catalogs kept with Babel (`locale/<language>/LC_MESSAGES/messages.po`),
keyed by short names, with a context per kind: acts, states, the procuratorate's words, the
rest; the filing's choices come from the spreadsheet template's words. The test command
extracts the keys the templates use and compiles the catalogs. The language comes from the
`lang` cookie (set by the switch), else the browser's Accept-Language, else zh-CN.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from babel.messages.pofile import read_po

from application.mediation_center.spreadsheet import CHOICES

LANGUAGES = ("zh-CN", "en")
DEFAULT = "zh-CN"

LOCALES = Path(__file__).parent / "locale"


def _catalogs() -> dict[str | None, dict[str, tuple[str, str]]]:
    """(zh-CN, English) words by context and key, from the two catalogs."""
    found: dict[str | None, dict[str, list[str]]] = {}
    for folder in ("zh_CN", "en"):
        with (LOCALES / folder / "LC_MESSAGES" / "messages.po").open("rb") as po:
            for message in read_po(po, locale=folder):
                if message.id:
                    found.setdefault(message.context, {}).setdefault(str(message.id), []).append(
                        str(message.string)
                    )
    return {ctx: {k: (v[0], v[-1]) for k, v in words.items()} for ctx, words in found.items()}


_BY_CONTEXT = _catalogs()
MESSAGES = _BY_CONTEXT.get(None, {})
STATES = _BY_CONTEXT.get("state", {})
ACTS = _BY_CONTEXT.get("act", {})
SUPERVISION = _BY_CONTEXT.get("supervision", {})  # the procuratorate's words, by prefix
# The domain's refusal and validation messages, keyed by their English text.
DOMAIN = _BY_CONTEXT.get("domain", {})
# The filing's choices in the words of the spreadsheet template (one source for both).
MESSAGES.update({f"dt_{code}": words for code, words in CHOICES["dispute_type"].items()})
MESSAGES.update({f"sk_{code}": words for code, words in CHOICES["kind"].items()})
MESSAGES.update({f"ch_{code}": words for code, words in CHOICES["channel"].items()})


def choose(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT


def translator(lang: str) -> Callable[..., str]:
    index = 0 if lang == "zh-CN" else 1

    def t(key: str, **values: object) -> str:
        for table in (MESSAGES, STATES, ACTS, SUPERVISION):
            if key in table:
                return table[key][index].format(**values)
        return key

    return t


def domain_words(lang: str) -> Callable[[str], str]:
    """A domain message in this language (one the catalog does not hold stays as it is)."""
    index = 0 if lang == "zh-CN" else 1
    return lambda message: DOMAIN[message][index] if message in DOMAIN else message
