"""Rendered results keyed by a hash of everything that made them; never a source of truth.

Two stores. `FileCache`: each entry one file, `<key><suffix>`: the sha256 of its bytes (64
hex digits and a newline), then the bytes (compiled templates, share cards, image
copies). `PackCache`: many entries in a few large files, for the two caches with an entry
per story or page (rendered Markdown, rendered pages). A truncated or overwritten entry
no longer matches its checksum and is ignored (then rendered again). Deleting a folder
changes nothing but time. A folder that cannot be written (read-only checkout, full
disk) only means nothing is cached. Standard library only.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import tempfile
import zoneinfo
from collections import Counter
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

#: json.dumps(parts, ensure_ascii=False) without making an encoder per call (10,000 keys a
#: build): the same text.
_KEY_JSON = json.JSONEncoder(ensure_ascii=False)


def cache_key(*parts: str | int) -> str:
    """sha256 of the parts, unambiguous (JSON list): ('a', 'bc') and ('ab', 'c') differ."""
    return hashlib.sha256(_KEY_JSON.encode(parts).encode()).hexdigest()


def read_whole(path: str) -> bytes:
    """A file's bytes in one unbuffered read, by path string: a Path and a buffer per file
    cost more than the read itself (10,000 stories a build: 0.2 s → 0.1 s)."""
    with open(path, "rb", buffering=0) as file:  # noqa: PTH123
        return file.readall()


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: kabar's own code, every module of it: what a cached result was made by.
CODE = Path(__file__).resolve().parent


def code_digest() -> bytes:
    """A hash of every Python file of kabar (their paths and bytes), once per process."""
    if not _CODE_DIGEST:
        digest = hashlib.blake2b(digest_size=24)
        for path in sorted(CODE.rglob("*.py")):
            data = path.read_bytes()
            digest.update(f"{path.relative_to(CODE).as_posix()}\0{len(data)}\0".encode())
            digest.update(data)
        _CODE_DIGEST.append(digest.digest())
    return _CODE_DIGEST[0]


_CODE_DIGEST: list[bytes] = []


def version(distribution: str) -> str:
    """An installed distribution's version, '-' when it is not installed."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "-"


def zone_rules(timezone: str) -> bytes:
    """The compiled rules of a time zone (a tzdata update moves local times)."""
    for base in zoneinfo.TZPATH:
        path = Path(base) / timezone
        if path.is_file():
            return path.read_bytes()
    return version("tzdata").encode()  # the tzdata package, when the system has none


#: The bytes before an entry's data: its sha256 in hex and a newline.
HEADER = 65


def sealed(data: bytes) -> bytes:
    """An entry as stored: its checksum, then `data`."""
    return hashlib.sha256(data).hexdigest().encode("ascii") + b"\n" + data


class FileCache:
    """`get` a verified entry or None; `put` writes atomically (temp file + rename)."""

    def __init__(self, folder: Path, suffix: str) -> None:
        self.folder = folder
        self.suffix = suffix

    def _path(self, key: str) -> str:
        return f"{self.folder}/{key}{self.suffix}"  # a str: pathlib cost more than the read

    def get(self, key: str) -> bytes | None:
        try:
            entry = read_whole(self._path(key))
        except OSError:
            return None
        data = entry[HEADER:]
        if entry[HEADER - 1:HEADER] != b"\n" or \
                hashlib.sha256(data).hexdigest().encode("ascii") != entry[:HEADER - 1]:
            return None
        return data

    def put(self, key: str, data: bytes) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _atomic_write(Path(self._path(key)), sealed(data))
        except OSError:
            return  # an unwritable cache costs time, never the build

    def prune(self, keep: set[str]) -> int:
        """Remove every entry whose key is not in `keep`, and the checksum files of the
        format before; returns how many files went."""
        removed = 0
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return 0
        # `<key><suffix>.sha256`: the checksum files of before
        ours = (self.suffix, f"{self.suffix}.sha256")
        for entry in entries:
            name = entry.name
            if not name.endswith(ours) or (name.endswith(self.suffix) and
                                           name.removesuffix(self.suffix) in keep):
                continue
            try:
                Path(entry.path).unlink()
                removed += 1
            except OSError:
                pass  # another build's, or read-only: it only costs space
        return removed


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise


#: An old segment smaller than this is copied into the segment of the next build that
#: writes one, so builds of one edit each do not leave a small file each behind.
SMALL_SEGMENT = 4 << 20
#: New entries are written in pieces of about this size.
_PIECE = 1 << 20
INDEX = "index.json"
LOCK = ".lock"
_FORMAT = 1
_SEGMENT_NAME = re.compile(r"[0-9a-f]{16}\.seg")


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class PackCache:
    """`get` a verified entry or None; `put` one; `finish` the build; `close`.

    A folder of a few files instead of one file per entry: creating 30,000 small files
    (with a temporary name, then renamed) took 20 s of a 10,000-story cold build on this
    machine's disk, and a CI cache restores one large file faster than 30,000.

    - **Segments** (`<16 hex>.seg`) hold entries one after another. A build appends the
      entries it makes to a new segment of its own; a segment is never changed after.
    - **The index** (`index.json`) maps each key to its segment, offset, length and
      blake2b. `get` reads an entry with `os.pread` and checks it against that digest: a
      damaged entry is a miss, and the build stores it anew.
    - **`finish(keep)`** writes a new index holding the entries in `keep` (None: every
      entry it held and every new one) and removes every other file of the folder:
      segments no entry points to, a killed build's segment, an older format's files.
      A segment less than half used, or smaller than SMALL_SEGMENT, is first copied into
      the new one, so the folder stays within about twice what it holds.
    - **One writer at a time.** The first `put` takes a lock (`.lock`, a POSIX lock: a
      forked child does not hold it); a build that cannot get it stores nothing. Readers
      take no lock: segments do not change and the index is replaced by a rename.
      `finish` reads the index again if another build replaced it since.
    - Writes go through `os.pwrite` at known offsets, never a shared file object: a
      forked worker holding a copy of this object cannot write into the segment.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._index: dict[str, list[Any]] | None = None
        self._seen: tuple[int, int, int] | None = None  # the index file read: ino, size, mtime
        self._files: dict[str, int] = {}  # segment name → descriptor, for reading
        self._lock: int | None = None
        self._out: int | None = None  # this build's segment
        self._name = ""
        self._size = 0  # bytes in this build's segment, written or pending
        self._pending = bytearray()
        self.new: dict[str, list[Any]] = {}  # entries put by this build
        self.blocked = False  # cannot write: a read-only folder, a full disk, another writer

    @property
    def index(self) -> dict[str, list[Any]]:
        """The entries found when the cache was first used (damaged ones dropped)."""
        if self._index is None:
            self._index, self._seen = self._read_index()
        return self._index

    def keys(self) -> set[str]:
        """The keys the index holds."""
        return set(self.index)

    def get(self, key: str) -> bytes | None:
        entry = self.index.get(key)
        if entry is None:
            return None
        data = self._entry(entry)
        if data is None:
            del self.index[key]  # damaged or gone: rendered again, and put anew
        return data

    def forget(self, key: str) -> None:
        """The entry of `key` was read but is of no use (not something this version
        writes): the next `put` of the key stores a new one."""
        self.index.pop(key, None)

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, unless an entry for the key is there already."""
        if self.blocked or key in self.new or key in self.index:
            return
        try:
            if self._out is None:
                self._start()
            self._append(key, data)
        except OSError:
            self._stop()  # an unwritable cache costs time, never the build

    def finish(self, keep: Iterable[str] | None) -> None:
        """End the build's use of the cache: the index holds the entries in `keep` (None:
        every entry the index held and every new one), then the cache is closed."""
        try:
            if not self.blocked:
                self._finish(None if keep is None else set(keep))
        except OSError:
            pass  # the old index stays; this build's segment goes in close()
        finally:
            self.close()

    def close(self) -> None:
        """Close every file; a segment no index points to yet is removed."""
        for descriptor in self._files.values():
            os.close(descriptor)
        self._files.clear()
        self._stop()
        if self._lock is not None:
            os.close(self._lock)  # releases the lock
            self._lock = None

    def _finish(self, keep: set[str] | None) -> None:
        if self._out is None and (keep is None or not self.index.keys() - keep):
            return  # nothing new, nothing to drop
        if not self._locked():
            return
        self._flush()
        current = self._current()
        wanted = keep if keep is not None else current.keys() | self.new.keys()
        live = {key: entry for key in wanted
                if (entry := self.new.get(key) or current.get(key)) is not None}
        live = self._compact(live)
        self._flush()
        self._write_index(live)
        self._out_kept()
        self._remove_all_but({str(entry[0]) for entry in live.values()})

    def _current(self) -> dict[str, list[Any]]:
        """The index as it is on disk now: another build may have replaced it since."""
        try:
            seen = _identity((self.folder / INDEX).stat())
        except OSError:
            seen = None
        if seen is not None and seen == self._seen:
            return self.index
        return self._read_index()[0]

    def _compact(self, live: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """Copy into this build's segment the entries of segments that are small or
        mostly unused; entries of segments that are gone are dropped."""
        used: Counter[str] = Counter()
        for entry in live.values():
            used[str(entry[0])] += int(entry[2])
        carry: set[str] = set()
        gone: set[str] = set()
        for name, length in used.items():
            if name == self._name:
                continue
            try:
                size = (self.folder / name).stat().st_size \
                    if _SEGMENT_NAME.fullmatch(name) else -1
            except OSError:
                size = -1
            if size < 0:
                gone.add(name)
            elif size < SMALL_SEGMENT or 2 * length < size:
                carry.add(name)
        if not carry and not gone:
            return live  # a build of one edit, most of the time: nothing to move
        if carry and self._out is None:
            self._start()
        kept = {key: entry for key, entry in live.items()
                if entry[0] not in gone and entry[0] not in carry}
        moved = sorted(((key, entry) for key, entry in live.items() if entry[0] in carry),
                       key=lambda item: (item[1][0], item[1][1]))  # read in file order
        for key, entry in moved:
            data = self._entry(entry)
            if data is not None:
                self._append(key, data)
                kept[key] = self.new[key]
        return kept

    def _entry(self, entry: list[Any]) -> bytes | None:
        try:
            name, offset, length, digest = entry
            data = os.pread(self._file(name), length, offset)
        except (OSError, ValueError, TypeError, OverflowError):
            return None
        return data if len(data) == length and _digest(data) == digest else None

    def _file(self, name: str) -> int:
        descriptor = self._files.get(name)
        if descriptor is None:
            if not isinstance(name, str) or not _SEGMENT_NAME.fullmatch(name):
                raise ValueError(f"not a segment: {name!r}")  # nothing outside the folder
            descriptor = self._files[name] = os.open(self.folder / name,
                                                     os.O_RDONLY | os.O_CLOEXEC)
        return descriptor

    def _start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self._locked():
            raise OSError("another build is writing this cache")
        name = f"{secrets.token_hex(8)}.seg"
        self._out = os.open(self.folder / name,
                            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        self._name, self._size = name, 0

    def _append(self, key: str, data: bytes) -> None:
        self.new[key] = [self._name, self._size, len(data), _digest(data)]
        self._pending += data
        self._size += len(data)
        if len(self._pending) >= _PIECE:
            self._flush()

    def _flush(self) -> None:
        if self._out is None or not self._pending:
            return
        view = memoryview(self._pending)
        offset = self._size - len(view)
        while view:
            written = os.pwrite(self._out, view, offset)
            view, offset = view[written:], offset + written
        view.release()
        self._pending.clear()

    def _locked(self) -> bool:
        if self._lock is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                                 0o644)
            try:
                fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(descriptor)
                self.blocked = True
                return False
            self._lock = descriptor
        return True

    def _write_index(self, live: dict[str, list[Any]]) -> None:
        data = json.dumps({"format": _FORMAT, "entries": live}, separators=(",", ":"))
        _atomic_write(self.folder / INDEX, data.encode("ascii"))

    def _out_kept(self) -> None:
        """This build's segment is in the index now: close() must not remove it."""
        if self._out is not None:
            os.close(self._out)
            self._out = None

    def _stop(self) -> None:
        """No more writing; this build's segment, if no index points to it, goes."""
        self.blocked = True
        self._pending.clear()
        if self._out is not None:
            os.close(self._out)
            self._out = None
            with contextlib.suppress(OSError):
                (self.folder / self._name).unlink()

    def _remove_all_but(self, segments: set[str]) -> None:
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if entry.name not in segments and entry.name not in (INDEX, LOCK) and \
                        not entry.is_dir(follow_symlinks=False):
                    with contextlib.suppress(OSError):
                        Path(entry.path).unlink()

    def _read_index(self) -> tuple[dict[str, list[Any]], tuple[int, int, int] | None]:
        try:
            with open(self.folder / INDEX, "rb") as file:  # noqa: PTH123
                seen = _identity(os.fstat(file.fileno()))
                data = json.loads(file.read())
            entries = data["entries"] if data["format"] == _FORMAT else {}
        except (OSError, ValueError, TypeError, KeyError, IndexError):
            return {}, None
        return (entries, seen) if isinstance(entries, dict) else ({}, None)


def _identity(found: os.stat_result) -> tuple[int, int, int]:
    return found.st_ino, found.st_size, found.st_mtime_ns
