"""Pages rendered in forked worker processes, collected in order; serial when that is safer.

A page is a pure function of its PageSpec and the one Environment, so the work splits
into chunks of pages. Workers are forked after the specs are built: they share them,
the Site and the compiled templates with the parent (copy-on-write) instead of
receiving a pickled copy, and send back only each page's bytes and problems. Forking a
process that runs other threads (kabar serve) can deadlock the child, so such a
process renders serially; so do small sites, where starting workers costs more than
it saves.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

from generator.diagnostics import Diagnostic, Diagnostics
from generator.workers import cpus, start_method

#: With no explicit job count, workers start only for at least this many pages.
MIN_PARALLEL = 500
CHUNK = 64

#: One page: its bytes (None when its template failed) and the problems it reported.
Result = tuple[bytes | None, tuple[Diagnostic, ...]]
Render = Callable[[int, Diagnostics], bytes | None]

_RENDER: Render | None = None  # set in the parent just before forking; read by workers


def render_all(render: Render, count: int, workers: int | None) -> Iterator[Result]:
    """render(i, diags) for i in range(count), in order, in workers when worthwhile."""
    if not _parallel(count, workers):
        return (_one(render, n) for n in range(count))
    return _forked(render, count, min(workers or cpus(), count))


def _parallel(count: int, workers: int | None) -> bool:
    wanted = workers if workers is not None else cpus()
    enough = count >= (2 if workers is not None else MIN_PARALLEL)
    return wanted > 1 and enough and start_method() == "fork"


def _forked(render: Render, count: int, workers: int) -> Iterator[Result]:
    global _RENDER
    _RENDER = render
    chunks = [range(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]
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

