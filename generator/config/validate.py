"""Plain YAML data → typed dataclasses, driven by the dataclass annotations.

Collects every problem in one pass: unknown keys (with did-you-mean), missing keys, wrong
types, each located at the line of the key or value in the source file.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar

from generator.config.yamlsource import Key, YamlDoc
from generator.diagnostics import Diagnostics, did_you_mean

T = TypeVar("T")

_TYPE_WORDS = {str: "teks", int: "bilangan bulat", bool: "true atau false"}
_HINT_MAPPING = "tulis setiap 'kunci: nilai' di baris berikutnya, menjorok dua spasi"


class _Invalid(Exception):
    """Internal: the value at a path could not be converted (already reported)."""


def _name(path: Key) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(dokumen)"


class Converter:
    """Converts one YamlDoc, reporting into `diags` against `file`."""

    def __init__(self, doc: YamlDoc, file: str, diags: Diagnostics, line_offset: int = 0,
                 lines: Sequence[str] = (), guide: str = "") -> None:
        self.doc = doc
        self.file = file
        self.diags = diags
        self.line_offset = line_offset  # front matter starts below the opening '---'
        self.lines = lines  # the file's lines, to show the offending one
        self.guide = guide  # the document with a full example, named in hints
        self.ok = True

    def error(self, path: Key, message: str, hint: str = "", *, at_key: bool = True) -> None:
        pos = self.doc.key_pos(path) if at_key else self.doc.value_pos(path)
        line = pos.line + self.line_offset
        # A key missing at the top level has no line of its own: show none.
        source = self.lines[line - 1] if path and 0 < line <= len(self.lines) else ""
        self.diags.error(self.file, line, message, column=pos.column, hint=hint,
                         source_line=source)
        self.ok = False

    def convert(self, cls: type[T], data: Any, path: Key = ()) -> T:
        """Build `cls` from `data`; raises _Invalid only for the root if unusable."""
        result = self._value(cls, data, path)
        if not self.ok:
            raise _Invalid
        return typing.cast(T, result)

    def _value(self, tp: Any, data: Any, path: Key) -> Any:
        origin = typing.get_origin(tp)
        if origin in (types.UnionType, typing.Union):  # `X | None`: absent or null is None
            inner = next(a for a in typing.get_args(tp) if a is not type(None))
            return None if data is None else self._value(inner, data, path)
        if dataclasses.is_dataclass(tp):
            return self._dataclass(typing.cast(type, tp), data, path)
        if origin is Literal:
            choices = typing.get_args(tp)
            if data not in choices:
                self.error(path, f"{_name(path)}: nilai '{data}' tidak dikenal",
                           did_you_mean(str(data), map(str, choices)), at_key=False)
            return data
        if origin is tuple:
            item_type = typing.get_args(tp)[0]
            if data is None:
                return ()
            if isinstance(data, str | int | float) and item_type is str:
                data = [data]  # `tags: posyandu` means one tag
            if not isinstance(data, list):
                self.error(path, f"{_name(path)}: harus berupa daftar", "tulis isinya satu per "
                           "baris diawali '- ', atau dalam [ ], misalnya tags: [posyandu, lansia]",
                           at_key=False)
                return ()
            return tuple(self._value(item_type, item, (*path, i)) for i, item in enumerate(data))
        if origin in (Mapping, dict) or tp is Mapping:
            if data is None:
                return types.MappingProxyType({})
            if not isinstance(data, dict):
                self.error(path, f"{_name(path)}: harus berupa pasangan kunci: nilai",
                           _HINT_MAPPING, at_key=False)
                return types.MappingProxyType({})
            return types.MappingProxyType(dict(data))
        return self._scalar(tp, data, path)

    def _scalar(self, tp: Any, data: Any, path: Key) -> Any:
        if tp is str:
            if isinstance(data, bool) or data is None or isinstance(data, dict | list):
                self.error(path, f"{_name(path)}: harus berupa teks", "apit nilainya dengan "
                           "tanda kutip, misalnya title: \"Judul\"", at_key=False)
                return ""
            return str(data).strip()
        if tp is int:
            if isinstance(data, bool) or not isinstance(data, int):
                self.error(path, f"{_name(path)}: harus berupa bilangan bulat, bukan '{data}'",
                           f"tulis angkanya saja tanpa tanda kutip, misalnya {path[-1]}: 10",
                           at_key=False)
                return 0
            return data
        if tp is bool:
            if not isinstance(data, bool):
                self.error(path, f"{_name(path)}: harus true atau false", at_key=False)
                return False
            return data
        raise TypeError(f"unsupported config type {tp!r}")  # a bug in schema.py

    def _dataclass(self, cls: type, data: Any, path: Key) -> Any:
        if not isinstance(data, dict):
            self.error(path, f"{_name(path)}: harus berupa pasangan kunci: nilai",
                       _HINT_MAPPING, at_key=False)
            return None
        hints = _type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        misspelt: set[str] = set()  # fields an unknown key probably meant
        for key in data:
            if key not in fields:
                self.error((*path, key), f"kunci '{key}' tidak dikenal"
                           f"{' di ' + _name(path) if path else ''}",
                           did_you_mean(str(key), fields))
                misspelt.update(difflib.get_close_matches(str(key), fields, n=1, cutoff=0.6))
        values: dict[str, Any] = {}
        for name, f in fields.items():
            required = (f.default is dataclasses.MISSING
                        and f.default_factory is dataclasses.MISSING)
            if data.get(name) is None and not required:
                continue  # `image:` left empty is the same as no `image:` line
            if name in data and data[name] is not None:
                values[name] = self._value(hints[name], data[name], (*path, name))
            elif name in data:  # `title:` with nothing after it
                self.error((*path, name), f"{_name((*path, name))} wajib diisi",
                           self._missing_hint(name, f))
            elif name not in misspelt:  # a misspelt key was reported above
                self.error(path, f"{_name((*path, name))} wajib diisi",
                           self._missing_hint(name, f))
            else:
                self.ok = False
        if not self.ok:
            return None
        return cls(**values)

    def _missing_hint(self, name: str, f: dataclasses.Field[Any]) -> str:
        hint = f"tambahkan baris '{name}:' beserta isinya"
        if f.metadata.get("example"):
            return f"{hint}, misalnya {f.metadata['example']}"
        return f"{hint}; lihat contoh di {self.guide}" if self.guide else hint


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    """The resolved field types of a dataclass; resolving them is slow and done per story."""
    return typing.get_type_hints(cls)


def convert(cls: type[T], doc: YamlDoc, file: str, diags: Diagnostics, *,
            line_offset: int = 0, lines: Sequence[str] = (), guide: str = "") -> T | None:
    """`cls` built from the document, or None when diagnostics were reported.

    `lines` are the file's lines (shown under each diagnostic); `guide` names the document
    with a full example, for hints about missing sections.
    """
    for key, pos in doc.duplicates:
        line = pos.line + line_offset
        diags.error(file, line, f"kunci '{_name(key)}' ditulis dua kali", column=pos.column,
                    hint="hapus salah satunya; YAML hanya memakai yang terakhir",
                    source_line=lines[line - 1] if 0 < line <= len(lines) else "")
    try:
        return Converter(doc, file, diags, line_offset, lines, guide).convert(cls, doc.data)
    except _Invalid:
        return None
