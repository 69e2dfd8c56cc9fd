"""Ask the kernel, from a forked child, to read the files a build is about to read.

(`start`: the content files and cache entries; `tree`: the files of the live output
and of the older tree the writer updates.)

A build after a one-story edit opens some 20,000 small files on 10,000 stories: every
story and its entry in `.cache/markdown/`. When they are in the page cache that costs a
fraction of a second. When the kernel has let them go (another large job ran, memory
was reclaimed), each open waits for the disk in turn: the same build took 19 s instead
of 7 on this machine after its caches were dropped. So before the content stage starts,
a forked child goes through the same files with `posix_fadvise(WILLNEED)`: the disk gets
many reads at once, and the build, a step behind, finds the files already read.

It changes nothing the build computes. A child that fails, or is slow, only means the
build reads the files itself, as it does without it; the build ends the child when the
content stage is done. Standard library only.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from generator.workers import Child, start_method

#: Fewer content files than this: the build reads them itself (forking costs more).
MIN_FILES = 1000

#: The folders of `.cache/` a build reads every entry of (content/checks.py, bodies.py,
#: render/relatedcache.py), in the order it reads them.
CACHE_FOLDERS = ("checks", "markdown", "related")


def wanted(root: Path, paths: Sequence[str], cache: Path) -> list[str]:
    """Every file the content stage will read: the content files, then the cache's."""
    files = [os.path.join(root, path) for path in paths]  # noqa: PTH118 (20,000 strings)
    for folder in CACHE_FOLDERS:
        with contextlib.suppress(OSError), os.scandir(cache / folder) as entries:
            files += sorted(entry.path for entry in entries if entry.is_file())
    return files


def start(root: Path, paths: Sequence[str], cache: Path) -> Child | None:
    """A child warming `paths` (portal-relative) and the cache, when it is worth it: many
    files, a kernel that takes the advice, and a process free to fork (no threads). The
    child lists the cache's folders itself: the build does not wait for that either."""
    if len(paths) < MIN_FILES or not hasattr(os, "posix_fadvise") or start_method() != "fork":
        return None
    return Child(_warm, root, paths, cache)


@contextlib.contextmanager
def tree(*folders: Path) -> Iterator[None]:
    """While the block runs, a child looks at every file under `folders`: the live output,
    whose files a build after an edit keeps as they are (the writer looks at each), and
    the older tree the writer updates into the new one and sweeps. Their metadata is then
    in memory when the writer asks: the 20,687 files of the 10k output took 4.4 s to look
    at once dropped from the caches, 0.7 s after."""
    present = [str(folder) for folder in folders if folder.is_dir()]
    ahead = Child(_look, present) if present and start_method() == "fork" else None
    try:
        yield
    finally:
        if ahead is not None:
            ahead.close()


def _look(folders: list[str]) -> None:
    _lower_priority()
    for folder in folders:
        for path, _folders, files in os.walk(folder):
            for name in files:
                with contextlib.suppress(OSError):
                    os.lstat(os.path.join(path, name))  # noqa: PTH118


def _lower_priority() -> None:
    """The child waits for the disk; when the files are cached already, it gives way to
    the build (and to its other children) rather than compete for a CPU."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(19)


def _warm(root: Path, paths: Sequence[str], cache: Path) -> None:
    _lower_priority()
    _advise(wanted(root, paths, cache))


def _advise(files: Sequence[str]) -> None:
    for name in files:
        try:
            descriptor = os.open(name, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(descriptor)
