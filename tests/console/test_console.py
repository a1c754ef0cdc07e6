"""The console in Debian's Chromium (Playwright): sign-in, both languages, the case list, a
case page with its timeline, acts through forms with CSRF tokens, and escaping."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from playwright.async_api import Page

from application.mediation_center import commands as cmd
from application.shared.access import SYSTEM
from domain.court.judicial_confirmation import JudicialConfirmation
from domain.shared.periods import shanghai_date
from tests.conftest import missing
from tests.support.browser import (
    CHROMIUM,
    HOSTILE,
    SERIOUS,
    accessible,
    chromium,
    report_errors,
    send_form,
    sign_in,
)
from tests.support.data import ADMIN, AGENT, filing
from tests.support.server import PASSWORD, Server


async def act(page: Page, label: str, **fields: str) -> None:
    await send_form(page, label, **fields)
    flash = await page.locator(".flash").inner_text()
    assert "已办理" in flash, flash


async def plan(page: Page, _: str, dates: tuple[str, str], reply: str | None = None) -> None:
    """The plan builder: two instalments adding up to the claim, checked as typed."""
    builder = page.locator("#plan-builder")
    if reply:
        await builder.locator("#plan-act").select_option("counter_propose")
        await builder.locator("#plan-reply").select_option(reply)
    await builder.locator("#plan-principal").fill("10000")
    await builder.locator("#plan-interest").fill("123.45")
    await builder.locator("tbody tr").nth(0).locator(".amount").fill("5061.72")
    await builder.locator("tbody tr").nth(0).locator(".due").fill(dates[0])
    await builder.get_by_role("button", name="增加一期").click()
    await builder.locator("tbody tr").nth(1).locator(".amount").fill("5000")
    await builder.locator("tbody tr").nth(1).locator(".due").fill(dates[1])
    assert await builder.locator("#plan-submit").is_disabled()  # 5061.72 + 5000 ≠ 10123.45
    assert "合计" in await builder.locator("#plan-problem").inner_text()
    await builder.locator("tbody tr").nth(1).locator(".amount").fill("5061.73")
    assert await builder.locator("#running-total").inner_text() == "¥10,123.45"
    await builder.locator("#plan-submit").click()
    await page.wait_for_load_state()
    assert "已办理" in await page.locator(".flash").inner_text()


async def sign(page: Page, _: str) -> None:
    await page.get_by_role("button", name="签署协议").click()
    await page.wait_for_load_state()
    assert "已办理" in await page.locator(".flash").inner_text()


async def apply(page: Page, _: str) -> None:
    await page.get_by_role("button", name="申请司法确认").click()
    await page.wait_for_load_state()
    assert "已办理" in await page.locator(".flash").inner_text()


async def court(page: Page, _: str, act: str) -> None:
    """From the court's queue (deadline badge) to the case, then the act."""
    case_url = page.url
    await page.get_by_role("link", name="司法确认待办").click()
    await page.wait_for_url("**/console/court")
    await accessible(page)
    row = page.locator("table.cases tbody tr").first
    assert ("待受理" if act == "受理" else "待裁定") in await row.inner_text()
    assert await row.locator(".badge").count() == 1
    await page.goto(case_url)
    form = page.locator("form.act", has=page.get_by_role("button", name=act, exact=True))
    for name, text in (("reason", "协议内容合法"), ("notes", "双方到场，确认协议系自愿达成")):
        if await form.locator(f"[name={name}]").count():
            await form.locator(f"[name={name}]").fill(text)
    await form.get_by_role("button", name=act, exact=True).click()
    await page.wait_for_load_state()
    assert "已办理" in await page.locator(".flash").inner_text()
    if act == "裁定确认":  # the ruling on the court's page, with its signed PDF
        await page.get_by_role("link", name="司法确认待办").click()
        rulings = page.locator("#rulings-h").locator("..")
        assert "裁定确认" in await rulings.inner_text()
        href = await rulings.get_by_role("link", name="PDF").get_attribute("href")
        base = page.url.split("/console")[0]
        pdf = await page.request.get(f"{base}{href}")
        assert pdf.ok and (await pdf.body()).startswith(b"%PDF")
        await accessible(page)
        await page.goto(case_url)


async def video(page: Page, _: str, starts: str) -> None:
    """Schedule a session from the case page, invite the respondent, see the room's link."""
    case_url = page.url
    await page.get_by_label("标题").fill("第一次调解")
    await page.get_by_label("开始时间（北京时间）").fill(starts)
    await page.get_by_role("button", name="安排远程调解").click()
    await page.wait_for_url("**/console/video/**")
    await accessible(page)
    await page.get_by_label("姓名").fill("张三")
    await page.get_by_label("身份").select_option("respondent")
    await page.get_by_role("button", name="邀请参加人").click()
    await page.wait_for_load_state()
    link = await page.locator("#invitation-link").input_value()
    assert "/video/" in link and "#t=" in link
    room = await page.get_by_role("link", name="进入会议室").get_attribute("href")
    assert room is not None and room.startswith("/video/")
    await page.goto(case_url)
    assert starts.replace("T", " ") in await page.locator("#video-h").locator("..").inner_text()


async def pay(page: Page, _: str, act: str, paid_on: str) -> None:
    """The repayment schedule, and a payment against the first instalment."""
    assert "还款计划" in await page.locator("main").inner_text()
    form = page.locator("form.act", has=page.get_by_role("button", name=act, exact=True))
    await form.locator("[name=amount_yuan]").fill("100.50")
    await form.locator("[name=paid_on]").fill(paid_on)
    await form.get_by_role("button", name=act, exact=True).click()
    await page.wait_for_load_state()
    assert "已办理" in await page.locator(".flash").inner_text()


STEPS = {"pay": pay, "plan": plan, "sign": sign, "apply": apply, "court": court, "video": video}


def test_a_case_through_the_console(server: Server, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        missing("Chromium", "install Debian's chromium package")
    case = server.platform.center.file(AGENT, filing(name=HOSTILE))
    server.platform.catch_up()
    today = shanghai_date(server.clock())

    def day(offset: int) -> str:
        """A date the server's clock makes valid, whatever the day the test runs on."""
        return (today + timedelta(days=offset)).isoformat()

    errors: list[str] = []
    shots = iter(range(100))

    async def shot(page: Page, name: str) -> None:
        await page.screenshot(path=str(tmp_path / f"{next(shots):02d}-{name}.png"), full_page=True)

    async def scenario() -> None:
        async with chromium() as browser:
            for username, steps in (
                (
                    "admin",
                    [
                        ("受理", {}),
                        ("委派调解", {"kind": "pre_filing"}),
                        ("指派调解员", {"mediator": "mediator1"}),
                    ],
                ),
                ("mediator1", [("接受指派", {})]),
                ("party1", [("同意调解", {})]),
                (
                    "mediator1",
                    [
                        ("video", {"starts": f"{day(19)}T10:00"}),
                        ("plan", {"dates": (day(14), day(45))}),
                    ],
                ),
                (
                    "party1",
                    [("plan", {"dates": (day(45), day(76)), "reply": "1"})],
                ),
                ("bank_agent", [("接受方案", {"proposal": "2"})]),
                ("mediator1", [("起草调解协议", {}), ("sign", {})]),
                ("bank_agent", [("sign", {})]),
                ("party1", [("sign", {}), ("apply", {})]),
                ("bank_agent", [("apply", {})]),
                (
                    "judge1",
                    [
                        ("court", {"act": "受理"}),
                        ("court", {"act": "记录核实"}),
                        ("court", {"act": "裁定确认"}),
                    ],
                ),
                ("party1", [("pay", {"act": "报告还款", "paid_on": day(0)})]),
                ("bank_agent", [("pay", {"act": "登记还款", "paid_on": day(0)})]),
            ):
                context = await browser.new_context(locale="zh-CN")
                page = await context.new_page()
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.on("dialog", lambda d: errors.append(f"dialog: {d.message}"))
                await sign_in(page, server.base, username)
                await accessible(page)
                await shot(page, f"{username}-cases")
                await page.get_by_role("link", name=case.filing_number).click()
                await page.wait_for_url(f"**/console/cases/{case.id}")
                assert HOSTILE in await page.locator("main").inner_text()  # shown as text
                await accessible(page)
                for label, fields in steps:
                    await STEPS.get(label, act)(page, label, **fields)
                    await shot(page, f"{username}-{label}")
                await context.close()
            context = await browser.new_context(locale="en-US")
            page = await context.new_page()
            report_errors(page, errors)
            await page.goto(f"{server.base}/login")
            assert await page.locator("html").get_attribute("lang") == "en"
            await page.get_by_label("Username").fill("admin")
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(f"{server.base}/console")
            await page.get_by_role("link", name="中文").click()
            assert await page.locator("html").get_attribute("lang") == "zh-CN"
            await page.get_by_role("link", name="English").click()
            await page.get_by_role("link", name=case.filing_number).click()
            assert "settled" in await page.locator("h1").inner_text()
            timeline = await page.locator("table.timeline").inner_text()
            for event in ("filed", "referred", "consented to mediation", "agreement took effect"):
                assert event in timeline, timeline
            assert "MediationConsented" not in timeline and "applicant's agent" in timeline
            await shot(page, "admin-case-en")
            # Live: an act saved elsewhere shows on the open page without a reload by hand.
            await asyncio.sleep(0.5)  # the page's event stream is open
            await asyncio.to_thread(
                server.platform.center.act, case.id, ADMIN, cmd.Close(reason="fulfilled")
            )
            await page.wait_for_function(
                "() => document.querySelector('h1').innerText.includes('closed')",
                timeout=10_000,
            )

    asyncio.run(scenario())
    assert errors == []
    assert SERIOUS == [], "\n".join(sorted(set(SERIOUS)))
    settled = server.platform.center.case(case.id, ADMIN)
    assert settled.state == "closed"
    confirmation = JudicialConfirmation.create_id(settled.agreement_id)
    assert server.platform.court.confirmation(confirmation, SYSTEM).state == "confirmed"
