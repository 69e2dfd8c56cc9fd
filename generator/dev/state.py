"""What the dev server serves right now: the last good build and, if any, why the latest failed.

Written by the rebuild thread, read by every request thread; a Snapshot is immutable, so
a request sees one consistent build even while the next one is being swapped in. A build
is a `generator.preview.Preview`: its files are made when a request asks for them.
"""

from __future__ import annotations

import collections
import contextlib
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from generator.diagnostics import Diagnostic
from generator.preview import Preview


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One consistent view of the site for one request."""

    site: Preview | None  # the last good build (None before one)
    build: str  # names `site`: a page reloads when the build it came from is replaced
    problems: tuple[Diagnostic, ...]  # why the latest build failed; () when it succeeded
    version: int  # bumps whenever `build` or `problems` change (what /__kabar/events waits on)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def has_build(self) -> bool:
        return self.site is not None


class LiveSite:
    """The current Snapshot, and a way to wait for the next one."""

    def __init__(self) -> None:
        # The build name carries a per-process token, so a tab left open across a restart
        # of `kabar serve` reloads instead of mistaking the new build 1 for its old build 1.
        self._token = secrets.token_hex(4)
        self._count = 0
        self._cond = threading.Condition()
        self._closed = False
        self._snapshot = Snapshot(None, self._name(), (), 0)
        #: Build keys of the pages open tabs show (one count per event stream).
        self._watched: collections.Counter[str] = collections.Counter()

    def _name(self) -> str:
        return f"{self._token}-{self._count}"

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def closed(self) -> bool:
        return self._closed

    def succeeded(self, site: Preview) -> bool:
        """Serve a new build; True when its inputs differ from the previous good build's
        (`Preview.key`). An unchanged one keeps the previous build, and its rendered pages."""
        with self._cond:
            old = self._snapshot
            changed = old.site is None or old.site.key != site.key
            if not changed and old.ok:
                return False
            if changed:
                self._count += 1
            self._publish(site if changed else old.site, self._name(), ())
            return changed

    def failed(self, problems: tuple[Diagnostic, ...]) -> None:
        """Keep serving the last good build, and say why the latest one failed."""
        with self._cond:
            old = self._snapshot
            if problems != old.problems:
                self._publish(old.site, old.build, problems)

    def _publish(self, site: Preview | None, build: str,
                 problems: tuple[Diagnostic, ...]) -> None:
        self._snapshot = Snapshot(site, build, problems, self._snapshot.version + 1)
        self._cond.notify_all()

    def wait(self, version: int, timeout: float) -> Snapshot | None:
        """The snapshot once its version differs from `version`; None on timeout or close."""
        with self._cond:
            self._cond.wait_for(lambda: self._closed or self._snapshot.version != version,
                                timeout)
            if self._closed or self._snapshot.version == version:
                return None
            return self._snapshot

    @contextlib.contextmanager
    def watching(self, key: str | None) -> Iterator[None]:
        """While the block runs, a tab shows the page at build key `key` (None: unknown)."""
        if key is not None:
            with self._cond:
                self._watched[key] += 1
        try:
            yield
        finally:
            if key is not None:
                with self._cond:
                    self._watched[key] -= 1
                    if not self._watched[key]:
                        del self._watched[key]

    def watched(self) -> list[str]:
        """Build keys of the pages open tabs show, sorted."""
        with self._cond:
            return sorted(self._watched)

    def close(self) -> None:
        """Wake every waiter so that event streams end and the server can stop."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
