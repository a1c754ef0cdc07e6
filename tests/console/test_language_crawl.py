"""Words, not codes, in both languages: every role's console pages, crawled in Debian's
Chromium over the demo's caseload, show no raw code (snake_case keys, event class names) and
no word of the other language, except what is marked as recorded data (names, numbers, facts
as typed: `data-recorded`)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Page

from application.demo import DEMO_PASSWORD, NOTARY, PARTY_ID, load_demo
from application.notary_office import commands as notary_cmd
from application.shared.access import Principal
from domain.shared.actors import Role
from tests.conftest import missing
from tests.support.browser import CHROMIUM, accessible, chromium, report_errors
from tests.support.server import PASSWORD, Server, running_server

ROLES = ("admin", "mediator1", "bank_agent", "party1", "judge1", "clerk1", "prosecutor1", "notary1")
PAGES_PER_ROLE = 30
# The kinds of page the crawl must reach between the roles (each role its own).
EXPECTED_PAGES = {
    "/console",
    "/console/cases/{id}",
    "/console/court",
    "/console/litigations/{id}",
    "/console/notary",
    "/console/notary/{id}",
    "/console/procuratorate",
    "/console/supervision",
    "/console/dashboard",
    "/console/intake",
}
SHAPES_PER_PATH = 2  # pages of one kind (cases/{id}) visited per role and language
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_LATIN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
# Words that are the same in both languages: formats and standards.
_BOTH = {"PDF", "CSV", "XLSX", "SHA", "URL", "SMS", "JSON", "English"}
# The visible text of the page and its labels, without what is recorded data.
_TEXTS = """() => {
  const skip = (el) => el.closest('[data-recorded], script, style, code, .langs');
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    if (text && !skip(node.parentElement)) found.push(text);
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]')) {
    if (skip(el)) continue;
    for (const a of ['placeholder', 'aria-label', 'title']) {
      if (el.getAttribute(a)) found.push(el.getAttribute(a));
    }
  }
  return found;
}"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("crawl"), TIAOJIE_MEDIA_WORKERS="0") as server:
        load_demo(server.platform, server.clock)
        notary = Principal("notary1", Role.NOTARY, NOTARY)
        taken = server.platform.notary.apply(
            notary,
            notary_cmd.TakeApplication(
                matter_type="power_of_attorney",
                applicant_name="张三",
                applicant_id_number=PARTY_ID,
                lives_abroad=False,
                remote=False,
                document_text="本人委托李四代为办理房产过户。",
            ),
        )
        server.platform.notary.act(taken.id, notary, notary_cmd.CheckEligibility())
        server.platform.catch_up()
        yield server


def problems_in(texts: list[str], lang: str) -> list[str]:
    found = []
    for text in texts:
        found += [f"code {code!r} in {text[:80]!r}" for code in _CODE.findall(text)]
        if lang == "en" and _CJK.search(text):
            found.append(f"Chinese in {text[:80]!r}")
        if lang == "zh-CN":
            found += [
                f"English {w!r} in {text[:80]!r}"
                for w in _LATIN_WORD.findall(text)
                if w not in _BOTH
            ]
    return found


async def _signed_in(page: Page, base: str, username: str, lang: str) -> None:
    await page.goto(f"{base}/lang/{lang}?next=/login")
    for password in (PASSWORD, DEMO_PASSWORD):
        await page.goto(f"{base}/login")
        await page.locator("input[name=username]").fill(username)
        await page.locator("input[name=password]").fill(password)
        await page.locator("form button[type=submit]").first.click()
        await page.wait_for_load_state()
        if "/login" not in page.url:
            return
    raise AssertionError(f"{username} could not sign in")


async def crawl(
    page: Page, base: str, found: dict[str, list[str]], lang: str, shapes: dict[str, int]
) -> int:
    queue, seen = ["/console"], set()
    while queue and len(seen) < PAGES_PER_ROLE:
        path = queue.pop(0)
        shape = _ID.sub("{id}", path.split("?")[0])
        if path in seen or shapes.get(shape, 0) >= SHAPES_PER_PATH:
            continue
        seen.add(path)
        shapes[shape] = shapes.get(shape, 0) + 1
        answer = await page.goto(f"{base}{path}")
        if answer is None or "text/html" not in answer.headers.get("content-type", ""):
            continue
        for problem in problems_in(await page.evaluate(_TEXTS), lang):
            found.setdefault(f"{lang} {shape}", []).append(problem)
        await accessible(page)
        links = await page.eval_on_selector_all(
            "a[href^='/console'], a[href^='/portal']", "els => els.map(e => e.getAttribute('href'))"
        )
        queue += [
            link
            for link in links
            if not re.search(r"\\.(pdf|csv|xlsx)$|/template/|/logout|/lang/", link)
        ]
    return len(seen)


def test_every_page_of_every_role_speaks_words_in_both_languages(demo: Server) -> None:
    if not Path(CHROMIUM).exists():
        missing("Chromium", "install Debian's chromium package")
    found: dict[str, list[str]] = {}
    errors: list[str] = []
    visited: dict[str, int] = {}
    shapes: dict[str, dict[str, int]] = {}

    async def scenario() -> None:
        async with chromium() as browser:
            for username in ROLES:
                for lang in ("zh-CN", "en"):
                    context = await browser.new_context(locale=lang)
                    page = await context.new_page()
                    report_errors(page, errors)
                    await _signed_in(page, demo.base, username, lang)
                    kinds = shapes.setdefault(f"{username} {lang}", {})
                    visited[f"{username} {lang}"] = await crawl(page, demo.base, found, lang, kinds)
                    await context.close()

    asyncio.run(scenario())
    assert all(n >= 2 for n in visited.values()), visited
    every = {shape for kinds in shapes.values() for shape in kinds}
    assert every >= EXPECTED_PAGES, sorted(EXPECTED_PAGES - every)
    report = sorted(  # one line per kind of problem: numbers folded
        {f"{where}: {re.sub(r'[0-9]+', '#', p)}" for where, ps in found.items() for p in ps}
    )
    assert report == [], "\n".join(report)
