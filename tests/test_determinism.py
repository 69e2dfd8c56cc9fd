"""Reproducible builds: the same sources give the same bytes, however and wherever built.

The example portal is built twice in memory, once more from a copy at another path (files
created in reverse order, so directory listings differ), and twice through the real CLI in
subprocesses with different PYTHONHASHSEED and TZ. Every byte of every output must agree,
and the tree `kabar build` writes must be exactly the in-memory outputs plus the marker.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SOURCE_DATE_EPOCH, build_site, outputs

from generator.writer import MARKER

PORTAL_PARTS = ("site.yaml", "content", "themes")


def read_tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def differences(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    """Names present in only one of the two, or with different bytes (first 20)."""
    names = sorted((a.keys() ^ b.keys()) | {n for n in a.keys() & b.keys() if a[n] != b[n]})
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
    assert list(again) == list(example), "outputs came out in a different order"
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
    leftovers = [p.name for p in out.parent.iterdir()
                 if p.name not in (out.name, f".{out.name}.spare", f".{out.name}.tokens")]
    assert not leftovers, f"staging leftovers beside the output: {leftovers}"
