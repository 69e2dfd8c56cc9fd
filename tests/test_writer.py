"""generator/writer.py: the staging folder, the atomic swap, hard links, and its refusals."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator import writer
from generator.model import Kept, Output
from generator.writer import MARKER, OutputError, _safe_join, check_target, staging, write

SITE = {
    "index.html": b"<h1>Beranda</h1>",
    "berita/2024/posyandu/index.html": b"<h1>Posyandu</h1>",
    "berita/2024/posyandu/foto.png": b"\x89PNG fake",
    "berita/2025/sekolah/index.html": b"<h1>Sekolah</h1>",
    "assets/style.css": b"body{}",
}


def outputs(files: dict[str, bytes]) -> list[Output]:
    return [Output(path, data) for path, data in sorted(files.items())]


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


#: What a build leaves beside output/ once there was an old tree to swap out: that tree,
#: kept for the next build to update (writer._spare).
SPARE = [".output.spare"]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "site" / "output"


def test_write_creates_the_tree_with_its_marker(out: Path) -> None:
    assert write(outputs(SITE), out) == (len(SITE), sum(len(d) for d in SITE.values()))
    written = tree(out)
    assert written.pop(MARKER)
    assert written == SITE
    assert siblings(out) == [], "staging folder left behind"


def test_no_stale_files_after_a_story_is_removed(out: Path) -> None:
    write(outputs(SITE), out)
    smaller = {k: v for k, v in SITE.items() if not k.startswith("berita/2024/")}
    write(outputs(smaller), out)
    assert not (out / "berita/2024").exists(), "the removed story's page is still there"
    written = tree(out)
    written.pop(MARKER)
    assert written == smaller
    assert siblings(out) == SPARE


def test_unchanged_files_keep_inode_and_mtime_changed_files_are_rewritten(out: Path) -> None:
    write(outputs(SITE), out)
    before = {name: (out / name).stat() for name in SITE}
    changed = {**SITE, "index.html": b"<h1>Beranda baru</h1>"}
    write(outputs(changed), out)
    for name in SITE:
        now = (out / name).stat()
        if name == "index.html":
            assert now.st_ino != before[name].st_ino, "changed file written in place"
            assert (out / name).read_bytes() == changed[name]
        else:
            assert (now.st_ino, now.st_mtime_ns) == (before[name].st_ino,
                                                     before[name].st_mtime_ns), name


def test_a_failed_write_leaves_the_output_untouched(out: Path) -> None:
    write(outputs(SITE), out)
    before = {p: (p.stat().st_ino, p.read_bytes()) for p in out.rglob("*") if p.is_file()}
    bad = [*outputs({**SITE, "index.html": b"baru"}), Output("../escape.html", b"x")]
    with pytest.raises(ValueError, match="escapes"):
        write(bad, out)
    assert {p: (p.stat().st_ino, p.read_bytes())
            for p in out.rglob("*") if p.is_file()} == before
    assert siblings(out) == SPARE


def test_a_duplicate_path_never_writes_through_to_the_live_output(out: Path) -> None:
    # The first copy is unchanged, so it becomes a hard link to the live file; the second
    # must not be written into that shared inode.
    write(outputs(SITE), out)
    duplicate = [*outputs(SITE), Output("index.html", b"<h1>Lain</h1>")]
    with pytest.raises(FileExistsError):
        write(duplicate, out)
    assert (out / "index.html").read_bytes() == SITE["index.html"]
    assert siblings(out) == SPARE


def test_leftovers_of_a_killed_build_are_cleaned_up(out: Path) -> None:
    write(outputs(SITE), out)
    staging = out.with_name(f".{out.name}.staging-99999999")
    (staging / "berita").mkdir(parents=True)
    (staging / "berita" / "half.html").write_bytes(b"<h1>separuh")
    write(outputs(SITE), out)
    assert siblings(out) == SPARE  # the half-written tree was reused, then kept
    written = tree(out)
    written.pop(MARKER)
    assert written == SITE, "the killed build's half file was swapped in"


# -- the kept tree (.output.spare) -----------------------------------------------------------


def exact(out: Path, files: dict[str, bytes]) -> None:
    """`out` holds exactly `files` and the marker: nothing stale, no links, no extra folder."""
    written = tree(out)
    assert written.pop(MARKER)
    assert written == files
    assert not [p for p in out.rglob("*") if p.is_symlink()]
    folders = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir()}
    assert folders == {parent.as_posix() for name in files
                       for parent in Path(name).parents if parent != Path()}


def test_the_kept_tree_is_updated_into_exactly_each_new_site(out: Path) -> None:
    # Files removed, added and changed; a file where a folder was and a folder where a
    # file was; a live file edited by hand (it shares its inode with the kept tree).
    moved = {k: v for k, v in SITE.items()
             if not k.startswith("berita/2024/") and k != "assets/style.css"}
    sites = [
        SITE,
        {**SITE, "index.html": b"<h1>Beranda 2</h1>", "baru.html": b"baru"},
        {**moved, "berita/2024": b"sekarang berkas", "assets/style.css/x.css": b"folder"},
        SITE,
        {**SITE, "berita/2025/sekolah/index.html": b"<h1>Sekolah 2</h1>"},
        SITE,
    ]
    inodes: dict[str, int] = {}
    for number, site in enumerate(sites):
        if number == 4:
            (out / "index.html").write_bytes(b"diubah tangan")  # in place: the inode is shared
        write(outputs(site), out)
        exact(out, site)
        if number:
            assert siblings(out) == SPARE
        for name in site:
            ino = (out / name).stat().st_ino
            if number and name in inodes and sites[number - 1].get(name) == site[name] \
                    and number != 4:
                assert ino == inodes[name], f"build {number}: unchanged {name} was rewritten"
            inodes[name] = ino


def test_a_failed_build_into_the_kept_tree_leaves_the_live_output_untouched(out: Path) -> None:
    write(outputs(SITE), out)
    write(outputs({**SITE, "baru.html": b"x"}), out)  # now the kept tree links live files
    before = {p: (p.stat().st_ino, p.read_bytes()) for p in out.rglob("*") if p.is_file()}
    changed = {name: data + b" diubah" for name, data in SITE.items()}
    for bad in ([*outputs(changed), Output("../escape.html", b"x")],
                [*outputs(SITE), *outputs(changed)]):  # every file twice: a collision
        with pytest.raises((ValueError, FileExistsError)):
            write(bad, out)
        assert {p: (p.stat().st_ino, p.read_bytes())
                for p in out.rglob("*") if p.is_file()} == before
    write(outputs(changed), out)
    exact(out, changed)


def test_links_planted_in_the_output_or_as_the_kept_tree_are_never_followed(
        out: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "berita").mkdir(parents=True)
    (elsewhere / "penting.txt").write_bytes(b"jangan disentuh")
    (elsewhere / "berita" / "x.html").write_bytes(b"juga jangan")
    precious = tree(elsewhere)
    write(outputs(SITE), out)
    write(outputs(SITE), out)
    # In the live output, which the next build keeps as its tree to update: a folder and a
    # file replaced by links to outside, and a link among the files.
    shutil.rmtree(out / "berita" / "2024")
    (out / "berita" / "2024").symlink_to(elsewhere / "berita", target_is_directory=True)
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(elsewhere / "penting.txt")
    (out / "lain").symlink_to(elsewhere, target_is_directory=True)
    write(outputs(SITE), out)
    write(outputs({**SITE, "index.html": b"baru"}), out)
    exact(out, {**SITE, "index.html": b"baru"})
    # The kept tree itself replaced by a link to a folder with files in it.
    spare = out.with_name(SPARE[0])
    shutil.rmtree(spare)
    spare.symlink_to(elsewhere, target_is_directory=True)
    write(outputs(SITE), out)
    exact(out, SITE)
    assert tree(elsewhere) == precious
    assert not spare.is_symlink()


def test_on_a_case_insensitive_disk_a_name_differing_in_case_is_a_clash_not_a_loss(
        out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Linux disks tell Foto.png from foto.png; this one, faked for lstat and unlink (the
    # calls the kept tree is updated with), does not. The second name must not remove the
    # file the build just placed under the first.
    import os

    from generator import writer

    write(outputs(SITE), out)
    write(outputs(SITE), out)  # the next build updates a kept tree

    def alias(path: str) -> str:
        return path.replace("/Foto.png", "/foto.png")

    real_lstat, real_unlink = writer._lstat, os.unlink
    monkeypatch.setattr(writer, "_lstat", lambda path: real_lstat(alias(path)))
    monkeypatch.setattr(os, "unlink", lambda path, **kw: real_unlink(alias(os.fspath(path)), **kw))
    before = tree(out)
    second = Output("berita/2024/posyandu/Foto.png", b"\x89PNG lain")  # after foto.png
    with pytest.raises(FileExistsError, match="two outputs"):
        write([*outputs(SITE), second], out)
    monkeypatch.undo()
    assert tree(out) == before


def test_an_interrupted_fallback_swap_is_repaired(out: Path) -> None:
    write(outputs(SITE), out)
    out.rename(out.with_name(f".{out.name}.old-12345"))  # killed between the two renames
    write(outputs(SITE), out)
    written = tree(out)
    written.pop(MARKER)
    assert written == SITE
    assert siblings(out) == SPARE


def test_a_symlinked_output_folder_keeps_its_link(tmp_path: Path) -> None:
    served = tmp_path / "www" / "kabar"
    write(outputs(SITE), served)
    link = tmp_path / "output"
    link.symlink_to(served, target_is_directory=True)
    write(outputs({**SITE, "index.html": b"baru"}), link)
    assert link.is_symlink(), "the output symlink was replaced by a folder"
    assert (served / "index.html").read_bytes() == b"baru"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output", "www"]
    assert sorted(p.name for p in served.parent.iterdir()) == [".kabar.spare", "kabar"]


# -- check_target ---------------------------------------------------------------------------


@pytest.fixture
def portal(tmp_path: Path) -> Path:
    root = tmp_path / "portal"
    (root / "content" / "stories").mkdir(parents=True)
    (root / "themes" / "default").mkdir(parents=True)
    (root / "site.yaml").write_text("title: Uji\n", encoding="utf-8")
    return root


def test_check_target_accepts_a_new_an_empty_or_a_kabar_folder(portal: Path,
                                                                tmp_path: Path) -> None:
    check_target(portal / "output", portal)
    check_target(tmp_path / "elsewhere" / "site", portal)
    (portal / "output").mkdir()
    check_target(portal / "output", portal)
    write(outputs(SITE), portal / "output")
    check_target(portal / "output", portal)


def test_check_target_refuses_a_folder_kabar_did_not_make(portal: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "skripsi.docx").write_bytes(b"penting")
    with pytest.raises(OutputError, match="bukan hasil kabar"):
        check_target(foreign, portal)
    assert (foreign / "skripsi.docx").read_bytes() == b"penting"


@pytest.mark.parametrize("target", [".", "content", "content/stories", "content/baru", "themes",
                                    ".."])
def test_check_target_refuses_the_portal_and_its_sources(portal: Path, target: str) -> None:
    with pytest.raises(OutputError, match="portal atau content"):
        check_target(portal / target, portal)


def test_check_target_refuses_a_file(portal: Path) -> None:
    (portal / "output").write_text("bukan folder\n", encoding="utf-8")
    with pytest.raises(OutputError, match="bukan folder"):
        check_target(portal / "output", portal)


# -- _safe_join -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["../x", "a/../../x", "..", "/etc/passwd", "//x",
                                  "a\\b.html", "..\\x", "a\0b"])
def test_safe_join_refuses_paths_outside_the_output(tmp_path: Path, path: str) -> None:
    with pytest.raises(ValueError, match="escapes"):
        _safe_join(tmp_path, path)


@pytest.mark.parametrize(("path", "expected"), [("index.html", "index.html"),
                                                ("berita/2024/x/index.html",
                                                 "berita/2024/x/index.html"),
                                                ("a/./b/../c.png", "a/c.png")])
def test_safe_join_keeps_paths_inside(tmp_path: Path, path: str, expected: str) -> None:
    assert _safe_join(tmp_path, path) == tmp_path / expected


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    """Two builds into one output folder: the second says so instead of racing."""
    import fcntl
    import os

    out = tmp_path / "output"
    out.parent.mkdir(exist_ok=True)
    held = os.open(tmp_path, os.O_RDONLY)  # what a running build holds
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(OutputError, match="build lain sedang menulis"):
            write([Output("index.html", b"x")], out)
    finally:
        os.close(held)
    write([Output("index.html", b"x")], out)
    assert (out / "index.html").read_bytes() == b"x"


def test_a_file_written_with_a_token_is_placed_unread_by_the_next_build(out: Path) -> None:
    # Build 1 writes a page with its token (its page-cache key) and a file without one.
    with staging(out) as stage:
        stage.add(Output("index.html", b"<h1>Beranda</h1>", "kunci-1"))
        stage.add(Output("assets/style.css", b"body{}"))
        stage.commit()
    assert siblings(out) == [".output.tokens"]
    first = (out / "index.html").stat()
    with staging(out) as stage:
        assert stage.holds("index.html", "kunci-1")
        assert not stage.holds("index.html", "kunci-2")  # another page now
        assert not stage.holds("assets/style.css", "")  # written without a token
        assert not stage.holds("baru.html", "kunci-1")  # not in the output
        stage.add(Kept("index.html", "kunci-1"))
        stage.add(Output("assets/style.css", b"body{}"))
        assert stage.files["index.html"] == b"<h1>Beranda</h1>"  # placed in the staging tree
        assert stage.commit() == (2, len(b"<h1>Beranda</h1>") + len(b"body{}"))
    now = (out / "index.html").stat()
    assert (now.st_ino, now.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    assert tree(out) == {"index.html": b"<h1>Beranda</h1>", "assets/style.css": b"body{}",
                         MARKER: (out / MARKER).read_bytes()}
    # Build 3: kept again (the table of build 2 names the same file), then a third way.
    with staging(out) as stage:
        assert stage.holds("index.html", "kunci-1")
        stage.add(Output("index.html", b"<h1>Beranda baru</h1>", "kunci-2"))
        stage.commit()
    with staging(out) as stage:
        assert not stage.holds("index.html", "kunci-1")
        assert stage.holds("index.html", "kunci-2")


def test_a_file_changed_or_replaced_in_the_output_is_not_held(out: Path) -> None:
    def first_build() -> None:
        with staging(out) as stage:
            stage.add(Output("index.html", b"<h1>Beranda</h1>", "kunci-1"))
            stage.commit()

    first_build()
    page = out / "index.html"
    page.write_bytes(b"<h1>Diubah!</h1>")  # same size, same inode, new bytes and mtime
    with staging(out) as stage:
        assert not stage.holds("index.html", "kunci-1")
        with pytest.raises(RuntimeError, match=r"index\.html"):
            stage.add(Kept("index.html", "kunci-1"))  # a bug upstream: never asked
    first_build()
    page.unlink()
    page.write_bytes(b"<h1>Beranda</h1>")  # the same bytes, another file
    with staging(out) as stage:
        assert not stage.holds("index.html", "kunci-1")
    first_build()
    (out.parent / ".output.tokens").write_bytes(b'{"files": {"index.html": ["kunci-1"')
    with staging(out) as stage:  # a damaged table: nothing is held, nothing fails
        assert not stage.holds("index.html", "kunci-1")
        stage.add(Output("index.html", b"<h1>Beranda</h1>", "kunci-1"))
        stage.commit()
    with staging(out) as stage:  # the next commit wrote a good one
        assert stage.holds("index.html", "kunci-1")


def test_a_kept_page_is_looked_at_once(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`holds` then `add(Kept)` for the same page: the live file's stat from `holds` is
    used (one `lstat` of it, not two: 20,000 fewer on 10k stories). A Kept page `holds`
    was not just asked about (page workers ask in their own process), or asked about
    before another file was added, is looked at anew."""
    with staging(out) as stage:
        for name in ("a", "b", "d"):
            stage.add(Output(f"{name}.html", name.encode(), f"kunci-{name}"))
        stage.commit()
    looked: list[str] = []
    real = writer._lstat

    def lstat(path: str) -> os.stat_result | None:
        if path.startswith(str(out) + "/"):
            looked.append(path.removeprefix(str(out) + "/"))
        return real(path)

    monkeypatch.setattr(writer, "_lstat", lstat)
    with staging(out) as stage:
        assert stage.holds("a.html", "kunci-a")
        stage.add(Kept("a.html", "kunci-a"))
        assert looked == ["a.html"]
        assert stage.holds("a.html", "kunci-a")
        stage.add(Kept("b.html", "kunci-b"))  # not the page just asked about
        assert looked == ["a.html", "a.html", "b.html"]
        assert stage.holds("d.html", "kunci-d")
        stage.add(Output("c.html", b"c"))  # something else in between
        looked.clear()
        stage.add(Kept("d.html", "kunci-d"))
        assert looked == ["d.html"]
        stage.add(Kept("a.html", "kunci-a"))  # a second time: a clash, not placed again
        assert stage.clashes == ["a.html"]
    assert tree(out) == {"a.html": b"a", "b.html": b"b", "d.html": b"d",
                         MARKER: (out / MARKER).read_bytes()}
