"""The child that asks the kernel for a build's files ahead of it (generator/readahead.py):
it is given every content file and cache entry the build reads, looks at every file of
the live output, and changes nothing the build makes, even when it fails."""

from __future__ import annotations

import ast
import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import BUILD_TIME, outputs
from test_streaming import GOLDEN, streamed, tree

from generator import readahead
from generator.build import BuildOptions, build
from generator.cli import main
from generator.content import discover
from generator.diagnostics import Diagnostics


def _portal(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "portal"
    shutil.copytree(GOLDEN, root, ignore=shutil.ignore_patterns(".cache"))
    return root, tmp_path / "site" / "output"


def test_the_files_wanted_are_the_content_files_then_the_cache_entries_a_build_reads(
        tmp_path: Path) -> None:
    root, out = _portal(tmp_path)
    streamed(root, out)
    source = discover(root, Diagnostics())
    paths = [*source.stories, *source.factchecks, *source.pages]
    wanted = readahead.wanted(root, paths, root / ".cache")
    assert wanted[:len(paths)] == [str(root / path) for path in paths]
    cached = {str(p) for folder in ("checks", "markdown", "related")
              for p in (root / ".cache" / folder).iterdir()}
    assert set(wanted[len(paths):]) == cached
    # the packs of the bodies and of the checks (segments and indexes), the related stories
    assert {Path(name).suffix for name in cached} >= {".seg", ".json"}
    assert any("/checks/" in name and name.endswith(".seg") for name in wanted)
    assert not any("/.cache/pages/" in name for name in wanted)  # read only when not kept
    assert readahead.wanted(root, [], tmp_path / "nothing") == []


def _recorded(monkeypatch: pytest.MonkeyPatch, name: str, record: Path) -> None:
    """The child's function, noting in `record` what it was given (it runs in the child)."""
    real = getattr(readahead, name)

    def noted(arg):  # type: ignore[no-untyped-def]
        real(arg)
        record.write_text(repr(arg), encoding="utf-8")

    monkeypatch.setattr(readahead, name, noted)


def test_a_build_reads_ahead_and_makes_the_same_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, out = _portal(tmp_path)
    streamed(root, out)  # a cache and an output to read ahead
    advised, looked = tmp_path / "advised.txt", tmp_path / "looked.txt"
    _recorded(monkeypatch, "_advise", advised)
    _recorded(monkeypatch, "_look", looked)
    monkeypatch.setattr(readahead, "MIN_FILES", 1)
    source = discover(root, Diagnostics())
    expected = readahead.wanted(root, [*source.stories, *source.factchecks, *source.pages],
                                root / ".cache")
    with readahead.tree(out, tmp_path / "missing"):
        streamed(root, out)
    assert advised.read_text(encoding="utf-8") == repr(expected)  # the child was given them
    assert looked.read_text(encoding="utf-8") == repr([str(out)])
    assert tree(out) == outputs(build(root, BuildOptions(build_time=BUILD_TIME)))


def test_a_child_that_fails_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, out = _portal(tmp_path)
    streamed(root, out)

    def broken(_arg):  # type: ignore[no-untyped-def]
        raise OSError("the disk went away")

    monkeypatch.setattr(readahead, "_advise", broken)
    monkeypatch.setattr(readahead, "_look", broken)
    monkeypatch.setattr(readahead, "MIN_FILES", 1)
    with readahead.tree(out):
        streamed(root, out)
    assert tree(out) == outputs(build(root, BuildOptions(build_time=BUILD_TIME)))


def test_a_small_site_is_not_read_ahead_and_a_slow_child_is_ended(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, _out = _portal(tmp_path)
    assert readahead.start(root, ["a.md"] * (readahead.MIN_FILES - 1), root / ".cache") is None

    def slow(_arg):  # type: ignore[no-untyped-def]
        time.sleep(60)

    monkeypatch.setattr(readahead, "_advise", slow)
    ahead = readahead.start(root, ["a.md"] * readahead.MIN_FILES, root / ".cache")
    assert ahead is not None
    process = ahead.process
    started = time.monotonic()
    ahead.close()
    assert time.monotonic() - started < 10
    assert not process.is_alive()
    assert process.pid != os.getpid()


def test_kabar_build_looks_at_the_live_output_and_the_tree_it_updates(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command wires `tree` in: from its second build on, the child is given the live
    output and the older tree the writer updates (the staging folder it was renamed to)."""
    root, out = _portal(tmp_path)
    looked = tmp_path / "looked.txt"
    _recorded(monkeypatch, "_look", looked)
    args = ["build", "--root", str(root), "--output", str(out)]
    assert main(args) == 0
    (first,) = ast.literal_eval(looked.read_text(encoding="utf-8"))
    assert Path(first).name.startswith(f".{out.name}.staging-")  # no live output yet
    assert main(args) == 0
    live, older = ast.literal_eval(looked.read_text(encoding="utf-8"))
    assert live == str(out.resolve())
    assert Path(older).name.startswith(f".{out.name}.staging-")
