"""`kabar serve`: build in memory, serve on 127.0.0.1, rebuild on save, reload the browser.

Layer: beside cli, above build. dev imports build, diagnostics, model, urls and config;
only cli imports dev. It never writes output/: each build lives in a dict that the server
answers from. A failed rebuild keeps the last good build on screen with the diagnostics
drawn over it; a crash inside kabar is reported the same way and never stops the server.
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from types import FrameType

from generator.dev.server import DevServer, is_loopback
from generator.dev.state import LiveSite
from generator.dev.watch import Debouncer, Watcher
from generator.diagnostics import BuildFailed, Diagnostic, format_report, relpath
from generator.preview import Preview, Previewer

__all__ = ["Rebuilder", "serve"]

#: How long a burst of saves must be quiet before the rebuild starts. An editor's save
#: (temp file, rename, touch) takes a few milliseconds; a save during a rebuild gets
#: one more rebuild after it (Debouncer), so a short wait only ever costs a rebuild.
DEBOUNCE = 0.05
#: The same after an event that ends a save (the file closed after writing, or moved
#: into place): what follows in the same save comes within a millisecond or two.
SETTLED = 0.01

Log = Callable[[str], None]


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _stdout(text: str) -> None:
    print(text, flush=True)


class Rebuilder:
    """One rebuild into a LiveSite; never raises, whatever the portal looks like.

    Stages 1-3 run in full (with the content memo); pages and the other files are made
    when the browser asks for them (generator/preview.py).
    """

    def __init__(self, root: Path, live: LiveSite, log: Log = _stderr,
                 before: Callable[[], None] | None = None) -> None:
        self.root, self.live, self.log, self.before = root, live, log, before
        # Serve always shows drafts and stories under review, with their badge and
        # noindex, so operators can read them before they are published.
        self.preview = Previewer(root)
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            if self.live.closed:  # serve is stopping: no build, no output at exit
                return
            if self.before is not None:
                self.before()
            # No cycle collection while the preview is made: a rebuild allocates hundreds
            # of thousands of objects, and each full collection it set off walked every
            # one of them, and the previous preview's (0.2-0.4 s a save on 10,000 stories).
            # What survives a good rebuild is frozen below, so later collections walk only
            # what was made after it.
            gc.disable()
            try:
                self._rebuild()
            finally:
                gc.enable()

    def _rebuild(self) -> None:
        """Make a preview and publish it, or publish why it could not be made."""
        try:
            result = self.preview()
        except BuildFailed as exc:
            # Notes (a story waiting for review) are not why a build failed.
            problems = tuple(d for d in exc.diagnostics if d.severity != "info")
            self.log(format_report(problems))
            self.log(f"gagal: {len(exc.diagnostics.errors)} kesalahan. Peramban tetap "
                     "menampilkan hasil terakhir yang berhasil; simpan perbaikannya.")
        except OSError as exc:  # a file vanished or was half-written mid-build
            problems = (self._vanished(exc),)
            self.log(problems[0].format())
        except Exception as exc:  # a bug in kabar must not stop the server
            self.log(traceback.format_exc().rstrip())
            problems = (Diagnostic(
                path="kabar", line=0, message=f"kesalahan di kabar: {type(exc).__name__}: "
                f"{exc}", hint="ini bukan kesalahan konten Anda; lihat terminal dan mohon "
                "laporkan"),)
        else:
            changed = self.live.succeeded(result)
            if changed:
                self._prepare(result)
            # The preview and the memo (every story's parsed front matter and body)
            # live until the next save: moved out of the cycle collector's sight, no
            # collection walks them again (seconds on 10,000 stories). Refcounting
            # still frees them when they are replaced: a preview holds no reference
            # cycle (the Jinja environment, which has some, is kept while the theme
            # is unchanged: render.Theme).
            gc.freeze()
            if len(result.diagnostics):
                self.log(format_report(result.diagnostics))
            note = "" if changed else " (tidak ada yang berubah)"
            self.log(f"dibangun: {result.summary()}{note}")
            return
        self.live.failed(problems)

    def _prepare(self, result: Preview) -> None:
        """Make the pages open tabs show while the news of this build is on its way to
        them: their reload then finds the page made. A page that fails is left for its
        request to report, as any other."""
        for key in self.live.watched():
            if result.pages.find(key) is None:  # a tab on a file, or on a 404
                continue
            try:
                result.page(key)
            except Exception:  # a template error, or a bug: said when the tab asks for it
                continue

    def _vanished(self, exc: OSError) -> Diagnostic:
        name = relpath(Path(exc.filename), self.root) if exc.filename else "content/"
        return Diagnostic(path=name, line=0,
                          message=f"berkas berubah saat dibangun: {exc.strerror or exc}",
                          hint="kabar membangun ulang sendiri setelah berkas selesai disimpan")


def _script() -> bytes:
    return resources.files(__package__).joinpath("livereload.js").read_bytes()


def serve(root: Path, *, host: str = "127.0.0.1", port: int = 8000, log: Log = _stderr,
          say: Log = _stdout) -> int:
    """Run until Ctrl-C (or SIGTERM); 0 then. 1 when there is no portal, 2 when the port
    cannot be opened."""
    root = root.resolve()
    if not (root / "site.yaml").is_file():
        log(f"{root.as_posix()}/site.yaml: error: tidak ada site.yaml di folder ini")
        log("  hint: jalankan di folder portal, atau beri --root FOLDER-PORTAL")
        return 1
    live = LiveSite()
    try:
        server = DevServer(host, port, live, _script())
    except OSError as exc:
        log(f"{host}:{port}: error: tidak bisa membuka alamat ini: {exc.strerror or exc}")
        log("  hint: port mungkin sedang dipakai program lain; coba --port 8001")
        return 2
    watcher = Watcher(root, lambda _path, saved: debouncer.poke(saved))
    rebuild = Rebuilder(root, live, log, before=watcher.refresh)
    debouncer = Debouncer(rebuild, delay=DEBOUNCE, settled=SETTLED)
    previous = _on_sigterm()
    try:
        rebuild()
        watcher.start()
        debouncer.start()
        say(f"kabar serve: {server.url}  (draf dan review ikut tampil; Ctrl-C untuk berhenti)")
        if not is_loopback(host):
            log(f"perhatian: {host} bisa dibuka dari jaringan, termasuk cerita draf")
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        live.close()
        debouncer.stop(timeout=0.5)
        server.server_close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    log("berhenti.")
    return 0


def _on_sigterm() -> signal.Handlers | Callable[[int, FrameType | None], object] | int | None:
    """SIGTERM stops serve as cleanly as Ctrl-C does (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, stop)
