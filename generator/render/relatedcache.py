"""Each story's related stories kept between builds in `.cache/related/`.

Scoring related stories is about a second of a 10,000-story build, and an edit rarely
changes its answers: only a new, removed or moved story, or a changed tag, region or
date does. The whole table (story URL → its related stories' URLs) is one entry, keyed by
kabar's code and `structure.related.inputs`, which is everything the scoring reads; a
build whose inputs differ in anything scores again. Standard library only (the file
cache of generator/cache.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from generator.cache import FileCache, cache_key, code_digest
from generator.model import Site
from generator.structure.related import Related, inputs

SUFFIX = ".json"


def related_for_build(site: Site, folder: Path) -> Related:
    """A `Related` that knows every story page's answer: from the cache when the inputs are
    the same as a build before, else scored now and stored (the older entry removed)."""
    stories = tuple(s for s in site.every_story() if s.meta.factcheck is None)
    key = cache_key(code_digest().hex(), inputs(site, stories))
    files = FileCache(folder, SUFFIX)
    data = files.get(key)
    if data is not None:
        table = _decode(data)
        if table is not None:
            return Related(site, table)
    related = Related(site)
    table = related.table(stories)
    files.put(key, json.dumps(table, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    files.prune({key})
    related.known = table  # the same answers, not scored again by the pages
    return related


def _decode(data: bytes) -> dict[str, tuple[str, ...]] | None:
    try:
        value = json.loads(data)
    except ValueError:
        return None
    if not isinstance(value, dict) or not all(
            isinstance(urls, list) and all(isinstance(url, str) for url in urls)
            for urls in value.values()):
        return None
    return {url: tuple(urls) for url, urls in value.items()}
