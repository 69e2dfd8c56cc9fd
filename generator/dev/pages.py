"""Pure helpers of the dev server: request path → build file, content types, the injected
live-reload tags and the error overlay. No I/O: all of it is tested with strings.
"""

from __future__ import annotations

import hashlib
import html
import json
import posixpath
import urllib.parse
from collections.abc import Iterable

from generator import urls
from generator.diagnostics import Diagnostic

#: The dev server's own URLs live under this prefix, never used by a build.
PREFIX = "/__kabar/"
SCRIPT_URL = PREFIX + "livereload.js"
STATUS_URL = PREFIX + "status"
EVENTS_URL = PREFIX + "events"

#: What the browser may do with a response: keep it for good (a file named by the digest of
#: its bytes: it never changes under that name), or ask again every time (everything else).
IMMUTABLE = "max-age=31536000, immutable"
NO_STORE = "no-store"

NOT_FOUND = urls.output_path(urls.not_found())

#: Fixed table rather than `mimetypes`, whose answers depend on the machine's
#: /etc/mime.types. Text types say their charset: every build output is UTF-8.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml",
    ".xsl": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".wasm": "application/wasm",
}
DEFAULT_TYPE = "application/octet-stream"


def content_type(path: str) -> str:
    """The Content-Type of a build file, by its extension (case-insensitive)."""
    return CONTENT_TYPES.get(posixpath.splitext(path)[1].lower(), DEFAULT_TYPE)


def output_key(target: str) -> str | None:
    """The build file a request target names, or None when the target is refused.

    Refused (400), before any lookup: targets that are not a plain site path (absolute
    URLs, `//host`), backslashes, NUL and other control characters, bad percent-encoding,
    and `.`/`..`/empty segments, written plainly or percent-encoded. The result is only a
    key into the in-memory build: the file system is never consulted.
    """
    path = target.split("#", 1)[0].split("?", 1)[0]
    if not path.startswith("/") or path.startswith("//"):
        return None
    try:
        decoded = urllib.parse.unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\\" in decoded or any(ord(c) < 0x20 or ord(c) == 0x7F for c in decoded):
        return None
    segments = decoded[1:].split("/")
    if any(s in (".", "..") for s in segments) or "" in segments[:-1]:
        return None
    key = decoded[1:]
    return key + "index.html" if key == "" or key.endswith("/") else key


def script_url(script: bytes) -> str:
    """The reload script's address, versioned by its bytes: served as IMMUTABLE, it is
    not asked for again at each reload."""
    return f"{SCRIPT_URL}?v={hashlib.sha256(script).hexdigest()[:10]}"


def live_tags(build: str, script: str = SCRIPT_URL) -> str:
    """What serve adds to every HTML page's head (never to a build's output)."""
    return (f'<meta name="kabar-build" content="{html.escape(build)}">\n'
            f'<script src="{html.escape(script)}" defer></script>\n')


def inject(page: bytes, build: str, overlay: str = "", script: str = SCRIPT_URL) -> bytes:
    """The page with the live-reload tags before `</head>` and the overlay before `</body>`."""
    lower = page.lower()
    at = lower.find(b"</head>")
    if at < 0:
        at = max(lower.find(b"<body"), 0)
    page = page[:at] + live_tags(build, script).encode() + page[at:]
    if overlay:
        end = page.lower().rfind(b"</body>")
        end = len(page) if end < 0 else end
        page = page[:end] + overlay.encode() + page[end:]
    return page


_OVERLAY_STYLE = """\
#kabar-overlay{position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;
padding:1.5rem;background:rgba(24,4,4,.94);color:#fff;font:15px/1.5 system-ui,sans-serif}
#kabar-overlay h2{margin:0 0 1rem;font-size:1.25rem;color:#ffb4a8}
#kabar-overlay ol{margin:0;padding-left:1.25rem}
#kabar-overlay li{margin:0 0 1rem}
#kabar-overlay code,#kabar-overlay pre{font:14px/1.4 ui-monospace,monospace}
#kabar-overlay .kabar-where{color:#ffd27a}
#kabar-overlay .kabar-hint{color:#a8e6cf}
#kabar-overlay pre{margin:.25rem 0 0;padding:.25rem .5rem;background:#000;white-space:pre-wrap}
#kabar-overlay button{float:right;font:inherit;padding:.25rem .75rem;cursor:pointer}
"""


def overlay(problems: Iterable[Diagnostic], *, has_build: bool = True, cap: int = 50) -> str:
    """The error overlay: every diagnostic's place, message and hint, HTML-escaped."""
    ordered = sorted(problems, key=lambda d: (d.severity != "error", *d.sort_key()))
    items = []
    for d in ordered[:cap]:
        where = d.path + (f":{d.line}" if d.line else "") + (f":{d.column}" if d.column else "")
        item = (f'<li><code class="kabar-where">{html.escape(where)}</code> '
                f"<strong>{html.escape(d.severity)}</strong>: {html.escape(d.message)}")
        if d.hint:
            item += f'<br><span class="kabar-hint">hint: {html.escape(d.hint)}</span>'
        if d.source_line.strip():
            item += f"<pre>| {html.escape(d.source_line.rstrip())}</pre>"
        items.append(item + "</li>")
    if len(ordered) > cap:
        items.append(f"<li>… dan {len(ordered) - cap} masalah lain (lihat terminal).</li>")
    shown = ("Halaman di belakang ini dari pembangunan terakhir yang berhasil."
             if has_build else "Belum ada pembangunan yang berhasil.")
    return (f'<div id="kabar-overlay" role="alert"><style>{_OVERLAY_STYLE}</style>'
            '<button type="button" data-kabar-close>Tutup</button>'
            f"<h2>Portal gagal dibangun</h2><p>{shown} Simpan perbaikannya: halaman ini "
            f"pulih sendiri.</p><ol>{''.join(items)}</ol></div>\n")


def failed_page() -> bytes:
    """What a page whose template failed shows under the overlay that says why."""
    return (b'<!DOCTYPE html>\n<html lang="id">\n<head>\n<meta charset="utf-8">\n'
            b"<title>Halaman gagal dirender</title>\n</head>\n<body>\n</body>\n</html>\n"
            )


def error_page(problems: Iterable[Diagnostic], build: str, script: str = SCRIPT_URL) -> bytes:
    """What every page shows while no build has ever succeeded."""
    page = ('<!DOCTYPE html>\n<html lang="id">\n<head>\n<meta charset="utf-8">\n'
            "<title>Portal gagal dibangun</title>\n</head>\n<body>\n</body>\n</html>\n")
    return inject(page.encode(), build, overlay(problems, has_build=False), script)


def status(build: str, problems: tuple[Diagnostic, ...], *, has_build: bool) -> bytes:
    """The JSON of /__kabar/status: which build is served and what is wrong, if anything."""
    return json.dumps({
        "build": build,
        "ok": not problems,
        "problems": [{"path": d.path, "line": d.line, "column": d.column,
                      "severity": d.severity, "message": d.message, "hint": d.hint}
                     for d in problems],
        "overlay": overlay(problems, has_build=has_build) if problems else "",
    }, ensure_ascii=False).encode()


def event(build: str, ok: bool) -> bytes:
    """One server-sent event: the build being served and whether the latest one worked."""
    return f"data: {json.dumps({'build': build, 'ok': ok})}\n\n".encode()
