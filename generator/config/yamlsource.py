"""Safe YAML loading that also reports where every key and value stands (line, column).

The one module that imports PyYAML. Timestamps are NOT converted by YAML: dates stay the
strings the operator wrote, so `content.metadata` can parse them with the site's timezone
and say exactly what was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

try:  # libyaml is ~5x faster on front matter; the pure-Python loader behaves the same.
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader without the implicit timestamp resolver."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

Key = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Position:
    """1-based line and column of a key or value."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class YamlDoc:
    """A loaded document: plain data plus the positions of every key path."""

    data: Any
    keys: dict[Key, Position]  # where the key of a mapping entry is written
    values: dict[Key, Position]  # where the value starts
    duplicates: tuple[tuple[Key, Position], ...]  # keys written twice (the last one wins)

    def key_pos(self, path: Key) -> Position:
        """Where `path`'s key stands, or its nearest parent that has a position."""
        while path:
            if path in self.keys:
                return self.keys[path]
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), Position(1, 1))

    def value_pos(self, path: Key) -> Position:
        """Where `path`'s value starts, or its nearest known parent."""
        return self.values.get(path) or self.key_pos(path)


@dataclass(frozen=True, slots=True)
class YamlError:
    """A syntax error, located and explained in plain words."""

    line: int
    column: int
    message: str
    hint: str


def load(text: str) -> YamlDoc | YamlError:
    """Parse one YAML document; never raises for bad input."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        return _explain(exc)
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        return YamlError(1, 1, f"YAML tidak dapat dibaca: {exc}", _HINT_GENERAL)
    finally:
        loader.dispose()
    keys: dict[Key, Position] = {}
    values: dict[Key, Position] = {}
    duplicates: list[tuple[Key, Position]] = []
    if node is not None:
        _walk(node, (), keys, values, duplicates)
    return YamlDoc(data, keys, values, tuple(duplicates))


def _pos(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def _walk(node: yaml.Node, path: Key, keys: dict[Key, Position], values: dict[Key, Position],
          duplicates: list[tuple[Key, Position]]) -> None:
    values[path] = _pos(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            child = (*path, key)
            if child in keys:
                duplicates.append((child, _pos(key_node.start_mark)))
            keys[child] = _pos(key_node.start_mark)
            _walk(value_node, child, keys, values, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), keys, values, duplicates)


_HINT_GENERAL = "periksa tanda kutip, titik dua dan indentasi (pakai spasi, bukan tab)"

# PyYAML's wording → what an operator can do about it.
_HINTS = (
    ("mapping values are not allowed", "ada titik dua ':' di dalam sebuah nilai; apit nilainya "
     "dengan tanda kutip, misalnya title: \"Bupati: jalan baru\""),
    ("found character '\\t'", "gunakan spasi untuk indentasi, bukan tab"),
    ("found undefined alias", "tanda '*' di awal nilai punya arti khusus di YAML; apit nilainya "
     "dengan tanda kutip"),
    ("did not find expected key", "indentasi baris ini tidak sejajar dengan baris sebelumnya, "
     "atau ada tanda kutip yang tidak ditutup"),
    ("found unexpected end of stream", "ada tanda kutip yang tidak ditutup"),
    ("while scanning a quoted scalar", "ada tanda kutip yang tidak ditutup"),
    ("expected <block end>", "indentasi baris ini tidak sejajar dengan baris sebelumnya"),
    ("while parsing a flow sequence", "daftar dalam [ ] belum ditutup dengan ']'"),
    ("found unhashable key", "nilai yang diawali '{' atau '[' perlu diapit tanda kutip"),
)


def _explain(exc: yaml.MarkedYAMLError) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or exc.context or "kesalahan sintaks"
    text = f"{exc.context or ''} {exc.problem or ''}"
    hint = next((h for needle, h in _HINTS if needle in text), _HINT_GENERAL)
    return YamlError(line, column, f"YAML tidak valid: {problem}", hint)
