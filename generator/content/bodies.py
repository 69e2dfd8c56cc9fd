"""Many Markdown bodies at once: looked up in the cache, the rest rendered in worker processes.

`markdown.render(text, resolve)` is a pure function of the text and of what `resolve`
answered for each relative link, so a body is cached with those answers: an entry is used
only when asking the resolver the same questions today gives the same answers (a linked
story that moved, an image that changed size or was deleted, all re-render). The key
also holds the rendering code itself, so an edit of markdown.py retires old entries.
An entry (checksummed, `generator.cache`; a bad one is a miss) is one line of JSON with
everything but the HTML, then the HTML's UTF-8 bytes as they are: a warm build hands
those bytes to the build's spill file without decoding them from a JSON string and
encoding them again (0.55 s of JSON decoding on 10,000 bodies, most of it the HTML).

Workers (`generator.workers` decides how they start) get plain data (`Links`, `Job`) and
return the same bytes the cache holds, and both paths decode them the same way: a
build is byte-identical with or without the cache, serial or parallel. Results come back
in the order the jobs were given.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import posixpath
import sys
import urllib.parse
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import urls
from generator.cache import PackCache, cache_key
from generator.content import images
from generator.content.discover import PAGES
from generator.content.markdown import ENGINE, Problem, Resolved, Resolver, Unresolved, render
from generator.model import Asset, RenderedBody, TocEntry
from generator.spill import Spill
from generator.workers import cpus, fresh_start_method, shared_with_workers, watch_parent

#: With no explicit job count, worker processes start only for at least this many bodies
#: to render: starting them costs about as much as rendering a few hundred serially.
MIN_PARALLEL = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class Links:
    """Everything a relative link in a body may resolve against: plain data for workers."""

    root: Path
    files: frozenset[str]  # portal-relative paths of every file under content/
    targets: dict[str, str]  # source path of a published story or page → its URL
    unpublished: dict[str, str]  # story that exists but is not published here → why not
    max_image_mb: int


@dataclass(frozen=True, slots=True)
class Job:
    """One body to render: its file, the URL of the page it lands on, its Markdown."""

    path: str
    url: str
    text: bytes  # UTF-8 (see content._Parsed)


@dataclass(frozen=True, slots=True)
class Rendered:
    body: RenderedBody
    problems: tuple[Problem, ...]


def resolver(links: Links, source: str, page_url: str) -> Resolver:
    """Resolve a relative link written in `source` to a URL (and maybe an asset)."""
    def resolve(target: str) -> Resolved | Unresolved:
        folder = posixpath.dirname(source)  # here: most bodies have no link to resolve
        path = posixpath.normpath(posixpath.join(folder, urllib.parse.unquote(target)))
        if not path.startswith("content/"):
            return Unresolved(f"tautan '{target}' keluar dari folder content/",
                              "tautkan hanya berkas di dalam content/")
        if path in links.targets:
            return Resolved(links.targets[path])
        if path in links.unpublished:
            return Unresolved(f"cerita tujuan '{target}' belum terbit "
                              f"({links.unpublished[path]})",
                              "terbitkan cerita itu dulu, atau hapus tautannya untuk sementara")
        if path not in links.files:
            return Unresolved(f"berkas '{target}' tidak ditemukan")
        if path.endswith(".md"):
            return Unresolved(f"'{target}' bukan cerita atau halaman",
                              f"cerita ada di content/stories/, halaman di {PAGES}")
        url = urls.content_file(page_url, posixpath.basename(path))
        megabytes = (links.root / path).stat().st_size / 1_000_000
        if megabytes > links.max_image_mb:
            shown = f"{megabytes:.1f}".replace(".", ",")  # Indonesian decimal comma
            return Unresolved(f"berkas '{target}' terlalu besar ({shown} MB; paling "
                              f"besar {links.max_image_mb} MB)",
                              "perkecil gambarnya, misalnya lebar 1600 piksel dengan kualitas "
                              "JPEG 80, atau naikkan limits.image_mb di site.yaml")
        size = images.dimensions(links.root / path) if images.is_image(path) else None
        if images.is_image(path) and size is None:
            return Unresolved(f"gambar '{target}' rusak atau formatnya tidak dikenal",
                              "simpan ulang gambar sebagai JPEG atau PNG")
        width, height = size or (None, None)
        return Resolved(url, Asset(source=path, url=url), width, height)

    return resolve


#: What `memo` keeps per (path, URL): the text, the link answers it was rendered with, the result.
Remembered = tuple[bytes, list[Any], Rendered]


def render_all(jobs: Sequence[Job], links: Links, cache_dir: Path | None,
               workers: int | None = None, *,
               memo: dict[tuple[str, str], Remembered] | None = None,
               spill: Spill | None = None) -> list[Rendered]:
    """Every job's body and problems, in order. `workers`: None decides, 1 is serial.

    With `spill` (kabar build), each body's HTML goes into that temporary file as soon as
    it is decoded, and the body holds a handle (generator/spill.py), not the text.

    `memo` (kabar serve) holds the previous call's results in memory: a body whose text and
    URL are the same and whose links still resolve as they did is reused without touching
    the cache; it is refilled with this call's results only. Its first call (an empty memo)
    reads the cache and adds to it, removing nothing; later calls leave the cache alone.
    Without a memo, the entries no job used are removed from the cache afterwards, so it
    holds one entry per body.
    """
    cache = PackCache(cache_dir / FOLDER) if cache_dir is not None and not memo else None
    try:
        return _render_all(jobs, links, cache, workers, memo, spill)
    finally:
        if cache is not None:
            cache.close()


def _render_all(jobs: Sequence[Job], links: Links, cache: PackCache | None,
                workers: int | None, memo: dict[tuple[str, str], Remembered] | None,
                spill: Spill | None) -> list[Rendered]:
    keys: dict[int, str] = {}
    asked: dict[int, list[Any]] = {}
    results: list[Rendered | None] = [None] * len(jobs)
    missing: list[int] = []
    for n, job in enumerate(jobs):
        resolve = resolver(links, job.path, job.url)
        known = memo.get((job.path, job.url)) if memo is not None else None
        if known is not None and known[0] == job.text and _still(known[1], resolve):
            asked[n], results[n] = known[1], known[2]
            continue
        keys[n] = cache_key(_fingerprint(), job.path, job.url,
                            hashlib.blake2b(job.text, digest_size=32).hexdigest())
        entry = cache.get(keys[n]) if cache is not None else None
        found = _from_cache(entry, resolve, spill) if entry else None
        if found is None:
            missing.append(n)
            if entry is not None and cache is not None:
                cache.forget(keys[n])  # unreadable here: stored anew once rendered
        else:
            asked[n], results[n] = found
    fresh = _render_many([jobs[n] for n in missing], links, workers)
    for n, data in zip(missing, fresh, strict=True):
        meta, html = _split(data)
        asked[n], results[n] = meta["asked"], _decode(meta, html, spill)
        if cache is not None:
            cache.put(keys[n], data)
    done = [r for r in results if r is not None]
    if cache is not None:
        # What this content did not use goes: bodies since edited, and entries of older
        # code or of an older format (`kabar serve` keeps its memo's bodies without keys
        # and removes nothing).
        cache.finish(keys.values() if memo is None else None)
    if memo is not None:
        memo.clear()
        memo.update(((job.path, job.url), (job.text, asked[n], done[n]))
                    for n, job in enumerate(jobs))
    return done


def _still(asked: list[Any], resolve: Resolver) -> bool:
    """Whether every link a body asked about resolves as it did when it was rendered."""
    return all(_answer(resolve(target)) == answer for target, answer in asked)


def _render_many(jobs: list[Job], links: Links, workers: int | None) -> Iterator[bytes]:
    count = workers if workers is not None else cpus()
    method = fresh_start_method()
    enough = len(jobs) >= (2 if workers is not None else MIN_PARALLEL)
    if count <= 1 or not enough or method is None:
        return (_render_job(links, job) for job in jobs)
    return _in_workers(jobs, links, min(count, len(jobs)), method)


def _in_workers(jobs: list[Job], links: Links, count: int, method: str) -> Iterator[bytes]:
    context = multiprocessing.get_context(method)
    if method == "forkserver":  # only this module is imported there, never the caller's
        context.set_forkserver_preload([__name__])
    chunk = max(1, min(64, len(jobs) // (count * 8)))
    # Forked workers share the build's memory: see shared_with_workers (on 10k stories a
    # cold build's peak was the workers' private copies of the parent's content).
    shared = shared_with_workers() if method == "fork" else contextlib.nullcontext()
    with shared, ProcessPoolExecutor(count, mp_context=context, initializer=_start_worker,
                                     initargs=(links,)) as pool:
        yield from pool.map(_render_in_worker, jobs, chunksize=chunk)


_WORKER_LINKS: Links | None = None


def _start_worker(links: Links) -> None:
    global _WORKER_LINKS  # one per worker process, set once before its first job
    _WORKER_LINKS = links
    watch_parent()


def _render_in_worker(job: Job) -> bytes:
    assert _WORKER_LINKS is not None, "worker started without its links"
    return _render_job(_WORKER_LINKS, job)


def _render_job(links: Links, job: Job) -> bytes:
    """Render one body; the answers the resolver gave are kept to validate a cached copy."""
    live = resolver(links, job.path, job.url)
    asked: list[tuple[str, list[Any]]] = []

    def resolve(target: str) -> Resolved | Unresolved:
        answer = live(target)
        asked.append((target, _answer(answer)))
        return answer

    body, problems = render(job.text.decode("utf-8"), resolve)
    meta = {
        "toc": [[e.level, e.id, e.name] for e in body.toc],
        "words": body.word_count,
        "first": body.first_paragraph,
        "assets": [[a.source, a.url] for a in body.assets],
        "problems": [[p.line, p.message, p.hint, p.severity] for p in problems],
        "asked": asked,
    }
    # json.dumps escapes a newline in a string, so the first one ends the JSON.
    return json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + \
        b"\n" + str(body.html).encode("utf-8")


def _split(entry: bytes) -> tuple[dict[str, Any], bytes]:
    """An entry's JSON (everything but the HTML) and its HTML bytes."""
    head, newline, html = entry.partition(b"\n")
    meta = json.loads(head)
    if not newline or not isinstance(meta, dict):
        raise ValueError("not a rendered body")
    return meta, html


def _answer(answer: Resolved | Unresolved) -> list[Any]:
    if isinstance(answer, Unresolved):
        return ["unresolved", answer.message, answer.hint]
    asset = [answer.asset.source, answer.asset.url] if answer.asset else None
    return ["resolved", answer.url, asset, answer.width, answer.height]


def _from_cache(entry: bytes, resolve: Resolver, spill: Spill | None,
                ) -> tuple[list[Any], Rendered] | None:
    """The cached result (and the links it asked about) if it is whole and every link
    still resolves as it did."""
    try:
        data, html = _split(entry)
        if not _still(data["asked"], resolve):
            return None
        return data["asked"], _decode(data, html, spill)
    except (ValueError, KeyError, TypeError, IndexError):
        return None  # not an entry this version wrote: render again


def _decode(data: dict[str, Any], html: bytes, spill: Spill | None) -> Rendered:
    """The body and problems of an entry; with `spill` its HTML bytes go there as they
    are (the entry's checksum has vouched for them), without it they are decoded here."""
    body = RenderedBody(
        html=html.decode("utf-8") if spill is None else spill.keep_bytes(html),
        toc=tuple(TocEntry(level=int(level), id=str(id_), name=str(name))
                  for level, id_, name in data["toc"]),
        word_count=int(data["words"]), first_paragraph=str(data["first"]),
        assets=tuple(Asset(source=str(s), url=str(u)) for s, u in data["assets"]))
    problems = tuple(Problem(int(line), str(message), str(hint), str(severity))
                     for line, message, hint, severity in data["problems"])
    return Rendered(body=body, problems=problems)


#: `.cache/markdown/`: a PackCache (entries not JSON, see the module's docstring). Files of
#: the formats before (one file per entry) are removed by the next build that writes.
FOLDER = "markdown"

_FINGERPRINT: list[str] = []


def _fingerprint() -> str:
    """What decides a body's bytes besides its text: this code, the libraries, Python."""
    if not _FINGERPRINT:
        package = Path(__file__).resolve().parents[1]
        sources = ["content/bodies.py", "content/markdown.py", "content/sanitize.py",
                   "invisible.py", "urls.py", "model.py"]
        digest = hashlib.sha256()
        for name in sources:
            digest.update((package / name).read_bytes())
        python = "{}.{}".format(*sys.version_info[:2])
        _FINGERPRINT.append(cache_key(digest.hexdigest(), ENGINE, python))
    return _FINGERPRINT[0]

