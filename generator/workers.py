"""How many worker processes the pure stages may use, and how to start them safely.

Standard library only; content/ (front matter and Markdown) and render/workers.py (pages)
use it, and build.py runs the sitemaps and feeds beside the pages (`Background`).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Generic, TypeVar

from generator.memory import release_free_memory

T = TypeVar("T")


def cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def start_method() -> str | None:
    """'fork' in a single-threaded process: workers share the parent's memory (the Site,
    the compiled templates) and nothing is pickled to start them, and the parent waits
    for them, so their time counts as the build's. 'forkserver' when other threads run
    (kabar serve): forking those could deadlock a child. None where neither exists."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else None


@contextlib.contextmanager
def shared_with_workers() -> Generator[None, None, None]:
    """Around forking workers that share this process's memory (copy-on-write).

    First the memory Python has freed but the C allocator still holds goes back to the
    system (`memory.release_free_memory`), so the build does not go on holding it beside
    its workers. Then the process's objects are frozen, so a worker's cycle collector
    does not visit them: a visit writes to an object and so copies its memory page into
    the worker.
    """
    release_free_memory()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def fresh_start_method() -> str | None:
    """'forkserver' where it exists, else `start_method()`: for workers that need only what
    they are sent (the Markdown bodies and the links they may resolve). They start from a
    small server process instead of from the build, and so neither share nor copy its
    memory (in one pair of 100k runs, forked from the build they took 6.1 ms of CPU per
    body and 4.4 ms from the server; a noisy measurement, see docs/performance.md)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        return "forkserver"
    return start_method()


def chunks(count: int, size: int) -> list[range]:
    """0..count-1 in runs of `size`."""
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


def forked_map(call: Callable[[int], T], count: int, processes: int, chunk: int,
               ) -> Iterator[T]:
    """call(n) for n in range(count) in `processes` forked workers, `chunk` numbers at a
    time; the results in order. Only for a process where `start_method()` is "fork".

    The workers are forked when the first chunk is handed out, so `call` and all it
    reaches (the files read, the configuration) are shared with them, not pickled: only
    the numbers go to them and the results come back. The parent's objects are frozen
    meanwhile, so a worker's cycle collector does not write to (and so copy) them.
    """
    global _CALL
    _CALL = call
    try:
        with shared_with_workers(), ProcessPoolExecutor(
                processes, mp_context=multiprocessing.get_context("fork"),
                initializer=watch_parent) as pool:
            for results in pool.map(_call_chunk, chunks(count, chunk)):
                yield from results
    finally:
        _CALL = None


_CALL: Callable[[int], Any] | None = None  # set in the parent just before forking


def _call_chunk(numbers: Sequence[int]) -> list[Any]:
    assert _CALL is not None, "worker forked without its call"
    return [_CALL(n) for n in numbers]


def watch_parent() -> None:
    """In a pool's worker: end this process soon after the build that started it is gone.
    A build killed outright cannot shut its pool down, and its workers would wait forever
    for work, holding their memory and, inherited through fork, the output folder's lock,
    so every later build found "another build writing". A forked worker watches its own
    parent; one started by the fork server (whose parent is that server, kept alive by its
    workers) watches the build that asked for it."""
    parent = os.getppid()
    build = multiprocessing.parent_process()
    started_by = build.pid if build is not None and build.pid != parent else None

    def watch() -> None:
        # An orphan is handed to another process; a build killed is gone, or a zombie
        # until whatever started it waits for it.
        while os.getppid() == parent and (started_by is None or _running(started_by)):
            time.sleep(PARENT_POLL)
        os._exit(1)

    threading.Thread(target=watch, name="kabar-watch-parent", daemon=True).start()


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1]
        return state.split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except (OSError, IndexError):  # no /proc here: whether a signal would reach it
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except OSError:
            pass
        return True


PARENT_POLL = 0.5  # seconds


class Child:
    """A forked child process running `target(*args)`; `close()` ends it if it still runs,
    and waits for it. Forked: it shares the parent's memory, nothing is pickled to start
    it. A daemon, ended when the parent exits; a parent killed outright cannot end it, so
    it watches for that itself (`watch_parent`)."""

    def __init__(self, target: Callable[..., None], *args: Any) -> None:
        context = multiprocessing.get_context("fork")
        self.process: Any = context.Process(target=_child, args=(target, *args), daemon=True)
        self.process.start()

    def close(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.is_alive():
            process.kill()
        process.join()


def _child(target: Callable[..., None], *args: Any) -> None:
    watch_parent()  # a killed build cannot end it (a daemon ends with a clean exit only)
    target(*args)


class Background(Generic[T]):
    """`call()` made in a forked child while this process goes on; `result()` waits for it.

    For a pure stage whose result is small next to its work (the sitemaps and feeds: a
    few megabytes of XML from every story of the Site), so the machine's second CPU makes
    it while the first renders pages. The child shares the parent's memory (fork) and
    sends back only the pickled result through a pipe. No thread is started in the parent
    (a thread there would keep the page workers from forking). When the child fails in
    any way, `result()` makes the call here, so its error, if any, is raised as usual.
    Without `fork`, `result()` simply makes the call.
    """

    def __init__(self, call: Callable[[], T], *, fork: bool) -> None:
        self.call = call
        self.child: Child | None = None
        self.receive: Any = None
        self.taken: tuple[bool, Any] | None = None  # what `collect` received
        if fork:
            self.receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
            self.child = Child(_send, call, send)
            send.close()  # the child's end: EOF here when the child is gone

    @property
    def forked(self) -> bool:
        return self.child is not None

    def collect(self) -> None:
        """Take the child's result now if it has sent it (kept for `result()`), so that the
        child ends and its memory goes while the build goes on. A child still at work is
        left for `result()`; one that has begun to send is read to the end. (A child
        holds a private copy of what it touched; waiting for the last page to take its
        result kept 150 MB of it alive through the page stage of a 10k build.)"""
        if self.child is None or self.taken is not None:
            return
        try:
            if not self.receive.poll():
                return
        except (OSError, EOFError):
            return
        self.taken = self._receive()

    def result(self) -> T:
        done, value = self.taken if self.taken is not None else self._receive()
        return value if done else self.call()

    def _receive(self) -> tuple[bool, Any]:
        """(True, the child's result) or (False, None): no child, or it failed."""
        if self.child is None:
            return False, None
        try:
            taken: tuple[bool, Any] = self.receive.recv()
        except (EOFError, OSError):  # the child died before it sent anything
            taken = False, None
        finally:
            self.close()
        return taken

    def close(self) -> None:
        """Stop waiting: the child is ended if it still runs (a build that failed)."""
        if self.child is None:
            return
        child, self.child = self.child, None
        self.receive.close()
        child.close()


def _send(call: Callable[[], Any], send: Any) -> None:
    try:
        value = call()
    except BaseException:
        send.send((False, None))
    else:
        send.send((True, value))
    send.close()
