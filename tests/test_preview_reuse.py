"""What `kabar serve` takes over from one save to the next (generator/preview.py): the Story
records, the Site's groupings, the page paths, the theme's environment. Each is reused only
when its inputs are equal by value; every edit here is compared, page by page, with a
fresh `kabar build` of the same files."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    BUILD_TIME,
    MINIMAL_SITE_YAML,
    Recorder,
    SiteMaker,
    build_site,
    outputs,
    story_text,
)
from test_serve import STORY, STORY_URL, Served

from generator import structure
from generator.build import BuildOptions, load_site
from generator.diagnostics import BuildFailed, Diagnostics
from generator.model import Story
from generator.preview import Preview, Previewer
from generator.render import Pages

#: No search index: `kabar build` makes it with pagefind, which is slow and not at stake.
QUICK_SITE_YAML = MINIMAL_SITE_YAML + "search:\n  enabled: false\n"
OTHERS = {
    "site.yaml": QUICK_SITE_YAML,
    "content/stories/2024/b.md": story_text("Cerita Dua", date="2024-03-10 08:00",
                                            region="kec-dua"),
    "content/stories/2024/c.md": story_text("Cerita Tiga", date="2024-02-01 08:00",
                                            category="pendidikan", author="budi"),
    "content/stories/2023/d.md": story_text("Cerita Empat", date="2023-12-30 08:00"),
    "content/stories/2023/e.md": story_text("Cerita Lima", date="2023-11-30 08:00",
                                            region="kec-dua"),
}


def _previewer(root: Path) -> Previewer:
    return Previewer(root, BuildOptions(drafts=True, build_time=BUILD_TIME))


def _same_as_a_build(root: Path, preview: Preview) -> None:
    """Every page and copied file of the preview has the bytes `kabar build` writes."""
    built = outputs(build_site(root, drafts=True))
    assert set(preview.known_paths()) <= set(built)
    pages = [path for path in built if path.endswith(".html")]
    assert set(pages) == set(preview.page_paths)
    different = [path for path in [*pages, *preview.known_paths()]
                 if preview.get(path) != built[path]]
    assert different == []


@pytest.mark.parametrize(("changes", "swapped"), [
    ({"title": "Posyandu Diganti"}, True),  # same address and groups: swapped in
    ({"tags": "[posyandu, kesehatan-ibu]"}, False),  # a new tag
    ({"region": "kec-dua"}, False),  # moved to another kecamatan
    ({"date": "2023-01-05 10:00"}, False),  # another year and month
    ({"author": "budi"}, False),  # another operator's list
])
def test_an_edit_shows_on_every_page_as_a_build_shows_it(
        make_site: SiteMaker, changes: dict[str, str], swapped: bool) -> None:
    root = make_site({STORY: story_text(extra="slug: posyandu-baru\n"), **OTHERS})
    make = _previewer(root)
    first = make()
    _same_as_a_build(root, first)
    tags = changes.pop("tags", None)
    text = story_text(**changes, extra="slug: posyandu-baru\n")
    if tags:
        text = text.replace("tags: [posyandu]", f"tags: {tags}")
    (root / STORY).write_text(text, "utf-8")
    second = make()
    assert make.sites.swapped is swapped
    assert (second.page_paths is first.page_paths) is swapped  # planned again otherwise
    _same_as_a_build(root, second)


def test_unchanged_stories_keep_their_records_and_the_site_swaps_the_changed_one(
        make_site: SiteMaker) -> None:
    root = make_site({STORY: story_text(extra="slug: posyandu-baru\n"), **OTHERS})
    make = _previewer(root)
    first = make()
    (root / STORY).write_text(story_text("Judul Lain", extra="slug: posyandu-baru\n"), "utf-8")
    second = make()
    old = {s.path: s for s in first.site.stories}
    new = {s.path: s for s in second.site.stories}
    assert [p for p in new if new[p] is not old[p]] == [STORY]  # the others are the same
    assert new[STORY].meta.title == "Judul Lain"
    # Every list holding the story holds the new record, none the old one.
    lists = [second.site.stories, *second.site.by_region.values(),
             *second.site.by_category.values(), *second.site.by_tag.values(),
             *second.site.by_author.values(), *second.site.by_year.values(),
             *second.site.by_month.values()]
    assert not any(old[STORY] in group for group in lists)
    assert sum(new[STORY] in group for group in lists) == 8  # home, kab, kec, category,
    # tag, author, year, month
    assert _title(second) == "Judul Lain | Kabar Uji"


def _title(preview: Preview) -> str:
    html = (preview.get("berita/2024/posyandu-baru/index.html") or b"").decode()
    return html[html.index("<title>") + 7:html.index("</title>")]


GROUPING = {"url", "meta", "meta.date", "meta.lang", "meta.region", "meta.category",
            "meta.author", "meta.tags", "meta.translation_key"}


def test_grouping_and_planning_read_only_the_grouping_fields(make_site: SiteMaker) -> None:
    """What SiteMemo compares is all that `build_site` and the page plan read of a story:
    a story equal in those is grouped, and its pages are addressed, the same way."""
    root = make_site({STORY: story_text(extra="translation_key: pb\n"), **OTHERS,
                      "content/stories/2024/en.md": story_text(
                          "Posyandu", extra="lang: en\ntranslation_key: pb\n")})
    site = load_site(root, BuildOptions(drafts=True, build_time=BUILD_TIME), Diagnostics())
    seen: set[str] = set()
    stories: Any = tuple(Recorder(s, seen) for s in site.stories + site.translations)
    grouped = structure.build_site(site.config, stories, site.pages, site.assets,
                                   site.build_time)
    assert seen and seen <= GROUPING
    assert {f"meta.{n}" for n in ("date", "region", "tags")} <= seen
    seen.clear()
    pages = Pages(grouped, root, Diagnostics())
    maker = pages.maker  # its related-stories index reads more: it is used when rendering
    seen.clear()
    planned = [url for url, _ in maker.plan()]
    assert len(planned) > 20 and seen <= GROUPING
    assert structure.grouping_fields(site.stories[0]) == (
        site.stories[0].url, *(getattr(site.stories[0].meta, n) for n in (
            "date", "lang", "region", "category", "author", "tags", "translation_key")))


def test_a_story_of_equal_fields_is_swapped_not_regrouped() -> None:
    """SiteMemo by itself: equal fields swap, a different one groups afresh."""
    site = load_site(Path(__file__).resolve().parents[1],
                     BuildOptions(drafts=True, build_time=BUILD_TIME), Diagnostics())
    memo = structure.SiteMemo()
    args: dict[str, Any] = {"unlisted": site.unlisted, "factchecks": site.factchecks,
                            "next_change": site.next_change}
    every = site.stories + site.translations
    first = memo.build(site.config, every, site.pages, site.assets, site.build_time, **args)
    assert not memo.swapped
    changed = type(every[3].meta)  # a new record with the same fields: swapped
    from dataclasses import replace
    retitled: tuple[Story, ...] = (*every[:3], replace(every[3], meta=replace(
        every[3].meta, title="Lain")), *every[4:])
    second = memo.build(site.config, retitled, site.pages, site.assets, site.build_time,
                        **args)
    assert memo.swapped and memo.previous is first and changed is type(retitled[3].meta)
    fresh = structure.build_site(site.config, retitled, site.pages, site.assets,
                                 site.build_time, **args)
    assert second == fresh
    moved = (*every[:3], replace(every[3], meta=replace(every[3].meta, tags=("baru",))),
             *every[4:])
    third = memo.build(site.config, moved, site.pages, site.assets, site.build_time, **args)
    assert not memo.swapped
    assert third == structure.build_site(site.config, moved, site.pages, site.assets,
                                         site.build_time, **args)
    assert "baru" in third.tags


def test_the_theme_is_taken_over_only_while_its_files_are_the_same(
        make_site: SiteMaker) -> None:
    root = make_site({
        "site.yaml": QUICK_SITE_YAML + "theme: kotaku\n",
        "themes/kotaku/theme.yaml": "name: kotaku\nextends: default\n",
        "themes/kotaku/templates/partials/footer.html": "<footer>satu</footer>\n",
        "themes/kotaku/static/kotaku.css": "body { color: red; }\n",
        STORY: story_text(),
    })
    make = _previewer(root)
    first = make()
    (root / STORY).write_text(story_text(body="Lain.\n"), "utf-8")
    second = make()
    assert second.pages.env is first.pages.env  # compiled templates and all
    (root / "themes/kotaku/static/kotaku.css").write_text("body { color: blue; }\n", "utf-8")
    third = make()
    assert third.pages.env is not first.pages.env and third.key != second.key
    css = [p for p in third.known_paths() if p.startswith("assets/kotaku.")]
    assert css != [p for p in second.known_paths() if p.startswith("assets/kotaku.")]
    assert third.get(css[0]) == b"body { color: blue; }\n"
    _same_as_a_build(root, third)


def test_a_collision_made_by_a_later_save_still_fails_the_preview(
        make_site: SiteMaker) -> None:
    root = make_site({STORY: story_text(extra="slug: posyandu-baru\n"), **OTHERS})
    make = _previewer(root)
    make()
    clash = root / "content/static/berita/2024/posyandu-baru/index.html"
    clash.parent.mkdir(parents=True)
    clash.write_text("<p>salinan</p>\n", "utf-8")
    with pytest.raises(BuildFailed) as exc:
        make()
    assert [d.message.split(":")[0] for d in exc.value.diagnostics.errors] == [
        "dua berkas keluaran memakai alamat yang sama"]
    clash.unlink()
    assert _title(make()) == "Posyandu Baru | Kabar Uji"


def test_the_cycle_collector_is_back_on_after_every_rebuild(make_site: SiteMaker) -> None:
    root = make_site({STORY: story_text()})
    served = Served(root)
    try:
        assert gc.isenabled()
        frozen = gc.get_freeze_count()
        assert frozen > 0  # the good build was moved out of the collector's sight
        (root / STORY).write_text(story_text(region="kec-tiga"), "utf-8")  # an error
        served.rebuild()
        assert gc.isenabled() and not served.live.snapshot.ok
        (root / STORY).write_text(story_text(), "utf-8")
        served.rebuild()
        assert gc.isenabled() and served.live.snapshot.ok
        assert served.get(STORY_URL)[0] == 200
    finally:
        served.stop()
