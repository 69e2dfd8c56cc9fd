"""Site → share cards and responsive image copies, each made once and then served from a cache.

A card or copy is a pure function of its inputs, so its cache key is the sha256 of all of
them (see `card_key`, `variant_key`); an unchanged story costs a file read on the next
build. The cache lives in `<portal>/.cache/` and is never a source of truth.
"""

from __future__ import annotations

import functools
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from generator import urls
from generator.cache import FileCache, cache_key, file_hash
from generator.model import Image, Output, Site, Story
from generator.publish import cards, variants

#: The font files cards are drawn with, committed to the default theme (licence beside them).
FONT_DIR = Path(__file__).resolve().parents[2] / "themes" / "default" / "fonts"
FONTS = cards.Fonts(bold=FONT_DIR / "DejaVuSans-Bold.ttf", regular=FONT_DIR / "DejaVuSans.ttf")

# Region kinds as words. render/strings.py holds the page wording, but publish may not
# import render (docs/architecture.md, layer rules), so the card keeps its own five words.
KIND_WORDS: dict[str, dict[str, str]] = {
    "id": {"kabupaten": "Kabupaten", "kota": "Kota", "kecamatan": "Kecamatan",
           "desa": "Desa", "kelurahan": "Kelurahan"},
    "en": {"kabupaten": "Regency", "kota": "City", "kecamatan": "District",
           "desa": "Village", "kelurahan": "Urban village"},
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageBatch:
    """The files made, and how many were drawn now versus taken from the cache."""

    outputs: tuple[Output, ...]
    rendered: int
    cached: int


def share_images(site: Site, root: Path, cache_dir: Path) -> ImageBatch:
    """A share card for every story (unless `cards.enabled` is false), and the smaller WebP
    copies of every story image."""
    made = list(_planned(site, root, cache_dir).stream())
    drawn = sum(1 for _, fresh in made if fresh)
    return ImageBatch(outputs=tuple(output for output, _ in made), rendered=drawn,
                      cached=len(made) - drawn)


def image_outputs(site: Site, root: Path, cache_dir: Path) -> Iterator[Output]:
    """What `share_images` makes, yielded one file at a time in the same order, so the
    build writes each and drops it (a card is about 60 KB: 600 MB on 10,000 stories)."""
    return (output for output, _ in _planned(site, root, cache_dir).stream())


def image_makers(site: Site, root: Path, cache_dir: Path) -> dict[str, Callable[[], bytes]]:
    """What `share_images` makes, one file at a time (kabar serve): output path → a
    function returning its bytes, from the cache or drawn (and cached) when called."""
    return {job.path: functools.partial(_one, job)
            for job in _planned(site, root, cache_dir).jobs}


def _planned(site: Site, root: Path, cache_dir: Path) -> _Plan:
    plan = _Plan(root, cache_dir)
    for story in site.every_story() if site.config.cards.enabled else ():
        plan.card(site, story)
    images = {s.meta.image.url: s.meta.image for s in site.every_story() if s.meta.image}
    for url in sorted(images):
        plan.variants(images[url])
    return plan


def region_label(site: Site, region_id: str, language: str = "") -> str:
    """'Kecamatan Baamang, Kotawaringin Timur': the region and the kabupaten it lies in.

    In `language` (a story's; default the site's): 'Baamang District, Kotawaringin Timur'.
    """
    region = site.regions[region_id]
    language = language or site.config.language
    words = KIND_WORDS.get(language, KIND_WORDS["id"])
    kind = words.get(region.kind, region.kind.capitalize())
    own = f"{region.name} {kind}" if language == "en" else f"{kind} {region.name}"
    top = site.regions[region.lineage[0]]
    return own if top.id == region.id else f"{own}, {top.name}"


#: The layout "version" is the drawing code itself: editing cards.py or variants.py
#: retires their cache entries, with no version number to forget to bump. (Cards open
#: their photo with variants.open_upright, so they depend on both files.)
VARIANT_CODE = file_hash(Path(variants.__file__))
CARD_CODE = cache_key(file_hash(Path(cards.__file__)), VARIANT_CODE)


def card_key(text: cards.CardText, photo_hash: str, font_hash: str) -> str:
    return cache_key("card", CARD_CODE, text.title, text.region, text.site_title, text.label,
                     text.tone, photo_hash, font_hash, cards.ENGINE)


def variant_key(photo_hash: str, width: int) -> str:
    return cache_key("variant", VARIANT_CODE, photo_hash, width, variants.ENGINE)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Job:
    """One file to publish: from the cache under `key`, else drawn by `render`."""

    path: str
    cache: FileCache
    key: str
    render: Callable[[], bytes]


class _Plan:
    """Collects the files to make, then makes the missing ones in parallel."""

    def __init__(self, root: Path, cache_dir: Path) -> None:
        self.root = root
        self.cards = FileCache(cache_dir / "cards", ".jpg")
        self.copies = FileCache(cache_dir / "images", ".webp")
        self.font_hash = cache_key(file_hash(FONTS.bold), file_hash(FONTS.regular))
        self.hashes: dict[str, str] = {}
        self.jobs: list[_Job] = []

    def photo_hash(self, image: Image) -> str:
        if image.source not in self.hashes:
            self.hashes[image.source] = file_hash(self.root / image.source)
        return self.hashes[image.source]

    def card(self, site: Site, story: Story) -> None:
        image = story.meta.image
        fact = story.meta.factcheck
        text = cards.CardText(title=story.meta.title, site_title=site.config.title,
                              region=region_label(site, story.meta.region, story.meta.lang),
                              label=f"[{fact.info.label}]" if fact else "",
                              tone=fact.info.tone if fact else "false")
        photo = self.root / image.source if image else None
        key = card_key(text, self.photo_hash(image) if image else "", self.font_hash)
        self.jobs.append(_Job(path=urls.output_path(urls.share_card(story.url)), cache=self.cards,
                              key=key, render=functools.partial(cards.render_card, text, photo,
                                                                FONTS)))

    def variants(self, image: Image) -> None:
        for width, url in urls.image_variants(image.url, image.width):
            self.jobs.append(_Job(
                path=urls.output_path(url), cache=self.copies,
                key=variant_key(self.photo_hash(image), width),
                render=functools.partial(variants.render_variant, self.root / image.source,
                                         width)))

    def stream(self) -> Iterator[tuple[Output, bool]]:
        """Every job's file in order, and whether it was drawn now (not from the cache).

        Pillow releases the GIL while it decodes, resizes and encodes: threads suffice. They
        work at most WINDOW files ahead of the caller, so only those files' bytes are held,
        and the order never depends on timing.

        After the last file, the entries no job used are removed (a card of an old title,
        a copy of a replaced photo, files of older drawing code): the cache holds this
        site's files only. `kabar serve` draws on request (`image_makers`) and removes
        nothing."""
        ahead: deque[tuple[str, Future[tuple[bytes, bool]]]] = deque()
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            for number, job in enumerate(self.jobs, start=1):
                ahead.append((job.path, pool.submit(_fetch, job)))
                while ahead and (len(ahead) >= WINDOW or number == len(self.jobs)):
                    path, future = ahead.popleft()
                    data, drawn = future.result()
                    yield Output(path, data), drawn
        for cache in (self.cards, self.copies):
            cache.prune({job.key for job in self.jobs if job.cache is cache})


#: Files fetched or drawn ahead of the one the build is writing (see `_Plan.stream`).
WINDOW = 16


def _fetch(job: _Job) -> tuple[bytes, bool]:
    data = job.cache.get(job.key)
    return (data, False) if data is not None else (_draw(job), True)


def _one(job: _Job) -> bytes:
    return _fetch(job)[0]


def _draw(job: _Job) -> bytes:
    data = job.render()
    job.cache.put(job.key, data)
    return data
