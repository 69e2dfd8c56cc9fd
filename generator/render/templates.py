"""The one Jinja2 environment of a build, and template errors as `template:line` diagnostics.

The only module that imports Jinja2. Autoescape is on and undefined variables are
errors, so a typo in a theme fails the build instead of printing an empty string.
"""

from __future__ import annotations

import hashlib
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
from markupsafe import Markup

from generator.cache import FileCache, cache_key
from generator.diagnostics import Diagnostics
from generator.render.dates import DateFormatter
from generator.render.theme import ThemeDir

#: The type of the one environment, for the modules that hold it without importing Jinja2.
Environment = jinja2.Environment


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


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept for the life of the process (the dev server, the tests):
    compiling the theme took most of a small site's build. Jinja checks each entry against
    the sha1 of the template's source, so an edited template is compiled again."""

    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.entries.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.entries[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _MemoryBytecodeCache()


def make_environment(chain: tuple[ThemeDir, ...], dates: Mapping[str, DateFormatter],
                     language: str, asset_url: Callable[[str], str],
                     cache_dir: Path | None = None) -> jinja2.Environment:
    """Loader search path: the site's theme, its parents; `name:` prefixes reach one theme.

    `dates` holds a formatter per language: the date filters write in the language of the
    page being rendered (`page.lang`), else in the site's `language`. One Environment per
    build: each template is compiled once (or read from the bytecode cache in `cache_dir`,
    else from this process's memory) and not checked for changes again during the build.
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
        bytecode_cache=_BytecodeCache(cache_dir / "jinja") if cache_dir is not None
        else _BYTECODE,
    )

    def formatter(context: jinja2.runtime.Context) -> DateFormatter:
        lang = getattr(context.get("page"), "lang", language)
        return dates.get(lang, dates[language])

    @jinja2.pass_context
    def date_full(context: jinja2.runtime.Context, value: datetime) -> str:
        return formatter(context).date(value, "full")

    @jinja2.pass_context
    def date_long(context: jinja2.runtime.Context, value: datetime) -> str:
        return formatter(context).date(value, "long")

    @jinja2.pass_context
    def date_short(context: jinja2.runtime.Context, value: datetime) -> str:
        return formatter(context).date(value, "short")

    @jinja2.pass_context
    def time(context: jinja2.runtime.Context, value: datetime) -> str:
        return formatter(context).time(value)

    env.filters.update({"date_full": date_full, "date_long": date_long,
                        "date_short": date_short, "time": time, "iso": dates[language].iso})
    env.globals["asset"] = asset_url
    return env


@dataclass(frozen=True, slots=True)
class PartialPage:
    """What a cached partial sees of the page that calls it: its language (for `t`, the
    date filters and `lang` attributes), nothing else."""

    lang: str


def partials(env: jinja2.Environment) -> Callable[..., Markup]:
    """`partial_cached(name, **values)` for the templates of one build: Hugo's
    `partialCached`. A story's card is on its list pages, its region's, category's and
    tags' pages and next to related stories: about ten times the same HTML, which was a
    quarter of the time spent in templates.

    The partial is rendered apart from the page, with `site`, `t`, `page` (a PartialPage:
    only `lang`) and `values`, so its HTML is a function of what the key holds and nothing
    can make a cached one wrong: a partial that reads more of the page fails with a
    `template:line` error instead of being stale. The key holds `name`, the page's `site`
    and `t` (one each per language in a build, by identity), `lang`, and `values`:
    strings, numbers, booleans and None by value, kabar's view records (frozen) by
    identity, tuples of those; a partial given anything else is rendered every time. A
    new one per build: `kabar serve` keeps the environment between builds, not this.
    """
    made: dict[tuple[Any, ...], Markup] = {}
    held: list[Any] = []  # what a key names by identity stays alive, so its id is not reused

    @jinja2.pass_context
    def partial_cached(context: jinja2.runtime.Context, name: str, **values: Any) -> Markup:
        site, t = context.get("site"), context.get("t")
        lang = getattr(context.get("page"), "lang", "")
        parts = _key_part(tuple(sorted(values.items())))
        key = None if parts is None else (name, id(site), id(t), lang, parts)
        if key is not None and (found := made.get(key)) is not None:
            return found
        html = Markup(env.get_template(name).render(site=site, t=t, page=PartialPage(lang),
                                                    **values))
        if key is not None:
            made[key] = html
            held.append((site, t, values))
        return html

    return partial_cached


_BY_VALUE = (str, int, float, bool, type(None))


def _key_part(value: Any) -> Any:
    """`value` as part of a cached partial's key, or None when it cannot be one."""
    if type(value) in _BY_VALUE:
        return (type(value), value)  # True and 1 are equal, but print differently
    if type(value) is tuple:
        parts = tuple(_key_part(item) for item in value)
        return None if None in parts else parts
    params = getattr(type(value), "__dataclass_params__", None)
    if params is not None and params.frozen:
        return (type(value), id(value))
    return None


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
