"""The cache of rendered pages (.cache/pages/): a warm build renders no template, and
whatever changes (a story, a template, a theme file, site.yaml, the build time) the
cached build gives the bytes a build without any cache gives."""

from __future__ import annotations

import gc
import shutil
import weakref
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import datetime, timedelta
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
    pack_entry,
    pack_keys,
    replace_pack_entry,
    story_text,
)

from generator import structure
from generator.build import BuildOptions, build, load_site
from generator.cache import sealed
from generator.diagnostics import Diagnostics
from generator.model import (
    Asset,
    FactCheck,
    FileHistory,
    Image,
    Page,
    RenderedBody,
    Site,
    Source,
    Story,
    StoryMeta,
    Tag,
    TocEntry,
)
from generator.render import Pages, seo, templates
from generator.structure import related

STORY = "content/stories/2024/pasar.md"
STYLE = "body { margin: 0; }\n"
FOOTER = "<footer>{{ site.title }}</footer>\n"


def _story(title: str, date: str, region: str = "kec-satu", tags: str = "pasar, umkm") -> str:
    """A story whose address stays when its title changes (`slug:`)."""
    slug = title.lower().replace(" ", "-")
    return story_text(title, date=date, region=region,
                      extra=f"tags: [{tags}]\nslug: {slug}\n").replace("tags: [posyandu]\n", "", 1)


@pytest.fixture
def portal(make_site: SiteMaker) -> Path:
    """Seven stories in two kecamatan sharing tags (related stories, pages of 2), and a
    theme of the portal's own over the default one."""
    return make_site({
        "site.yaml": MINIMAL_SITE_YAML + "theme: mine\n",
        "themes/mine/templates/partials/footer.html": FOOTER,
        "themes/mine/static/style.css": STYLE,
        STORY: _story("Pasar Rakyat Dibuka", "2024-05-02 08:00"),
        "content/stories/2024/posyandu.md": _story("Posyandu Baru", "2024-03-12 09:30",
                                                   tags="posyandu, umkm"),
        "content/stories/2024/sekolah.md": _story("Sekolah Baru", "2024-07-01 10:00",
                                                  region="kec-dua"),
        "content/stories/2023/jalan.md": _story("Jalan Desa", "2023-02-01 10:00"),
        "content/stories/2023/perahu.md": _story("Perahu Surya", "2023-08-01 10:00",
                                                 region="kec-dua", tags="umkm"),
        "content/stories/2025/karet.md": _story("Karet Remaja", "2025-01-05 10:00"),
        "content/stories/2026/tenun.md": _story("Tenun Ikat", "2026-10-01 10:00",
                                                tags="pasar"),
    })


def _entries(root: Path) -> set[str]:
    return pack_keys(root / ".cache" / "pages")


def _uncached(root: Path, tmp_path: Path) -> dict[str, bytes]:
    """The same portal built from scratch, without any cache."""
    fresh = tmp_path / "fresh"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns(".cache"))
    return outputs(build_site(fresh))


def _no_template(*_args: object, **_kwargs: object) -> object:
    raise AssertionError("a template was rendered although the page cache holds the page")


def test_a_warm_build_renders_no_template_and_gives_the_same_bytes(
        portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = outputs(build_site(portal))
    pages = [path for path in cold if path.endswith(".html")]
    assert len(_entries(portal)) == len(pages) > 30  # every page, one entry each
    with monkeypatch.context() as patch:
        patch.setattr(templates, "render", _no_template)
        # Nor is any page's head (Open Graph, JSON-LD) made: the key holds its inputs.
        patch.setattr(seo, "head", _no_template)
        # Nor are related stories scored: the table in .cache/related/ has them.
        patch.setattr(related.Related, "_nearest", _no_template)
        warm = outputs(build_site(portal))
    assert warm == cold
    assert len(list((portal / ".cache" / "related").iterdir())) == 1


def _edit(root: Path, path: str, old: str, new: str) -> None:
    file = root / path
    text = file.read_text(encoding="utf-8")
    assert old in text, (path, old)
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def _title(root: Path) -> None:  # shown on its page, in lists, in other stories' related
    _edit(root, STORY, "Pasar Rakyat Dibuka", "Judul Baru Sekali")


def _summary(root: Path) -> None:  # shown on the cards of lists and related stories
    _edit(root, STORY, "summary: Ringkasan cerita.", "summary: Ringkasan yang lain.")


def _body(root: Path) -> None:
    _edit(root, STORY, "Paragraf pertama cerita.", "Paragraf pertama yang diubah.")


def _new_story(root: Path) -> None:  # every list it joins shifts by one
    (root / "content/stories/2026/baru.md").write_text(
        _story("Cerita Paling Baru", "2026-11-19 08:00"), encoding="utf-8")


def _partial(root: Path) -> None:  # an included template, not the page's own
    _edit(root, "themes/mine/templates/partials/footer.html", "</footer>",
          "<p>baris baru</p></footer>")


def _stylesheet(root: Path) -> None:  # a new fingerprinted name on every page
    _edit(root, "themes/mine/static/style.css", "margin: 0", "margin: 1px")


def _site_title(root: Path) -> None:
    _edit(root, "site.yaml", "title: Kabar Uji", "title: Portal Berganti Nama")


def _moved(root: Path) -> None:  # another kecamatan, another year: other lists
    _edit(root, STORY, "region: kec-satu", "region: kec-dua")
    _edit(root, STORY, "date: 2024-05-02", "date: 2025-06-02")


def _tags(root: Path) -> None:  # other related stories, here and on other stories' pages
    _edit(root, "content/stories/2023/perahu.md", "tags: [umkm]", "tags: [pasar]")


def _translated(root: Path) -> None:  # a version of a story is never its related story
    _edit(root, "content/stories/2023/jalan.md", "slug: jalan-desa",
          "slug: jalan-desa\ntranslation_key: jalan")
    (root / "content/stories/2023/jalan.en.md").write_text(
        _story("Village Road", "2023-02-01 10:00").replace(
            "slug: village-road", "slug: village-road\nlang: en\ntranslation_key: jalan"),
        encoding="utf-8")


EDITS: dict[str, Callable[[Path], None]] = {
    "title": _title, "summary": _summary, "body": _body, "new story": _new_story,
    "partial template": _partial, "stylesheet": _stylesheet, "site title": _site_title,
    "moved": _moved, "tags": _tags, "translated": _translated,
}


@pytest.mark.parametrize("edit", EDITS)
def test_after_an_edit_the_cached_build_equals_an_uncached_one(
        portal: Path, tmp_path: Path, edit: str) -> None:
    before = outputs(build_site(portal))
    entries = _entries(portal)
    EDITS[edit](portal)
    after = outputs(build_site(portal))
    assert after == _uncached(portal, tmp_path)
    changed = {p for p in after if p.endswith(".html") and before.get(p) != after[p]}
    assert changed  # the edit shows
    # Entries of pages that did not change were used again; the replaced ones are gone.
    now = _entries(portal)
    assert len(now) == sum(p.endswith(".html") for p in after)
    assert len(now - entries) >= len(changed)
    if edit in ("title", "summary", "body"):
        assert len(now & entries) > len(now) // 2  # most pages came from the cache


def test_a_later_build_time_publishes_a_scheduled_story_on_every_cached_page(
        portal: Path, tmp_path: Path) -> None:
    (portal / "content/stories/2026/terjadwal.md").write_text(
        _story("Kabar Terjadwal", "2026-11-25 08:00"), encoding="utf-8")
    before = outputs(build_site(portal))
    assert b"Kabar Terjadwal" not in before["index.html"]
    later = BuildOptions(build_time=BUILD_TIME + timedelta(days=10))
    after = outputs(build(portal, later))
    assert b"Kabar Terjadwal" in after["index.html"]
    fresh = tmp_path / "fresh"
    shutil.copytree(portal, fresh, ignore=shutil.ignore_patterns(".cache"))
    assert after == outputs(build(fresh, later))


def test_a_corrupt_page_entry_is_ignored_and_rewritten(portal: Path,
                                                       tmp_path: Path) -> None:
    cold = outputs(build_site(portal))
    folder = portal / ".cache/pages"
    home = next(key for key in pack_keys(folder)
                if pack_entry(folder, key) == cold["index.html"])
    replace_pack_entry(folder, home, b"<p>rusak</p>", whole=False)  # checksum: no match
    assert pack_entry(folder, home) is None
    assert outputs(build_site(portal)) == cold
    assert pack_entry(folder, home) == cold["index.html"]


@pytest.mark.parametrize("entry", [
    b"<p>rusak</p>",  # damaged: its checksum no longer matches
    sealed(b'{"/berita/": 1}'),  # whole, but not a table of URLs
    sealed(b'{"/berita/2024/pasar-rakyat-dibuka/": ["/berita/tidak-ada/"]}'),  # not this site
], ids=["damaged", "not a table", "another site"])
def test_a_bad_related_stories_entry_is_scored_again(portal: Path, entry: bytes) -> None:
    cold = outputs(build_site(portal))
    (table,) = (portal / ".cache/related").iterdir()
    kept = table.read_bytes()
    table.write_bytes(entry)
    (portal / ".cache/pages").rename(portal / "halaman-lama")  # every page rendered again
    assert outputs(build_site(portal)) == cold
    if entry == b"<p>rusak</p>":
        assert table.read_bytes() == kept  # scored again and stored again


def test_a_page_whose_context_cannot_be_hashed_is_rendered_not_cached(
        portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.render import pagecache

    real_key = pagecache.PageCache.key

    def key(self: pagecache.PageCache, template: str, context: dict[str, object]) -> str | None:
        if template == "regions.html":  # as if the theme were given a function
            return real_key(self, template, {**context, "helper": lambda: None})
        return real_key(self, template, context)

    monkeypatch.setattr(pagecache.PageCache, "key", key)
    first = outputs(build_site(portal))
    assert len(_entries(portal)) == sum(p.endswith(".html") for p in first) - 1
    assert outputs(build_site(portal)) == first


def test_a_portal_checked_out_elsewhere_keeps_its_cache(
        portal: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CI restores `.cache/` into another runner's folder: nothing in a key is absolute."""
    first = outputs(build_site(portal))
    moved = tmp_path / "elsewhere" / "portal"
    shutil.copytree(portal, moved)
    monkeypatch.setattr(templates, "render", _no_template)
    assert outputs(build_site(moved)) == first


def test_related_stories_read_nothing_their_cached_table_is_not_keyed_by(
        portal: Path) -> None:
    """The related-stories table is kept under a hash of `related.inputs`: whatever
    scoring reads of a story or of the site, `inputs` reads too."""
    _translated(portal)
    site = load_site(portal, BuildOptions(build_time=BUILD_TIME), Diagnostics())
    keyed: set[str] = set()
    read: set[str] = set()
    for seen, run in ((keyed, lambda s, asked: related.inputs(s, asked)),
                      (read, lambda s, asked: related.Related(s).table(asked))):
        stories: Any = tuple(Recorder(s, seen) for s in site.stories + site.translations)
        grouped = structure.build_site(site.config, stories, site.pages, site.assets,
                                       site.build_time)
        seen.clear()  # what grouping read is SiteMemo's business (test_preview_reuse)
        run(Recorder(grouped, seen, "site."), stories)
    assert {"site.by_region", "site.by_tag", "meta.tags", "meta.date"} <= read <= keyed


def test_a_page_cache_and_the_views_it_hashed_go_as_soon_as_the_build_drops_them(
        portal: Path) -> None:
    """No reference cycle holds them: otherwise every view of the site lived until a full
    collection, which `kabar build` runs only at its exit (0.4 s on 10,000 stories)."""
    site = load_site(portal, BuildOptions(build_time=BUILD_TIME), Diagnostics())
    pages = Pages(site, portal, Diagnostics(), cache_dir=portal / ".cache")
    for _path, make in pages.planned:  # every page's key: the views are hashed
        assert pages.render_cached(make, Diagnostics())[0] is not None
    assert pages.cache is not None and pages.cache.shared
    cache = weakref.ref(pages.cache)
    gc.collect()
    gc.disable()
    try:
        del pages
        gone = cache() is None
    finally:
        gc.enable()
    assert gone


# -- input keys (render/inputkeys.py) -----------------------------------------------------

def _keys(site: Site, root: Path) -> dict[str, tuple[str | None, str | None]]:
    """Each page's context key (what its template sees) and input key (what it is made of)."""
    pages = Pages(site, root, Diagnostics(), cache_dir=root / ".cache")
    assert pages.inputs is not None
    keys = {}
    for path, make in pages.planned:
        spec = make()
        keys[path] = (pages.context_key(spec, pages.context_of(spec)), pages.inputs.key(make))
    return keys


_LATER = timedelta(days=3)
#: A different value for every field of a story, its front matter and its body.
STORY_CHANGES: dict[str, Callable[[Any], Any]] = {
    "path": lambda v: v.replace(".md", "-lain.md"),
    "url": lambda v: v.rstrip("/") + "-lain/",
    "history": lambda v: FileHistory(first=BUILD_TIME - _LATER, last=BUILD_TIME, commits=4,
                                     contributors=("budi", "rina")),
    "meta.title": lambda v: v + " Lagi",
    "meta.date": lambda v: v - timedelta(days=400),
    "meta.updated": lambda v: BUILD_TIME - _LATER,
    "meta.region": lambda v: "kec-dua" if v != "kec-dua" else "kec-satu",
    "meta.category": lambda v: "pendidikan" if v != "pendidikan" else "kesehatan",
    "meta.tags": lambda v: (*v[1:], "tag baru"),
    "meta.author": lambda v: "budi" if v != "budi" else "rina",
    "meta.summary": lambda v: v + " Lagi.",
    "meta.image": lambda v: Image(source="content/stories/2024/foto.jpg",
                                  url="/berita/foto.jpg", alt="Foto pasar", width=800,
                                  height=600),
    "meta.slug": lambda v: v + "-lain",
    "meta.source": lambda v: Source(name="Humas Uji", url="https://humas.example.go.id/"),
    "meta.status": lambda v: "review",
    "meta.lang": lambda v: "en" if v != "en" else "id",
    "meta.translation_key": lambda v: "kunci-lain",
    "meta.approved_by": lambda v: "budi",
    "meta.expires": lambda v: BUILD_TIME - _LATER,
    "meta.factcheck": lambda v: FactCheck(
        claim="Klaim beredar.", claim_where="", claim_date=None, claim_url="", verdict="hoaks",
        sources=(Source(name="Dinas", url="https://dinas.example.go.id/"),)),
    "body.html": lambda v: str(v) + "<p>Paragraf tambahan.</p>",
    "body.toc": lambda v: (*v, TocEntry(level=2, id="bagian", name="Bagian")),
    "body.word_count": lambda v: v + 250,
    "body.first_paragraph": lambda v: v + " Lagi.",
    "body.assets": lambda v: (*v, Asset(source="content/stories/2024/foto.jpg",
                                        url="/berita/foto.jpg")),
}


def _changed(story: Story, field: str) -> Story:
    """`story` with one field, `meta.x` or `body.x` too, given another value."""
    *outer, name = field.split(".")
    if outer:
        inner = getattr(story, outer[0])
        return replace(story, **{outer[0]: replace(inner, **{
            name: STORY_CHANGES[field](getattr(inner, name))})})
    return replace(story, **{name: STORY_CHANGES[field](getattr(story, name))})


def _prepared(story: Story) -> Story:
    """One story without a summary (its first paragraph is shown instead); the translation
    with a tag no story in the site language has (its page shows no link to it)."""
    if story.path.endswith("perahu.md"):
        return replace(story, meta=replace(story.meta, summary=""))
    if story.path.endswith("jalan.en.md"):
        return replace(story, meta=replace(story.meta, tags=(*story.meta.tags, "kopi")))
    return story


def test_story_changes_name_every_field_of_a_story() -> None:
    """A field added to Story, StoryMeta or RenderedBody must be added to the test below."""
    assert set(STORY_CHANGES) == {
        *(f.name for f in fields(Story) if f.name not in ("meta", "body")),
        *(f"meta.{f.name}" for f in fields(StoryMeta)),
        *(f"body.{f.name}" for f in fields(RenderedBody))}


def test_a_change_that_changes_a_pages_context_changes_its_input_key(portal: Path) -> None:
    """Input keys are right only if they are at least as fine as context keys: for every
    field of a story (the page's own, one on its lists, one among its related stories, one
    with a translation), for a story added or gone, another build time, a page in the
    menu and a tag page only a translation's tag had, any page whose context key changes
    gets another input key."""
    _translated(portal)
    site = load_site(portal, BuildOptions(build_time=BUILD_TIME), Diagnostics())
    stories = tuple(_prepared(s) for s in site.stories + site.translations)

    def remake(stories: tuple[Story, ...], build_time: datetime = BUILD_TIME,
               pages: tuple[Page, ...] = ()) -> Site:
        return structure.build_site(site.config, stories, pages, site.assets, build_time)

    before = _keys(remake(stories), portal)
    assert before == _keys(remake(stories), portal)  # equal inputs, equal keys
    keyed = [path for path, (_, inputs) in before.items() if inputs is not None]
    assert sum("berita/" in p for p in keyed) == len(stories)  # every story page
    assert sum(p.startswith(("tag/", "wilayah/", "arsip/")) for p in keyed) > 20  # and lists

    changes: dict[str, Site] = {
        "story added": remake((*stories, replace(stories[0], path="content/baru.md",
                                                 url="/berita/2026/11/baru/"))),
        "story gone": remake(stories[1:]),
        "build time": remake(stories, BUILD_TIME - timedelta(days=60)),  # one is scheduled
        "menu page": remake(stories, pages=(Page(
            path="content/pages/tentang.md", title="Tentang", summary="", menu=1,
            url="/tentang/", body=stories[0].body),)),
        # a tag only the translation had gets a page: its page links to it now
        "tag page": replace(remake(stories), tags={**site.tags, "kopi": Tag(
            name="kopi", slug="kopi", url="/tag/kopi/")}, by_tag={**site.by_tag, "kopi": ()}),
    }
    for number, story in enumerate(stories):
        if story.path.endswith(("jalan.md", "jalan.en.md", "pasar.md", "perahu.md")):
            for field in STORY_CHANGES:
                changes[f"{story.path}|{field}"] = remake(
                    (*stories[:number], _changed(story, field), *stories[number + 1:]))
    missed, shown = [], set()
    for name, changed in changes.items():
        after = _keys(changed, portal)
        seen = 0
        for path, (context, inputs) in before.items():
            if path in after and context != after[path][0] and inputs is not None:
                seen += 1
                if inputs == after[path][1]:
                    missed.append(f"{name}: {path}")
        if seen:
            shown.add(name.split("|")[-1])
    assert not missed
    # What no page shows (the test proves nothing for these, so they are named here).
    assert {"story added", "story gone", "build time", "menu page", "tag page"} <= shown
    assert set(STORY_CHANGES) - shown == {"path", "meta.slug", "history", "body.assets",
                                          "meta.approved_by"}


def test_an_edited_body_changes_the_input_keys_of_the_pages_that_show_it_only(
        portal: Path) -> None:
    """Input keys are as fine as context keys: a body edit misses no more pages than
    hashing every context would (its page, its lists, the pages it is related on)."""
    site = load_site(portal, BuildOptions(build_time=BUILD_TIME), Diagnostics())
    stories = site.stories
    before = _keys(site, portal)
    edited = structure.build_site(
        site.config, (_changed(stories[2], "body.html"), *stories[:2], *stories[3:]),
        site.pages, site.assets, BUILD_TIME)
    after = _keys(edited, portal)
    contexts = {p for p in before if before[p][0] != after[p][0]}
    inputs = {p for p in before if before[p][1] != after[p][1]}
    assert inputs == contexts
    assert 3 < len(contexts) < len(before) / 2
