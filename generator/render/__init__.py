"""Site → HTML pages and theme assets, through the theme's Jinja2 templates."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from pathlib import Path

from generator import urls
from generator.config.schema import LANGUAGES
from generator.diagnostics import Diagnostics
from generator.model import Output, Site
from generator.render import templates, workers
from generator.render.dates import DateFormatter
from generator.render.pages import PageMaker
from generator.render.theme import static_files, theme_chain
from generator.render.views import Views

__all__ = ["render_pages"]

#: Stop rendering after this many template errors: one bad template fails every page.
MAX_TEMPLATE_ERRORS = 20


#: Called as progress(stage, done, total) while pages render.
Progress = Callable[[str, int, int], None]


def render_pages(site: Site, root: Path, diags: Diagnostics,
                 progress: Progress | None = None, *,
                 cache_dir: Path | None = None, jobs: int | None = None) -> list[Output]:
    """Every HTML page of the site plus the theme's fingerprinted static files.

    Compiled templates are kept in `cache_dir` between builds. With `jobs` > 1 pages are
    rendered in that many forked workers (more memory; see render/workers.py).
    """
    chain = theme_chain(root, site.config.theme, diags)
    if not chain:
        return []
    statics = static_files(chain)
    asset_urls = {f.name: urls.asset(f.fingerprinted) for f in statics}

    def asset_url(name: str) -> str:
        if name not in asset_urls:
            raise KeyError(f"berkas statis '{name}' tidak ada di folder static/ tema")
        return asset_urls[name]

    zone = zoneinfo.ZoneInfo(site.config.timezone)
    dates = {lang: DateFormatter(lang, zone) for lang in LANGUAGES}
    env = templates.make_environment(chain, dates, site.config.language, asset_url, cache_dir)
    views = Views(site, dates[site.config.language])
    outputs = [Output(urls.output_path(asset_urls[f.name]), f.path.read_bytes())
               for f in statics]
    plan = list(PageMaker(site, views).plan())

    def render(number: int, problems: Diagnostics) -> tuple[str, bytes | None]:
        spec = plan[number]()
        # `site` (its navigation) and `t` speak the page's language: a translation's page
        # is in the translation's language throughout.
        lang = spec.page.lang
        html = templates.render(env, spec.template, {"site": views.site_view(lang),
                                                     "t": views.t_for(lang), "page": spec.page,
                                                     **spec.context}, root, problems)
        return spec.page.url, None if html is None else html.encode("utf-8")

    failures = 0
    results = workers.render_all(render, len(plan), jobs)
    for done, ((url, data), problems) in enumerate(results, start=1):
        if progress is not None:
            progress("halaman", done, len(plan))
        for problem in problems:
            diags.add(problem)
        if data is None:
            failures += 1
            if failures >= MAX_TEMPLATE_ERRORS:
                break
            continue
        outputs.append(Output(urls.output_path(url), data))
    return outputs
