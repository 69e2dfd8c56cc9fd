"""Rendered bodies kept in a temporary file instead of memory, for the length of a build.

A body's HTML is the largest thing a Story record holds (about 12 KB on the benchmark
corpus: 1.2 GB of a 100,000-story build), and each is read once or twice per build (its
page, its feed entry). `kabar build` therefore writes every body into one unnamed
temporary file as it comes from the cache or a worker, and the record keeps a small
handle: the offset, the length and a digest of the bytes. `str(handle)` reads them back
with `os.pread`, which needs no shared file position, so forked page workers read the same
file safely. The file is deleted by the system when the last handle is gone.

In a template a handle prints as a `str` of the same HTML would: `{{ story.body_html|safe }}`
(Jinja's `safe` makes `Markup(handle)`, which takes `str(handle)`) prints it as HTML, and
without `|safe` autoescape escapes it. It has no `__html__`, on purpose: that would print
it unescaped where a `str` (kabar serve's body) is escaped.

A handle compares and hashes by its digest: two handles are equal exactly when their
bytes are. The page cache keys a page by that digest instead of pickling the HTML
(render/pagecache.py). `kabar serve` keeps bodies in memory: its memo reuses them across
rebuilds. Standard library only (layer 0: content writes handles, render reads them).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import weakref
from typing import IO


class Spill:
    """One build's temporary file of bodies: `keep(html)` → a handle that reads it back.

    A temporary file that cannot be made or written (no writable temporary folder, a
    full disk) costs memory, never the build: from then on `keep` returns the text itself.
    """

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._writable = False
        self._end = 0
        try:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as its handles)
        except OSError:
            return
        self._writable = True
        # Handles keep their Spill alive; with the last one gone the file is closed (and so
        # deleted by the system), without an unclosed-file warning.
        weakref.finalize(self, self._file.close)

    def keep(self, html: str) -> SpilledHtml | str:
        return self.keep_bytes(html.encode("utf-8"))

    def keep_bytes(self, data: bytes) -> SpilledHtml | str:
        """`keep` for HTML already in UTF-8 (a body from the Markdown cache); without a
        file, the text itself."""
        if not self._writable or self._file is None:
            return data.decode("utf-8")
        offset = self._end
        written = 0
        try:
            while written < len(data):  # pwrite may write less than asked
                written += os.pwrite(self._file.fileno(), data[written:], offset + written)
        except OSError:
            self._writable = False  # the handles made so far still read; nothing more goes in
            return data.decode("utf-8")
        self._end += len(data)
        return SpilledHtml(self, offset, len(data), hashlib.blake2b(data, digest_size=20).digest())

    def read(self, offset: int, length: int) -> str:
        assert self._file is not None, "a handle exists only for a spill with a file"
        data = os.pread(self._file.fileno(), length, offset)
        if len(data) != length:  # the file was cut short under us: not a user mistake
            raise OSError(f"rendered body at {offset} of the build's spill file is incomplete")
        return data.decode("utf-8")


class SpilledHtml:
    """A body's HTML in a `Spill`; `str()` reads it."""

    __slots__ = ("_length", "_offset", "_spill", "digest")

    def __init__(self, spill: Spill, offset: int, length: int, digest: bytes) -> None:
        self._spill, self._offset, self._length = spill, offset, length
        self.digest = digest  # blake2b of the UTF-8 bytes: equal digests, equal HTML

    def __str__(self) -> str:
        return self._spill.read(self._offset, self._length)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SpilledHtml):
            return self.digest == other.digest
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.digest)

    def __repr__(self) -> str:
        return f"SpilledHtml({self._length} bytes, {self.digest.hex()[:12]})"

    def __reduce__(self) -> str | tuple[object, ...]:
        # Its file belongs to this process; a copy elsewhere could not read it. (The page
        # cache does not come here: it reduces a handle to its digest.)
        raise TypeError("a spilled body cannot leave the build that wrote it")
