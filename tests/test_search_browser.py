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
    text = re.sub(r"<[^>]+>", " ", str(story.body.html))
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


# ------------------------------------------------------------------ a split index (by years)

@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory,
          tiny_png: bytes) -> Iterator[tuple[str, tuple[Story, ...]]]:
    """The portal of test_search.split_site_files (split_at: 5; bundles /pagefind/ for
    2024, /pagefind/2022-2023/, /pagefind/2021/), built, written and served."""
    from test_search import split_site_files
    root = tmp_path_factory.mktemp("split") / "portal"
    for name, text in split_site_files().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "content/static").mkdir(parents=True)
    (root / "content/static/favicon.png").write_bytes(tiny_png)
    result = build_site(root)
    out = root.parent / "output"
    write(result.outputs, out)
    with serve_directory(out, {"Content-Security-Policy": CSP}) as base:
        yield base, result.site.stories


def merged(watched: Watched) -> set[str]:
    """The older bundles the page has loaded (their entry files)."""
    return {re.sub(r"^https?://[^/]+|pagefind-entry\.json.*$", "", url)
            for url in watched.requests if "pagefind-entry.json" in url} - {"/pagefind/"}


def show_all(watched: Watched) -> None:
    """Press the more button until it is gone (it goes on into older years)."""
    page = watched.page
    while page.is_visible(".search-more"):
        before = len(watched.results())
        label = page.inner_text(".search-more")
        page.click(".search-more")
        page.wait_for_function(
            "([css, n, label]) => document.querySelectorAll(css).length > n || "
            "document.querySelector('.search-more').hidden || "
            "document.querySelector('.search-more').textContent !== label",
            arg=[RESULT_LINKS, before, label], timeout=TIMEOUT_MS)


def test_a_split_index_searches_the_newest_years_first(
        watched: Watched, split: tuple[str, tuple[Story, ...]]) -> None:
    """A word in every story: the newest bundle (2024, 11 stories) fills the first page, so
    no older bundle is downloaded; "more" then goes on into 2022-2023 and 2021, and the
    whole list in date order is the site's order across the three bundles."""
    base, stories = split
    page = watched.page
    page.goto(f"{base}/cari/?q=warga&urut=terbaru")
    status = watched.wait_for_status("cocok")
    assert status == "11 berita cocok dengan “warga”. " \
        "Dicari di berita 2024; berita yang lebih lama menyusul."
    assert merged(watched) == set()  # the first query: the newest bundle only
    assert len(watched.results()) == 10
    page.click(".search-more")
    page.wait_for_function("s => document.querySelector(s).textContent.startsWith('Cari')",
                           arg=".search-more", timeout=TIMEOUT_MS)
    assert page.inner_text(".search-more") == "Cari juga di berita 2022\u20132023"
    assert len(watched.results()) == 11
    assert merged(watched) == set()
    show_all(watched)
    assert merged(watched) == {"/pagefind/2022-2023/", "/pagefind/2021/"}
    assert watched.results() == [s.url for s in stories]  # newest first, across bundles
    assert watched.wait_for_status("cocok") == "20 berita cocok dengan “warga”."


def test_a_rare_word_is_found_in_old_and_new_bundles_together(
        watched: Watched, split: tuple[str, tuple[Story, ...]]) -> None:
    """Fewer results than a page in the newest years: the older bundles are searched at
    once, and the stories of 2024 and of 2021 come in one list, newest years first."""
    base, stories = split
    watched.page.goto(f"{base}/cari/?q=jembatan")
    status = watched.wait_for_status("cocok")
    assert status == "3 berita cocok dengan “jembatan”."
    found = watched.results()
    expected = [s.url for s in stories if "jembatan" in words(s)]
    assert len(expected) == 3 and {s.meta.date.year for s in stories if s.url in expected} \
        == {2024, 2021}
    assert found[0] == expected[0]  # the 2024 story, then 2021's
    assert set(found) == set(expected)
    assert merged(watched) == {"/pagefind/2022-2023/", "/pagefind/2021/"}
    assert not watched.page.is_visible(".search-more")


def test_filters_and_sorting_work_across_a_split_index(
        watched: Watched, split: tuple[str, tuple[Story, ...]]) -> None:
    base, stories = split
    page = watched.page
    page.goto(f"{base}/cari/?q=warga&kecamatan=Satu&kategori=Pendidikan&urut=terbaru")
    watched.wait_for_status("cocok")
    show_all(watched)
    status = watched.wait_for_status("cocok")
    expected = [s.url for s in stories if s.meta.region == "kec-satu"
                and s.meta.category == "pendidikan"]
    assert {s.meta.date.year for s in stories if s.url in expected} == {2024, 2023, 2022, 2021}
    assert watched.results() == expected  # site order: newest first
    assert status == f"{len(expected)} berita cocok dengan “warga”."


def test_a_year_filter_loads_only_its_own_bundle(
        watched: Watched, split: tuple[str, tuple[Story, ...]]) -> None:
    base, stories = split
    page = watched.page
    page.goto(f"{base}/cari/?q=warga&tahun=2022&urut=terbaru")
    status = watched.wait_for_status("cocok")
    expected = [s.url for s in stories if s.meta.date.year == 2022]
    assert watched.results() == expected and len(expected) == 2
    assert status == "2 berita cocok dengan “warga”."
    assert merged(watched) == {"/pagefind/2022-2023/"}
    assert not page.is_visible(".search-more")
    first = page.locator(RESULT_LINKS).first  # a story of an older bundle opens
    first.click()
    page.wait_for_url(f"{base}{expected[0]}", timeout=TIMEOUT_MS)
    story = next(s for s in stories if s.url == expected[0])
    assert page.locator("h1.story-title").inner_text() == story.meta.title
