"""`kabar serve`'s builds: the stages of build.py, with every file made when it is asked for.

A save must show in the browser in a fraction of a second, on 10,000 stories too, so a
preview does less than `build()` up front and nothing twice:

- stages 1-3 (site.yaml, content, structure) run on every rebuild, with a content Memo:
  a file whose bytes did not change is not parsed, checked or rendered again (its
  diagnostics are replayed); everything across files is worked out afresh;
- the pages are planned (URL → the function that renders it) but rendered only when a
  request asks for one, once per preview, with the very bytes `kabar build` writes;
- theme and content files are read from disk when asked for;
- share cards and image copies are made one at a time, when asked for (from the cache);
- the files made from the whole site (feeds, sitemaps, the search index, IndexNow's
  manifest, the schedule) are made the first time one of them is asked for, whole, and
  kept for this preview; a request for one waits for them, nothing else does.

Whether the browser should reload is decided from the inputs (`Preview.key`), not by
comparing every output: nothing is rendered to find out.
"""

from __future__ import annotations

import posixpath
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator import urls
from generator.build import (
    CACHE,
    BuildOptions,
    BuildResult,
    _check_collisions,
    _sources,
    load_site,
)
from generator.content import Memo
from generator.diagnostics import BuildFailed, Diagnostic, Diagnostics
from generator.model import Output, Site
from generator.publish import asset_sources
from generator.publish.feeds import publish_feeds
from generator.publish.images import image_makers
from generator.publish.indexnow import indexnow_files
from generator.publish.schedule import schedule_file
from generator.publish.search import search_index
from generator.publish.sitemaps import publish_sitemaps
from generator.render import Pages
from generator.render.theme import fingerprinted
from generator.structure import SiteMemo
from generator.structure.routes import history_lastmods

__all__ = ["PageFailed", "Preview", "Previewer"]


class PageFailed(Exception):
    """A page's template failed while rendering it on request; carries the diagnostics."""

    def __init__(self, problems: tuple[Diagnostic, ...]) -> None:
        super().__init__(f"{len(problems)} masalah")
        self.problems = problems


class Previewer:
    """Makes Previews of one portal, remembering what its content files gave last time."""

    def __init__(self, root: Path, options: BuildOptions | None = None) -> None:
        self.root, self.options = root, options or BuildOptions(drafts=True)
        self.memo = Memo()
        self.sites = SiteMemo()
        self.last: Preview | None = None  # the last good one

    def __call__(self) -> Preview:
        """Stages 1-3 and the paths of every file; raises BuildFailed like `build()`."""
        started = time.perf_counter()
        diags = Diagnostics()
        site = load_site(self.root, self.options, diags, self.memo, self.sites)
        last = self.last
        # The theme's environment and compiled templates are taken over while the theme's
        # files are the same (render.Pages).
        pages = Pages(site, self.root, diags, previous=last.pages if last else None)
        if diags.has_errors(strict=self.options.strict):
            raise BuildFailed(diags)
        # Only stories' contents changed (structure.SiteMemo: the same lists, addresses
        # and groupings): the pages are at the same addresses as in the last preview.
        same = last if last is not None and self.sites.previous is last.site else None
        preview = Preview(self.root, site, pages, diags, self.memo, same)
        known = preview.known_paths()
        if last is None or known != last.known:  # the last one's were checked
            _check_collisions(known, lambda: _sources(site), diags)
            if diags.has_errors(strict=self.options.strict):
                raise BuildFailed(diags)
        preview.known = known
        preview.seconds = time.perf_counter() - started
        self.last = preview
        return preview


class _Once:
    """A value made by the first caller who needs it; the others wait for that one."""

    def __init__(self, make: Callable[[Preview], Any]) -> None:
        self._make, self._lock, self._done, self._value = make, threading.Lock(), False, None

    def get(self, preview: Preview) -> Any:
        with self._lock:
            if not self._done:
                self._value, self._done = self._make(preview), True
            return self._value


class Preview:
    """One good rebuild: the Site, and every file of its build, made when asked for."""

    def __init__(self, root: Path, site: Site, pages: Pages, diagnostics: Diagnostics,
                 memo: Memo, same: Preview | None = None) -> None:
        self.root, self.site, self.pages, self.diagnostics = root, site, pages, diagnostics
        self.seconds = 0.0
        self.known: list[str] = []  # known_paths(), once checked for collisions
        #: Every page's output path, in plan order: planning them all takes as long as the
        #: rest of a save on 10,000 stories, so taken from `same` when its pages are at
        #: the same addresses.
        self.page_paths: list[str] = same.page_paths if same is not None else [
            path for path, _ in pages.planned]
        self._files: dict[str, Path] = {
            **pages.static, **{path: root / source
                               for path, source in asset_sources(site).items()}}
        self.key = _inputs(site, pages, self._files, memo)
        #: Theme static files: output path → the name its fingerprint was made from.
        self._theme_names = {urls.output_path(pages.asset_urls[f.name]): f.name
                             for f in pages.statics}
        self._made: dict[str, bytes] = {}
        self._render_lock = threading.Lock()
        self._images = _Once(lambda p: image_makers(p.site, p.root, p.root / CACHE))
        self._card_paths: frozenset[str] = same._card_paths if same is not None else frozenset(
            urls.output_path(urls.share_card(s.url)) for s in site.every_story()) \
            if site.config.cards.enabled else frozenset()
        # The makers get the preview when called, rather than holding it: no reference
        # cycle, so a replaced preview is freed at once (see dev/__init__.py on gc).
        self._groups: dict[str, _Once] = {
            "feeds": _Once(lambda p: publish_feeds(p.site, p.root)),
            "sitemaps": _Once(lambda p: publish_sitemaps(p.site, history_lastmods(p.site))),
            "schedule": _Once(lambda p: schedule_file(p.site)),
            "search": _Once(lambda p: search_index(
                p.site, {o.path: o.data for o in p._story_pages()})),
            "indexnow": _Once(lambda p: indexnow_files(p.site, p._all_pages())),
        }

    # -- what a request may ask for ----------------------------------------------------

    def has(self, path: str) -> bool:
        """A page or a copied file at this output path (no group is made to find out)."""
        return path in self._files or self.pages.find(path) is not None

    def get(self, path: str) -> bytes | None:
        """The bytes `kabar build` writes at `path`; None when it writes nothing there.
        Raises PageFailed when the page's template fails."""
        if path in self._files:  # one path is never a page and a file (collisions)
            return self._files[path].read_bytes()
        if self.pages.find(path) is not None:
            return self.page(path)
        if path in self._card_paths or path.endswith(".webp"):
            make = self._images.get(self).get(path)
            if make is not None:
                return bytes(make())
        group = self._group_of(path)
        if group is None:
            return None
        for output in self._groups[group].get(self):
            if output.path == path:
                return bytes(output.data)
        return None

    def immutable(self, path: str, data: bytes) -> bool:
        """Whether `data`, read for `path`, is a theme file whose name carries its digest
        (it is, unless the file was edited since this preview was made): the browser may
        then keep it for good, and a reload asks only for the page."""
        name = self._theme_names.get(path)
        return name is not None and path.endswith("/" + fingerprinted(name, data))

    def page(self, path: str) -> bytes:
        with self._render_lock:
            data = self._made.get(path)
            if data is not None:
                return data
            problems = Diagnostics()
            data = self.pages.render(path, problems)
            if data is None:
                raise PageFailed(tuple(problems))
            self._made[path] = data
            return data

    def known_paths(self) -> list[str]:
        """Every path known without making anything: pages, copied files, share cards."""
        return [*self.page_paths, *self._files, *self._card_paths]

    def _group_of(self, path: str) -> str | None:
        name = posixpath.basename(path)
        if name in (posixpath.basename(urls.rss_feed()), posixpath.basename(urls.atom_feed())):
            return "feeds"
        sitemap_dir = posixpath.dirname(urls.output_path(urls.sitemap("x")))
        if path in {urls.output_path(u) for u in (urls.sitemap_index(), urls.news_sitemap(),
                                                   urls.robots())} \
                or path.startswith(sitemap_dir + "/"):
            return "sitemaps"
        if path == urls.output_path(urls.schedule_file()):
            return "schedule"
        if path.startswith(urls.search_bundle().lstrip("/")):  # /pagefind/ → pagefind/
            return "search"
        key = self.site.config.indexnow.key
        if path == urls.output_path(urls.kabar_manifest()) or (
                key and path == urls.output_path(urls.indexnow_key_file(key))):
            return "indexnow"
        return None

    # -- the groups made from every page ------------------------------------------------

    def _all_pages(self) -> list[Output]:
        found = []
        for path in self.pages.plan:
            try:
                found.append(Output(path, self.page(path)))
            except PageFailed:
                continue  # the build would fail; the page itself shows why
        return found

    def _story_pages(self) -> list[Output]:
        wanted = {urls.output_path(s.url) for s in self.site.stories}
        found = []
        for path in self.pages.plan:
            if path in wanted:
                try:
                    found.append(Output(path, self.page(path)))
                except PageFailed:
                    continue
        return found

    # -- what the terminal says ----------------------------------------------------------

    def summary(self) -> str:
        return BuildResult(site=self.site, outputs=(), diagnostics=self.diagnostics,
                           seconds=self.seconds).summary(files=len(self.known_paths()))


def _inputs(site: Site, pages: Pages, files: dict[str, Path], memo: Memo,
            ) -> tuple[object, ...]:
    """What decides the preview's files, cheaply compared between rebuilds: the config,
    the bytes of every story and page (their digests, from the memo), the theme's files,
    the stat of every copied file, the git history, and the next scheduled change (a
    story whose time came changes it). Equal keys: the browser need not reload."""
    copied = []
    for path, file in sorted(files.items()):
        stat = file.stat()
        copied.append((path, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns))
    return (site.config, tuple((path, entry.digest) for path, entry in memo.files.items()),
            pages.theme_key[-1], tuple(copied),
            tuple((s.path, s.history) for s in site.every_story()),
            tuple((p.path, p.history) for p in site.pages), site.next_change)
