"""The sitemaps and feeds made in a forked child beside the pages (workers.Background):
the same bytes as made in the build's own process, and made here after all when the child
fails."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import BUILD_TIME, outputs
from test_streaming import GOLDEN, streamed, tree

from generator import build as pipeline
from generator.build import BuildOptions, build
from generator.workers import Background


def _pid() -> int:
    return os.getpid()


def test_a_call_made_in_the_background_gives_its_result_from_another_process() -> None:
    job = Background(_pid, fork=True)
    assert job.forked
    assert job.result() not in (os.getpid(), None)
    assert not job.forked  # done: the child is gone
    assert Background(_pid, fork=False).result() == os.getpid()


def test_a_child_that_fails_leaves_the_call_to_this_process() -> None:
    parent = os.getpid()

    def only_here() -> str:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return "made here"

    assert Background(only_here, fork=True).result() == "made here"

    def dies() -> str:
        if os.getpid() != parent:
            os._exit(3)  # killed before it sends anything
        return "made here"

    assert Background(dies, fork=True).result() == "made here"

    def fails() -> str:
        raise ValueError("a real error")

    with pytest.raises(ValueError, match="a real error"):  # raised here, as usual
        Background(fails, fork=True).result()


def test_closing_a_background_call_ends_its_child() -> None:
    job = Background(lambda: time.sleep(60), fork=True)
    assert job.child is not None
    process = job.child.process
    started = time.monotonic()
    job.close()
    assert time.monotonic() - started < 10
    assert process is not None and not process.is_alive()


def _portal(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "portal"
    shutil.copytree(GOLDEN, root, ignore=shutil.ignore_patterns(".cache"))
    return root, tmp_path / "site" / "output"


def test_a_build_makes_its_sitemaps_and_feeds_in_a_child_with_the_same_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, out = _portal(tmp_path)
    made_here: list[int] = []
    real = pipeline._listings

    def counted(site, root):  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            made_here.append(1)
        return real(site, root)

    parent = os.getpid()
    monkeypatch.setattr(pipeline, "_listings", counted)
    monkeypatch.setattr(pipeline, "BESIDE_MIN_STORIES", 1)
    monkeypatch.setattr(pipeline, "cpus", lambda: 2)  # whatever machine runs the test
    streamed(root, out)
    assert made_here == []  # the child made them
    expected = outputs(build(root, BuildOptions(build_time=BUILD_TIME)))  # no sink: here
    assert made_here == [1]
    assert tree(out) == expected
    assert any(path.startswith("sitemaps/") for path in expected)
    assert "feed.xml" in expected


def test_a_build_whose_child_fails_makes_them_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, out = _portal(tmp_path)
    parent = os.getpid()
    real = pipeline._listings

    def broken_in_child(site, root):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            raise MemoryError("the child ran out of memory")
        return real(site, root)

    monkeypatch.setattr(pipeline, "_listings", broken_in_child)
    monkeypatch.setattr(pipeline, "BESIDE_MIN_STORIES", 1)
    monkeypatch.setattr(pipeline, "cpus", lambda: 2)  # whatever machine runs the test
    streamed(root, out)
    assert tree(out) == outputs(build(root, BuildOptions(build_time=BUILD_TIME)))


def test_one_job_a_small_or_a_very_large_site_makes_them_in_the_build_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, _out = _portal(tmp_path)
    site = pipeline.load_site(root, BuildOptions(build_time=BUILD_TIME), pipeline.Diagnostics())
    sink = pipeline.Collected()
    assert not pipeline._beside(site, BuildOptions(), sink)  # the golden site is small
    monkeypatch.setattr(pipeline, "BESIDE_MIN_STORIES", 1)
    monkeypatch.setattr(pipeline, "cpus", lambda: 2)
    assert pipeline._beside(site, BuildOptions(), sink)
    assert not pipeline._beside(site, BuildOptions(jobs=1), sink)
    assert not pipeline._beside(site, BuildOptions(), None)  # tests' in-memory builds
    monkeypatch.setattr(pipeline, "cpus", lambda: 1)
    assert not pipeline._beside(site, BuildOptions(), sink)
    monkeypatch.setattr(pipeline, "cpus", lambda: 2)
    monkeypatch.setattr(pipeline, "BESIDE_MAX_STORIES", len(site.stories) - 1)
    assert not pipeline._beside(site, BuildOptions(), sink)  # too large: the child's copy


def test_a_result_collected_early_ends_the_child_and_is_kept() -> None:
    job = Background(_pid, fork=True)
    assert job.child is not None
    process = job.child.process
    deadline = time.monotonic() + 20
    while job.forked and time.monotonic() < deadline:
        job.collect()
        time.sleep(0.01)
    assert not job.forked and not process.is_alive()  # ended before result() was asked
    assert job.result() not in (os.getpid(), None)
    busy = Background(lambda: time.sleep(60), fork=True)
    started = time.monotonic()
    busy.collect()  # nothing sent yet: returns at once and leaves the child at work
    assert time.monotonic() - started < 5
    assert busy.forked and busy.taken is None
    busy.close()


def test_the_sitemaps_and_feeds_are_taken_while_the_pages_are_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The child that made them ends before the last page: its memory does not last
    through the page stage."""
    root, out = _portal(tmp_path)
    events: list[str] = []
    real_pages, real_collect = pipeline.render_pages, Background.collect

    def slow_pages(*args, **kwargs):  # type: ignore[no-untyped-def]
        for page in real_pages(*args, **kwargs):
            time.sleep(0.02)  # the child is done long before the pages are
            yield page
        events.append("pages done")

    def collect(self):  # type: ignore[no-untyped-def]
        real_collect(self)
        if self.taken is not None and "taken" not in events:
            assert self.child is None  # the child has ended
            events.append("taken")

    monkeypatch.setattr(pipeline, "render_pages", slow_pages)
    monkeypatch.setattr(Background, "collect", collect)
    monkeypatch.setattr(pipeline, "BESIDE_MIN_STORIES", 1)
    monkeypatch.setattr(pipeline, "COLLECT_EVERY", 4)
    monkeypatch.setattr(pipeline, "cpus", lambda: 2)  # whatever machine runs the test
    streamed(root, out)
    assert events == ["taken", "pages done"]
    assert tree(out) == outputs(build(root, BuildOptions(build_time=BUILD_TIME)))
