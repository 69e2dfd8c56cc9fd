"""Walk content/ and list the portal's files: stories, pages, static files, everything else.

Symlinks that point outside content/ are refused: an operator's commit must not be able
to publish /etc/passwd. So are names with invisible characters (`generator.invisible`):
`foto\u202egpj.exe` must not pass for a photo, nor two names that look alike become two
URLs. Hidden files and editor leftovers are ignored.

`kabar serve` passes a `Folders` memo: a folder whose inode, mtime and ctime are what they
were at a look taken well after its last change is not listed again (git's untracked
cache does the same). Creating, deleting or renaming an entry changes its folder's mtime.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from generator import invisible
from generator.diagnostics import Diagnostics

CONTENT = "content"
STORIES = "content/stories/"
FACTCHECKS = "content/cek-fakta/"
PAGES = "content/pages/"
STATIC = "content/static/"


@dataclass(frozen=True, slots=True)
class SourceTree:
    """Portal-relative paths (forward slashes) of what content/ holds, sorted."""

    stories: tuple[str, ...]
    pages: tuple[str, ...]
    static: tuple[str, ...]
    files: frozenset[str]
    factchecks: tuple[str, ...] = ()  # content/cek-fakta/**.md


#: A folder changed less than this before it was listed may change again within the same
#: tick of the file system's clock and keep its mtime: it is listed again next time.
RACY_NS = 2_000_000_000
_clock = time.time_ns  # (tests move it on)


@dataclass(frozen=True, slots=True)
class _Listing:
    """What one folder held: its files and the subfolders to walk, by name, sorted."""

    signature: tuple[int, int, int, int] | None  # device, inode, mtime, ctime; None: not kept
    files: tuple[str, ...]
    folders: tuple[str, ...]


class Folders:
    """Listings of folders kept between calls (`kabar serve`). Only a folder with no
    symlink and no name worth a diagnostic is kept: a link's target can change without
    its folder changing, and a diagnostic must be said again at every rebuild."""

    def __init__(self) -> None:
        self.listings: dict[str, _Listing] = {}


def _ignored(name: str) -> bool:
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".tmp"))


def discover(root: Path, diags: Diagnostics, folders: Folders | None = None) -> SourceTree:
    """List content/ under `root`; a missing content/ is an empty portal, not an error.
    With `folders`, a folder unchanged since it was last listed is taken from there."""
    content = (root / CONTENT).resolve()
    files: list[str] = []
    kept: dict[str, _Listing] | None = {} if folders is not None else None
    if content.is_dir():
        _walk(str(content), content.relative_to(root.resolve()).as_posix(), content, root,
              diags, files, folders.listings if folders is not None else None, kept)
    if folders is not None and kept is not None:
        folders.listings = kept
    stories = tuple(f for f in files if f.startswith(STORIES) and f.endswith(".md"))
    pages = tuple(f for f in files if f.startswith(PAGES) and f.endswith(".md")
                  and "/" not in f[len(PAGES):])
    static = tuple(f for f in files if f.startswith(STATIC))
    factchecks = tuple(f for f in files if f.startswith(FACTCHECKS) and f.endswith(".md"))
    return SourceTree(stories, pages, static, frozenset(files), factchecks)


def _walk(folder: str, rel: str, content: Path, root: Path, diags: Diagnostics,
          files: list[str], old: dict[str, _Listing] | None,
          kept: dict[str, _Listing] | None) -> None:
    """One folder, then its subfolders, sorted by name: what os.walk (top down, links to
    folders not followed) would list, with one scandir per folder and no stat per file
    unless it is a symlink (10,000 stories: a tenth of the time). With `old`, a folder
    listed before and unchanged since is not listed again; `kept` gets what may be."""
    signature = None
    listing = None
    if kept is not None:
        try:
            stat = os.stat(folder)  # noqa: PTH116 (a string per folder, as scandir gives)
        except OSError:
            return
        signature = (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns)
        listing = old.get(folder) if old is not None else None
        if listing is not None and listing.signature != signature:
            listing = None
    if listing is None:
        found = _list(folder, content, root, diags)
        if found is None:
            return  # as os.walk: a folder that cannot be listed is left out
        names, dirs, plain = found
        # Kept only when nothing in it can change unseen, and well after its last change.
        trusted = signature is not None and plain and \
            _clock() - max(signature[2], signature[3]) > RACY_NS
        listing = _Listing(signature if trusted else None, names, dirs)
    if kept is not None and listing.signature is not None:
        kept[folder] = listing
    files += [f"{rel}/{name}" for name in listing.files]
    for name in listing.folders:
        _walk(f"{folder}/{name}", f"{rel}/{name}", content, root, diags, files, old, kept)


def _list(folder: str, content: Path, root: Path, diags: Diagnostics,
          ) -> tuple[tuple[str, ...], tuple[str, ...], bool] | None:
    """The folder's files and the subfolders to walk (never a link), and whether the
    listing may be kept (no symlink in the folder, nothing said about a name); None when
    the folder cannot be listed."""
    try:
        with os.scandir(folder) as found:
            entries = sorted(found, key=lambda e: e.name)
    except OSError:
        return None
    names, dirs, plain = [], [], True
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        name = entry.name
        if _ignored(name):
            continue
        if entry.is_symlink():
            plain = False
            if not _inside(Path(entry.path), content, root, diags):
                continue
        if invisible.remove(name) != name:
            plain = False
            if not _plain(Path(entry.path), root, diags):
                continue
        if is_dir:
            if not entry.is_symlink():
                dirs.append(name)
        elif entry.is_file():
            names.append(name)
    return tuple(names), tuple(dirs), plain


def _inside(path: Path, content: Path, root: Path, diags: Diagnostics) -> bool:
    """False (with an error) for a symlink leading outside content/."""
    if not path.is_symlink():
        return True
    target = path.resolve()
    if target == content or content in target.parents:
        return True
    rel = path.relative_to(root.resolve()) if root.resolve() in path.parents else path
    diags.error(rel.as_posix(), 0, "tautan simbolik (symlink) menunjuk ke luar folder content/",
                hint="salin berkasnya ke dalam content/ alih-alih membuat symlink")
    return False


def _plain(path: Path, root: Path, diags: Diagnostics) -> bool:
    """False (with an error) for a name holding invisible characters."""
    if invisible.remove(path.name) == path.name:
        return True
    rel = path.relative_to(root.resolve()) if root.resolve() in path.parents else path
    codes = ", ".join(dict.fromkeys(invisible.code(c) for c in path.name
                                    if invisible.remove(c) == ""))
    diags.error(rel.as_posix(), 0, f"nama berkas atau folder berisi karakter tak terlihat "
                f"({codes})", hint="ganti namanya dengan huruf, angka dan '-' saja")
    return False
