"""IndexNow: the key file and manifest the build writes, and `kabar ping` against a real
HTTP server on 127.0.0.1 that records every request and answers as told."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import MINIMAL_SITE_YAML, SiteMaker, build_site, outputs, story_text

from generator import ping
from generator.cli import main
from generator.config import parse_config
from generator.diagnostics import Diagnostics, format_report
from generator.writer import write

KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
BASE = "https://uji.example.go.id"
MANIFEST = ".well-known/kabar-manifest.json"
STATE = ".cache/indexnow-last.json"


@dataclass
class Recorder:
    """What the fake IndexNow endpoint received, and the answers it gives in turn."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # next answers; then 200
    files: dict[str, bytes] = field(default_factory=dict)  # GET path → body

    @property
    def sent(self) -> list[str]:
        return [u for r in self.requests for u in r["body"]["urlList"]]


@pytest.fixture(scope="module")
def server() -> Iterator[Recorder]:
    """One fake IndexNow endpoint (and live site) for the module; reset for each test."""
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            body = json.loads(self.rfile.read(length))
            recorder.requests.append({"path": self.path, "body": body,
                                      "content_type": self.headers["Content-Type"]})
            status = recorder.statuses.pop(0) if recorder.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            data = recorder.files.get(self.path)
            self.send_response(200 if data is not None else 404)
            self.send_header("Content-Length", str(len(data or b"")))
            self.end_headers()
            self.wfile.write(data or b"")

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def endpoint(server: Recorder) -> Recorder:
    server.requests.clear()
    server.statuses.clear()
    server.files.clear()
    return server


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib honours *_proxy variables; the fake endpoint is on this machine."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def site_yaml(endpoint: str = "", key: str = KEY) -> str:
    section = f"indexnow:\n  key: {key}\n" + (f"  endpoint: {endpoint}/indexnow\n"
                                                 if endpoint else "")
    return MINIMAL_SITE_YAML + section


STORIES = {
    "content/stories/2024/a.md": story_text("Posyandu Baru"),
    "content/stories/2024/b.md": story_text("Sekolah Baru", date="2024-04-01 08:00",
                                            category="pendidikan"),
    "content/stories/2024/c.md": story_text("Draf Rahasia", extra="status: draft\n"),
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@dataclass(frozen=True)
class Builds:
    """The same portal built three times: as written, story a edited, story b removed."""

    first: Path
    edited: Path
    removed: Path


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    """Built once for the module: each ping test only needs its own state folder."""
    root = tmp_path_factory.mktemp("portal")
    files = {"site.yaml": site_yaml(), **STORIES}
    made = []
    for change in ({}, {"content/stories/2024/a.md": story_text(
            "Posyandu Baru", body="Paragraf pertama cerita, kini diperbarui.\n")},
                   {"content/stories/2024/b.md": None}):
        files.update(change)
        shutil.rmtree(root / "content", ignore_errors=True)
        for name, text in files.items():
            if text is not None:
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_text(text, encoding="utf-8")
        out = root.parent / f"{root.name}-output-{len(made)}"
        write(build_site(root).outputs, out)
        made.append(out)
    return Builds(*made)


@pytest.fixture
def portal(tmp_path: Path, endpoint: Recorder) -> Path:
    """A portal folder for `kabar ping`: site.yaml pointing at the fake endpoint."""
    (tmp_path / "site.yaml").write_text(site_yaml(endpoint.url), encoding="utf-8")
    return tmp_path


def ping_cli(capsys: pytest.CaptureFixture[str], root: Path, output: Path,
             *extra: str) -> tuple[int, str, str]:
    return run(capsys, "ping", "--root", str(root), "--output", str(output), *extra)


def manifest_urls(output: Path) -> dict[str, str]:
    data = json.loads((output / MANIFEST).read_text())
    assert data["version"] == 1
    return dict(data["urls"])


STORY_A = f"{BASE}/berita/2024/posyandu-baru/"
STORY_B = f"{BASE}/berita/2024/sekolah-baru/"


# -- the build's outputs -------------------------------------------------------------------


def test_build_publishes_the_key_file_and_a_sorted_manifest(make_site: SiteMaker) -> None:
    root = make_site({"site.yaml": site_yaml(), **STORIES})
    built = outputs(build_site(root, drafts=True))
    assert built[f"{KEY}.txt"] == KEY.encode()
    manifest = built[MANIFEST]
    pages = json.loads(manifest)["urls"]
    assert list(pages) == sorted(pages)
    story = f"{BASE}/berita/2024/posyandu-baru/"
    assert pages[story] == hashlib.sha256(built["berita/2024/posyandu-baru/index.html"]
                                          ).hexdigest()
    # Every indexable HTML page, nothing else: the draft (noindex with --drafts) and the
    # 404 page stay out; pagination, hubs and taxonomy pages are in.
    html = {p for p in built if p.endswith(".html")}
    assert len(pages) == len(html) - 2
    assert f"{BASE}/berita/2024/draf-rahasia/" not in pages
    assert f"{BASE}/404.html" not in pages
    assert {f"{BASE}/", f"{BASE}/wilayah/kab-uji/kec-satu/", f"{BASE}/kategori/kesehatan/",
            f"{BASE}/tag/posyandu/"} <= set(pages)
    # Deterministic: a second build makes the same bytes.
    assert outputs(build_site(root, drafts=True))[MANIFEST] == manifest


def test_without_a_key_there_is_no_indexnow_output(make_site: SiteMaker) -> None:
    without = outputs(build_site(make_site(STORIES)))
    with_key = outputs(build_site(make_site({"site.yaml": site_yaml()})))
    assert set(with_key) - set(without) == {f"{KEY}.txt", MANIFEST}
    assert set(without) <= set(with_key)


@pytest.mark.parametrize(("key", "message"), [
    ("pendek", "indexnow.key harus 8 sampai 128 huruf, angka atau '-': panjangnya 6 karakter"),
    ("a" * 129, "indexnow.key harus 8 sampai 128 huruf, angka atau '-': panjangnya 129 "
     "karakter"),
    ("kunci_saya_2024", "indexnow.key harus 8 sampai 128 huruf, angka atau '-': ada karakter "
     "selain huruf, angka dan '-'"),
])
def test_a_bad_key_is_a_located_diagnostic(key: str, message: str) -> None:
    diags = Diagnostics()
    assert parse_config(site_yaml(key=key), diags) is None
    line = MINIMAL_SITE_YAML.count("\n") + 2
    assert format_report(diags) == (
        f"site.yaml:{line}:8: error: {message}\n"
        "  hint: buat kunci acak, misalnya dengan: python3 -c \"import uuid; "
        "print(uuid.uuid4().hex)\"\n"
        f"  |   key: {key}")


def test_a_bad_endpoint_is_a_located_diagnostic() -> None:
    diags = Diagnostics()
    assert parse_config(site_yaml("api.indexnow.org"), diags) is None
    line = MINIMAL_SITE_YAML.count("\n") + 3
    assert format_report(diags).startswith(
        f"site.yaml:{line}:13: error: indexnow.endpoint: harus URL lengkap yang diawali "
        "https://\n")


# -- pure parts ---------------------------------------------------------------------------


def test_batches_hold_at_most_10000_urls() -> None:
    urls = [f"{BASE}/berita/{n:05d}/" for n in range(10_001)]
    groups = ping.batches(urls)
    assert [len(g) for g in groups] == [10_000, 1]
    assert [u for g in groups for u in g] == urls
    assert [len(g) for g in ping.batches(urls[:7], 3)] == [3, 3, 1]
    assert ping.batches([], 3) == []
    with pytest.raises(ValueError, match="batch size"):
        ping.batches(urls, 10_001)


def test_changed_urls_are_new_or_changed_never_removed() -> None:
    before = {"/a": "1", "/b": "2", "/c": "3"}
    after = {"/a": "1", "/b": "9", "/d": "4"}
    assert ping.changed_urls(before, after) == ("/b", "/d")
    assert ping.changed_urls(after, after) == ()
    assert ping.changed_urls({}, after) == ("/a", "/b", "/d")


# -- kabar ping against a real server -----------------------------------------------------


def test_first_ping_sends_every_page_in_batches(builds: Builds, portal: Path,
                                                endpoint: Recorder) -> None:
    diags = Diagnostics()
    plan = ping.plan(portal, builds.first, diags)
    assert plan is not None, format_report(diags)
    assert plan.first
    sent = ping.send(plan, portal, diags, batch_size=4)
    pages = manifest_urls(builds.first)
    assert sent == ping.Sent(urls=len(pages), batches=-(-len(pages) // 4))
    assert len(endpoint.requests) == sent.batches > 2
    assert all(len(r["body"]["urlList"]) <= 4 for r in endpoint.requests)
    assert endpoint.sent == sorted(pages)
    for request in endpoint.requests:
        assert request["path"] == "/indexnow"
        assert request["content_type"] == "application/json; charset=utf-8"
        body = request["body"]
        assert set(body) == {"host", "key", "keyLocation", "urlList"}
        assert body["host"] == "uji.example.go.id"
        assert body["key"] == KEY
        assert body["keyLocation"] == f"{BASE}/{KEY}.txt"
    assert (portal / STATE).read_bytes() == (builds.first / MANIFEST).read_bytes()


def test_second_ping_sends_only_what_changed(builds: Builds, portal: Path, endpoint: Recorder,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ping_cli(capsys, portal, builds.first)
    assert code == 0, err
    first = len(endpoint.sent)
    assert out.strip() == (f"terkirim: {first} alamat baru atau berubah (ping pertama: semua "
                           f"halaman) ke {endpoint.url}/indexnow dalam 1 kiriman")
    # Only story a's body changed: only its own page has new bytes.
    code, out, err = ping_cli(capsys, portal, builds.edited)
    assert code == 0, err
    assert endpoint.sent[first:] == [STORY_A]
    assert out.strip() == (f"terkirim: 1 alamat baru atau berubah ke {endpoint.url}/indexnow "
                           "dalam 1 kiriman")
    # A removed story is never sent; the list pages it left are.
    code, _, err = ping_cli(capsys, portal, builds.removed)
    assert code == 0, err
    third = endpoint.requests[-1]["body"]["urlList"]
    assert STORY_B not in third
    assert f"{BASE}/" in third
    assert set(third) <= set(manifest_urls(builds.removed))


def test_nothing_changed_sends_nothing(builds: Builds, portal: Path, endpoint: Recorder,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert ping_cli(capsys, portal, builds.first)[0] == 0
    count = len(endpoint.requests)
    code, out, _ = ping_cli(capsys, portal, builds.first)
    assert code == 0
    assert out.strip() == "tidak ada halaman baru atau berubah; tidak ada yang dikirim"
    assert len(endpoint.requests) == count


@pytest.mark.parametrize(("status", "message"), [
    (400, "error: permintaan ditolak (400 Bad Request): formatnya tidak valid"),
    (403, f"error: kunci tidak valid (403 Forbidden): berkas kunci {BASE}/{KEY}.txt tidak bisa "
     "dibaca mesin pencari atau isinya bukan kunci"),
    (422, "error: alamat ditolak (422 Unprocessable Entity): URL tidak termasuk situs "
     "uji.example.go.id atau kunci tidak cocok"),
    (429, "error: terlalu banyak permintaan (429 Too Many Requests)"),
    (500, "error: server IndexNow sedang bermasalah (HTTP 500 Internal Server Error)"),
])
def test_a_refusal_exits_1_and_keeps_the_state(builds: Builds, portal: Path,
                                               endpoint: Recorder,
                                               capsys: pytest.CaptureFixture[str],
                                               status: int, message: str) -> None:
    assert ping_cli(capsys, portal, builds.first)[0] == 0
    state = (portal / STATE).read_bytes()
    endpoint.statuses.append(status)
    code, out, err = ping_cli(capsys, portal, builds.edited)
    assert code == 1
    assert out == ""
    assert f"{endpoint.url}/indexnow: {message}" in err
    assert "catatan ping terakhir tidak diubah" in err
    assert "Traceback" not in err
    assert (portal / STATE).read_bytes() == state
    # The next ping, once accepted, sends the change again.
    assert ping_cli(capsys, portal, builds.edited)[0] == 0
    assert endpoint.requests[-1]["body"]["urlList"] == [STORY_A]


def test_a_failed_second_batch_does_not_move_the_state(builds: Builds, portal: Path,
                                                       endpoint: Recorder) -> None:
    endpoint.statuses += [200, 500]
    diags = Diagnostics()
    plan = ping.plan(portal, builds.first, diags)
    assert plan is not None
    assert ping.send(plan, portal, diags, batch_size=3) is None
    assert len(endpoint.requests) == 2
    batches = -(-len(plan.urls) // 3)
    assert format_report(diags).startswith(
        f"{endpoint.url}/indexnow: error: server IndexNow sedang bermasalah (HTTP 500 Internal "
        f"Server Error) (1 dari {batches} kiriman sudah diterima)\n")
    assert not (portal / STATE).exists()


def test_an_unreachable_endpoint_exits_1(builds: Builds, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "site.yaml").write_text(site_yaml("http://127.0.0.1:9"), encoding="utf-8")
    code, _, err = ping_cli(capsys, tmp_path, builds.first)
    assert code == 1
    assert "error: tidak bisa menghubungi http://127.0.0.1:9/indexnow: " in err
    assert not (tmp_path / STATE).exists()


def test_dry_run_lists_and_sends_nothing(builds: Builds, portal: Path, endpoint: Recorder,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = ping_cli(capsys, portal, builds.first, "--dry-run")
    pages = manifest_urls(builds.first)
    assert code == 0
    assert out.splitlines()[:-1] == sorted(pages)
    assert out.splitlines()[-1] == (f"uji coba: {len(pages)} alamat (ping pertama: semua "
                                    f"halaman) akan dikirim ke {endpoint.url}/indexnow dalam 1 "
                                    "kiriman; tidak ada yang dikirim")
    assert endpoint.requests == []
    assert not (portal / STATE).exists()


def test_previous_manifest_from_the_live_site_or_a_file(builds: Builds, portal: Path,
                                                        endpoint: Recorder,
                                                        capsys: pytest.CaptureFixture[str],
                                                        ) -> None:
    live = (builds.first / MANIFEST).read_bytes()
    endpoint.files["/" + MANIFEST] = live
    code, _, err = ping_cli(capsys, portal, builds.edited, "--previous",
                            f"{endpoint.url}/{MANIFEST}")
    assert code == 0, err
    assert endpoint.sent == [STORY_A]
    saved = portal / "lama.json"
    saved.write_bytes(live)
    code, out, _ = ping_cli(capsys, portal, builds.edited, "--since", str(saved), "--dry-run")
    assert code == 0 and out.splitlines()[0] == STORY_A
    code, _, err = ping_cli(capsys, portal, builds.edited, "--previous",
                            f"{endpoint.url}/tidak-ada.json")
    assert code == 1
    assert "manifest sebelumnya tidak bisa diunduh: Not Found" in err
    (portal / "rusak.json").write_text("{}")
    code, _, err = ping_cli(capsys, portal, builds.edited, "--previous",
                            str(portal / "rusak.json"))
    assert code == 1 and "rusak.json: error: bukan manifest kabar yang dikenal" in err


def test_ping_needs_a_key_and_a_build(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "site.yaml").write_text(MINIMAL_SITE_YAML, encoding="utf-8")
    code, _, err = run(capsys, "ping", "--root", str(tmp_path))
    assert code == 1
    assert "site.yaml: error: IndexNow belum aktif: indexnow.key kosong" in err
    (tmp_path / "site.yaml").write_text(site_yaml(), encoding="utf-8")
    code, _, err = run(capsys, "ping", "--root", str(tmp_path))
    assert code == 1
    assert f"{tmp_path / 'output'}: error: hasil build belum berisi manifest dan berkas kunci " \
           "IndexNow\n  hint: jalankan kabar build dulu" in err
