"""The `kabar` command line, called in-process through main(argv) and once as a process."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SiteMaker, story_text

from generator import build as pipeline
from generator.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_build_writes_output_and_prints_a_summary(make_site: SiteMaker,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"content/stories/2024/a.md": story_text()})
    code, out, err = _run(capsys, "build", "--root", str(root))
    assert code == 0, err
    assert (root / "output" / "berita" / "2024" / "posyandu-baru" / "index.html").is_file()
    assert out.strip().startswith("1 cerita, 3 wilayah, 1 tag → ")
    assert out.strip().endswith(" dtk")


def test_build_with_errors_exits_1_without_traceback(make_site: SiteMaker,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"content/stories/2024/a.md": story_text(region="kec-tiga")})
    code, _, err = _run(capsys, "build", "--root", str(root))
    assert code == 1
    assert "content/stories/2024/a.md:4:9: error: wilayah 'kec-tiga' tidak ada di site.yaml" in err
    assert "Traceback" not in err
    assert not (root / "output").exists()


def test_base_url_override_changes_canonical(make_site: SiteMaker,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"content/stories/2024/a.md": story_text()})
    code, _, err = _run(capsys, "build", "--root", str(root), "--base-url",
                        "https://pratinjau.example.org/")
    assert code == 0, err
    html = (root / "output" / "index.html").read_text()
    assert '<link rel="canonical" href="https://pratinjau.example.org/">' in html


def test_drafts_are_built_only_with_the_flag(make_site: SiteMaker,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({
        "content/stories/2024/a.md": story_text(),
        "content/stories/2024/b.md": story_text("Cerita Draf", extra="status: draft\n"),
    })
    draft_page = root / "output" / "berita" / "2024" / "cerita-draf" / "index.html"
    assert _run(capsys, "build", "--root", str(root))[0] == 0
    assert not draft_page.exists()
    assert _run(capsys, "build", "--root", str(root), "--drafts")[0] == 0
    html = draft_page.read_text()
    assert '<meta name="robots" content="noindex">' in html


def test_strict_turns_warnings_into_errors(make_site: SiteMaker,
                                           capsys: pytest.CaptureFixture[str],
                                           tiny_png: bytes) -> None:
    root = make_site({
        "content/stories/2024/a/index.md": story_text(body="Teks.\n\n![](foto.png)\n"),
        "content/stories/2024/a/foto.png": tiny_png,
    })
    code, _, err = _run(capsys, "build", "--root", str(root))
    assert code == 0
    assert "warning: gambar tanpa teks alternatif (alt)" in err
    code, _, err = _run(capsys, "build", "--root", str(root), "--strict")
    assert code == 1
    assert "content/stories/2024/a/index.md:13: warning: gambar tanpa teks alternatif" in err


def test_check_validates_and_writes_nothing(make_site: SiteMaker,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"content/stories/2024/a.md": story_text()})
    code, out, _ = _run(capsys, "check", "--root", str(root))
    assert code == 0 and out.startswith("ok: 1 cerita diperiksa")
    assert not (root / "output").exists()
    (root / "content/stories/2024/b.md").write_text(story_text("X", date="kemarin"))
    code, _, err = _run(capsys, "check", "--root", str(root))
    assert code == 1 and "tanggal 'kemarin' tidak bisa dibaca" in err


def test_new_writes_a_story_that_builds(make_site: SiteMaker,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({})
    code, out, err = _run(capsys, "new", "--root", str(root), "Panen Raya: Padi \"Unggul\"",
                          "--region", "kec-dua", "--category", "pendidikan")
    assert code == 0, err
    # SOURCE_DATE_EPOCH (conftest) is 2026-11-20 00:00 UTC = 07:00 WIB.
    path = root / "content/stories/2026/panen-raya-padi-unggul.md"
    assert out.strip() == "dibuat: content/stories/2026/panen-raya-padi-unggul.md"
    text = path.read_text()
    assert 'title: "Panen Raya: Padi \\"Unggul\\""' in text
    assert "date: 2026-11-20 07:00" in text and "status: draft" in text
    assert _run(capsys, "build", "--root", str(root), "--drafts")[0] == 0
    assert (root / "output/berita/2026/panen-raya-padi-unggul/index.html").is_file()
    # The same title again is refused rather than overwritten.
    code, _, err = _run(capsys, "new", "--root", str(root), "Panen Raya: Padi \"Unggul\"",
                        "--region", "kec-dua", "--category", "pendidikan")
    assert code == 1 and "berkas cerita ini sudah ada" in err


def test_new_suggests_known_ids(make_site: SiteMaker, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({})
    code, _, err = _run(capsys, "new", "--root", str(root), "Judul", "--region", "kec-satuu",
                        "--category", "kesehatan")
    assert code == 1
    assert "site.yaml: error: wilayah 'kec-satuu' tidak ada di site.yaml\n  hint: maksud Anda " \
           "'kec-satu' atau 'kec-dua'?" in err


@pytest.mark.parametrize("title", ["../../etc/passwd", "/abs/path", "..", "a\\b\\..\\c"])
def test_new_titles_cannot_escape_content(make_site: SiteMaker,
                                          capsys: pytest.CaptureFixture[str], title: str) -> None:
    root = make_site({})
    code, _, _ = _run(capsys, "new", "--root", str(root), title, "--region", "kec-dua",
                      "--category", "pendidikan")
    created = list(root.rglob("*.md"))
    for path in created:
        assert path.resolve().is_relative_to((root / "content/stories").resolve())
    assert code in (0, 1)


def test_init_makes_a_portal_that_builds(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    portal = tmp_path / "baru"
    assert _run(capsys, "init", str(portal))[0] == 0
    code, _out, err = _run(capsys, "build", "--root", str(portal))
    assert code == 0, err
    assert (portal / "output/index.html").is_file()
    assert (portal / "output/tentang/index.html").is_file()
    code, _, err = _run(capsys, "init", str(portal))
    assert code == 1 and "folder sudah berisi berkas" in err


def test_a_new_portal_commits_only_its_sources(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Operators commit with git: after two builds (output/, the tree kept beside it for
    the next build and the table of its pages, .cache/) git offers only what `kabar
    init` wrote."""
    portal = tmp_path / "baru"
    assert _run(capsys, "init", str(portal))[0] == 0
    git = ["git", "-C", str(portal)]
    subprocess.run([*git, "init", "-q"], check=True)
    for _ in range(2):
        assert _run(capsys, "build", "--root", str(portal))[0] == 0
    assert (portal / ".output.spare").is_dir() and (portal / ".cache").is_dir()
    assert (portal / ".output.tokens").is_file()
    status = subprocess.run([*git, "status", "--porcelain", "--untracked-files=all"],
                            capture_output=True, text=True, check=True).stdout
    offered = sorted(line[3:] for line in status.splitlines())
    made = sorted(p.relative_to(portal).as_posix() for p in portal.rglob("*")
                  if p.is_file() and ".git" not in p.relative_to(portal).parts[:1]
                  and not {"output", ".output.spare", ".output.tokens", ".cache"}
                  & set(p.relative_to(portal).parts))
    assert offered == made and ".gitignore" in offered


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["bangun"]) == 2
    assert main(["new", "Judul"]) == 2  # --region and --category are required
    capsys.readouterr()


def test_missing_site_yaml_is_a_diagnostic(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "build", "--root", str(tmp_path))
    assert code == 1
    assert err.startswith("site.yaml: error: site.yaml tidak ditemukan\n  hint: jalankan")


def test_console_script_and_module_entry_points() -> None:
    """`python -m generator` and the installed `kabar` script both answer."""
    module = subprocess.run([sys.executable, "-m", "generator", "--version"], cwd=REPO,
                            capture_output=True, text=True, check=False)
    assert module.returncode == 0 and module.stdout.startswith("kabar ")
    script = Path(sys.executable).with_name("kabar")
    assert script.exists(), "install the package: pip install -e '.[test]'"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True,
                            check=False)
    assert result.stdout == module.stdout


def test_a_new_portal_has_no_broken_links(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`kabar init` then `kabar build`: the audit finds no error (e.g. the favicon exists)."""
    portal = tmp_path / "baru"
    assert _run(capsys, "init", str(portal))[0] == 0
    assert _run(capsys, "build", "--root", str(portal))[0] == 0
    code, out, err = _run(capsys, "audit", "--root", str(portal), "--strict")
    assert code == 0, out + err
    assert (portal / "output/favicon.png").is_file()


def test_build_runs_no_full_garbage_collection_and_restores_the_threshold(
        make_site: SiteMaker, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A build's data lives until it ends: full collections would only walk it again (see
    cli._young_collections_only); young ones still run, and the caller's setting comes
    back, after a failed build too."""
    root = make_site({"content/stories/2024/a.md": story_text()})
    generations: list[int] = []
    building = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and building:
            generations.append(info["generation"])

    def build(*args: Any, **kwargs: Any) -> Any:
        building.append(True)
        try:
            return pipeline.build(*args, **kwargs)
        finally:
            building.clear()

    monkeypatch.setattr("generator.cli.build", build)
    before = gc.get_threshold()
    gc.collect()
    gc.set_threshold(50, 1, 0)  # without the rule, a full collection every other young one
    gc.callbacks.append(note)
    try:
        code, _, err = _run(capsys, "build", "--root", str(root))
        make_site({"content/stories/2024/a.md": story_text(region="kec-tiga")})
        failed, _, _ = _run(capsys, "build", "--root", str(root))
        after = gc.get_threshold()
    finally:
        gc.callbacks.remove(note)
        gc.set_threshold(*before)
    assert (code, failed) == (0, 1), err
    assert 0 in generations and 1 in generations
    assert 2 not in generations
    assert after == (50, 1, 0)
