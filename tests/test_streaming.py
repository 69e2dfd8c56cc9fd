"""`kabar build` streams its files into the staging folder as they are made: the same
bytes as a build in memory, and a build that fails after its pages were written still
leaves the previous output/ as it was and no staging folder behind."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from conftest import BUILD_TIME, REPO, SOURCE_DATE_EPOCH, outputs, pack_keys, rendered_here

from generator import build as pipeline
from generator import urls
from generator.build import BuildOptions, BuildResult, build
from generator.diagnostics import BuildFailed
from generator.render import workers as page_workers
from generator.writer import MARKER, staging

GOLDEN = REPO / "tests" / "golden" / "site"


def streamed(root: Path, out: Path, jobs: int | None = None) -> tuple[BuildResult, int]:
    """Build `root` the way `kabar build` does: every file into the staging folder."""
    with staging(out) as stage:
        result = build(root, BuildOptions(build_time=BUILD_TIME, jobs=jobs), sink=stage)
        files, _ = stage.commit()
    return result, files


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MARKER}


def leftovers(out: Path) -> list[str]:
    """Staging folders and half-swapped trees beside `out`; not the tree the writer keeps
    for the next build (writer._spare) nor the table of its pages' tokens (writer._tokens),
    which are meant to stay."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")
                  and p.name not in (f".{out.name}.spare", f".{out.name}.tokens"))


def test_the_example_portal_streamed_is_byte_identical_to_the_build_in_memory(
        example_result: BuildResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pages, theme files, the Pagefind index (its story pages read back from the staging
    # folder), share cards, feeds and sitemaps.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    out = tmp_path / "output"
    result, files = streamed(REPO, out)
    wanted = outputs(example_result)
    assert result.outputs == ()  # nothing was kept
    assert files == len(wanted) == len(tree(out))
    assert tree(out) == wanted
    assert any(path.startswith("pagefind/fragment/") for path in wanted)
    assert any(path.endswith("/kartu.jpg") for path in wanted)


def test_a_portal_with_indexnow_streamed_gives_the_same_manifest(tmp_path: Path) -> None:
    # The manifest hashes every HTML page as it passes on its way to the disk.
    out = tmp_path / "output"
    streamed(GOLDEN, out)
    in_memory = outputs(build(GOLDEN, BuildOptions(build_time=BUILD_TIME)))
    assert tree(out) == in_memory
    manifest = in_memory[".well-known/kabar-manifest.json"]
    assert manifest.count(b"https://") > 10


def test_a_collision_found_after_the_pages_were_written_leaves_the_output_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "portal"
    shutil.copytree(GOLDEN, root)
    out = tmp_path / "site" / "output"
    streamed(root, out)
    before = {p: (p.stat().st_ino, hashlib.sha256(p.read_bytes()).digest())
              for p in out.rglob("*") if p.is_file()}
    # kabar writes robots.txt itself (after every page): a second one is a collision that
    # only the end of the build sees.
    (root / "content" / "static" / "robots.txt").write_text("User-agent: *\nDisallow: /\n")
    (root / "content" / "stories" / "2024" / "pojok-baca-sd-mekarsari.md").write_text(
        (GOLDEN / "content/stories/2024/pojok-baca-sd-mekarsari.md").read_text()
        .replace("Pojok Baca", "Sudut Baca"), encoding="utf-8")
    on_disk_at_the_check: list[str] = []
    check = pipeline._check_collisions

    def spy(paths, owners, diags):  # type: ignore[no-untyped-def]
        staged = next(out.parent.glob(f".{out.name}.staging-*"))
        on_disk_at_the_check.extend(sorted(p.relative_to(staged).as_posix()
                                           for p in staged.rglob("index.html")))
        check(paths, owners, diags)

    monkeypatch.setattr(pipeline, "_check_collisions", spy)

    with pytest.raises(BuildFailed) as failed:
        streamed(root, out)

    [error] = failed.value.diagnostics.errors
    assert error.message == ("dua berkas keluaran memakai alamat yang sama: robots.txt (dari "
                             "content/static/robots.txt dan berkas buatan kabar /robots.txt)")
    assert "index.html" in on_disk_at_the_check  # the pages were streamed, then it failed
    assert len(on_disk_at_the_check) > 20
    assert {p: (p.stat().st_ino, hashlib.sha256(p.read_bytes()).digest())
            for p in out.rglob("*") if p.is_file()} == before
    assert leftovers(out) == []


def test_a_failed_build_through_the_cli_removes_its_staging_folder(tmp_path: Path) -> None:
    # A template that fails on story pages only: the other pages are already on disk.
    from test_crash_safety import leftovers as cli_leftovers
    from test_crash_safety import run_cli, snapshot
    root = tmp_path / "portal"
    shutil.copytree(GOLDEN, root)
    out = tmp_path / "site" / "output"
    assert run_cli(root, out).returncode == 0
    before = snapshot(out)
    theme = root / "themes" / "rusak"
    (theme / "templates").mkdir(parents=True)
    (theme / "theme.yaml").write_text("name: rusak\nextends: default\n", encoding="utf-8")
    (theme / "templates" / "story.html").write_text("{{ page.tidak_ada.sama_sekali }}\n")
    site_yaml = root / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace(
        "theme: default\n", "theme: rusak\n"), encoding="utf-8")

    result = run_cli(root, out)

    assert result.returncode == 1, result.stderr
    assert "story.html:1" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(out) == before
    assert cli_leftovers(out) == []


def test_pages_the_output_already_has_are_neither_read_nor_rendered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page whose page-cache key is the one the live output's file was written from is
    placed as it is: with the page cache deleted, a build renders nothing and still gives
    the bytes of a build from scratch (the IndexNow manifest hashes the kept pages too)."""
    root = tmp_path / "portal"
    shutil.copytree(GOLDEN, root, ignore=shutil.ignore_patterns(".cache"))
    out = tmp_path / "site" / "output"
    rendered = rendered_here(monkeypatch)
    streamed(root, out)
    pages = len(rendered)
    assert pages > 20
    shutil.rmtree(root / ".cache" / "pages")
    rendered.clear()
    streamed(root, out)
    assert rendered == []
    assert not pack_keys(root / ".cache" / "pages")  # nothing read, nothing put
    assert tree(out) == outputs(build(root, BuildOptions(build_time=BUILD_TIME)))

    # One story's first paragraph edited: its page made again, and the pages showing it
    # (lists, related stories); the rest kept as the very files they were.
    story = root / "content" / "stories" / "2024" / "pojok-baca-sd-mekarsari.md"
    story.write_text(story.read_text(encoding="utf-8").replace("lima belas", "dua puluh"),
                     encoding="utf-8")
    before = {p: p.stat().st_ino for p in out.rglob("*.html")}
    rendered.clear()
    streamed(root, out)
    assert "/berita/2024/sd-mekarsari-buka-pojok-baca/" in rendered
    assert len(rendered) < pages / 2
    assert tree(out) == outputs(build(root, BuildOptions(build_time=BUILD_TIME)))
    # (A page made again whose bytes came out the same is linked to the live file too.)
    replaced = {urls.page_url(p.relative_to(out).as_posix())
                for p in out.rglob("*.html") if p.stat().st_ino != before.get(p)}
    assert "/berita/2024/sd-mekarsari-buka-pojok-baca/" in replaced
    assert replaced <= set(rendered)

    # A page changed in output/ by hand is written again, not trusted.
    home = out / "index.html"
    home.write_bytes(home.read_bytes().replace(b"<body", b"<body data-x=1", 1))
    streamed(root, out)
    assert tree(out) == outputs(build(root, BuildOptions(build_time=BUILD_TIME)))


@pytest.mark.parametrize("mode", ["--jobs 2", "one worker beside the build"])
def test_pages_rendered_in_forked_workers_are_kept_as_well(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    """With `--jobs 2`, or a worker beside the build (a large site, no --jobs), workers ask
    the writer whether the output holds a page, and the parent places it: a second build
    keeps every page as the very file it was; after an edit the edited story's page is
    written again; the bytes are a plain build's."""
    forked: list[str] = []
    real, real_beside = page_workers._forked, page_workers._beside

    def counted(render, count, workers):  # type: ignore[no-untyped-def]
        forked.append(f"{workers} workers")
        return real(render, count, workers)

    def beside(render, count):  # type: ignore[no-untyped-def]
        forked.append("beside")
        return real_beside(render, count)

    monkeypatch.setattr(page_workers, "_forked", counted)
    monkeypatch.setattr(page_workers, "_beside", beside)
    jobs = 2 if mode == "--jobs 2" else None
    if jobs is None:  # this small site counts as large, on two CPUs, in chunks of 2 pages
        monkeypatch.setattr(page_workers, "BESIDE_MIN_PAGES", 2)
        monkeypatch.setattr(page_workers, "CHUNK", 2)
        monkeypatch.setattr(page_workers, "cpus", lambda: 2)
    root = tmp_path / "portal"
    shutil.copytree(GOLDEN, root, ignore=shutil.ignore_patterns(".cache"))
    out = tmp_path / "site" / "output"
    streamed(root, out, jobs=jobs)
    before = {p: p.stat().st_ino for p in out.rglob("*.html")}
    assert len(before) > 20
    shutil.rmtree(root / ".cache" / "pages")  # a page not kept would be rendered and put
    streamed(root, out, jobs=jobs)
    assert not pack_keys(root / ".cache" / "pages")
    assert {p: p.stat().st_ino for p in out.rglob("*.html")} == before
    story = root / "content" / "stories" / "2024" / "pojok-baca-sd-mekarsari.md"
    story.write_text(story.read_text(encoding="utf-8").replace("lima belas", "dua puluh"),
                     encoding="utf-8")
    streamed(root, out, jobs=jobs)
    page = out / "berita" / "2024" / "sd-mekarsari-buka-pojok-baca" / "index.html"
    assert page.stat().st_ino != before[page]
    assert b"dua puluh" in page.read_bytes()
    kept = sum(p.stat().st_ino == before.get(p) for p in out.rglob("*.html"))
    assert len(before) / 2 < kept < len(before)
    assert tree(out) == outputs(build(root, BuildOptions(build_time=BUILD_TIME)))
    # every build rendered in workers; with --jobs, the three streamed ones
    assert forked == (["2 workers"] * 3 if jobs else ["beside"] * 4)
