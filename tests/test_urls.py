"""Permalinks, slugs and pagination: properties that must hold for any input."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator import urls
from generator.model import Asset, RenderedBody, Story, StoryMeta
from generator.structure.pagination import paginate

URL_SAFE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@given(st.text())
def test_slugify_is_url_safe_idempotent_and_bounded(text: str) -> None:
    slug = urls.slugify(text)
    assert slug == "" or URL_SAFE.match(slug)
    assert urls.slugify(slug) == slug
    assert len(slug) <= urls.MAX_SLUG


@pytest.mark.parametrize(("title", "slug"), [
    ("Pasar Rakyat Baamang Ramai Lagi", "pasar-rakyat-baamang-ramai-lagi"),
    ("Festival Budaya 2024: Sampit Bersinar!", "festival-budaya-2024-sampit-bersinar"),
    ("Kafé Ñyaman di Kota Besi", "kafe-nyaman-di-kota-besi"),
    ("../../etc/passwd", "etc-passwd"),
    ("  —  ", ""),
])
def test_slugify_examples(title: str, slug: str) -> None:
    assert urls.slugify(title) == slug


def test_long_titles_are_cut_at_a_word() -> None:
    slug = urls.slugify("kata " * 40)
    assert len(slug) <= 80 and slug.endswith("kata") and "--" not in slug


@pytest.mark.parametrize(("url", "path"), [
    ("/", "index.html"),
    ("/berita/2024/x/", "berita/2024/x/index.html"),
    ("/404.html", "404.html"),
    ("/berita/2024/x/foto.jpg", "berita/2024/x/foto.jpg"),
])
def test_output_paths(url: str, path: str) -> None:
    assert urls.output_path(url) == path


@pytest.mark.parametrize("url", ["/../etc/passwd", "relative/", "/a/../../b", "/a\\b"])
def test_output_paths_never_escape(url: str) -> None:
    with pytest.raises(ValueError):
        urls.output_path(url)


def _story(n: int) -> Story:
    date = datetime(2024, 1, 1, tzinfo=ZoneInfo("Asia/Jakarta"))
    meta = StoryMeta(title=f"S{n}", date=date, updated=None, region="r", category="c", tags=(),
                     author="a", summary="", image=None, slug=f"s{n}", source=None,
                     status="published", lang="id", translation_key="")
    body = RenderedBody(html="", toc=(), word_count=0, first_paragraph="", assets=())
    return Story(path=f"content/stories/s{n}.md", meta=meta, body=body, url=f"/berita/2024/s{n}/")


@given(st.integers(min_value=0, max_value=60), st.integers(min_value=1, max_value=12))
def test_pagination_partitions_exactly_in_order(n: int, per_page: int) -> None:
    items = tuple(_story(i) for i in range(n))
    pages = paginate(items, per_page, "/wilayah/x/")
    assert tuple(s for page in pages for s in page.items) == items
    assert len(pages) == max(1, -(-n // per_page))
    assert all(0 < len(p.items) <= per_page for p in pages) or n == 0
    assert pages[0].url == "/wilayah/x/" and pages[0].prev_url is None
    assert pages[-1].next_url is None
    for page in pages[1:]:
        assert page.url == f"/wilayah/x/page/{page.number}/"
    assert len({p.url for p in pages}) == len(pages)


def test_asset_urls_sit_beside_the_story() -> None:
    assert urls.content_file("/berita/2024/x/", "foto.jpg") == "/berita/2024/x/foto.jpg"
    assert Asset(source="a", url="/b") == Asset(source="a", url="/b")
