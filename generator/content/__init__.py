"""content/ → Story and Page records: read, split, validate, resolve links, render.

Reads files (the input edge of the pipeline) but writes nothing. All problems of all
files are collected before the caller decides to stop.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import posixpath
import time
import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from pathlib import Path
from types import MappingProxyType
from typing import Any

from generator import invisible, urls
from generator.cache import read_whole
from generator.config import walk_regions
from generator.config import yamlsource as yaml_source
from generator.config.schema import SiteConfig
from generator.content import frontmatter, schedule
from generator.content.bodies import Job, Links, render_all, resolver
from generator.content.checks import CheckCache, environment
from generator.content.discover import STATIC, Folders, SourceTree, discover
from generator.content.limits import check_body
from generator.content.markdown import Problem, Resolver, Unresolved
from generator.content.metadata import CheckedStory, PageFields, check_page, check_story
from generator.diagnostics import Diagnostic, Diagnostics
from generator.model import (
    Asset,
    FactCheck,
    FileHistory,
    Image,
    Page,
    RenderedBody,
    ScheduledChange,
    Source,
    Story,
    StoryMeta,
)
from generator.spill import Spill
from generator.workers import cpus, forked_map, start_method

__all__ = ["Content", "Memo", "discover", "load_content"]

_NO_HISTORY: Mapping[str, FileHistory] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class Content:
    """What content/ holds, validated and rendered."""

    stories: tuple[Story, ...]  # only those this build publishes and lists
    pages: tuple[Page, ...]
    factchecks: tuple[Story, ...] = ()  # content/cek-fakta/, published and listed
    assets: tuple[Asset, ...]  # content/static files, published at the site root
    unlisted: tuple[Story, ...] = ()  # expired: pages built (noindex), in no list
    next_change: ScheduledChange | None = None


@dataclass(frozen=True, slots=True)
class _Where:
    """A file's front matter and lines, to locate later diagnostics.

    The YAML is parsed again when a message is reported, not kept parsed: few files ever
    get one, and a build that takes its checks from the cache (content/checks.py) then
    decodes two strings per file instead of every key's position (a 10,000-story build
    decoded 1.8 million JSON objects for it). Parsing is a pure function of the text, so
    the positions are the ones the check saw.
    """

    header: str  # the YAML between the fences
    lines: tuple[str, ...]  # the file's lines up to the body's first

    @property
    def doc(self) -> yaml_source.YamlDoc:
        doc = yaml_source.load(self.header)
        if isinstance(doc, yaml_source.YamlError):  # only a forged cache entry: it parsed
            return yaml_source.YamlDoc({}, {}, {}, ())  # when it was checked; line 1 then
        return doc

    def report(self, diags: Diagnostics, path: str, key: str, message: str, hint: str, *,
               warning: bool = False) -> None:
        line, column, source = self._at(key)
        report = diags.warning if warning else diags.error
        report(path, line, message, column=column, hint=hint, source_line=source)

    def note(self, diags: Diagnostics, path: str, key: str, message: str, hint: str) -> None:
        line, column, source = self._at(key)
        diags.info(path, line, message, column=column, hint=hint, source_line=source)

    def _at(self, key: str) -> tuple[int, int, str]:
        pos = self.doc.value_pos((key,))
        line = pos.line + 1  # the header starts below the opening '---'
        return line, pos.column, self.lines[line - 1] if line <= len(self.lines) else ""


@dataclass(frozen=True, slots=True)
class _Parsed:
    path: str
    # UTF-8, not str: a str of Indonesian text with one non-ASCII character takes two bytes
    # a character (and pickling it to a worker caches a UTF-8 copy inside it), and every
    # published body is held until the Markdown stage ends (1.5 GB of 100,000 stories).
    body: bytes
    body_line: int


#: What checking one file gives: (parsed, checked front matter, …), or None when it failed.
_Checked = Any

#: A file whose last change is closer than this to the moment it was looked at is read
#: again on the next rebuild, whatever its stat says (git's "racy" rule): two saves inside
#: one tick of the file system's clock can leave size, mtime and ctime all the same.
RACY_NS = 2_000_000_000


@dataclass(frozen=True, slots=True)
class _Entry:
    """One file as the memo remembers it."""

    signature: tuple[int, int, int, int]  # inode, size, mtime, ctime when last looked at
    trusted: bool  # the signature alone may say "unchanged" (see RACY_NS)
    digest: bytes  # blake2b of the bytes that were checked: the key of `result`
    result: _Checked
    problems: tuple[Diagnostic, ...]  # what checking the file reported, replayed on reuse


@dataclass(slots=True)
class _Files:
    old: dict[tuple[str, bool], _Entry]
    kept: dict[tuple[str, bool], _Entry]


class Memo:
    """What the content stage learnt about each file, kept by `kabar serve` between rebuilds.

    A story or page whose bytes are the same as last time (same blake2b digest) reuses its
    read, front-matter check and diagnostics; its body is reused when its text, URL and the
    answers to its links are the same (content/bodies.py). A file whose inode, size, mtime
    and ctime are unchanged since a look taken well after its last change is not read
    again at all. Everything across files (addresses, translations, collisions, links) is
    worked out afresh on every call; a different site.yaml starts the memo over. Entries
    of files no longer seen are dropped. `kabar build` never uses one.
    """

    def __init__(self) -> None:
        self.config: SiteConfig | None = None
        self.files: dict[tuple[str, bool], _Entry] = {}
        self.bodies: dict[tuple[str, str], Any] = {}
        #: source path → the inputs of its Story record and the record (see `_story`)
        self.stories: dict[str, tuple[Any, ...]] = {}
        #: content/'s folders as last listed (content/discover.py)
        self.folders = Folders()

    def files_for(self, config: SiteConfig) -> _Files:
        if config != self.config:
            self.config, self.files, self.bodies, self.stories = config, {}, {}, {}
        return _Files(self.files, {})


def load_content(root: Path, config: SiteConfig, tree: SourceTree, diags: Diagnostics, *,
                 include_drafts: bool, now: datetime,
                 history: Mapping[str, FileHistory] = _NO_HISTORY,
                 cache_dir: Path | None = None, workers: int | None = None,
                 memo: Memo | None = None, spill: Spill | None = None) -> Content:
    """Validate every story and page, then render the ones this build publishes.

    `now` is the build time: a story dated after it is scheduled (built only with
    `include_drafts`, as a preview), one whose `expires` has passed is built unlisted.
    `history` (content/history.py) gives each file its git dates and contributors; a story
    without `updated:` takes its last commit as `updated` when it was changed after `date`.
    Bodies come from `cache_dir` when their text and links are unchanged; the others are
    rendered in `workers` processes (None: as many as CPUs when there are many, 1: here).
    `memo` (kabar serve only) keeps each file's check and body for the next call: see Memo.
    `spill` (kabar build) keeps the bodies' HTML in a temporary file (generator/spill.py).
    """
    zone = zoneinfo.ZoneInfo(config.timezone)
    region_ids = frozenset(r.id for r, _, _ in walk_regions(config.regions))
    max_bytes = config.limits.story_kb * 1024
    files = memo.files_for(config) if memo is not None else None
    # kabar build writes what it checked for the next build; kabar serve reads it for its
    # first build only (then its memo has every file, and a save costs no index read)
    stored = None if cache_dir is None or (files is not None and files.old) else CheckCache(
        cache_dir / "checks", environment(config), _Parsed,
        (_Where, CheckedStory, PageFields, Source, FactCheck, Diagnostic, *yaml_source.RECORDS),
        write=memo is None)

    def check_one(path: str, factcheck: bool, data: bytes, found: Diagnostics) -> _Checked:
        parsed, doc, lines, header = _parse(path, data, found)
        if parsed is None or doc is None:
            return None
        meta = check_story(doc, path, 1, config, zone, region_ids, found, lines,
                           factcheck=factcheck)
        if meta is not None and len(meta.tags) > config.limits.tags:
            _Where(header, tuple(lines)).report(found, path, "tags", f"terlalu banyak tag "
                                      f"({len(meta.tags)}; paling banyak {config.limits.tags})",
                                      "pilih beberapa tag yang paling penting")
            return None
        if meta is None:
            return None
        # Only the front matter's lines: its keys are all a later message points at.
        return parsed, meta, _Where(header, tuple(lines[:parsed.body_line]))

    def check_page_file(path: str, _factcheck: bool, data: bytes, found: Diagnostics,
                        ) -> _Checked:
        parsed, doc, lines, _header = _parse(path, data, found)
        if parsed is None or doc is None:
            return None
        stem = posixpath.splitext(posixpath.basename(path))[0]
        result = check_page(doc, path, 1, found, lines, stem)
        return None if result is None else (parsed, *result)

    items = [*((p, False, check_one) for p in tree.stories),
             *((p, True, check_one) for p in tree.factchecks)]
    page_items = [(p, False, check_page_file) for p in tree.pages]
    try:
        if files is None:
            results = _check_files(root, [*items, *page_items], max_bytes, diags, stored, workers)
        else:
            results = [_checked(root, path, factcheck, max_bytes, diags, check, files, stored)
                       for path, factcheck, check in [*items, *page_items]]
    except BaseException:
        if stored is not None:
            stored.abandon()
        raise
    checked = [result for result in results[:len(items)] if result is not None]
    page_meta = [result for result in results[len(items):] if result is not None]
    if stored is not None:
        stored.finish()
    if memo is not None and files is not None:
        memo.files = files.kept

    _note_schedule(checked, now, zone, diags)
    _check_translations(checked, diags)
    published = [c for c in checked if include_drafts or (
        c[1].status == "published" and c[1].date <= now)]
    story_urls = {p.path: _url(m, config.language) for p, m, _ in published}
    _report_collisions(story_urls, {p.path: w for p, _, w in published}, diags)
    page_urls = {p.path: urls.static_page(slug) for p, _, slug in page_meta}
    for path, url in page_urls.items():
        if url.strip("/") in urls.RESERVED:
            diags.error(path, 2, f"alamat halaman '{url}' sudah dipakai kabar sendiri",
                        hint="beri 'slug:' lain, misalnya 'tentang-kami'")
    link_map = {**story_urls, **page_urls}
    unpublished = {p.path: _why_unpublished(m, zone) for p, m, _ in checked
                   if p.path not in story_urls}

    links = Links(root=root, files=tree.files, targets=link_map,
                  unpublished=unpublished, max_image_mb=config.limits.image_mb)
    jobs = [Job(p.path, story_urls[p.path], p.body) for p, _, _ in published]
    jobs += [Job(p.path, page_urls[p.path], p.body) for p, _, _ in page_meta]
    rendered = render_all(jobs, links, cache_dir, workers,
                          memo=memo.bodies if memo is not None else None, spill=spill)
    stories = []
    made: dict[str, tuple[Any, ...]] = {}
    for (parsed, meta, where), done in zip(published, rendered[:len(published)], strict=True):
        url = story_urls[parsed.path]
        _report(done.problems, parsed, diags)
        image = _hero(meta, parsed.path, where, resolver(links, parsed.path, url), diags)
        inputs = (meta, url, done.body, image, history.get(parsed.path))
        story = _story(parsed.path, inputs, memo.stories.get(parsed.path) if memo else None)
        made[parsed.path] = (*inputs, story)
        stories.append(story)
    if memo is not None:
        memo.stories = made
    pages = []
    for (parsed, fields, _slug), done in zip(page_meta, rendered[len(published):], strict=True):
        _report(done.problems, parsed, diags)
        pages.append(Page(path=parsed.path, title=fields.title, summary=fields.summary,
                          menu=fields.menu, url=page_urls[parsed.path], body=done.body,
                          history=history.get(parsed.path)))
    static = tuple(Asset(source=f, url="/" + f[len(STATIC):]) for f in tree.static)
    expired = {parsed.path for parsed, meta, _ in published if meta.expires is not None
               and meta.expires <= now}
    listed = [s for s in stories if s.path not in expired]
    return Content(stories=tuple(s for s in listed if s.meta.factcheck is None),
                   factchecks=tuple(s for s in listed if s.meta.factcheck is not None),
                   unlisted=tuple(s for s in stories if s.path in expired),
                   pages=tuple(pages), assets=static,
                   next_change=schedule.next_change(((p.path, m) for p, m, _ in checked), now))


def _url(meta: CheckedStory, site_language: str) -> str:
    """A fact check's address, or a story's (under /<lang>/ when not in the site language)."""
    if meta.factcheck is not None:
        return urls.factcheck(meta.date, meta.slug)
    return urls.story(meta.date, meta.slug, "" if meta.lang == site_language else meta.lang)


def _note_schedule(checked: list[tuple[_Parsed, CheckedStory, _Where]], now: datetime,
                   zone: tzinfo, diags: Diagnostics) -> None:
    """`kabar check` says which published stories wait for their time, or have expired."""
    for parsed, meta, where in checked:
        if meta.status != "published":
            continue
        if meta.date > now:
            where.note(diags, parsed.path, "date", "cerita terjadwal: terbit "
                       f"{schedule.local_text(meta.date, zone)}",
                       "build pada atau sesudah waktu itu menerbitkannya (jadwalkan build "
                       "ulang, lihat templates/ci/)")
        elif meta.expires is not None and meta.expires <= now:
            where.note(diags, parsed.path, "expires", "cerita kedaluwarsa sejak "
                       f"{schedule.local_text(meta.expires, zone)}: tidak tampil di daftar, "
                       "feed, dan sitemap", "halamannya tetap ada dengan noindex; hapus "
                       "baris expires untuk menampilkannya lagi")


def _why_unpublished(meta: CheckedStory, zone: tzinfo) -> str:
    if meta.status == "published":  # not yet: scheduled
        return f"baru terbit {schedule.local_text(meta.date, zone)}"
    return "status bukan published"


#: Without an explicit job count, files are checked in worker processes only when at least
#: this many are not in the checks cache: forking two costs about what checking a hundred
#: files does.
MIN_PARALLEL_CHECKS = 400

#: check(path, factcheck, data, diagnostics): one file's front matter checked
_Check = Callable[[str, bool, bytes, Diagnostics], _Checked]


def _check_files(root: Path, items: list[tuple[str, bool, _Check]], max_bytes: int,
                 diags: Diagnostics, stored: CheckCache | None, workers: int | None,
                 ) -> list[_Checked]:
    """kabar build: each (path, factcheck, check) file read and checked, or its check taken
    from the checks cache (content/checks.py) when its bytes are the same; the results in
    order, the diagnostics reported in the files' order. The files the cache does not
    hold are checked in forked workers when there are many: a cold build of 10,000
    stories spent 7 s here on one CPU."""
    outcomes: list[tuple[_Checked, tuple[Diagnostic, ...]] | None] = []
    todo: list[tuple[int, str, bool, bytes, _Check]] = []
    for path, factcheck, check in items:
        file = os.path.join(root, path)  # noqa: PTH118 (strings: see `_checked`)
        size = os.stat(file).st_size  # noqa: PTH116
        if size > max_bytes:
            found = Diagnostics()
            _too_big(path, size, max_bytes, found)
            outcomes.append((None, tuple(found)))
            continue
        data = read_whole(file)
        hit = stored.get(path, factcheck, data) if stored is not None else None
        if hit is None:
            todo.append((len(outcomes), path, factcheck, data, check))
        outcomes.append(hit)
    for (n, path, factcheck, data, _), (checked, entry) in zip(
            todo, _check_many(todo, stored, workers), strict=True):
        outcomes[n] = checked
        if stored is not None:
            stored.keep(path, factcheck, data, entry)
    results = []
    for outcome in outcomes:
        assert outcome is not None, "a file neither checked nor taken from the cache"
        result, problems = outcome
        for problem in problems:  # what checking it said (then, or in a worker)
            diags.add(problem)
        results.append(result)
    return results


def _check_many(todo: list[tuple[int, str, bool, bytes, _Check]], stored: CheckCache | None,
                workers: int | None,
                ) -> Iterator[tuple[tuple[_Checked, tuple[Diagnostic, ...]], bytes | None]]:
    """Each file's check, its diagnostics and its checks-cache entry (None: none), in
    order: here, or in forked workers (`workers` as in `load_content`). A worker sends
    its results pickled; one that cannot be pickled is checked again here."""
    def one(n: int) -> tuple[tuple[_Checked, tuple[Diagnostic, ...]], bytes | None]:
        _, path, factcheck, data, check = todo[n]
        found = Diagnostics()
        checked = check(path, factcheck, data, found), tuple(found)
        return checked, stored.entry(data, checked) if stored is not None else None

    def pickled(n: int) -> tuple[bytes | None, bytes | None]:
        checked, entry = one(n)
        try:
            return pickle.dumps(checked, protocol=pickle.HIGHEST_PROTOCOL), entry
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return None, entry

    count = workers if workers is not None else cpus()
    enough = len(todo) >= (2 if workers is not None else MIN_PARALLEL_CHECKS)
    if count <= 1 or not enough or start_method() != "fork":
        yield from (one(n) for n in range(len(todo)))
        return
    processes = min(count, len(todo))
    chunk = max(1, min(64, len(todo) // (processes * 8)))
    for n, (data, entry) in enumerate(forked_map(pickled, len(todo), processes, chunk)):
        yield (pickle.loads(data) if data is not None else one(n)[0]), entry


def _too_big(path: str, size: int, max_bytes: int, diags: Diagnostics) -> None:
    diags.error(path, 0, f"berkas terlalu besar ({size // 1024} KB; paling besar "
                f"{max_bytes // 1024} KB)",
                hint="pecah menjadi beberapa cerita, atau naikkan limits.story_kb di site.yaml")


def _checked(root: Path, path: str, factcheck: bool, max_bytes: int, diags: Diagnostics,
             check: _Check, files: _Files, stored: CheckCache | None) -> Any:
    """kabar serve: one file read and checked, or its result from the memo or the checks
    cache (content/checks.py) when its bytes are the same."""
    # Strings, not a Path per file: 10,000 of them on every save of `kabar serve`.
    file = os.path.join(root, path)  # noqa: PTH118
    stat = os.stat(file)  # noqa: PTH116
    if stat.st_size > max_bytes:
        _too_big(path, stat.st_size, max_bytes, diags)
        return None
    key = (path, factcheck)
    entry = files.old.get(key)
    signature = (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    if entry is None or not entry.trusted or entry.signature != signature:
        data = read_whole(file)
        digest = hashlib.blake2b(data, digest_size=20).digest()
        if entry is None or entry.digest != digest:
            found = Diagnostics()
            entry = _Entry(signature, True, digest,
                           _check(path, factcheck, data, found, check, stored), tuple(found))
        # A signature taken within RACY_NS of the file's last change may stay the same
        # through a second save in the same clock tick: read such a file again next time.
        trusted = time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > RACY_NS
        entry = _Entry(signature, trusted, entry.digest, entry.result, entry.problems)
    files.kept[key] = entry
    for problem in entry.problems:  # what checking it said, said again
        diags.add(problem)
    return entry.result


def _check(path: str, factcheck: bool, data: bytes, diags: Diagnostics, check: _Check,
           stored: CheckCache | None) -> _Checked:
    """`check` the file, or take what checking the same bytes gave last time."""
    if stored is not None:
        hit = stored.get(path, factcheck, data)
        if hit is not None:
            result, problems = hit
            for problem in problems:  # what checking it said, said again
                diags.add(problem)
            return result
    found = Diagnostics()
    result = check(path, factcheck, data, found)
    if stored is not None:
        stored.put(path, factcheck, data, (result, tuple(found)))
    for problem in found:
        diags.add(problem)
    return result


def _parse(path: str, data: bytes, diags: Diagnostics,
           ) -> tuple[_Parsed | None, yaml_source.YamlDoc | None, list[str], str]:
    """The file's body, its front matter parsed, its lines and its front matter's text."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        diags.error(path, line, "berkas bukan teks UTF-8 (ada huruf yang tidak bisa dibaca)",
                    hint="simpan ulang berkas dengan encoding UTF-8 (bukan dari Word)")
        return None, None, [], ""
    lines = text.replace("\r\n", "\n").split("\n")
    split = frontmatter.split(text)
    if isinstance(split, frontmatter.SplitError):
        diags.error(path, split.line, split.message, hint=split.hint,
                    source_line=lines[0] if lines else "")
        return None, None, lines, ""
    body = _visible_body(split, path, lines, diags)
    too_much = check_body(body)
    if too_much is not None:
        line = split.body_line + too_much.line - 1
        diags.error(path, line, too_much.message, hint=too_much.hint,
                    source_line=lines[line - 1][:120] if line <= len(lines) else "")
        return None, None, lines, ""
    doc = yaml_source.load(split.header)
    if isinstance(doc, yaml_source.YamlError):
        line = doc.line + split.header_line - 1
        diags.error(path, line, doc.message, column=doc.column, hint=doc.hint,
                    source_line=lines[line - 1] if line <= len(lines) else "")
        return None, None, lines, ""
    if not isinstance(doc.data, dict):
        diags.error(path, split.header_line, "front matter harus berisi pasangan kunci: nilai",
                    hint="contoh baris: title: \"Judul cerita\"")
        return None, None, lines, ""
    for value in doc.hidden:
        line = value.position.line + split.header_line - 1
        message, hint = invisible.describe(list(value.chars))
        diags.warning(path, line, message, column=value.position.column, hint=hint,
                      source_line=lines[line - 1] if line <= len(lines) else "")
    return _Parsed(path, body.encode("utf-8"), split.body_line), doc, lines, split.header


def _visible_body(split: frontmatter.Split, path: str, lines: list[str],
                  diags: Diagnostics) -> str:
    """The body without invisible characters; the bidi and control ones are warned about."""
    by_line: dict[int, list[invisible.Hidden]] = {}
    for hidden in invisible.find(split.body):
        by_line.setdefault(hidden.line, []).append(hidden)
    for body_line, found in by_line.items():  # one warning per line
        line = split.body_line + body_line - 1
        message, hint = invisible.describe(found)
        diags.warning(path, line, message, column=found[0].column, hint=hint,
                      source_line=lines[line - 1] if line <= len(lines) else "")
    return invisible.remove(split.body)


def _report(problems: tuple[Problem, ...], parsed: _Parsed, diags: Diagnostics) -> None:
    if not problems:
        return
    lines = parsed.body.decode("utf-8").split("\n")
    for problem in problems:
        source = lines[problem.line - 1] if problem.line <= len(lines) else ""
        line = problem.line + parsed.body_line - 1
        if problem.severity == "error":
            diags.error(parsed.path, line, problem.message, hint=problem.hint,
                        source_line=source)
        else:
            diags.warning(parsed.path, line, problem.message, hint=problem.hint,
                          source_line=source)


def _report_collisions(story_urls: dict[str, str], where: dict[str, _Where],
                       diags: Diagnostics) -> None:
    owners: dict[str, str] = {}
    for path, url in story_urls.items():
        if url in owners:
            key = "slug" if ("slug",) in where[path].doc.keys else "title"
            where[path].report(diags, path, key, f"alamat {url} sudah dipakai oleh {owners[url]}",
                               "ubah judul salah satu cerita, atau beri 'slug:' yang berbeda")
        else:
            owners[url] = path


def _check_translations(checked: list[tuple[_Parsed, CheckedStory, _Where]],
                        diags: Diagnostics) -> None:
    """One story per language and translation key; a key nobody else uses is a warning.

    Drafts count: a translation still being written keeps its original from the warning.
    """
    by_key: dict[str, list[tuple[_Parsed, CheckedStory, _Where]]] = {}
    for item in checked:
        if item[1].translation_key:
            by_key.setdefault(item[1].translation_key, []).append(item)
    for key, items in by_key.items():
        if len(items) == 1:
            parsed, _, where = items[0]
            where.report(diags, parsed.path, "translation_key",
                         f"translation_key '{key}' tidak dipakai cerita lain",
                         "beri versi bahasa lain cerita ini translation_key yang sama persis, "
                         "atau hapus baris ini", warning=True)
            continue
        first: dict[str, str] = {}
        for parsed, meta, where in items:
            if meta.lang in first:
                where.report(diags, parsed.path, "translation_key",
                             f"translation_key '{key}' sudah dipakai cerita berbahasa "
                             f"'{meta.lang}' lain: {first[meta.lang]}",
                             "satu kunci hanya untuk satu cerita per bahasa: perbaiki 'lang:' "
                             "salah satunya, atau beri translation_key yang berbeda")
            else:
                first[meta.lang] = parsed.path


def _hero(meta: CheckedStory, path: str, where: _Where, resolve: Resolver,
          diags: Diagnostics) -> Image | None:
    if not meta.image:
        return None
    result = resolve(meta.image)
    if isinstance(result, Unresolved) or result.asset is None:
        message = result.message if isinstance(result, Unresolved) else \
            f"image '{meta.image}' harus berkas gambar di samping cerita"
        where.report(diags, path, "image", message,
                     "taruh gambar di folder yang sama dengan berkas cerita, lalu tulis "
                     "namanya saja, misalnya image: foto.jpg")
        return None
    return Image(source=result.asset.source, url=result.url, alt=meta.image_alt,
                 width=result.width, height=result.height)


def _story(path: str, inputs: tuple[Any, ...], last: tuple[Any, ...] | None) -> Story:
    """The Story record of a file: the one made last time (kabar serve's memo) when it was
    made from the very same checked front matter and body (the memo hands back the same
    objects only for the same bytes and link answers) and equal URL, hero image and git
    history; else a new one."""
    meta, url, body, image, known = inputs
    if last is not None and last[0] is meta and last[2] is body and last[1] == url \
            and last[3] == image and last[4] == known:
        story: Story = last[5]
        return story
    assets = body.assets + ((Asset(source=image.source, url=image.url),) if image else ())
    return Story(path=path, meta=_meta(meta, image, known), url=url,
                 body=_with_assets(body, assets), history=known)


def _meta(meta: CheckedStory, image: Image | None, history: FileHistory | None) -> StoryMeta:
    updated = meta.updated
    if updated is None and history is not None and history.commits > 1 \
            and history.last > meta.date:
        updated = history.last  # corrected after publication, says git (the first commit
        # only created the file, so a single commit is never an update)
    return StoryMeta(title=meta.title, date=meta.date, updated=updated, region=meta.region,
                     category=meta.category, tags=meta.tags, author=meta.author,
                     summary=meta.summary, image=image, slug=meta.slug, source=meta.source,
                     status=meta.status, lang=meta.lang, translation_key=meta.translation_key,
                     approved_by=meta.approved_by, expires=meta.expires, factcheck=meta.factcheck)


def _with_assets(body: RenderedBody, assets: tuple[Asset, ...]) -> RenderedBody:
    return replace(body, assets=tuple(sorted(set(assets), key=lambda a: a.url)))
