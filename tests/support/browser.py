"""Console tests in Debian's Chromium: signing in, and axe-core on every page."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, async_playwright

from tests.support.server import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


SERIOUS: list[str] = []


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, closed however the test ends."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox"], headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


def report_errors(page: Page, errors: list[str]) -> Page:
    """The page's console errors land in `errors`, for the test to assert there are none."""
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return page


async def accessible(page: Page) -> None:
    """axe-core (bundled with axe-playwright-python, injected locally): no serious or critical
    violation on the page."""
    results = await Axe().run(page)
    assert results.response["passes"], "axe did not run"
    SERIOUS.extend(
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    )


async def sign_in(page: Page, base: str, username: str) -> None:
    await page.goto(f"{base}/console")
    assert page.url.startswith(f"{base}/login")
    await accessible(page)
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"{base}/console")


async def send_form(page: Page, label: str, **fields: str) -> None:
    """Fill the act form whose button says `label` (choices by value, boxes ticked by "yes")
    and send it."""
    form = page.locator("form.act", has=page.get_by_role("button", name=label, exact=True))
    for name, value in fields.items():
        control = form.locator(f'[name="{name}"]')
        if await control.evaluate("e => e.tagName") == "SELECT":
            await control.select_option(value)
        elif await control.get_attribute("type") == "checkbox":
            await control.set_checked(value == "yes")
        else:
            await control.fill(value)
    await form.get_by_role("button", name=label, exact=True).click()
    await page.wait_for_load_state()
