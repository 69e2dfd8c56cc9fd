"""Helpers that drive the external validators (Nu HTML Checker, Lighthouse) from tests.

Nothing here runs at import time: each helper starts its tool only when called. The tools are
installed by ``scripts/install-test-tools``; a missing tool FAILS the calling test (never skips
it), so a half-provisioned machine cannot report a green run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO_ROOT / "node_modules"
INSTALL_HINT = "run `scripts/install-test-tools` (as root) to install the test tools"

# Generous ceilings: they only exist so a wedged browser or JVM cannot hang CI for 90 minutes.
VNU_TIMEOUT_S = 900
LIGHTHOUSE_TIMEOUT_S = 300

LIGHTHOUSE_CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def require(tool: str | os.PathLike[str], what: str) -> Path:
    """Return the path of an installed tool, or fail the current test if it is missing.

    ``tool`` is either a path (anything containing a path separator) or a command name
    looked up on ``PATH``.
    """
    text = os.fspath(tool)
    if os.sep in text:
        path = Path(text)
        found = path if path.is_file() else None
    else:
        located = shutil.which(text)
        found = Path(located) if located else None
    if found is None:
        # pytest.fail, not skip: a validator that silently does not run is worse than none.
        pytest.fail(f"{what} is missing ({text}); {INSTALL_HINT}", pytrace=False)
    return found


# --------------------------------------------------------------------------- Nu HTML Checker


def vnu_jar() -> Path:
    """Return the path of the Nu HTML Checker jar shipped by the ``vnu-jar`` npm package."""
    return require(NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar", "Nu HTML Checker")


def _argfile_quote(arg: str) -> str:
    """Quote one argument for a java launcher @argfile (double quotes, backslash escapes)."""
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_vnu(paths: list[Path]) -> list[dict[str, Any]]:
    """Validate HTML files in one java process and return vnu's error messages.

    Each returned dict has ``url`` (``file:`` URL of the checked file), ``file`` (its local
    path), ``line`` and ``column`` (int or None), ``type`` (``error`` or
    ``non-document-error``), ``message`` and ``extract`` (the offending markup, may be empty).
    """
    if not paths:
        return []
    java = require("java", "Java runtime (for the Nu HTML Checker)")
    # vnu silently ignores file names that do not exist (no message at all), so a typo or a
    # race would pass as "valid": report them as errors ourselves.
    errors: list[dict[str, Any]] = [
        {
            "url": p.resolve().as_uri(),
            "file": str(p.resolve()),
            "line": None,
            "column": None,
            "type": "non-document-error",
            "message": "file does not exist (vnu would skip it silently)",
            "extract": "",
        }
        for p in paths
        if not p.is_file()
    ]
    existing = [p for p in paths if p.is_file()]
    if not existing:
        return errors
    jar = vnu_jar()
    options = [
        "-jar",
        str(jar),
        "--format",
        "json",
        # JSON goes to stderr by default, where JVM warnings could interleave with it.
        "--stdout",
        # Warnings and info messages are advisory; the suite gates on errors only.
        "--errors-only",
        # Language detection only ever yields *warnings* (discarded above), so skipping it
        # filters no error and saves time on large sites.
        "--no-langdetect",
        # The generator only writes HTML; force the HTML parser instead of sniffing.
        "--html",
        # Whatever the exit code, the JSON on stdout is the verdict; parsed below.
        "--exit-zero-always",
    ]
    with tempfile.TemporaryDirectory(prefix="kabar-vnu-") as tmp:
        # A java @argfile keeps thousands of file names out of argv (ARG_MAX) while still
        # validating everything in ONE JVM: JVM start-up dominates vnu's cost per file.
        argfile = Path(tmp) / "args"
        lines = [*options, *(str(p.resolve()) for p in existing)]
        argfile.write_text("\n".join(_argfile_quote(a) for a in lines) + "\n", encoding="utf-8")
        proc = subprocess.run(
            [str(java), f"@{argfile}"],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=VNU_TIMEOUT_S,
            check=False,
        )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"vnu produced no JSON report (exit {proc.returncode}).\n"
            f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
        )
    for msg in report.get("messages", []):
        # With --errors-only only "error" and "non-document-error" (I/O, unreadable file)
        # remain; both are failures. An info/warning slipping through is still not an error.
        if msg.get("type") not in ("error", "non-document-error"):
            continue
        errors.append(
            {
                "url": msg.get("url", ""),
                "file": _url_to_path(msg.get("url", "")),
                "line": msg.get("lastLine", msg.get("firstLine")),
                "column": msg.get("firstColumn", msg.get("lastColumn")),
                "type": msg["type"],
                "message": msg.get("message", ""),
                "extract": msg.get("extract", ""),
            }
        )
    return errors


def _url_to_path(url: str) -> str:
    """Turn vnu's ``file:/abs/path`` URL (percent-encoded) into a plain local path."""
    parsed = urlsplit(url)
    return unquote(parsed.path) if parsed.scheme == "file" else url


def format_vnu_error(error: dict[str, Any], root: Path | None = None) -> str:
    """Render one ``run_vnu`` error as ``file:line: message`` (file relative to ``root``)."""
    name = str(error["file"])
    if root is not None:
        base = str(root.resolve()) + "/"
        name = name.removeprefix(base)
    line = error["line"] if error["line"] is not None else "?"
    return f"{name}:{line}: {error['message']}"


# --------------------------------------------------------------------------- Lighthouse


def chromium_path() -> Path:
    """Return the Debian Chromium binary Lighthouse drives (tools cannot download a browser)."""
    return require("/usr/bin/chromium", "Chromium")


def lighthouse_bin() -> Path:
    """Return the Lighthouse CLI installed by ``npm ci``."""
    return require(NODE_MODULES / ".bin" / "lighthouse", "Lighthouse")


def run_lighthouse(url: str, out_json: Path) -> dict[str, float]:
    """Audit ``url`` with Lighthouse (mobile), write the JSON report, return scores 0..100."""
    chromium = chromium_path()
    lighthouse = lighthouse_bin()
    require("node", "Node.js (for Lighthouse)")
    out_json.parent.mkdir(parents=True, exist_ok=True)
    # A fresh profile per run: a reused one carries caches/service workers between pages.
    with tempfile.TemporaryDirectory(
        prefix="kabar-chromium-", ignore_cleanup_errors=True
    ) as profile:
        chrome_flags = " ".join(
            [
                "--headless",
                # CI runs as root, where Chromium refuses to start with its sandbox.
                "--no-sandbox",
                "--disable-gpu",
                # No internet on CI: background fetches would only time out and add noise.
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
                f"--user-data-dir={profile}",
            ]
        )
        cmd = [
            str(lighthouse),
            url,
            "--only-categories=" + ",".join(LIGHTHOUSE_CATEGORIES),
            "--output=json",
            f"--output-path={out_json}",
            "--quiet",
            f"--chrome-flags={chrome_flags}",
            # Never prompt (no stdin on CI) and never phone home with crash reports.
            "--no-enable-error-reporting",
        ]
        env = {**os.environ, "CHROME_PATH": str(chromium)}
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            env=env,
            timeout=LIGHTHOUSE_TIMEOUT_S,
            check=False,
        )
    if proc.returncode != 0 or not out_json.is_file():
        pytest.fail(
            f"lighthouse failed on {url} (exit {proc.returncode}).\n"
            f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
        )
    report = json.loads(out_json.read_text(encoding="utf-8"))
    runtime_error = report.get("runtimeError")
    if runtime_error:
        # e.g. NO_FCP or a 404 page load: scores would be null, so say why instead.
        pytest.fail(f"lighthouse could not audit {url}: {runtime_error} (report: {out_json})")
    scores: dict[str, float] = {}
    for cat_id in LIGHTHOUSE_CATEGORIES:
        score = report["categories"][cat_id]["score"]
        if score is None:
            pytest.fail(f"lighthouse gave no {cat_id} score for {url} (report: {out_json})")
        # Round away float noise (0.95 * 100 == 95.00000000000001).
        scores[cat_id] = round(float(score) * 100, 1)
    return scores


def _audit_items(audit: dict[str, Any], limit: int = 3) -> list[str]:
    """Describe the first few offending items of an audit (element, URL or console text)."""
    details = audit.get("details") or {}
    items: list[Any] = details.get("items") or []
    described: list[str] = []
    for item in items[:limit]:
        if not isinstance(item, dict):
            continue
        node: dict[str, Any] = item["node"] if isinstance(item.get("node"), dict) else {}
        source: dict[str, Any] = (
            item["sourceLocation"] if isinstance(item.get("sourceLocation"), dict) else {}
        )
        parts = [
            " ".join(str(value).split())  # axe explanations span several lines
            for value in (
                node.get("selector"),
                node.get("snippet"),
                item.get("url") or source.get("url"),
                item.get("description") or node.get("explanation"),
            )
            if value
        ]
        if parts:
            described.append(" | ".join(parts)[:300])
    if len(items) > limit:
        described.append(f"... and {len(items) - limit} more")
    return described


def failing_audits(report_json: Path | dict[str, Any]) -> list[str]:
    """List the audits that cost points in a Lighthouse report, one readable entry each.

    Weighted audits (the ones a category score is computed from) come first; unweighted
    failing diagnostics follow because they usually explain a low performance score; then
    Lighthouse's run warnings.
    """
    report: dict[str, Any]
    if isinstance(report_json, dict):
        report = report_json
    else:
        report = json.loads(Path(report_json).read_text(encoding="utf-8"))
    audits: dict[str, Any] = report.get("audits", {})
    weighted: list[str] = []
    diagnostics: list[str] = []
    seen: set[str] = set()
    for cat_id, category in report.get("categories", {}).items():
        for ref in category.get("auditRefs", []):
            audit = audits.get(ref["id"], {})
            score = audit.get("score")
            # null score = informative / manual / not applicable: never costs points.
            if score is None or score >= 1 or ref["id"] in seen:
                continue
            # Hidden refs (e.g. the metrics' duplicates, experimental insights) are noise.
            if ref.get("group") == "hidden" and not ref.get("weight"):
                continue
            seen.add(ref["id"])
            line = f"[{cat_id}] {ref['id']}: {audit.get('title', '')}"
            if audit.get("displayValue"):
                line += f" ({audit['displayValue']})"
            line += f" score={score:.2f}"
            if ref.get("weight"):
                line += f" weight={ref['weight']}"
            # Offending elements/URLs: CI logs are all a failing run leaves behind.
            line += "".join(f"\n    - {item}" for item in _audit_items(audit))
            (weighted if ref.get("weight") else diagnostics).append(line)
    # e.g. "slower CPU than Lighthouse expects": context for a surprising performance score.
    warnings = [f"[run warning] {' '.join(str(w).split())}" for w in report.get("runWarnings", [])]
    return weighted + diagnostics + warnings


# --------------------------------------------------------------------------- static server

# Explicit types so results do not depend on the host's /etc/mime.types.
_CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml",
    ".xsl": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".pdf": "application/pdf",
}


class _StaticHandler(SimpleHTTPRequestHandler):
    """Serve a built site like the production web server does (pretty URLs, 404 page)."""

    #: Sent with every response, e.g. a Content-Security-Policy (see serve_directory).
    extra_headers: Mapping[str, str] = {}

    def end_headers(self) -> None:
        """Add ``extra_headers`` to every response, errors included."""
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        """Return the Content-Type for ``path`` from the fixed table only."""
        return _CONTENT_TYPES.get(Path(path).suffix.lower(), "application/octet-stream")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer 404s with the site's own ``/404.html`` body, like nginx ``error_page``."""
        page = Path(self.directory) / "404.html"
        if code != HTTPStatus.NOT_FOUND or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(code)
        self.send_header("Content-Type", _CONTENT_TYPES[".html"])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        """Refuse directory listings: a folder without index.html is a 404, not a page."""
        self.send_error(HTTPStatus.NOT_FOUND)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent: per-request lines would drown pytest's output."""


class _QuietServer(ThreadingHTTPServer):
    """Threading server that ignores clients hanging up mid-response."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Drop connection resets (Chromium aborts requests freely); report anything else."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):
            return
        super().handle_error(request, client_address)


@contextmanager
def serve_directory(root: Path, headers: Mapping[str, str] | None = None) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (free port) in a background thread; yield the base URL.

    ``headers`` are added to every response (e.g. the Content-Security-Policy the portal is
    deployed with).

    ``/x/`` serves ``/x/index.html``, ``/x`` redirects to ``/x/`` (stdlib behaviour, as
    nginx does), unknown paths get a 404 with the site's ``/404.html`` body. The base URL has
    no trailing slash, e.g. ``http://127.0.0.1:41234``.
    """
    if not root.is_dir():
        raise FileNotFoundError(f"cannot serve {root}: not a directory")
    handler_class = type("_Handler", (_StaticHandler,), {"extra_headers": dict(headers or {})})
    handler = partial(handler_class, directory=str(root))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="kabar-serve", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
