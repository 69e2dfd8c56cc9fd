"""Headless Chromium loads portal pages through nginx: no console errors, no CSP violations.

The strict Content-Security-Policy of deploy/nginx/kabar-headers.conf forbids inline
scripts and styles, style attributes and other origins. A template that breaks it still
renders in a plain file server but loses its styling (or script) in production, and says so
only in the browser console: this test reads that console. Chromium is Debian's
(/usr/bin/chromium, installed by scripts/install-test-tools); Playwright only drives it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from externals import chromium_path
from nginx import serve_nginx
from portal_pages import PAGES

try:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # pragma: no cover - a half-provisioned machine must fail, not skip
    pytest.fail("Python package 'playwright' is missing; run `pip install -e .[test]`",
                pytrace=False)

CHROMIUM_ARGS = [
    "--headless",
    # CI runs as root, where Chromium refuses to start with its sandbox.
    "--no-sandbox",
    "--disable-gpu",
    # No internet on CI: background fetches would only time out and add noise.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Runs before any page script, in every document: records CSP violation events (console
# messages are not the only report: an event also fires for a blocked style attribute).
RECORD_VIOLATIONS = """
window.__kabarViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__kabarViolations.push(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} (${where})`);
});
"""

# Lazy images would load only when scrolled to; load them all so img-src is exercised too.
LOAD_ALL_IMAGES = """
async () => {
  for (const img of document.images) img.loading = "eager";
  await Promise.all(Array.from(document.images, (img) =>
    img.complete ? null : new Promise((done) => { img.onload = img.onerror = done; })));
  // Violation events are queued as tasks: let them run before reading the list.
  await new Promise((done) => setTimeout(done, 50));
  return window.__kabarViolations;
}
"""

STYLESHEET_APPLIED = """
Array.from(document.styleSheets).some((sheet) => {
  try {
    return new URL(sheet.href || "/", location.href).pathname.startsWith("/assets/")
      && sheet.cssRules.length > 0;
  } catch {
    return false;  // a blocked sheet's rules cannot even be read
  }
})
"""


@dataclass
class PageReport:
    """What the browser reported while loading one page."""

    status: int
    console: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


#: Pages that fill themselves in after `load`: what to wait for before looking. The search
#: page runs its `?q=` query on load (Pagefind: worker, wasm, index, fragments), then shows
#: result cards with their pictures.
READY = {"search": ".search-results .card-title a"}
READY_TIMEOUT_MS = 15_000


def visit(page: Page, url: str, ready: str | None = None) -> PageReport:
    """Load ``url`` with every image, and collect console errors, CSP violations and
    failed requests (the document's own status is in ``status``). With ``ready``, wait for
    that selector first; a page that never gets there is reported as a console line."""
    console: list[str] = []
    failed: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        # CSP violations are console errors; a CSP *warning* would be report-only noise.
        if msg.type == "error" or "Content Security Policy" in msg.text:
            where = msg.location.get("url", "")
            # The 404 page's own status is reported as "Failed to load resource".
            if not (where == url and "status of 404" in msg.text):
                console.append(f"{msg.type}: {msg.text} ({where})")

    def on_failed(request: Request) -> None:
        failed.append(f"{request.url}: {request.failure}")

    def on_page_error(error: Any) -> None:
        console.append(f"uncaught: {error}")

    page.on("console", on_console)
    page.on("requestfailed", on_failed)
    page.on("pageerror", on_page_error)
    try:
        response = page.goto(url, wait_until="load")
        assert response is not None, url
        if ready:
            try:
                page.wait_for_selector(ready, timeout=READY_TIMEOUT_MS)
            except PlaywrightTimeout:
                status = page.text_content(".search-status") or ""
                console.append(f"never showed {ready} (status: {status.strip()!r})")
        violations: list[str] = page.evaluate(LOAD_ALL_IMAGES)
        return PageReport(response.status, console, violations, failed)
    finally:
        page.remove_listener("console", on_console)
        page.remove_listener("requestfailed", on_failed)
        page.remove_listener("pageerror", on_page_error)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Debian Chromium for the module."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(executable),
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no shared cache) with the violation recorder installed."""
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_pages_load_cleanly_under_the_csp(example_output: Path, page: Page) -> None:
    """Home, a story, a kecamatan hub, an English version, the search page with a query
    (results shown) and the 404 page: no error, CSP violation or failed load."""
    paths = {name: find(example_output) for name, find in PAGES.items()}
    paths["404"] = "/halaman-yang-tidak-ada/"
    problems: list[str] = []
    with serve_nginx(example_output) as base:
        for name, path in paths.items():
            report = visit(page, base + path, READY.get(name))
            expected = 404 if name == "404" else 200
            if report.status != expected:
                problems.append(f"{name} {path}: status {report.status}, expected {expected}")
            problems += [f"{name} {path}: {line}"
                         for line in report.console + report.violations + report.failed]
            # The stylesheet really applied (one blocked by the CSP has no rules here).
            if not page.evaluate(STYLESHEET_APPLIED):
                problems.append(f"{name} {path}: the /assets/ stylesheet did not apply")
            if name == "search":  # the wasm ran: Seranau's stories are found, pictures too
                results = page.locator(READY["search"]).count()
                pictures = page.evaluate("Array.from(document.querySelectorAll("
                                         "'.search-results img'), (i) => i.naturalWidth)")
                if results < 1 or not pictures or 0 in pictures:
                    problems.append(f"search {path}: {results} results, picture widths "
                                    f"{pictures}")
    assert not problems, "\n".join(problems)


def test_the_check_sees_a_violation(tmp_path: Path, page: Page) -> None:
    """Control: inline script, inline style, a style attribute and a foreign image are each
    reported, so the clean result above means something."""
    root = tmp_path / "www"
    root.mkdir()
    (root / "404.html").write_text("<!DOCTYPE html><title>404</title>", encoding="utf-8")
    (root / "index.html").write_text(
        "<!DOCTYPE html><html lang='id'><title>uji</title>"
        "<style>p { color: red }</style>"
        "<p style='color: blue'>halo</p>"
        "<script>document.title = 'dijalankan'</script>"
        "<img src='http://127.0.0.2:9/luar.png' alt=''>",
        encoding="utf-8")
    with serve_nginx(root) as base:
        report = visit(page, base + "/")
        title = page.title()
    assert title == "uji", "the inline script ran despite the CSP"
    directives = sorted(v.split(" ", 1)[0] for v in report.violations)
    assert directives == ["img-src", "script-src-elem", "style-src-attr", "style-src-elem"], (
        report.violations)
    assert sum("Content Security Policy" in line for line in report.console) >= 3, report.console
