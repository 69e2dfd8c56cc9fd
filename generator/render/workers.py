"""Pages rendered in forked worker processes, collected in order, when asked for.

A page is a pure function of the Site and the one Environment, so the work splits into
chunks of page numbers. Workers are forked after the pages are planned: they share the
plan, the Site and the compiled templates with the parent (copy-on-write) instead of
receiving a pickled copy, build each page's spec, and send back only its bytes and
problems.

With an explicit job count (`kabar build --jobs N`), N workers render and the parent only
collects. Every process that renders touches most of the Site (list pages show every
story), and Python's reference counts then copy the pages it shares, so each worker costs
about the Site's memory again (measured on 10,000 stories: 2 workers, +450 MB).

Without one, a large site (up to BESIDE_MAX_PAGES: the worker's memory grows to about
the parent's) on a machine with a second CPU gets one worker beside the parent
(`_beside`): the parent renders some chunks itself, and between them writes every page
(the build's consumer), while the worker renders the others. Chunks are handed to the
worker at most WINDOW ahead, so its finished pages wait in memory only that far, and
only while the two processes hold less than BUDGET_MB together: past it the worker
ends, and a new one is forked while the parent alone holds less than AGAIN_BELOW_MB
(else the parent renders the rest).
A process running other threads (kabar serve) renders serially, since forking those
could deadlock a child.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from generator.diagnostics import Diagnostic, Diagnostics
from generator.memory import pss_mb
from generator.workers import (
    chunks,
    cpus,
    forked_map,
    shared_with_workers,
    start_method,
    watch_parent,
)

CHUNK = 64
#: Fewer pages than this: no worker beside the parent (forking costs more than it saves).
BESIDE_MIN_PAGES = 2000
#: More pages than this: no worker beside the parent either. Its memory grows with what
#: it touches (reference counts copy the parent's memory pages it reads; the views it
#: makes are its own) to about the parent's size by the end of the stage. On 100,000
#: stories (205,224 pages) the build and the worker beside it held 2.9 GB together at
#: the end of the stage (3.35 GB before the build handed freed memory back before
#: forking, and its Markdown workers came from the fork server).
BESIDE_MAX_PAGES = 250_000
#: And the worker is handed no more chunks once the build's processes hold this much
#: together (PSS), and then ends, so a larger site's build stays under 3 GB: a new one
#: is forked (AGAIN_BELOW_MB) or the parent renders the rest alone. Looked at every
#: BUDGET_EVERY seconds.
BUDGET_MB = 2_600
BUDGET_EVERY = 2.0
#: A worker ended by the budget is forked again while the build alone holds less than
#: this, so the new one has room to render a while before the budget ends it too (on
#: 100,000 stories a worker added about 1.1 GB: see `_Worker`); at most MAX_WORKERS
#: workers in a stage.
AGAIN_BELOW_MB = 1_600
MAX_WORKERS = 3
#: Of every PATTERN chunks, the worker beside the parent renders those marked 1: the
#: parent also writes every page, so it renders fewer.
PATTERN = (0, 1, 1)
#: Chunks handed to the worker beside the parent before the parent has taken theirs.
WINDOW = 4

#: One page: its output path, its bytes (None when its template failed or it was kept), its
#: page-cache entry ("" for none) and whether the output already holds it (kept); then its
#: problems.
Page = tuple[str, bytes | None, str, bool]
Result = tuple[Page, tuple[Diagnostic, ...]]
Render = Callable[[int, Diagnostics], Page]

_RENDER: Render | None = None  # set in the parent just before forking; read by workers


def render_all(render: Render, count: int, workers: int | None) -> Iterator[Result]:
    """render(i, diags) for i in range(count), in order, in workers when worthwhile."""
    if _parallel(count, workers):
        return _forked(render, count, min(workers or 1, count))
    if _alongside(count, workers):
        return _beside(render, count)
    return (_one(render, n) for n in range(count))


def _parallel(count: int, workers: int | None) -> bool:
    return workers is not None and workers > 1 and count > 1 and start_method() == "fork"


def _alongside(count: int, workers: int | None) -> bool:
    return workers is None and BESIDE_MIN_PAGES <= count <= BESIDE_MAX_PAGES \
        and cpus() > 1 and start_method() == "fork"


def _beside(render: Render, count: int) -> Iterator[Result]:
    """One forked worker renders the chunks PATTERN gives it; the parent the rest."""
    global _RENDER
    _RENDER = render
    pages = chunks(count, CHUNK)
    theirs = iter([n for n in range(len(pages)) if PATTERN[n % len(PATTERN)]])
    pending: deque[tuple[int, Future[list[Result]]]] = deque()
    worker = _Worker()
    try:
        worker.start()

        def hand_on() -> None:
            number = None if worker.spent() else next(theirs, None)
            if number is not None:
                pending.append((number, worker.submit(_chunk, pages[number])))

        for _ in range(WINDOW):
            hand_on()
        for number, chunk in enumerate(pages):
            if pending and pending[0][0] == number:
                results = pending.popleft()[1].result()
                hand_on()
                yield from results
            else:
                yield from (_one(render, n) for n in chunk)
            if worker.over() and not pending:
                worker.end()  # its memory goes now, not at the end of the stage
                if worker.may_start_again():
                    worker.start()
                    for _ in range(WINDOW):
                        hand_on()
    finally:
        worker.end()
        _RENDER = None


class _Worker:
    """The one worker beside the build, within the budget: ended when the two processes
    hold BUDGET_MB, and forked again while the build alone holds less than
    AGAIN_BELOW_MB. A new worker shares the build's memory as it is then, so the tree
    starts again from about the build's own size: on 100,000 stories the build alone
    held 1.46 GB when the first worker ended at 2.6 GB, with a fifth of the pages left."""

    def __init__(self) -> None:
        self.started = 0
        self._pool: ProcessPoolExecutor | None = None
        self._budget: _Budget | None = None
        self._shared: contextlib.ExitStack | None = None

    def start(self) -> None:
        self._shared = contextlib.ExitStack()
        self._shared.enter_context(shared_with_workers())
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                                         initializer=watch_parent)
        self._budget = _Budget(self._pool.submit(os.getpid).result())
        self.started += 1

    def submit(self, function: Callable[[Sequence[int]], list[Result]],
               numbers: Sequence[int]) -> Future[list[Result]]:
        assert self._pool is not None
        return self._pool.submit(function, numbers)

    def spent(self) -> bool:
        """No more chunks for this worker: none running, or the budget is spent."""
        return self._budget is None or self._budget.spent()

    def over(self) -> bool:
        return self._budget is not None and self._budget.over

    def end(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
        if self._shared is not None:
            self._shared.close()
        self._pool = self._budget = self._shared = None

    def may_start_again(self) -> bool:
        build = pss_mb(os.getpid())
        return self.started < MAX_WORKERS and build is not None and build < AGAIN_BELOW_MB


class _Budget:
    """Whether the build and the worker beside it hold more than BUDGET_MB together:
    looked at every BUDGET_EVERY seconds, and once over, over for good."""

    def __init__(self, worker: int) -> None:
        self.worker, self.over = worker, False
        self.looked = time.monotonic()

    def spent(self) -> bool:
        if not self.over and time.monotonic() - self.looked >= BUDGET_EVERY:
            self.looked = time.monotonic()
            build, worker = pss_mb(os.getpid()), pss_mb(self.worker)
            # Unreadable (no /proc): no budget, as before there was one.
            self.over = build is not None and worker is not None and build + worker > BUDGET_MB
        return self.over


def _forked(render: Render, count: int, workers: int) -> Iterator[Result]:
    size = max(1, min(CHUNK, count // (workers * 4)))
    return forked_map(lambda number: _one(render, number), count, workers, size)


def _chunk(numbers: Sequence[int]) -> list[Result]:
    assert _RENDER is not None, "worker forked without its pages"
    return [_one(_RENDER, n) for n in numbers]


def _one(render: Render, number: int) -> Result:
    diags = Diagnostics()
    data = render(number, diags)
    return data, tuple(diags)

