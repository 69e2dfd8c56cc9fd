"""How many worker processes the pure stages may use, and how to start them safely.

Standard library only; content/bodies.py (Markdown) and render/workers.py (pages) use it.
"""

from __future__ import annotations

import multiprocessing
import os
import threading


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
