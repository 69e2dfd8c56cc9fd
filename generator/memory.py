"""How much memory a process holds, and freed memory handed back to the system.

Linux and glibc; elsewhere `pss_mb` knows nothing (None) and `release_free_memory` does
nothing. Standard library only.
"""

from __future__ import annotations

import ctypes
from pathlib import Path


def pss_mb(pid: int) -> int | None:
    """The process's proportional set size in MB: its own memory, plus its share of the
    memory it shares with others (a forked worker and the build), so that the PSS of a
    build's processes adds up to what they hold together. None when it cannot be read."""
    try:
        with Path(f"/proc/{pid}/smaps_rollup").open(encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def release_free_memory() -> None:
    """Hand back to the system the heap memory Python has freed but the C allocator still
    holds (glibc's `malloc_trim`): the file texts of the front matter and Markdown stages
    leave holes, 65 MB of a 185 MB build process on 10,000 stories."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # glibc only
    if trim is not None:
        trim(0)
