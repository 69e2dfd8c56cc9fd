"""`kabar serve` in a real headless Chromium: live reload, the error overlay and recovery.

Playwright drives the distribution's Chromium (/usr/bin/chromium; no `playwright
install`). The server is a real `python -m generator serve` process; the test only edits
files on disk and watches what the open tabs show.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SiteMaker, story_text
from playwright.sync_api import Browser, Page, sync_playwright
from test_serve import STORY, STORY_URL, _start

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 10_000

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.is_file(), "Chromium is missing: apt-get install chromium (scripts/test)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS,
                                             headless=True)
        yield browser
        browser.close()


def _story(title: str) -> str:
    """The story with another title but the same URL (slug pinned)."""
    return story_text(title, extra="slug: posyandu-baru\n")


def _open(browser: Browser, url: str, errors: list[str]) -> Page:
    page = browser.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.wait_for_function("() => document.readyState === 'complete'")
    return page


def test_live_reload_overlay_and_recovery(browser: Browser, make_site: SiteMaker) -> None:
    root = make_site({STORY: _story("Posyandu Baru")})
    proc, base = _start(root)
    errors: list[str] = []
    try:
        page = _open(browser, base + STORY_URL.lstrip("/"), errors)
        assert page.title() == "Posyandu Baru | Kabar Uji"
        page.evaluate("() => { window.kabarSameDocument = true; }")
        page.wait_for_timeout(300)  # the event stream is connected

        # 1. A new title on disk appears without anyone pressing reload.
        (root / STORY).write_text(_story("Posyandu Ganti Judul"), encoding="utf-8")
        page.wait_for_function("() => document.title === 'Posyandu Ganti Judul | Kabar Uji'",
                               timeout=WAIT_MS)
        assert page.locator("h1").first.inner_text() == "Posyandu Ganti Judul"
        assert page.evaluate("() => window.kabarSameDocument") is None  # it was reloaded

        # 2. Broken front matter: the overlay names the file and line over the last good page.
        broken = _story("Posyandu Rusak").replace('"Posyandu Rusak"', '"Posyandu Rusak')
        (root / STORY).write_text(broken, encoding="utf-8")
        overlay = page.locator("#kabar-overlay")
        overlay.wait_for(state="visible", timeout=WAIT_MS)
        text = overlay.inner_text()
        assert f"{STORY}:2:8" in text
        assert "YAML tidak valid: tanda kutip tidak ditutup" in text
        assert 'hint: tambahkan tanda kutip penutup di akhir nilai ini' in text
        assert '| title: "Posyandu Rusak' in text
        assert page.title() == "Posyandu Ganti Judul | Kabar Uji"  # last good build

        # 3. A tab opened while broken gets the overlay on load.
        fresh = _open(browser, base, errors)
        assert f"{STORY}:2:8" in fresh.locator("#kabar-overlay").inner_text()

        # 4. Fixed: every tab recovers by itself.
        (root / STORY).write_text(_story("Posyandu Pulih"), encoding="utf-8")
        for tab in (page, fresh):
            tab.wait_for_function(
                "() => !document.getElementById('kabar-overlay')"
                " && document.body.textContent.includes('Posyandu Pulih')", timeout=WAIT_MS)
        assert page.title() == "Posyandu Pulih | Kabar Uji"
        assert errors == []
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Traceback" not in err, err


def test_escaped_diagnostics_stay_text_in_the_browser(browser: Browser,
                                                      make_site: SiteMaker) -> None:
    root = make_site({STORY: _story("Posyandu Baru")})
    proc, base = _start(root)
    errors: list[str] = []
    try:
        page = _open(browser, base, errors)
        page.wait_for_timeout(300)
        payload = '"<img src=x onerror=window.kabarPwned=1>"'
        (root / STORY).write_text(story_text(region=payload), encoding="utf-8")
        overlay = page.locator("#kabar-overlay")
        overlay.wait_for(state="visible", timeout=WAIT_MS)
        assert "wilayah '<img src=x onerror=window.kabarPwned=1>' tidak ada" in \
            overlay.inner_text()
        assert page.locator("#kabar-overlay img").count() == 0
        assert page.evaluate("() => window.kabarPwned") is None
        page.locator("[data-kabar-close]").click()
        assert page.locator("#kabar-overlay").count() == 0
        assert errors == []
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
