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
the file's bytes, as it nearly always is, the entry records only its length. The entries
are kept in a `PackCache` (generator/cache.py), which checks each against its digest: a
damaged entry, or a damaged index, is a miss. Standard library only."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import sys
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from generator.cache import PackCache, cache_key, code_digest, version, zone_rules
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
    """`get` the stored check of a file's bytes, or None; `keep` one; `finish` the build.

    The entries are in a `PackCache` (generator/cache.py: segments, an index, a digest per
    entry, one writer at a time), under a key of the environment, the file's path and
    kind, and its bytes. A build keeps exactly the entries it used: another
    environment's, and those of files since edited or deleted, go. A build that found
    every entry and made none writes nothing. `kabar serve` (`write=False`) only reads:
    its memo keeps the rest.
    """

    def __init__(self, folder: Path, environment: str, parsed: type,
                 classes: Iterable[type], *, write: bool) -> None:
        self.pack = PackCache(folder)
        self.environment = environment
        self.parsed = parsed
        self.codec = _Codec({kind.__name__: kind for kind in classes})
        self.write = write
        self.used: set[str] = set()

    def key(self, path: str, factcheck: bool, data: bytes) -> str:
        return cache_key(self.environment, path, int(factcheck),
                         hashlib.blake2b(data, digest_size=32).hexdigest())

    def get(self, path: str, factcheck: bool, data: bytes) -> Checked | None:
        key = self.key(path, factcheck, data)
        entry = self.pack.get(key)
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
            self.pack.forget(key)  # not an entry this version wrote: checked, stored anew
            return None
        self.used.add(key)
        return checked

    def put(self, path: str, factcheck: bool, data: bytes, checked: Checked) -> None:
        if self.write:
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
        if entry is not None and self.write:
            key = self.key(path, factcheck, data)
            self.pack.put(key, entry)
            self.used.add(key)

    def finish(self) -> None:
        """The content stage is complete: the pack keeps the entries this build used."""
        if self.write:
            self.pack.finish(self.used)
        else:
            self.pack.close()

    def abandon(self) -> None:
        """The content stage did not finish: the pack stays as it was."""
        self.pack.close()


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
