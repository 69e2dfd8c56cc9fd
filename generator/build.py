"""THE pipeline: site.yaml → content → structure → render + publish → outputs.

This is the only module that knows the order of the stages. Each stage reports problems
into one Diagnostics collector; the build stops between stages when errors were found,
so a site known to be broken is never rendered. Layer rule (held by
tests/test_architecture.py): imports point down — model/diagnostics ← config/urls ←
content ← structure ← render/publish ← build/writer ← cli.
"""

from __future__ import annotations

import os
import time
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Protocol

from generator import readahead, urls
from generator.config import load_config
from generator.content import Memo, discover, load_content
from generator.content.history import read_history
from generator.content.schedule import local_text
from generator.diagnostics import BuildFailed, Diagnostics
from generator.model import Kept, Output, Site
from generator.publish import copy_assets
from generator.publish.feeds import publish_feeds
from generator.publish.images import image_outputs
from generator.publish.indexnow import Manifest
from generator.publish.schedule import schedule_file
from generator.publish.search import search_index
from generator.publish.sitemaps import publish_sitemaps
from generator.render import render_pages
from generator.spill import Spill
from generator.structure import SiteMemo, build_site
from generator.structure.routes import history_lastmods
from generator.workers import Background, cpus, start_method

#: Pure results kept between builds (rendered Markdown, compiled templates, share cards),
#: git-ignored; deleting it changes nothing but the time the next build takes.
CACHE = ".cache"


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildOptions:
    """What the command line can change about a build."""

    drafts: bool = False
    base_url: str | None = None
    strict: bool = False
    build_time: datetime | None = None  # injected; else SOURCE_DATE_EPOCH; else now
    progress: Callable[[str, int, int], None] | None = None  # (stage, done, total)
    # Worker processes. None: Markdown in one per CPU (big builds), pages here and, on a big
    # site, in one worker beside; N > 1: both in N (faster on N cores, but each page worker
    # needs about the Site's memory again); 1: none.
    jobs: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildResult:
    """Everything a build made, and what it had to say."""

    site: Site
    outputs: tuple[Output, ...]  # sorted by path; empty when a sink took them (kabar build)
    diagnostics: Diagnostics
    seconds: float

    def summary(self, files: int | None = None) -> str:
        """'34 cerita, 9 wilayah, 31 tag → 260 berkas dalam 1,2 dtk'."""
        site = self.site
        n = len(self.outputs) if files is None else files

        def num(value: int) -> str:  # Indonesian digit grouping: 1.204
            return f"{value:,}".replace(",", ".")

        seconds = f"{self.seconds:.1f}".replace(".", ",")
        translated = f" (+{num(len(site.translations))} terjemahan)" if site.translations else ""
        checks = f"{num(len(site.factchecks))} cek fakta, " if site.factchecks else ""
        return (f"{num(len(site.stories))} cerita{translated}, {checks}"
                f"{num(len(site.regions))} wilayah, "
                f"{num(len(site.tags))} tag → {num(n)} berkas dalam {seconds} dtk")

    def schedule_note(self) -> str | None:
        """'perubahan terjadwal berikutnya: 2026-11-21 08:00 WIB (terbit: content/…)'."""
        change = self.site.next_change
        if change is None:
            return None
        zone = zoneinfo.ZoneInfo(self.site.config.timezone)
        what = "terbit" if change.change == "publish" else "kedaluwarsa"
        return (f"perubahan terjadwal berikutnya: {local_text(change.when, zone)} "
                f"({what}: {change.path}); bangun ulang portal pada waktu itu")


def build_time_from_env(now: datetime | None = None) -> datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else the current time, in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return now or datetime.now(tz=UTC)


class OutputSink(Protocol):
    """Where a build hands each file as soon as it is made: kept in memory (`Collected`,
    the default: tests, `kabar report`), or written into the writer's staging folder and
    dropped (`writer.Staging`: `kabar build`, so memory does not grow with the site)."""

    def add(self, output: Output | Kept) -> None: ...

    def holds(self, path: str, token: str) -> bool:
        """Whether the sink already has, from an earlier build, the file `token` names at
        `path` (then the build hands it `Kept(path, token)` instead of making the bytes)."""
        ...

    @property
    def files(self) -> Mapping[str, bytes]:
        """Every file added so far, by output path (the search index reads story pages)."""
        ...


class Collected:
    """The in-memory sink: every output kept, in the order it was made."""

    def __init__(self) -> None:
        self.outputs: list[Output] = []
        self.files: dict[str, bytes] = {}

    def add(self, output: Output | Kept) -> None:
        assert isinstance(output, Output), "nothing is held here, so nothing is kept"
        self.outputs.append(output)
        self.files[output.path] = output.data

    def holds(self, path: str, token: str) -> bool:
        return False


def build(root: Path, options: BuildOptions = BuildOptions(),
          sink: OutputSink | None = None) -> BuildResult:
    """Run every stage; raises BuildFailed (with diagnostics) instead of rendering errors.

    Each output goes to `sink` as soon as it is made; without one they are kept and
    returned in `BuildResult.outputs`. Collisions and `--strict` are checked after the
    last output, so a sink must not publish anything before the build returns.
    """
    started = time.perf_counter()
    diags = Diagnostics()
    site = load_site(root, options, diags)  # stages 1-3
    kept = Collected()  # stays empty when a sink is given
    made = _Handed(kept if sink is None else sink, Manifest(site))

    # 4. Render pages and publish the other outputs. The sitemaps and feeds, pure and
    # small next to their work, are made on another CPU meanwhile when that is worth it.
    listings = Background(partial(_listings, site, root), fork=_beside(site, options, sink))
    try:
        made.add(_collecting(render_pages(site, root, diags, options.progress,
                                          cache_dir=root / CACHE, jobs=options.jobs,
                                          held=made.sink.holds), listings))
        made.add(copy_assets(site, root))
        made.add(search_index(site, made.sink.files))  # pagefind/: public stories
        sitemaps, feeds = listings.result()
    finally:
        listings.close()
    made.add(sitemaps)  # sitemap.xml, sitemaps/, news-sitemap.xml, robots.txt
    made.add(feeds)  # feed.xml + atom.xml: portal, every list
    made.add(image_outputs(site, root, root / CACHE))  # kartu.jpg, *-480.webp
    made.add(schedule_file(site))  # .well-known/kabar-schedule.json: next scheduled change
    made.add(made.manifest.files())  # IndexNow: every HTML page was hashed as it passed
    _check_collisions(made.paths, lambda: _sources(site), diags)
    _stop_if_failed(diags, options)
    outputs = tuple(sorted(kept.outputs, key=lambda o: o.path))
    return BuildResult(site=site, outputs=outputs, diagnostics=diags,
                       seconds=time.perf_counter() - started)


#: Fewer stories than this: the sitemaps and feeds are made in the build's own process
#: (forking costs more than they do).
BESIDE_MIN_STORIES = 1000
#: More stories than this: made in the build's own process too. The child copies what
#: it touches of the build's memory (every story): on 100,000 stories, with the build at
#: about 2 GB, the process tree peaked at 3.04 GB with the child, over the 3 GB target.
BESIDE_MAX_STORIES = 50_000


def _listings(site: Site, root: Path) -> tuple[list[Output], list[Output]]:
    return publish_sitemaps(site, history_lastmods(site)), publish_feeds(site, root)


#: Pages between two looks at whether the sitemaps and feeds are ready.
COLLECT_EVERY = 256


def _collecting(pages: Iterable[Output | Kept],
                listings: Background[tuple[list[Output], list[Output]]],
                ) -> Iterator[Output | Kept]:
    """The pages, passed on; every COLLECT_EVERY of them, the sitemaps and feeds are taken
    if their child has sent them, so that it ends while the pages are still being made."""
    for number, page in enumerate(pages):
        if number % COLLECT_EVERY == 0:
            listings.collect()
        yield page


def _beside(site: Site, options: BuildOptions, sink: OutputSink | None) -> bool:
    """Whether the sitemaps and feeds are made in a forked child: a `kabar build` (a sink)
    of a large site, not too large for the memory, with a second CPU, not asked to use
    one job, free to fork."""
    return (sink is not None and options.jobs != 1 and cpus() > 1
            and start_method() == "fork"
            and BESIDE_MIN_STORIES <= len(site.stories) <= BESIDE_MAX_STORIES)


class _Handed:
    """Outputs on their way to the sink: each path is kept (collisions are checked after
    the last one) and each HTML page hashed for IndexNow; the bytes go on."""

    def __init__(self, sink: OutputSink, manifest: Manifest) -> None:
        self.sink, self.manifest = sink, manifest
        self.paths: list[str] = []

    def add(self, outputs: Iterable[Output | Kept]) -> None:
        for output in outputs:
            self.paths.append(output.path)
            self.sink.add(output)
            if isinstance(output, Kept) and self.manifest.key:  # its bytes: read back
                output = Output(output.path, self.sink.files[output.path])
            if isinstance(output, Output):
                self.manifest.add(output)


def load_site(root: Path, options: BuildOptions, diags: Diagnostics,
              memo: Memo | None = None, sites: SiteMemo | None = None) -> Site:
    """Stages 1-3: the site as data, nothing rendered (`build`, `kabar report`, and
    `kabar serve` with its `memo` of what each content file gave last time and its
    `sites` memo of the last grouping)."""
    # 1. Configuration
    config = load_config(root, diags)
    _stop_if_failed(diags, options)
    assert config is not None  # guaranteed when no error was collected
    if options.base_url:
        config = replace(config, base_url=options.base_url.rstrip("/"))
    zone = zoneinfo.ZoneInfo(config.timezone)
    build_time = (options.build_time or build_time_from_env()).astimezone(zone)

    # 2. Content: discover, validate, render Markdown
    tree = discover(root, diags, memo.folders if memo is not None else None)
    # A build reads every content file and cache entry: a child asks the kernel for them
    # first (generator/readahead.py). `kabar serve` has them in its memo.
    ahead = readahead.start(root, [*tree.stories, *tree.factchecks, *tree.pages],
                            root / CACHE) if memo is None else None
    try:
        history = read_history(root, config, diags)  # one `git log` pass; empty without git
        content = load_content(root, config, tree, diags, include_drafts=options.drafts,
                               now=build_time, history=history, cache_dir=root / CACHE,
                               workers=options.jobs, memo=memo,
                               # serve's memo keeps bodies in memory; a build, on disk
                               spill=Spill() if memo is None else None)
    finally:
        if ahead is not None:
            ahead.close()
    _stop_if_failed(diags, options)
    if options.progress:
        options.progress("cerita", len(content.stories), len(content.stories))

    # 3. Structure: region tree, groupings
    return (sites.build if sites is not None else build_site)(
        config, content.stories, content.pages, content.assets, build_time,
        unlisted=content.unlisted, factchecks=content.factchecks,
        next_change=content.next_change)


def _stop_if_failed(diags: Diagnostics, options: BuildOptions) -> None:
    """Between stages: a site known to be broken goes no further."""
    if diags.has_errors(strict=options.strict):
        raise BuildFailed(diags)


def _sources(site: Site) -> dict[str, list[str]]:
    """Output path → the content files it is made from (none: a file kabar makes itself)."""
    found: dict[str, list[str]] = {}

    def add(url: str, source: str) -> None:
        owners = found.setdefault(urls.output_path(url), [])
        if source not in owners:
            owners.append(source)

    for story in site.every_story():
        add(story.url, story.path)
        add(urls.share_card(story.url), story.path)
        for asset in story.body.assets:
            add(asset.url, asset.source)
    for page in site.pages:
        add(page.url, page.path)
        for asset in page.body.assets:
            add(asset.url, asset.source)
    for asset in site.assets:
        add(asset.url, asset.source)
    return found


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _url_key(path: str) -> str:
    """Paths that one file system may store as one file: case-insensitive (Windows, macOS)
    or normalisation-insensitive (macOS: 'café' typed as é or as e + ◌́)."""
    return _nfc(_nfc(path).casefold())


def _check_collisions(paths: Iterable[str], owners: Callable[[], dict[str, list[str]]],
                      diags: Diagnostics) -> None:
    """Two outputs for one path (content/static/index.html vs the home page), or for two
    paths that differ only by case or Unicode normalisation (Foto.png vs foto.png).
    `owners` (output path → its content files) is asked only when there is one."""
    seen: dict[str, str] = {}
    sources: dict[str, list[str]] = {}
    for path in paths:
        key = _url_key(path)
        if key not in seen:
            seen[key] = path
            continue
        sources = sources or owners()
        other = seen[key]
        made = f"berkas buatan kabar /{path}"
        if other == path:
            first, second = [*sources.get(path, []), made, made][:2]
            diags.error(first if first != made else second, 0,
                        f"dua berkas keluaran memakai alamat yang sama: {path} "
                        f"(dari {first} dan {second})",
                        hint="ganti nama salah satu berkas, atau beri slug lain")
        else:
            theirs, mine = (next(iter(sources.get(p, [])), f"berkas buatan kabar /{p}")
                            for p in (other, path))
            diags.error(mine if path in sources else theirs, 0,
                        f"alamat /{other} (dari {theirs}) dan /{path} (dari {mine}) "
                        + ("hanya beda huruf besar/kecil" if _nfc(other) != _nfc(path)
                           else "tampak sama tetapi ditulis dengan bentuk Unicode berbeda "
                           "(misalnya é sebagai satu huruf, atau e lalu tanda aksen)"),
                        hint="di server atau komputer yang tidak membedakannya, yang satu "
                        "menimpa yang lain; ganti nama salah satu berkas")
