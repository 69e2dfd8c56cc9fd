"""Golden-site test: tests/golden/site builds to exactly the files in tests/golden/expected/.

Any change to any output byte (templates, Markdown rendering, URLs, dates, assets) shows up
here as a missing, extra or differing file, with a unified diff of the first few. When the
change is intended, re-approve and review it:

    python -m pytest tests/test_golden.py --update-golden
    git diff --stat tests/golden/expected

(`--update-golden` comes from tests/conftest_golden.py; KABAR_UPDATE_GOLDEN=1 also works.)
"""

from __future__ import annotations

import difflib
import fnmatch
import hashlib
import os
import shutil
from pathlib import Path

import pytest
from conftest import build_site, outputs

GOLDEN = Path(__file__).resolve().parent / "golden"
SITE = GOLDEN / "site"
EXPECTED = GOLDEN / "expected"

#: How many differing text files get a unified diff, and how many lines each.
DIFFED_FILES = 3
DIFF_LINES = 60

#: Every kind of output the generator makes: (what, path pattern, body class or None).
#: A kind missing from expected/ fails here, so a re-approval cannot silently drop one.
PAGE_KINDS: tuple[tuple[str, str, str | None], ...] = (
    ("home", "index.html", "kind-home"),
    ("home page 2", "page/2/index.html", "kind-home"),
    ("story", "berita/2024/posyandu-mawar-mekarsari-punya-gedung-baru/index.html", "kind-story"),
    ("story bundle image", "berita/2024/posyandu-mawar-mekarsari-punya-gedung-baru/posyandu.png",
     None),
    ("translated story", "en/berita/2024/posyandu-mawar-in-mekarsari-gets-a-new-building/"
     "index.html", "kind-story"),
    ("language feed", "en/feed.xml", None),
    ("regions index", "wilayah/index.html", "kind-index"),
    ("kabupaten hub", "wilayah/sukamaju/index.html", "kind-region"),
    ("kabupaten hub page 2", "wilayah/sukamaju/page/2/index.html", "kind-region"),
    ("kecamatan hub", "wilayah/sukamaju/kec-barat/index.html", "kind-region"),
    ("kecamatan hub page 2", "wilayah/sukamaju/kec-barat/page/2/index.html", "kind-region"),
    ("desa hub", "wilayah/sukamaju/kec-barat/mekarsari/index.html", "kind-region"),
    ("desa hub page 2", "wilayah/sukamaju/kec-barat/mekarsari/page/2/index.html", "kind-region"),
    ("categories index", "kategori/index.html", "kind-index"),
    ("category", "kategori/kesehatan/index.html", "kind-category"),
    ("category page 2", "kategori/kesehatan/page/2/index.html", "kind-category"),
    ("tags index", "tag/index.html", "kind-index"),
    ("tag", "tag/posyandu/index.html", "kind-tag"),
    ("operators index", "penulis/index.html", "kind-index"),
    ("operator", "penulis/sari/index.html", "kind-operator"),
    ("archives index", "arsip/index.html", "kind-index"),
    ("year archive", "arsip/2024/index.html", "kind-archive"),
    ("month archive", "arsip/2024/02/index.html", "kind-archive"),
    ("static page", "tentang/index.html", "kind-page"),
    ("404 page", "404.html", "kind-404"),
    ("search page", "cari/index.html", "kind-search"),
    ("search script", "assets/search.*.js", None),
    ("search index: pagefind.js", "pagefind/pagefind.js", None),
    ("search index: a story fragment", "pagefind/fragment/*.pf_fragment", None),
    ("search index: word index", "pagefind/index/*.pf_index", None),
    ("search index: a filter", "pagefind/filter/*.pf_filter", None),
    ("search index: meta file", "pagefind/pagefind.*.pf_meta", None),
    ("search index: entry", "pagefind/pagefind-entry.json", None),
    ("static file", "favicon.png", None),
    ("theme stylesheet", "assets/style.*.css", None),
    ("share card", "berita/2024/posyandu-mawar-mekarsari-punya-gedung-baru/kartu.jpg", None),
    ("sitemap index", "sitemap.xml", None),
    ("pages sitemap", "sitemaps/halaman.xml", None),
    ("stories sitemap", "sitemaps/berita-2025.xml", None),
    ("news sitemap", "news-sitemap.xml", None),
    ("robots.txt", "robots.txt", None),
    ("IndexNow key file", "0c5d2a7b9e4f4d1a8b3c6e2f1a0d9c8b.txt", None),
    ("kabar ping manifest", ".well-known/kabar-manifest.json", None),
    ("schedule file", ".well-known/kabar-schedule.json", None),
    ("fact check", "cek-fakta/2025/posyandu-mawar-tutup/index.html", "kind-factcheck"),
    ("fact check share card", "cek-fakta/2025/posyandu-mawar-tutup/kartu.jpg", None),
    ("fact-check section", "cek-fakta/index.html", "kind-factchecks"),
    ("fact-check feed", "cek-fakta/feed.xml", None),
)


def _updating(config: pytest.Config) -> bool:
    return bool(config.getoption("--update-golden", default=False)) or \
        os.environ.get("KABAR_UPDATE_GOLDEN") == "1"


def _read_tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _write_tree(folder: Path, files: dict[str, bytes]) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _describe(data: bytes) -> str:
    return f"{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:12]}"


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _diff(name: str, expected: bytes, actual: bytes) -> str:
    old, new = _text(expected), _text(actual)
    if old is None or new is None:
        return f"--- {name}: binary, expected {_describe(expected)}, got {_describe(actual)}"
    lines = list(difflib.unified_diff(old.splitlines(keepends=True),
                                      new.splitlines(keepends=True),
                                      f"expected/{name}", f"built/{name}", n=2))
    if len(lines) > DIFF_LINES:
        lines = [*lines[:DIFF_LINES], f"... {len(lines) - DIFF_LINES} more diff lines\n"]
    if not lines:  # only line endings differ
        return f"--- {name}: differs in line endings only"
    return "".join(line if line.endswith("\n") else line + "\n\\ no newline\n"
                   for line in lines).rstrip("\n")


def compare(expected: dict[str, bytes], actual: dict[str, bytes]) -> str:
    """A readable report of how `actual` differs from `expected`; empty when identical."""
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    differing = sorted(n for n in expected.keys() & actual.keys() if expected[n] != actual[n])
    if not (missing or extra or differing):
        return ""
    parts = [f"{len(missing)} missing (expected, not built), {len(extra)} extra (built, not "
             f"expected), {len(differing)} differing file(s), of {len(expected)} expected"]
    parts += [f"missing: {n}" for n in missing]
    parts += [f"extra:   {n}" for n in extra]
    parts += [f"differs: {n}" for n in differing]
    text_diffs = [n for n in differing if _text(expected[n]) is not None]
    binary = [n for n in differing if _text(expected[n]) is None]
    for name in [*text_diffs[:DIFFED_FILES], *binary]:
        parts.append(_diff(name, expected[name], actual[name]))
    if len(text_diffs) > DIFFED_FILES:
        parts.append(f"(diffs of {len(text_diffs) - DIFFED_FILES} more text file(s) left out)")
    parts.append("If the change is intended: python -m pytest tests/test_golden.py "
                 "--update-golden, then review git diff tests/golden/expected")
    return "\n".join(parts)


@pytest.fixture(scope="module")
def built() -> dict[str, bytes]:
    # The module-scoped fixture runs before the function-scoped `_hermetic` one; the build
    # time is passed explicitly, so SOURCE_DATE_EPOCH does not matter here.
    result = build_site(SITE)
    assert not len(result.diagnostics), \
        "the golden site must build without warnings:\n" + \
        "\n".join(d.format() for d in result.diagnostics)
    return outputs(result)


def test_golden_site_matches_expected(built: dict[str, bytes],
                                      request: pytest.FixtureRequest) -> None:
    if _updating(request.config):
        _write_tree(EXPECTED, built)
        pytest.skip(f"golden files rewritten: {len(built)} files in {EXPECTED}")
    assert EXPECTED.is_dir(), f"{EXPECTED} is missing: run with --update-golden"
    report = compare(_read_tree(EXPECTED), built)
    if report:
        pytest.fail(report, pytrace=False)


@pytest.mark.parametrize(("what", "pattern", "body_class"), PAGE_KINDS,
                         ids=[kind[0] for kind in PAGE_KINDS])
def test_expected_tree_has_every_page_kind(what: str, pattern: str,
                                           body_class: str | None) -> None:
    names = [n for n in _read_tree(EXPECTED) if fnmatch.fnmatchcase(n, pattern)]
    assert names, f"no {what} ({pattern}) in {EXPECTED}: a page kind disappeared"
    if body_class is not None:
        html = (EXPECTED / names[0]).read_text(encoding="utf-8")
        assert f'class="{body_class}"' in html, f"{names[0]} is not a {what} page"


def test_drafts_stay_out_of_the_golden_site(built: dict[str, bytes]) -> None:
    leaked = [name for name, data in built.items()
              if b"rencana-festival-panen" in data or b"Festival Panen" in data
              or "festival" in name]
    assert not leaked, f"the draft story leaked into: {leaked}"
