"""The newsroom rules and translations together: every version of a story goes through
review, approval, scheduling and expiry on its own, and only public versions are offered
(language switch, hreflang in the head and the sitemap, `/en/` feeds). Fact checks stay
in the site language; `kabar report` counts a story once, not once per language.

Each case is a real build of a small portal (make_site + the whole pipeline), read back
with lxml and feedparser.
"""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import lxml.html
import pytest
from conftest import MINIMAL_SITE_YAML, SiteMaker, build_site, outputs, story_text

from generator.cli import main
from generator.diagnostics import BuildFailed, format_report

REQUIRED = MINIMAL_SITE_YAML + "editorial:\n  approval: required\n"
ORIGINAL = "content/stories/2024/posyandu-baru/index.md"
ENGLISH = "content/stories/2024/posyandu-baru/index.en.md"
ID_PAGE = "berita/2024/posyandu-baru/index.html"
EN_URL = "/en/berita/2024/new-health-post/"
EN_PAGE = EN_URL.lstrip("/") + "index.html"
KEY = "translation_key: posyandu-baru\n"


def portal(make_site: SiteMaker, english_extra: str, *, required: bool = True,
           english_date: str = "2024-03-13 10:00") -> Path:
    """An approved Indonesian story and its English version with `english_extra` lines."""
    return make_site({
        "site.yaml": REQUIRED if required else MINIMAL_SITE_YAML,
        ORIGINAL: story_text(extra=KEY + ("approved_by: budi\n" if required else "")),
        ENGLISH: story_text("New Health Post", date=english_date,
                            extra=f"lang: en\n{KEY}{english_extra}"),
    })


def offered(files: dict[str, bytes]) -> dict[str, object]:
    """Where the English version is offered: its page, the original's switch and hreflang,
    the year sitemap's alternates, the English feed."""
    original = lxml.html.fromstring(files[ID_PAGE])
    sitemap = files["sitemaps/berita-2024.xml"].decode()
    feed = feedparser.parse(files["en/feed.xml"]) if "en/feed.xml" in files else None
    return {
        "page": EN_PAGE in files,
        "switch": original.xpath('//nav[@class="translations"]//a/@href'),
        "hreflang": original.xpath('//head/link[@rel="alternate"][@hreflang]/@hreflang'),
        "sitemap": EN_URL in sitemap,
        "feed": [e.title for e in feed.entries] if feed is not None else None,
    }


PUBLIC = {"page": True, "switch": [EN_URL], "hreflang": ["id", "en", "x-default"],
          "sitemap": True, "feed": ["New Health Post"]}
ABSENT = {"page": False, "switch": [], "hreflang": [], "sitemap": False, "feed": None}


def test_each_version_needs_its_own_approval(make_site: SiteMaker) -> None:
    """Approving the original does not approve its translation: an editor reads it too."""
    root = portal(make_site, "")
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    report = format_report(failed.value.diagnostics)
    assert [(d.path, d.line, d.message) for d in failed.value.diagnostics.errors] == [
        (ENGLISH, 2, "cerita terbit tanpa persetujuan editor (tanpa 'status:' berarti "
         "published)")]
    assert "approved_by: budi" in report
    approved = portal(make_site, "approved_by: budi\n")
    assert offered(outputs(build_site(approved))) == PUBLIC


def test_a_version_in_review_is_not_offered_until_published(
        make_site: SiteMaker, capsys: pytest.CaptureFixture[str]) -> None:
    root = portal(make_site, "status: review\n")
    result = build_site(root)
    assert offered(outputs(result)) == ABSENT
    assert [(d.path, d.message) for d in result.diagnostics.notes] == [
        (ENGLISH, "cerita menunggu pemeriksaan editor (status: review)")]
    assert main(["check", "--strict", "--root", str(root)]) == 0
    assert capsys.readouterr().out.startswith("ok: 1 cerita diperiksa, 0 peringatan, 1 info")
    # A preview shows the English page (noindex, with its badge) and the switch to it,
    # but search engines are never told about a version that is not public.
    files = outputs(build_site(root, drafts=True))
    preview = lxml.html.fromstring(files[EN_PAGE])
    assert preview.xpath('string(//meta[@name="robots"]/@content)') == "noindex"
    assert offered(files)["switch"] == [EN_URL]
    assert offered(files)["sitemap"] is False


def test_a_scheduled_version_waits_for_its_time(make_site: SiteMaker) -> None:
    root = portal(make_site, "approved_by: budi\n", english_date="2026-11-21 08:00")
    result = build_site(root)  # built 2026-11-20 00:00 UTC: the English one is tomorrow
    assert offered(outputs(result)) == ABSENT
    assert result.site.next_change is not None
    assert (result.site.next_change.path, result.site.next_change.change) == (
        ENGLISH, "publish")


def test_an_expired_version_keeps_its_page_but_is_nobodys_version(make_site: SiteMaker) -> None:
    root = portal(make_site, "approved_by: budi\nexpires: 2025-01-01 00:00\n")
    files = outputs(build_site(root))
    assert offered(files) == {**ABSENT, "page": True}
    page = lxml.html.fromstring(files[EN_PAGE])
    assert page.xpath('string(//meta[@name="robots"]/@content)') == "noindex"
    assert page.xpath("string(/html/@lang)") == "en"
    assert page.xpath('//head/link[@rel="alternate"][@hreflang]') == []
    assert page.xpath('//nav[@class="translations"]') == []
    assert "Expired on" in page.xpath('string(//p[@class="status"])')


@pytest.mark.parametrize(("extra", "key", "message"), [
    ("lang: en\n", "lang", "cek fakta hanya ditulis dalam bahasa situs ('id')"),
    ("translation_key: klaim\n", "translation_key", "cek fakta belum bisa diterjemahkan"),
])
def test_fact_checks_stay_in_the_site_language(make_site: SiteMaker, extra: str, key: str,
                                                message: str) -> None:
    path = "content/cek-fakta/2024/klaim.md"
    root = make_site({path: story_text(
        "Klaim Palsu", extra=f"claim: Klaim palsu\nverdict: hoaks\nsources:\n"
        f"  - name: Puskesmas\n{extra}")})
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    [error] = failed.value.diagnostics.errors
    lines = (root / path).read_text().splitlines()
    assert (error.path, error.message, lines[error.line - 1].split(":")[0]) == (
        path, message, key)


def test_the_report_counts_a_story_once_not_once_per_language(
        make_site: SiteMaker, capsys: pytest.CaptureFixture[str]) -> None:
    root = portal(make_site, "", required=False)
    assert main(["report", "--root", str(root), "--since", "2024-03-01", "--until",
                 "2024-03-31", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["total"], [s["title"] for s in data["stories"]]) == (1, ["Posyandu Baru"])
