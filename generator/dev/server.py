"""The dev HTTP server: the in-memory build, the live-reload script and its event stream.

Standard library only (ThreadingHTTPServer). It serves nothing but the build held by a
LiveSite: no request path is ever turned into a file-system path, so `../` and friends
have nothing to reach (and are refused anyway, see `pages.output_key`).
"""

from __future__ import annotations

import ipaddress
import socket
import socketserver
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from generator.dev import pages
from generator.dev.state import LiveSite
from generator.preview import PageFailed

#: Seconds between keep-alive comments on an idle event stream (finds closed tabs).
HEARTBEAT = 15.0
_TEXT = "text/plain; charset=utf-8"
_HTML = "text/html; charset=utf-8"
_FALLBACK_404 = (b'<!DOCTYPE html>\n<html lang="id">\n<head>\n<meta charset="utf-8">\n'
                 b"<title>404</title>\n</head>\n<body>\n<h1>404: halaman tidak ada</h1>\n"
                 b"</body>\n</html>\n")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class DevServer(ThreadingHTTPServer):
    """One thread per request; request threads never outlive the process."""

    daemon_threads = True

    def __init__(self, host: str, port: int, live: LiveSite, script: bytes) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.live, self.script = live, script
        self.script_url = pages.script_url(script)
        self.loopback = is_loopback(host)
        super().__init__((host.strip("[]"), port), Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks DNS for the host's full name, which can stall for
        # seconds on a machine without network; the name is not needed here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(
            self.server_address[1])

    @property
    def url(self) -> str:
        host = self.server_name
        return f"http://{f'[{host}]' if ':' in host else host}:{self.server_port}/"

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a tab closed mid-response: nothing to report
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD only; everything else gets 501 from the base class."""

    server: DevServer
    server_version = "kabar-serve"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal is for rebuild results, not one line per request."""

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, *, send_body: bool) -> None:
        if not self._host_allowed():
            self._send(400, _TEXT, b"host tidak dikenal\n", send_body)
            return
        path = self.path.split("#", 1)[0].split("?", 1)[0]
        if path.startswith(pages.PREFIX):
            self._internal(path, send_body)
            return
        key = pages.output_key(self.path)
        if key is None:
            self._send(400, _TEXT, b"permintaan ditolak: alamat tidak sah\n", send_body)
            return
        snap = self.server.live.snapshot
        site = snap.site
        if site is None:
            self._send(503, _HTML, pages.error_page(snap.problems, snap.build,
                                                    self.server.script_url), send_body)
            return
        problems = snap.problems
        try:
            status, data = 200, site.get(key)
            if data is None:
                if site.has(f"{key}/index.html"):  # /berita → /berita/
                    query = self.path[len(path):].split("#", 1)[0]
                    self._redirect(path + "/" + query)
                    return
                status, key = 404, pages.NOT_FOUND
                data = site.get(key) if site.has(key) else _FALLBACK_404
        except PageFailed as exc:  # its template failed: say where, over an empty page
            status, key, problems = 500, "index.html", (*exc.problems, *problems)
            data = pages.failed_page()
        assert data is not None
        ctype = pages.content_type(key)
        if ctype == _HTML:
            data = pages.inject(data, snap.build, pages.overlay(problems) if problems else "",
                                self.server.script_url)
        cache = pages.IMMUTABLE if status == 200 and site.immutable(key, data) else \
            pages.NO_STORE
        self._send(status, ctype, data, send_body, cache)

    def _internal(self, path: str, send_body: bool) -> None:
        live = self.server.live
        if path == pages.SCRIPT_URL:
            self._send(200, pages.content_type(path), self.server.script, send_body,
                       pages.IMMUTABLE if self.path == self.server.script_url
                       else pages.NO_STORE)
        elif path == pages.STATUS_URL:
            snap = live.snapshot
            self._send(200, "application/json", pages.status(
                snap.build, snap.problems, has_build=snap.has_build), send_body)
        elif path == pages.EVENTS_URL:
            self._events(send_body)
        else:
            self._send(404, _TEXT, b"tidak ada\n", send_body)

    def _events(self, send_body: bool) -> None:
        """Server-sent events: the current state at once, then every change. The stream's
        `?page=` names the page its tab shows (made first after each rebuild)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not send_body:
            return
        live = self.server.live
        page = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("page")
        with live.watching(pages.output_key(page[0]) if page else None):
            snap = live.snapshot
            self.wfile.write(b"retry: 500\n\n" + pages.event(snap.build, snap.ok))
            version = snap.version
            while True:
                new = live.wait(version, HEARTBEAT)
                if live.closed:
                    return
                if new is None:
                    self.wfile.write(b": ping\n\n")
                else:
                    self.wfile.write(pages.event(new.build, new.ok))
                    version = new.version

    def _host_allowed(self) -> bool:
        """On a loopback address, only loopback names: a web page cannot rebind its own
        name to 127.0.0.1 and read the drafts this server shows."""
        host = self.headers.get("Host", "")
        if not self.server.loopback or not host:
            return True
        name = host[:host.find("]") + 1] if host.startswith("[") else host.split(":", 1)[0]
        name = name.lower()
        return name == "localhost" or name.endswith(".localhost") or is_loopback(name)

    def _redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, ctype: str, data: bytes, send_body: bool,
              cache: str = pages.NO_STORE) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", cache)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            self.wfile.write(data)
