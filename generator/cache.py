"""A folder of rendered files keyed by a hash of everything that made them; never a source of truth.

Each entry is one file, `<key><suffix>`: the sha256 of its bytes (64 hex digits and a
newline), then the bytes. A truncated or overwritten entry no longer matches and is ignored
(then rendered again). One file, not a data file and a checksum file beside it: a warm
build opens half as many files, and a CI cache restores half as many.
Deleting the folder changes nothing but time. A folder that cannot be written (read-only
checkout, full disk) only means nothing is cached. Standard library only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import zoneinfo
from importlib import metadata
from pathlib import Path

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

    def prune(self, keep: set[str], retired: tuple[str, ...] = ()) -> int:
        """Remove every entry whose key is not in `keep`, and every file ending in one of
        the `retired` suffixes (entries of an older format); returns how many files went."""
        removed = 0
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return 0
        # `<key><suffix>.sha256`: the checksum files of before
        ours = (self.suffix, f"{self.suffix}.sha256", *retired)
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
