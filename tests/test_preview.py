"""kabar serve's builds (generator/preview.py): files made on request, same bytes as a build,
and the content memo that never serves a stale story."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import BUILD_TIME, MINIMAL_SITE_YAML, REPO, SiteMaker, build_site, outputs, story_text
from test_serve import STORY, STORY_URL, Served

from generator.build import BuildOptions
from generator.diagnostics import BuildFailed
from generator.preview import PageFailed, Preview, Previewer

STORY_PAGE = "berita/2024/posyandu-baru/index.html"


def _previewer(root: Path) -> Previewer:
    return Previewer(root, BuildOptions(drafts=True, build_time=BUILD_TIME))


def test_every_file_of_the_example_portal_is_served_with_the_bytes_of_a_build() -> None:
    """Pages in reverse order (order must not matter), feeds, sitemaps, share cards, the
    search index, IndexNow's manifest: all made on request, all equal to `kabar build`."""
    built = outputs(build_site(REPO, drafts=True))
    preview = _previewer(REPO)()
    assert set(preview.known_paths()) <= set(built)
    pages = [p for p in built if p in preview.pages.plan]
    assert len(pages) > 50
    different = [path for path in [*reversed(pages), *sorted(set(built) - set(pages))]
                 if preview.get(path) != built[path]]
    assert different == []
    assert preview.get("tidak/ada.html") is None and preview.get("tidak-ada/feed.xml") is None
    assert preview.has("berita/index.html") is False and preview.has("index.html")


def _title(preview: Preview, path: str = STORY_PAGE) -> str:
    html = (preview.get(path) or b"").decode()
    return html[html.index("<title>") + 7:html.index("</title>")]


def test_the_memo_never_serves_a_stale_story(make_site: SiteMaker) -> None:
    root = make_site({STORY: story_text(extra="slug: posyandu-baru\n"),
                      "content/stories/2024/b.md": story_text("Cerita Lain")})
    make = _previewer(root)
    assert _title(make()) == "Posyandu Baru | Kabar Uji"
    story = root / STORY
    before = story.stat()
    # Same size, and the old mtime put back: only the bytes (and ctime) say it changed.
    story.write_text(story_text("Posyandu Bari", extra="slug: posyandu-baru\n"), "utf-8")
    os.utime(story, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert story.stat().st_size == before.st_size
    assert _title(make()) == "Posyandu Bari | Kabar Uji"
    story.write_text(story_text("Posyandu Baru", extra="slug: posyandu-baru\n"), "utf-8")
    assert _title(make()) == "Posyandu Baru | Kabar Uji"
    # Renamed: the same URL (its slug), from the new file; deleted: gone.
    story.rename(root / "content/stories/2024/c.md")
    preview = make()
    assert [s.path for s in preview.site.stories if s.url == STORY_URL] == [
        "content/stories/2024/c.md"]
    (root / "content/stories/2024/c.md").unlink()
    preview = make()
    assert not preview.has(STORY_PAGE) and preview.get(STORY_PAGE) is None
    assert [s.meta.title for s in preview.site.stories] == ["Cerita Lain"]


def test_unchanged_files_replay_their_diagnostics(make_site: SiteMaker) -> None:
    root = make_site({STORY: story_text(extra="translation_key: sendiri\n"),
                      "content/stories/2024/b.md": story_text("Cerita Lain")})
    make = _previewer(root)
    first = [d.format() for d in make().diagnostics]
    assert any("translation_key 'sendiri' tidak dipakai cerita lain" in d for d in first)
    assert [d.format() for d in make().diagnostics] == first  # read from the memo this time
    assert make.memo.files  # and it was the memo
    (root / "content/stories/2024/b.md").write_text(
        story_text("Cerita Lain", region="kec-tiga"), "utf-8")
    for _ in range(2):  # a broken story fails every time, with the same report
        with pytest.raises(BuildFailed) as exc:
            make()
        assert [(d.path, d.line) for d in exc.value.diagnostics.errors] == [
            ("content/stories/2024/b.md", 4)]


def test_a_remembered_body_follows_the_story_it_links_to(make_site: SiteMaker) -> None:
    root = make_site({
        STORY: story_text(),
        "content/stories/2024/b.md": story_text("Cerita Lain", body="Lihat [ini](a.md).\n"),
    })
    make = _previewer(root)
    linking = "berita/2024/cerita-lain/index.html"
    assert b'href="/berita/2024/posyandu-baru/"' in (make().get(linking) or b"")
    (root / STORY).write_text(story_text("Posyandu Pindah"), "utf-8")  # its URL moves
    assert b'href="/berita/2024/posyandu-pindah/"' in (make().get(linking) or b"")
    (root / STORY).unlink()
    with pytest.raises(BuildFailed) as exc:  # the link now points nowhere: said again
        make()
    assert [d.path for d in exc.value.diagnostics.errors] == ["content/stories/2024/b.md"]


def test_an_edited_template_renders_again_and_a_broken_one_says_where(
        make_site: SiteMaker) -> None:
    root = make_site({
        "site.yaml": MINIMAL_SITE_YAML + "theme: kotaku\n",
        "themes/kotaku/theme.yaml": "name: kotaku\nextends: default\n",
        "themes/kotaku/templates/partials/footer.html": "<footer>satu</footer>\n",
        STORY: story_text(),
    })
    make = _previewer(root)
    first = make()
    assert b"<footer>satu</footer>" in (first.get(STORY_PAGE) or b"")
    footer = root / "themes/kotaku/templates/partials/footer.html"
    footer.write_text("<footer>dua</footer>\n", "utf-8")
    second = make()
    assert second.key != first.key  # the browser reloads
    assert b"<footer>dua</footer>" in (second.get(STORY_PAGE) or b"")
    footer.write_text("<footer>\n{{ site.tidak_ada }}</footer>\n", "utf-8")
    with pytest.raises(PageFailed) as exc:
        make().get(STORY_PAGE)
    assert [(d.path, d.line) for d in exc.value.problems] == [
        ("themes/kotaku/templates/partials/footer.html", 2)]


def test_a_broken_template_on_a_requested_page_shows_the_overlay(make_site: SiteMaker) -> None:
    root = make_site({
        "site.yaml": MINIMAL_SITE_YAML + "theme: rusak\n",
        "themes/rusak/templates/story.html": "<p>\n{{ page.tidak_ada }}\n</p>\n",
        STORY: story_text(),
    })
    served = Served(root)
    try:
        assert served.live.snapshot.ok  # stages 1-3 are fine: the build is served
        status, _, body = served.get(STORY_URL)
        html = body.decode()
        assert status == 500
        assert '<code class="kabar-where">themes/rusak/templates/story.html:2</code>' in html
        assert "StrictUndefined" in html or "tidak_ada" in html
        assert f'<script src="{served.server.script_url}" defer></script>' in html
        assert served.get("/")[0] == 200  # other pages are fine
    finally:
        served.stop()


def test_an_unchanged_rebuild_keeps_the_rendered_pages(make_site: SiteMaker) -> None:
    root = make_site({STORY: story_text()})
    served = Served(root)
    try:
        site = served.site()
        served.get(STORY_URL)
        served.rebuild()
        assert served.site() is site  # same inputs: same build, nothing rendered again
        (root / STORY).write_text(story_text(body="Paragraf kedua.\n"), "utf-8")
        served.rebuild()
        assert served.site() is not site
        assert b"Paragraf kedua." in served.get(STORY_URL)[2]
    finally:
        served.stop()


def test_two_pages_on_one_address_fail_the_preview_as_they_fail_a_build(
        make_site: SiteMaker) -> None:
    root = make_site({"content/pages/tentang.md": "---\ntitle: Tentang\n---\n\nDua.\n",
                      "content/pages/profil.md": "---\ntitle: Profil\nslug: tentang\n---\n\nA.\n"})
    with pytest.raises(BuildFailed) as exc:
        _previewer(root)()
    assert [d.message for d in exc.value.diagnostics.errors] == [
        "dua berkas keluaran memakai alamat yang sama: tentang/index.html (dari "
        "content/pages/profil.md dan content/pages/tentang.md)"]
