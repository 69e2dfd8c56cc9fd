"""Plain YAML data → typed dataclasses, driven by the dataclass annotations.

Collects every problem in one pass: unknown keys (with did-you-mean), missing keys, wrong
types, each located at the line of the key or value in the source file.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from generator.config.yamlsource import Key, YamlDoc
from generator.diagnostics import Diagnostics, did_you_mean

T = TypeVar("T")

_TYPE_WORDS = {str: "teks", int: "bilangan bulat", bool: "true atau false"}


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
                 ) -> None:
        self.doc = doc
        self.file = file
        self.diags = diags
        self.line_offset = line_offset  # front matter starts below the opening '---'
        self.ok = True

    def error(self, path: Key, message: str, hint: str = "", *, at_key: bool = True) -> None:
        pos = self.doc.key_pos(path) if at_key else self.doc.value_pos(path)
        self.diags.error(self.file, pos.line + self.line_offset, message, column=pos.column,
                         hint=hint)
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
                self.error(path, f"{_name(path)}: harus berupa daftar", at_key=False)
                return ()
            return tuple(self._value(item_type, item, (*path, i)) for i, item in enumerate(data))
        if origin in (Mapping, dict) or tp is Mapping:
            if data is None:
                return types.MappingProxyType({})
            if not isinstance(data, dict):
                self.error(path, f"{_name(path)}: harus berupa pasangan kunci: nilai",
                           at_key=False)
                return types.MappingProxyType({})
            return types.MappingProxyType(dict(data))
        return self._scalar(tp, data, path)

    def _scalar(self, tp: Any, data: Any, path: Key) -> Any:
        if tp is str:
            if isinstance(data, bool) or data is None or isinstance(data, dict | list):
                self.error(path, f"{_name(path)}: harus berupa teks", at_key=False)
                return ""
            return str(data).strip()
        if tp is int:
            if isinstance(data, bool) or not isinstance(data, int):
                self.error(path, f"{_name(path)}: harus berupa bilangan bulat, bukan '{data}'",
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
            self.error(path, f"{_name(path)}: harus berupa pasangan kunci: nilai", at_key=False)
            return None
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key in data:
            if key not in fields:
                self.error((*path, key), f"kunci '{key}' tidak dikenal di "
                           f"{_name(path) if path else 'tingkat atas'}",
                           did_you_mean(str(key), fields))
        values: dict[str, Any] = {}
        for name, f in fields.items():
            if name in data:
                values[name] = self._value(hints[name], data[name], (*path, name))
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                self.error(path, f"{_name(path) + '.' if path else ''}{name} wajib diisi",
                           f"tambahkan '{name}:' ({f.metadata.get('doc', '')})")
        if not self.ok:
            return None
        return cls(**values)


def convert(cls: type[T], doc: YamlDoc, file: str, diags: Diagnostics, *,
            line_offset: int = 0) -> T | None:
    """`cls` built from the document, or None when diagnostics were reported."""
    for key, pos in doc.duplicates:
        diags.error(file, pos.line + line_offset, f"kunci '{_name(key)}' ditulis dua kali",
                    column=pos.column,
                    hint="hapus salah satunya; YAML hanya memakai yang terakhir")
    try:
        return Converter(doc, file, diags, line_offset).convert(cls, doc.data)
    except _Invalid:
        return None
