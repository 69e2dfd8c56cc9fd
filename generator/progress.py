"""Build progress for people: a bar on a terminal, a plain line per stage in CI logs."""

from __future__ import annotations

from typing import TextIO

BAR_WIDTH = 24
#: Below this many steps a stage is too quick to deserve a bar.
MIN_STEPS_FOR_BAR = 200


class Progress:
    """Callable as progress(stage, done, total); draws or prints, never both."""

    def __init__(self, stream: TextIO, *, interactive: bool) -> None:
        self.stream = stream
        self.interactive = interactive
        self.last_percent = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.interactive and total >= MIN_STEPS_FOR_BAR:
            percent = done * 100 // max(total, 1)
            if percent != self.last_percent or done == total:
                self.last_percent = percent
                filled = BAR_WIDTH * done // max(total, 1)
                bar = "#" * filled + "." * (BAR_WIDTH - filled)
                end = "\n" if done == total else ""
                self.stream.write(f"\r[{bar}] {percent:3d}% {stage} {done}/{total}{end}")
                self.stream.flush()
        elif done == total:
            self.stream.write(f"{stage}: {total}\n")
            self.stream.flush()
        if done == total:
            self.last_percent = -1
