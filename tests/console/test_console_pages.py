"""The console's other pages in Debian's Chromium: batch intake, the dashboard, a party's
account claim on a phone, and the notary office from application to certificate."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date
from pathlib import Path

from playwright.async_api import Page, expect

from application.documents.signed_documents import DEFAULT_CJK_FONT
from application.mediation_center.spreadsheet import template_csv
from application.read_models.case_list import CaseFilters
from domain.court.litigation_case import LitigationCase
from domain.shared.periods import shanghai_date
from tests.conftest import missing
from tests.support.browser import (
    CHROMIUM,
    accessible,
    chromium,
    report_errors,
    send_form,
    sign_in,
)
from tests.support.data import (
    ADMIN,
    AGENT,
    BANK,
    PARTY_ID,
    PROCURATORATE,
    drive,
    filing,
    id_number,
)
from tests.support.server import PASSWORD, Server


def test_batch_intake_names_bad_rows_and_takes_good_batches(server: Server, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        missing("Chromium", "install Debian's chromium package")
    anonymous = server.http.get("/console/intake/template/csv", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    good = template_csv().decode("utf-8-sig")
    header, example = good.splitlines()[:2]
    bad_row = example.replace("13800138000", "not-a-phone").replace("10000.00", "1.001")
    (tmp_path / "bad.csv").write_text(f"{header}\n{example}\n{bad_row}\n", encoding="utf-8")
    (tmp_path / "good.csv").write_text(f"{header}\n{example}\n{example}\n", encoding="utf-8")
    before = len(
        server.platform.case_list.page(
            ADMIN,
            server.platform.center.config.deployment,
            CaseFilters(),
            shanghai_date(server.platform.center.clock()),
        ).rows
    )
    errors: list[str] = []

    async def scenario() -> None:
        async with chromium() as browser:
            page = await browser.new_page(locale="zh-CN")
            report_errors(page, errors)
            await sign_in(page, server.base, "admin")
            await page.get_by_role("link", name="收案").click()
            await accessible(page)
            async with page.expect_download() as download:
                await page.get_by_role("link", name="CSV").click()
            assert (await (await download.value).path()).read_bytes() == template_csv()
            await page.get_by_label("文件").set_input_files(str(tmp_path / "bad.csv"))
            await page.get_by_role("button", name="上传").click()
            await expect(page.locator(".flash")).to_contain_text("未登记任何案件")
            table = await page.locator("table.errors").inner_text()
            assert "本金（元）" in table and "at most two decimals" in table, table
            await page.screenshot(path=str(tmp_path / "intake-errors.png"), full_page=True)
            # Two rows alike: asked about before anything is filed, then filed when confirmed.
            await page.get_by_label("文件").set_input_files(str(tmp_path / "good.csv"))
            await page.get_by_role("button", name="上传").click()
            await expect(page.locator(".flash")).to_contain_text("可能重复登记")
            assert "与本批第 2 行相同" in await page.locator("table.errors").inner_text()
            await accessible(page)
            await page.get_by_label("文件").set_input_files(str(tmp_path / "good.csv"))
            await page.get_by_label("仍要登记").check()
            await page.get_by_role("button", name="上传").click()
            await expect(page.locator(".flash")).to_contain_text("已登记2件")
            await asyncio.to_thread(server.platform.catch_up)
            await page.goto(f"{server.base}/console/intake")
            assert await page.locator("#waiting-h").count() == 1

    asyncio.run(scenario())
    # The refused batch is answered 400, the one asked about 409, on purpose; the browser logs
    # those statuses, nothing else.
    assert [e for e in errors if "status of 400" not in e and "status of 409" not in e] == []
    server.platform.catch_up()
    after = server.platform.case_list.page(
        ADMIN,
        server.platform.center.config.deployment,
        CaseFilters(),
        shanghai_date(server.platform.center.clock()),
    ).rows
    assert len(after) == before + 2  # the bad batch stored nothing


def test_dashboard_shows_the_centers_figures(server: Server, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        missing("Chromium", "install Debian's chromium package")
    drive(server.platform.center, server.clock, "in_mediation")  # mediator1's case
    server.platform.catch_up()
    errors: list[str] = []

    async def scenario() -> None:
        async with chromium() as browser:
            page = await browser.new_page(locale="zh-CN")
            report_errors(page, errors)
            await sign_in(page, server.base, "admin")
            await page.get_by_role("link", name="数据概览").click()
            await page.wait_for_url("**/console/dashboard")
            await accessible(page)
            figures = await page.locator(".figures").inner_text()
            assert "登记案件" in figures and "调解成功率" in figures and "协议违约率" in figures
            assert await page.locator("#chart-filed ~ svg rect, figure.chart svg rect").count() >= 1
            await page.get_by_label("分组").select_option("mediator")
            await page.get_by_role("button", name="查看").click()
            await page.wait_for_url("**group=mediator**")
            assert "mediator1" in await page.locator("table.cases").inner_text()
            await page.get_by_label("分组").select_option("applicant")
            await page.get_by_role("button", name="查看").click()
            await page.wait_for_url("**group=applicant**")
            by_bank = await page.locator("table.cases").inner_text()
            assert "江北商业银行" in by_bank and BANK not in by_bank  # its name, not its code
            await page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    asyncio.run(scenario())
    assert errors == []


def test_a_party_claims_the_account_on_a_phone(server: Server, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        missing("Chromium", "install Debian's chromium package")
    number = id_number(date(1992, 2, 2), 777)
    server.platform.center.file(AGENT, filing(respondent_id=number, name="王小二"))
    server.platform.catch_up()
    outbox = server.platform.settings.data_dir / "sms-outbox.jsonl"

    def messages() -> list[dict[str, str]]:
        return [json.loads(line) for line in outbox.read_text().splitlines()]

    [invite] = [m for m in messages() if "王小二" in m["text"]]
    link = re.search(r"(http://\S+/portal/claim/\S+?)\s", invite["text"])
    assert link is not None
    errors: list[str] = []

    async def scenario() -> None:
        async with chromium() as browser:
            phone = await browser.new_context(
                locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
            )
            page = await phone.new_page()
            report_errors(page, errors)
            await page.goto(link.group(1))
            await accessible(page)
            await page.get_by_role("button", name="获取验证码").click()
            await page.wait_for_load_state()
            code = re.search(r"验证码 (\d{6})", messages()[-1]["text"])
            assert code is not None
            await page.get_by_label("短信验证码").fill(
                "000000" if code.group(1) != "000000" else "111111"
            )
            await page.get_by_label("身份证号码后6位").fill(number[-6:])
            await page.get_by_label("用户名").fill("wangxiaoer")
            await page.get_by_label("密码").fill(PASSWORD)
            await page.get_by_role("button", name="开通").click()
            await page.wait_for_load_state()
            assert "wrong" in await page.locator(".flash").inner_text()
            await page.get_by_label("短信验证码").fill(code.group(1))
            await page.get_by_label("身份证号码后6位").fill(number[-6:])
            await page.get_by_label("用户名").fill("wangxiaoer")
            await page.get_by_label("密码").fill(PASSWORD)
            await page.get_by_role("button", name="开通").click()
            await page.wait_for_url(f"{server.base}/console")
            assert "王小二" in await page.locator("table.cases").inner_text()
            await accessible(page)
            await page.screenshot(path=str(tmp_path / "phone-cases.png"), full_page=True)

    asyncio.run(scenario())
    # the refused claim is answered 400 on purpose; the browser logs that status only
    assert [e for e in errors if "status of 400" not in e] == []


def test_notary_pages_from_application_to_certificate(server: Server, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        missing("Chromium", "install Debian's chromium package")
    if not DEFAULT_CJK_FONT.exists():
        missing("CJK fonts", "install Debian's fonts-noto-cjk")
    errors: list[str] = []

    async def notary_act(page: Page, label: str, **fields: str) -> None:
        await send_form(page, label, **fields)
        assert "已办理" in await page.locator(".flash").inner_text()

    async def scenario() -> None:
        async with chromium() as browser:
            page = await browser.new_page(locale="zh-CN")
            report_errors(page, errors)
            await sign_in(page, server.base, "notary1")
            await page.get_by_role("link", name="公证事项").click()
            await accessible(page)
            await page.get_by_label("公证事项类型").select_option("power_of_attorney")
            await page.get_by_label("申请人", exact=True).fill("张三")
            await page.get_by_label("申请人身份证号码").fill(PARTY_ID)
            await page.get_by_label("文书内容").fill("本人委托李四代为办理房产过户。")
            await page.get_by_label("申请人居住在境外").check()
            await page.get_by_label("远程视频公证").check()
            await page.get_by_role("button", name="受理申请").click()
            await page.wait_for_url("**/console/notary/**")
            await accessible(page)
            await notary_act(page, "审查受理条件")
            await notary_act(page, "记录身份核验", method="face_match", passed="yes")
            await notary_act(page, "记录询问", question="是否自愿委托？", answer="是")
            await notary_act(page, "记录当事人签署", method="electronic")
            await notary_act(page, "出具公证书")
            heading = await page.locator("h3").inner_text()
            assert "证字" in heading
            href = await page.get_by_role("link", name="下载 PDF").get_attribute("href")
            pdf = await page.request.get(f"{server.base}{href}")
            assert pdf.ok and (await pdf.body()).startswith(b"%PDF")
            await page.screenshot(path=str(tmp_path / "notary-matter.png"), full_page=True)
            # The applicant sees the matter and its certificate in the portal.
            portal = await browser.new_page(locale="zh-CN")
            await sign_in(portal, server.base, "party1")
            await portal.get_by_role("link", name="公证事项").click()
            await portal.get_by_role("link", name="委托书公证").first.click()
            assert "证字" in await portal.locator("h3").inner_text()
            assert await portal.locator("form.act").count() == 0  # no notary acts for a party

    asyncio.run(scenario())
    assert errors == []


def test_a_prosecutor_goes_from_a_red_flag_to_a_recommendation_the_court_answers(
    server: Server, tmp_path: Path
) -> None:
    if not Path(CHROMIUM).exists():
        missing("Chromium", "install Debian's chromium package")
    platform = server.platform
    platform.directory.add_user("prosecutor1", PASSWORD, "prosecutor", PROCURATORATE)
    debtor = id_number(serial=4242)
    for _ in range(3):  # one creditor, one debtor, three cases in a day
        platform.center.file(AGENT, filing(respondent_id=debtor))
    platform.catch_up()
    errors: list[str] = []

    async def scenario() -> None:
        async with chromium() as browser:
            page = await browser.new_page(locale="zh-CN")
            report_errors(page, errors)
            await sign_in(page, server.base, "prosecutor1")
            await page.get_by_role("link", name="虚假诉讼线索").click()
            await accessible(page)
            await page.get_by_role("link", name="同一债权债务人多次涉案").click()
            await accessible(page)
            assert await page.locator("tbody tr").count() == 3  # the three filings, as evidence
            await send_form(page, "立案监督", summary="同一银行与同一借款人一日内三次调解")
            await page.wait_for_url("**/console/supervision/**")
            assert "已办理" in await page.locator(".flash").inner_text()
            await accessible(page)
            await send_form(page, "受理")
            assert "审查中" in await page.locator("h1").inner_text()
            await send_form(page, "阅卷", parts="filing, state")
            assert "本次查阅已记录" in await page.locator("h1").inner_text()
            assert debtor in await page.locator("dl.read").inner_text()
            await accessible(page)
            await page.go_back()
            await page.reload()
            await send_form(
                page, "提出检察建议", addressee="court", text="请核查该批调解协议的真实性"
            )
            assert "待回复" in await page.locator("h1").inner_text()
            await page.screenshot(path=str(tmp_path / "supervision.png"), full_page=True)
            # The court's judge sees the recommendation addressed to the court, and replies.
            judge = await browser.new_page(locale="zh-CN")
            report_errors(judge, errors)
            await sign_in(judge, server.base, "judge1")
            await judge.get_by_role("link", name="民事监督案件").click()
            await accessible(judge)
            await judge.locator("tbody a").first.click()
            await accessible(judge)
            assert "同一银行" not in await judge.locator("main").inner_text()  # the review stays
            await send_form(judge, "回复检察建议", text="已逐案核查，将依法处理")
            assert "已回复" in await judge.locator("h1").inner_text()

    asyncio.run(scenario())
    assert errors == []


def test_a_judge_files_a_lawsuit_and_entrusts_it_to_the_center(
    server: Server, tmp_path: Path
) -> None:
    """The court's page files a lawsuit from its counter form (a bad ID number is named and
    nothing is filed); its page shows the state in words and the acts it allows; entrusting
    it files the case at the center, linked from the lawsuit."""
    if not Path(CHROMIUM).exists():
        missing("Chromium", "install Debian's chromium package")
    platform = server.platform
    debtor = id_number(serial=5151)
    complaint = {
        "applicant.name": "江北商业银行",
        "applicant.org_code": BANK,
        "applicant.phone": "02363000000",
        "respondent.kind": "person",
        "respondent.name": "王五",
        "respondent.phone": "13800138001",
        "claim.principal_yuan": "8,000",
        "claim.interest_yuan": "120.50",
        "procedure": "ordinary",
    }
    errors: list[str] = []

    async def scenario() -> None:
        async with chromium() as browser:
            page = await browser.new_page(locale="zh-CN")
            report_errors(page, errors)
            await sign_in(page, server.base, "judge1")
            await page.get_by_role("link", name="司法确认待办").click()
            await accessible(page)
            before = len(platform.court.ids_of(LitigationCase.Docketed))
            await send_form(page, "登记立案", **complaint, **{"respondent.id_number": "123"})
            flash = await page.locator(".flash").inner_text()
            assert "被申请人身份证号码：须为18位" in flash, flash
            assert len(platform.court.ids_of(LitigationCase.Docketed)) == before
            await send_form(page, "登记立案", **complaint, **{"respondent.id_number": debtor})
            await page.wait_for_url("**/console/litigations/**")
            assert "已办理" in await page.locator(".flash").inner_text()
            heading = await page.locator("h1").inner_text()
            assert "民初" in heading and "已立案，待审理" in heading
            assert "¥8,120.50" in await page.locator("main").inner_text()
            assert "普通程序" in await page.locator("main").inner_text()
            await accessible(page)
            await page.screenshot(path=str(tmp_path / "lawsuit.png"), full_page=True)
            await send_form(page, "委托调解")
            assert "委托调解中" in await page.locator("h1").inner_text()
            assert await page.get_by_role("button", name="出具并送达调解书").count() == 0
            platform.catch_up()
            await page.reload()
            link = page.get_by_role("link", name=re.compile("民调"))
            await link.click()
            await page.wait_for_url("**/console/cases/**")
            assert "王五" in await page.locator("main").inner_text()
            assert await page.locator("form.act").count() == 0  # the judge filed, not applied
            await page.screenshot(path=str(tmp_path / "entrusted.png"), full_page=True)

    asyncio.run(scenario())
    assert errors == []
