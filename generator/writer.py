"""The only code that writes output/: a staging directory swapped in atomically.

A build writes everything into a sibling staging directory (`kabar build` while the site
is being built: each file as soon as it is made, so the build never holds the whole site
in memory), then exchanges it with output/ in one step (Linux renameat2 RENAME_EXCHANGE;
two renames elsewhere, repaired at the next run). A failed or killed build therefore
leaves the previous output/ as it was, and files that are gone from the site are gone from
output/ (no stale files). Files whose bytes did not change are hard-linked from the
previous output, so their mtime is stable.

The tree that was swapped out is kept beside output/ as `.output.spare` and becomes the
next build's staging folder: its folders already exist, and most of its files already are
hard links to the live ones. Making 20,000 folders is most of the time a build spends
writing on a slow disk (measured: 5.6 s of mkdir for 20,000 folders here), so the next
build updates that tree instead. Nothing in it is trusted: a file is kept only when it is
the live file (same inode) whose bytes equal the new ones, anything else is replaced, and
what the new site does not have is swept away before the swap.

A file added with a token (a page's page-cache key, which names its bytes) is remembered
beside output/ in `.output.tokens`: its token and the device, inode, size and mtime of
the file placed. The next build asks `holds(path, token)` before it reads or renders that
page: when the live file at `path` is still that very file (same inode, size and mtime,
as make and rsync judge a file unchanged), the page is passed on as `Kept` and the live
file is placed again without being read (on 10,000 stories, ~1 s of a one-edit build
went to reading 20,000 pages from the cache and comparing them with the live ones). A
file changed or replaced in output/ by anyone has a new mtime or inode and is written
again; a missing or unreadable table only means nothing is kept this way.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import functools
import json
import os
import posixpath
import shutil
import stat
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from generator.model import Kept, Output

MARKER = ".kabar-output"
#: Old trees are removed by this many threads: the system calls wait on the disk and
#: release the GIL, so threads overlap the waits (measured: 20,000 folders removed in 4 s
#: instead of 11 s). The result does not depend on their order.
THREADS = 4
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class OutputError(Exception):
    """The output directory cannot be used or written (a user-facing problem)."""


def _staging(out: Path) -> Path:
    return out.with_name(f".{out.name}.staging-{os.getpid()}")


def _spare(out: Path) -> Path:
    return out.with_name(f".{out.name}.spare")


def _tokens(out: Path) -> Path:
    return out.with_name(f".{out.name}.tokens")


#: One remembered file: its token, then the device, inode, size and mtime (ns) it had.
Entry = tuple[str, int, int, int, int]


def _entry(token: str, found: os.stat_result) -> Entry:
    return token, found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns


def _read_tokens(out: Path) -> dict[str, Entry]:
    """The table the last committed build left beside `out`; empty when it has none or it
    cannot be read (nothing is kept then, only written again)."""
    try:
        table = json.loads(_tokens(out).read_bytes())
        return {path: (str(token), int(dev), int(ino), int(size), int(mtime))
                for path, (token, dev, ino, size, mtime) in table["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _write_tokens(out: Path, table: dict[str, Entry]) -> None:
    """Written before the swap: every entry names a file by its inode, so it stays true
    whichever tree the file ends up in (a file placed by a hard link is the live file)."""
    target = _tokens(out)
    if not table:  # a site without tokens (none came with its outputs) leaves no table
        target.unlink(missing_ok=True)
        return
    # Named like a staging folder: what a killed build leaves is removed as one (recover).
    temporary = _staging(out).with_name(f"{_staging(out).name}.tokens")
    try:
        temporary.write_bytes(json.dumps({"files": dict(sorted(table.items()))},
                                         separators=(",", ":")).encode())
        temporary.replace(target)
    except OSError:
        temporary.unlink(missing_ok=True)
        target.unlink(missing_ok=True)  # an old table would still be true, but never mind


def _leftovers(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.staging-*")) + sorted(
        out.parent.glob(f".{out.name}.old-*"))


def check_target(out: Path, portal_root: Path) -> None:
    """Refuse an output directory that is not ours to replace."""
    out_abs, root_abs = out.resolve(), portal_root.resolve()
    if out_abs == root_abs or out_abs in root_abs.parents or out_abs in (
            root_abs / "content", root_abs / "themes") or (root_abs / "content") in out_abs.parents:
        raise OutputError(f"folder keluaran {out} berisi portal atau content/: pilih folder lain")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} sudah ada dan bukan folder")
    parent = next((p for p in out_abs.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise OutputError(f"{parent} bukan folder, jadi {out} tidak bisa dibuat di dalamnya")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise OutputError(f"folder {out} berisi berkas yang bukan hasil kabar; kabar tidak akan "
                          "menimpanya (kosongkan atau pilih folder lain)")


def recover(out: Path) -> Path | None:
    """Finish or undo an interrupted swap, then return one tree to build into (the spare,
    or else what a killed build left) and remove the others."""
    olds = sorted(out.parent.glob(f".{out.name}.old-*"))
    if not out.exists() and olds:
        olds[-1].rename(out)  # killed between the two fallback renames: put it back
    keep = None
    for candidate in [_spare(out), *_leftovers(out)]:
        try:
            found = os.lstat(candidate)
        except FileNotFoundError:
            continue
        # Only a real folder of ours is written into; a link here could point anywhere.
        if keep is None and stat.S_ISDIR(found.st_mode) and found.st_uid == os.geteuid():
            keep = candidate
        else:
            _remove_tree(candidate)
    return keep


def write(outputs: Iterable[Output], out: Path) -> tuple[int, int]:
    """Write the whole site, then swap it in. Returns (files, bytes).

    A symlinked output folder keeps its link: the folder it points to is the one replaced.
    """
    with staging(out) as stage:
        for output in outputs:
            stage.add(output)
        return stage.commit()


@contextlib.contextmanager
def staging(out: Path) -> Iterator[Staging]:
    """A staging folder beside `out` to write a build into while it runs (`kabar build`
    streams its files here as they are made). `commit()` swaps it in; leaving the block
    without a commit (a failed build, an error, Ctrl-C) removes it and leaves `out` as it
    was. The folder is locked from the start, so two builds never share one."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(out):
        base = recover(out)
        folder = _staging(out)
        if base is not None:
            base.rename(folder)
        else:
            folder.mkdir()
        try:
            yield Staging(folder, out, reused=base is not None)
        finally:
            # After the swap this is the old output; after a failure, the failed build's
            # files. Either way the next build updates it rather than making a new tree.
            try:
                folder.rename(_spare(out))
            except OSError:
                _remove_tree(folder)


@contextlib.contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """One writer per output folder: a second build (say `kabar build` while another runs)
    must not sweep away the first one's staging folder as a leftover."""
    # The lock is on the parent folder itself, so no lock file is left lying around, and it
    # ends with the process, so a killed build never leaves it held.
    handle = os.open(out.parent, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"build lain sedang menulis ke {out}; tunggu sampai selesai") \
                from None
        yield
    finally:
        os.close(handle)


class Staging:
    """Files written into the staging folder as they are added, and their bytes dropped, so
    a build holds one file at a time rather than the site (3 GB of pages at 100,000
    stories). Written in the caller's thread: writer threads beside the rendering passed
    the interpreter lock back and forth and cost more than they saved (10k stories, pages
    from the page cache: 27-35 s of CPU with 4 threads, 20-22 s without)."""

    def __init__(self, folder: Path, out: Path, *, reused: bool = False) -> None:
        self.folder, self.out = folder, out
        self.reused = reused  # the folder holds an older tree, to update and sweep
        self.paths: set[str] = set()  # normalised output paths written so far
        self.clashes: list[str] = []  # paths added twice, or refused by the file system
        self.count = self.size = 0
        # Plain strings from here on: pathlib costs more than the system calls on 20,000
        # files whose bytes did not change.
        self._root, self._live = os.fspath(folder), os.fspath(out)
        self._folders: set[str] = {self._root}
        #: (device, inode) of every file placed in a reused tree: on a case-insensitive disk
        #: Foto.png finds the foto.png this build just placed, which must not be replaced.
        self._placed: set[tuple[int, int]] | None = set() if reused else None
        #: The files the live output was built with, by their token, and this build's.
        self._held = _read_tokens(out)
        self._tokens: dict[str, Entry] = {}
        #: The live file the last `holds` found (path, token, stat): the page is added
        #: right after it, so it is not looked at twice (20,000 `lstat`s on 10k stories).
        self._found: tuple[str, str, os.stat_result] | None = None

    def holds(self, path: str, token: str) -> bool:
        """Whether the live output's file at `path` is the one written from `token` by an
        earlier build, unchanged since: then `add(Kept(path, token))` places it unread."""
        path = _normalised(path)
        live = self._live_file(path, token)
        self._found = None if live is None else (path, token, live)
        return live is not None

    def _live_file(self, path: str, token: str) -> os.stat_result | None:
        entry = self._held.get(path)
        if not token or entry is None or entry[0] != token:
            return None
        found = _lstat(f"{self._live}/{path}")
        if found is None or not stat.S_ISREG(found.st_mode) or _entry(token, found) != entry:
            return None
        return found

    def add(self, output: Output | Kept) -> None:
        """Write one file, or place a kept one. A second file for a path already added is
        not written (the build reports the collision; `commit` refuses to swap in a site
        with one)."""
        path = _normalised(output.path)
        found, self._found = self._found, None  # good for the add right after `holds` only
        if path in self.paths:
            self.clashes.append(output.path)
            return
        previous = f"{self._live}/{path}"
        if isinstance(output, Kept):
            live = found[2] if found is not None and found[:2] == (path, output.token) \
                else self._live_file(path, output.token)
            if live is None:  # `holds` said yes a moment ago, under this build's lock
                raise RuntimeError(f"{output.path}: the live file changed during the build")
            data, size = None, live.st_size
        else:
            data, size = output.data, len(output.data)
            live = _same_bytes(previous, data)
        self.paths.add(path)
        self.count, self.size = self.count + 1, self.size + size
        target = f"{self._root}/{path}"
        folder = target.rpartition("/")[0]
        if folder not in self._folders:
            self._make_folder(folder)
        try:
            placed = _place(target, previous, live, data, self._placed)
        except FileExistsError:  # Foto.png after foto.png on a case-insensitive disk
            self.clashes.append(output.path)
            return
        if output.token:
            self._tokens[path] = _entry(output.token, placed)

    def _make_folder(self, folder: str) -> None:
        """Make `folder` a real folder, each of its parents checked once: in a reused
        tree a file, or a link to anywhere, may stand where a folder goes now."""
        parent = folder.rpartition("/")[0]
        if parent not in self._folders:
            self._make_folder(parent)
        try:
            if stat.S_ISDIR(os.lstat(folder).st_mode):
                self._folders.add(folder)
                return
            os.unlink(folder)
        except FileNotFoundError:
            pass
        os.mkdir(folder)
        self._folders.add(folder)

    def _sweep(self) -> None:
        """Remove from a reused tree every file and folder the new site does not have.
        Links are removed, never followed."""
        start = len(self._root) + 1
        pending = [self._root]
        while pending:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        if entry.path in self._folders:
                            pending.append(entry.path)
                        else:
                            _remove_tree(Path(entry.path))
                    elif entry.path[start:] not in self.paths:
                        os.unlink(entry.path)

    @property
    def files(self) -> Mapping[str, bytes]:
        """Every file added so far, read back from the staging folder by output path (the
        search index reads the story pages this way instead of the build keeping them)."""
        return _Written(self)

    def commit(self) -> tuple[int, int]:
        """Swap the staging folder in. Returns (files, bytes)."""
        if self.clashes:
            raise FileExistsError(f"two outputs for one path: {self.clashes[0]}")
        if self.reused:
            self._sweep()
        marker = self.folder / MARKER
        marker.unlink(missing_ok=True)  # never written through a link to the live one
        marker.write_bytes(b"built by kabar; this folder is replaced on each build\n")
        _write_tokens(self.out, self._tokens)
        _swap(self.folder, self.out)
        return self.count, self.size


class _Written(Mapping[str, bytes]):
    """A staging folder's files by output path, read from disk when asked for."""

    def __init__(self, stage: Staging) -> None:
        self.stage = stage

    def __getitem__(self, path: str) -> bytes:
        if path not in self.stage.paths:
            raise KeyError(path)
        return _safe_join(self.stage.folder, path).read_bytes()

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.stage.paths))

    def __len__(self) -> int:
        return len(self.stage.paths)

    def __contains__(self, path: object) -> bool:
        return path in self.stage.paths


def _remove_tree(folder: Path) -> None:
    """shutil.rmtree, its subfolders in threads: removing 20,000 folders one system call
    at a time mostly waits for the disk. A link (or a file) is unlinked, never followed."""
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            os.unlink(folder)
            return
    except FileNotFoundError:
        return
    try:
        parts = [sub.path for top in os.scandir(folder) if top.is_dir(follow_symlinks=False)
                 for sub in os.scandir(top.path) if sub.is_dir(follow_symlinks=False)]
    except OSError:
        parts = []
    with ThreadPoolExecutor(THREADS) as pool:
        for _ in pool.map(functools.partial(shutil.rmtree, ignore_errors=True), parts):
            pass
    shutil.rmtree(folder, ignore_errors=True)


def _safe_join(base: Path, relative: str) -> Path:
    """`base/relative`, refusing anything that would land outside `base` (a bug upstream)."""
    return base / _normalised(relative)


def _normalised(relative: str) -> str:
    """`relative` normalised, refused when it would land outside the output folder."""
    norm = posixpath.normpath(relative)
    if relative.startswith("/") or norm.startswith("..") or norm == "." or \
            "\\" in relative or "\0" in relative:
        raise ValueError(f"output path escapes the output directory: {relative!r}")
    return norm


def _place(target: str, previous: str, live: os.stat_result | None, data: bytes | None,
           placed: set[tuple[int, int]] | None = None) -> os.stat_result:
    """Put at `target` the live file `previous` when `live` (its stat) says it holds the
    bytes wanted, hard-linked; else `data` as a new file. `data` may be None only with
    `live`: it is then read from `previous` if the disk has no hard links. What a reused
    tree has at `target` is kept only when it already is that live file; a file this build
    placed (`placed`, in a reused tree) is never replaced. Returns the placed file's stat."""
    here = _lstat(target)
    if here is not None and placed is not None and (here.st_dev, here.st_ino) in placed:
        raise FileExistsError(target)
    if live is not None and here is not None and stat.S_ISREG(here.st_mode) and \
            (here.st_ino, here.st_dev) == (live.st_ino, live.st_dev):
        _note(placed, live)
        return live
    if here is not None:  # never write into an inode the live output may share
        if stat.S_ISDIR(here.st_mode):
            _remove_tree(Path(target))
        else:
            os.unlink(target)
    if live is not None:
        try:
            os.link(previous, target)
            _note(placed, live)
            return live
        except OSError:
            pass  # no hard links on this filesystem: write a copy
        if data is None:
            with open(previous, "rb") as file:
                data = file.read()
    assert data is not None, "a file to place comes with its bytes or its live copy"
    with open(target, "xb") as file:
        file.write(data)
    written = os.lstat(target)  # after close: the mtime the table remembers is final
    _note(placed, written)
    return written


def _note(placed: set[tuple[int, int]] | None, found: os.stat_result) -> None:
    if placed is not None:
        placed.add((found.st_dev, found.st_ino))


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def _same_bytes(previous: str, data: bytes) -> os.stat_result | None:
    """The live file's stat when it is a regular file (not a link) holding `data`."""
    try:
        found = os.lstat(previous)  # the size first: most changed files differ in it
        if stat.S_ISREG(found.st_mode) and found.st_size == len(data):
            with open(previous, "rb") as file:
                if file.read() == data:
                    return found
    except OSError:
        pass
    return None


def _swap(staging: Path, out: Path) -> None:
    if not out.exists():
        staging.rename(out)  # the first build: no old tree to keep
        return
    if _exchange(staging, out):
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    out.rename(old)
    staging.rename(out)
    old.rename(staging)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux ≥ 3.15); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)
