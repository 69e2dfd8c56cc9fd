"""The one Jinja2 environment of a build, and template errors as `template:line` diagnostics.

The only module that imports Jinja2. Autoescape is on and undefined variables are
errors, so a typo in a theme fails the build instead of printing an empty string.
"""

from __future__ import annotations

import hashlib
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache

from generator.cache import FileCache, cache_key
from generator.diagnostics import Diagnostics
from generator.render.dates import DateFormatter
from generator.render.theme import ThemeDir


class ThemeError(Exception):
    """A template failed; carries the located diagnostic text."""


class _BytecodeCache(jinja2.BytecodeCache):
    """Compiled templates in `.cache/jinja/`, checksummed: a bad entry only costs a compile.

    Jinja checks each entry against its template's source; the key adds this module (the
    Environment's options decide the code too) and Jinja's version.
    """

    def __init__(self, folder: Path) -> None:
        self.files = FileCache(folder, ".jinja")
        self.salt = cache_key(hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
                              jinja2.__version__)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.files.get(cache_key(self.salt, bucket.key))
        if data is None:
            return
        try:
            bucket.bytecode_from_string(data)
        except Exception:  # written by another Jinja or Python: compile again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.files.put(cache_key(self.salt, bucket.key), bucket.bytecode_to_string())


def make_environment(chain: tuple[ThemeDir, ...], dates: DateFormatter,
                     asset_url: Callable[[str], str],
                     cache_dir: Path | None = None) -> jinja2.Environment:
    """Loader search path: the site's theme, its parents; `name:` prefixes reach one theme.

    One Environment per build: each template is compiled once (or read from the bytecode
    cache in `cache_dir`) and not checked for changes again during the build.
    """
    folders = [str(theme.path / "templates") for theme in chain]
    prefixed = {theme.name: jinja2.FileSystemLoader(str(theme.path / "templates"))
                for theme in chain}
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(folders),
                                    jinja2.PrefixLoader(prefixed, delimiter=":")]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=_BytecodeCache(cache_dir / "jinja") if cache_dir is not None else None,
    )
    env.filters.update({
        "date_full": lambda v: dates.date(v, "full"),
        "date_long": lambda v: dates.date(v, "long"),
        "date_short": lambda v: dates.date(v, "short"),
        "time": dates.time,
        "iso": dates.iso,
    })
    env.globals["asset"] = asset_url
    return env


def render(env: jinja2.Environment, name: str, context: Mapping[str, Any], root: Path,
           diags: Diagnostics) -> str | None:
    """Render one template; on failure report `template:line` and return None."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        diags.error(_rel(exc.filename or name, root), exc.lineno or 0,
                    f"kesalahan sintaks template: {exc.message}")
    except jinja2.TemplateNotFound as exc:
        diags.error(name, 0, f"template '{exc.name}' tidak ditemukan di tema",
                    hint="periksa nama berkas di folder templates/ tema Anda")
    except Exception as exc:  # a theme bug is reported, with its place, like a content bug
        where, line = _template_frame(exc)
        diags.error(_rel(where or name, root), line,
                    f"template gagal dirender: {type(exc).__name__}: {exc}")
    return None


def _template_frame(exc: BaseException) -> tuple[str | None, int]:
    """The innermost traceback frame that belongs to a template file."""
    found: tuple[str | None, int] = (None, 0)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml", ".txt")):
            found = (frame.filename, frame.lineno or 0)
    return found


def _rel(filename: str, root: Path) -> str:
    path = Path(filename)
    for base in (root, Path(__file__).resolve().parents[2]):
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return filename
