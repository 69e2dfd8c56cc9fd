"""Scheduled and expiring stories, at the edges of Indonesia's three time zones.

The test build time is 2026-11-20 00:00 UTC: 07:00 WIB, 08:00 WITA, 09:00 WIT. Each case
writes the story's time on the portal's own clock, one minute before, at, or after that.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
from conftest import BUILD_TIME, MINIMAL_SITE_YAML, SiteMaker, build_site, outputs, story_text

from generator.build import BuildOptions, build
from generator.cli import main
from generator.diagnostics import BuildFailed, format_report

STORY = "content/stories/2026/jadwal.md"
OTHER = "content/stories/2024/lain.md"
ZONES = [("Asia/Jakarta", "WIB", 7), ("Asia/Makassar", "WITA", 8), ("Asia/Jayapura", "WIT", 9)]
EDGES = {"sebelum": -1, "tepat": 0, "sesudah": 1}  # slug → minutes from the build time


def zone_yaml(zone: str) -> str:
    return MINIMAL_SITE_YAML.replace("timezone: Asia/Jakarta", f"timezone: {zone}")


def local(hour: int, minutes: int) -> str:
    """Front-matter time `minutes` from the build time, on a clock `hour` hours ahead of UTC."""
    moment = BUILD_TIME + timedelta(hours=hour, minutes=minutes)
    return f"{moment:%Y-%m-%d %H:%M}"


def edge_portal(make_site: SiteMaker, zone: str, hours: int, *, expiring: bool) -> Path:
    """Three stories a minute before, at and after the build time (as date or expires)."""
    files: dict[str, str | bytes] = {"site.yaml": zone_yaml(zone),
                                     OTHER: story_text("Cerita Lain", date="2024-01-05")}
    for slug, minutes in EDGES.items():
        when = local(hours, minutes)
        files[f"content/stories/2026/{slug}.md"] = (
            story_text(slug, date="2026-11-01 09:00", extra=f"expires: {when}\n") if expiring
            else story_text(slug, date=when))
    return make_site(files)


def where(files: dict[str, bytes], url: str) -> dict[str, bool]:
    """Where a story is: its page (and whether indexable), lists, feeds, sitemaps."""
    page = files.get(f"{url[1:]}index.html", b"").decode()
    feed = feedparser.parse(files["feed.xml"])
    region_feed = feedparser.parse(files["wilayah/kab-uji/kec-satu/feed.xml"])
    sitemaps = b"".join(data for path, data in files.items() if path.startswith("sitemaps/"))
    return {
        "page": bool(page),
        "indexable": 'content="index, follow' in page,
        "home": f'href="{url}"' in "".join(files[p].decode() for p in files
                                           if p == "index.html" or p.startswith("page/")),
        "region": f'href="{url}"' in "".join(
            files[p].decode() for p in files if p.startswith("wilayah/kab-uji/kec-satu/")
            and p.endswith(".html")),
        "tag": f'href="{url}"' in "".join(
            files[p].decode() for p in files if p.startswith("tag/posyandu/")
            and p.endswith(".html")),
        "feeds": any(e.link.endswith(url) for e in (*feed.entries, *region_feed.entries)),
        "sitemap": url.encode() in sitemaps,
    }


LIVE = dict.fromkeys(("page", "indexable", "home", "region", "tag", "feeds", "sitemap"), True)
ABSENT = dict.fromkeys(LIVE, False)
PREVIEWED = {**ABSENT, "page": True, "home": True, "region": True, "tag": True}
EXPIRED = {**ABSENT, "page": True}


@pytest.mark.parametrize(("zone", "label", "hours"), ZONES)
def test_a_story_goes_live_at_its_time_in_the_site_zone(make_site: SiteMaker, zone: str,
                                                        label: str, hours: int) -> None:
    root = edge_portal(make_site, zone, hours, expiring=False)
    result = build_site(root)
    preview = outputs(build_site(root, drafts=True))
    files = outputs(result)
    assert where(files, "/berita/2026/sebelum/") == where(files, "/berita/2026/tepat/") == LIVE
    assert where(files, "/berita/2026/sesudah/") == ABSENT
    assert where(preview, "/berita/2026/tepat/") == LIVE
    assert where(preview, "/berita/2026/sesudah/") == PREVIEWED
    badge = f"Terjadwal: terbit 20 November 2026, {hours:02d}.01 {label}"
    page = preview["berita/2026/sesudah/index.html"].decode()
    assert f'<p class="status" data-pagefind-ignore>{badge}</p>' in page
    assert '<meta name="robots" content="noindex">' in page
    assert f'<p class="status">{badge}</p>' in preview["index.html"].decode()  # its card
    assert [d.format() for d in result.diagnostics] == [
        f"content/stories/2026/sesudah.md:3:7: info: cerita terjadwal: terbit 2026-11-20 "
        f"{hours:02d}:01 {label}\n"
        "  hint: build pada atau sesudah waktu itu menerbitkannya (jadwalkan build ulang, "
        "lihat templates/ci/)\n"
        f"  | date: {local(hours, 1)}"]
    # The rebuild at its time publishes it.
    later = outputs(build(root, BuildOptions(build_time=BUILD_TIME + timedelta(minutes=1))))
    assert where(later, "/berita/2026/sesudah/") == LIVE


def test_an_offset_in_the_date_wins_over_the_site_zone(make_site: SiteMaker) -> None:
    """08:01 WITA is 07:01 WIB: scheduled on a WIB portal built at 07:00 WIB."""
    root = make_site({STORY: story_text("Satu", date="2026-11-20T08:01:00+08:00"),
                      OTHER: story_text("Dua", date="2026-11-20T07:59:00+08:00")})
    files = outputs(build_site(root))
    assert where(files, "/berita/2026/satu/") == ABSENT
    assert where(files, "/berita/2026/dua/") == LIVE


@pytest.mark.parametrize(("zone", "label", "hours"), ZONES)
def test_expiry_takes_a_story_out_of_lists_but_keeps_its_page(
        make_site: SiteMaker, zone: str, label: str, hours: int) -> None:
    root = edge_portal(make_site, zone, hours, expiring=True)
    result = build_site(root)
    files = outputs(result)
    preview = outputs(build_site(root, drafts=True))
    for slug, minutes in EDGES.items():
        expected = LIVE if minutes > 0 else EXPIRED
        assert where(files, f"/berita/2026/{slug}/") == expected, slug
        assert where(preview, f"/berita/2026/{slug}/") == expected, slug
    page = files["berita/2026/tepat/index.html"].decode()
    assert (f'<p class="status" data-pagefind-ignore>Kedaluwarsa sejak 20 November 2026, '
            f'{hours:02d}.00 {label}: informasi ini mungkin sudah tidak berlaku</p>') in page
    assert '<meta name="robots" content="noindex">' in page
    assert "berita/2026/tepat/kartu.jpg" in files  # its og:image still exists
    assert [d.message for d in result.diagnostics] == [
        f"cerita kedaluwarsa sejak {local(hours, minutes)} {label}: tidak tampil di daftar, "
        "feed, dan sitemap" for minutes in (-1, 0)]
    change = result.site.next_change
    assert change is not None and change.change == "expire"
    assert change.path == "content/stories/2026/sesudah.md"
    assert change.when == BUILD_TIME + timedelta(minutes=1)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_next_scheduled_change_is_printed_and_published(
        make_site: SiteMaker, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site({
        "site.yaml": zone_yaml("Asia/Makassar"),
        STORY: story_text(date=local(8, 90)),  # goes live 09:30 WITA
        OTHER: story_text("Cerita Lain", date="2024-01-05",
                          extra=f"expires: {local(8, 45)}\n"),  # leaves the lists 08:45 WITA
        "content/stories/2026/draf.md": story_text("Draf", date=local(8, 5),
                                                   extra="status: draft\n"),  # not by clock
    })
    note = ("perubahan terjadwal berikutnya: 2026-11-20 08:45 WITA (kedaluwarsa: "
            f"{OTHER}); bangun ulang portal pada waktu itu")
    code, out, err = _run(capsys, "build", "--root", str(root))
    assert code == 0, err
    assert out.splitlines()[1] == note
    schedule = json.loads((root / "output/.well-known/kabar-schedule.json").read_text())
    assert schedule == {"next_change": "2026-11-20T08:45:00+08:00"}
    code, out, _ = _run(capsys, "check", "--root", str(root))
    assert code == 0 and out.splitlines() == ["ok: 1 cerita diperiksa, 0 peringatan, 1 info",
                                              note]
    # Nothing scheduled: no note, and the file says null.
    (root / STORY).unlink()
    (root / OTHER).write_text(story_text("Cerita Lain", date="2024-01-05"))
    code, out, _ = _run(capsys, "build", "--root", str(root))
    assert code == 0 and len(out.splitlines()) == 1
    schedule = json.loads((root / "output/.well-known/kabar-schedule.json").read_text())
    assert schedule == {"next_change": None}


def _failure(root: Path) -> str:
    with pytest.raises(BuildFailed) as exc:
        build_site(root)
    return format_report(exc.value.diagnostics)


def test_expiry_mistakes_are_located(make_site: SiteMaker) -> None:
    root = make_site({STORY: story_text(date="2026-11-01 09:00",
                                        extra="expires: 2026-11-01 09:00\n")})
    assert _failure(root) == (
        f"{STORY}:9:10: error: expires (2026-11-01 09:00) harus sesudah date (2026-11-01 "
        "09:00)\n  hint: expires adalah saat cerita tidak lagi tampil di daftar; tulis waktu "
        "sesudah date, atau hapus baris expires\n  | expires: 2026-11-01 09:00")
    root = make_site({STORY: story_text(date="2026-11-01 09:00", extra="expires: besok\n")})
    assert _failure(root) == (
        f"{STORY}:9:10: error: tanggal 'besok' tidak bisa dibaca\n  hint: tulis "
        "tahun-bulan-tanggal dan jam, misalnya 2024-11-20 09:30 (atau 2024-11-20)\n"
        "  | expires: besok")


def test_a_link_to_a_scheduled_story_is_an_error_until_its_time(make_site: SiteMaker) -> None:
    root = make_site({
        STORY: story_text(date=local(7, 1)),
        OTHER: story_text("Cerita Lain", date="2024-01-05",
                          body="Lihat [jadwalnya](../2026/jadwal.md).\n"),
    })
    assert _failure(root) == (
        f"{OTHER}:11: error: cerita tujuan '../2026/jadwal.md' belum terbit (baru terbit "
        "2026-11-20 07:01 WIB)\n"
        "  hint: terbitkan cerita itu dulu, atau hapus tautannya untuk sementara\n"
        "  | Lihat [jadwalnya](../2026/jadwal.md).\n"
        f"{STORY}:3:7: info: cerita terjadwal: terbit 2026-11-20 07:01 WIB\n"
        "  hint: build pada atau sesudah waktu itu menerbitkannya (jadwalkan build ulang, "
        "lihat templates/ci/)\n"
        "  | date: 2026-11-20 07:01")
    later = build(root, BuildOptions(build_time=BUILD_TIME + timedelta(minutes=1)))
    assert 'href="/berita/2026/posyandu-baru/"' in outputs(later)[
        "berita/2024/cerita-lain/index.html"].decode()
