"""Search on /cari/ in a real headless Chromium, against the built example portal.

The site is served on 127.0.0.1 with the strict Content-Security-Policy the theme promises
to work under (no inline script, no eval; WebAssembly allowed with 'wasm-unsafe-eval'), and
every test fails on a console error or a CSP violation. Playwright drives the Debian
Chromium; it never downloads a browser. Expected results are computed from the example's
own stories, so the tests follow the content.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import REPO, build_site, story_text
from externals import chromium_path, serve_directory
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from generator.model import Story
from generator.writer import write

pytestmark = pytest.mark.slow

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
#: What the portal is deployed with: docs/themes.md, "Rules for a theme".
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
       "img-src 'self'; connect-src 'self'; worker-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
RESULT_LINKS = ".search-results .card-title a"
TIMEOUT_MS = 15_000


def words(story: Story) -> str:
    """A story's searchable text (title and body) in lowercase, without markup."""
    text = re.sub(r"<[^>]+>", " ", story.body.html)
    return unescape(f"{story.meta.title} {text}").lower()


@pytest.fixture(scope="module")
def stories() -> tuple[Story, ...]:
    return build_site(REPO).site.stories


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        yield launch(playwright)


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(chromium_path()), args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def site(example_output: Path) -> Iterator[str]:
    with serve_directory(example_output, {"Content-Security-Policy": CSP}) as base:
        yield base


class Watched:
    """A page whose console errors, uncaught exceptions and CSP violations are kept."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.requests: list[str] = []  # the worker's requests included
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))
        page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                             "console.error('CSP violation: ' + e.violatedDirective))")

    def filter_files(self) -> list[str]:
        return [url for url in self.requests if "/pagefind/filter/" in url]

    def results(self) -> list[str]:
        return [a.get_attribute("href") or "" for a in self.page.query_selector_all(RESULT_LINKS)]

    def wait_for_status(self, text: str) -> str:
        self.page.wait_for_function(
            "t => document.querySelector('.search-status').textContent.includes(t)", arg=text,
            timeout=TIMEOUT_MS)
        return self.page.inner_text(".search-status")


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context()
    watched = Watched(context.new_page())
    yield watched
    context.close()
    assert not watched.problems, watched.problems


def test_typing_a_town_finds_its_stories(watched: Watched, site: str,
                                         stories: tuple[Story, ...]) -> None:
    page = watched.page
    page.goto(f"{site}/cari/")
    assert watched.wait_for_status("Ketik kata kunci") == \
        "Ketik kata kunci atau pilih saringan untuk mulai mencari."
    page.locator("#cari-q").press_sequentially("Seranau", delay=40)
    status = watched.wait_for_status("cocok")
    expected = {s.url for s in stories if "seranau" in words(s)}
    in_seranau = {s.url for s in stories if s.meta.region == "seranau"}
    assert len(in_seranau) == 3 and in_seranau <= expected
    found = watched.results()
    assert status == f"{len(found)} berita cocok dengan “Seranau”."
    assert set(found) == expected
    assert set(found[:3]) == in_seranau  # the stories filed under the place come first
    assert watched.filter_files() == []  # the filter options are in the page already
    assert page.url == f"{site}/cari/?q=Seranau"  # the search is in the address bar
    card = page.locator(".search-results .card").first
    assert card.locator("img.card-img").count() == 1
    assert re.fullmatch(r"\d{1,2} \w+ 20\d\d", card.locator("time").inner_text())
    assert card.locator(".meta a").inner_text() == "Kecamatan Seranau"
    assert card.locator(".card-summary mark").first.inner_text() == "Seranau"


def test_an_affixed_word_finds_other_forms_of_its_root(watched: Watched, site: str,
                                                       stories: tuple[Story, ...]) -> None:
    """Indonesian stemming: 'pembangunan' (pe-…-an) finds a story that only says
    'membangun' (me-), both from the root 'bangun'."""
    panen = next(s for s in stories if s.path.endswith("panen-raya-padi-teluk-sampit.md"))
    text = words(panen)
    assert "pembangunan" not in text and re.search(r"\bmembangun\b", text)
    watched.page.goto(f"{site}/cari/?q=pembangunan")
    watched.wait_for_status("cocok")
    found = watched.results()
    assert panen.url in found
    literal = {s.url for s in stories if "pembangunan" in words(s)}
    assert literal < set(found)  # every literal match, and more through the root


def test_a_kecamatan_filter_narrows_the_results(watched: Watched, site: str,
                                                stories: tuple[Story, ...]) -> None:
    page = watched.page
    page.goto(f"{site}/cari/?q=pembangunan")
    watched.wait_for_status("cocok")
    everywhere = watched.results()
    options = page.locator("#f-kecamatan option").all_inner_texts()
    assert options[0] == "Semua" and "Cempaga (4)" in options
    page.select_option("#f-kecamatan", "Cempaga")
    page.wait_for_url(f"{site}/cari/?q=pembangunan&kecamatan=Cempaga", timeout=TIMEOUT_MS)
    status = watched.wait_for_status("cocok")
    in_cempaga = {s.url for s in stories if s.meta.region == "cempaga"}
    narrowed = watched.results()
    assert set(narrowed) == set(everywhere) & in_cempaga
    assert 0 < len(narrowed) < len(everywhere)
    assert len(watched.filter_files()) == 1  # the kecamatan filter only
    assert status == f"{len(narrowed)} berita cocok dengan “pembangunan”."


def test_clicking_a_result_opens_the_story(watched: Watched, site: str,
                                           stories: tuple[Story, ...]) -> None:
    page = watched.page
    page.goto(f"{site}/cari/?q=kelotok")
    watched.wait_for_status("cocok")
    first = page.locator(RESULT_LINKS).first
    href, title = first.get_attribute("href"), first.inner_text()
    first.click()
    page.wait_for_url(f"{site}{href}", timeout=TIMEOUT_MS)
    story = next(s for s in stories if s.url == href)
    assert page.locator("h1.story-title").inner_text() == story.meta.title == title


def test_the_query_in_the_address_runs_on_load_newest_first(watched: Watched, site: str,
                                                            stories: tuple[Story, ...]) -> None:
    page = watched.page
    page.goto(f"{site}/cari/?q={quote('sungai')}&urut=terbaru&tahun=2025")
    status = watched.wait_for_status("cocok")
    assert page.input_value("#cari-q") == "sungai"
    assert page.input_value("#f-urut") == "terbaru"
    assert page.input_value("#f-tahun") == "2025"
    expected = [s.url for s in stories  # site order: newest first
                if s.meta.date.year == 2025 and re.search(r"\bsungai\b", words(s))]
    assert len(expected) >= 2
    assert watched.results() == expected
    assert status == f"{len(expected)} berita cocok dengan “sungai”."


@pytest.mark.parametrize("query", ["zzyzx", "jpg", "wilayah"])
def test_no_match_says_so(watched: Watched, site: str, query: str) -> None:
    """Nor do the addresses in a result's metadata match: every story has a /wilayah/ link
    and most a .jpg picture, in words no story uses."""
    watched.page.goto(f"{site}/cari/?q={query}&urut=terbaru")
    assert watched.wait_for_status("Tidak ada") == \
        f"Tidak ada berita yang cocok dengan “{query}”. Coba kata lain atau hapus saringan."
    assert watched.results() == []


def test_without_javascript_the_page_points_to_hubs_and_archives(browser: Browser,
                                                                 site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/cari/?q=Seranau")
    text = page.inner_text("main")
    assert "Pencarian memerlukan JavaScript" in text
    links = {a.get_attribute("href") for a in page.query_selector_all(".search-noscript a")}
    assert {"/wilayah/kotawaringin-timur/", "/wilayah/kotawaringin-timur/seranau/",
            "/arsip/", "/wilayah/", "/kategori/"} <= links
    assert not page.locator(".search-filters").is_visible()
    context.close()


def test_operator_text_in_results_is_never_run_as_html(make_site: Any, browser: Browser,
                                                       tiny_png: bytes) -> None:
    title = "Pasar <img src=x onerror=window.__xss=1> Baru"
    body = "Lapak <script>window.__xss=2</script> &lt;b onmouseover=x&gt; sayur segar.\n"
    root = make_site({"content/stories/2024/pasar.md": story_text(title, body=body),
                      "content/static/favicon.png": tiny_png})
    out = Path(tempfile.mkdtemp(prefix="kabar-search-xss-")) / "output"
    write(build_site(root).outputs, out)
    with serve_directory(out, {"Content-Security-Policy": CSP}) as base:
        context = browser.new_context()
        watched = Watched(context.new_page())
        watched.page.goto(f"{base}/cari/?q=sayur")
        watched.wait_for_status("cocok")
        assert watched.page.evaluate("window.__xss") is None
        assert watched.page.locator(RESULT_LINKS).inner_text() == title
        assert watched.page.locator(".search-results img").count() == 0
        summary = watched.page.locator(".card-summary").inner_text()
        assert "sayur" in summary and "<b onmouseover=x>" in summary
        context.close()
    assert not watched.problems, watched.problems


def test_results_come_ten_at_a_time(watched: Watched, site: str) -> None:
    page = watched.page
    page.goto(f"{site}/cari/?q=warga")
    status = watched.wait_for_status("cocok")
    total = int(status.split()[0])
    assert total > 20
    assert len(watched.results()) == 10
    for shown in (20, min(30, total)):
        page.click(".search-more")
        page.wait_for_function(  # a function, not an expression: the CSP forbids eval
            "([css, n]) => document.querySelectorAll(css).length >= n", arg=[RESULT_LINKS, shown],
            timeout=TIMEOUT_MS)
    while page.is_visible(".search-more"):
        page.click(".search-more")
        page.wait_for_timeout(200)
    found = watched.results()
    assert len(found) == total == len(set(found))
