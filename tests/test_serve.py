"""`kabar serve` without a browser: the request table, the rebuild loop, the watcher.

The server runs for real on 127.0.0.1 (port 0) in a thread; requests go over sockets.
The browser half (live reload, overlay) is tests/test_serve_browser.py.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import MINIMAL_SITE_YAML, REPO, SiteMaker, build_site, outputs, story_text

import generator.build
from generator.cli import main
from generator.dev import Rebuilder, pages, server
from generator.dev.server import DevServer
from generator.dev.state import LiveSite
from generator.dev.watch import Debouncer, Watcher, relevant
from generator.diagnostics import Diagnostic, Diagnostics
from generator.preview import Preview
from generator.render import Pages

STORY = "content/stories/2024/a.md"
STORY_URL = "/berita/2024/posyandu-baru/"
SCRIPT = b"// livereload\n"  # what Served serves as the reload script
SCRIPT_TAG = f'<script src="{pages.script_url(SCRIPT)}" defer></script>'


# -- helpers ------------------------------------------------------------------------------


class Served:
    """A DevServer in a thread over a LiveSite filled by a Rebuilder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.live = LiveSite()
        self.log: list[str] = []
        self.rebuild = Rebuilder(root, self.live, self.log.append)
        self.rebuild()
        self.server = DevServer("127.0.0.1", 0, self.live, SCRIPT)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def get(self, path: str, method: str = "GET",
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body

    def raw(self, request_line: bytes) -> tuple[int, bytes]:
        """Send a request line as bytes, exactly (no client-side normalisation)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(request_line + b"\r\nHost: 127.0.0.1\r\n\r\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), body

    def site(self) -> Preview:
        """The build being served."""
        site = self.live.snapshot.site
        assert site is not None
        return site

    def stop(self) -> None:
        self.live.close()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def served(make_site: SiteMaker, tiny_png: bytes) -> Iterator[Served]:
    root = make_site({
        STORY: story_text(),
        "content/stories/2024/draf.md": story_text("Cerita Draf", extra="status: draft\n"),
        "content/stories/2024/tinjau.md": story_text("Cerita Tinjau", extra="status: review\n"),
        "content/static/data.json": '{"a": 1}\n',
        "content/static/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
        "content/static/gambar.png": tiny_png,
        "content/static/catatan.txt": "halo\n",
        "content/static/arsip.xyz": "?\n",
    })
    s = Served(root)
    yield s
    s.stop()


# -- request paths ------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "key"), [
    ("/", "index.html"),
    ("/berita/2024/x/", "berita/2024/x/index.html"),
    ("/berita/2024/x/?utm=1#atas", "berita/2024/x/index.html"),
    ("/favicon.png", "favicon.png"),
    ("/etc/passwd", "etc/passwd"),  # an "absolute path" is only a page the build lacks
    ("/%252e%252e/x", "%2e%2e/x"),  # decoded once: a literal name, never a parent
    ("/tag/ba%C3%B1o/", "tag/baño/index.html"),
    ("/../etc/passwd", None),
    ("/a/../../etc/passwd", None),
    ("/%2e%2e/%2e%2e/etc/passwd", None),
    ("/%2E%2E%2Fetc%2Fpasswd", None),
    ("/..%2fetc/passwd", None),
    ("/.%2e/etc/passwd", None),
    ("/./index.html", None),
    ("/..\\..\\etc\\passwd", None),
    ("/%5c..%5cetc%5cpasswd", None),
    ("/index.html%00.png", None),
    ("/a\x00b", None),
    ("/a%0d%0aSet-Cookie:x", None),
    ("//etc/passwd", None),
    ("/%2fetc/passwd", None),
    ("/a//b", None),
    ("http://127.0.0.1/etc/passwd", None),
    ("C:\\Windows\\win.ini", None),
    ("etc/passwd", None),
    ("*", None),
    ("/%c0%ae%c0%ae/etc/passwd", None),  # overlong UTF-8 for '.', refused as bad encoding
    ("/%ff", None),
])
def test_output_key(target: str, key: str | None) -> None:
    assert pages.output_key(target) == key


TRAVERSALS = [
    (b"GET /../../../../etc/passwd HTTP/1.1", 400),
    (b"GET /%2e%2e/%2e%2e/%2e%2e/etc/passwd HTTP/1.1", 400),
    (b"GET /%2E%2E%2F%2E%2E%2Fetc%2Fpasswd HTTP/1.1", 400),
    (b"GET /..%2f..%2fetc/passwd HTTP/1.1", 400),
    (b"GET /..\\..\\etc\\passwd HTTP/1.1", 400),
    (b"GET /%5c..%5c..%5cetc%5cpasswd HTTP/1.1", 400),
    (b"GET /index.html%00 HTTP/1.1", 400),
    (b"GET /index.html\x00 HTTP/1.1", 400),
    (b"GET //etc/passwd HTTP/1.1", 404),  # http.server folds leading slashes: /etc/passwd
    (b"GET http://127.0.0.1/../etc/passwd HTTP/1.1", 400),
    (b"GET C:\\Windows\\win.ini HTTP/1.1", 400),
    (b"GET /etc/passwd HTTP/1.1", 404),
    (b"GET /proc/self/environ HTTP/1.1", 404),
    (b"GET /%252e%252e/etc/passwd HTTP/1.1", 404),
    (b"GET /site.yaml HTTP/1.1", 404),
    (b"GET /content/stories/2024/a.md HTTP/1.1", 404),
]

_OPENED: list[str] = []
_WATCHING = threading.Event()


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _WATCHING.is_set() and event in ("open", "os.listdir", "os.scandir") and \
            "process_request" in threading.current_thread().name:
        _OPENED.append(f"{event} {args[0]!r}")


sys.addaudithook(_audit)  # audit hooks cannot be removed; this one only looks while asked


def test_traversal_is_refused_without_touching_the_file_system(served: Served) -> None:
    _OPENED.clear()
    _WATCHING.set()
    try:
        results = [(line, *served.raw(line)) for line, _ in TRAVERSALS]
    finally:
        _WATCHING.clear()
    assert [(line, status) for line, status, _ in results] == TRAVERSALS
    for _line, _status, body in results:
        assert b"root:" not in body and b"title:" not in body and b"PATH=" not in body
    # Request threads render pages when asked (generator/preview.py): they may open the
    # theme's templates (and a lazily imported Python module), list no folder and open
    # nothing else: nothing a request path named.
    themes = (str(REPO / "themes") + "/", str(served.root / "themes") + "/")
    strays = [o for o in _OPENED if not (
        o.startswith("open '") and o.endswith((".html'", ".pyc'"))
        and ((o[6:].startswith(themes) and "/templates/" in o) or o.endswith(".pyc'")))]
    assert strays == []
    assert any(o.endswith("/templates/404.html'") for o in _OPENED)  # the 404s were rendered


def test_content_types(served: Served) -> None:
    expected = {
        "/": "text/html; charset=utf-8",
        STORY_URL: "text/html; charset=utf-8",
        "/data.json": "application/json",
        "/logo.svg": "image/svg+xml",
        "/gambar.png": "image/png",
        "/catatan.txt": "text/plain; charset=utf-8",
        "/arsip.xyz": "application/octet-stream",
        "/__kabar/livereload.js": "text/javascript; charset=utf-8",
        "/__kabar/status": "application/json",
        "/tidak-ada/": "text/html; charset=utf-8",
    }
    got = {path: served.get(path)[1]["content-type"] for path in expected}
    assert got == expected
    site = served.site()
    css = next(p for p in site.known_paths() if p.endswith(".css"))
    status, headers, body = served.get("/" + css)
    assert (status, headers["content-type"]) == (200, "text/css; charset=utf-8")
    assert body == site.get(css)  # only HTML is touched
    assert body == (site.pages.static[css]).read_bytes()
    assert headers["x-content-type-options"] == "nosniff"


def test_only_files_named_by_their_bytes_may_be_kept_by_the_browser(
        make_site: SiteMaker, tiny_png: bytes) -> None:
    """A reload asks only for the page: the theme's fingerprinted files and the reload
    script are served for the browser to keep. Everything else is asked for every time,
    and so is a theme file edited since the last rebuild (its bytes no longer match its
    name: kept, it could come back under that name after the edit is undone)."""
    root = make_site({
        "site.yaml": MINIMAL_SITE_YAML + "theme: mine\n",
        "themes/mine/templates/partials/footer.html": "<footer>kami</footer>\n",
        "themes/mine/static/style.css": "body { margin: 0 }\n",
        STORY: story_text(),
        "content/static/data.json": '{"a": 1}\n',
        "content/static/gambar.png": tiny_png,
    })
    served = Served(root)
    try:
        site = served.site()
        css = next(p for p in site.pages.static if p.startswith("assets/style."))
        assert site.pages.static[css] == root / "themes/mine/static/style.css"
        immutable = "max-age=31536000, immutable"
        assert served.get("/" + css)[1]["cache-control"] == immutable
        assert served.get(served.server.script_url)[1]["cache-control"] == immutable
        for path in ("/", STORY_URL, "/data.json", "/gambar.png", "/tidak-ada/",
                     "/__kabar/status", "/__kabar/livereload.js",
                     "/__kabar/livereload.js?v=0000000000"):
            assert served.get(path)[1]["cache-control"] == "no-store", path
        (root / "themes/mine/static/style.css").write_text("body { margin: 1px }\n",
                                                          encoding="utf-8")
        status, headers, body = served.get("/" + css)  # edited, not rebuilt yet
        assert (status, headers["cache-control"], body) == (200, "no-store",
                                                           b"body { margin: 1px }\n")
        served.rebuild()  # the new bytes get a new name, which the browser may keep
        fresh = next(p for p in served.site().pages.static if p.startswith("assets/style."))
        assert fresh != css
        assert served.get("/" + fresh)[1]["cache-control"] == immutable
    finally:
        served.stop()


@pytest.mark.parametrize(("name", "ctype"), [
    ("a/index.html", "text/html; charset=utf-8"), ("A.HTML", "text/html; charset=utf-8"),
    ("feed.xml", "application/xml"), ("x.webp", "image/webp"), ("x.jpeg", "image/jpeg"),
    ("f.woff2", "font/woff2"), ("s.js", "text/javascript; charset=utf-8"),
    ("m.webmanifest", "application/manifest+json"), ("noext", "application/octet-stream"),
])
def test_content_type_table(name: str, ctype: str) -> None:
    assert pages.content_type(name) == ctype


def test_404_page_has_status_404(served: Served) -> None:
    status, _, body = served.get("/berita/2099/tidak-ada/")
    assert status == 404
    page = served.site().get("404.html")
    assert page is not None
    assert body == pages.inject(page, served.live.snapshot.build, script=served.server.script_url)
    assert b"<title>Halaman tidak ditemukan | Kabar Uji</title>" in body
    assert served.get("/__kabar/tidak-ada")[0] == 404
    assert served.get("/", method="POST")[0] == 501


def test_pretty_urls_and_redirect(served: Served) -> None:
    page = served.site().get("berita/2024/posyandu-baru/index.html")
    assert page is not None
    status, _, body = served.get(STORY_URL)
    assert status == 200
    assert body == pages.inject(page, served.live.snapshot.build, script=served.server.script_url)
    assert served.get(STORY_URL + "index.html")[2] == body
    status, headers, _ = served.get("/berita/2024/posyandu-baru?x=1")
    assert (status, headers["location"]) == (301, STORY_URL + "?x=1")
    assert served.get("/berita/2024/posyandu-baru", method="HEAD")[0] == 301
    status, headers, body = served.get(STORY_URL, method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 1000


def test_reload_script_is_injected_only_by_serve(served: Served) -> None:
    built = outputs(build_site(served.root, drafts=True))
    assert not [p for p, data in built.items() if b"__kabar" in data or b"kabar-build" in data]
    build = served.live.snapshot.build
    for path in ("/", STORY_URL, "/wilayah/"):
        html = served.get(path)[2].decode()
        assert html.count(SCRIPT_TAG) == 1
        head, _, _ = html.partition("</head>")
        assert head.endswith(f'<meta name="kabar-build" content="{build}">\n{SCRIPT_TAG}\n')
        assert 'id="kabar-overlay"' not in html
    assert served.get("/__kabar/livereload.js")[2] == SCRIPT
    assert served.get(served.server.script_url)[2] == SCRIPT


def test_the_packaged_reload_script_is_served_by_kabar_serve() -> None:
    from generator import dev

    script = dev._script().decode()
    assert ('new EventSource("/__kabar/events?page=" + encodeURIComponent(location.pathname))'
            in script)
    assert 'fetch("/__kabar/status"' in script


def test_the_page_an_open_tab_shows_is_made_right_after_a_rebuild(
        served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    """The event stream names its tab's page; a rebuild makes that page before the tab's
    reload asks for it (and only that one), so the reload waits for no rendering."""
    rendered: list[str] = []
    real = Pages.render

    def render(self: Pages, path: str, problems: Diagnostics) -> bytes | None:
        rendered.append(path)
        return real(self, path, problems)

    monkeypatch.setattr(Pages, "render", render)
    key = STORY_URL.lstrip("/") + "index.html"
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
    conn.request("GET", "/__kabar/events?page=" + STORY_URL.replace("/", "%2F"))
    stream = conn.getresponse()
    assert stream.readline() == b"retry: 500\n"
    _wait_for(lambda: served.live.watched() == [key])
    (served.root / STORY).write_text(story_text(body="Paragraf yang baru.\n"), encoding="utf-8")
    served.rebuild()
    assert rendered == [key]  # made by the rebuild, before anyone asked
    assert b"Paragraf yang baru." in served.get(STORY_URL)[2]
    assert rendered == [key]  # the request found it made
    stream.close()
    conn.close()  # the tab is gone: its stream ends at the next event written to it
    for n in range(5):
        if not served.live.watched():
            break
        (served.root / STORY).write_text(story_text(body=f"Versi {n}.\n"), encoding="utf-8")
        served.rebuild()
        time.sleep(0.1)
    assert served.live.watched() == []
    before = len(rendered)
    (served.root / STORY).write_text(story_text(body="Paragraf lain.\n"), encoding="utf-8")
    served.rebuild()
    assert len(rendered) == before  # nothing is made for a tab that is gone


def test_drafts_and_review_are_shown_with_badge_and_noindex(served: Served) -> None:
    for url, badge in (("/berita/2024/cerita-draf/", "Draf: belum terbit"),
                       ("/berita/2024/cerita-tinjau/", "Menunggu pemeriksaan: belum terbit")):
        status, _, body = served.get(url)
        html = body.decode()
        assert status == 200
        assert f'<p class="status" data-pagefind-ignore>{badge}</p>' in html
        assert '<meta name="robots" content="noindex">' in html
    published = served.get(STORY_URL)[2].decode()
    assert '<meta name="robots" content="index, follow' in published


def test_host_header_must_be_a_loopback_name(served: Served) -> None:
    assert served.get("/", headers={"Host": "evil.example:80"})[0] == 400
    for host in (f"localhost:{served.port}", f"127.0.0.1:{served.port}", "[::1]:8000",
                 "kabar.localhost"):
        assert served.get("/", headers={"Host": host})[0] == 200, host


# -- rebuilds -----------------------------------------------------------------------------


def _break_title(root: Path) -> None:
    (root / STORY).write_text(story_text().replace('"Posyandu Baru"', '"Posyandu Baru'),
                              encoding="utf-8")


def test_failed_rebuild_keeps_the_last_good_build_and_shows_the_overlay(served: Served) -> None:
    good = served.site()
    good_build = served.live.snapshot.build
    _break_title(served.root)
    served.rebuild()
    snap = served.live.snapshot
    assert snap.site is good and snap.build == good_build and not snap.ok
    assert [d.format() for d in snap.problems] == [
        f"{STORY}:2:8: error: YAML tidak valid: tanda kutip tidak ditutup\n"
        "  hint: tambahkan tanda kutip penutup di akhir nilai ini, misalnya "
        'title: "Judul cerita"\n  | title: "Posyandu Baru']
    status, _, body = served.get(STORY_URL)
    html = body.decode()
    assert status == 200
    assert "<title>Posyandu Baru | Kabar Uji</title>" in html  # still the last good page
    assert (f'<code class="kabar-where">{STORY}:2:8</code> <strong>error</strong>: '
            "YAML tidak valid: tanda kutip tidak ditutup<br>"
            '<span class="kabar-hint">hint: tambahkan tanda kutip penutup di akhir nilai ini, '
            "misalnya title: &quot;Judul cerita&quot;</span>"
            "<pre>| title: &quot;Posyandu Baru</pre>") in html
    assert html.index('id="kabar-overlay"') < html.rindex("</body>")
    state = json.loads(served.get("/__kabar/status")[2])
    assert state["ok"] is False and state["build"] == good_build
    assert state["problems"] == [{"path": STORY, "line": 2, "column": 8, "severity": "error",
                                  "message": "YAML tidak valid: tanda kutip tidak ditutup",
                                  "hint": "tambahkan tanda kutip penutup di akhir nilai ini, "
                                          'misalnya title: "Judul cerita"'}]
    assert state["overlay"].startswith('<div id="kabar-overlay" role="alert">')

    (served.root / STORY).write_text(story_text("Posyandu Baru Sekali"), encoding="utf-8")
    served.rebuild()
    snap = served.live.snapshot
    assert snap.ok and snap.build != good_build
    html = served.get("/berita/2024/posyandu-baru-sekali/")[2].decode()
    assert "<title>Posyandu Baru Sekali | Kabar Uji</title>" in html
    assert 'id="kabar-overlay"' not in html
    assert json.loads(served.get("/__kabar/status")[2])["ok"] is True


def test_diagnostics_are_html_escaped_in_the_overlay(served: Served) -> None:
    (served.root / STORY).write_text(
        story_text(region='"<img src=x onerror=alert(1)>"'), encoding="utf-8")
    served.rebuild()
    html = served.get("/")[2].decode()
    overlay = html[html.index('<div id="kabar-overlay"'):]
    assert "<img" not in overlay
    assert ("wilayah &#x27;&lt;img src=x onerror=alert(1)&gt;&#x27; tidak ada di site.yaml"
            in overlay)


def test_fixing_back_to_the_same_output_clears_the_problem_without_a_new_build(
        served: Served) -> None:
    before = served.live.snapshot
    original = (served.root / STORY).read_text(encoding="utf-8")
    _break_title(served.root)
    served.rebuild()
    (served.root / STORY).write_text(original, encoding="utf-8")
    served.rebuild()
    after = served.live.snapshot
    assert after.ok and after.build == before.build and after.version == before.version + 2


def test_a_story_deleted_mid_build_gives_a_diagnostic_then_the_next_build_heals(
        served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    real_discover = generator.build.discover
    victim = served.root / "content/stories/2024/tinjau.md"

    def discover_then_delete(root: Path, diags: object, folders: object = None) -> object:
        tree = real_discover(root, diags, folders)  # type: ignore[arg-type]
        victim.unlink()  # the operator deletes the story between listing and reading
        return tree

    monkeypatch.setattr(generator.build, "discover", discover_then_delete)
    good = served.live.snapshot.build
    served.rebuild()
    snap = served.live.snapshot
    assert snap.build == good
    assert [(d.path, d.message) for d in snap.problems] == [
        ("content/stories/2024/tinjau.md", "berkas berubah saat dibangun: No such file or "
                                           "directory")]
    monkeypatch.setattr(generator.build, "discover", real_discover)
    served.rebuild()
    snap = served.live.snapshot
    assert snap.ok and snap.site is not None
    assert not snap.site.has("berita/2024/cerita-tinjau/index.html")
    assert served.get("/berita/2024/cerita-tinjau/")[0] == 404


@pytest.mark.parametrize("half", [
    b"---\ntitle: \"Posyandu",
    b"---\ntitle: Posyandu\ndate: 2024-03-12 09:30\nregion: kec-satu\ncategory: kese",
    b"---\ntitle: \"Posyandu Baru\"\n" + "é".encode()[:1],
    b"",
])
def test_a_half_saved_story_gives_diagnostics_not_a_crash(served: Served, half: bytes) -> None:
    good = served.live.snapshot.build
    (served.root / STORY).write_bytes(half)
    served.rebuild()
    snap = served.live.snapshot
    assert snap.build == good and snap.problems
    assert all(d.path == STORY for d in snap.problems), [d.format() for d in snap.problems]
    assert not any("Traceback" in line for line in served.log)


def test_renamed_story_moves_its_page(served: Served) -> None:
    (served.root / STORY).rename(served.root / "content/stories/2024/b.md")
    served.rebuild()
    assert served.live.snapshot.ok
    assert served.get(STORY_URL)[0] == 200  # same title, same URL


def test_a_bug_in_kabar_is_shown_and_the_server_keeps_going(
        served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("contoh")

    monkeypatch.setattr(served.rebuild, "preview", broken)
    served.rebuild()
    assert [d.format() for d in served.live.snapshot.problems] == [
        "kabar: error: kesalahan di kabar: RuntimeError: contoh\n"
        "  hint: ini bukan kesalahan konten Anda; lihat terminal dan mohon laporkan"]
    assert "Traceback (most recent call last)" in served.log[-1]
    assert served.get(STORY_URL)[0] == 200


def test_before_any_good_build_every_page_shows_the_errors(make_site: SiteMaker) -> None:
    root = make_site({STORY: story_text(region="kec-tiga")})
    s = Served(root)
    try:
        status, headers, body = s.get("/apa-saja/")
        html = body.decode()
        assert (status, headers["content-type"]) == (503, "text/html; charset=utf-8")
        assert SCRIPT_TAG in html
        assert f"{STORY}:4:9" in html and "Belum ada pembangunan yang berhasil." in html
        (root / STORY).write_text(story_text(), encoding="utf-8")
        s.rebuild()
        assert s.get(STORY_URL)[0] == 200
    finally:
        s.stop()


# -- events -------------------------------------------------------------------------------


def _events(port: int) -> Iterator[dict[str, object]]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"GET /__kabar/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    buffer = b""
    try:
        while True:
            while b"\n\n" not in buffer:
                chunk = sock.recv(4096)
                if not chunk:
                    return
                buffer += chunk
            block, buffer = buffer.split(b"\n\n", 1)
            for line in block.split(b"\n"):
                if line.startswith(b"data: "):
                    yield json.loads(line[6:])
                elif line == b": ping":
                    yield {"ping": True}
    finally:
        sock.close()


def test_event_stream_reports_builds_and_failures(served: Served,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "HEARTBEAT", 0.2)
    stream = _events(served.port)
    first = served.live.snapshot.build

    def next_event() -> dict[str, object]:
        return next(e for e in stream if "ping" not in e)

    assert next(stream) == {"build": first, "ok": True}
    assert next(stream) == {"ping": True}  # an idle stream still says it is alive
    _break_title(served.root)
    served.rebuild()
    assert next_event() == {"build": first, "ok": False}
    (served.root / STORY).write_text(story_text("Judul Lain"), encoding="utf-8")
    served.rebuild()
    event = next_event()
    assert event["ok"] is True and event["build"] not in (first, None)
    served.live.close()
    assert list(stream) == []  # closing the site ends the stream


# -- watching -----------------------------------------------------------------------------


@pytest.mark.parametrize(("rel", "watched"), [
    ("site.yaml", True), ("content", True), ("content/stories/2024/a.md", True),
    ("themes/saya/templates/base.html", True), ("content/static/x.png", True),
    ("output/index.html", False), ("README.md", False), (".git/index", False),
    ("site.yaml.swp", False), ("content/stories/.a.md.swp", False),
    ("content/stories/a.md~", False), ("content/stories/4913", False),
    ("content/.#a.md", False), ("../elsewhere/content/a.md", False),
])
def test_what_is_watched(rel: str, watched: bool) -> None:
    assert relevant(rel) is watched


def test_debouncer_coalesces_a_burst_and_catches_saves_during_a_build() -> None:
    calls: list[float] = []
    started = threading.Event()
    release = threading.Event()

    def action() -> None:
        calls.append(time.monotonic())
        if len(calls) == 2:
            started.set()
            release.wait(5)

    debouncer = Debouncer(action, delay=0.1)
    debouncer.start()
    try:
        burst_end = 0.0
        for _ in range(10):  # one save, many events
            debouncer.poke()
            burst_end = time.monotonic()
            time.sleep(0.01)
        _wait_for(lambda: len(calls) == 1)
        assert calls[0] - burst_end >= 0.1
        time.sleep(0.3)
        assert len(calls) == 1
        debouncer.poke()
        assert started.wait(5)
        debouncer.poke()  # saved again while building: one more build after this one
        debouncer.poke()
        release.set()
        _wait_for(lambda: len(calls) == 3)
        time.sleep(0.3)
        assert len(calls) == 3
    finally:
        debouncer.stop()


def test_debouncer_waits_less_after_an_event_that_ends_a_save() -> None:
    """A file closed after writing (or moved into place) is complete: the rebuild starts
    after `settled`, not `delay`. Any other event after it brings the full wait back."""
    calls: list[float] = []
    debouncer = Debouncer(lambda: calls.append(time.monotonic()), delay=1.0, settled=0.02)
    debouncer.start()
    try:
        poked = time.monotonic()
        debouncer.poke()
        debouncer.poke(saved=True)
        _wait_for(lambda: len(calls) == 1)
        assert calls[0] - poked < 0.5
        poked = time.monotonic()
        debouncer.poke(saved=True)
        debouncer.poke()  # the save goes on: a folder touched, another file written
        _wait_for(lambda: len(calls) == 2)
        assert calls[1] - poked >= 1.0
    finally:
        debouncer.stop()


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_watcher_sees_content_themes_and_site_yaml_only(make_site: SiteMaker) -> None:
    root = make_site({STORY: story_text(), "themes/.keep": ""})
    seen: list[str] = []
    saves: list[str] = []  # paths of the events that end a save
    lock = threading.Lock()

    def changed(rel: str, saved: bool) -> None:
        with lock:
            seen.append(rel)
            if saved:
                saves.append(rel)

    watcher = Watcher(root, changed)
    watcher.start()
    try:
        (root / "output").mkdir()
        (root / "output" / "index.html").write_text("x")
        (root / "README.md").write_text("x")
        (root / "content/stories/.a.md.swp").write_text("x")
        time.sleep(0.3)
        assert seen == []
        (root / STORY).write_text(story_text("Baru"), encoding="utf-8")
        _wait_for(lambda: "content/stories/2024/a.md" in saves)  # written and closed
        (root / "content/stories/2024/b.tmp").write_text(story_text("B"), encoding="utf-8")
        (root / "content/stories/2024/b.tmp").rename(root / "content/stories/2024/b.md")
        _wait_for(lambda: "content/stories/2024/b.md" in saves)  # moved into place
        seen.clear()
        saves.clear()
        os.utime(root / STORY)  # touched, not saved: the full wait
        _wait_for(lambda: STORY in seen)
        time.sleep(0.1)
        assert saves == []
        (root / "site.yaml").write_text((root / "site.yaml").read_text() + "\n")
        _wait_for(lambda: "site.yaml" in seen)
        (root / "themes" / "t").mkdir()
        _wait_for(lambda: "themes/t" in seen)
        # content/ replaced wholesale (a git checkout): refresh() follows the new folder
        (root / "content").rename(root / "content-lama")
        (root / "content").mkdir()
        watcher.refresh()
        seen.clear()
        (root / "content" / "baru.md").write_text("x")
        _wait_for(lambda: "content/baru.md" in seen)
    finally:
        watcher.stop()


# -- the command --------------------------------------------------------------------------


def _start(root: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--root", str(root), "--port", "0",
         *extra], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("kabar serve: http://127.0.0.1:"), (line, proc.stderr)
    return proc, line.split()[2]


def test_ctrl_c_exits_0_without_a_traceback(make_site: SiteMaker) -> None:
    import urllib.request

    root = make_site({STORY: story_text()})
    proc, url = _start(root)
    with urllib.request.urlopen(url + STORY_URL.lstrip("/"), timeout=5) as response:
        assert b"Posyandu Baru" in response.read()
    events = urllib.request.urlopen(url + "__kabar/events", timeout=5)  # an open tab
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=10)
    events.close()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.rstrip().endswith("berhenti.")
    assert not (root / "output").exists()


def test_serve_rebuilds_on_save(make_site: SiteMaker) -> None:
    """The whole loop without a browser: save → watchdog → debounce → build → served."""
    import urllib.request

    root = make_site({STORY: story_text()})
    proc, url = _start(root)
    try:
        (root / STORY).write_text(story_text().replace('"Posyandu Baru"', '"Posyandu Ganti"\n'
                                                       "slug: posyandu-baru"), encoding="utf-8")
        deadline = time.monotonic() + 10
        while True:
            with urllib.request.urlopen(url + STORY_URL.lstrip("/"), timeout=5) as response:
                if b"<title>Posyandu Ganti | Kabar Uji</title>" in response.read():
                    break
            assert time.monotonic() < deadline, "the page never changed"
            time.sleep(0.05)
    finally:
        proc.terminate()  # SIGTERM stops as cleanly as Ctrl-C
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Traceback" not in err, err


def test_serve_refuses_a_folder_without_site_yaml(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--root", str(tmp_path), "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path.resolve().as_posix()}/site.yaml: error: tidak ada site.yaml" in err


def test_serve_port_in_use_and_bad_port(make_site: SiteMaker,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({STORY: story_text()})
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--root", str(root), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}: error: tidak bisa membuka alamat ini" in err
    assert "hint: port mungkin sedang dipakai program lain; coba --port 8001" in err
    assert main(["serve", "--root", str(root), "--port", "99999"]) == 2
    assert "port harus angka 0-65535, bukan '99999'" in capsys.readouterr().err


def test_problem_overlay_lists_warnings_after_errors() -> None:
    problems = (Diagnostic(path="b.md", line=3, severity="warning", message="w"),
                Diagnostic(path="z.md", line=1, message="e"))
    html = pages.overlay(problems)
    assert html.index("z.md:1") < html.index("b.md:3")


def test_serve_survives_a_storm_of_deletes_renames_and_half_saves(make_site: SiteMaker) -> None:
    """Files change while rebuilds run; the last save wins and nothing crashes."""
    import urllib.request

    root = make_site({STORY: story_text()})
    proc, url = _start(root)
    folder = root / "content/stories/2024"
    full = story_text("Badai").encode()
    n = 0
    try:
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            n += 1
            (folder / f"s{n}.md").write_bytes(full.replace(b"Badai", f"Badai {n}".encode()))
            (folder / f"s{n}.md").write_bytes(full[: n * 7 % len(full)])  # half-saved
            if n % 3 == 0:
                (folder / f"s{n}.md").rename(folder / f"r{n}.md")
            if n % 2 == 0:
                for old in folder.glob("s*.md"):
                    old.unlink(missing_ok=True)
            # a pause now and then lets a rebuild start, and the storm goes on during it
            time.sleep(0.25 if n % 10 == 0 else 0.005)
        for leftover in [*folder.glob("s*.md"), *folder.glob("r*.md")]:
            leftover.unlink()
        (root / STORY).write_text(story_text("Setelah Badai", extra="slug: posyandu-baru\n"),
                                  encoding="utf-8")
        wait_until = time.monotonic() + 10
        while True:
            with urllib.request.urlopen(url + "__kabar/status", timeout=5) as response:
                ok = json.loads(response.read())["ok"]
            with urllib.request.urlopen(url + STORY_URL.lstrip("/"), timeout=5) as response:
                if ok and b"<title>Setelah Badai | Kabar Uji</title>" in response.read():
                    break
            assert time.monotonic() < wait_until, "never recovered"
            time.sleep(0.05)
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert n > 20
    builds = err.count("dibangun:") + err.count("gagal:") + err.count("berubah saat dibangun")
    assert builds >= 4 and "gagal:" in err, err  # rebuilds ran during the storm
