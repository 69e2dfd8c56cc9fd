"""The CI templates for a portal repository: valid YAML, the triggers and history they need,
and exactly the kabar commands the README documents, which are run here on a real git
portal (GitHub annotations and GitLab Code Quality JSON included).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, SiteMaker, story_text
from externals import require

from generator.cli import main

GITHUB = REPO / "templates" / "ci" / "github" / "kabar.yml"
GITLAB = REPO / "templates" / "ci" / "gitlab-ci.yml"


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def kabar_commands(texts: list[str]) -> list[str]:
    return [" ".join(t.split()) for t in texts if t.strip().startswith("kabar ")]


def github_commands() -> list[str]:
    jobs = load(GITHUB)["jobs"]
    return kabar_commands([step["run"] for job in jobs.values() for step in job["steps"]
                           if "run" in step])


def gitlab_commands() -> list[str]:
    data = load(GITLAB)
    return kabar_commands([line for job in data.values() if isinstance(job, dict)
                           for line in job.get("script", [])])


def readme_commands() -> list[str]:
    """The commands of the README's CI section, comments removed."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## A portal's own repository: CI templates", 1)[1].split("\n## ")[0]
    [block] = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    return [" ".join(line.split("#", 1)[0].split()) for line in block.splitlines()
            if line.strip()]


def test_github_workflow_checks_prs_publishes_main_and_rebuilds_hourly() -> None:
    data = load(GITHUB)
    triggers = data[True]  # YAML 1.1 reads the key `on` as true; GitHub reads it as "on"
    assert set(triggers) == {"pull_request", "push", "schedule", "workflow_dispatch"}
    assert triggers["push"] == {"branches": ["main"]}
    [schedule] = triggers["schedule"]
    assert re.fullmatch(r"\d+ \* \* \* \*", schedule["cron"])  # every hour
    jobs = data["jobs"]
    assert jobs["check"]["if"] == "github.event_name == 'pull_request'"
    assert jobs["publish"]["if"] == "github.event_name != 'pull_request'"
    for job in jobs.values():
        checkouts = [s for s in job["steps"] if str(s.get("uses", "")).startswith(
            "actions/checkout@")]
        assert [c["with"]["fetch-depth"] for c in checkouts] == [0]  # full history
    uploads = [s for s in jobs["publish"]["steps"] if "upload-pages-artifact" in
               str(s.get("uses", ""))]
    assert [u["with"]["path"] for u in uploads] == ["output"]
    assert jobs["publish"]["permissions"] == {"contents": "read", "pages": "write",
                                              "id-token": "write"}


def test_gitlab_pipeline_checks_mrs_and_publishes_main() -> None:
    data = load(GITLAB)
    assert data["variables"]["GIT_DEPTH"] == "0"
    assert data["check"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert data["check"]["artifacts"]["reports"] == {
        "codequality": "gl-code-quality-report.json"}
    assert data["check"]["artifacts"]["when"] == "always"
    # Pushes to main and scheduled pipelines (which run on main) publish.
    assert data["pages"]["rules"] == [{"if": '$CI_COMMIT_BRANCH == "main"'}]
    assert data["pages"]["artifacts"]["paths"] == ["public"]


def test_templates_run_the_commands_the_readme_documents() -> None:
    documented = readme_commands()
    used = github_commands() + gitlab_commands()
    assert sorted(set(used)) == sorted(documented)
    assert len(documented) == 5


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Rina", "GIT_AUTHOR_EMAIL": "rina@x.example",
           "GIT_COMMITTER_NAME": "Rina", "GIT_COMMITTER_EMAIL": "rina@x.example",
           "GIT_AUTHOR_DATE": "2026-11-19T09:00:00+07:00",
           "GIT_COMMITTER_DATE": "2026-11-19T09:00:00+07:00",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run([str(require("git", "git")), "-C", str(root), *args], env=env, check=True,
                   capture_output=True)


@pytest.fixture
def portal_repo(make_site: SiteMaker) -> Path:
    root = make_site({
        "content/stories/2026/a.md": story_text("Terbit", date="2026-11-18 09:00"),
        "content/stories/2026/b.md": story_text("Diperiksa", date="2026-11-18 10:00",
                                                extra="status: review\n"),
    })
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "portal")
    return root


def run(capsys: pytest.CaptureFixture[str], command: str) -> tuple[int, str, str]:
    argv = shlex.split(command)
    redirect = argv.index(">") if ">" in argv else None
    code = main(argv[1:redirect])
    out, err = capsys.readouterr()
    if redirect is not None:
        Path(argv[redirect + 1]).write_text(out, encoding="utf-8")
    return code, out, err


NOTICE = ("::notice file=content/stories/2026/b.md,line=9,col=9,title=kabar info::cerita "
          "menunggu pemeriksaan editor (status: review)%0Ahint: editor memeriksa, lalu "
          "mengubah status menjadi published")


def test_the_documented_commands_work_on_a_portal_repository(
        portal_repo: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(portal_repo)  # CI runs them at the root of the portal's repository
    results = {command: run(capsys, command) for command in readme_commands()}
    for command, (code, _, err) in results.items():
        assert code == 0, (command, err)
        assert "warning" not in err, (command, err)  # full history: no shallow warning
    _, out, _ = results["kabar check --strict --format github"]
    assert out.splitlines() == [NOTICE]
    report = json.loads((portal_repo / "gl-code-quality-report.json").read_text())
    assert [(i["severity"], i["location"]) for i in report] == [
        ("info", {"path": "content/stories/2026/b.md", "lines": {"begin": 9}})]
    assert (portal_repo / "output" / "berita" / "2026" / "terbit" / "index.html").is_file()
    assert (portal_repo / "public" / "berita" / "2026" / "terbit" / "index.html").is_file()


def test_a_mistake_becomes_an_annotation_at_its_line(
        portal_repo: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(portal_repo)
    (portal_repo / "content/stories/2026/a.md").write_text(
        story_text("Terbit", date="2026-11-18 09:00", region="kec-tiga"))
    code, out, err = run(capsys, "kabar check --strict --format github")
    assert code == 1
    assert out.splitlines()[0] == (
        "::error file=content/stories/2026/a.md,line=4,col=9,title=kabar error::wilayah "
        "'kec-tiga' tidak ada di site.yaml%0Ahint: maksud Anda 'kec-dua' atau 'kec-satu'?")
    assert "content/stories/2026/a.md:4:9: error: wilayah 'kec-tiga'" in err  # for people
    code, out, _ = run(capsys, "kabar check --strict --format gitlab")
    assert code == 1
    assert [(i["severity"], i["location"]["lines"]["begin"]) for i in json.loads(out)] == [
        ("major", 4), ("info", 9)]


def test_annotations_escape_what_github_would_misread() -> None:
    from generator.diagnostics import Diagnostic, format_github

    tricky = Diagnostic(path="content/stories/a,b:c.md", line=3, message="100% salah\nlagi",
                        hint="coba: a, b")
    assert format_github([tricky]) == (
        "::error file=content/stories/a%2Cb%3Ac.md,line=3,title=kabar error::100%25 salah"
        "%0Alagi%0Ahint: coba: a, b")
    # The operator's text reaches the CI log as the terminal shows it: a carriage return,
    # a terminal escape or a bidi mark by name (invisible.visible), never raw.
    hidden = Diagnostic(path="content/stories/\u202eexe.md", line=1,
                        message="judul '\x1b[2J\r::error::palsu'")
    assert format_github([hidden]) == (
        "::error file=content/stories/<U+202E>exe.md,line=1,title=kabar error::judul "
        "'<U+001B>[2J<U+000D>::error::palsu'")
    whole_file = Diagnostic(path="site.yaml", line=0, severity="warning", message="dangkal")
    assert format_github([whole_file]) == "::warning file=site.yaml,title=kabar warning::dangkal"
