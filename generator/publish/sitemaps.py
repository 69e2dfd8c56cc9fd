"""Site → sitemap index, child sitemaps, Google News sitemap and robots.txt. Standard library.

Files made (all URLs inside them absolute, from `site.config.base_url`):

- `/sitemap.xml`: a sitemap index; each `<sitemap>` carries the newest `<lastmod>` inside it.
- `/sitemaps/halaman.xml`: every indexable HTML page that is not a story: the home page and
  every list page with its pagination (structure/routes.py), the search page `/cari/`
  (indexable: the target of the home page's SearchAction), and the static pages. The 404
  page and noindex pages (stories not yet published, shown only by `--drafts`, and
  expired stories) are left out.
- `/sitemaps/berita-<year>.xml`: published stories of one year (fact checks and translations
  too; not the scheduled or expired ones), newest first, with their images; a story with
  versions in other languages names every version (itself too) and `x-default` (the
  site-language version) as `<xhtml:link rel="alternate" hreflang="…">`; `<lastmod>` is the
  front matter's `updated`/`date`, or git's last commit where front matter is silent
  (`lastmod_override`); a file would pass 50,000 URLs or 50 MB, so it continues in
  `berita-<year>-2.xml`.
- `/news-sitemap.xml`: Google News, stories published in the 48 hours up to the build time.
- `/robots.txt`: allows everything and names both sitemaps.

The XML is written by hand with `xml.sax.saxutils.escape` (text) and percent-encoded URLs:
every byte is known, so a file's size can be counted exactly while splitting.
"""

from __future__ import annotations

import posixpath
import re
import urllib.parse
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from types import MappingProxyType
from xml.sax.saxutils import escape

from generator import urls
from generator.model import Output, Site, Story
from generator.structure.routes import list_routes, story_lastmod

__all__ = ["Child", "Entry", "child_sitemaps", "news_stories", "publish_sitemaps", "split"]

#: The sitemaps.org limits of one sitemap file: URLs, and bytes uncompressed (50 MiB).
MAX_URLS = 50_000
MAX_BYTES = 50 * 1024 * 1024
#: Google News: only articles of the last two days, at most 1,000 per news sitemap.
NEWS_WINDOW = timedelta(hours=48)
MAX_NEWS = 1_000
#: Google's limit of <image:image> per <url>.
MAX_IMAGES = 1_000
#: Formats Google Images indexes (BMP, GIF, JPEG, PNG, WebP, SVG, AVIF).
IMAGE_SUFFIXES = frozenset({".avif", ".bmp", ".gif", ".jpeg", ".jpg", ".png", ".svg", ".webp"})

NS_SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NS_IMAGE = "http://www.google.com/schemas/sitemap-image/1.1"
NS_NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
NS_XHTML = "http://www.w3.org/1999/xhtml"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
URLSET_OPEN = (f'{XML_DECLARATION}<urlset xmlns="{NS_SITEMAP}" '
               f'xmlns:image="{NS_IMAGE}" xmlns:xhtml="{NS_XHTML}">\n').encode()
NEWS_OPEN = (f'{XML_DECLARATION}<urlset xmlns="{NS_SITEMAP}" '
             f'xmlns:news="{NS_NEWS}">\n').encode()
URLSET_CLOSE = b"</urlset>\n"

#: Characters XML 1.0 forbids even escaped (C0 controls but tab and newlines, surrogates).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: Left as they are in a URL path; everything else (spaces, non-ASCII, '%') is encoded.
_PATH_SAFE = "/-._~!$&'()*+,;=:@"

_NO_OVERRIDES: Mapping[str, datetime] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One `<url>` of a sitemap: a site-relative URL, when it last changed, its images."""

    url: str
    lastmod: datetime | None
    images: tuple[str, ...] = ()  # site-relative image URLs
    alternates: tuple[tuple[str, str], ...] = ()  # (hreflang, site-relative URL) of versions


@dataclass(frozen=True, slots=True, kw_only=True)
class Child:
    """One child sitemap of the index: its site URL, bytes and newest lastmod."""

    url: str
    data: bytes
    lastmod: datetime | None


def publish_sitemaps(site: Site, lastmod_override: Mapping[str, datetime] = _NO_OVERRIDES,
                     ) -> list[Output]:
    """sitemap.xml, its child sitemaps, news-sitemap.xml and robots.txt.

    `lastmod_override` maps a site-relative URL ('/berita/2024/x/') to the time it really
    last changed (e.g. from the Git history); it replaces the lastmod kabar derives from
    front matter, for that URL only. Empty by default.
    """
    zone = zoneinfo.ZoneInfo(site.config.timezone)
    base = site.config.base_url

    def lastmod(url: str, derived: datetime | None) -> datetime | None:
        return lastmod_override.get(url, derived)

    pages = [Entry(url=r.url, lastmod=lastmod(r.url, r.lastmod)) for r in list_routes(site)]
    if site.config.search.enabled:  # otherwise there is no /cari/ to list
        pages.append(Entry(url=urls.search(), lastmod=lastmod(urls.search(), None)))
    pages += [Entry(url=p.url, lastmod=lastmod(p.url, None)) for p in site.pages]
    children = child_sitemaps("halaman", pages, base, zone)
    by_year: dict[int, list[Entry]] = {}
    listed = site.listed_stories()
    for story in sorted(listed, key=lambda s: (-s.meta.date.timestamp(), s.url)):
        if story.meta.public(site.build_time):  # the others are rendered noindex
            by_year.setdefault(story.meta.date.year, []).append(
                Entry(url=story.url, lastmod=lastmod(story.url, story_lastmod(story)),
                      images=story_images(story), alternates=alternates(site, story)))
    for year, entries in sorted(by_year.items(), reverse=True):
        children += child_sitemaps(f"berita-{year:04d}", entries, base, zone)
    return [
        Output(urls.output_path(urls.sitemap_index()), sitemap_index(children, base, zone)),
        *(Output(urls.output_path(child.url), child.data) for child in children),
        Output(urls.output_path(urls.news_sitemap()),
               news_sitemap(news_stories(site.stories + site.translations, site.build_time),
                            site, zone)),
        Output(urls.output_path(urls.robots()), robots_txt(base)),
    ]


def alternates(site: Site, story: Story) -> tuple[tuple[str, str], ...]:
    """(hreflang, URL) of each published version of a story, then `x-default`; () alone."""
    versions = [v for v in site.versions_of(story) if v.meta.public(site.build_time)]
    if len(versions) < 2:
        return ()
    links = [(v.meta.lang, v.url) for v in versions]
    if versions[0].meta.lang == site.config.language:
        links.append(("x-default", versions[0].url))
    return tuple(links)


def story_images(story: Story) -> tuple[str, ...]:
    """The story's own image, then the images its body shows or links to, each once."""
    found = [story.meta.image.url] if story.meta.image else []
    found += [a.url for a in story.body.assets
              if posixpath.splitext(a.url)[1].lower() in IMAGE_SUFFIXES]
    return tuple(dict.fromkeys(found))[:MAX_IMAGES]


# -- child sitemaps and the index --------------------------------------------------------


def child_sitemaps(name: str, entries: Sequence[Entry], base: str, zone: tzinfo, *,
                   max_urls: int = MAX_URLS, max_bytes: int = MAX_BYTES) -> list[Child]:
    """`name.xml`, continued in `name-2.xml`, `name-3.xml`… when a file would pass a limit."""
    fragments = [url_element(e, base, zone) for e in entries]
    budget = max_bytes - len(URLSET_OPEN) - len(URLSET_CLOSE)
    children = []
    for number, chunk in enumerate(split([len(f) for f in fragments], max_urls, budget), 1):
        data = b"".join([URLSET_OPEN, *fragments[chunk.start:chunk.stop], URLSET_CLOSE])
        url = urls.sitemap(name if number == 1 else f"{name}-{number}")
        children.append(Child(url=url, data=data,
                              lastmod=_newest(entries[i].lastmod for i in chunk)))
    return children


def split(sizes: Sequence[int], max_count: int, max_bytes: int) -> tuple[range, ...]:
    """Cut items of these byte sizes, in order, into runs of ≤ max_count items and ≤ max_bytes.

    Always at least one run (an empty sitemap is still a valid file). An item larger than
    `max_bytes` on its own gets a run to itself rather than being dropped.
    """
    runs: list[range] = []
    start, used = 0, 0
    for index, size in enumerate(sizes):
        if index > start and (index - start >= max_count or used + size > max_bytes):
            runs.append(range(start, index))
            start, used = index, 0
        used += size
    runs.append(range(start, len(sizes)))
    return tuple(runs)


def url_element(entry: Entry, base: str, zone: tzinfo) -> bytes:
    lines = ["  <url>", f"    <loc>{_loc(base, entry.url)}</loc>"]
    if entry.lastmod is not None:
        lines.append(f"    <lastmod>{_w3c(entry.lastmod, zone)}</lastmod>")
    lines += [f'    <xhtml:link rel="alternate" hreflang="{lang}" href="{_loc(base, url)}"/>'
              for lang, url in entry.alternates]
    for image in entry.images:
        lines += ["    <image:image>", f"      <image:loc>{_loc(base, image)}</image:loc>",
                  "    </image:image>"]
    lines.append("  </url>\n")
    return "\n".join(lines).encode()


def sitemap_index(children: Sequence[Child], base: str, zone: tzinfo) -> bytes:
    lines = [f'{XML_DECLARATION}<sitemapindex xmlns="{NS_SITEMAP}">']
    for child in children:
        lines += ["  <sitemap>", f"    <loc>{_loc(base, child.url)}</loc>"]
        if child.lastmod is not None:
            lines.append(f"    <lastmod>{_w3c(child.lastmod, zone)}</lastmod>")
        lines.append("  </sitemap>")
    lines.append("</sitemapindex>\n")
    return "\n".join(lines).encode()


# -- Google News -----------------------------------------------------------------------


def news_stories(stories: Iterable[Story], build_time: datetime) -> tuple[Story, ...]:
    """Published stories dated within NEWS_WINDOW up to `build_time`, newest first, ≤ 1,000.

    Both edges count: a story dated exactly 48 hours before the build, or exactly at the
    build time, is in; one dated after the build time (scheduled) is not.
    """
    since = build_time - NEWS_WINDOW
    fresh = [s for s in stories
             if s.meta.status == "published" and since <= s.meta.date <= build_time]
    fresh.sort(key=lambda s: (-s.meta.date.timestamp(), s.url))
    return tuple(fresh[:MAX_NEWS])


def news_sitemap(stories: Sequence[Story], site: Site, zone: tzinfo) -> bytes:
    """A Google News urlset of the fresh stories.

    With none, it lists the newest story (or the home page) as a plain <url> without news
    tags: the sitemaps.org schema wants at least one <url>, and Google only reads the news
    tags of the last two days anyway.
    """
    base, publication = site.config.base_url, _text(site.config.title)
    parts = [NEWS_OPEN]
    if not stories:
        newest = site.stories[0].url if site.stories else urls.home()
        parts.append(f"  <url>\n    <loc>{_loc(base, newest)}</loc>\n  </url>\n".encode())
    for story in stories:
        parts.append("\n".join([
            "  <url>", f"    <loc>{_loc(base, story.url)}</loc>", "    <news:news>",
            "      <news:publication>", f"        <news:name>{publication}</news:name>",
            f"        <news:language>{story.meta.lang}</news:language>",
            "      </news:publication>",
            f"      <news:publication_date>{_w3c(story.meta.date, zone)}"
            "</news:publication_date>",
            f"      <news:title>{_text(story.meta.title)}</news:title>",
            "    </news:news>", "  </url>\n"]).encode())
    parts.append(URLSET_CLOSE)
    return b"".join(parts)


def robots_txt(base: str) -> bytes:
    """Everything may be crawled; the sitemaps are named with absolute URLs."""
    return (f"User-agent: *\nAllow: /\n\n"
            f"Sitemap: {urls.absolute(base, urls.sitemap_index())}\n"
            f"Sitemap: {urls.absolute(base, urls.news_sitemap())}\n").encode()


# -- escaping and dates ------------------------------------------------------------------


def _text(text: str) -> str:
    """Operator text as XML character data: forbidden characters dropped, & < > escaped."""
    return escape(_NOT_XML.sub("", text))


def _loc(base: str, url: str) -> str:
    """An absolute, percent-encoded, XML-escaped URL for `<loc>`."""
    return escape(urls.absolute(base, urllib.parse.quote(url, safe=_PATH_SAFE)))


def _w3c(moment: datetime, zone: tzinfo) -> str:
    """W3C datetime with the site's offset, e.g. 2024-03-12T09:30:00+07:00."""
    if moment.tzinfo is None:
        raise ValueError(f"lastmod needs a timezone: {moment!r}")
    return moment.astimezone(zone).isoformat(timespec="seconds")


def _newest(moments: Iterable[datetime | None]) -> datetime | None:
    return max((m for m in moments if m is not None), default=None)
