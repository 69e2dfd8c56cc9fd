"""Notice saves under content/, themes/ and site.yaml, and coalesce a burst into one call.

The only module that imports watchdog. The watcher only says "something changed", and
whether the event ends a save (a file written and closed, or moved into place); the
Debouncer waits until the burst of saves is quiet (an editor writes a temp file, renames
it, touches the folder: several events for one save) and then calls the rebuild once.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

#: What the portal's source is made of, relative to its root.
WATCHED_DIRS = ("content", "themes")
WATCHED_FILES = ("site.yaml",)

#: Events that mean a file changed. Opened/closed-without-writing events are left out:
#: the build itself reads every file, and seeing those reads would rebuild forever. A
#: folder's own "modified" event only repeats the event of the file inside it.
_CHANGES: list[type[FileSystemEvent]] = [
    FileCreatedEvent, FileModifiedEvent, FileDeletedEvent, FileMovedEvent, FileClosedEvent,
    DirCreatedEvent, DirDeletedEvent, DirMovedEvent]


def relevant(rel: str) -> bool:
    """Whether a change at this portal-relative path can change the build.

    Editor leftovers (swap files, backups, vim's `4913` probe) and hidden files are
    ignored, as content discovery ignores them.
    """
    parts = rel.replace(os.sep, "/").split("/")
    if not parts or parts[0] not in (*WATCHED_DIRS, *WATCHED_FILES):
        return False
    if len(parts) == 1:
        return True
    return not any(p.startswith((".", "#")) or p.endswith(("~", ".swp", ".swx", ".tmp"))
                   or p == "4913" for p in parts)


class Debouncer:
    """Calls `action` in its own thread once pokes have stopped for `delay` seconds, or
    for `settled` seconds when the last poke ended a save (`poke(saved=True)`).

    A poke during the action schedules one more call after it, so the last save always
    wins. `max_wait` bounds the wait when something writes without pause.
    """

    def __init__(self, action: Callable[[], None], *, delay: float = 0.2,
                 settled: float | None = None, max_wait: float = 2.0) -> None:
        self._action, self._delay, self._max_wait = action, delay, max_wait
        self._settled = delay if settled is None else min(settled, delay)
        self._cond = threading.Condition()
        self._pending = False
        self._wait = delay  # the quiet the last poke asks for
        self._first = self._last = 0.0
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="kabar-rebuild", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def poke(self, saved: bool = False) -> None:
        """Something changed; `saved`: the event ends a save (the file is complete)."""
        with self._cond:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._pending, self._last = True, now
            self._wait = self._settled if saved else self._delay
            self._cond.notify_all()

    def stop(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while self._wait_for_quiet():
            self._action()

    def _wait_for_quiet(self) -> bool:
        """Block until a burst is over; False when stopped."""
        with self._cond:
            while not self._pending and not self._closed:
                self._cond.wait()
            while not self._closed:
                now = time.monotonic()
                quiet = now - self._last
                if quiet >= self._wait or now - self._first >= self._max_wait:
                    break
                self._cond.wait(min(self._wait - quiet, self._max_wait - (now - self._first)))
            self._pending = False
            return not self._closed


#: Events after which a file is complete: written and closed, or moved into place (an
#: editor's "write a temporary file, rename it over the old one").
_SAVED = (FileClosedEvent, FileMovedEvent)


class _Handler(FileSystemEventHandler):
    def __init__(self, root: Path, on_change: Callable[[str, bool], None]) -> None:
        self.root, self.on_change = root, on_change

    def on_any_event(self, event: FileSystemEvent) -> None:
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            path = os.fsdecode(raw)
            if not path:
                continue
            rel = os.path.relpath(path, self.root)
            if relevant(rel):
                self.on_change(rel.replace(os.sep, "/"), isinstance(event, _SAVED))
                return


class Watcher:
    """Watches the portal's sources; calls `on_change(portal-relative path, saved)` from its
    thread (`saved`: the event ends a save).

    content/ and themes/ are watched recursively, the root only for site.yaml and for the
    two folders appearing. `refresh()` (called before each rebuild) follows a folder that
    was created, deleted or replaced (a `git checkout`) since the last look.
    """

    def __init__(self, root: Path, on_change: Callable[[str, bool], None]) -> None:
        self.root = root.resolve()
        self._handler = _Handler(self.root, on_change)
        self._observer: BaseObserver = Observer()
        self._watches: dict[str, tuple[ObservedWatch, tuple[int, int]]] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        self._observer.schedule(self._handler, str(self.root), recursive=False,
                                event_filter=_CHANGES)
        self.refresh()
        self._observer.start()

    def refresh(self) -> None:
        with self._lock:
            for name in WATCHED_DIRS:
                self._follow(name)

    def _follow(self, name: str) -> None:
        folder = self.root / name
        try:
            stat = folder.stat()
            identity: tuple[int, int] | None = (stat.st_dev, stat.st_ino) if folder.is_dir() \
                else None
        except OSError:
            identity = None
        current = self._watches.get(name)
        if current is not None and current[1] == identity:
            return
        if current is not None:
            del self._watches[name]
            with contextlib.suppress(KeyError):  # its emitter ended with the deleted folder
                self._observer.unschedule(current[0])
        if identity is not None:
            watch = self._observer.schedule(self._handler, str(folder), recursive=True,
                                            event_filter=_CHANGES)
            self._watches[name] = (watch, identity)

    def stop(self, timeout: float = 5.0) -> None:
        self._observer.stop()
        if self._observer.is_alive():
            self._observer.join(timeout)
