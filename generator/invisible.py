"""Characters that hide or reorder text: found, named, removed. Standard library only.

The policy (docs/reliability.md, "Invisible characters"), applied where text enters kabar
(YAML values of site.yaml and front matter, Markdown bodies, file names):

- bidirectional controls U+202A-U+202E and U+2066-U+2069 (the "Trojan Source" marks
  that make `txt.exe` read as `exe.txt`) and control characters (C0 but tab and line
  breaks, DEL, C1, the non-characters U+FFFE/U+FFFF, and the bytes of a file name that
  is not UTF-8) are removed **and reported**
  as a warning at their line: they are never needed in Indonesian or English text, and
  an operator should learn that a copied text carried them;
- zero-width space U+200B, word joiner U+2060 and U+FEFF (byte-order mark / zero-width
  no-break space) are removed silently: Word and web pages paste them all the time;
- zero-width joiner and non-joiner (U+200C, U+200D) stay: emoji sequences and some
  scripts need them, and a slug never carries them (slugs are ASCII).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u2060\ufeff"
#: Lone surrogates only come from file names that are not UTF-8 (os.fsdecode's escapes).
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
_REPORTED = re.compile(f"[{BIDI}{_CONTROL}]")
_ANY = re.compile(f"[{BIDI}{_CONTROL}{ZERO_WIDTH}]")
#: What `visible` shows by name: everything above plus line breaks other than \n.
_SHOWN = re.compile(f"[{BIDI}{_CONTROL}{ZERO_WIDTH}\r\u2028\u2029]")

Kind = Literal["bidi", "control"]


@dataclass(frozen=True, slots=True)
class Hidden:
    """A reported character: where it stood in the text (1-based line and column)."""

    line: int
    column: int
    char: str

    @property
    def kind(self) -> Kind:
        return "bidi" if self.char in BIDI else "control"

    @property
    def code(self) -> str:
        return code(self.char)


def code(char: str) -> str:
    """`U+202E`."""
    return f"U+{ord(char):04X}"


def remove(text: str) -> str:
    """`text` without the characters of the policy (reported and silent ones)."""
    return _ANY.sub("", text)


def find(text: str) -> list[Hidden]:
    """The reported characters of `text` (bidi and control), with line and column."""
    found = []
    for match in _REPORTED.finditer(text):
        start = match.start()
        line_start = text.rfind("\n", 0, start) + 1
        found.append(Hidden(text.count("\n", 0, start) + 1, start - line_start + 1,
                            match.group()))
    return found


def visible(text: str) -> str:
    """`text` safe to print on a terminal or in a log: hidden characters shown as <U+202E>."""
    return _SHOWN.sub(lambda m: f"<{code(m.group())}>", text)


def describe(found: list[Hidden]) -> tuple[str, str]:
    """(message, hint) for a warning about the reported characters of one place."""
    codes = ", ".join(dict.fromkeys(h.code for h in found))
    if any(h.kind == "bidi" for h in found):
        return (f"karakter pembalik arah teks yang tak terlihat ({codes}) dihapus",
                "karakter ini bisa membuat teks tampil terbalik atau menyamar (trik penipuan); "
                "ketik ulang teksnya, jangan menyalin dari pesan atau dokumen lain")
    return (f"karakter kendali yang tak terlihat ({codes}) dihapus",
            "biasanya terbawa saat menyalin dari aplikasi lain; ketik ulang bagian itu")
