"""A real nginx serving a built portal with the shipped configuration (deploy/nginx/).

``serve_nginx(root)`` starts Debian's ``/usr/sbin/nginx`` as the current user on
127.0.0.1 (a free port) in the foreground, with its pid file, logs and temp folders in a
temporary prefix. Its server block is ``listen`` + ``root`` + ``include
snippets/kabar-site.conf``: the snippets folder of the temporary prefix links to the
files in deploy/nginx/, so the tests exercise the shipped files themselves, not a copy.
A missing nginx FAILS the calling test (``scripts/install-test-tools`` installs it).
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from externals import REPO_ROOT, require

NGINX = Path("/usr/sbin/nginx")
DEPLOY = REPO_ROOT / "deploy" / "nginx"
#: The files a server includes (from /etc/nginx/snippets/ on a real server).
SNIPPETS = ("kabar-site.conf", "kabar-headers.conf")
#: The sample site, /etc/nginx/sites-available/kabar.conf on a real server.
SAMPLE_SITE = DEPLOY / "kabar.conf"

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


def nginx_bin() -> Path:
    """Return the nginx binary, or fail the current test if it is not installed."""
    return require(NGINX, "nginx")


def _free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1 (nginx binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _link_snippets(prefix: Path) -> None:
    """Make ``prefix/snippets/`` point at the shipped snippet files (symlinks, no copies)."""
    snippets = prefix / "snippets"
    snippets.mkdir(exist_ok=True)
    for name in SNIPPETS:
        target = DEPLOY / name
        if not target.is_file():
            pytest.fail(f"shipped nginx snippet {target} is missing", pytrace=False)
        link = snippets / name
        if not link.is_symlink():
            link.symlink_to(target)


def main_config(prefix: Path, server: str) -> str:
    """The top-level nginx.conf around ``server`` (text placed inside ``http { }``).

    Foreground, one process (``master_process off``: nginx never switches user, so it can
    read pytest's private temporary folders even when the suite runs as root); pid file,
    logs and request-body/proxy temp folders all under ``prefix``.
    """
    return f"""\
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 128; }}
http {{
    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
{server}
}}
"""


def harness_server(root: Path, port: int) -> str:
    """The test server block: only address and root differ from deploy/nginx/kabar.conf."""
    return f"""\
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {root};
        include snippets/kabar-site.conf;
    }}"""


def _prepare_prefix(prefix: Path, server: str) -> Path:
    """Write ``prefix/nginx.conf`` around ``server`` and the folders it names."""
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(exist_ok=True)
    _link_snippets(prefix)
    conf = prefix / "nginx.conf"
    conf.write_text(main_config(prefix, server), encoding="utf-8")
    return conf


def _command(nginx: Path, prefix: Path, conf: Path, *extra: str) -> list[str]:
    # -e: errors before error_log is parsed go to our log, not /var/log/nginx/error.log.
    return [str(nginx), "-p", f"{prefix}/", "-c", str(conf), "-e", f"{prefix}/logs/error.log",
            *extra]


def check_sample_site() -> subprocess.CompletedProcess[str]:
    """Run ``nginx -t`` on deploy/nginx/kabar.conf installed as on a Debian server.

    The temporary prefix mirrors /etc/nginx: ``sites-enabled/kabar.conf`` and
    ``snippets/*.conf`` link to the shipped files. ``nginx -t`` parses everything and opens
    no listening socket, so the sample's ``listen 80`` needs no privileges.
    """
    nginx = nginx_bin()
    with tempfile.TemporaryDirectory(prefix="kabar-nginx-t-") as tmp:
        prefix = Path(tmp)
        conf = _prepare_prefix(prefix, f"    include sites-enabled/{SAMPLE_SITE.name};")
        sites = prefix / "sites-enabled"
        sites.mkdir()
        (sites / SAMPLE_SITE.name).symlink_to(SAMPLE_SITE)
        return subprocess.run(_command(nginx, prefix, conf, "-t"), capture_output=True,
                              text=True, timeout=30, check=False)


def _wait_until_listening(proc: subprocess.Popen[bytes], port: int) -> bool:
    """True once 127.0.0.1:port accepts connections, False if nginx exited first."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return True
        time.sleep(0.02)
    return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Fast shutdown (SIGTERM: open keep-alive connections are closed, not waited for),
    then SIGKILL if nginx does not exit in time."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT_S)


@contextmanager
def serve_nginx(root: Path) -> Iterator[str]:
    """Serve ``root`` with nginx and the shipped config; yield the base URL (no slash).

    e.g. ``http://127.0.0.1:41234``. nginx is stopped when the block ends.
    """
    if not root.is_dir():
        raise FileNotFoundError(f"cannot serve {root}: not a directory")
    nginx = nginx_bin()
    with tempfile.TemporaryDirectory(prefix="kabar-nginx-") as tmp:
        prefix = Path(tmp)
        log = prefix / "logs" / "error.log"
        # The free port can be taken between _free_port() and nginx's bind: try again then.
        for _attempt in range(5):
            port = _free_port()
            conf = _prepare_prefix(prefix, harness_server(root.resolve(), port))
            log.write_text("", encoding="utf-8")
            with (prefix / "logs" / "stderr.log").open("wb") as stderr:
                proc = subprocess.Popen(_command(nginx, prefix, conf), stdin=subprocess.DEVNULL,
                                        stdout=stderr, stderr=stderr)
            if _wait_until_listening(proc, port):
                break
            _stop(proc)
            errors = log.read_text(encoding="utf-8", errors="replace")
            errors += (prefix / "logs" / "stderr.log").read_text(encoding="utf-8",
                                                                  errors="replace")
            if "Address already in use" not in errors:
                pytest.fail(f"nginx did not start (exit {proc.returncode}):\n{errors[-3000:]}",
                            pytrace=False)
        else:
            pytest.fail("nginx found no free port in 5 attempts", pytrace=False)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            _stop(proc)
