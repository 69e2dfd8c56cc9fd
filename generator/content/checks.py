"""Checked front matter kept between builds in `.cache/checks/`: each file checked once.

Reading a story's front matter (splitting the file, parsing the YAML, checking every
field) is a pure function of the file's path and bytes, the site configuration, the
site's time-zone rules and kabar's code: 4.9 s of a warm 10,000-story build. So its result
and the diagnostics it gave are kept under a key made of all of those, and a later build
(a new process: CI after a push, the first build of `kabar serve`) that finds the same
key replays the diagnostics and takes the result without parsing anything.

Entries are JSON through a codec that knows only the records a check gives (a list of
classes, each rebuilt by its fields), never pickle: a `.cache/` restored by a CI runner
must not be able to run code. A value the codec does not know (a YAML set, an odd time
zone) just leaves that file uncached. A body is not stored twice: when it is the end of
the file's bytes, as it nearly always is, the entry records only its length. Each entry
is checked against its blake2b digest in the pack's index; a damaged one, or a damaged
pack, is a miss. Standard library only."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from zoneinfo import ZoneInfo

from generator.cache import cache_key, code_digest, version, zone_rules
from generator.config.schema import SiteConfig
from generator.diagnostics import Diagnostic


class Parsed(Protocol):
    """The first item of a check's result: the file, its body and the body's first line."""

    path: str
    body: bytes
    body_line: int


#: (the result of checking one file or None when it failed, the diagnostics it gave)
Checked = tuple[tuple[Any, ...] | None, tuple[Diagnostic, ...]]


def environment(config: SiteConfig) -> str:
    """What every check depends on besides the file: the configuration (its repr holds
    every field), its zone's rules, kabar's code, PyYAML's and Python's versions."""
    return cache_key(repr(config), hashlib.sha256(zone_rules(config.timezone)).hexdigest(),
                     code_digest().hex(), version("PyYAML"), sys.version)


class CheckCache:
    """`get` the stored check of a file's bytes, or None; `put` one; `finish` the build.

    One pack file per environment, `<environment>.pack`: the entries one after another,
    then an index (JSON: key → offset, length, blake2b of the entry), then the index's
    offset in 16 digits. A build reads the entries it needs with `os.pread` (nothing is
    held in memory). With `write`, new entries go into a new pack as they are made; when
    the content stage is done, the entries it found in the old pack are copied after
    them and the new pack replaces the old one, so the pack holds exactly the files of
    the last build and another environment's pack goes. A build that found every entry
    and nothing else writes nothing. 10,000 entries in one file, not 10,000 files:
    writing that many small files cost a cold build seconds. `kabar serve` only reads
    (its memo keeps the rest).
    """

    def __init__(self, folder: Path, environment: str, parsed: type,
                 classes: Iterable[type], *, write: bool) -> None:
        self.folder = folder
        self.path = folder / f"{environment[:40]}{PACK}"
        self.environment = environment
        self.parsed = parsed
        self.codec = _Codec({kind.__name__: kind for kind in classes})
        self.index: dict[str, list[Any]] = {}
        self.old: BinaryIO | None = None
        try:
            self.old = self.path.open("rb")
            self.index = _read_index(self.old)
        except (OSError, ValueError, TypeError):
            self.index = {}  # no pack yet, or a damaged one: every file is checked
        self.new: Any = None  # the new pack, a named temporary file
        self.new_index: dict[str, list[Any]] = {}  # entries written into it
        self.found: dict[str, list[Any]] = {}  # entries of the old pack this build used
        if write:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                self.new = tempfile.NamedTemporaryFile(  # noqa: SIM115 (finish closes it)
                    dir=folder, prefix=".tmp-", suffix=PACK, delete=False)
            except OSError:
                self.new = None  # an unwritable cache costs time, never the build

    def key(self, path: str, factcheck: bool, data: bytes) -> str:
        return cache_key(self.environment, path, int(factcheck),
                         hashlib.blake2b(data, digest_size=32).hexdigest())

    def get(self, path: str, factcheck: bool, data: bytes) -> Checked | None:
        key = self.key(path, factcheck, data)
        entry = self._entry(key)
        if entry is None:
            return None
        try:
            problems, result = self.codec.loads(entry)
            checked: Checked
            if result is None:
                checked = None, tuple(problems)
            else:
                (name, line, suffix, text), rest = result
                body = data[len(data) - suffix:] if text is None else \
                    base64.b64decode(text, validate=True)
                checked = (self.parsed(name, body, line), *rest), tuple(problems)
        except (ValueError, KeyError, TypeError, IndexError):
            return None  # not an entry this version wrote: check again
        self.found[key] = self.index[key]
        return checked

    def put(self, path: str, factcheck: bool, data: bytes, checked: Checked) -> None:
        if self.new is not None:
            self.keep(path, factcheck, data, self.entry(data, checked))

    def entry(self, data: bytes, checked: Checked) -> bytes | None:
        """The stored form of a check of `data`, or None when it holds a value the codec
        does not know. Pure: a worker process that checked the file makes it."""
        result, problems = checked
        stored: list[Any] = [problems, None]
        if result is not None:
            parsed: Parsed = result[0]
            if data.endswith(parsed.body):
                head = [parsed.path, parsed.body_line, len(parsed.body), None]
            else:  # invisible characters removed, or Windows line ends
                head = [parsed.path, parsed.body_line, 0,
                        base64.b64encode(parsed.body).decode("ascii")]
            stored[1] = [head, result[1:]]
        try:
            return self.codec.dumps(stored)
        except TypeError:
            return None  # a value the codec does not know: this file is checked every time

    def keep(self, path: str, factcheck: bool, data: bytes, entry: bytes | None) -> None:
        """Store an `entry` made of a check of `data` (None: nothing to store)."""
        if entry is not None:
            self._keep(self.key(path, factcheck, data), entry)

    def finish(self) -> None:
        """Put the new pack in place of the old ones (after a complete content stage)."""
        if self.new is None or (not self.new_index and self.found.keys() == self.index.keys()):
            self.abandon()  # nothing to write, or the pack is already what it would be
            return
        new, self.new = self.new, None
        try:
            for key, (offset, length, digest) in self.found.items():  # copied after the new
                if key not in self.new_index and self.old is not None:
                    self.new_index[key] = [new.tell(), length, digest]
                    new.write(os.pread(self.old.fileno(), length, offset))
            offset = new.tell()
            new.write(json.dumps(self.new_index, separators=(",", ":")).encode("ascii"))
            new.write(b"%016d" % offset)
            new.close()
            # Other environments' packs, ours, and new ones a killed build left behind
            for stale in self.folder.glob(f"*{PACK}"):
                if stale.name != Path(new.name).name:
                    stale.unlink()
            Path(new.name).replace(self.path)
        except OSError:
            new.close()
            with contextlib.suppress(OSError):
                Path(new.name).unlink()
        finally:
            if self.old is not None:
                self.old.close()

    def abandon(self) -> None:
        """The content stage did not finish: keep the old pack, drop the new one."""
        if self.old is not None:
            self.old.close()
        self._drop_new()

    def _drop_new(self) -> None:
        if self.new is not None:
            self.new.close()
            with contextlib.suppress(OSError):
                Path(self.new.name).unlink()
            self.new = None

    def _entry(self, key: str) -> bytes | None:
        known = self.index.get(key)
        if known is None or self.old is None:
            return None
        try:
            offset, length, digest = known
            entry = os.pread(self.old.fileno(), length, offset)
        except (OSError, ValueError, TypeError, OverflowError):
            return None
        return entry if hashlib.blake2b(entry, digest_size=16).hexdigest() == digest else None

    def _keep(self, key: str, entry: bytes) -> None:
        if self.new is None or key in self.new_index:
            return
        try:
            offset = self.new.tell()
            self.new.write(entry)
        except OSError:
            self._drop_new()  # a full disk: this build reads on, and stores nothing
            return
        self.new_index[key] = [offset, len(entry),
                               hashlib.blake2b(entry, digest_size=16).hexdigest()]


PACK = ".pack"


def _read_index(pack: BinaryIO) -> dict[str, list[Any]]:
    pack.seek(-16, os.SEEK_END)
    end = pack.tell()
    offset = int(pack.read(16).decode("ascii"))
    if not 0 <= offset <= end:
        raise ValueError("index outside the pack")
    index = json.loads(os.pread(pack.fileno(), end - offset, offset))
    if not isinstance(index, dict):
        raise ValueError("not an index")
    return index


class _Codec:
    """Plain data and the listed dataclasses ↔ JSON. Every JSON object is a tagged value
    ({"t": tuple}, {"m": mapping as pairs}, {"c": class, "v": fields}, …), so a mapping
    from the front matter can never pass for one of them, and decoding is one hook that
    json's C parser calls for each object, innermost first (a Python walk over every
    value took longer than parsing the YAML again)."""

    def __init__(self, classes: dict[str, type]) -> None:
        self.classes = classes
        self.fields = {name: tuple(f.name for f in dataclasses.fields(kind))
                       for name, kind in classes.items()}

    def dumps(self, value: Any) -> bytes:
        return json.dumps(self._encode(value), ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")

    def loads(self, data: bytes) -> Any:
        return json.loads(data, object_hook=self._decode)

    def _encode(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, datetime):
            return {"dt": value.replace(tzinfo=None).isoformat(), "fold": value.fold,
                    "z": _zone(value.tzinfo)}
        if isinstance(value, date):
            return {"d": value.isoformat()}
        if isinstance(value, bytes):
            return {"b": base64.b64encode(value).decode("ascii")}
        if isinstance(value, tuple):
            return {"t": [self._encode(item) for item in value]}
        if isinstance(value, list):
            return [self._encode(item) for item in value]
        if isinstance(value, dict):
            return {"m": [[self._encode(k), self._encode(v)] for k, v in value.items()]}
        kind = type(value)
        if self.classes.get(kind.__name__) is kind and dataclasses.is_dataclass(value):
            return {"c": kind.__name__, "v": [self._encode(getattr(value, name))
                                              for name in self.fields[kind.__name__]]}
        raise TypeError(f"cannot store {kind.__name__}")

    def _decode(self, tagged: dict[str, Any]) -> Any:
        if "t" in tagged:
            return tuple(tagged["t"])
        if "c" in tagged:
            name = tagged["c"]
            kind = self.classes[name]  # KeyError: not a class a check gives
            return kind(**dict(zip(self.fields[name], tagged["v"], strict=True)))
        if "m" in tagged:
            return dict(tagged["m"])
        if "dt" in tagged:
            zone = tagged["z"]
            tz = None if zone is None else ZoneInfo(zone) if isinstance(zone, str) else \
                timezone(timedelta(seconds=zone[0]), *zone[1:])
            return datetime.fromisoformat(tagged["dt"]).replace(tzinfo=tz, fold=tagged["fold"])
        if "d" in tagged:
            return date.fromisoformat(tagged["d"])
        if "b" in tagged:
            return base64.b64decode(tagged["b"], validate=True)
        raise ValueError("an object without a known tag in a checks entry")


def _zone(tz: Any) -> str | list[Any] | None:
    """A zone by its name, a fixed offset (YAML's `+07:00`) by its seconds and name."""
    if tz is None:
        return None
    if isinstance(tz, ZoneInfo) and tz.key:
        return str(tz.key)
    if isinstance(tz, timezone):  # its offset, and its name only when it was given one,
        offset, *name = tz.__getinitargs__()  # type: ignore[attr-defined]
        return [offset.total_seconds(), *name]  # so it pickles alike (page-cache keys)
    raise TypeError("a time zone that cannot be stored")
