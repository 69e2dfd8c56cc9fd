"""Safe YAML loading that also reports where every key and value stands (line, column).

The one module that imports PyYAML. Timestamps are NOT converted by YAML: dates stay the
strings the operator wrote, so `content.metadata` can parse them with the site's timezone
and say exactly what was wrong. String values come back without the invisible characters
of `generator.invisible` (raw, or written as YAML escapes such as "\\u202e"); the
reported ones are listed in `YamlDoc.hidden` for the caller to warn about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from generator import invisible

try:  # libyaml is ~5x faster on front matter; the pure-Python loader behaves the same.
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader


class _Loader(_BaseLoader):  # type: ignore[misc]
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
class HiddenValue:
    """A string value from which bidi or control characters were removed."""

    path: Key
    position: Position  # where the value starts
    chars: tuple[invisible.Hidden, ...]


@dataclass(frozen=True, slots=True)
class YamlDoc:
    """A loaded document: plain data plus the positions of every key path."""

    data: Any
    keys: dict[Key, Position]  # where the key of a mapping entry is written
    values: dict[Key, Position]  # where the value starts
    duplicates: tuple[tuple[Key, Position], ...]  # keys written twice (the last one wins)
    #: String values that held reported invisible characters (removed from `data`).
    hidden: tuple[HiddenValue, ...] = ()

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


#: The records a loaded document is made of (content/checks.py stores them).
RECORDS = (YamlDoc, Position, HiddenValue, invisible.Hidden)


@dataclass(frozen=True, slots=True)
class YamlError:
    """A syntax error, located and explained in plain words."""

    line: int
    column: int
    message: str
    hint: str


def load(text: str) -> YamlDoc | YamlError:
    """Parse one YAML document; never raises for bad input."""
    loader: Any = None
    try:
        loader = _Loader(text)  # the pure-Python reader checks characters right here
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        return _explain(exc, text.splitlines())
    except yaml.reader.ReaderError as exc:  # a control character, e.g. pasted from Word
        before = text[:exc.position]
        return YamlError(before.count("\n") + 1, exc.position - before.rfind("\n"),
                         f"YAML tidak valid: ada karakter tak terlihat (kode {exc.character:#04x})",
                         "hapus karakter itu; biasanya terbawa saat menyalin teks dari aplikasi "
                         "lain")
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises only the two above
        return YamlError(1, 1, f"YAML tidak dapat dibaca: {exc}", _HINT_GENERAL)
    finally:
        if loader is not None:
            loader.dispose()
    keys: dict[Key, Position] = {}
    values: dict[Key, Position] = {}
    duplicates: list[tuple[Key, Position]] = []
    if node is not None:
        try:
            _walk(node, (), keys, values, duplicates, [MAX_NODES])
        except _TooBig as exc:
            return YamlError(exc.position.line, exc.position.column,
                             "YAML terlalu besar atau terlalu dalam: alias (*) mengulang isinya "
                             "terlalu banyak kali, atau daftar bersarang terlalu dalam",
                             "tulis nilainya langsung, tanpa anchor (&nama) dan alias (*nama)")
    found: list[tuple[Key, list[invisible.Hidden]]] = []
    data = _clean(data, (), found)
    doc = YamlDoc(data, keys, values, tuple(duplicates))
    hidden = tuple(HiddenValue(path, doc.value_pos(path), tuple(chars)) for path, chars in found)
    return YamlDoc(data, keys, values, tuple(duplicates), hidden)


#: A document of more nodes than this is refused: aliases can repeat a list inside a list
#: inside a list ("billion laughs"), 10 items 9 levels deep is 10^9 values from 10 lines.
#: The largest real site.yaml (every desa of a kabupaten) has a few thousand. Deeper than
#: MAX_DEPTH is refused too (an alias to itself is infinitely deep).
MAX_NODES = 20_000
MAX_DEPTH = 64


class _TooBig(Exception):
    def __init__(self, position: Position) -> None:
        super().__init__(position)
        self.position = position


def _clean(data: Any, path: Key, found: list[tuple[Key, list[invisible.Hidden]]]) -> Any:
    """A copy of `data` whose strings lost their invisible characters (keys stay as written,
    so their positions still match; an odd key is reported as unknown)."""
    if isinstance(data, str):
        hidden = invisible.find(data)
        if hidden:
            found.append((path, hidden))
        return invisible.remove(data)
    if isinstance(data, dict):
        return {key: _clean(value, (*path, key), found) for key, value in data.items()}
    if isinstance(data, list):
        return [_clean(item, (*path, index), found) for index, item in enumerate(data)]
    return data


def _pos(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def _walk(node: yaml.Node, path: Key, keys: dict[Key, Position], values: dict[Key, Position],
          duplicates: list[tuple[Key, Position]], budget: list[int]) -> None:
    budget[0] -= 1
    if budget[0] < 0 or len(path) > MAX_DEPTH:  # reported at the top-level key holding it
        raise _TooBig(values.get(path[:1]) or _pos(node.start_mark))
    values[path] = _pos(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            child = (*path, key)
            if child in keys:
                duplicates.append((child, _pos(key_node.start_mark)))
            keys[child] = _pos(key_node.start_mark)
            _walk(value_node, child, keys, values, duplicates, budget)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), keys, values, duplicates, budget)


_HINT_GENERAL = "periksa tanda kutip, titik dua dan indentasi (pakai spasi, bukan tab)"
_HINT_TAB = "gunakan spasi untuk indentasi, bukan tab"

# PyYAML's and libyaml's wording → (report at the opening mark?, message, hint) in plain
# words. Unclosed things are reported where they were opened, not where the file ended.
_EXPLAINED = (
    ("quoted scalar", True, "tanda kutip tidak ditutup",
     "tambahkan tanda kutip penutup di akhir nilai ini, misalnya title: \"Judul cerita\""),
    ("could not find expected ':'", True, "baris ini tidak berbentuk 'kunci: nilai'",
     "tulis nama kunci dan titik dua di depannya, misalnya summary: Ringkasan cerita; "
     "teks lanjutan dari baris sebelumnya harus menjorok ke dalam"),
    ("flow sequence", True, "daftar yang dibuka dengan '[' belum ditutup",
     "tutup daftar dengan ']' di baris yang sama, misalnya tags: [posyandu, kesehatan]"),
    ("flow mapping", True, "tanda '{' belum ditutup dengan '}'",
     "jika '{' bagian dari isi, apit nilainya dengan tanda kutip"),
    ("mapping values are not allowed", False, "ada titik dua ':' yang tidak pada tempatnya",
     "jika titik dua bagian dari isi, apit nilainya dengan tanda kutip, misalnya "
     "title: \"Bupati: jalan baru\"; jika bukan, periksa indentasi baris ini"),
    ("did not find expected key", False, "baris ini tidak sejajar dengan baris sebelumnya",
     "samakan jumlah spasi di awal baris dengan baris di atasnya, dan periksa tanda kutip "
     "yang belum ditutup"),
    ("expected <block end>", False, "baris ini tidak sejajar dengan baris sebelumnya",
     "samakan jumlah spasi di awal baris dengan baris di atasnya, dan periksa tanda kutip "
     "yang belum ditutup"),
    ("found undefined alias", False, "nilai tidak boleh diawali tanda '*'",
     "apit nilainya dengan tanda kutip, misalnya title: \"*Penting* hari ini\""),
    ("found unhashable key", False, "kunci tidak boleh diawali '{' atau '['",
     "apit teksnya dengan tanda kutip"),
)


def _explain(exc: yaml.MarkedYAMLError, lines: list[str]) -> YamlError:
    problem_mark = exc.problem_mark or exc.context_mark
    line, column = (problem_mark.line + 1, problem_mark.column + 1) if problem_mark else (1, 1)
    text = f"{exc.context or ''} {exc.problem or ''}"
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in source[:len(source) - len(source.lstrip())] or "tab character" in text:
        return YamlError(line, column, "YAML tidak valid: indentasi memakai tab", _HINT_TAB)
    for needle, at_opening, message, hint in _EXPLAINED:
        if needle in text:
            mark = exc.context_mark if at_opening and exc.context_mark else problem_mark
            if mark:
                line, column = mark.line + 1, mark.column + 1
            return YamlError(line, column, f"YAML tidak valid: {message}", hint)
    if "cannot start any token" in text and 0 < column <= len(source):
        char = source[column - 1]
        return YamlError(line, column, f"YAML tidak valid: nilai tidak boleh diawali '{char}'",
                         f"apit nilainya dengan tanda kutip, misalnya title: \"{char}kabar\"")
    problem = exc.problem or exc.context or "kesalahan sintaks"
    return YamlError(line, column, f"YAML tidak valid: {problem}", _HINT_GENERAL)
