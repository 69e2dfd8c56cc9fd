"""`kabar ping`: send IndexNow the pages added or changed since the last successful ping.

The build writes `/.well-known/kabar-manifest.json` (every indexable page and the sha256 of
its bytes). This module compares it with the manifest pinged last time (kept in
`.cache/indexnow-last.json`, or one given with `--previous`, e.g. the live site's) and
POSTs the new and changed URLs, never the removed ones, in batches of at most 10,000 (the
protocol's limit). The remembered state moves forward only when every batch was accepted,
so a failure half-way means the next ping sends everything again, never too little.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from generator import __version__, urls
from generator.config import load_config
from generator.diagnostics import Diagnostics
from generator.publish.indexnow import MANIFEST_VERSION

#: IndexNow accepts at most 10,000 URLs per request.
BATCH_LIMIT = 10_000
#: Seconds to wait for the endpoint (or the live site) before giving up.
TIMEOUT = 30.0
STATE_FILE = Path(".cache", "indexnow-last.json")

#: What each refusal means, in the operator's words: (message, hint).
REFUSALS: dict[int, tuple[str, str]] = {
    400: ("permintaan ditolak (400 Bad Request): formatnya tidak valid",
          "ini kemungkinan kesalahan di kabar; mohon laporkan beserta pesan ini"),
    403: ("kunci tidak valid (403 Forbidden): berkas kunci {key_location} tidak bisa dibaca "
          "mesin pencari atau isinya bukan kunci",
          "terbitkan dulu hasil build terbaru (yang berisi berkas kunci) ke server, pastikan "
          "alamat itu terbuka di peramban, lalu ulangi kabar ping"),
    422: ("alamat ditolak (422 Unprocessable Entity): URL tidak termasuk situs {host} atau "
          "kunci tidak cocok",
          "pastikan base_url di site.yaml sama dengan alamat portal yang terbit"),
    429: ("terlalu banyak permintaan (429 Too Many Requests): mesin pencari menganggapnya "
          "spam",
          "tunggu beberapa jam lalu ulangi; kirim hanya halaman yang benar-benar berubah"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Ping:
    """What a ping will send, and what to remember once it was accepted."""

    endpoint: str
    host: str
    key: str
    key_location: str
    urls: tuple[str, ...]  # added or changed, sorted
    manifest: bytes  # the current manifest, saved as the state after success
    first: bool  # no previous manifest: every page is new


@dataclass(frozen=True, slots=True, kw_only=True)
class Sent:
    """The outcome of a ping: URLs and batches accepted."""

    urls: int
    batches: int


def changed_urls(previous: Mapping[str, str], current: Mapping[str, str]) -> tuple[str, ...]:
    """URLs that are new or whose bytes changed; removed pages are never sent."""
    return tuple(sorted(url for url, digest in current.items() if previous.get(url) != digest))


def batches(items: Sequence[str], size: int = BATCH_LIMIT) -> list[list[str]]:
    """`items` in consecutive batches of at most `size` (IndexNow: 10,000)."""
    if not 1 <= size <= BATCH_LIMIT:
        raise ValueError(f"batch size must be 1..{BATCH_LIMIT}, not {size}")
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def parse_manifest(data: bytes, where: str, diags: Diagnostics) -> dict[str, str] | None:
    """The URL → sha256 map of a manifest; None (with a diagnostic) when it is not one."""
    try:
        document = json.loads(data.decode("utf-8"))
        pages = document["urls"]
        if document.get("version") != MANIFEST_VERSION or not isinstance(pages, dict) or \
                not all(isinstance(k, str) and isinstance(v, str) for k, v in pages.items()):
            raise ValueError(document.get("version"))
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        diags.error(where, 0, "bukan manifest kabar yang dikenal",
                    hint="bangun ulang portal dengan kabar build, atau hapus berkas ini "
                    "agar kabar ping mengirim semua halaman")
        return None
    return pages


def plan(root: Path, output: Path, diags: Diagnostics, *, previous: str | None = None,
         timeout: float = TIMEOUT) -> Ping | None:
    """Read site.yaml, the built manifest and the previous one; None on any problem."""
    config = load_config(root, diags)
    if config is None:
        return None
    key = config.indexnow.key
    if not key:
        diags.error("site.yaml", 0, "IndexNow belum aktif: indexnow.key kosong",
                    hint="tambahkan 'indexnow:' dengan 'key:' di site.yaml (lihat "
                    "docs/config.md), bangun ulang, terbitkan, lalu jalankan kabar ping")
        return None
    manifest_file = output / urls.output_path(urls.kabar_manifest())
    key_file = output / urls.output_path(urls.indexnow_key_file(key))
    try:
        manifest = manifest_file.read_bytes()
        key_matches = key_file.read_bytes() == key.encode()
    except OSError:
        diags.error(output.as_posix(), 0, "hasil build belum berisi manifest dan berkas kunci "
                    "IndexNow", hint="jalankan kabar build dulu, terbitkan hasilnya, lalu "
                    "jalankan kabar ping")
        return None
    if not key_matches:
        diags.error(key_file.as_posix(), 0, "berkas kunci tidak sama dengan indexnow.key",
                    hint="jalankan kabar build lagi setelah mengganti kunci")
    current = parse_manifest(manifest, manifest_file.as_posix(), diags)
    prior = _previous(root, previous, diags, timeout)
    if current is None or prior is None or diags.errors:
        return None
    base = config.base_url.rstrip("/")
    foreign = sorted(u for u in current if not u.startswith(base + "/"))
    if foreign:
        diags.error(manifest_file.as_posix(), 0, f"manifest berisi alamat di luar {base}: "
                    f"{foreign[0]}", hint="bangun ulang tanpa --base-url sebelum kabar ping")
        return None
    return Ping(endpoint=config.indexnow.endpoint, host=urlsplit(base).netloc, key=key,
                key_location=urls.absolute(base, urls.indexnow_key_file(key)),
                urls=changed_urls(prior, current), manifest=manifest,
                first=previous is None and not (root / STATE_FILE).exists())


def send(ping: Ping, root: Path, diags: Diagnostics, *, batch_size: int = BATCH_LIMIT,
         timeout: float = TIMEOUT) -> Sent | None:
    """POST every batch; remember the manifest only when all were accepted."""
    groups = batches(ping.urls, batch_size)
    for number, group in enumerate(groups, start=1):
        body = json.dumps({"host": ping.host, "key": ping.key, "keyLocation": ping.key_location,
                           "urlList": group}).encode("utf-8")
        request = urllib.request.Request(
            ping.endpoint, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8",
                     "User-Agent": f"kabar/{__version__}"})
        problem = _post(request, ping, timeout)
        if problem is not None:
            message, hint = problem
            done = f" ({number - 1} dari {len(groups)} kiriman sudah diterima)" if number > 1 \
                else ""
            diags.error(ping.endpoint, 0, message + done,
                        hint=hint + "; catatan ping terakhir tidak diubah, jadi ping berikutnya "
                        "mengirim ulang semua halaman yang berubah")
            return None
    _remember(root, ping.manifest)
    return Sent(urls=len(ping.urls), batches=len(groups))


def _post(request: urllib.request.Request, ping: Ping,
          timeout: float) -> tuple[str, str] | None:
    """None when accepted (200 OK, 202 Accepted), else (message, hint)."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return None
    except urllib.error.HTTPError as exc:
        exc.close()
        code = exc.code
        if code in REFUSALS:
            message, hint = REFUSALS[code]
            return (message.format(key_location=ping.key_location, host=ping.host), hint)
        if 400 <= code < 500:
            return (f"permintaan ditolak (HTTP {code} {exc.reason})",
                    f"periksa indexnow.endpoint di site.yaml ({ping.endpoint})")
        return (f"server IndexNow sedang bermasalah (HTTP {code} {exc.reason})",
                "coba lagi nanti")
    except OSError as exc:  # URLError, refused connection, timeout
        reason = getattr(exc, "reason", exc)
        return (f"tidak bisa menghubungi {ping.endpoint}: {reason}",
                "periksa sambungan internet (dan proxy kantor), lalu coba lagi")


def _previous(root: Path, source: str | None, diags: Diagnostics,
              timeout: float) -> dict[str, str] | None:
    """The manifest pinged last: `source` (a file or an http(s) URL) or the saved state."""
    if source is None:
        state = root / STATE_FILE
        if not state.exists():
            return {}  # first ping: every page is new
        return parse_manifest(state.read_bytes(), state.as_posix(), diags)
    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=timeout) as response:
                data = response.read()
        except OSError as exc:  # HTTPError (404), URLError, timeout
            diags.error(source, 0, f"manifest sebelumnya tidak bisa diunduh: "
                        f"{getattr(exc, 'reason', exc)}",
                        hint="periksa alamatnya, atau jalankan tanpa --previous")
            return None
        return parse_manifest(data, source, diags)
    try:
        data = Path(source).read_bytes()
    except OSError as exc:
        diags.error(source, 0, f"manifest sebelumnya tidak bisa dibaca: {exc.strerror}",
                    hint="periksa nama berkasnya, atau jalankan tanpa --previous")
        return None
    return parse_manifest(data, source, diags)


def _remember(root: Path, manifest: bytes) -> None:
    """Replace the state file in one step, so a crash leaves the old one or the new one."""
    state = root / STATE_FILE
    state.parent.mkdir(parents=True, exist_ok=True)
    partial = state.with_name(f".{state.name}.{os.getpid()}")
    partial.write_bytes(manifest)
    partial.replace(state)
