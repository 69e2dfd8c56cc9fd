"""Site → HTML pages and theme assets, through the theme's Jinja2 templates."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from generator import urls
from generator.config.schema import LANGUAGES
from generator.diagnostics import Diagnostics
from generator.model import Kept, Output, Site, Story
from generator.render import templates, workers
from generator.render.dates import DateFormatter
from generator.render.inputkeys import InputKeys
from generator.render.pagecache import PageCache
from generator.render.pages import PageMaker, PageSpec
from generator.render.relatedcache import related_for_build
from generator.render.templates import Environment
from generator.render.theme import StaticFile, static_files, theme_chain, theme_digest
from generator.render.views import Views

__all__ = ["Pages", "render_pages"]

#: Stop rendering after this many template errors: one bad template fails every page.
MAX_TEMPLATE_ERRORS = 20


#: Called as progress(stage, done, total) while pages render.
Progress = Callable[[str, int, int], None]


class Pages:
    """The pages of one Site, each rendered when asked for (`kabar serve`), or all of them.

    Planning is cheap: the theme, its compiled templates and every page's URL with the
    function that builds its spec. `render(path)` makes one page's bytes, the same bytes
    `render_pages` writes for it, whatever order pages are asked in.
    """

    def __init__(self, site: Site, root: Path, diags: Diagnostics, *,
                 cache_dir: Path | None = None, previous: Pages | None = None) -> None:
        self.site, self.root, self.cache_dir = site, root, cache_dir
        self.chain = chain = theme_chain(root, site.config.theme, diags)
        self.ok = bool(chain)
        #: What the theme side (static files, the Jinja environment) is made from: with
        #: `previous` (kabar serve) it is taken over when this is equal, files' bytes and all.
        theme = theme_digest(chain)
        self.theme_key = (root, chain, site.config.timezone, site.config.language,
                          cache_dir, theme)
        self.dates: dict[str, DateFormatter]
        self.statics: tuple[StaticFile, ...]
        self.env: Environment
        self.asset_urls: dict[str, str]
        asset_urls: dict[str, str]
        if previous is not None and previous.theme_key == self.theme_key:
            self.statics, self.env, self.dates = previous.statics, previous.env, previous.dates
            asset_urls = previous.asset_urls
        else:
            self.statics = static_files(chain) if chain else ()
            asset_urls = {f.name: urls.asset(f.fingerprinted) for f in self.statics}

            def asset_url(name: str) -> str:
                if name not in asset_urls:
                    raise KeyError(f"berkas statis '{name}' tidak ada di folder static/ tema")
                return asset_urls[name]

            zone = zoneinfo.ZoneInfo(site.config.timezone)
            self.dates = {lang: DateFormatter(lang, zone) for lang in LANGUAGES}
            self.env = templates.make_environment(chain, self.dates, site.config.language,
                                                  asset_url, cache_dir)
        self.asset_urls = asset_urls
        self.views = Views(site, self.dates[site.config.language])
        #: `partial_cached` of this build's templates: its HTML is made from this site.
        self.partial_cached = templates.partials(self.env)
        #: Rendered pages kept between builds (none in `kabar serve`, which has no cache).
        self.cache = PageCache(cache_dir / "pages", theme, site.config, site.config.timezone,
                               shared=[self.views.t_for(lang) for lang in LANGUAGES]) \
            if cache_dir is not None and chain else None
        #: Theme static files: output path → the file (fingerprinted names).
        self.static: dict[str, Path] = {
            urls.output_path(asset_urls[f.name]): f.path for f in self.statics}

    @functools.cached_property
    def planned(self) -> list[tuple[str, Callable[[], PageSpec]]]:
        """Every page in plan order: output path and the function that builds its spec
        (two pages may claim one path: build.py reports that collision). Made when first
        asked for: `kabar serve` finds a story's page without it (`find`)."""
        return [(urls.output_path(url), make)
                for url, make in self.maker.plan()] if self.chain else []

    @functools.cached_property
    def plan(self) -> dict[str, Callable[[], PageSpec]]:
        """The same, by output path."""
        return dict(self.planned)

    @functools.cached_property
    def maker(self) -> PageMaker:
        # A build (with a cache) scores every story's related stories, or takes them from
        # the cache; `kabar serve` scores only the ones its requests ask for.
        related = related_for_build(self.site, self.cache_dir / "related") \
            if self.cache is not None and self.cache_dir is not None else None
        return PageMaker(self.site, self.views, related)

    @functools.cached_property
    def _story_paths(self) -> dict[str, Story]:
        return {urls.output_path(s.url): s for s in self.site.every_story()}

    def find(self, path: str) -> Callable[[], PageSpec] | None:
        """What `plan` holds at `path`; a story's page is found without planning the rest."""
        story = self._story_paths.get(path) if self.chain else None
        return partial(self.maker.story, story) if story is not None else self.plan.get(path)

    def render(self, path: str, problems: Diagnostics) -> bytes | None:
        """The page at output `path` (see `find`); None when its template failed."""
        make = self.find(path)
        if make is None:
            raise KeyError(path)
        return self.render_spec(make, problems)

    def render_spec(self, make: Callable[[], PageSpec], problems: Diagnostics) -> bytes | None:
        return self.render_cached(make, problems)[0]

    def render_cached(self, make: Callable[[], PageSpec],
                      problems: Diagnostics) -> tuple[bytes | None, str]:
        """The page's bytes (None when its template failed) and its cache entry ("" when
        it has none): from the page cache when its context and environment are unchanged."""
        data, key, _held = self.render_keyed(make, problems)
        return data, key

    def render_keyed(self, make: Callable[[], PageSpec], problems: Diagnostics,
                     held: Callable[[str], bool] | None = None) -> tuple[bytes | None, str, bool]:
        """`render_cached`, and whether `held(entry)` said the output already has the page
        made from its entry: then it is neither read nor rendered (no bytes).

        A story page or a page of a list is keyed by what it is made of, before its spec
        is built (render/inputkeys.py); the other pages by their context."""
        key = self.inputs.key(make) if self.inputs is not None else None
        if key is not None and (found := self._found(key, held)) is not None:
            return found
        spec = make()
        context = self.context_of(spec)
        if self.cache is not None and key is None:
            key = self.context_key(spec, context)
            if key is not None and (found := self._found(key, held)) is not None:
                return found
        context["page"] = spec.full_page()
        # Not in the key: what a cached partial makes is a function of the context.
        context["partial_cached"] = self.partial_cached
        html = templates.render(self.env, spec.template, context, self.root, problems)
        if html is None:
            return None, "", False
        # Stored by render_pages, in the build's own process (a page worker has only a copy).
        return html.encode("utf-8"), key or "", False

    def context_of(self, spec: PageSpec) -> dict[str, Any]:
        """What the page's template sees, the page still without its head. `site` (its
        navigation) and `t` speak the page's language: a translation's page is in the
        translation's language throughout."""
        lang = spec.page.lang
        return {"site": self.views.site_view(lang), "t": self.views.t_for(lang),
                "page": spec.page, **spec.context}

    def context_key(self, spec: PageSpec, context: dict[str, Any]) -> str | None:
        """The page's entry keyed by its context: the page without its head, and what the
        head is made of (see PageSpec)."""
        assert self.cache is not None
        return self.cache.key(spec.template, {**context, "page head": spec.head_inputs})

    @functools.cached_property
    def inputs(self) -> InputKeys | None:
        """Input keys of this site's pages; None without a page cache."""
        if self.cache is None:
            return None
        maker = self.maker
        return InputKeys(self.cache, self.site, self.views, maker.story, maker.listed,
                         maker.related)

    def _found(self, key: str, held: Callable[[str], bool] | None,
               ) -> tuple[bytes | None, str, bool] | None:
        """The page made from entry `key`, when the output holds it or the cache has it."""
        assert self.cache is not None
        if held is not None and held(key):
            self.cache.hits += 1
            return None, key, True
        cached = self.cache.get(key)
        return None if cached is None else (cached, key, False)


def render_pages(site: Site, root: Path, diags: Diagnostics,
                 progress: Progress | None = None, *,
                 cache_dir: Path | None = None, jobs: int | None = None,
                 held: Callable[[str, str], bool] | None = None) -> Iterator[Output | Kept]:
    """Every HTML page of the site plus the theme's fingerprinted static files.

    Each is yielded as soon as it is made, so the build can write it and drop its bytes
    (the pages of 100,000 stories are 3 GB). Compiled templates are kept in `cache_dir`
    between builds. With `jobs` > 1 pages are rendered in that many forked workers (more
    memory; see render/workers.py). A page whose page-cache entry `held(path, entry)`
    says the output already has is yielded as `Kept`: not read, not rendered. Pages
    made are yielded with their entry as their token, for the next build to ask about.
    """
    pages = Pages(site, root, diags, cache_dir=cache_dir)
    if not pages.ok:
        return
    yield from (Output(path, file.read_bytes()) for path, file in pages.static.items())
    plan = pages.planned
    _ = pages.inputs  # made before any page worker forks: they share every story's hash

    def render(number: int, problems: Diagnostics) -> workers.Page:
        path, make = plan[number]
        return (path, *pages.render_keyed(
            make, problems, None if held is None else partial(held, path)))

    failures = 0
    used: set[str] = set()
    cache = pages.cache
    try:
        results = workers.render_all(render, len(plan), jobs)
        for done, ((path, data, key, kept), problems) in enumerate(results, start=1):
            if progress is not None:
                progress("halaman", done, len(plan))
            for problem in problems:
                diags.add(problem)
            if kept:
                used.add(key)
                yield Kept(path, key)
                continue
            if data is None:
                failures += 1
                if failures >= MAX_TEMPLATE_ERRORS:
                    break
                continue
            if key and cache is not None:
                cache.put(key, data)  # a page read from the cache is there already
                used.add(key)
            yield Output(path, data, key)
        if cache is not None:  # what no page used goes: old versions of edited pages
            cache.finish(None if failures else used)
    finally:
        if cache is not None:
            cache.close()
