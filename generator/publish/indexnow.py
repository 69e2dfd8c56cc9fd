"""IndexNow outputs: the key file and the manifest of indexable pages `kabar ping` compares.

Pure: everything comes from the site's config and the HTML outputs already made. A page
is indexable unless its own `<meta name="robots">` says `noindex` (drafts, 404), so the
manifest lists what crawlers are invited to index, whatever the theme.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote

from generator import urls
from generator.model import Output, Site

__all__ = ["MANIFEST_VERSION", "Manifest", "indexable_url", "indexnow_files",
           "manifest_bytes"]

MANIFEST_VERSION = 1

_META = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_ROBOTS = re.compile(rb"""\bname\s*=\s*["']?robots\b""", re.IGNORECASE)
_NOINDEX = re.compile(rb"""\bcontent\s*=\s*["'][^"']*\bnoindex\b""", re.IGNORECASE)


def indexnow_files(site: Site, outputs: Iterable[Output]) -> list[Output]:
    """`/<key>.txt` and `/.well-known/kabar-manifest.json`; nothing when IndexNow is off."""
    manifest = Manifest(site)
    for output in outputs:
        manifest.add(output)
    return manifest.files()


class Manifest:
    """The manifest built one output at a time: `kabar build` hands each output here on
    its way to the staging folder, so a page is hashed as it is written and never read
    back or kept (only its URL and digest are)."""

    def __init__(self, site: Site) -> None:
        self.site, self.key = site, site.config.indexnow.key
        self.pages: dict[str, str] = {}

    def add(self, output: Output) -> None:
        if not self.key:
            return
        url = indexable_url(output)
        if url is not None:
            self.pages[urls.absolute(self.site.config.base_url, quote(url))] = hashlib.sha256(
                output.data).hexdigest()

    def files(self) -> list[Output]:
        """The key file and the manifest of every page added; nothing when IndexNow is off."""
        if not self.key:
            return []
        return [Output(urls.output_path(urls.indexnow_key_file(self.key)),
                       self.key.encode("ascii")),
                Output(urls.output_path(urls.kabar_manifest()), manifest_bytes(self.pages))]


def indexable_url(output: Output) -> str | None:
    """The site-relative URL of an HTML page crawlers may index; None for anything else."""
    if not output.path.endswith(".html") or _says_noindex(output.data):
        return None
    return urls.page_url(output.path)


def manifest_bytes(pages: Mapping[str, str]) -> bytes:
    """The manifest's JSON: sorted, one URL per line, so diffs and hashes are stable."""
    document = {"version": MANIFEST_VERSION, "urls": dict(sorted(pages.items()))}
    return (json.dumps(document, indent=1, sort_keys=True) + "\n").encode()


def _says_noindex(html: bytes) -> bool:
    head = html.split(b"</head>", 1)[0]
    return any(_ROBOTS.search(tag) and _NOINDEX.search(tag) for tag in _META.findall(head))
