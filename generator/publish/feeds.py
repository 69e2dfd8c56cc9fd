"""Site → RSS 2.0 and Atom feeds of the portal and of every list (the one feedgen module).

Feeds made, each as `feed.xml` (RSS) and `atom.xml` (Atom) beside the list page it follows
(`urls.rss_feed`, `urls.atom_feed`): the whole portal (`/feed.xml`), every region
(kabupaten, kecamatan, desa: a region's feed holds its descendants' stories too), every
category, every operator and, unless `feeds.tags: false`, every tag; and the fact
checks of `/cek-fakta/` (their entries titled "[HOAKS] …"). Those list the site
language's stories; each other language with stories (front matter `lang`) gets its own
`/<lang>/feed.xml` and `/<lang>/atom.xml`, whose channel links to the home page (there is
no list page in that language).

- Entries: published stories only (not scheduled, not expired), newest first, at most
  `feeds.limit`. An entry's id (RSS guid) is the story's absolute URL; an Atom feed's id
  is the feed's own absolute URL.
- Body: the summary (as escaped HTML), plus the story's HTML (links made absolute) when
  `feeds.full_content`.
- The story image: an RSS `<enclosure>` with its byte length and MIME type, an Atom
  `<link rel="enclosure">`.
- Deterministic: feedgen stamps `datetime.now()` into the feed and every entry and names
  itself and its version as `<generator>`; every date here is set from the stories (a feed's
  date is its newest story's) and the generator is removed, so a rebuild is byte-identical.
- Escaping is lxml's: operator text (`<script>`, `&`, `]]>`) is always XML-escaped text,
  never CDATA; characters XML 1.0 cannot carry at all are dropped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from feedgen.ext.base import BaseEntryExtension
from feedgen.feed import FeedGenerator

from generator import urls
from generator.config.schema import LANGUAGES
from generator.model import Output, Region, Site, Story

__all__ = ["FeedSpec", "feed_specs", "publish_feeds"]

#: MIME types of the image formats a story may carry (content/images.py IMAGE_SUFFIXES).
IMAGE_TYPES = {".avif": "image/avif", ".gif": "image/gif", ".jpeg": "image/jpeg",
               ".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
#: A feed's date when neither it nor the portal has a story yet (never the clock).
EMPTY_FEED_DATE = datetime(1970, 1, 1, tzinfo=UTC)

#: The words of feed titles. They match render/strings.py (`region_name`, the region kinds,
#: `category`, `tag`, `author`) so a page's `<link rel="alternate">` names its feed the way
#: the feed names itself; publish may not import render, and tests/test_feeds.py holds both.
LABELS: dict[str, dict[str, str]] = {
    "id": {"kabupaten": "Kabupaten", "kota": "Kota", "kecamatan": "Kecamatan", "desa": "Desa",
           "kelurahan": "Kelurahan", "region_name": "{kind} {name}", "category": "Kategori",
           "tag": "Tag", "author": "Penulis", "factchecks": "Cek Fakta",
           "language_name": "Bahasa Indonesia",
           "language_feed": "Berita dalam Bahasa Indonesia dari {site}"},
    "en": {"kabupaten": "Regency", "kota": "City", "kecamatan": "District", "desa": "Village",
           "kelurahan": "Urban village", "region_name": "{name} {kind}", "category": "Category",
           "tag": "Tag", "author": "Author", "factchecks": "Fact checks",
           "language_name": "English", "language_feed": "Stories in English from {site}"},
}

#: Characters XML 1.0 forbids even escaped (C0 controls but tab and newlines, surrogates).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: Site-relative and fragment links of a story body, made absolute for feed readers.
_LOCAL_LINK = re.compile(r'\b(href|src)="(/(?!/)[^"]*|#[^"]*)"')


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedSpec:
    """One feed: the list page it follows, its title and description, its stories."""

    list_url: str  # the feeds are `<list_url>feed.xml` and `<list_url>atom.xml`
    title: str
    description: str
    stories: tuple[Story, ...]  # newest first, at most feeds.limit
    language: str
    page_url: str  # the HTML page the feed follows: list_url, or the home page


class _AtomLinks(BaseEntryExtension):  # type: ignore[misc]  # feedgen has no types
    """Restores `rel`, `type` and `length` on an Atom entry's `<link>`s.

    feedgen 1.0.0 drops them (FeedEntry.atom_entry reuses its loop variable), which would
    turn the image's `rel="enclosure"` into a second `alternate` link. Idempotent, so a
    feedgen that fixes this changes nothing.
    """

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []

    def extend_atom(self, entry: Any) -> Any:
        for element, link in zip(entry.findall("link"), self.links, strict=True):
            for name in ("rel", "type", "length"):
                if link.get(name):
                    element.set(name, link[name])
        return entry


def feed_title(site_title: str, label: str) -> str:
    """'Kabar Kotim — Kecamatan Baamang'; the portal's own feed is just 'Kabar Kotim'."""
    return f"{site_title} — {label}" if label else site_title


def region_label(region: Region, language: str) -> str:
    words = LABELS[language]
    return words["region_name"].replace("{kind}", words[region.kind]).replace(
        "{name}", region.name)


def feed_specs(site: Site) -> list[FeedSpec]:
    """Every feed of the portal, in a stable order: portal, regions, categories, operators, tags."""
    config = site.config
    words = LABELS[config.language]
    fallback = config.tagline or config.title

    def spec(list_url: str, label: str, description: str, stories: tuple[Story, ...],
             language: str = config.language, page_url: str = "") -> FeedSpec:
        now = site.build_time
        newest = tuple(s for s in stories if s.meta.public(now))[:config.feeds.limit]
        return FeedSpec(list_url=list_url, title=feed_title(config.title, label),
                        description=description or fallback, stories=newest,
                        language=language, page_url=page_url or list_url)

    specs = [spec(urls.home(), "", fallback, site.stories)]
    if not config.feeds.lists:
        return specs
    specs += [spec(region.url, region_label(region, config.language), region.description,
                   site.by_region.get(region.id, ())) for region in site.regions.values()]
    specs += [spec(urls.category(c.id), f"{words['category']} {c.name}", c.description,
                   site.by_category.get(c.id, ())) for c in site.categories.values()]
    specs += [spec(urls.operator(o.id), f"{words['author']} {o.name}", "",
                   site.by_author.get(o.id, ())) for o in site.operators.values()]
    if config.feeds.tags:
        specs += [spec(tag.url, f"{words['tag']} {tag.name}", "", site.by_tag.get(slug, ()))
                  for slug, tag in site.tags.items()]
    if site.factchecks:
        specs.append(spec(urls.factchecks(), words["factchecks"], "", site.factchecks))
    for lang in LANGUAGES:
        stories = tuple(s for s in site.translations if s.meta.lang == lang)
        if stories:
            own = LABELS[lang]
            specs.append(spec(urls.language_home(lang), own["language_name"],
                              own["language_feed"].replace("{site}", config.title), stories,
                              language=lang, page_url=urls.home()))
    return specs


def publish_feeds(site: Site, root: Path) -> list[Output]:
    """`feed.xml` and `atom.xml` for the portal and every list; `root` to size story images."""
    newest_anywhere = _newest(site.stories, site.build_time)
    sizes = {story.meta.image.source: (root / story.meta.image.source).stat().st_size
             for story in site.listed_stories() if story.meta.image}
    outputs: list[Output] = []
    for spec in feed_specs(site):
        generator = _feed(site, spec, sizes,
                          _newest(spec.stories, site.build_time) or newest_anywhere)
        outputs += _serialise(site, spec, generator)
    return outputs


def _newest(stories: tuple[Story, ...], now: datetime) -> datetime | None:
    dates = [s.meta.updated or s.meta.date for s in stories if s.meta.public(now)]
    return max(dates, default=None)


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _feed(site: Site, spec: FeedSpec, sizes: dict[str, int],
          updated: datetime | None) -> FeedGenerator:
    config = site.config
    generator = FeedGenerator()
    generator.generator("")  # no `<generator>python-feedgen 1.0.0</generator>`
    generator.title(_text(spec.title))
    generator.description(_text(spec.description))
    generator.language(spec.language)
    generator.author(name=_text(config.organisation.name), uri=config.organisation.url)
    generator.updated(updated or EMPTY_FEED_DATE)  # not feedgen's datetime.now()
    generator.load_extension("dc", atom=False, rss=True)  # RSS <dc:creator> without e-mail
    for story in reversed(spec.stories):  # feedgen prepends each entry: newest ends first
        _entry(site, generator, story, sizes)
    return generator


def _entry(site: Site, generator: FeedGenerator, story: Story, sizes: dict[str, int]) -> None:
    config, meta = site.config, story.meta
    url = urls.absolute(config.base_url, story.url)
    entry = generator.add_entry()
    entry.guid(url, permalink=True)  # also the Atom <id>
    label = f"[{meta.factcheck.info.label}] " if meta.factcheck else ""
    entry.title(_text(label + meta.title))
    entry.link(href=url, rel="alternate", type="text/html")
    entry.published(meta.date)
    entry.updated(meta.updated or meta.date)  # not feedgen's datetime.now()
    operator = site.operators.get(meta.author)
    author = _text(operator.name if operator else meta.author)
    entry.author(name=author)
    entry.dc.dc_creator(author)
    category = site.categories.get(meta.category)
    if category:
        entry.category(term=category.id, label=_text(category.name),
                       scheme=urls.absolute(config.base_url, urls.category(category.id)))
    # RSS readers take <description> as HTML: the plain-text summary is HTML-escaped first
    # (Atom says so with type="html"), then lxml escapes it once more as XML text.
    entry.summary(html.escape(_text(meta.summary or story.body.first_paragraph), quote=False),
                  type="html")
    if config.feeds.full_content:
        entry.content(_text(_absolute_links(str(story.body.html), config.base_url, url)),
                      type="html")
    if meta.image:
        suffix = PurePosixPath(meta.image.source).suffix.lower()
        entry.enclosure(url=urls.absolute(config.base_url, meta.image.url),
                        length=str(sizes[meta.image.source]),
                        type=IMAGE_TYPES.get(suffix, "application/octet-stream"))
    entry.register_extension("kabar_links", _AtomLinks, atom=True, rss=False)
    entry.kabar_links.links = list(entry.link())


def _absolute_links(body: str, base_url: str, story_url: str) -> str:
    """`href="/x/"` → `href="https://host/x/"`, `href="#h"` → the story's URL + `#h`."""
    def absolute(match: re.Match[str]) -> str:
        attribute, target = match[1], match[2]
        full = story_url + target if target.startswith("#") else urls.absolute(base_url, target)
        return f'{attribute}="{full}"'

    return _LOCAL_LINK.sub(absolute, body)


def _serialise(site: Site, spec: FeedSpec, generator: FeedGenerator) -> Iterator[Output]:
    base = site.config.base_url
    page = urls.absolute(base, spec.page_url)
    for url, kind, render in ((urls.rss_feed(spec.list_url), "application/rss+xml",
                               generator.rss_str),
                              (urls.atom_feed(spec.list_url), "application/atom+xml",
                               generator.atom_str)):
        own = urls.absolute(base, url)
        generator.id(own)  # Atom: the feed's own address; RSS has no feed id
        # The last link is RSS's <link>: the list page; `self` is the file itself.
        generator.link([{"href": own, "rel": "self", "type": kind},
                        {"href": page, "rel": "alternate", "type": "text/html"}], replace=True)
        yield Output(urls.output_path(url), render(pretty=True, encoding="UTF-8"))
