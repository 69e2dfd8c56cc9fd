"""Walk content/ and list the portal's files: stories, pages, static files, everything else.

Symlinks that point outside content/ are refused: an operator's commit must not be able
to publish /etc/passwd. So are names with invisible characters (`generator.invisible`):
`foto\u202egpj.exe` must not pass for a photo, nor two names that look alike become two
URLs. Hidden files and editor leftovers are ignored.
"""

from __future__ import annotations

import os
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


def _ignored(name: str) -> bool:
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".tmp"))


def discover(root: Path, diags: Diagnostics) -> SourceTree:
    """List content/ under `root`; a missing content/ is an empty portal, not an error."""
    content = (root / CONTENT).resolve()
    files: list[str] = []
    if content.is_dir():
        _walk(str(content), content.relative_to(root.resolve()).as_posix(), content, root,
              diags, files)
    stories = tuple(f for f in files if f.startswith(STORIES) and f.endswith(".md"))
    pages = tuple(f for f in files if f.startswith(PAGES) and f.endswith(".md")
                  and "/" not in f[len(PAGES):])
    static = tuple(f for f in files if f.startswith(STATIC))
    factchecks = tuple(f for f in files if f.startswith(FACTCHECKS) and f.endswith(".md"))
    return SourceTree(stories, pages, static, frozenset(files), factchecks)


def _walk(folder: str, rel: str, content: Path, root: Path, diags: Diagnostics,
          files: list[str]) -> None:
    """One folder, then its subfolders, sorted by name: what os.walk (top down, links to
    folders not followed) would list, with one scandir per folder and no stat per file
    unless it is a symlink (10,000 stories: a tenth of the time)."""
    try:
        with os.scandir(folder) as found:
            entries = sorted(found, key=lambda e: e.name)
    except OSError:
        return  # as os.walk: a folder that cannot be listed is left out
    dirs = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        name = entry.name
        if _ignored(name):
            continue
        if entry.is_symlink() and not _inside(Path(entry.path), content, root, diags):
            continue
        if invisible.remove(name) != name and not _plain(Path(entry.path), root, diags):
            continue
        if is_dir:
            dirs.append(entry)
        elif entry.is_file():
            files.append(f"{rel}/{name}")
    for entry in dirs:
        if not entry.is_symlink():
            _walk(entry.path, f"{rel}/{entry.name}", content, root, diags, files)


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
