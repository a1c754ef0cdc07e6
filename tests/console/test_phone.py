"""A borrower on a phone: the party's pages (the account claim from the SMS link, sign-in, the
case list, a settled case with its agreement and schedule, a case in mediation with the plan
builder, notarial matters) fit 360, 390 and 414 px with nothing wider than the screen, and
every control is a tap target at least 44 px high (Debian's Chromium, a phone viewport)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Page

from tests.conftest import missing
from tests.support.browser import CHROMIUM, accessible, chromium, report_errors, sign_in
from tests.support.data import AGENT, drive, filing, id_number
from tests.support.server import Server, running_server

WIDTHS = (360, 390, 414)
# What overflows the width, and the controls smaller than a fingertip (44 px high).
_MEASURE = """() => {
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > document.documentElement.clientWidth + 1) wide.push(el.tagName + ' ' + (el.id || el.className) + ' ' + Math.round(box.right));
  }
  const small = [];
  for (const el of document.querySelectorAll('a, button, input, select, textarea, summary')) {
    const box = el.getBoundingClientRect();
    if (!box.width || el.type === 'hidden' || getComputedStyle(el).visibility === 'hidden') continue;
    if (box.height < 44) small.push(el.tagName + ' ' + (el.name || el.textContent.trim().slice(0, 20)) + ' ' + Math.round(box.height));
  }
  return {scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth, wide: wide.slice(0, 5), small};
}"""


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, list[str]]]:
    with running_server(tmp_path_factory.mktemp("phone"), TIAOJIE_MEDIA_WORKERS="0") as server:
        settled = drive(server.platform.center, server.clock, "settled")
        mediating = drive(server.platform.center, server.clock, "in_mediation")
        invited = id_number(serial=2468)  # a debtor without an account yet: the SMS link
        server.platform.center.file(AGENT, filing(respondent_id=invited, name="王小三"))
        server.platform.catch_up()
        outbox = server.platform.settings.data_dir / "sms-outbox.jsonl"
        sent = [json.loads(line)["text"] for line in outbox.read_text().splitlines()]
        [text] = [t for t in sent if "王小三" in t]
        claim = re.search(r"http://[^/\s]+(/portal/claim/\S+?)\s", text)
        assert claim is not None
        yield (
            server,
            [
                claim.group(1),
                "/console",
                f"/console/cases/{settled.id}",
                f"/console/cases/{mediating.id}",
                "/console/notary",
            ],
        )


# (through the CSSOM: the pages' CSP refuses inline style attributes)
WIDE = "() => { const d = document.createElement('div'); d.style.width = '700px'; document.body.append(d); }"


async def _measured(page: Page, url: str) -> list[str]:
    await page.goto(url)
    return await _measured_here(page)


async def _measured_here(page: Page) -> list[str]:
    """What reaches past the phone's width (it would scroll or be cut off), and the
    controls below a fingertip."""
    found = await page.evaluate(_MEASURE)
    wide = [f"wider than {found['width']} px: {w}" for w in found["wide"]]
    if found["scroll"] > found["width"]:
        wide.append(f"scrolls sideways: {found['scroll']} > {found['width']}")
    return wide + [f"small: {s}" for s in found["small"]]


def test_the_portal_fits_a_phone_at_every_width(portal: tuple[Server, list[str]]) -> None:
    if not Path(CHROMIUM).exists():
        missing("Chromium", "install Debian's chromium package")
    server, paths = portal
    errors: list[str] = []
    found: dict[str, list[str]] = {}

    async def scenario() -> None:
        async with chromium() as browser:
            for width in WIDTHS:
                phone = await browser.new_context(
                    locale="zh-CN",
                    viewport={"width": width, "height": 800},
                    is_mobile=True,
                    has_touch=True,
                )
                page = await phone.new_page()
                report_errors(page, errors)
                found[f"{width} /login"] = await _measured(page, f"{server.base}/login")
                claim, *pages = paths  # the account claim, before signing in
                found[f"{width} /portal/claim"] = await _measured(page, f"{server.base}{claim}")
                await accessible(page)
                await sign_in(page, server.base, "party1")
                for path in pages:
                    found[f"{width} {path}"] = await _measured(page, f"{server.base}{path}")
                    await accessible(page)
                    await page.locator("details").evaluate_all(
                        "ds => ds.forEach(d => d.open = true)"
                    )
                    found[f"{width} {path} opened"] = await _measured_here(page)
                # The measure sees what would scroll: a block wider than the phone.
                await page.evaluate(WIDE)
                after = await _measured_here(page)
                assert any("wider than" in p for p in after), after
                await phone.close()

    asyncio.run(scenario())
    report = [f"{where}: {p}" for where, ps in found.items() for p in ps]
    assert report == [], "\n".join(report)
    assert errors == []
