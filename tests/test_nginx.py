"""The built portal served by a real nginx with the shipped deploy/nginx/ configuration."""

from __future__ import annotations

import gzip
import http.client
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from nginx import check_sample_site, serve_nginx
from portal_pages import PAGES

CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
HTML = "text/html; charset=utf-8"
REVALIDATE = "public, no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
MEDIA = "public, max-age=3600"
STYLESHEET = re.compile(rb'<link rel="stylesheet" href="(/assets/[^"]+\.css)">')


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    body: bytes

    def header(self, name: str) -> str | None:
        """One header's value; fails if nginx sent it twice (a config mistake)."""
        values = self.headers.get_all(name) or []
        assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
        return values[0] if values else None


def fetch(base: str, path: str, headers: dict[str, str] | None = None) -> Response:
    """GET ``path`` exactly as written (no normalisation, no redirects followed)."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return Response(resp.status, resp.msg, resp.read())
    finally:
        conn.close()


def assert_security_headers(resp: Response) -> None:
    """The full set of security headers of deploy/nginx/kabar-headers.conf."""
    assert resp.header("Content-Security-Policy") == CSP
    assert resp.header("X-Content-Type-Options") == "nosniff"
    assert resp.header("Referrer-Policy") == "strict-origin-when-cross-origin"
    assert resp.header("X-Frame-Options") == "DENY"
    policy = resp.header("Permissions-Policy") or ""
    assert {"camera=()", "microphone=()", "geolocation=()"} <= set(policy.split(", "))
    # server_tokens off: no version number to look up vulnerabilities by.
    assert resp.header("Server") == "nginx"


@pytest.fixture(scope="module")
def site(example_output: Path) -> Iterator[str]:
    """The example portal behind nginx, for the whole module."""
    with serve_nginx(example_output) as base:
        yield base


@pytest.mark.parametrize("page", list(PAGES))
def test_pretty_urls_serve_the_page(page: str, example_output: Path, site: str) -> None:
    """/x/ serves x/index.html as UTF-8 HTML, revalidated on every visit, with the CSP."""
    path = PAGES[page](example_output)
    resp = fetch(site, path)
    assert resp.status == 200, path
    assert resp.header("Content-Type") == HTML
    folder = urlsplit(path).path.lstrip("/")  # /cari/?q=…: the query is the script's
    assert resp.body == (example_output / folder / "index.html").read_bytes()
    assert resp.header("Cache-Control") == REVALIDATE
    assert resp.header("Last-Modified") and resp.header("ETag")
    assert_security_headers(resp)


def test_revalidation_answers_304(site: str) -> None:
    """A browser that has the page asks again (no-cache) and gets an empty 304 back."""
    first = fetch(site, "/")
    etag, modified = first.header("ETag"), first.header("Last-Modified")
    assert etag and modified
    for condition in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        again = fetch(site, "/", condition)
        assert (again.status, again.body) == (304, b""), condition
        assert again.header("Cache-Control") == REVALIDATE


def test_folder_without_slash_redirects_to_the_canonical_url(
        example_output: Path, site: str) -> None:
    """/wilayah answers 301 to /wilayah/ (relative Location), not the page at two URLs."""
    resp = fetch(site, "/wilayah")
    assert resp.status == 301
    assert resp.header("Location") == "/wilayah/"
    story = PAGES["story"](example_output)
    assert fetch(site, story.rstrip("/")).header("Location") == story


@pytest.mark.parametrize("path", [
    "/tidak-ada/",                  # unknown page
    "/tidak-ada.html",
    "/berita/2025/",                # a folder with no page in it: 403 for nginx, 404 for us
    "/assets/",                     # no listing of the assets folder
    "/.kabar-output",               # the writer's marker file
    "/assets/.kabar-output",
    "/berita/tidak-ada.jpg",        # unknown media
])
def test_unknown_paths_get_the_portal_404_page(
        path: str, example_output: Path, site: str) -> None:
    """Anything that is not a page answers 404 with the portal's own 404.html and headers."""
    resp = fetch(site, path)
    assert resp.status == 404, path
    assert resp.header("Content-Type") == HTML
    assert resp.body == (example_output / "404.html").read_bytes()
    assert_security_headers(resp)


def test_fingerprinted_assets_are_cached_for_a_year(example_output: Path, site: str) -> None:
    """The stylesheet under /assets/ is immutable; story photos and the favicon an hour."""
    home = (example_output / "index.html").read_bytes()
    match = STYLESHEET.search(home)
    assert match, "no /assets/ stylesheet link on the home page"
    css = match.group(1).decode()
    resp = fetch(site, css)
    assert resp.status == 200
    assert resp.header("Content-Type") == "text/css; charset=utf-8"
    assert resp.header("Cache-Control") == IMMUTABLE
    assert resp.body == (example_output / css.lstrip("/")).read_bytes()
    assert resp.header("X-Content-Type-Options") == "nosniff"

    photo = next(p for p in sorted((example_output / "berita").rglob("*.jpg")))
    resp = fetch(site, "/" + photo.relative_to(example_output).as_posix())
    assert (resp.status, resp.header("Content-Type")) == (200, "image/jpeg")
    assert resp.header("Cache-Control") == MEDIA
    favicon = fetch(site, "/favicon.png")
    assert (favicon.status, favicon.header("Content-Type")) == (200, "image/png")
    assert favicon.header("Cache-Control") == MEDIA


def test_the_search_index_chunks_are_immutable_and_its_entry_revalidated(
        example_output: Path, site: str) -> None:
    """Pagefind's content-named chunks and meta file are cached for a year; pagefind.js,
    the worker, the wasm and the entry file keep their names, so they are revalidated."""
    bundle = example_output / "pagefind"
    named_by_content = [next(iter(sorted((bundle / folder).iterdir())))
                        for folder in ("index", "fragment", "filter")]
    named_by_content += sorted(bundle.glob("pagefind.*.pf_meta"))
    assert len(named_by_content) == 4
    fixed_names = [bundle / name for name in ("pagefind.js", "pagefind-worker.js",
                                              "wasm.id.pagefind", "pagefind-entry.json")]
    for file, cache in [*((f, IMMUTABLE) for f in named_by_content),
                        *((f, REVALIDATE) for f in fixed_names)]:
        path = "/" + file.relative_to(example_output).as_posix()
        resp = fetch(site, path)
        assert (resp.status, resp.header("Cache-Control")) == (200, cache), path
        assert resp.body == file.read_bytes(), path
        assert_security_headers(resp)
    assert fetch(site, "/pagefind/fragment/tidak-ada.pf_fragment").status == 404
    worker = fetch(site, "/pagefind/pagefind-worker.js")
    assert worker.header("Content-Type") == "text/javascript; charset=utf-8"


def test_text_is_gzipped_when_the_client_accepts_it(example_output: Path, site: str) -> None:
    """HTML and CSS are compressed on request (and only then); bytes survive the round trip."""
    home = example_output / "index.html"
    css = STYLESHEET.search(home.read_bytes())
    assert css
    for path, file in (("/", home), (css.group(1).decode(),
                                     example_output / css.group(1).decode().lstrip("/"))):
        zipped = fetch(site, path, {"Accept-Encoding": "gzip"})
        assert zipped.status == 200
        assert zipped.header("Content-Encoding") == "gzip", path
        assert zipped.header("Vary") == "Accept-Encoding"
        assert gzip.decompress(zipped.body) == file.read_bytes()
        assert len(zipped.body) < file.stat().st_size / 2
        plain = fetch(site, path)
        assert plain.header("Content-Encoding") is None
        assert plain.body == file.read_bytes()


def test_the_sample_server_block_passes_nginx_t() -> None:
    """deploy/nginx/kabar.conf, installed as on Debian, parses without errors or warnings."""
    result = check_sample_site()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "test is successful" in output
    assert "[warn]" not in output and "[emerg]" not in output, output


# --------------------------------------------------------------------------- a crafted root

SECRET = b"kabar-secret-outside-the-web-root"


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A small web root with every file type kabar may publish, a secret next to it and a
    symbolic link inside it pointing at the secret."""
    base = tmp_path_factory.mktemp("nginx-crafted")
    (base / "secret.txt").write_bytes(SECRET)
    root = base / "www"
    files = {
        "index.html": b"<!DOCTYPE html><title>beranda</title>",
        "404.html": b"<!DOCTYPE html><title>tidak ditemukan</title>",
        "feed.xml": b"<?xml version='1.0'?><rss version='2.0'></rss>",
        "sitemap.xml": b"<?xml version='1.0'?><urlset/>",
        "robots.txt": b"User-agent: *\n",
        "search/index.json": b"{}",
        "site.webmanifest": b"{}",
        "berita/foto.webp": b"RIFF\0\0\0\0WEBP",
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / "tautan.txt").symlink_to(base / "secret.txt")
    (root / "luar").symlink_to(base)
    with serve_nginx(root) as url:
        yield url, root


@pytest.mark.parametrize(("path", "content_type", "cache"), [
    ("/feed.xml", "application/xml; charset=utf-8", REVALIDATE),
    ("/sitemap.xml", "application/xml; charset=utf-8", REVALIDATE),
    ("/robots.txt", "text/plain; charset=utf-8", REVALIDATE),
    ("/search/index.json", "application/json", REVALIDATE),
    ("/site.webmanifest", "application/manifest+json", REVALIDATE),
    ("/berita/foto.webp", "image/webp", MEDIA),
])
def test_content_types_and_caching(path: str, content_type: str, cache: str,
                                   crafted: tuple[str, Path]) -> None:
    """Feeds, sitemaps and data files get their own types and are revalidated."""
    url, root = crafted
    resp = fetch(url, path)
    assert resp.status == 200
    assert resp.header("Content-Type") == content_type
    assert resp.header("Cache-Control") == cache
    assert resp.body == (root / path.lstrip("/")).read_bytes()


@pytest.mark.parametrize("path", [
    "/../secret.txt",
    "/../../../../../../etc/passwd",
    "/%2e%2e/secret.txt",
    "/%2E%2E%2Fsecret.txt",
    "/berita/..%2f..%2fsecret.txt",
    "/berita/../../secret.txt",
    "/berita/%2e%2e/%2e%2e/secret.txt",
    "/..%5csecret.txt",
    "/..\\secret.txt",
    "//../secret.txt",
    "/tautan.txt",                   # a symlink inside the root pointing outside
    "/luar/secret.txt",              # a symlinked folder
])
def test_traversal_does_not_escape_the_root(path: str, crafted: tuple[str, Path]) -> None:
    """``..`` in any spelling, and symbolic links, never reach a file outside the root."""
    url, _root = crafted
    resp = fetch(url, path)
    assert resp.status in (400, 404), (path, resp.status)
    assert SECRET not in resp.body
    assert b"root:" not in resp.body


def test_the_older_parts_of_a_split_index_are_cached_the_same(make_site: Any) -> None:
    """A portal over search.split_at: /pagefind/2022-2023/ and /pagefind/2021/ are cached
    like /pagefind/ (content-named chunks immutable, the entry file revalidated)."""
    from conftest import build_site
    from test_search import split_site_files

    from generator.writer import write
    root = make_site(split_site_files())
    out = root.parent / "output"
    write(build_site(root).outputs, out)
    files = []
    for bundle in ("pagefind/2022-2023", "pagefind/2021"):
        folder = out / bundle
        files += sorted(f for f in folder.iterdir() if f.is_file())  # entry and meta
        files += [min((folder / sub).iterdir()) for sub in ("index", "fragment", "filter")]
    assert len(files) == 10
    with serve_nginx(out) as base:
        for file in files:
            path = "/" + file.relative_to(out).as_posix()
            resp = fetch(base, path)
            cache = REVALIDATE if file.name == "pagefind-entry.json" else IMMUTABLE
            assert (resp.status, resp.header("Cache-Control")) == (200, cache), path
            assert resp.body == file.read_bytes(), path
