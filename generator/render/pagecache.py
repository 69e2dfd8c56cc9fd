"""Rendered pages kept in `.cache/pages/`, keyed by everything their template can see.

A page is a pure function of two things: the context its template is rendered with (the
page's view objects, `site`, `t`) and the environment that renders it (the theme's files,
the filters' code and settings, the libraries' versions). The key is a hash of both:

- the **context** by value, pickled: every field of every view object, so any change a
  template could show (a title in a related-story card, a count in the navigation, a
  story's `noindex` flag) changes the key. Nothing is guessed about which page depends on
  which story; the page's own inputs are compared. Story views and the `site`/`t` objects
  are shared by many pages: each is pickled once per build and stands in the page's pickle
  as its hash. A page's SEO head is not in its context yet: what the head is made of is
  (render/pages.py, PageSpec), so a page found here never makes its head;
- the **environment**, once per build: every file of every theme in the chain, kabar's
  own code, the site configuration, the time-zone data the date filters use, and the
  versions of Python, Jinja2, MarkupSafe and Babel.

Story pages and pages of lists are keyed by their inputs instead (`input_key`, with
render/inputkeys.py), before any view of them is built; the context key is for the rest.
A context that cannot be pickled (a theme given a function, say) is simply not cached.
Entries are checksummed, in a few large files (cache.PackCache); entries no page of a
complete build used are dropped after it. Standard library only.
"""

from __future__ import annotations

import copyreg
import dataclasses
import hashlib
import io
import operator
import pickle
import sys
import types
import weakref
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from generator import model
from generator.cache import PackCache, code_digest, version, zone_rules
from generator.render import seo, views
from generator.render.views import SiteView, StoryView
from generator.spill import SpilledHtml

LIBRARIES = ("jinja2", "markupsafe", "babel")

#: Objects shared by many pages, each hashed once per build and pickled as its hash.
_SHARED = (SiteView, StoryView)
#: The modules whose dataclasses make up template contexts: pickled as their fields, with
#: one C call (operator.attrgetter); another dataclass is pickled pickle's own (slower) way.
_VIEW_MODULES = (views, seo, model)


def _shared(digest: str) -> None:
    """Stands for a shared object in a page's pickle (never called: nothing is unpickled)."""


Reduce = Callable[[Any], Any]


def _dispatch(cache: PageCache) -> dict[type, Reduce]:
    """How each type is reduced, looked up by pickle in C: a mappingproxy (frozen config
    sections) as its dict, shared views as their hash, the view dataclasses as their
    fields; the tuple of every page link of a list (the same tuple on each of its pages)
    as its hash too. Sets keep their own order, which differs between processes: a
    context holding one is only ever a cache miss.

    The reducers reach the cache through a weak reference. A strong one makes a cycle
    (cache → table → reducer → cache) that keeps every view the cache has hashed alive
    after the build, until a full collection: at the exit of `kabar build` on 10,000
    stories that collection took 0.4 s."""
    own = weakref.ref(cache)

    def digest(obj: object) -> str:
        found = own()
        assert found is not None, "a table is used only by its own cache's picklers"
        return found.shared_digest(obj)

    table: dict[type, Reduce] = dict(copyreg.dispatch_table)
    table[types.MappingProxyType] = lambda proxy: (dict, (tuple(proxy.items()),))
    for module in _VIEW_MODULES:
        for kind in vars(module).values():
            if isinstance(kind, type) and dataclasses.is_dataclass(kind):
                table[kind] = _by_fields(kind)
    for kind in _SHARED:
        table[kind] = lambda obj: (_shared, (digest(obj),))
    # A body kept on disk by its digest: equal digests are equal HTML, so the key is exact
    # without the HTML itself being read back or pickled.
    table[SpilledHtml] = lambda obj: (SpilledHtml, (obj.digest,))
    others = operator.attrgetter(*(f.name for f in dataclasses.fields(views.ListingView)
                                   if f.name != "pages"))

    def listing(obj: views.ListingView) -> tuple[Any, ...]:
        return views.ListingView, (others(obj), digest(obj.pages))

    table[views.ListingView] = listing
    return table


def _by_fields(kind: type) -> Reduce:
    names = [f.name for f in dataclasses.fields(kind)]
    if len(names) == 1:
        return lambda obj: (kind, (getattr(obj, names[0]),))
    get = operator.attrgetter(*names)
    return lambda obj: (kind, (get(obj),))


class _Pickler(pickle.Pickler):
    """Pickles by value, in the same bytes in every process (see _dispatch)."""

    def __init__(self, file: io.BytesIO, table: dict[type, Reduce]) -> None:
        super().__init__(file, protocol=5)
        self.fast = True  # no memo: equal values pickle alike, whatever object holds them
        self.dispatch_table = table


class PageCache:
    """`key(template, context)` → an entry name, or None; `get`/`put` bytes; `finish`."""

    def __init__(self, folder: Path, theme: str, config: Any, timezone: str,
                 shared: Iterable[object] = ()) -> None:
        self.files = PackCache(folder)
        #: id → (object, hash): the object is kept so that its id is not reused.
        self.shared: dict[int, tuple[object, str]] = {}
        self.dispatch = _dispatch(self)
        for obj in shared:  # plain dicts shared by every page (the UI strings `t`)
            self.shared[id(obj)] = (obj, "")
        self.environment = _environment(theme, self._pickle(config), timezone)
        self.hits = self.misses = 0  # pages rendered in this process (not in workers)

    def key(self, template: str, context: Mapping[str, Any]) -> str | None:
        """The entry of a page; None when its context cannot be pickled."""
        try:
            data = self._pickle((template, tuple(
                (name, self.shared_digest(value) if id(value) in self.shared else value)
                for name, value in context.items())))
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return None
        return hashlib.blake2b(self.environment + data, digest_size=24).hexdigest()

    def get(self, key: str) -> bytes | None:
        data = self.files.get(key)
        if data is None:
            self.misses += 1
        else:
            self.hits += 1
        return data

    def put(self, key: str, data: bytes) -> None:
        self.files.put(key, data)

    def finish(self, used: set[str] | None) -> None:
        """Keep only the entries a page of this build used (None: every entry, old and
        new: a build that stopped early does not know what the rest would use)."""
        self.files.finish(used)

    def close(self) -> None:
        self.files.close()

    def shared_digest(self, obj: object) -> str:
        known = self.shared.get(id(obj))
        if known is None or not known[1]:
            known = (obj, hashlib.blake2b(self._pickle(obj, top=True),
                                          digest_size=24).hexdigest())
            self.shared[id(obj)] = known
        return known[1]

    def input_key(self, inputs: Any, table: dict[type, Reduce]) -> str | None:
        """The entry of a page keyed by what it is made of (render/inputkeys.py) rather
        than by its context; `table` is `dispatch` with the stand-ins of those inputs."""
        try:
            data = self._pickle(("inputs", inputs), table=table)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return None
        return hashlib.blake2b(self.environment + data, digest_size=24).hexdigest()

    def value_digest(self, obj: Any, table: dict[type, Reduce] | None = None) -> str:
        """The hash of `obj` by value (a record: its type and fields), not remembered."""
        return hashlib.blake2b(self._pickle(obj, top=True, table=table),
                               digest_size=24).hexdigest()

    def _pickle(self, obj: Any, *, top: bool = False,
                table: dict[type, Reduce] | None = None) -> bytes:
        buffer = io.BytesIO()
        # A shared object itself is pickled by value (its type and fields), not by its hash.
        _Pickler(buffer, self.dispatch if table is None else table).dump(
            _by_value(obj) if top else obj)
        return buffer.getvalue()


def _by_value(obj: object) -> tuple[Any, ...]:
    """A shared object's own value: its type and fields (a dict: its items)."""
    if isinstance(obj, dict):
        return ("dict", tuple(obj.items()))
    if isinstance(obj, tuple):
        return ("tuple", obj)
    kind = type(obj)
    return (f"{kind.__module__}.{kind.__qualname__}",
            tuple((f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)))  # type: ignore[arg-type]


def _environment(theme: str, config: bytes, timezone: str) -> bytes:
    """What every page's template sees besides its context, as one hash; `theme` is
    render.theme.theme_digest of the theme chain (every file of every theme)."""
    digest = hashlib.blake2b(digest_size=24)

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("theme", theme.encode())
    add("code", code_digest())  # a function a context names is pickled by name: its code
    add("config", config)
    add("python", sys.version.encode())
    for library in LIBRARIES:
        add(f"library:{library}", version(library).encode())
    add("tzdata", zone_rules(timezone))
    return digest.digest()


