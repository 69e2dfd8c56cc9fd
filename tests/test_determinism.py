"""Reproducible builds: the same sources give the same bytes, however and wherever built.

The example portal is built twice in memory, once more from a copy at another path (files
created in reverse order, so directory listings differ), and twice through the real CLI in
subprocesses with different PYTHONHASHSEED and TZ. Every byte of every output must agree,
and the tree `kabar build` writes must be exactly the in-memory outputs plus the marker.

One exception, documented at conftest.UNSTABLE_SEARCH_FILES: Pagefind (1.5.2) writes its
filter files and its meta file in a random HashMap order, so those few files under
/pagefind/ (not the fragments, word index, pagefind.js or wasm) are compared by count only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SOURCE_DATE_EPOCH, UNSTABLE_SEARCH_FILES, build_site, outputs, stable

from generator.writer import MARKER

PORTAL_PARTS = ("site.yaml", "content", "themes")


def read_tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def differences(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    """Names present in only one of the two, or with different bytes (first 20).

    Pagefind's unstable files (see the module docstring) only have to be as many.
    """
    unstable_a = [n for n in a if UNSTABLE_SEARCH_FILES.fullmatch(n)]
    unstable_b = [n for n in b if UNSTABLE_SEARCH_FILES.fullmatch(n)]
    a, b = stable(a), stable(b)
    names = sorted((a.keys() ^ b.keys()) | {n for n in a.keys() & b.keys() if a[n] != b[n]})
    if len(unstable_a) != len(unstable_b):
        names.insert(0, f"pagefind filter/meta files: {len(unstable_a)} vs {len(unstable_b)}")
    return names[:20]


def run_cli(root: Path, out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "LC_ALL": "C.UTF-8",
                   "PYTHONPATH": str(REPO), **env}
    return subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(root),
                           "--output", str(out)], env=environment, cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def example() -> dict[str, bytes]:
    """The example portal, built in memory with the fixed build time."""
    return outputs(build_site(REPO))


def test_two_in_memory_builds_are_identical(example: dict[str, bytes]) -> None:
    again = outputs(build_site(REPO))
    assert list(stable(again)) == list(stable(example)), "outputs came out in a different order"
    assert not differences(example, again), differences(example, again)


def _copy_reversed(source: Path, target: Path) -> None:
    """Copy a tree creating entries in reverse name order (another directory order)."""
    target.mkdir(parents=True)
    for entry in sorted(source.iterdir(), reverse=True):
        if entry.is_dir():
            _copy_reversed(entry, target / entry.name)
        else:
            shutil.copy2(entry, target / entry.name)


def test_build_does_not_depend_on_location_or_directory_order(
        example: dict[str, bytes], tmp_path: Path) -> None:
    root = tmp_path / "elsewhere" / "portal"
    root.mkdir(parents=True)
    for part in reversed(PORTAL_PARTS):
        source = REPO / part
        if source.is_dir():
            _copy_reversed(source, root / part)
        else:
            shutil.copy2(source, root / part)
    moved = outputs(build_site(root))
    assert not differences(example, moved), differences(example, moved)


@pytest.mark.parametrize(("hash_seed", "zone"), [("0", "UTC"), ("4242", "Pacific/Kiritimati")])
def test_cli_writes_exactly_the_in_memory_outputs(example: dict[str, bytes], tmp_path: Path,
                                                 hash_seed: str, zone: str) -> None:
    out = tmp_path / "site" / "output"
    result = run_cli(REPO, out, PYTHONHASHSEED=hash_seed, TZ=zone)
    assert result.returncode == 0, result.stderr
    tree = read_tree(out)
    assert MARKER in tree, "kabar build did not mark its output folder"
    del tree[MARKER]
    diff = differences(example, tree)
    assert not diff, f"CLI output (PYTHONHASHSEED={hash_seed}, TZ={zone}) differs: {diff}"
    leftovers = [p.name for p in out.parent.iterdir() if p.name != out.name]
    assert not leftovers, f"staging leftovers beside the output: {leftovers}"


def test_only_the_search_index_filter_and_meta_files_are_left_out(
        example: dict[str, bytes]) -> None:
    """The exception for Pagefind stays narrow: its bulk is compared byte for byte."""
    kept = {n for n in stable(example) if n.startswith("pagefind/")}
    left_out = sorted(set(example) - set(stable(example)))
    assert sum(n.startswith("pagefind/fragment/") for n in kept) == 36  # one per story
    assert any(n.startswith("pagefind/index/") for n in kept)
    assert {"pagefind/pagefind.js", "pagefind/pagefind-worker.js",
            "pagefind/wasm.id.pagefind"} <= kept
    # kabupaten, kecamatan, desa, kategori, tahun, penulis: one filter file each
    assert sum(n.startswith("pagefind/filter/") for n in left_out) == 6
    others = [n for n in left_out if not n.startswith("pagefind/filter/")]
    assert len(others) == 2 and others[0] == "pagefind/pagefind-entry.json"
    assert others[1].startswith("pagefind/pagefind.id_") and others[1].endswith(".pf_meta")
