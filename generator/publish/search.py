"""Story pages → the Pagefind search index under /pagefind/ (the one pagefind module).

Pagefind reads the rendered story HTML in memory. What it indexes is decided by the theme's
`data-pagefind-*` attributes (docs/themes.md): the story `<article data-pagefind-body>`
holds the title and body, boilerplate is `data-pagefind-ignore`, and filters (kabupaten,
kecamatan, kategori, tahun, penulis), the sort key `date` and the metadata shown with a
result (image, date, region) sit on the story's own elements. Only published stories are
indexed; the site language picks the stemmer (`id`: Snowball Indonesian, so "pembangunan"
finds "membangun").

Determinism: Pagefind's service answers requests one at a time in the order received and
numbers pages in that order, so the stories are always sent in the site's order (newest
first, then URL), whatever order the pages come in. The same HTML then gives the same
fragments, word index and scripts; only the filter files and the meta file that lists them
come out in a random order (a Rust HashMap in pagefind 1.5.2; docs/architecture.md).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

from pagefind.index import IndexConfig
from pagefind.service import PagefindService, get_executable

from generator import urls
from generator.model import Output, Site

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


def search_index(site: Site, pages: Sequence[Output]) -> list[Output]:
    """The Pagefind bundle (pagefind.js, its worker, wasm, index, fragments, filters)."""
    wanted = {urls.output_path(s.url) for s in site.stories if s.meta.status == "published"}
    html = {o.path: o.data for o in pages if o.path in wanted}
    documents = [(s.url, html[path]) for s in site.stories
                 if (path := urls.output_path(s.url)) in html]
    if not documents:  # nothing to find: /cari/ says so and loads no script
        return []
    files = _run_async(lambda: _index(documents, site.config.language))
    bundle = urls.search_bundle()
    return sorted((Output(urls.output_path(bundle + name), data) for name, data in files
                   if not name.startswith(UI_FILES)), key=lambda o: o.path)


def _run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run, also when the caller already runs an event loop in this thread (a
    notebook, Playwright's sync API): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


async def _index(documents: list[tuple[str, bytes]], language: str) -> list[tuple[str, bytes]]:
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

