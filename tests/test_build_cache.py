"""The build cache (.cache/markdown, .cache/jinja) and Markdown worker processes.

A cache is never a source of truth: with or without it, serial or parallel, a build
gives the same bytes and the same diagnostics, in the same order.
"""

from __future__ import annotations

import os
import shutil
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    BUILD_TIME,
    MINIMAL_SITE_YAML,
    SiteMaker,
    build_site,
    outputs,
    pack_entry,
    pack_keys,
    rendered_here,
    replace_pack_entry,
    story_text,
)
from PIL import Image

from generator import workers
from generator.build import BuildOptions, BuildResult, load_site
from generator.cache import FileCache, sealed
from generator.content import Memo, bodies
from generator.diagnostics import BuildFailed, Diagnostics, format_report
from generator.render import templates
from generator.render import workers as render_workers


def _story(title: str, date: str, body: str, extra: str = "") -> str:
    return story_text(title, date=date, body=body, extra=extra)


@pytest.fixture
def portal(make_site: SiteMaker, tiny_png: bytes) -> Path:
    png = tiny_png
    return make_site({
        "content/stories/2024/pasar.md": _story(
            "Pasar Rakyat Dibuka", "2024-05-02 08:00",
            "## Latar\n\nLihat [posyandu](posyandu.md) dan [arsip](../2023/sekolah.md#hasil).\n\n"
            "![Warga di pasar](pasar.png)\n\nCatatan kaki.[^1]\n\n## Hasil\n\nSelesai.\n\n"
            "[^1]: Sumber: kecamatan.\n"),
        "content/stories/2024/pasar.png": png,
        "content/stories/2024/posyandu.md": _story(
            "Posyandu Baru", "2024-03-12 09:30",
            "Paragraf.\n\n![](pasar.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"),
        "content/stories/2023/sekolah.md": _story(
            "Sekolah Baru", "2023-07-01 10:00", "## Hasil\n\nBaik.\n"),
        "content/pages/tentang.md": "---\ntitle: Tentang\n---\n\nBaca [pasar](../stories/2024/"
                                    "pasar.md).\n",
    })


def _state(result: BuildResult) -> tuple[dict[str, bytes], str]:
    return outputs(result), format_report(result.diagnostics, cap=1000)


def _entries(root: Path, folder: str) -> list[Path]:
    return sorted((root / ".cache" / folder).glob("*"))


def _bodies(root: Path) -> set[str]:
    return pack_keys(root / ".cache" / "markdown")


def _no_rendering(*_args: object) -> object:
    raise AssertionError("a body was rendered although the cache holds it")


def test_warm_build_renders_nothing_and_gives_the_same_bytes(
        portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = _state(build_site(portal))
    assert "gambar tanpa teks alternatif" in cold[1]  # a warning, kept through the cache
    assert len(_bodies(portal)) == 4  # three stories and a page
    assert _entries(portal, "jinja")  # compiled templates
    with monkeypatch.context() as patch:
        patch.setattr(bodies, "render", _no_rendering)
        warm = _state(build_site(portal))
    assert warm == cold
    shutil.rmtree(portal / ".cache")
    assert _state(build_site(portal)) == cold  # deleting the cache changes nothing


def test_a_corrupt_entry_is_ignored_and_rewritten(portal: Path) -> None:
    expected = _state(build_site(portal))
    folder = portal / ".cache" / "markdown"
    first, second = sorted(_bodies(portal))[:2]
    good = {key: pack_entry(folder, key) for key in (first, second)}
    assert all(good.values())
    # Damaged: its checksum no longer matches.
    replace_pack_entry(folder, first, b"\x00rusak", whole=False)
    # Garbled but with a matching checksum (not something kabar writes): still ignored.
    replace_pack_entry(folder, second, b'{"html": 1}', whole=True)
    assert pack_entry(folder, first) is None
    assert pack_entry(folder, second) == b'{"html": 1}'
    for entry in _entries(portal, "jinja"):
        entry.write_bytes(sealed(b"\x00garbled"))
    assert _state(build_site(portal)) == expected
    for key, data in good.items():
        assert pack_entry(folder, key) == data  # rendered again and stored whole


def test_a_build_leaves_one_entry_per_body_and_serve_prunes_nothing(portal: Path) -> None:
    """The entries no body of a build used go (the edited body's old one, an entry of the
    JSON format before); `kabar serve` keeps bodies in its memo and removes nothing."""
    expected = _state(build_site(portal))
    before = _bodies(portal)
    folder = portal / ".cache" / "markdown"
    old_format = [folder / f"{'0' * 64}.json", folder / f"{'1' * 64}.body"]
    for path in old_format:  # one file per entry, as kabar stored them before
        path.write_bytes(sealed(b'{"html": "<p>lama</p>"}'))
    story = portal / "content/stories/2023/sekolah.md"
    story.write_text(story.read_text().replace("Baik.", "Baik sekali."))
    after = _bodies(portal) if build_site(portal) else set()
    assert len(after) == len(before) == 4
    assert len(before - after) == len(after - before) == 1  # the edited body's entry
    assert not any(path.exists() for path in old_format)
    story.write_text(story.read_text().replace("Baik sekali.", "Baik."))
    memo = Memo()
    load_site(portal, BuildOptions(build_time=BUILD_TIME), Diagnostics(), memo=memo)
    assert _bodies(portal) == after | before  # serve's first load adds, removes nothing
    story.write_text(story.read_text().replace("Baik.", "Baik benar."))
    load_site(portal, BuildOptions(build_time=BUILD_TIME), Diagnostics(), memo=memo)
    assert _bodies(portal) == after | before  # later loads: the memo, not the cache
    story.write_text(story.read_text().replace("Baik benar.", "Baik."))
    assert _state(build_site(portal)) == expected


def test_a_story_that_moved_re_renders_the_stories_linking_to_it(portal: Path) -> None:
    page = "berita/2024/pasar-rakyat-dibuka/index.html"
    assert b'href="/berita/2024/posyandu-baru/"' in outputs(build_site(portal))[page]
    target = portal / "content/stories/2024/posyandu.md"
    target.write_text(target.read_text().replace("tags:", "slug: posyandu-sehat\ntags:"))
    after = outputs(build_site(portal))
    assert b'href="/berita/2024/posyandu-sehat/"' in after[page]
    assert b"posyandu-baru" not in after[page]
    shutil.rmtree(portal / ".cache")
    assert outputs(build_site(portal)) == after


def test_an_image_of_another_size_re_renders_its_story(portal: Path) -> None:
    page = "berita/2024/pasar-rakyat-dibuka/index.html"
    assert b'height="3" loading="lazy" src="/berita/2024/pasar-rakyat-dibuka/pasar.png" width="4"' \
        in outputs(build_site(portal))[page]
    Image.new("RGB", (8, 5), (0, 0, 0)).save(portal / "content/stories/2024/pasar.png")
    assert b'height="5" loading="lazy" src="/berita/2024/pasar-rakyat-dibuka/pasar.png" width="8"' \
        in outputs(build_site(portal))[page]


def test_a_deleted_link_target_is_reported_again_from_a_warm_cache(portal: Path) -> None:
    build_site(portal)
    (portal / "content/stories/2024/pasar.png").unlink()
    with pytest.raises(BuildFailed) as failed:
        build_site(portal)
    report = format_report(failed.value.diagnostics)
    assert "content/stories/2024/pasar.md:15: error: berkas 'pasar.png' tidak ditemukan" in report


def test_a_changed_template_re_renders_what_uses_it(make_site: SiteMaker) -> None:
    footer = "<footer>{{ site.title }} versi satu</footer>\n"
    root = make_site({
        "site.yaml": MINIMAL_SITE_YAML + "theme: mine\n",
        "themes/mine/templates/partials/footer.html": footer,
        "content/stories/2024/a.md": story_text("Satu"),
    })
    first = outputs(build_site(root))
    assert b"Kabar Uji versi satu" in first["index.html"]
    assert _entries(root, "jinja")
    (root / "themes/mine/templates/partials/footer.html").write_text(
        footer.replace("satu", "dua"))
    second = outputs(build_site(root))
    for path, data in second.items():
        if path.endswith(".html"):
            assert b"versi satu" not in data, path
    assert b"Kabar Uji versi dua" in second["berita/2024/satu/index.html"]


def test_parallel_and_serial_builds_are_identical(
        portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Workers are forked only from a single-threaded process; this test must run in one.
    assert threading.active_count() == 1, "a thread left running would make the build serial"
    pools: list[str] = []

    class Pool(ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pools.append(kwargs["mp_context"].get_start_method())
            super().__init__(*args, **kwargs)

    serial = _state(build_site(portal, jobs=1))
    assert pools == []
    shutil.rmtree(portal / ".cache")
    monkeypatch.setattr(bodies, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(workers, "ProcessPoolExecutor", Pool)
    parallel = _state(build_site(portal, jobs=2))  # worker processes, even for a small site
    # Front matter and pages forked (they share the Site); the Markdown bodies from the
    # fork server (they need only what they are sent).
    assert pools == ["fork", "forkserver", "fork"]
    assert parallel == serial
    assert len(_bodies(portal)) == 4  # what the workers rendered was kept
    pages = [path for path in parallel[0] if path.endswith(".html")]
    assert len(pack_keys(portal / ".cache" / "pages")) == len(pages)  # stored by the parent


def test_with_other_threads_running_bodies_use_a_forkserver_and_pages_stay_serial(
        portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """kabar serve builds while its server threads run: forking those could deadlock."""
    serial = _state(build_site(portal, jobs=1))
    shutil.rmtree(portal / ".cache")
    pools: list[str] = []

    class Pool(ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pools.append(kwargs["mp_context"].get_start_method())
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(bodies, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(workers, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(render_workers, "ProcessPoolExecutor", Pool)
    stop = threading.Event()
    server = threading.Thread(target=stop.wait)
    server.start()
    try:
        threaded = _state(build_site(portal, jobs=2))
    finally:
        stop.set()
        server.join()
    assert pools == ["forkserver"]
    assert threaded == serial


def test_a_prune_removes_only_entries_of_its_own_cache_that_were_not_kept(
        tmp_path: Path) -> None:
    cache = FileCache(tmp_path, ".jpg")
    for key in ("a" * 64, "b" * 64):
        cache.put(key, b"isi")
    for name in (f"{'a' * 64}.jpg.sha256", f"{'c' * 64}.webp", "catatan.txt"):
        (tmp_path / name).write_bytes(b"x")  # a checksum file of before; others' files
    assert cache.prune({"a" * 64}) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([
        f"{'a' * 64}.jpg", f"{'c' * 64}.webp", "catatan.txt"])
    assert cache.get("a" * 64) == b"isi"


def _twelve_stories() -> dict[str, str]:
    return {f"content/stories/2024/s{n}.md": story_text(f"Kabar {n}", date=f"2024-03-{n:02} 09:30")
            for n in range(1, 13)}


def test_a_site_past_the_worker_s_memory_budget_renders_its_pages_in_the_build(
        make_site: SiteMaker, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker beside the build copies about the build's memory as it goes: a site of
    more than BESIDE_MAX_PAGES pages (here: made small) renders every page in the build,
    with the same bytes."""
    files = _twelve_stories()
    root = make_site(files)
    serial = _state(build_site(root, jobs=1))
    shutil.rmtree(root / ".cache")
    for name, value in (("BESIDE_MIN_PAGES", 2), ("CHUNK", 1), ("BESIDE_MAX_PAGES", 10)):
        monkeypatch.setattr(render_workers, name, value)
    monkeypatch.setattr(render_workers, "cpus", lambda: 2)
    here = rendered_here(monkeypatch)
    large = _state(build_site(root))
    assert large == serial
    pages = [path for path in large[0] if path.endswith(".html")]
    assert len(pages) > 10 and len(here) == len(pages)


def _site_for_the_budget(make_site: SiteMaker, monkeypatch: pytest.MonkeyPatch,
                         ) -> tuple[Path, Any]:
    """A portal built serially (its state returned), its cache gone, and a worker beside
    the build for every page, its budget looked at on every chunk."""
    root = make_site(_twelve_stories())
    serial = _state(build_site(root, jobs=1))
    shutil.rmtree(root / ".cache")
    for name, value in (("BESIDE_MIN_PAGES", 2), ("CHUNK", 1), ("BUDGET_EVERY", 0)):
        monkeypatch.setattr(render_workers, name, value)
    monkeypatch.setattr(render_workers, "cpus", lambda: 2)
    return root, serial


def test_the_worker_beside_the_build_ends_when_the_build_s_memory_is_spent(
        make_site: SiteMaker, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past BUDGET_MB (the processes' PSS, read from /proc; here made to pass it at the
    third look) the worker is handed no more chunks and ends, and the build renders
    every page left itself, with the same bytes."""
    root, serial = _site_for_the_budget(make_site, monkeypatch)
    real_pss = render_workers.pss_mb
    looked: list[int] = []

    def pss_mb(pid: int) -> int | None:
        looked.append(pid)
        size = real_pss(pid)
        assert size is not None and size > 0  # a real process's real memory
        return size if len(looked) <= 4 else render_workers.BUDGET_MB  # two looks, then over

    monkeypatch.setattr(render_workers, "pss_mb", pss_mb)
    alive: list[bool] = []
    real_render = templates.render

    def render(*args: Any) -> Any:
        worker = next((pid for pid in looked if pid != os.getpid()), None)
        alive.append(worker is not None and Path(f"/proc/{worker}").exists())
        return real_render(*args)

    monkeypatch.setattr(templates, "render", render)
    spent = _state(build_site(root))
    assert spent == serial
    pages = [path for path in spent[0] if path.endswith(".html")]
    assert len(alive) == len(pages) - 2  # the worker was handed two pages, then none
    assert alive[0] and not alive[-1]  # and it ended while the build went on
    assert len(set(looked)) == 2  # the build's own process and the worker


def test_a_worker_ended_by_the_budget_is_forked_again_while_the_build_alone_is_small(
        make_site: SiteMaker, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first worker passes the budget at its third look and ends; the build alone
    (its real PSS, far under AGAIN_BELOW_MB) forks a second one, which renders the
    chunks it is given to the end. Same bytes as a serial build."""
    root, serial = _site_for_the_budget(make_site, monkeypatch)
    real_pss = render_workers.pss_mb
    workers: list[int] = []
    first_looks: list[int] = []

    def pss_mb(pid: int) -> int | None:
        size = real_pss(pid)
        assert size is not None and size > 0
        if pid != os.getpid() and pid not in workers:
            workers.append(pid)
        if workers and pid == workers[0]:
            first_looks.append(pid)
            if len(first_looks) > 2:
                return render_workers.BUDGET_MB
        return size

    monkeypatch.setattr(render_workers, "pss_mb", pss_mb)
    here = rendered_here(monkeypatch)
    again = _state(build_site(root))
    assert again == serial
    pages = [path for path in again[0] if path.endswith(".html")]
    assert len(workers) == 2  # the first, ended at the budget, and the one forked again
    assert len(pages) > 20 and len(here) <= len(pages) // 2  # the second rendered its share


def test_a_worker_beside_the_build_renders_some_pages_and_changes_nothing(
        make_site: SiteMaker, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large site on two CPUs (here: made to count as one): one forked worker renders
    some of the pages while the build renders the others and stores them all. Bytes,
    diagnostics (a template error in either process) and the page cache are a serial
    build's."""
    files = _twelve_stories()
    root = make_site({**files, "site.yaml": MINIMAL_SITE_YAML + "theme: mine\n",
                      "themes/mine/templates/partials/footer.html": "<footer>x</footer>\n"})
    serial = _state(build_site(root, jobs=1))
    shutil.rmtree(root / ".cache")
    monkeypatch.setattr(render_workers, "BESIDE_MIN_PAGES", 2)
    monkeypatch.setattr(render_workers, "CHUNK", 1)
    monkeypatch.setattr(render_workers, "cpus", lambda: 2)
    here = rendered_here(monkeypatch)
    beside = _state(build_site(root))
    assert beside == serial
    pages = [path for path in beside[0] if path.endswith(".html")]
    assert 0 < len(here) < len(pages) // 2  # the worker rendered most of them
    assert len(pack_keys(root / ".cache" / "pages")) == len(pages)  # stored by the build

    (root / "themes/mine/templates/story.html").write_text(  # fails on three stories in a row
        '{% extends "base.html" %}{% block content %}{{ page.title }}\n'
        '{% if page.title in ("Kabar 7", "Kabar 8", "Kabar 9") %}'
        '{% include page.title ~ ".html" %}{% endif %}'
        '{% endblock %}\n')
    reports = []
    for jobs in (1, None):
        with pytest.raises(BuildFailed) as failed:
            build_site(root, jobs=jobs)
        reports.append(format_report(failed.value.diagnostics, cap=1000))
    assert reports[0] == reports[1]
    for n in (7, 8, 9):  # with CHUNK 1, at least one of them made in each process
        assert f"template 'Kabar {n}.html' tidak ditemukan" in reports[1]
