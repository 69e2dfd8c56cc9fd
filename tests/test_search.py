"""The Pagefind index built with every site: what is in it, what is not, and how it is made.

The index files are read back the way pagefind.js reads them (gzip, then a 12-byte
signature, then JSON), so these tests see exactly what the browser will see. The browser
itself is driven in tests/test_search_browser.py.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import re
import time
from html import unescape
from pathlib import Path
from typing import Any

import lxml.html
from conftest import build_site, outputs, story_text

from generator.model import Output
from generator.publish.search import _canonical, _cbor_dumps, _cbor_loads, _index, search_index

SIGNATURE = b"pagefind_dcd"
TITIAN = "/berita/2023/titian-kayu-di-seranau-diganti-jembatan-beton-anak-sekolah-lebih-aman/"


def decode(data: bytes) -> dict[str, Any]:
    raw = gzip.decompress(data)
    assert raw.startswith(SIGNATURE)
    return json.loads(raw[len(SIGNATURE):])  # type: ignore[no-any-return]


def fragments(files: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    """The indexed pages by URL, from `pagefind/fragment/*.pf_fragment`."""
    pages = [decode(data) for name, data in files.items()
             if name.startswith("pagefind/fragment/")]
    return {page["url"]: page for page in pages}


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


def test_the_example_index_holds_every_published_story_and_nothing_else(
        example_output: Path) -> None:
    files = tree(example_output)
    stories = {"/" + name.removesuffix("index.html") for name in files
               if name.startswith("berita/") and name.endswith("/index.html")
               and name.count("/") == 3}
    assert len(stories) == 36
    pages = fragments(files)
    assert set(pages) == stories
    entry = json.loads(files["pagefind/pagefind-entry.json"])
    assert entry["version"] == "1.5.2"
    assert list(entry["languages"]) == ["id"]
    assert entry["languages"]["id"]["page_count"] == 36
    # The bundle pagefind.js needs, without Pagefind's own UIs (the theme has search.js).
    top = sorted(n.removeprefix("pagefind/") for n in files
                 if n.startswith("pagefind/") and n.count("/") == 1)
    assert top[:3] == ["pagefind-entry.json", "pagefind-worker.js", top[2]]
    assert top[2].startswith("pagefind.id_") and top[2].endswith(".pf_meta")
    assert top[3:] == ["pagefind.js", "wasm.id.pagefind", "wasm.unknown.pagefind"]
    folders = {n.split("/")[1] for n in files if n.startswith("pagefind/") and n.count("/") == 2}
    assert folders == {"filter", "fragment", "index"}


def test_a_story_is_indexed_with_its_filters_sort_key_and_result_metadata(
        example_output: Path) -> None:
    page = fragments(tree(example_output))[TITIAN]
    assert page["filters"] == {
        "kabupaten": ["Kotawaringin Timur"], "kecamatan": ["Seranau"],
        "kategori": ["Pembangunan"], "tahun": ["2023"], "penulis": ["Agus Prasetyo"]}
    assert page["meta"] == {
        "title": "Titian Kayu di Seranau Diganti Jembatan Beton, Anak Sekolah Lebih Aman",
        "date": "2023-10-25T14:00:00+07:00", "date_label": "25 Oktober 2023",
        "image": TITIAN + "jembatan-seranau.jpg",
        "image_alt": "Ilustrasi jembatan beton berpagar putih melintasi anak sungai, tiga anak "
                     "berseragam sekolah berjalan di atasnya, pepohonan hijau di kedua ujung.",
        "region": "Kecamatan Seranau", "region_url": "/wilayah/kotawaringin-timur/seranau/"}
    # Title and body only: the kicker, byline, dates, reading time, tags, share links, the
    # header, footer and related stories around the article are not searchable text.
    content = page["content"]
    assert content.startswith("Titian Kayu di Seranau Diganti Jembatan Beton, Anak Sekolah "
                              "Lebih Aman. Anak-anak sekolah di Kecamatan Seranau kini")
    assert content.endswith("kini berubah menjadi perjalanan yang menyenangkan bagi anak-anak "
                            "Seranau.")
    for boilerplate in ("Oleh", "Agus Prasetyo", "menit baca", "WIB", "Tag",
                        "Bagikan", "WhatsApp", "Berita terkait", "Kabar Kotim",
                        "Lompat ke konten", "Daftar isi"):
        assert boilerplate not in content, boilerplate


def test_a_result_shows_its_own_picture_or_none(example_output: Path) -> None:
    """Pagefind takes the first picture of a page when none is named: a story without one
    must not borrow a related story's picture (and its description, which is searchable)."""
    files = tree(example_output)
    without = 0
    for url, page in fragments(files).items():
        html = files[url.lstrip("/") + "index.html"].decode()
        hero = re.search(r'<figure class="hero">\s*<img src="([^"]+)" alt="([^"]*)"', html)
        if hero:
            assert page["meta"]["image"] == hero[1]
            assert page["meta"]["image_alt"] == unescape(hero[2])
        else:
            without += 1
            assert page["meta"]["image"] == "" and "image_alt" not in page["meta"], url
    assert without > 0


def test_the_sort_key_is_on_every_story(example_output: Path) -> None:
    html = (example_output / TITIAN.lstrip("/") / "index.html").read_text(encoding="utf-8")
    assert 'data-pagefind-sort="date[datetime]"' in html
    assert html.count("data-pagefind-body") == 1


SITE_TWO_STORIES = {
    "content/stories/2024/terbit.md": story_text(
        "Pasar <script>alert(1)</script> & Co", region="kec-dua",
        body="Pedagang pasar menata lapak baru.\n"),
    "content/stories/2024/draf.md": story_text(
        "Rencana Rahasia", date="2024-05-01", extra="status: draft\n",
        body="Isi draf yang belum terbit.\n"),
}


def test_drafts_are_never_indexed_and_titles_stay_text(make_site: Any) -> None:
    root = make_site(SITE_TWO_STORIES)
    files = outputs(build_site(root, drafts=True))
    assert "berita/2024/rencana-rahasia/index.html" in files  # previewed ...
    pages = fragments(files)  # ... but not searchable
    assert list(pages) == ["/berita/2024/pasar-script-alert-1-script-co/"]
    page = pages["/berita/2024/pasar-script-alert-1-script-co/"]
    assert page["meta"]["title"] == "Pasar <script>alert(1)</script> & Co"
    assert page["filters"] == {"kabupaten": ["Uji"], "kecamatan": ["Dua"],
                               "kategori": ["Kesehatan"], "tahun": ["2024"],
                               "penulis": ["Rina"]}


def test_only_public_stories_are_indexed_even_in_a_preview(make_site: Any) -> None:
    """A --drafts preview builds the pages of stories in review, scheduled after the build
    time and expired, but none of them is searchable, and /cari/ counts only the public."""
    root = make_site({
        **SITE_TWO_STORIES,
        "content/stories/2026/tinjau.md": story_text(
            "Masih Ditinjau", date="2026-11-01 08:00", extra="status: review\n"),
        "content/stories/2026/nanti.md": story_text("Terbit Nanti", date="2026-12-24 08:00"),
        "content/stories/2026/lewat.md": story_text(
            "Pendaftaran Ditutup", date="2026-10-01 08:00", extra="expires: 2026-11-01 00:00\n"),
    })
    files = outputs(build_site(root, drafts=True))
    for slug in ("masih-ditinjau", "terbit-nanti", "pendaftaran-ditutup"):
        assert f"berita/2026/{slug}/index.html" in files, slug  # previewed ...
    assert list(fragments(files)) == ["/berita/2024/pasar-script-alert-1-script-co/"]
    tahun = lxml.html.fromstring(files["cari/index.html"]).xpath('//select[@name="tahun"]')
    assert tahun == []  # one year with public stories: nothing to choose


def test_filter_values_are_the_names_as_typed(make_site: Any) -> None:
    """pagefind 1.5.2 decodes a filter value's entities twice; story.html escapes "&" once
    more, so a name holding entity-like text is indexed as typed (not as <b> or a real
    U+202E) and still matches the search page's option for it."""
    from conftest import MINIMAL_SITE_YAML
    tricky = "&lt;b&gt; R&D &amp; &#x202E;"
    site_yaml = MINIMAL_SITE_YAML.replace("name: Kesehatan", f"name: '{tricky}'").replace(
        "name: Satu", f"name: 'Satu {tricky}'").replace("name: Rina", f"name: 'Rina {tricky}'")
    files = outputs(build_site(make_site({"site.yaml": site_yaml, **SITE_TWO_STORIES,
                                          "content/stories/2024/satu.md": story_text()})))
    page = fragments(files)["/berita/2024/posyandu-baru/"]
    assert page["filters"] == {"kabupaten": ["Uji"], "kecamatan": [f"Satu {tricky}"],
                               "kategori": [tricky], "penulis": [f"Rina {tricky}"],
                               "tahun": ["2024"]}
    options = lxml.html.fromstring(files["cari/index.html"]).xpath(
        '//select[@name="kecamatan"]/option/@value')
    assert f"Satu {tricky}" in options


def test_the_index_follows_the_site_language(make_site: Any) -> None:
    from conftest import MINIMAL_SITE_YAML
    root = make_site({"site.yaml": MINIMAL_SITE_YAML + "language: en\n",
                      **SITE_TWO_STORIES})
    entry = json.loads(outputs(build_site(root))["pagefind/pagefind-entry.json"])
    assert list(entry["languages"]) == ["en"]


def test_translations_stay_out_of_the_site_language_index(example_output: Path) -> None:
    """English versions (/en/berita/…) are pages of their own but not search records: the
    index is the site language's only (docs/architecture.md, "Translations"); their
    Indonesian originals are found."""
    files = tree(example_output)
    english = {"/" + name.removesuffix("index.html") for name in files
               if name.startswith("en/berita/") and name.endswith("/index.html")}
    assert len(english) == 3
    pages = fragments(files)
    assert not english & set(pages)
    assert not [url for url in pages if not url.startswith("/berita/")]
    originals = [url for url in pages
                 if re.search(rb'hreflang="en"', files[url.lstrip("/") + "index.html"])]
    assert len(originals) == 3
    entry = json.loads(files["pagefind/pagefind-entry.json"])
    assert list(entry["languages"]) == ["id"]
    assert not [n for n in files if n.startswith(("pagefind/wasm.en", "pagefind/pagefind.en_",
                                                   "pagefind/fragment/en_"))]


def test_the_index_does_not_depend_on_the_order_pages_arrive_in(make_site: Any) -> None:
    root = make_site({**SITE_TWO_STORIES, **{
        f"content/stories/2025/cerita-{i}.md": story_text(
            f"Cerita Nomor {i}", date=f"2025-01-{i + 1:02d}", body=f"Paragraf {i} tentang air.\n")
        for i in range(8)}})
    result = build_site(root)
    pages = [o for o in result.outputs if o.path.endswith(".html")]
    def files(index: list[Output]) -> dict[str, bytes]:
        return {o.path: o.data for o in index}

    forward = files(search_index(result.site, {o.path: o.data for o in pages}))
    assert files(search_index(result.site, {o.path: o.data for o in pages[::-1]})) == forward
    assert {o.path: o.data for o in result.outputs if o.path.startswith("pagefind/")} == forward
    assert sum(name.startswith("pagefind/fragment/") for name in forward) == 9


def test_the_filter_and_meta_files_are_put_in_order(make_site: Any) -> None:
    """pagefind 1.5.2 writes filter values and the filter list in a random (HashMap) order:
    two runs over the same pages differ. kabar sorts them and names them by content, so the
    bundles are byte-identical, and the entry → meta → filter names still hold together."""
    root = make_site({**SITE_TWO_STORIES, **{
        f"content/stories/202{i % 3}/cerita-{i}.md": story_text(
            f"Cerita Nomor {i}", date=f"202{i % 3}-01-{i + 1:02d}", region=region,
            category=category, body=f"Paragraf {i} tentang air.\n")
        for i, (region, category) in enumerate(
            [("kec-satu", "kesehatan"), ("kec-dua", "pendidikan")] * 4)}})
    result = build_site(root)
    documents = [(s.url, o.data) for s in result.site.stories for o in result.outputs
                 if o.path == s.url.lstrip("/") + "index.html"]
    raw_runs = [asyncio.run(_index(documents, "id")) for _ in range(4)]
    raw = [{name: data for name, data in run if name.endswith((".pf_filter", ".pf_meta"))}
           for run in raw_runs]
    assert any(run != raw[0] for run in raw), "pagefind's own order never varied"
    canonical = [dict(_canonical(run)) for run in raw_runs]
    assert all(run == canonical[0] for run in canonical)
    # Sorted and consistent: the entry names the meta file, which names every filter file.
    bundle = canonical[0]
    entry = json.loads(bundle["pagefind-entry.json"])
    meta = _cbor_loads(unpack(bundle[f"pagefind.{entry['languages']['id']['hash']}.pf_meta"]))
    named = dict(meta[3])
    assert list(named) == sorted(named) == ["kabupaten", "kategori", "kecamatan", "penulis",
                                            "tahun"]
    assert {f"filter/{h}.pf_filter" for h in named.values()} == {
        n for n in bundle if n.startswith("filter/")}
    kategori = _cbor_loads(unpack(bundle[f"filter/{named['kategori']}.pf_filter"]))
    assert [value for value, _pages in kategori[1]] == ["Kesehatan", "Pendidikan"]
    # kabar's CBOR writer gives back pagefind's own bytes for what it reads.
    for name, data in raw_runs[0]:
        if name.endswith((".pf_filter", ".pf_meta")):
            assert _cbor_dumps(_cbor_loads(unpack(data))) == unpack(data), name


def unpack(data: bytes) -> bytes:
    raw = gzip.decompress(data)
    assert raw.startswith(SIGNATURE)
    return raw[len(SIGNATURE):]


def test_many_pages_index_quickly_and_a_large_index_comes_back() -> None:
    """pagefind 1.5.2's own reader takes >= 0.1 s per page and hangs on an answer over
    2 MiB; kabar's reader (publish/search.py) must do neither."""
    rng = random.Random(7)
    words = ["".join(rng.choice("abcdefghijklmnoprstuwy") for _ in range(rng.randint(4, 10)))
             for _ in range(20_000)]
    documents = [(f"/berita/2024/c{i}/",
                  (f"<html lang='id'><body><article data-pagefind-body><h1>Cerita {i}</h1><p>"
                   + " ".join(rng.choices(words, k=1500)) + "</p></article></body></html>"
                   ).encode())
                 for i in range(150)]
    started = time.perf_counter()
    files = asyncio.run(_index(documents, "id"))
    seconds = time.perf_counter() - started
    size = sum(len(data) for _, data in files)
    assert size * 4 / 3 > 2 * 2**20, f"the answer ({size} bytes) must outgrow 2 MiB base64"
    assert sum(name.startswith("fragment/") for name, _ in files) == 150
    assert seconds < 10, f"150 pages took {seconds:.1f} s (the 0.1 s/page reader: >= 15 s)"


def test_the_search_page_offers_exactly_the_filter_values_of_the_index(
        example_output: Path) -> None:
    """search.html writes the filter options itself (so the browser need not download the
    filters); they must be the index's own values with the index's own counts."""
    files = tree(example_output)
    counted: dict[str, dict[str, int]] = {}
    for page in fragments(files).values():
        for name, values in page["filters"].items():
            for value in values:
                counted.setdefault(name, {}).setdefault(value, 0)
                counted[name][value] += 1
    html = files["cari/index.html"].decode()
    offered: dict[str, dict[str, int]] = {}
    for name, body in re.findall(r'<select id="f-(\w+)" name="\w+" data-filter="\w+">(.*?)'
                                 r'</select>', html, re.S):
        options = re.findall(r'<option value="([^"]+)">([^<]+) \((\d+)\)</option>', body)
        assert all(value == unescape(label) for value, label, _ in options)
        offered[name] = {unescape(value): int(n) for value, _, n in options}
    assert offered == {name: counts for name, counts in counted.items()
                       if name in ("kabupaten", "kecamatan", "kategori", "tahun")
                       and len(counts) > 1}
    assert set(offered) == {"kecamatan", "kategori", "tahun"}  # one kabupaten: no select
    assert list(offered["tahun"]) == ["2026", "2025", "2024", "2023"]


def test_a_portal_without_stories_has_no_index_and_says_so(make_site: Any) -> None:
    files = outputs(build_site(make_site({})))
    assert not [name for name in files if name.startswith("pagefind/")]
    page = files["cari/index.html"].decode()
    assert "<p>Belum ada berita di sini.</p>" in page
    # No script but the JSON-LD data block of every page
    assert re.findall(r"<script[^>]*>", page) == ['<script type="application/ld+json">']
    assert 'id="pencarian"' not in page


# A portal over `search.split_at` stories: the index is split by years (structure/search.py).
# 2024 alone has more than split_at (a year is never cut: a bundle of its own), 2023 and
# 2022 fit together, 2021 is the third group. Every story says "warga"; "jembatan" is in
# three stories, one of 2024 and two of 2021.
SPLIT_YEARS = {2024: 11, 2023: 3, 2022: 2, 2021: 4}
SPLIT_BUNDLES = {"pagefind/": (2024,), "pagefind/2022-2023/": (2023, 2022),
                 "pagefind/2021/": (2021,)}


def split_site_files() -> dict[str, str]:
    from conftest import MINIMAL_SITE_YAML
    files = {"site.yaml": MINIMAL_SITE_YAML + "search:\n  split_at: 5\n"}
    for year, count in SPLIT_YEARS.items():
        for i in range(count):
            bridge = " Jembatan gantung desa diperbaiki." if (year, i) in {
                (2024, 3), (2021, 0), (2021, 2)} else ""
            files[f"content/stories/{year}/kabar-{i}.md"] = story_text(
                f"Kabar {year} Nomor {i}", date=f"{year}-{1 + i:02d}-{10 + i} 08:00",
                region="kec-satu" if i % 2 else "kec-dua",
                category="pendidikan" if i % 3 else "kesehatan",
                body=f"Warga kampung berkumpul pada tahun {year}.{bridge}\n")
    return files


def test_search_bundles_group_whole_years_newest_first(make_site: Any) -> None:
    from generator.structure.search import search_bundles
    site = build_site(make_site(split_site_files())).site
    bundles = search_bundles(site)
    assert [(b.url, b.years, len(b.stories)) for b in bundles] == [
        ("/pagefind/", (2024,), 11), ("/pagefind/2022-2023/", (2023, 2022), 5),
        ("/pagefind/2021/", (2021,), 4)]
    assert [s for b in bundles for s in b.stories] == list(site.stories)  # site order
    assert [b.primary for b in bundles] == [True, False, False]


def test_under_split_at_the_index_is_one_bundle(make_site: Any) -> None:
    from generator.structure.search import search_bundles
    files = split_site_files()
    files["site.yaml"] = files["site.yaml"].replace("split_at: 5", "split_at: 20")
    site = build_site(make_site(files)).site
    assert [(b.url, b.years) for b in search_bundles(site)] == [
        ("/pagefind/", (2024, 2023, 2022, 2021))]


def test_a_split_index_is_one_bundle_per_group_of_years(make_site: Any) -> None:
    root = make_site(split_site_files())
    files = outputs(build_site(root))
    pages = fragments(files)
    by_bundle: dict[str, set[str]] = {}
    for name, data in files.items():
        if name.startswith("pagefind/") and "/fragment/" in name:
            url = decode(data)["url"]
            by_bundle.setdefault(name.split("fragment/")[0], set()).add(url)
    assert set(by_bundle) == set(SPLIT_BUNDLES)
    for bundle, years in SPLIT_BUNDLES.items():
        assert {int(url.split("/")[2]) for url in by_bundle[bundle]} == set(years), bundle
        entry = json.loads(files[bundle + "pagefind-entry.json"])
        assert entry["languages"]["id"]["page_count"] == sum(SPLIT_YEARS[y] for y in years)
    assert len(set().union(*by_bundle.values())) == sum(SPLIT_YEARS.values())
    assert set(pages) == by_bundle["pagefind/"]  # pagefind/fragment/: the newest only
    # The older bundles are merged into the primary one's Pagefind: no script, no wasm.
    for bundle in ("pagefind/2022-2023/", "pagefind/2021/"):
        top = sorted(n.removeprefix(bundle) for n in files
                     if n.startswith(bundle) and "/" not in n.removeprefix(bundle))
        assert len(top) == 2 and top[0] == "pagefind-entry.json", top
        assert top[1].startswith("pagefind.id_") and top[1].endswith(".pf_meta")
    assert "pagefind/pagefind.js" in files and "pagefind/wasm.id.pagefind" in files
    # /cari/ names the bundles, newest first, for search.js.
    page = lxml.html.fromstring(files["cari/index.html"])
    (root_div,) = page.xpath('//div[@id="pencarian"]')
    assert json.loads(root_div.get("data-bundles")) == [
        {"url": "/pagefind/", "years": [2024]},
        {"url": "/pagefind/2022-2023/", "years": [2023, 2022]},
        {"url": "/pagefind/2021/", "years": [2021]}]
    assert root_div.get("data-t-older") == "Cari juga di berita {years}"


def test_a_split_index_is_byte_identical_across_builds(make_site: Any) -> None:
    root = make_site(split_site_files())
    first = {n: d for n, d in outputs(build_site(root)).items() if n.startswith(("pagefind/",
                                                                                  "cari/"))}
    second = {n: d for n, d in outputs(build_site(root)).items() if n.startswith(("pagefind/",
                                                                                   "cari/"))}
    assert first == second
    assert sum(n.endswith("pagefind-entry.json") for n in first) == 3


def test_split_at_must_be_positive(make_site: Any) -> None:
    import pytest

    from generator.diagnostics import BuildFailed
    files = split_site_files()
    files["site.yaml"] = files["site.yaml"].replace("split_at: 5", "split_at: 0")
    with pytest.raises(BuildFailed) as failed:
        build_site(make_site(files))
    (diag,) = failed.value.diagnostics
    assert diag.message == "search.split_at harus bilangan bulat 1 atau lebih"
    assert diag.path.endswith("site.yaml")
