"""The console's message catalog: every key a template uses exists in both languages, once."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from litestar import Request

from api.console import i18n
from api.console.forms import refusal
from domain.shared.errors import ActRefused, InvalidValue
from domain.shared.filing import SideRole

TEMPLATES = Path(i18n.__file__).parent / "templates"


def test_every_template_key_is_translated_once() -> None:
    tables = (i18n.MESSAGES, i18n.STATES, i18n.ACTS, i18n.SUPERVISION)
    keys = [key for table in tables for key in table]
    assert len(keys) == len(set(keys)), "a key in two tables would hide one of them"
    found = [
        (key, joined)
        for template in TEMPLATES.glob("*.html")
        for key, joined in re.findall(r"""\bt\(\s*["']([a-z_]+)["']\s*(~?)""", template.read_text())
    ]
    used = {key for key, joined in found if not joined}
    prefixes = {key for key, joined in found if joined}  # t("sv_" ~ state): a family of keys
    assert used and prefixes, "no keys found: the pattern is wrong"
    assert sorted(used - set(keys)) == []
    assert sorted(p for p in prefixes if not any(k.startswith(p) for k in keys)) == []
    for table in tables:
        for key, (zh, en) in table.items():
            assert zh and en, key


def test_language_choice() -> None:
    assert i18n.choose(None, None) == "zh-CN"
    assert i18n.choose(None, "en-US,en;q=0.9") == "en"
    assert i18n.choose(None, "zh-TW,zh;q=0.9") == "zh-CN"
    assert i18n.choose("en", "zh-CN") == "en"  # the switch wins
    assert i18n.choose("fr", "fr-FR") == "zh-CN"


def test_the_catalogs_hold_every_extracted_key_in_both_languages_and_compile() -> None:
    """What `pybabel extract -k t` finds in the templates is in both catalogs, which hold
    the same keys, every one translated, and compile."""
    extracted = {
        str(message)
        for _, _, message, _, _ in extract_from_dir(
            str(TEMPLATES.parents[2]),
            method_map=[("api/console/templates/**.html", "jinja2")],
            keywords={"t": None},
        )
    }
    assert len(extracted) > 200
    known = {
        key for table in (i18n.MESSAGES, i18n.STATES, i18n.ACTS, i18n.SUPERVISION) for key in table
    }
    assert sorted(extracted - known) == []
    keys = []
    for folder in ("zh_CN", "en"):
        with (i18n.LOCALES / folder / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalog = read_po(po, locale=folder)
        keys.append({(m.context, m.id) for m in catalog if m.id})
        assert all(m.string for m in catalog if m.id), folder
        write_mo(io.BytesIO(), catalog)
    assert keys[0] == keys[1]


def test_every_fixed_refusal_and_validation_message_has_its_words() -> None:
    """The domain's and the application's messages (what `InvalidValue`, `ActRefused` and
    `Forbidden` say: templates with named values), as Babel extracts them, are in the
    catalogs' domain context in Chinese, with the same values."""
    messages = {
        str(message)
        for _, _, message, _, _ in extract_from_dir(
            str(TEMPLATES.parents[2]),
            method_map=[("domain/**.py", "python"), ("application/**.py", "python")],
            keywords={"InvalidValue": (2,), "ActRefused": (4,), "_refuse": (3,), "Forbidden": (2,)},
        )
    }
    assert len(messages) > 150
    assert sorted(messages - set(i18n.DOMAIN)) == []
    zh = i18n.domain_words("zh-CN")
    assert all(re.search(r"[\u4e00-\u9fff]", zh(m)) for m in messages)
    assert i18n.domain_words("en")("must be greater than 0") == "must be greater than 0"
    names = re.compile(r"\{(\w+)\}")
    for message in messages:
        assert sorted(names.findall(zh(message))) == sorted(names.findall(message)), message
    said = zh("must lie in the years {first}-{last}").format(first=2000, last=2100)
    assert said == "须在2000年至2100年之间"


def _asking_in(lang: str) -> Request[Any, Any, Any]:
    """A request as a browser sends it, preferring `lang`."""
    headers = [(b"accept-language", lang.encode())]
    return Request(scope={"type": "http", "method": "POST", "path": "/", "headers": headers})  # type: ignore[typeddict-item]


def test_a_refusal_is_said_in_the_pages_language_with_its_values_in_words() -> None:
    receipt = ActRefused(
        "record_receipt",
        "document_served",
        "already_received",
        "the {side} signed already",
        side=SideRole.RESPONDENT,
    )
    assert refusal(_asking_in("zh-CN"), receipt) == "被申请人已签收"
    years = InvalidValue(
        "claim.principal_fen", "must lie in the years {first}-{last}", first=2000, last=2100
    )
    assert refusal(_asking_in("zh-CN"), years) == "本金（元）：须在2000年至2100年之间"
    assert refusal(_asking_in("en"), years) == "Principal (yuan): must lie in the years 2000-2100"
    state = ActRefused("accept", "in_mediation", "state")
    assert refusal(_asking_in("zh-CN"), state) == "「受理」不能在「调解中」时办理"
    braces = InvalidValue("form", "Expected `str` of length <= {64}")  # not a template
    assert refusal(_asking_in("en"), braces).endswith("length <= {64}")
