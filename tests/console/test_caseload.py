"""Running a caseload in the console, in Debian's Chromium over a 1,000-case store: center
staff search, filter and page, work their to-do lists and accept, refer and distribute 50
filings in three acts; a mediator's list starts at the nearest deadline; a bank agent sees
what waits for its act."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Page

from application.read_models.case_list import CaseFilters
from tests.conftest import missing
from tests.support.browser import CHROMIUM, accessible, chromium, report_errors, sign_in
from tests.support.data import ADMIN, AGENT, filing, id_number
from tests.support.server import Server, running_server

CASES = 1_000


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("caseload"), TIAOJIE_MEDIA_WORKERS="0") as server:
        filings = [filing(respondent_id=id_number(serial=n)) for n in range(CASES - 1)]
        filings.append(filing(name="欧阳春晓", respondent_id=id_number(serial=4321)))
        server.platform.center.file_bulk(AGENT, filings)
        server.platform.catch_up()
        yield server


async def _shown(page: Page) -> str:
    return await page.locator(".paging").inner_text()


async def _act_on_all(page: Page, act: str, **fields: str) -> str:
    await page.locator("#select-all").check()
    await page.locator("#bulk-act").select_option(act)
    for name, value in fields.items():
        await page.locator(f"#bulk-{name}").select_option(value)
    await page.get_by_role("button", name="批量办理").click()
    await page.wait_for_load_state()
    await accessible(page)
    return await page.locator(".flash").inner_text()


def test_center_staff_find_page_and_move_a_caseload(loaded: Server, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        missing("Chromium", "install Debian's chromium package")
    platform = loaded.platform
    errors: list[str] = []

    async def scenario() -> None:
        async with chromium() as browser:
            page = await browser.new_page(locale="zh-CN")
            report_errors(page, errors)
            await sign_in(page, loaded.base, "admin")
            await accessible(page)
            assert "第 1–50 件，共 1000 件" in await _shown(page)
            todo = page.locator("a.todo-link")
            assert re.search(r"待办\s*1000", await todo.inner_text())
            await page.get_by_role("link", name="下一页").click()
            assert "第 51–100 件，共 1000 件" in await _shown(page)
            await page.get_by_label("搜索").fill("欧阳春")
            await page.get_by_role("button", name="筛选").click()
            assert "共 1 件" in await page.locator("h1").inner_text()
            assert await page.locator("table.cases tbody tr").count() == 1
            await page.get_by_label("搜索").fill("")
            await page.get_by_label("状态").select_option("filed")
            await page.get_by_role("button", name="筛选").click()
            assert "共 1000 件" in await page.locator("h1").inner_text()
            # To-do lists: accept 50, refer them, distribute them among the mediators.
            await page.get_by_role("link", name=re.compile("待受理")).first.click()
            assert "共 1000 件" in await page.locator("h1").inner_text()
            assert "已办理 50 件，未办理 0 件" in await _act_on_all(page, "accept")
            await page.goto(f"{loaded.base}/console?todo=todo_refer")
            assert "共 50 件" in await page.locator("h1").inner_text()
            done = await _act_on_all(page, "refer", kind="pre_filing")
            assert "已办理 50 件" in done
            await page.goto(f"{loaded.base}/console?todo=todo_assign")
            assert "已办理 50 件" in await _act_on_all(page, "distribute")
            assert "已指派" in await page.locator("table.cases").inner_text()
            await page.screenshot(path=str(tmp_path / "distributed.png"), full_page=True)
            await page.goto(f"{loaded.base}/console?todo=todo_assign")
            assert "共 0 件" in await page.locator("h1").inner_text()
            # A mediator's own list: its share, nearest deadline first, its to-do counted.
            mediator = await browser.new_page(locale="zh-CN")
            await sign_in(mediator, loaded.base, "mediator1")
            await accessible(mediator)
            assert "共 25 件" in await mediator.locator("h1").inner_text()
            assert await mediator.get_by_label("排序").input_value() == "deadline"
            chip = mediator.get_by_role("link", name=re.compile("待接受指派"))
            assert "25" in await chip.inner_text()
            # A bank agent: its cases, and what waits for it (nothing yet: no consent asked).
            agent = await browser.new_page(locale="zh-CN")
            await sign_in(agent, loaded.base, "bank_agent")
            await accessible(agent)
            assert "共 1000 件" in await agent.locator("h1").inner_text()
            assert await agent.locator("#bulk").count() == 0  # no acts on many for agents
            assert "待回应方案" in await agent.locator("nav.todos").inner_text()

    asyncio.run(scenario())
    assert errors == []
    platform.catch_up()
    load = platform.case_list.mediator_load(platform.center.clock().date())
    assert {m: open_cases for m, (open_cases, _) in load.items()} == {
        "mediator1": 25,
        "mediator2": 25,
    }
    today = platform.center.clock().date()
    assigned = platform.case_list.page(
        ADMIN, platform.center.config.deployment, CaseFilters(state="assigned"), today
    )
    assert assigned.total == 50
