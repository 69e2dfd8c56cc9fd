"""Pages rendered in forked worker processes, collected in order, when asked for.

A page is a pure function of the Site and the one Environment, so the work splits into
chunks of page numbers. Workers are forked after the pages are planned: they share the
plan, the Site and the compiled templates with the parent (copy-on-write) instead of
receiving a pickled copy, build each page's spec, and send back only its bytes and
problems.

Only with an explicit job count (`kabar build --jobs N`): every process that renders
touches most of the Site (list pages show every story), and Python's reference counts
then copy the pages it shares, so each worker costs about the Site's memory again
(measured on 10,000 stories: 2 workers, +450 MB). A process running other threads (kabar
serve) renders serially, since forking those could deadlock a child.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

from generator.diagnostics import Diagnostic, Diagnostics
from generator.workers import start_method

CHUNK = 64

#: One page: its output path, its bytes (None when its template failed or it was kept), its
#: page-cache entry ("" for none) and whether the output already holds it (kept); then its
#: problems.
Page = tuple[str, bytes | None, str, bool]
Result = tuple[Page, tuple[Diagnostic, ...]]
Render = Callable[[int, Diagnostics], Page]

_RENDER: Render | None = None  # set in the parent just before forking; read by workers


def render_all(render: Render, count: int, workers: int | None) -> Iterator[Result]:
    """render(i, diags) for i in range(count), in order, in workers when worthwhile."""
    if not _parallel(count, workers):
        return (_one(render, n) for n in range(count))
    return _forked(render, count, min(workers or 1, count))


def _parallel(count: int, workers: int | None) -> bool:
    return workers is not None and workers > 1 and count > 1 and start_method() == "fork"


def _forked(render: Render, count: int, workers: int) -> Iterator[Result]:
    global _RENDER
    _RENDER = render
    size = max(1, min(CHUNK, count // (workers * 4)))
    chunks = [range(start, min(start + size, count)) for start in range(0, count, size)]
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for results in pool.map(_chunk, chunks):
                yield from results
    finally:
        _RENDER = None


def _chunk(numbers: Sequence[int]) -> list[Result]:
    assert _RENDER is not None, "worker forked without its pages"
    return [_one(_RENDER, n) for n in numbers]


def _one(render: Render, number: int) -> Result:
    diags = Diagnostics()
    data = render(number, diags)
    return data, tuple(diags)

