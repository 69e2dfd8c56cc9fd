"""What a build does before it forks workers that share its memory (workers.py)."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap

import pytest

from generator.workers import shared_with_workers

#: Texts like a stage's file texts (7 KB each, 140 MB), freed but every 50th: the holes
#: they leave are the memory the C allocator would keep.
FRAGMENTED = textwrap.dedent("""
    from generator.workers import release_free_memory

    def rss_mb():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024

    texts = [bytes(7000) + n.to_bytes(4, "little") for n in range(20_000)]
    kept = texts[::50]
    del texts
    before = rss_mb()
    release_free_memory()
    print(before, rss_mb(), len(kept))
""")


def test_memory_python_freed_goes_back_to_the_system_before_a_fork() -> None:
    # In a process of its own: the test's heap, not pytest's.
    done = subprocess.run([sys.executable, "-c", FRAGMENTED], capture_output=True, text=True,
                          check=True)
    before, after, kept = map(int, done.stdout.split())
    assert kept == 400
    assert before > 140  # the freed texts were still held by the allocator
    assert after < before - 100, (before, after)


def test_objects_are_frozen_while_workers_are_forked_and_thawed_after() -> None:
    held = [[n] for n in range(1000)]  # objects the collector tracks
    assert gc.get_freeze_count() == 0
    with shared_with_workers():
        assert gc.get_freeze_count() >= len(held)
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), shared_with_workers():
        raise RuntimeError("a worker failed")
    assert gc.get_freeze_count() == 0
