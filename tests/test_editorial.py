"""Editorial review: draft → review → published, approval by an editor, and what each shows.

Every transition of one story is built for real (make_site + the whole pipeline) and
checked where it matters: its page, the home listing, the feeds, the sitemap, the
diagnostics and the `kabar check` exit code.
"""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from conftest import MINIMAL_SITE_YAML, SiteMaker, build_site, outputs, story_text

from generator.cli import main
from generator.diagnostics import BuildFailed, format_report

STORY = "content/stories/2024/posyandu-baru.md"
OTHER = "content/stories/2024/lain.md"
PAGE = "berita/2024/posyandu-baru/index.html"
REQUIRED = MINIMAL_SITE_YAML + "editorial:\n  approval: required\n"
APPROVED = "approved_by: budi\n"


def portal(make_site: SiteMaker, status: str | None, *, required: bool = False,
           approved_by: str = "") -> Path:
    """One story in `status` (None: no status line) beside an always-published one."""
    extra = (f"status: {status}\n" if status else "") + (
        f"approved_by: {approved_by}\n" if approved_by else "")
    return make_site({
        "site.yaml": REQUIRED if required else MINIMAL_SITE_YAML,
        STORY: story_text(extra=extra),
        OTHER: story_text("Cerita Lain", date="2024-01-05",
                          extra="approved_by: budi\n" if required else ""),
    })


def shown(files: dict[str, bytes]) -> dict[str, bool]:
    """Where the story appears: its page, the home list, the RSS feed, the sitemap."""
    home = files["index.html"].decode()
    feed = feedparser.parse(files["feed.xml"])
    sitemap = files.get("sitemaps/berita-2024.xml", b"").decode()
    return {"page": PAGE in files, "home": 'href="/berita/2024/posyandu-baru/"' in home,
            "feed": any(e.title == "Posyandu Baru" for e in feed.entries),
            "sitemap": "/berita/2024/posyandu-baru/" in sitemap}


NOWHERE = {"page": False, "home": False, "feed": False, "sitemap": False}
EVERYWHERE = {"page": True, "home": True, "feed": True, "sitemap": True}
PREVIEW = {"page": True, "home": True, "feed": False, "sitemap": False}


@pytest.mark.parametrize(("status", "built", "with_drafts", "badge"), [
    ("draft", NOWHERE, PREVIEW, "Draf: belum terbit"),
    ("review", NOWHERE, PREVIEW, "Menunggu pemeriksaan: belum terbit"),
    ("published", EVERYWHERE, EVERYWHERE, None),
    (None, EVERYWHERE, EVERYWHERE, None),
])
def test_each_status_without_approval(make_site: SiteMaker, status: str | None,
                                      built: dict[str, bool], with_drafts: dict[str, bool],
                                      badge: str | None) -> None:
    root = portal(make_site, status)
    assert shown(outputs(build_site(root))) == built
    files = outputs(build_site(root, drafts=True))
    assert shown(files) == with_drafts
    page = files[PAGE].decode()
    if badge is None:
        assert 'class="status"' not in page
        assert '<meta name="robots" content="index, follow, max-image-preview:large">' in page
    else:
        assert f'<p class="status" data-pagefind-ignore>{badge}</p>' in page
        assert '<meta name="robots" content="noindex">' in page


def test_draft_to_review_to_published_with_approval(make_site: SiteMaker) -> None:
    """The whole life of one story in a portal that requires approval."""
    root = portal(make_site, "draft", required=True)
    result = build_site(root)
    assert shown(outputs(result)) == NOWHERE
    assert list(result.diagnostics) == []  # a draft is nobody's business yet

    root = portal(make_site, "review", required=True)
    result = build_site(root)
    assert shown(outputs(result)) == NOWHERE
    assert format_report(result.diagnostics) == (
        f"{STORY}:9:9: info: cerita menunggu pemeriksaan editor (status: review)\n"
        "  hint: editor memeriksa, lalu mengubah status menjadi published dan menulis "
        "approved_by: <id editor>\n"
        "  | status: review")

    root = portal(make_site, "published", required=True, approved_by="budi")
    result = build_site(root)
    assert shown(outputs(result)) == EVERYWHERE
    assert list(result.diagnostics) == []
    assert result.site.stories[0].meta.approved_by == "budi"

    # ...and back: an editor unpublishes it by setting it to review again.
    root = portal(make_site, "review", required=True, approved_by="budi")
    assert shown(outputs(build_site(root))) == NOWHERE


def _failure(root: Path, **options: object) -> str:
    with pytest.raises(BuildFailed) as exc:
        build_site(root, **options)
    return format_report(exc.value.diagnostics)


def test_published_without_approval_is_a_located_error(make_site: SiteMaker) -> None:
    hint = ("  hint: site.yaml meminta persetujuan (editorial.approval: required): editor "
            "menulis approved_by: <id editor>, misalnya approved_by: budi; atau ubah status "
            "menjadi review\n")
    root = portal(make_site, "published", required=True)
    expected = (f"{STORY}:9:9: error: cerita terbit tanpa persetujuan editor\n{hint}"
                "  | status: published")
    assert _failure(root) == expected
    assert _failure(root, drafts=True) == expected  # previews too: it would go live as is
    root = portal(make_site, None, required=True)  # no status line: published by default
    assert _failure(root) == (
        f"{STORY}:2:1: error: cerita terbit tanpa persetujuan editor (tanpa 'status:' "
        f"berarti published)\n{hint}"
        '  | title: "Posyandu Baru"')


@pytest.mark.parametrize(("approver", "report"), [
    ("rina", f"{STORY}:10:14: error: approved_by: 'rina' bukan editor\n"
             "  hint: hanya operator dengan role: editor yang boleh menyetujui; editor di "
             "site.yaml: 'budi'\n  | approved_by: rina"),
    ("budy", f"{STORY}:10:14: error: approved_by: 'budy' tidak ada di daftar operators "
             "site.yaml\n  hint: maksud Anda 'budi'?\n  | approved_by: budy"),
])
def test_approver_must_be_an_editor(make_site: SiteMaker, approver: str, report: str) -> None:
    for required in (True, False):  # a wrong approver is wrong even when none is asked for
        root = portal(make_site, "published", required=required, approved_by=approver)
        assert _failure(root) == report


def test_drafts_and_reviews_need_no_approval(make_site: SiteMaker) -> None:
    for status in ("draft", "review"):
        result = build_site(portal(make_site, status, required=True), drafts=True)
        assert [d.severity for d in result.diagnostics] == (
            ["info"] if status == "review" else [])


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_check_lists_stories_waiting_for_review(make_site: SiteMaker,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    root = portal(make_site, "review", required=True)
    for argv in (("check",), ("check", "--strict")):  # info never fails a check
        code, out, err = _run(capsys, *argv, "--root", str(root))
        assert code == 0, err
        assert out == "ok: 1 cerita diperiksa, 0 peringatan, 1 info\n"
        assert err.startswith(f"{STORY}:9:9: info: cerita menunggu pemeriksaan editor")
    (root / STORY).write_text(story_text(extra="status: published\n"))
    code, out, err = _run(capsys, "check", "--root", str(root))
    assert code == 1 and out == ""
    assert err.splitlines()[0] == f"{STORY}:9:9: error: cerita terbit tanpa persetujuan editor"
    assert err.splitlines()[-1] == ("gagal: 1 kesalahan, 0 peringatan. Folder output/ tidak "
                                    "diubah.")
