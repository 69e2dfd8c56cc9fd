"""Bounds on what one story may contain, checked before Markdown sees it.

Python-Markdown's inline parser rescans from every '[' and recurses on nesting, so a
pasted or hostile text (20,000 '[' took 93 s here; 500 nested list levels overflow the
stack) could stall or crash CI. Real stories stay far below these limits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Deepest indentation (in columns, a tab counts 4) and blockquote nesting allowed.
MAX_INDENT = 200
MAX_QUOTE_DEPTH = 20
#: '[' opens a link, image or footnote; the parser's cost grows with their square.
MAX_BRACKETS_PER_BLOCK = 500
MAX_BRACKETS = 2000

_QUOTES = re.compile(r"^(?:\s*>)+")
#: An indentation deeper than MAX_INDENT columns needs this many characters (a tab is 4).
_LONG_INDENT = re.compile(rf"^\s{{{MAX_INDENT // 4},}}", re.M)


@dataclass(frozen=True, slots=True)
class LimitProblem:
    """A limit broken, located by its line in the body (1-based)."""

    line: int
    message: str
    hint: str


def check_body(body: str) -> LimitProblem | None:
    """The first limit the body breaks, or None."""
    if body.count("[") <= MAX_BRACKETS_PER_BLOCK and body.count(">") <= MAX_QUOTE_DEPTH \
            and not _LONG_INDENT.search(body):
        return None  # too few of each to break a limit: no need to look line by line
    return check_lines(body)


def check_lines(body: str) -> LimitProblem | None:
    """check_body, line by line."""
    total = 0
    block_brackets = 0
    for number, line in enumerate(body.split("\n"), start=1):
        if not line.strip():
            block_brackets = 0
            continue
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
        if indent > MAX_INDENT:
            return LimitProblem(number, "daftar atau kutipan bertingkat terlalu dalam",
                                "kurangi tingkat indentasi; paling dalam 100 tingkat daftar")
        quotes = _QUOTES.match(line)
        if quotes and quotes.group().count(">") > MAX_QUOTE_DEPTH:
            return LimitProblem(number, "kutipan (>) bertingkat terlalu dalam",
                                f"paling banyak {MAX_QUOTE_DEPTH} tingkat kutipan")
        count = line.count("[")
        block_brackets += count
        total += count
        if block_brackets > MAX_BRACKETS_PER_BLOCK or total > MAX_BRACKETS:
            return LimitProblem(number, "terlalu banyak tanda '[' (tautan, gambar, catatan kaki)",
                                f"paling banyak {MAX_BRACKETS_PER_BLOCK} dalam satu paragraf dan "
                                f"{MAX_BRACKETS} dalam satu cerita; pecah ceritanya atau hapus "
                                "tanda kurung siku yang tidak perlu")
    return None
