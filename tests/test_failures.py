"""Failures around a build: a full disk, a file-size limit, a read-only output, a corrupt or
half-written cache. Each gives a clear error (exit 1, no traceback) or is ignored, and the
previous output stays complete and unchanged.

The disk is really full (a 4 MB tmpfs) and the output really read-only (a read-only bind
mount): tests run as root, so permissions alone would not stop the writer. Both need the
right to mount, as in CI; without it they fail saying so. kabar has no Markdown cache; the
caches it has are the share cards and image copies (`.cache/cards`, `.cache/images`) and
compiled templates (in memory only, checked against the template's sha1 by Jinja).
"""

from __future__ import annotations

import errno
import hashlib
import os
import resource
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import BUILD_TIME, REPO
from test_crash_safety import SMALL, SMALL_STORY, cli, cli_env, leftovers, run_cli, snapshot

from generator.build import BuildOptions, build

Reliability = Callable[[str, list[str]], None]
OLD_TITLE = 'title: "SD Mekarsari Buka Pojok Baca"'


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small portal built once by the CLI: the output every test starts from."""
    out = tmp_path_factory.mktemp("first") / "output"
    assert run_cli(SMALL, out).returncode == 0
    return out


@pytest.fixture
def small_portal(tmp_path: Path) -> Path:
    root = tmp_path / "small"
    shutil.copytree(SMALL, root, ignore=shutil.ignore_patterns(".cache"))
    return root


def built(first_build: Path, out: Path) -> dict[str, str]:
    """`out` as the previous build left it (a copy of the first build); its snapshot."""
    shutil.copytree(first_build, out, symlinks=True)
    return snapshot(out)


def retitle(root: Path, title: str) -> None:
    story = root / SMALL_STORY
    text = story.read_text(encoding="utf-8")
    assert OLD_TITLE in text
    story.write_text(text.replace(OLD_TITLE, f'title: "{title}"'), encoding="utf-8")


def mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    assert result.returncode == 0, (
        f"this test needs the right to mount (root, as in CI): mount {' '.join(args)}: "
        f"{result.stderr.strip()}")


@contextmanager
def mounted(target: Path, *args: str) -> Iterator[Path]:
    target.mkdir(parents=True, exist_ok=True)
    mount(*args, str(target))
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def fill(disk: Path) -> Path:
    """Write a file until the disk says it is full."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC, exc
    finally:
        os.close(fd)
    return filler


def record(reliability: Reliability, fault: str, before: dict[str, str],
           after: dict[str, str]) -> None:
    """One failed build: files of the old output lost, and whether it changed at all."""
    reliability("crash", [fault, "1 build", str(len(before.keys() - after.keys())),
                          str(int(after != before)), "0"])


def failed_cleanly(result: subprocess.CompletedProcess[str], out: Path, words: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert f"{out}: error: tidak bisa menulis hasil: {words}" in result.stderr, result.stderr
    assert "folder output/ lama tidak diubah" in result.stderr


def test_a_full_disk_is_a_clear_error_and_keeps_the_old_output(
        small_portal: Path, first_build: Path, tmp_path: Path, reliability: Reliability) -> None:
    with mounted(tmp_path / "disk", "-t", "tmpfs", "-o", "size=4m", "tmpfs") as disk:
        out = disk / "output"
        before = built(first_build, out)
        filler = fill(disk)
        retitle(small_portal, "SD Mekarsari Resmi Membuka Pojok Baca untuk Semua Kelas")

        result = run_cli(small_portal, out)

        failed_cleanly(result, out, "disk penuh")
        after = snapshot(out)
        assert after == before
        assert leftovers(out) == []
        filler.unlink()  # space again: the next build goes through and cleans up
        assert run_cli(small_portal, out).returncode == 0
        assert snapshot(out) != before and leftovers(out) == []
    record(reliability, "disk full while writing (4 MB tmpfs)", before, after)


def test_a_file_size_limit_is_a_clear_error_and_keeps_the_old_output(
        small_portal: Path, first_build: Path, tmp_path: Path, reliability: Reliability) -> None:
    """RLIMIT_FSIZE (ulimit -f): writes past it fail with EFBIG; no root needed."""
    out = tmp_path / "site" / "output"
    before = built(first_build, out)
    retitle(small_portal, "SD Mekarsari Resmi Membuka Pojok Baca untuk Semua Kelas")

    def limit() -> None:  # Python ignores SIGXFSZ, so the write returns EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    result = subprocess.run(cli(small_portal, out), env=cli_env(), cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=False,
                            preexec_fn=limit)

    failed_cleanly(result, out, "berkas melebihi batas ukuran yang diizinkan sistem")
    after = snapshot(out)
    assert after == before
    assert leftovers(out) == []
    record(reliability, "file size limit while writing (`ulimit -f`, EFBIG)", before, after)


def test_a_read_only_output_is_a_clear_error_and_keeps_the_old_output(
        small_portal: Path, first_build: Path, tmp_path: Path, reliability: Reliability) -> None:
    site = tmp_path / "site"
    out = site / "output"
    before = built(first_build, out)
    inodes = {p: p.stat().st_ino for p in out.rglob("*")}
    retitle(small_portal, "SD Mekarsari Resmi Membuka Pojok Baca untuk Semua Kelas")
    with mounted(site, "--bind", str(site)):
        mount("-o", "remount,bind,ro", str(site))
        with pytest.raises(OSError) as refused:
            (site / "probe").write_text("x")
        assert refused.value.errno == errno.EROFS

        result = run_cli(small_portal, out)

        failed_cleanly(result, out, "folder hanya-baca (read-only)")
        after = snapshot(out)
        assert after == before
        assert {p: p.stat().st_ino for p in out.rglob("*")} == inodes
    assert leftovers(out) == []
    record(reliability, "read-only output folder (read-only bind mount)", before, after)


# -- the cache: never a source of truth -----------------------------------------------------

def _corruptions(cache: Path) -> dict[str, Callable[[Path], None]]:
    """Ways an entry `<key>.jpg` (its checksum, then its bytes) gets damaged: a killed
    write, a full disk, a tool that touched it, a person who 'tidied up'."""

    def swap_with_another(entry: Path) -> None:  # another entry's bytes, own checksum kept
        other = next(p for p in sorted(cache.rglob("*.jpg")) if p != entry)
        entry.write_bytes(entry.read_bytes()[:65] + other.read_bytes()[65:])

    return {
        "half-written (truncated)": lambda e: e.write_bytes(e.read_bytes()[:2000]),
        "empty": lambda e: e.write_bytes(b""),
        "overwritten with garbage": lambda e: e.write_bytes(os.urandom(4096)),
        "checksum cut off (an image editor saved the JPEG)": lambda e: e.write_bytes(
            e.read_bytes()[65:]),
        "checksum only": lambda e: e.write_bytes(e.read_bytes()[:65]),
        "checksum not text": lambda e: e.write_bytes(b"\xff\xfe\x00" * 21 + b"\n"
                                                     + e.read_bytes()[65:]),
        "checksum of other bytes": lambda e: e.write_bytes(b"0" * 64 + b"\n"
                                                           + e.read_bytes()[65:]),
        "no newline after the checksum": lambda e: e.write_bytes(e.read_bytes()[:64] + b" "
                                                                 + e.read_bytes()[65:]),
        "bytes of another entry": swap_with_another,
        "entry is a folder": lambda e: (e.unlink(), e.mkdir()),  # type: ignore[func-returns-value]
        "leftover temporary file": lambda e: (e.parent / ".tmp-abc.jpg").write_bytes(b"x"),
        # and, last, `.cache` itself a file: nothing can be cached at all (in the test)
    }


def in_process(root: Path) -> dict[str, str]:
    """Build in this process (the cache needs no subprocess): path -> sha256 of the bytes."""
    result = build(root, BuildOptions(build_time=BUILD_TIME))
    return {o.path: hashlib.sha256(o.data).hexdigest() for o in result.outputs}


def test_corrupt_or_half_written_cache_entries_are_ignored(
        small_portal: Path, reliability: Reliability) -> None:
    wanted = in_process(small_portal)  # drawn without a cache; fills .cache/
    cards = small_portal / ".cache" / "cards"
    corruptions = list(_corruptions(cards).items())
    lost = changed = 0
    while corruptions:  # as many kinds per build as there are entries to damage
        entries = sorted(cards.glob("*.jpg"))
        for (_name, damage), entry in zip(corruptions, entries, strict=False):
            damage(entry)
        del corruptions[:len(entries)]

        after = in_process(small_portal)  # no exception, and the very same bytes

        lost += len(wanted.keys() - after.keys())
        changed += after != wanted
        assert after == wanted
        for folder in (p for p in cards.iterdir() if p.is_dir()):
            folder.rmdir()  # the folder that stood in for an entry
    assert in_process(small_portal) == wanted  # and the damaged entries were stored again
    shutil.rmtree(small_portal / ".cache")
    (small_portal / ".cache").write_text("bukan folder\n")  # nothing can be cached at all
    assert in_process(small_portal) == wanted
    reliability("crash", ["corrupt or half-written cache entries (`.cache/cards`)",
                          f"{len(_corruptions(cards)) + 1} kinds of damage", str(lost),
                          str(changed), "0"])
