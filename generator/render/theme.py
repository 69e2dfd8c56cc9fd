"""Resolve a theme and its `extends` chain to folders, and index its static files.

Theme names (site.yaml `theme:`, theme.yaml `extends:`) are folder names, never paths, so
no theme can be looked up outside `themes/`. A theme holding a symlink that leads outside
the portal (or, for the built-in theme, outside kabar's themes/) is refused: its templates
and static files would publish whatever the link points at.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

from generator.config import THEME_RE, yamlsource
from generator.diagnostics import Diagnostics

#: The default theme shipped with kabar (the repository's themes/default).
BUILTIN_THEMES = Path(__file__).resolve().parents[2] / "themes"
MAX_CHAIN = 8


@dataclass(frozen=True, slots=True)
class ThemeDir:
    """One theme of the chain: its name and folder."""

    name: str
    path: Path


@dataclass(frozen=True, slots=True)
class StaticFile:
    """A theme static file and its fingerprinted URL name."""

    name: str  # e.g. style.css
    path: Path
    fingerprinted: str  # e.g. style.3f9a1c2e.css


def theme_chain(root: Path, name: str, diags: Diagnostics) -> tuple[ThemeDir, ...]:
    """The site's theme first, then its parents, ending at the built-in default."""
    chain: list[ThemeDir] = []
    current: str | None = name
    while current is not None and len(chain) < MAX_CHAIN:
        folder = _find(root, current) if THEME_RE.match(current) else None
        if folder is None:
            diags.error("site.yaml", 0, f"tema '{current}' tidak ditemukan",
                        hint=f"buat folder themes/{current}/ atau pakai theme: default")
            return tuple(chain)
        if any(t.path == folder for t in chain):
            diags.error(f"themes/{current}/theme.yaml", 1, "tema saling mewarisi (extends "
                        "berputar)", hint="periksa 'extends' di theme.yaml")
            return tuple(chain)
        home = root if folder.parent == root / "themes" else BUILTIN_THEMES
        if not _contained(folder, home, root, diags):
            return tuple(chain)
        chain.append(ThemeDir(current, folder))
        current = _parent(folder, current, diags)
    if not any(t.name == "default" for t in chain):
        default = _find(root, "default")
        if default is not None and _contained(
                default, root if default.parent == root / "themes" else BUILTIN_THEMES, root,
                diags):
            chain.append(ThemeDir("default", default))
    return tuple(chain)


def _find(root: Path, name: str) -> Path | None:
    for base in (root / "themes", BUILTIN_THEMES):
        folder = base / name
        if (folder / "templates").is_dir():
            return folder
    return None


def _parent(folder: Path, name: str, diags: Diagnostics) -> str | None:
    manifest = folder / "theme.yaml"
    if not manifest.is_file():
        return None if name == "default" else "default"
    doc = yamlsource.load(manifest.read_text(encoding="utf-8"))
    if isinstance(doc, yamlsource.YamlError) or not isinstance(doc.data, dict):
        diags.error(f"themes/{name}/theme.yaml", getattr(doc, "line", 1),
                    "theme.yaml tidak valid", hint="isi minimal: name: NAMA")
        return None
    parent = doc.data.get("extends")
    if parent is None:
        return None if name == "default" else "default"
    if not isinstance(parent, str) or not THEME_RE.match(parent):
        diags.error(f"themes/{name}/theme.yaml", doc.value_pos(("extends",)).line,
                    f"extends: nama tema '{parent}' tidak valid",
                    hint="tulis nama folder tema di themes/, huruf kecil tanpa '/' atau '..', "
                    "misalnya extends: default")
        return None
    return parent


def _contained(folder: Path, home: Path, root: Path, diags: Diagnostics) -> bool:
    """False (with an error) when the theme folder or a file in it links outside `home`:
    the portal for a portal's theme, kabar's own themes/ for the built-in one."""
    inside = home.resolve()
    for path in (folder, *_walk(folder)):
        target = path.resolve()
        if path.is_symlink() and target != inside and inside not in target.parents:
            shown = path.relative_to(root) if root in path.parents else path
            diags.error(shown.as_posix(), 0, "tautan simbolik (symlink) di tema menunjuk ke "
                        "luar folder portal",
                        hint="salin berkasnya ke dalam folder tema alih-alih membuat symlink")
            return False
    return True


def _walk(folder: Path) -> list[Path]:
    found = []
    for here, dirs, names in os.walk(folder, followlinks=False):
        found += [Path(here, name) for name in (*dirs, *names)]
    return found


def static_files(chain: tuple[ThemeDir, ...]) -> tuple[StaticFile, ...]:
    """Static files of the chain; a child theme's file hides its parent's of the same name."""
    found: dict[str, Path] = {}
    for theme in reversed(chain):
        static = theme.path / "static"
        if static.is_dir():
            for path in sorted(static.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    found[path.relative_to(static).as_posix()] = path
    return tuple(StaticFile(name, path, fingerprinted(name, path.read_bytes()))
                 for name, path in sorted(found.items()))


def fingerprinted(name: str, data: bytes) -> str:
    """`name` with a digest of `data` before its extension (style.css → style.3f9a1c2e.css):
    new bytes get a new name, so a browser may keep a file under its name for good."""
    stem, ext = posixpath.splitext(name)
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:10]}{ext}"


def theme_digest(chain: tuple[ThemeDir, ...]) -> str:
    """Every file of the chain's folders, by theme, path inside it and bytes: equal
    digests, equal theme. Paths are relative, so a portal checked out elsewhere (another
    CI runner) has the same digest."""
    digest = hashlib.blake2b(digest_size=20)
    for folder in chain:
        for file in sorted(folder.path.rglob("*")):
            if file.is_file():
                data = file.read_bytes()
                name = f"{folder.name}/{file.relative_to(folder.path).as_posix()}"
                digest.update(f"{name}\0{len(data)}\0".encode())
                digest.update(data)
    return digest.hexdigest()
