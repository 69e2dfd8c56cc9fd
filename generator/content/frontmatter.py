"""Split a Markdown file into its YAML front matter and its body, keeping line numbers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Split:
    """The two halves of a content file."""

    header: str
    body: str
    header_line: int  # file line of the first header line (the line after '---')
    body_line: int  # file line where the body starts


@dataclass(frozen=True, slots=True)
class SplitError:
    """Why the file could not be split, in plain words."""

    line: int
    message: str
    hint: str


def split(text: str) -> Split | SplitError:
    """`---\\nyaml\\n---\\nbody` → Split; anything else → SplitError."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        if text.strip().startswith("---"):
            return SplitError(1, "ada baris kosong sebelum '---' pembuka front matter",
                              "hapus baris kosong di awal berkas; '---' harus di baris pertama")
        return SplitError(1, "berkas tidak diawali front matter",
                          "baris pertama harus '---', lalu title, date, dst., lalu '---' lagi")
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            header = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1:])
            return Split(header, body, 2, index + 2)
    return SplitError(1, "front matter tidak ditutup",
                      "tambahkan baris '---' (tiga tanda minus) setelah baris terakhir "
                      "front matter")
