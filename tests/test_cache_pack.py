"""cache.PackCache: the rendered Markdown and rendered pages in a few large files.

Never a source of truth: whatever happens to its files (damage, a killed build, two
builds at once, an index pointing elsewhere), a read gives the bytes that were stored
or nothing, and the folder does not grow without end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import pack_entry, replace_pack_entry

from generator import cache as cache_module
from generator.cache import INDEX, PackCache


def _build(folder: Path, entries: dict[str, bytes], *, keep_all: bool = False) -> PackCache:
    """One build's use: read every key, store what was missing, keep the keys of
    `entries` (or, `keep_all`, every entry). Keys name their bytes, as kabar's do."""
    cache = PackCache(folder)
    for key, data in entries.items():
        if cache.get(key) is None:
            cache.put(key, data)
    cache.finish(None if keep_all else set(entries))
    return cache


def _segments(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.seg"))


def _everything(folder: Path) -> dict[str, bytes | None]:
    index = json.loads((folder / INDEX).read_bytes())["entries"]
    return {key: pack_entry(folder, key) for key in index}


def test_entries_stored_by_one_build_are_read_by_the_next(tmp_path: Path) -> None:
    entries = {f"k{n}": f"<p>isi {n}</p>".encode() * (n + 1) for n in range(50)}
    _build(tmp_path, entries)
    assert len(_segments(tmp_path)) == 1  # 50 entries, one file
    assert _everything(tmp_path) == entries
    assert pack_entry(tmp_path, "tidak-ada") is None
    again = PackCache(tmp_path)
    assert again.get("k7") == entries["k7"]
    again.put("k7", b"lain")  # there already: not stored twice
    again.finish(set(entries))
    assert _everything(tmp_path) == entries
    assert len(_segments(tmp_path)) == 1


def test_finish_keeps_what_the_build_used_or_everything(tmp_path: Path) -> None:
    _build(tmp_path, {"a": b"1", "b": b"2", "c": b"3"})
    _build(tmp_path, {"a": b"1", "d": b"4"})  # a build of another site state
    assert _everything(tmp_path) == {"a": b"1", "d": b"4"}
    _build(tmp_path, {"e": b"5"}, keep_all=True)  # kabar serve's first load: removes nothing
    assert _everything(tmp_path) == {"a": b"1", "d": b"4", "e": b"5"}


def test_a_damaged_entry_is_a_miss_and_is_stored_anew(tmp_path: Path) -> None:
    _build(tmp_path, {"a": b"<p>satu</p>", "b": b"<p>dua</p>"})
    (segment,) = _segments(tmp_path)
    data = bytearray(segment.read_bytes())
    data[2] ^= 0xFF  # a flipped bit inside "a"
    segment.write_bytes(bytes(data))
    assert pack_entry(tmp_path, "a") is None
    assert pack_entry(tmp_path, "b") == b"<p>dua</p>"
    _build(tmp_path, {"a": b"<p>satu</p>", "b": b"<p>dua</p>"})
    assert _everything(tmp_path) == {"a": b"<p>satu</p>", "b": b"<p>dua</p>"}
    segment.write_bytes(b"")  # truncated (if it is still used)
    (tmp_path / INDEX).write_bytes(b'{"format": 1, "entries": [')  # a cut-off index
    assert pack_entry(tmp_path, "a") is None
    _build(tmp_path, {"a": b"<p>satu</p>"})
    assert _everything(tmp_path) == {"a": b"<p>satu</p>"}


@pytest.mark.parametrize("segment", ["../luar.seg", "/etc/passwd", "0123456789abcdef.txt", 7])
def test_an_index_pointing_outside_its_segments_reads_nothing(
        tmp_path: Path, segment: object) -> None:
    folder = tmp_path / "pages"
    _build(folder, {"a": b"isi"})
    (tmp_path / "luar.seg").write_bytes(b"isi")
    index = json.loads((folder / INDEX).read_bytes())
    index["entries"]["a"][0] = segment
    (folder / INDEX).write_text(json.dumps(index), encoding="ascii")
    assert pack_entry(folder, "a") is None


def test_a_killed_build_leaves_nothing_visible_and_its_segment_goes(tmp_path: Path) -> None:
    _build(tmp_path, {"a": b"1"})
    before = _segments(tmp_path)
    script = ("import os, sys; from pathlib import Path; from generator.cache import PackCache\n"
              "c = PackCache(Path(sys.argv[1])); c.put('b', b'2' * 3_000_000)\n"
              "c._flush(); os._exit(9)  # killed before finish\n")
    killed = subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=False)
    assert killed.returncode == 9
    assert len(_segments(tmp_path)) == len(before) + 1  # its segment is on disk
    assert _everything(tmp_path) == {"a": b"1"}  # but nothing points into it
    _build(tmp_path, {"a": b"1", "c": b"3"})
    assert _everything(tmp_path) == {"a": b"1", "c": b"3"}
    assert len(_segments(tmp_path)) == 1  # the killed build's segment is gone


def test_a_build_that_stops_early_removes_its_own_segment(tmp_path: Path) -> None:
    _build(tmp_path, {"a": b"1"})
    cache = PackCache(tmp_path)
    cache.put("b", b"2")
    cache.close()  # no finish: the build failed
    assert len(_segments(tmp_path)) == 1
    assert _everything(tmp_path) == {"a": b"1"}


def test_one_writer_at_a_time_and_readers_are_never_stopped(tmp_path: Path) -> None:
    _build(tmp_path, {"a": b"1"})
    first, second = PackCache(tmp_path), PackCache(tmp_path)
    first.put("b", b"2")  # holds the lock until it finishes
    script = ("import sys; from pathlib import Path; from generator.cache import PackCache\n"
              "c = PackCache(Path(sys.argv[1])); c.put('x', b'9'); print(c.blocked, c.get('a'))\n"
              "c.finish({'x'})\n")
    other = subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True,
                           capture_output=True, text=True)
    assert other.stdout.split() == ["True", "b'1'"]  # another process: reads, stores nothing
    assert second.get("a") == b"1"
    first.finish({"a", "b"})
    assert _everything(tmp_path) == {"a": b"1", "b": b"2"}
    second.put("c", b"3")  # the lock is free again
    second.finish({"a", "b", "c"})
    assert _everything(tmp_path) == {"a": b"1", "b": b"2", "c": b"3"}


def test_finish_reads_the_index_again_when_another_build_replaced_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "SMALL_SEGMENT", 1 << 30)  # every segment is copied
    _build(tmp_path, {"a": b"1", "b": b"2"})
    slow = PackCache(tmp_path)
    assert slow.get("a") == b"1"  # it has read the index
    _build(tmp_path, {"a": b"1", "b": b"2", "c": b"3"})  # moves a and b to a new segment
    slow.put("d", b"4")
    slow.finish({"a", "b", "d"})
    assert _everything(tmp_path) == {"a": b"1", "b": b"2", "d": b"4"}


def test_the_folder_stays_within_about_twice_what_it_holds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "SMALL_SEGMENT", 10_000)
    entries = {f"k{n}": os.urandom(1000) for n in range(100)}
    _build(tmp_path, entries)
    sizes = []
    for build in range(60):  # each build edits 5 entries: 5 keys go, 5 new ones come
        for n in range(5):
            del entries[next(iter(entries))]
            entries[f"k{build}-{n}"] = os.urandom(1000)
        _build(tmp_path, entries)
        assert _everything(tmp_path) == entries
        sizes.append(sum(p.stat().st_size for p in _segments(tmp_path)))
    live = sum(len(data) for data in entries.values())
    assert max(sizes) <= 2 * live + 10_000
    assert min(sizes[-20:]) < max(sizes[-20:])  # space was taken back, more than once
    # Every segment but the newest is at least SMALL_SEGMENT and at least half used.
    assert len(_segments(tmp_path)) <= 2 * live // 10_000 + 1


def test_small_segments_are_merged_into_the_next(tmp_path: Path) -> None:
    entries = {"a": b"1"}
    for n in range(20):  # twenty builds of one edit each
        entries[f"k{n}"] = b"x" * 100
        _build(tmp_path, entries)
    assert len(_segments(tmp_path)) == 1
    assert _everything(tmp_path) == entries


def test_files_of_the_format_before_go_at_the_next_build_that_writes(tmp_path: Path) -> None:
    old = [tmp_path / f"{'a' * 48}.html", tmp_path / f"{'b' * 64}.body",
           tmp_path / ".tmp-x.html"]
    for path in old:
        path.write_bytes(b"lama")
    (tmp_path / "sub").mkdir()
    _build(tmp_path, {"a": b"1"})
    assert not any(path.exists() for path in old)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".lock", INDEX, _segments(tmp_path)[0].name, "sub"])


def test_an_unwritable_folder_only_means_nothing_is_stored(tmp_path: Path) -> None:
    blocked = tmp_path / "berkas"
    blocked.write_bytes(b"bukan folder")
    cache = PackCache(blocked / "pages")
    cache.put("a", b"1")
    cache.finish({"a"})
    assert cache.blocked
    assert pack_entry(blocked / "pages", "a") is None


def test_replace_pack_entry_makes_a_damaged_or_a_foreign_entry(tmp_path: Path) -> None:
    """The helper the build tests use to damage entries does what they assume."""
    _build(tmp_path, {"a": b"1", "b": b"2"})
    replace_pack_entry(tmp_path, "a", b"rusak", whole=False)
    replace_pack_entry(tmp_path, "b", b"asing", whole=True)
    assert pack_entry(tmp_path, "a") is None
    assert pack_entry(tmp_path, "b") == b"asing"
