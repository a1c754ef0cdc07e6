"""Debian's Chromium (headless, fake camera) joins as a party; an aiortc peer is the host."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from tests.conftest import missing
from tests.support.server import Server
from tests.video.peers import until

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        missing("Chromium", "install Debian's chromium package")
    return CHROMIUM


def test_chromium_party_and_aiortc_host_see_each_other(
    server: Server, chromium: str, tmp_path: Path
) -> None:
    session_id, host_token, mediator = server.session()
    invitation = server.invite(session_id, mediator, "王五", "respondent")
    party = invitation["participant_id"]
    errors: list[str] = []

    async def scenario() -> None:
        host = server.peer(session_id, host_token)
        await host.join()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=chromium, args=ARGS, headless=True
            )
            context = await browser.new_context(
                permissions=["camera", "microphone"], viewport={"width": 390, "height": 844}
            )
            page = await context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            try:
                await page.goto(invitation["link"])
                await page.wait_for_selector("#lobby", state="visible", timeout=20_000)
                await page.screenshot(path=str(tmp_path / "lobby.png"))
                await until(
                    lambda: (
                        host.last("room") is not None
                        and any(
                            p["id"] == party and p["present"]
                            for p in host.last("room")["participants"]  # type: ignore[index]
                        )
                    ),
                    what="the browser in the lobby",
                )
                assert host.received(party) == 0  # the lobby sends nothing
                await host.send(
                    {"type": "admit", "participant": party, "identity_check": "id_document"}
                )
                await until(lambda: host.received(party) > 15, timeout=30, what="browser video")
                await page.wait_for_function(
                    """() => { const v = document.querySelector('figure[id^=tile-] video');
                               return v && v.videoWidth > 0 && v.currentTime > 0.5; }""",
                    timeout=30_000,
                )
                decoded = await page.evaluate(
                    """async () => { let n = 0; (await state.pc.getStats()).forEach((r) => {
                         if (r.type === 'inbound-rtp' && r.kind === 'video') n += r.framesDecoded;
                       }); return n; }"""
                )
                assert decoded > 15
                await page.wait_for_selector("#lobby", state="hidden")
                await page.screenshot(path=str(tmp_path / "joined.png"))
            finally:
                await browser.close()
                await host.close()

    asyncio.run(scenario())
    assert errors == []
