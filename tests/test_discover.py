"""content/discover.py with `kabar serve`'s folder memo: a folder unchanged since it was
last listed is not listed again, and the tree found is always what a fresh walk finds."""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SiteMaker, story_text

from generator.content.discover import Folders, SourceTree, discover
from generator.diagnostics import Diagnostics

discovery = importlib.import_module("generator.content.discover")  # the module, not the function

FILES = {
    "content/stories/2024/a.md": story_text("Cerita A"),
    "content/stories/2025/b.md": story_text("Cerita B"),
    "content/pages/tentang.md": "---\ntitle: Tentang\n---\nIsi.\n",
    "content/static/berkas.txt": "halo\n",
}


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """discover's clock a minute ahead: every folder was last changed well before it is
    listed (its ctime, which cannot be set back, is the time of the test)."""
    monkeypatch.setattr(discovery, "_clock", lambda: time.time_ns() + 60_000_000_000)


@pytest.fixture
def listed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The folders os.scandir was asked to list, in order."""
    calls: list[str] = []
    real = os.scandir

    def scandir(path: str) -> object:
        calls.append(str(path))
        return real(path)

    monkeypatch.setattr(discovery.os, "scandir", scandir)
    yield calls


def _fresh(root: Path) -> tuple[SourceTree, list[str]]:
    diags = Diagnostics()
    return discover(root, diags), [d.format() for d in diags]


def _memo(root: Path, folders: Folders) -> tuple[SourceTree, list[str]]:
    diags = Diagnostics()
    return discover(root, diags, folders), [d.format() for d in diags]


def test_an_unchanged_folder_is_not_listed_again(make_site: SiteMaker, listed: list[str],
                                                 later: None) -> None:
    root = make_site(FILES)
    folders = Folders()
    first = _memo(root, folders)
    assert len(listed) == 6  # content, pages, static, stories, 2024, 2025
    assert first == _fresh(root)
    listed.clear()
    assert _memo(root, folders) == first
    assert listed == []


@pytest.mark.parametrize("change", ["add", "delete", "rename", "new folder", "folder gone"])
def test_a_change_in_a_folder_is_seen_at_once(make_site: SiteMaker, listed: list[str],
                                              later: None, change: str) -> None:
    root = make_site(FILES)
    folders = Folders()
    before = _memo(root, folders)
    stories = root / "content/stories"
    if change == "add":
        (stories / "2024/c.md").write_text(story_text("Cerita C"), encoding="utf-8")
    elif change == "delete":
        (stories / "2024/a.md").unlink()
    elif change == "rename":
        (stories / "2024/a.md").rename(stories / "2024/z.md")
    elif change == "new folder":
        (stories / "2026").mkdir()
        (stories / "2026/d.md").write_text(story_text("Cerita D"), encoding="utf-8")
    else:
        (stories / "2025/b.md").unlink()
        (stories / "2025").rmdir()
    listed.clear()
    after = _memo(root, folders)
    seen = list(listed)
    assert after == _fresh(root)
    assert after != before
    resolved = root.resolve() / "content"
    changed = "stories" if change in ("new folder", "folder gone") else "stories/2024"
    assert seen == [str(resolved / changed), *(
        [str(resolved / "stories/2026")] if change == "new folder" else [])]


def test_a_folder_changed_just_now_is_listed_again(make_site: SiteMaker, listed: list[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Within the racy window a second change could keep the folder's mtime: it is not
    trusted until it has been quiet for a while."""
    root = make_site(FILES)
    folders = Folders()
    _memo(root, folders)
    listed.clear()
    _memo(root, folders)  # the test just made every folder: none is trusted yet
    assert len(listed) == 6
    monkeypatch.setattr(discovery, "_clock", lambda: time.time_ns() + 60_000_000_000)
    _memo(root, folders)
    (root / "content/stories/2024/c.md").write_text(story_text("Cerita C"), encoding="utf-8")
    monkeypatch.setattr(discovery, "_clock", time.time_ns)  # the change is fresh
    listed.clear()
    after = _memo(root, folders)
    assert listed == [str(root.resolve() / "content/stories/2024")]
    assert after == _fresh(root)
    listed.clear()
    _memo(root, folders)  # …and still not trusted
    assert listed == [str(root.resolve() / "content/stories/2024")]


def test_folders_with_a_link_or_a_hidden_character_are_listed_every_time(
        make_site: SiteMaker, listed: list[str], later: None, tmp_path: Path) -> None:
    """A link's target can change without its folder changing, and an error about a name
    is said at every rebuild."""
    root = make_site(FILES)
    outside = tmp_path / "rahasia.md"
    outside.write_text(story_text("Rahasia"), encoding="utf-8")
    (root / "content/stories/2024/rahasia.md").symlink_to(outside)
    (root / "content/static/foto\u202egpj.txt").write_text("x", encoding="utf-8")
    folders = Folders()
    first = _memo(root, folders)
    assert any("symlink" in m for m in first[1]) and any("tak terlihat" in m for m in first[1])
    listed.clear()
    again = _memo(root, folders)
    resolved = root.resolve()
    assert sorted(listed) == sorted([str(resolved / "content/static"),
                                     str(resolved / "content/stories/2024")])
    assert again == first == _fresh(root)
