"""Story pages → the Pagefind search index under /pagefind/ (the one pagefind module).

Pagefind reads the rendered story HTML in memory. What it indexes is decided by the theme's
`data-pagefind-*` attributes (docs/themes.md): the story `<article data-pagefind-body>`
holds the title and body, boilerplate is `data-pagefind-ignore`, and filters (kabupaten,
kecamatan, kategori, tahun, penulis), the sort key `date` and the metadata shown with a
result (image, date, region) sit on the story's own elements. Only public stories are
indexed (published, not scheduled, not expired: `StoryMeta.public`); fact checks
(`Site.factchecks`, their own section at /cek-fakta/) are not yet. The site language picks
the stemmer (`id`: Snowball Indonesian, so "pembangunan"
finds "membangun").

Translations (`/en/berita/…`, `Site.translations`) are left out: the index holds the site's
language only. /cari/ is a page in the site language, and pagefind.js loads the index of
its page's `<html lang>`, so an English index would never be searched; English words would
also be cut by the Indonesian stemmer and English versions would show up next to their
originals. A reader finds the original and reaches the translation by its language switch
(docs/architecture.md, "Translations").

Determinism: Pagefind's service answers requests one at a time in the order received and
numbers pages in that order, so the stories are always sent in the site's order (newest
first, then URL), whatever order the pages come in. The same HTML then gives the same
fragments, word index and scripts. The filter files and the meta file that lists them come
out of pagefind 1.5.2 in the order of a Rust HashMap, seeded at random in every run
(Pagefind/pagefind#638), so `_canonical` puts them in order: filter values and the filter
list sorted, re-encoded (CBOR, gzip without a time stamp) and named by a hash of their
content, as Pagefind names them; `pagefind-entry.json` names the new meta file. pagefind.js
only follows these names (entry → meta → filter), so the index searches the same, and two
builds of the same site are byte-identical again (docs/architecture.md, "Determinism").
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import json
from collections.abc import Callable, Coroutine, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar, cast

from pagefind.index import IndexConfig
from pagefind.service import PagefindService, get_executable

from generator import urls
from generator.model import Output, Site
from generator.structure.search import search_bundles

__all__ = ["search_index"]

T = TypeVar("T")

#: Pagefind's own ready-made UIs; the default theme has its own small module (search.js)
#: on top of pagefind.js, so these ~420 KB are left out of the output.
UI_FILES = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.",
            "pagefind-highlight.")

#: One answer of the service may carry the whole index (get_files), base64-encoded.
MAX_MESSAGE = 2**31
#: Pages on their way to the binary at once: enough to hide the round trips, few enough
#: that the Python side holds a handful of pages, not a copy of the site (10,000: 600 MB).
IN_FLIGHT = 32


def search_index(site: Site, pages: Mapping[str, bytes]) -> list[Output]:
    """The Pagefind bundle (pagefind.js, its worker, wasm, index, fragments, filters), and
    on a portal over `search.split_at` public stories one more index per older group of
    years (structure/search.py), each built by a pagefind process of its own, one after
    the other, so the build holds one index at a time.

    `pages`: output path → rendered page. Each story page is read from it just before it
    is sent (`kabar build` reads it back from the staging folder), so at most IN_FLIGHT
    pages are in memory here."""
    # site.stories: the site language only; site.translations are not indexed (see above).
    # Public: published, its time has come (a scheduled story in a --drafts preview is
    # not), not expired (those are in site.unlisted anyway).
    if not site.config.search.enabled:
        return []
    outputs: list[Output] = []
    for bundle in search_bundles(site):
        wanted = [(s.url, path) for s in bundle.stories
                  if (path := urls.output_path(s.url)) in pages]
        if not wanted:
            continue
        documents = ((url, pages[path]) for url, path in wanted)
        files = _canonical(_run_async(partial(_index, documents, site.config.language)))
        keep = _wanted if bundle.primary else _wanted_merged
        outputs += (Output(urls.output_path(bundle.url + name), data)
                    for name, data in files if keep(name))
    return sorted(outputs, key=lambda o: o.path)


def _wanted(name: str) -> bool:
    return not name.startswith(UI_FILES)


def _wanted_merged(name: str) -> bool:
    """An older part is merged into the primary bundle's Pagefind (mergeIndex), which
    searches it with its own wasm: it needs its entry, meta file and chunks only."""
    return name == "pagefind-entry.json" or name.endswith(".pf_meta") or \
        name.startswith(("index/", "fragment/", "filter/"))


#: What every index file holds once un-gzipped, before its JSON or CBOR.
SIGNATURE = b"pagefind_dcd"
#: The version whose meta file layout `_canonical` knows (pyproject pins it).
VERSION = "1.5.2"


def _canonical(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The bundle with its HashMap-ordered files put in order (see the module docstring).

    A filter file is `[name, [[value, [page numbers]], …]]`: its values are sorted. The meta
    file is `[version, pages, index chunks, filters, sorts, metadata fields]`, where
    `filters` is `[[name, filter file hash], …]` and `sorts` `[[name, page order], …]`:
    both are sorted by name and the filter hashes follow the renamed filter files. Anything
    else about the layout raises: the layout belongs to the pinned Pagefind version.
    """
    kept: list[tuple[str, bytes]] = []
    filters: dict[str, str] = {}  # old hash → new hash
    metas: dict[str, bytes] = {}  # old meta hash → its file's CBOR
    entry = b""
    for name, data in files:
        if name.startswith("filter/") and name.endswith(".pf_filter"):
            old = name.removeprefix("filter/").removesuffix(".pf_filter")
            filter_name, values = _cbor_loads(_unpack(data))
            raw = _cbor_dumps([filter_name, sorted(values, key=lambda v: v[0])])
            filters[old] = _content_name(old, raw, 7)
            kept.append((f"filter/{filters[old]}.pf_filter", _pack(raw)))
        elif name.startswith("pagefind.") and name.endswith(".pf_meta"):
            metas[name.removeprefix("pagefind.").removesuffix(".pf_meta")] = _unpack(data)
        elif name == "pagefind-entry.json":
            entry = data
        else:
            kept.append((name, data))
    renamed: dict[str, str] = {}
    for old, raw in metas.items():
        meta = _cbor_loads(raw)
        if not (isinstance(meta, list) and len(meta) == 6 and meta[0] == VERSION):
            raise RuntimeError(f"pagefind meta file of an unknown layout: {meta!r:.200}")
        meta[3] = sorted([name, filters[hash_]] for name, hash_ in meta[3])
        meta[4] = sorted(meta[4], key=lambda sort: sort[0])
        raw = _cbor_dumps(meta)
        renamed[old] = _content_name(old, raw, 10)
        kept.append((f"pagefind.{renamed[old]}.pf_meta", _pack(raw)))
    if entry:
        index = json.loads(entry)
        for language in index["languages"].values():
            language["hash"] = renamed[language["hash"]]
        kept.append(("pagefind-entry.json", json.dumps(
            index, ensure_ascii=False, separators=(",", ":")).encode("utf-8")))
    return kept


def _content_name(old: str, raw: bytes, length: int) -> str:
    """`id_0123abc`: the language part of Pagefind's name, then a hash of the content."""
    return f"{old.partition('_')[0]}_{hashlib.sha256(raw).hexdigest()[:length]}"


def _unpack(data: bytes) -> bytes:
    raw = gzip.decompress(data)
    if not raw.startswith(SIGNATURE):
        raise RuntimeError(f"pagefind file without its signature: {raw[:12]!r}")
    return raw[len(SIGNATURE):]


def _pack(raw: bytes) -> bytes:
    return gzip.compress(SIGNATURE + raw, compresslevel=9, mtime=0)


def _cbor_loads(data: bytes) -> Any:
    """The CBOR subset Pagefind's filter and meta files use: unsigned integers, text
    strings and arrays of definite length (anything else raises)."""
    value, end = _cbor_item(data, 0)
    if end != len(data):
        raise RuntimeError("pagefind CBOR with trailing bytes")
    return value


def _cbor_item(data: bytes, at: int) -> tuple[Any, int]:
    major, info = data[at] >> 5, data[at] & 0x1F
    at += 1
    if info < 24:
        arg = info
    elif info <= 27:
        size = 1 << (info - 24)
        arg, at = int.from_bytes(data[at:at + size], "big"), at + size
    else:
        raise RuntimeError(f"pagefind CBOR item {data[at - 1]:#x} not understood")
    if major == 0:
        return arg, at
    if major == 3:
        return data[at:at + arg].decode("utf-8"), at + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, at = _cbor_item(data, at)
            items.append(item)
        return items, at
    raise RuntimeError(f"pagefind CBOR of major type {major} not understood")


def _cbor_dumps(value: Any) -> bytes:
    """The inverse of `_cbor_loads`, in CBOR's shortest form (as Pagefind writes it)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return _cbor_head(0, value)
    if isinstance(value, str):
        encoded = value.encode("utf-8")
        return _cbor_head(3, len(encoded)) + encoded
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(_cbor_dumps(item) for item in value)
    raise RuntimeError(f"cannot write {type(value).__name__} as pagefind CBOR")


def _cbor_head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | info]) + arg.to_bytes(size, "big")
    raise RuntimeError(f"integer {arg} too large for CBOR")


def _run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run, also when the caller already runs an event loop in this thread (a
    notebook, Playwright's sync API): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


async def _index(documents: Iterable[tuple[str, bytes]], language: str,
                 ) -> list[tuple[str, bytes]]:
    """Add every page (in order, pipelined) and return the bundle's files."""
    service = await _Service().launch()
    try:
        index = await service.create_index(IndexConfig(force_language=language))
        # A task writes its request before it first waits, and tasks start in the order
        # they are made, so pages are sent, numbered and answered in order: pipelining only
        # saves the round trips. At most IN_FLIGHT pages are decoded and encoded at once.
        sending: set[asyncio.Task[Any]] = set()
        for url, data in documents:
            if len(sending) >= IN_FLIGHT:
                done, sending = await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
            sending.add(asyncio.ensure_future(
                index.add_html_file(content=data.decode("utf-8"), url=url)))
        await asyncio.gather(*sending)
        files = await index.get_files()
    finally:
        await service.close()
    return [(f["path"], f["content"]) for f in files]


class _Service(PagefindService):
    """pagefind 1.5.2's service, with a reader that keeps up with the binary.

    The wrapper's reader sleeps 0.1 s before reading each answer, which caps indexing at
    ten pages a second (36 stories: 3.6 s; 10,000: 17 minutes), and it reads with a 2 MiB
    line limit that the answer to get_files (the whole index) outgrows on a few hundred
    stories, after which it waits forever. This reader reads answers as they come, allows
    large answers, and fails every waiting request if the binary dies or talks nonsense.
    """

    async def launch(self) -> _Service:
        executable = get_executable()
        if executable is None:
            raise RuntimeError("the pagefind binary is missing: pip install 'pagefind[bin]'")
        self._backend = await asyncio.create_subprocess_exec(
            executable, "--service", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            limit=MAX_MESSAGE)
        self._poll_task = self._loop.create_task(self._wait_for_responses())
        return self

    async def _wait_for_responses(self) -> None:
        stdout = self._backend.stdout
        assert stdout is not None
        try:
            while True:
                message = await stdout.readuntil(b",")
                answer = cast(dict[str, Any], json.loads(base64.b64decode(message[:-1])))
                future = self._responses.get(answer.get("message_id", -1))
                if future is None or future.done():
                    continue
                payload = answer["payload"]
                if payload["type"] == "Error":
                    future.set_exception(RuntimeError(f"pagefind: {payload['message']}"))
                else:
                    future.set_result(payload)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # EOF, a garbled answer: nobody may wait forever
            for future in self._responses.values():
                if not future.done():
                    future.set_exception(RuntimeError(f"pagefind stopped answering: {error!r}"))

