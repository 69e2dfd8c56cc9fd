"""Site → the non-HTML outputs: copied content files (images, static), later feeds and maps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from generator.model import Asset, Output, Site
from generator.urls import output_path

__all__ = ["asset_sources", "copy_assets"]


def copy_assets(site: Site, root: Path) -> Iterator[Output]:
    """content/static files and every file a story or page links to, byte for byte, each
    read when the caller takes it (the build writes it and drops it: photos add up)."""
    return (Output(path, (root / source).read_bytes())
            for path, source in asset_sources(site).items())


def asset_sources(site: Site) -> dict[str, str]:
    """Output path → the portal-relative file copied there, sorted by URL."""
    assets: dict[str, Asset] = {a.url: a for a in site.assets}
    bodies = [story.body for story in site.every_story()] + [page.body for page in site.pages]
    for body in bodies:
        for asset in body.assets:
            assets.setdefault(asset.url, asset)
    return {output_path(url): asset.source for url, asset in sorted(assets.items())}
