"""Checked front matter kept in `.cache/checks/` between builds (generator/content/checks.py).

A build that finds a file's bytes, the configuration and kabar's code unchanged takes
what checking the file gave last time, its diagnostics included, and parses nothing;
the outputs and the diagnostics are the same as without the cache, in the same order.
"""

from __future__ import annotations

import errno
import json
import pickle
import shutil
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import (
    BUILD_TIME,
    MINIMAL_SITE_YAML,
    SiteMaker,
    build_site,
    outputs,
    pack_entry,
    pack_keys,
    replace_pack_entry,
    story_text,
)

import generator.content as content
from generator.build import BuildOptions, load_site
from generator.cache import INDEX, LOCK, PackCache
from generator.config import yamlsource
from generator.content import Memo, checks
from generator.diagnostics import BuildFailed, Diagnostic, Diagnostics
from generator.render import templates


@pytest.fixture
def portal(make_site: SiteMaker) -> Path:
    return make_site({
        # a warning from the field rules
        "content/stories/2024/pasar.md": story_text(
            "Pasar Rakyat", body="Lihat [posyandu](posyandu.md).\n").replace(
                "Ringkasan cerita.", "panjang sekali " * 15),
        # invisible characters in the front matter and the body (warnings, then removed)
        "content/stories/2024/posyandu.md": story_text(
            "Posyandu\u200b Baru", date="2024-03-13 08:00",
            body="Paragraf\u202e terbalik.\n\n## Hasil\n\nBaik.\n"),
        # Windows line ends and a BOM: the body is not the end of the file's bytes; and a
        # translation key nobody else has, reported after every file is checked, at the
        # line of its key (content/__init__.py's _Where, from the stored front matter)
        "content/stories/2024/sekolah.md": "\ufeff" + story_text(
            "Sekolah Baru", date="2024-03-14 07:00", body="Satu.\n\nDua.\n",
            extra="translation_key:   sekolah-baru\n").replace("\n", "\r\n"),
        # scheduled: a note at the line of its date, also made after the checks
        "content/stories/2027/jadwal.md": story_text(
            "Festival Nanti", date="2027-01-05 08:00", extra="\n\n"),
        # a fact check: dates with an offset, sources, a verdict
        "content/cek-fakta/2024/hoaks-banjir.md": story_text(
            "Hoaks Banjir", date="2024-03-15T10:00:00+07:00", extra=(
                "claim: Bendungan jebol malam ini.\nclaim_date: 2024-03-14 21:00\n"
                "verdict: hoaks\nsources:\n  - name: BPBD\n    url: https://bpbd.example.go.id/\n"
            ), body="Tidak benar.\n"),
        "content/pages/tentang.md": "---\ntitle: Tentang\nmenu: 1\n---\n\nKami.\n",
    })


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every content file parsed (split, YAML, checked)."""
    seen: list[str] = []
    real = content._parse

    def parse(path: str, *args: Any) -> Any:
        seen.append(path)
        return real(path, *args)

    monkeypatch.setattr(content, "_parse", parse)
    return seen


def _said(diags: Diagnostics) -> list[str]:
    return [d.format() for d in diags]  # in the order they were reported


def test_a_second_build_parses_nothing_and_says_and_makes_the_same(
        portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = _parses(monkeypatch)
    first = build_site(portal)
    assert len(parsed) == 6
    said = _said(first.diagnostics)
    assert [line.split(": ")[0] for line in said] == [  # what this portal gives
        "content/stories/2024/pasar.md:8:10", "content/stories/2024/posyandu.md:11:9",
        "content/stories/2027/jadwal.md:3:7", "content/stories/2024/sekolah.md:9:20"]
    assert "summary terlalu panjang" in said[0] and "(U+202E)" in said[1]
    assert "terjadwal" in said[2] and "date: 2027-01-05 08:00" in said[2]
    assert "sekolah-baru" in said[3] and "translation_key:   sekolah-baru" in said[3]
    parsed.clear()

    def no_template(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("a page's key changed: the stored records differ from parsed ones")

    files = _files(portal)
    with monkeypatch.context() as patch:  # and every page is in the page cache under its key
        patch.setattr(templates, "render", no_template)
        second = build_site(portal)
    assert parsed == []
    assert _files(portal) == files  # a build that found every entry writes nothing
    assert _said(second.diagnostics) == said
    assert outputs(second) == outputs(first)
    (portal / ".cache").rename(portal / ".cache-lama")  # and without any cache at all
    third = build_site(portal)
    assert len(parsed) == 6
    assert _said(third.diagnostics) == said
    assert outputs(third) == outputs(first)


def test_the_first_build_of_kabar_serve_takes_the_stored_checks(
        portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_site(portal)
    parsed = _parses(monkeypatch)
    options = BuildOptions(build_time=BUILD_TIME)
    site = load_site(portal, options, Diagnostics(), memo=Memo())
    assert parsed == []
    assert [s.meta.title for s in site.stories] == [
        "Sekolah Baru", "Posyandu Baru", "Pasar Rakyat"]
    # After its first build the memo has every file: a save reads no pack index
    memo = Memo()
    load_site(portal, options, Diagnostics(), memo=memo)

    def no_pack(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("a save of kabar serve opened the checks pack")

    monkeypatch.setattr(content, "CheckCache", no_pack)
    (portal / "content/stories/2024/pasar.md").write_text(story_text("Pasar Ramai"),
                                                          encoding="utf-8")
    saved = load_site(portal, options, Diagnostics(), memo=memo)
    assert "Pasar Ramai" in [s.meta.title for s in saved.stories]


def test_an_edited_file_and_a_changed_site_yaml_are_checked_again(
        portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_site(portal)
    parsed = _parses(monkeypatch)
    story = portal / "content/stories/2024/pasar.md"
    story.write_text(story_text("Pasar Rakyat Ramai"), encoding="utf-8")
    result = build_site(portal)
    assert parsed == ["content/stories/2024/pasar.md"]
    assert "Pasar Rakyat Ramai" in [s.meta.title for s in result.site.stories]
    parsed.clear()
    # The same files against another site.yaml: the category no longer exists
    (portal / "site.yaml").write_text(MINIMAL_SITE_YAML.replace("kesehatan", "ekonomi"),
                                      encoding="utf-8")
    with pytest.raises(BuildFailed) as failed:
        build_site(portal)
    assert len(parsed) == 6
    assert any("kesehatan" in d.format() for d in failed.value.diagnostics)


def test_a_file_with_an_error_is_stored_with_its_error(
        make_site: SiteMaker, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site({"content/stories/2024/rusak.md":
                      '---\ntitle: "Tanpa penutup\ndate: 2024-03-12\n---\n\nIsi.\n'})
    with pytest.raises(BuildFailed) as first:
        build_site(root)
    parsed = _parses(monkeypatch)
    with pytest.raises(BuildFailed) as second:
        build_site(root)
    assert parsed == []
    assert _said(second.value.diagnostics) == _said(first.value.diagnostics)
    assert "rusak.md:2" in "\n".join(_said(second.value.diagnostics))


def _folder(root: Path) -> Path:
    return root / ".cache/checks"


def _files(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Each file of the checks pack: inode, modification time, bytes (not the lock)."""
    found = {}
    for file in sorted(_folder(root).iterdir()):
        if file.name != LOCK:
            stat = file.stat()
            found[file.name] = (stat.st_ino, stat.st_mtime_ns, file.read_bytes())
    return found


def test_damaged_entries_are_checked_again_and_old_ones_removed(
        portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = outputs(build_site(portal))
    keys = pack_keys(_folder(portal))
    assert len(keys) == 6
    key = min(keys)
    entry = pack_entry(_folder(portal), key)
    assert entry is not None
    damaged = bytearray(entry)
    damaged[len(damaged) // 2] ^= 0x01  # one bit of one entry flipped
    replace_pack_entry(_folder(portal), key, bytes(damaged), whole=False)
    parsed = _parses(monkeypatch)
    assert outputs(build_site(portal)) == expected
    assert len(parsed) == 1
    assert pack_entry(_folder(portal), key) == entry  # checked again, stored again
    parsed.clear()
    index = _folder(portal) / INDEX
    index.write_bytes(index.read_bytes()[:-30])  # the index cut short: every file checked
    assert outputs(build_site(portal)) == expected
    assert len(parsed) == 6
    (portal / "content/stories/2024/pasar.md").unlink()
    (portal / "content/stories/2024/posyandu.md").write_text(
        story_text("Posyandu Baru"), encoding="utf-8")  # drop the link to the deleted story
    build_site(portal)
    assert len(pack_keys(_folder(portal))) == 5  # pasar's went, posyandu's old version too


def test_another_site_yaml_keeps_only_its_own_entries(portal: Path) -> None:
    build_site(portal)
    first = pack_keys(_folder(portal))
    (portal / "site.yaml").write_text(MINIMAL_SITE_YAML.replace("Kabar Uji", "Kabar Baru"),
                                      encoding="utf-8")
    build_site(portal)
    second = pack_keys(_folder(portal))
    assert len(second) == 6 and not first & second  # keyed by the environment too


def test_a_failed_content_stage_keeps_the_last_pack(
        portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_site(portal)
    before = _files(portal)
    (portal / "content/stories/2024/baru.md").write_text(story_text("Baru"), encoding="utf-8")

    def interrupted(*_args: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(content, "_parse", interrupted)  # Ctrl-C while the new file is read
    with pytest.raises(KeyboardInterrupt):
        build_site(portal)
    assert _files(portal) == before


def test_old_packs_of_one_file_are_removed_by_the_next_build(portal: Path) -> None:
    """Before PackCache, the checks were one `<environment>.pack` file (and `.tmp-*`
    files of killed builds): the first build that writes removes them."""
    _folder(portal).mkdir(parents=True)
    for name in ("0123456789abcdef0123456789abcdef01234567.pack", ".tmp-x1y2.pack"):
        (_folder(portal) / name).write_bytes(b"lama" * 100)
    build_site(portal)
    assert not list(_folder(portal).glob("*.pack")) and len(pack_keys(_folder(portal))) == 6


def test_an_entry_naming_another_class_is_not_loaded(tmp_path: Path) -> None:
    classes = (content._Where, Diagnostic, *yamlsource.RECORDS)
    data = b"---\ntitle: x\n---\nIsi.\n"
    writing = checks.CheckCache(tmp_path, "env", content._Parsed, classes, write=True)
    forged = json.dumps([{"t": [{"c": "Path", "v": ["/etc/passwd"]}]}, None]).encode()
    writing.keep("content/stories/x.md", False, data, forged)
    writing.finish()
    reading = checks.CheckCache(tmp_path, "env", content._Parsed, classes, write=False)
    key = reading.key("content/stories/x.md", False, data)
    assert pack_entry(tmp_path, key) == forged  # a whole entry, its digest and all
    assert reading.get("content/stories/x.md", False, data) is None
    reading.finish()  # a reader writes nothing: the pack stays as it was
    assert pack_keys(tmp_path) == {key} and pack_entry(tmp_path, key) == forged


def test_the_codec_gives_back_what_it_was_given() -> None:
    codec = checks._Codec({cls.__name__: cls for cls in yamlsource.RECORDS})
    jakarta = ZoneInfo("Asia/Jakarta")
    value = (
        {"judul": "Pasar", 3: [1, 2.5, True, None], ("a", 1): {"tanggal": date(2024, 3, 12)}},
        datetime(2024, 3, 12, 9, 30, tzinfo=jakarta),
        datetime(2024, 3, 12, 9, 30, tzinfo=timezone(timedelta(hours=7))),
        datetime(2024, 3, 12, 9, 30, tzinfo=timezone(timedelta(hours=8), "WITA")),
        datetime(2024, 3, 12, 9, 30, tzinfo=UTC),
        datetime(2024, 3, 12, 9, 30),  # noqa: DTZ001 (YAML gives naive ones too)
        b"\x00\xff", yamlsource.Position(3, 7), ["{\"t\": 1}", {"m": "bukan tag"}],
    )
    back = codec.loads(codec.dumps(value))
    assert back == value
    assert pickle.dumps(back) == pickle.dumps(value)  # the same to the page cache's keys
    assert back[1].tzinfo is jakarta  # the zone itself, not a fixed offset
    assert back[2].tzname() == value[2].tzname() == "UTC+07:00"
    assert type(back[0][3]) is list and type(back[0][("a", 1)]["tanggal"]) is date
    with pytest.raises(TypeError):
        codec.dumps({1, 2})  # a YAML set: not stored, the file is checked every time


def test_a_full_disk_stores_nothing_and_changes_nothing_else(
        portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Full(PackCache):
        def _flush(self) -> None:
            if self._pending:
                raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(checks, "PackCache", Full)
        full = build_site(portal)
    assert not pack_keys(_folder(portal))
    assert not list(_folder(portal).glob("*.seg"))  # no segment left behind
    parsed = _parses(monkeypatch)
    again = build_site(portal)  # stores this time
    assert len(parsed) == 6 and outputs(again) == outputs(full)
    assert _said(again.diagnostics) == _said(full.diagnostics)
    assert len(pack_keys(_folder(portal))) == 6
    # The disk fills while an edited file's entry is written: the other files are still
    # read from the last pack, which stays as it was
    before = _files(portal)
    (portal / "content/stories/2024/baru.md").write_text(story_text("Baru"), encoding="utf-8")
    parsed.clear()
    with monkeypatch.context() as patch:
        patch.setattr(checks, "PackCache", Full)
        build_site(portal)
    assert parsed == ["content/stories/2024/baru.md"]
    assert _files(portal) == before


def _stored(root: Path) -> dict[str, bytes | None]:
    """Every entry of the checks pack, by key."""
    return {key: pack_entry(_folder(root), key) for key in pack_keys(_folder(root))}


def test_files_checked_in_workers_say_make_and_store_what_a_serial_build_does(
        portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold build checks the files in forked workers (`--jobs 2`: even six files): the
    build itself parses none of them, and the diagnostics (in their order), the outputs
    and the stored checks are a serial build's. A result a worker cannot send back (here:
    pickling it fails) is checked again in the build."""
    assert threading.active_count() == 1, "workers are forked only from a single thread"
    serial = build_site(portal, jobs=1)
    stored = _stored(portal)
    assert len(stored) == 6
    shutil.rmtree(portal / ".cache")
    parsed = _parses(monkeypatch)  # the build's own list: a worker appends to its copy
    parallel = build_site(portal, jobs=2)
    assert parsed == []
    assert _said(parallel.diagnostics) == _said(serial.diagnostics)
    assert outputs(parallel) == outputs(serial)
    assert _stored(portal) == stored

    shutil.rmtree(portal / ".cache")

    class Refusing:
        """pickle, except for the check of one file."""

        PicklingError = pickle.PicklingError
        HIGHEST_PROTOCOL = pickle.HIGHEST_PROTOCOL
        loads = staticmethod(pickle.loads)

        @staticmethod
        def dumps(value: Any, protocol: int) -> bytes:
            result, _problems = value
            if result is not None and result[0].path.endswith("sekolah.md"):
                raise pickle.PicklingError("cannot pickle")
            return pickle.dumps(value, protocol=protocol)

    monkeypatch.setattr(content, "pickle", Refusing)
    again = build_site(portal, jobs=2)
    assert parsed == ["content/stories/2024/sekolah.md"]
    assert _said(again.diagnostics) == _said(serial.diagnostics)
    assert outputs(again) == outputs(serial)
    assert _stored(portal) == stored


def test_without_a_job_count_workers_check_only_when_many_files_are_unchecked(
        portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = _parses(monkeypatch)
    monkeypatch.setattr(content, "cpus", lambda: 2)
    monkeypatch.setattr(content, "MIN_PARALLEL_CHECKS", 7)
    build_site(portal)
    assert len(parsed) == 6  # six to check: checked here
    parsed.clear()
    shutil.rmtree(portal / ".cache")
    monkeypatch.setattr(content, "MIN_PARALLEL_CHECKS", 6)
    build_site(portal)
    assert parsed == []  # in two workers
    monkeypatch.setattr(content, "cpus", lambda: 1)
    shutil.rmtree(portal / ".cache")
    build_site(portal)
    assert len(parsed) == 6  # one CPU: here
