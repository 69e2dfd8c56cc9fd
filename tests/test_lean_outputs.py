"""`feeds.lists: false`, `cards.enabled: false` and `search.enabled: false`: a leaner site
with nothing dangling."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
from conftest import MINIMAL_SITE_YAML, SiteMaker, build_site, outputs, story_text

LEAN = MINIMAL_SITE_YAML.replace("per_page: 2\n", "per_page: 2\nfeeds:\n  lists: false\n"
                                 "cards:\n  enabled: false\nsearch:\n  enabled: false\n")


@pytest.fixture
def lean(make_site: SiteMaker, tiny_png: bytes) -> dict[str, bytes]:
    root: Path = make_site({
        "site.yaml": LEAN,
        "content/static/logo.png": tiny_png,
        "content/stories/2024/foto.png": tiny_png,
        "content/stories/2024/a.md": story_text(
            "Dengan Foto", extra="image: foto.png\nimage_alt: Warga menanam padi\n"),
        "content/stories/2024/b.md": story_text("Tanpa Foto", date="2024-04-01 08:00"),
    })
    yaml = root / "site.yaml"
    yaml.write_text(yaml.read_text().replace("  url: https://diskominfo.example.go.id\n",
                                             "  url: https://diskominfo.example.go.id\n"
                                             "  logo: logo.png\n"))
    return outputs(build_site(root))


def test_only_the_portal_feeds_are_published_and_named(lean: dict[str, bytes]) -> None:
    feeds = sorted(p for p in lean if p.endswith(("feed.xml", "atom.xml")))
    assert feeds == ["atom.xml", "feed.xml"]
    assert len(feedparser.parse(lean["feed.xml"]).entries) == 2
    for path, data in lean.items():
        if path.endswith(".html"):
            named = re.findall(rb'<link rel="alternate" type="application/[a-z+]+" title="[^"]*" '
                               rb'href="([^"]+)"', data)
            assert named == [b"/feed.xml", b"/atom.xml"], path
    region = lean["wilayah/kab-uji/kec-satu/index.html"].decode()
    assert 'class="feed-links"' not in region  # no "Feed:" line without feeds


def test_no_share_cards_and_pages_share_the_photo_or_the_logo(lean: dict[str, bytes]) -> None:
    assert not [p for p in lean if p.endswith("kartu.jpg")]
    photo = lean["berita/2024/dengan-foto/index.html"].decode()
    assert ('<meta property="og:image" content="https://uji.example.go.id/berita/2024/'
            'dengan-foto/foto.png">') in photo
    assert '<meta name="twitter:card" content="summary">' in photo  # 4x3 px: not a large card
    plain = lean["berita/2024/tanpa-foto/index.html"].decode()
    assert '<meta property="og:image" content="https://uji.example.go.id/logo.png">' in plain


def test_no_search_index_page_box_or_search_action(lean: dict[str, bytes]) -> None:
    assert not [p for p in lean if p.startswith(("pagefind/", "cari/"))]
    for path, data in lean.items():
        if path.endswith(".html"):
            assert b'role="search"' not in data and b"/cari/" not in data, path
    assert b"SearchAction" not in lean["index.html"]
    assert b"/cari/" not in lean["sitemaps/halaman.xml"]  # no sitemap entry for a 404


def test_search_is_on_by_default(make_site: SiteMaker) -> None:
    """The switch's other side: the same site with search on has all three."""
    root = make_site({"content/stories/2024/a.md": story_text("Cerita Satu")})
    built = outputs(build_site(root))
    assert "cari/index.html" in built and "pagefind/pagefind.js" in built
    assert b'role="search"' in built["berita/2024/cerita-satu/index.html"]
    assert b"SearchAction" in built["index.html"]
    assert b"<loc>https://uji.example.go.id/cari/</loc>" in built["sitemaps/halaman.xml"]
