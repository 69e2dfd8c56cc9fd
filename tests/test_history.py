"""Git history: dates and contributors from ONE real `git log`, renames followed, shallow clones
refused with a warning.

Every repository here is made by the test with the real `git`, each commit with its own
author and author/committer dates (GIT_AUTHOR_DATE, GIT_COMMITTER_DATE).
"""

from __future__ import annotations

import os
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from conftest import MINIMAL_SITE_YAML, SiteMaker, build_site, outputs, story_text
from externals import require

from generator.content import history
from generator.content.history import GitLog, follow
from generator.diagnostics import BuildFailed, format_report

SITE_YAML = MINIMAL_SITE_YAML.replace(
    "    name: Budi\n", "    name: Budi\n    git: [budi@kominfo.example.go.id]\n")
A = "content/stories/2024/a.md"
B_OLD = "content/stories/2024/b.md"
B_NEW = "content/stories/2024/b/index.md"
C = "content/stories/2024/c.md"
PAGE = "content/pages/tentang.md"

PEOPLE = {"rina": ("Rina", "rina@desa.example.id"),
          "budi": ("Pak Budi", "budi@kominfo.example.go.id"),  # matched by operators[].git
          "tamu": ("Tamu Magang", "tamu@example.org")}  # no operator: listed by name


def git(root: Path, *args: str, who: str = "rina", when: str = "") -> str:
    name, email = PEOPLE[who]
    env = {**os.environ, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if when:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    done = subprocess.run([str(require("git", "git")), "-C", str(root), *args], env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def commit(root: Path, message: str, who: str, when: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, who=who, when=when)


@pytest.fixture
def repo(make_site: SiteMaker) -> Path:
    """A portal with four commits by three people over four days (times in WIB)."""
    root = make_site({
        "site.yaml": SITE_YAML,
        A: story_text("Satu", date="2024-03-12 09:30"),
        B_OLD: story_text("Dua", date="2024-03-12 09:00"),
        C: story_text("Tiga", date="2024-03-12 08:00", extra="updated: 2024-03-12 12:00\n"),
        PAGE: "---\ntitle: Tentang\n---\n\nIsi.\n",
    })
    git(root, "init", "-q", "-b", "main")
    commit(root, "cerita baru", "rina", "2024-03-12T10:00:00+07:00")
    with (root / A).open("a") as f:
        f.write("\nKoreksi nama kepala desa.\n")
    with (root / C).open("a") as f:
        f.write("\nTambahan.\n")
    commit(root, "koreksi", "budi", "2024-03-13T08:00:00+07:00")
    (root / B_NEW).parent.mkdir()
    git(root, "mv", B_OLD, B_NEW)
    commit(root, "jadikan bundle", "rina", "2024-03-14T09:00:00+07:00")
    with (root / B_NEW).open("a") as f:
        f.write("\nFoto menyusul.\n")
    (root / PAGE).write_text("---\ntitle: Tentang\n---\n\nIsi baru.\n")
    commit(root, "perbarui", "tamu", "2024-03-15T11:00:00+07:00")
    return root


def wib(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+07:00")


def test_dates_and_contributors_come_from_one_git_log(repo: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting(argv: list[str], **kwargs: object) -> object:
        calls.append(list(argv))
        return real_run(argv, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(history.subprocess, "run", counting)
    result = build_site(repo)
    assert [argv[3] for argv in calls] == ["rev-parse", "-c"]  # a probe, then ONE log
    assert "log" in calls[1]
    assert list(result.diagnostics) == []
    stories = {s.path: s for s in result.site.stories}

    a = stories[A]
    assert a.history is not None
    assert (a.history.first, a.history.last, a.history.commits) == (
        wib("2024-03-12T10:00:00"), wib("2024-03-13T08:00:00"), 2)
    assert a.history.contributors == ("rina", "budi")
    assert a.meta.updated == wib("2024-03-13T08:00:00")  # corrected after its date

    b = stories[B_NEW]  # renamed into a bundle: its history before the move is kept
    assert b.history is not None
    assert (b.history.first, b.history.last, b.history.commits) == (
        wib("2024-03-12T10:00:00"), wib("2024-03-15T11:00:00"), 3)
    assert b.history.contributors == ("rina", "Tamu Magang")
    assert b.meta.updated == wib("2024-03-15T11:00:00")

    c = stories[C]  # the front matter says `updated`: it wins
    assert c.history is not None and c.history.commits == 2
    assert c.meta.updated == wib("2024-03-12T12:00:00")

    [page] = result.site.pages
    assert page.history is not None and page.history.last == wib("2024-03-15T11:00:00")

    files = outputs(result)
    html = files["berita/2024/satu/index.html"].decode()
    assert '<p class="updated">Diperbarui <time datetime="2024-03-13T08:00:00+07:00">' in html
    sitemap = files["sitemaps/halaman.xml"].decode()
    assert ("<loc>https://uji.example.go.id/tentang/</loc>\n"
            "    <lastmod>2024-03-15T11:00:00+07:00</lastmod>") in sitemap
    stories_map = files["sitemaps/berita-2024.xml"].decode()
    assert ("<loc>https://uji.example.go.id/berita/2024/satu/</loc>\n"
            "    <lastmod>2024-03-13T08:00:00+07:00</lastmod>") in stories_map
    assert ("<loc>https://uji.example.go.id/berita/2024/tiga/</loc>\n"
            "    <lastmod>2024-03-12T12:00:00+07:00</lastmod>") in stories_map


def test_a_story_committed_once_is_not_updated(make_site: SiteMaker) -> None:
    """Its only commit created it, even if that came after its date (the sitemap says when)."""
    root = make_site({A: story_text("Satu", date="2024-03-12 09:30")})
    git(root, "init", "-q")
    commit(root, "cerita", "rina", "2024-03-12T15:00:00+07:00")
    result = build_site(root)
    [story] = result.site.stories
    assert story.meta.updated is None
    assert story.history is not None and story.history.commits == 1
    assert ("<loc>https://uji.example.go.id/berita/2024/satu/</loc>\n"
            "    <lastmod>2024-03-12T15:00:00+07:00</lastmod>") in outputs(result)[
        "sitemaps/berita-2024.xml"].decode()


SHALLOW = ("site.yaml: warning: riwayat git dangkal (shallow clone): tanggal dan operator "
           "diambil dari front matter\n  hint: ambil seluruh riwayat: git fetch --unshallow "
           "(GitHub Actions: actions/checkout dengan fetch-depth: 0; GitLab: GIT_DEPTH: 0)")


def test_a_shallow_clone_warns_and_falls_back_to_front_matter(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    result = build_site(clone)
    assert format_report(result.diagnostics) == SHALLOW
    assert all(s.history is None for s in result.site.stories)
    assert {s.path: s.meta.updated for s in result.site.stories} == {
        A: None, B_NEW: None, C: wib("2024-03-12T12:00:00")}
    with pytest.raises(BuildFailed):  # CI's `kabar check --strict` says so
        build_site(clone, strict=True)
    # The full history fixes it.
    git(clone, "fetch", "-q", "--unshallow")
    result = build_site(clone)
    assert list(result.diagnostics) == []
    assert {s.path: s.history.commits for s in result.site.stories if s.history} == {
        A: 2, B_NEW: 3, C: 2}


def _plain_portal(folder: Path) -> Path:
    for name, text in {"site.yaml": SITE_YAML, A: story_text("Satu")}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def test_without_git_the_front_matter_decides(repo: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # Not a checkout: silence.
    plain = build_site(_plain_portal(tmp_path / "plain"))
    assert list(plain.diagnostics) == [] and plain.site.stories[0].history is None
    # A checkout, but no git program: a warning.
    monkeypatch.setenv("PATH", str(repo / "nowhere"))
    result = build_site(repo)
    assert format_report(result.diagnostics) == (
        "site.yaml: warning: riwayat git tidak bisa dibaca (git tidak terpasang): tanggal dan "
        "operator diambil dari front matter\n  hint: pasang git dan jalankan kabar di folder "
        "hasil git clone, atau tulis history: {git: never} di site.yaml")
    assert all(s.history is None for s in result.site.stories)


def test_never_and_a_portal_inside_another_repository(repo: Path, tmp_path: Path) -> None:
    (repo / "site.yaml").write_text(SITE_YAML + "history:\n  git: never\n")
    assert all(s.history is None for s in build_site(repo).site.stories)
    # A portal in a subfolder of a bigger repository: `auto` leaves that history alone,
    # `always` reads it (paths relative to the portal).
    outer = tmp_path / "monorepo"
    portal = _plain_portal(outer / "portal")
    git(outer, "init", "-q")
    commit(outer, "semua", "budi", "2025-01-02T10:00:00+07:00")
    result = build_site(portal)
    assert list(result.diagnostics) == [] and result.site.stories[0].history is None
    (portal / "site.yaml").write_text(SITE_YAML + "history:\n  git: always\n")
    [story] = build_site(portal).site.stories
    assert story.history is not None and story.path == A
    assert (story.history.last, story.history.contributors) == (
        wib("2025-01-02T10:00:00"), ("budi",))


def _commit(*changes: tuple[str, tuple[str, ...]], day: int) -> GitLog:
    return GitLog(when=wib(f"2024-01-{day:02d}T10:00:00"), name="R", email="r@x",
                  changes=changes)


def test_follow_chains_renames_and_restarts_after_a_delete() -> None:
    log = [  # newest first, as git log prints it
        _commit(("R", ("b.md", "c.md")), day=5),
        _commit(("A", ("x.md",)), ("M", ("b.md",)), day=4),
        _commit(("D", ("x.md",)), ("R", ("a.md", "b.md")), day=3),
        _commit(("M", ("a.md",)), ("M", ("x.md",)), day=2),
        _commit(("A", ("a.md",)), ("A", ("x.md",)), ("C", ("a.md", "copy.md")), day=1),
    ]
    found = follow(log)
    assert {p: (a.first.day, a.last.day, a.commits) for p, a in found.items()} == {
        "c.md": (1, 5, 5),  # a.md → b.md → c.md, one story all along
        "x.md": (4, 4, 1),  # deleted on day 3, added again on day 4: a new story
        "copy.md": (1, 1, 1),
    }
