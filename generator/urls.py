"""Every permalink rule and slugify: the only place a URL or an output path is invented."""

from __future__ import annotations

import functools
import posixpath
import re
import unicodedata
from datetime import datetime

#: First path segments the generator uses itself; a static page may not take them. The
#: language codes are among them: stories in a language other than the site's live there.
RESERVED = frozenset({"berita", "wilayah", "kategori", "tag", "penulis", "arsip", "page",
                      "assets", "cari", "feed", "pagefind", "sitemaps", "404.html",
                      "cek-fakta", "id", "en"})
MAX_SLUG = 80

_NON_WORD = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=1 << 16)  # a pure function of the text, asked for every tag
# of every story on every build and every save of `kabar serve`
def slugify(text: str) -> str:
    """URL-safe, stable slug: ASCII lowercase words joined by '-', at most 80 characters.

    `slugify(slugify(x)) == slugify(x)`; 'Pasar Rakyat Baamang' -> 'pasar-rakyat-baamang'.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NON_WORD.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug[:MAX_SLUG + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut else slug[:MAX_SLUG]
    return slug.strip("-")


def home() -> str:
    return "/"


def story(date: datetime, slug: str, lang: str = "") -> str:
    """`/berita/2024/x/`; a story in another language than the site's: `/en/berita/2024/x/`.

    `lang` is empty for the site language (its stories keep the address they always had).
    """
    return f"{language_home(lang) if lang else '/'}berita/{date.year:04d}/{slug}/"


def language_home(lang: str) -> str:
    """The folder of everything in a language other than the site's: `/en/` (its feeds)."""
    return f"/{lang}/"


def factcheck(date: datetime, slug: str) -> str:
    """A fact-check page (content/cek-fakta/): `/cek-fakta/2025/air-pdam-tercemar/`."""
    return f"/cek-fakta/{date.year:04d}/{slug}/"


def factchecks() -> str:
    """The fact-check section: every fact check, newest first, paginated."""
    return "/cek-fakta/"


def region(lineage: tuple[str, ...]) -> str:
    return "/wilayah/" + "".join(f"{part}/" for part in lineage)


def regions_index() -> str:
    return "/wilayah/"


def category(category_id: str) -> str:
    return f"/kategori/{category_id}/"


def categories_index() -> str:
    return "/kategori/"


def tag(tag_slug: str) -> str:
    return f"/tag/{tag_slug}/"


def tags_index() -> str:
    return "/tag/"


def operator(operator_id: str) -> str:
    return f"/penulis/{operator_id}/"


def operators_index() -> str:
    return "/penulis/"


def archive_year(year: int) -> str:
    return f"/arsip/{year:04d}/"


def archive_month(year: int, month: int) -> str:
    return f"/arsip/{year:04d}/{month:02d}/"


def archives_index() -> str:
    return "/arsip/"


def static_page(slug: str) -> str:
    return f"/{slug}/"


def not_found() -> str:
    return "/404.html"


def search() -> str:
    return "/cari/"


def search_bundle(years: tuple[int, int] | None = None) -> str:
    """Where Pagefind's files (pagefind.js, index, fragments) are published; with
    `years` (oldest, newest), an older part of a split index: /pagefind/2019-2021/,
    /pagefind/2022/ (docs/architecture.md, "Search")."""
    if years is None:
        return "/pagefind/"
    oldest, newest = years
    return f"/pagefind/{oldest}/" if oldest == newest else f"/pagefind/{oldest}-{newest}/"


def sitemap_index() -> str:
    return "/sitemap.xml"


def sitemap(name: str) -> str:
    """A child sitemap of the index: `/sitemaps/berita-2024.xml`."""
    return f"/sitemaps/{name}.xml"


def news_sitemap() -> str:
    return "/news-sitemap.xml"


def robots() -> str:
    return "/robots.txt"


def indexnow_key_file(key: str) -> str:
    """IndexNow's proof of ownership: the key, served at the site root as `/<key>.txt`."""
    return f"/{key}.txt"


def kabar_manifest() -> str:
    """Every indexable page and the hash of its bytes, for `kabar ping`."""
    return "/.well-known/kabar-manifest.json"


def schedule_file() -> str:
    """When the next rebuild would change the portal by itself (scheduled, expiring stories)."""
    return "/.well-known/kabar-schedule.json"


def rss_feed(list_url: str = "/") -> str:
    """The RSS 2.0 feed of the list page at `list_url`: `/feed.xml`, `/kategori/x/feed.xml`."""
    return f"{list_url}feed.xml"


def atom_feed(list_url: str = "/") -> str:
    """The Atom feed of the list page at `list_url`: `/atom.xml`, `/kategori/x/atom.xml`."""
    return f"{list_url}atom.xml"


def paginated(first_page_url: str, number: int) -> str:
    """`/wilayah/x/` for page 1, `/wilayah/x/page/2/` after it."""
    return first_page_url if number == 1 else f"{first_page_url}page/{number}/"


#: Pixel size of a story's share card (the 1.91:1 of Open Graph and X cards).
SHARE_CARD_SIZE = (1200, 630)
#: Widths of the smaller WebP copies of a story image offered in `srcset`.
IMAGE_WIDTHS = (480, 960, 1600)


def share_card(story_url: str) -> str:
    """The 1200x630 share image of a story, published beside its page."""
    return f"{story_url}kartu.jpg"


def image_variants(image_url: str, width: int | None) -> tuple[tuple[int, str], ...]:
    """(width, URL) of each smaller WebP copy of a story image: `foto.jpg` → `foto-480.webp`.

    Only widths below the original's (never upscaled); none when the width is unknown, or
    for a GIF (the copy would lose its animation). Pages and the publisher both ask here.
    """
    stem, suffix = posixpath.splitext(image_url)
    if width is None or suffix.lower() == ".gif":
        return ()
    return tuple((w, f"{stem}-{w}.webp") for w in IMAGE_WIDTHS if w < width)


def asset(name: str) -> str:
    return f"/assets/{name}"


def content_file(story_url: str, name: str) -> str:
    """A file beside a story is published beside its page."""
    return posixpath.join(story_url, name)


def output_path(url: str) -> str:
    """The file under output/ that serves `url`: pretty URLs become `…/index.html`."""
    if url.endswith("/") and url.startswith("/") and "//" not in url and "/." not in url \
            and "\\" not in url:
        return url[1:] + "index.html"  # a plain pretty URL: what the rest would make of it
    if not url.startswith("/") or "\\" in url:
        raise ValueError(f"not a site-relative URL: {url!r}")
    path = posixpath.normpath(url.lstrip("/")) if url != "/" else ""
    if path.startswith(("..", "/")):
        raise ValueError(f"URL escapes the output directory: {url!r}")
    if url.endswith("/"):
        return posixpath.join(path, "index.html") if path and path != "." else "index.html"
    return path


def page_url(path: str) -> str:
    """The URL an output file is served at; the inverse of `output_path` for pages."""
    if path == "index.html":
        return "/"
    if path.endswith("/index.html"):
        return "/" + path.removesuffix("index.html")
    return "/" + path


def absolute(base_url: str, url: str) -> str:
    """`https://host` + `/path/`."""
    return base_url.rstrip("/") + url
