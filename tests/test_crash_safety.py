"""Crash safety with real kills: output/ is always a complete build, the old or the new one.

A copy of the example portal is built with the CLI; then its content is changed and the
CLI build is started again and again in a subprocess and SIGKILLed after delays spread
over the build (more of them inside the write phase, measured first). After every kill the
output folder must equal, file for file and byte for byte, either the build before or the
build after the change; never a mix, never missing files. Leftover staging folders must
not break the next build. A build that fails on bad content, or cannot write its output,
leaves output/ untouched and says so without a traceback.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, SOURCE_DATE_EPOCH

KILLS = 8
#: A small portal (builds in a fraction of a second) for the tests that need no timing.
SMALL = Path(__file__).resolve().parent / "golden" / "site"
SMALL_STORY = "content/stories/2024/pojok-baca-sd-mekarsari.md"
STORY = "content/stories/2026/lampu-jalan-surya-parenggean.md"
OLD_TITLE = 'title: "Lampu Jalan Tenaga Surya Terangi Jalan Poros Desa di Parenggean"'
NEW_TITLE = 'title: "Lampu Surya Kini Terangi Seluruh Jalan Poros Parenggean"'
NEW_STORY = "content/stories/2026/bank-sampah-baamang-hilir.md"
NEW_STORY_TEXT = """\
---
title: "Bank Sampah Baamang Hilir Tampung Dua Ton Plastik"
date: 2026-04-02 10:00
region: baamang-hilir
category: sosial-budaya
tags: [lingkungan, gotong royong]
author: rina-handayani
summary: "Warga Baamang Hilir menabung sampah plastik dan menukarnya dengan sembako."
approved_by: agus-prasetyo
---

Bank sampah di Kelurahan Baamang Hilir kini menampung dua ton plastik setiap bulan.
"""

Snapshot = dict[str, str]  # output-relative path -> sha256


def snapshot(out: Path) -> Snapshot:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


def cli(root: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "generator", "build", "--root", str(root), "--output", str(out)]


def cli_env() -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "LC_ALL": "C.UTF-8",
            "PYTHONPATH": str(REPO)}


def run_cli(root: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli(root, out), env=cli_env(), cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)


def leftovers(out: Path) -> list[str]:
    """Staging folders and half-swapped trees beside `out`; not the tree the writer keeps
    for the next build (writer._spare) nor the table of its pages' tokens (writer._tokens),
    which are meant to stay."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")
                  and p.name not in (f".{out.name}.spare", f".{out.name}.tokens"))


@dataclass
class Portal:
    root: Path

    def set_state(self, new: bool) -> None:
        """The old content, or the new one (one story retitled, one added)."""
        story = self.root / STORY
        text = story.read_text(encoding="utf-8")
        old, new_title = (OLD_TITLE, NEW_TITLE) if new else (NEW_TITLE, OLD_TITLE)
        story.write_text(text.replace(old, new_title), encoding="utf-8")
        added = self.root / NEW_STORY
        if new:
            added.write_text(NEW_STORY_TEXT, encoding="utf-8")
        else:
            added.unlink(missing_ok=True)


@pytest.fixture
def portal(tmp_path: Path) -> Portal:
    root = tmp_path / "portal"
    root.mkdir()
    shutil.copy2(REPO / "site.yaml", root / "site.yaml")
    for folder in ("content", "themes"):
        shutil.copytree(REPO / folder, root / folder)
    assert OLD_TITLE in (root / STORY).read_text(encoding="utf-8")
    return Portal(root)


@pytest.fixture
def small_portal(tmp_path: Path) -> Path:
    root = tmp_path / "small"
    # not the cache another test's build of SMALL may have left in it: the same start always
    shutil.copytree(SMALL, root, ignore=shutil.ignore_patterns(".cache"))
    return root


def calibrate(portal: Portal, out: Path) -> tuple[float, float]:
    """Build into `out`, timing when the write phase starts and when the build ends."""
    started = time.monotonic()
    process = subprocess.Popen(cli(portal.root, out), env=cli_env(), cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    staging = out.with_name(f".{out.name}.staging-{process.pid}")  # writer._staging
    writing = None
    while process.poll() is None:
        if writing is None and staging.exists():
            writing = time.monotonic() - started
        time.sleep(0.002)
    total = time.monotonic() - started
    _, errors = process.communicate()
    assert process.returncode == 0, errors
    return (writing if writing is not None else total * 0.8), total


def kill_after(portal: Portal, out: Path, delay: float, *, writing: bool = False) -> int | None:
    """Start a build and SIGKILL it `delay` seconds after its start, or after its staging
    folder appeared when `writing`; returns its exit code if it finished first."""
    process = subprocess.Popen(cli(portal.root, out), env=cli_env(), cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staging = out.with_name(f".{out.name}.staging-{process.pid}")  # writer._staging
    try:
        while writing and process.poll() is None and not staging.exists():
            time.sleep(0.001)
        process.wait(timeout=delay)
        return process.returncode
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        return None


def describe(actual: Snapshot, wanted: Snapshot) -> str:
    missing = sorted(wanted.keys() - actual.keys())[:10]
    extra = sorted(actual.keys() - wanted.keys())[:10]
    changed = sorted(k for k in wanted.keys() & actual.keys() if wanted[k] != actual[k])[:10]
    return f"missing {missing}, extra {extra}, changed {changed}"


@pytest.mark.slow
def test_killed_builds_leave_old_or_new_output_never_a_mix(
        portal: Portal, tmp_path: Path, reliability: Callable[[str, list[str]], None]) -> None:
    out = tmp_path / "site" / "output"
    portal.set_state(new=False)
    first = run_cli(portal.root, out)
    assert first.returncode == 0, first.stderr
    snapshots = {False: snapshot(out)}
    portal.set_state(new=True)
    writing, total = calibrate(portal, out)  # a complete rebuild over the old output
    snapshots[True] = snapshot(out)
    assert snapshots[True] != snapshots[False]

    # Two kills before the write phase (timed from the start), the others timed from the
    # moment the staging folder appears, spread over the write phase and beyond its end.
    phase = total - writing
    kills = [(0.05, False), (max(0.06, writing / 2), False),
             *((1.5 * phase * i / (KILLS - 3), True) for i in range(KILLS - 2))]
    outcomes: list[str] = []
    state = True  # what out/ holds now
    hit_write_phase = False
    lost = mixed = 0
    for delay, after_staging in kills:
        target = not state
        portal.set_state(new=target)
        finished = kill_after(portal, out, delay, writing=after_staging)
        assert out.is_dir(), f"output folder missing after a kill at {delay:.3f}s"
        now = snapshot(out)
        lost += min(len(snapshots[state].keys() - now.keys()),
                    len(snapshots[target].keys() - now.keys()))
        mixed += now not in (snapshots[state], snapshots[target])
        if now == snapshots[target]:
            state = target
            outcome = "new"
        else:
            assert now == snapshots[state], (
                f"kill at {delay:.3f}s left a mixed output: against the old build "
                f"{describe(now, snapshots[state])}; against the new build "
                f"{describe(now, snapshots[target])}")
            outcome = "old"
        assert finished in (None, 0), f"build exited {finished} without being killed"
        hit_write_phase |= bool(leftovers(out))
        outcomes.append(f"{'write+' if after_staging else ''}{delay:.3f}s:{outcome}"
                        f"{'+leftovers' if leftovers(out) else ''}")
    print("kills:", ", ".join(outcomes), f"(write phase {phase:.2f}s of {total:.2f}s)")
    assert hit_write_phase, f"no kill landed while the build was writing: {outcomes}"
    reliability("crash", ["SIGKILL at random moments of `kabar build` (example portal)",
                          f"{len(kills)} kills", str(lost), str(mixed), "0"])

    # Whatever the kills left behind, the next normal build works and cleans up.
    portal.set_state(new=True)
    final = run_cli(portal.root, out)
    assert final.returncode == 0, final.stderr
    assert snapshot(out) == snapshots[True], describe(snapshot(out), snapshots[True])
    assert not leftovers(out), f"leftovers after a clean build: {leftovers(out)}"


def test_failed_build_leaves_output_byte_identical(small_portal: Path, tmp_path: Path) -> None:
    out = tmp_path / "site" / "output"
    assert run_cli(small_portal, out).returncode == 0
    before = snapshot(out)
    inodes = {p: p.stat().st_ino for p in out.rglob("*")}
    story = small_portal / SMALL_STORY
    story.write_text(story.read_text(encoding="utf-8").replace(
        "tags: [literasi]", 'tags: [literasi\ntitle: "tanpa penutup'), encoding="utf-8")

    result = run_cli(small_portal, out)

    assert result.returncode == 1, result.stderr
    assert SMALL_STORY in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(out) == before
    assert {p: p.stat().st_ino for p in out.rglob("*")} == inodes
    assert not leftovers(out), leftovers(out)


@pytest.mark.parametrize("where", ["under-a-file", "in-proc"])
def test_unwritable_output_is_a_clear_error(small_portal: Path, tmp_path: Path,
                                            where: str) -> None:
    # Tests run as root, so permissions do not stop the writer: use places no one can write.
    if where == "under-a-file":
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the output's parent folder should be\n")
        out = blocker / "output"
    else:
        out = Path("/proc") / f"kabar-test-output-{os.getpid()}"

    result = run_cli(small_portal, out)

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert str(out) in result.stderr and "tidak bisa menulis" in result.stderr, result.stderr
    assert not out.exists()


#: Builds the portal (argv[1]) into argv[3] with one kind of worker stuck at its first job:
#: each such worker leaves a file named by its pid in argv[2], then waits.
_STUCK = """
import os, sys, time
from pathlib import Path
from generator import cli, workers
from generator.content import bodies
from generator.render import workers as render_workers

def stuck(*_args):
    Path(sys.argv[2], str(os.getpid())).touch()
    time.sleep(600)

kind = sys.argv[4]
if kind == "markdown":  # its workers start from the fork server: stuck by what they import
    folder = Path(sys.argv[2]).parent / "stuck"
    folder.mkdir()
    (folder / "kabar_stuck.py").write_text(
        "import os, time\\nfrom pathlib import Path\\n\\ndef stuck(*_args):\\n"
        f"    Path({sys.argv[2]!r}, str(os.getpid())).touch()\\n    time.sleep(600)\\n")
    sys.path.insert(0, str(folder))  # the fork server is given this process's path
    import kabar_stuck
    bodies._render_in_worker = kabar_stuck.stuck
elif kind == "checks":
    workers._call_chunk = stuck  # the first forked_map of a build: the front matter
elif kind == "sitemaps":  # the child making the sitemaps and feeds beside the pages
    from generator import build
    workers._send = stuck
    build.BESIDE_MIN_STORIES = 1
    build.cpus = lambda: 2
else:  # one page worker beside the build
    render_workers._chunk = stuck
    render_workers.BESIDE_MIN_PAGES = 2
    render_workers.CHUNK = 1  # the worker's chunks are the second and third
    render_workers.cpus = lambda: 2
jobs = [] if kind in ("beside", "sitemaps") else ["--jobs", "2"]
sys.exit(cli.main(["build", "--root", sys.argv[1], "--output", sys.argv[3], *jobs]))
"""


def _ended(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")  # a zombie has ended; only its parent's wait is missing


@pytest.mark.parametrize("kind", ["checks", "markdown", "beside", "sitemaps"])
def test_workers_of_a_killed_build_end_and_free_the_output(
        kind: str, small_portal: Path, tmp_path: Path) -> None:
    """A build killed outright cannot shut its worker pools or its child down: they notice
    their parent is gone and end, so they neither linger nor keep the output's lock
    (inherited through fork) from the next build."""
    out, pids = tmp_path / "output", tmp_path / "pids"
    pids.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-c", _STUCK, str(small_portal), str(pids), str(out), kind],
        env=cli_env(), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not any(pids.iterdir()):
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "no worker started"
            time.sleep(0.05)
    finally:
        process.kill()
        process.communicate(timeout=30)
    workers = [int(p.name) for p in pids.iterdir()]
    deadline = time.monotonic() + 10
    try:
        while not all(_ended(pid) for pid in workers):
            assert time.monotonic() < deadline, f"workers {workers} outlived their build"
            time.sleep(0.1)
    finally:  # a failed test leaves no stuck worker behind
        for pid in workers:
            if not _ended(pid):
                os.kill(pid, signal.SIGKILL)
    finished = run_cli(small_portal, out)
    assert finished.returncode == 0, finished.stderr
    assert (out / "index.html").is_file()
