#!/usr/bin/env python3
"""Search benchmark: Pagefind index time and memory, and what a browser downloads to search.

    python3 bench/search_bench.py                # 1k and 10k stories
    python3 bench/search_bench.py --sizes 1000   # one size
    python3 bench/search_bench.py --with-100k    # also 100k (slow: generating and building)
    python3 bench/search_bench.py --sizes 10000 --split-at 20000   # 10k as one index

From 100,000 stories on (--stories-only-from) the portal is not built whole: only its story
pages and /cari/ are rendered, which is all search_index reads. --split-at sets the
portals' `search.split_at` (site.yaml); over it the index is one bundle per group of years.

For each size, outside the timed part: gen_corpus.py writes the corpus, corpus_to_portal.py
turns it into a kabar portal, and kabar builds it once (in a child process, so that every
figure belongs to that size alone). Then `generator.publish.search.search_index` runs
--runs times on the rendered pages held in memory, measuring
  - wall time (median and all runs),
  - the Python side's peak allocation during indexing (tracemalloc),
  - the peak resident memory of the pagefind binary (getrusage RUSAGE_CHILDREN: the
    indexing binary is the only child of the measuring process).
For the largest size built, the site is written to disk, served on 127.0.0.1 and opened in
headless Chromium at /cari/?q=<word>: every response until the results are shown is counted
(Playwright's request sizes, dedicated worker included), as served (no compression, like
the test server) and as gzip -6 would send the compressible ones (HTML, CSS, JS, wasm;
Pagefind's index and fragment files are gzip already).

Needs the test extras (playwright) and /usr/bin/chromium. Prints a Markdown report.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
GEN_CORPUS = REPO.parent / "shared" / "bench" / "gen_corpus.py"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

BUILD_TIME = datetime(2026, 11, 20, tzinfo=UTC)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
#: Words for the first query: a kecamatan, an affixed word, a common word of the corpus.
QUERIES = ("Godean", "pembangunan", "posyandu")
#: From this size on the portal is not built whole: only its story pages and /cari/ are
#: rendered (measure_index), to keep the 100k run within the machine's time and memory.
STORIES_ONLY_FROM = 100_000
#: Served as gzip by a usual web server (nginx gzip_types); the rest is already compressed.
COMPRESSIBLE = (".html", ".css", ".js", ".json", ".pagefind")


def portal(size: int, work: Path) -> Path:
    """The kabar portal of the size-story corpus (cached in `work`)."""
    corpus, site = work / f"corpus-{size}", work / f"portal-{size}"
    if not (site / "site.yaml").is_file():
        if not corpus.is_dir():
            subprocess.run([sys.executable, str(GEN_CORPUS), "--n", str(size), "--out",
                            str(corpus), "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
        from corpus_to_portal import convert
        convert(corpus, site)
    return site


def measure_index(site: Path, runs: int, out: Path | None,
                  stories_only: bool = False) -> dict[str, Any]:
    """In this process: build once, then time search_index `runs` times.

    `stories_only`: instead of the whole build, load the site and render only the story
    pages and /cari/ (with the theme's files), which is all search_index reads and the
    browser needs; the 100k portal's full build holds every list page and feed as well.
    """
    from generator import build as build_module
    from generator.build import BuildOptions, build
    from generator.diagnostics import BuildFailed, format_report
    from generator.publish.search import search_index
    from generator.structure.search import search_bundles

    captured: dict[str, Any] = {}

    def capture(site_: Any, pages: Any) -> list[Any]:
        captured["site"], captured["pages"] = site_, pages
        return []

    build_module.search_index = capture  # type: ignore[attr-defined]
    started = time.perf_counter()
    try:
        if stories_only:
            result = render_stories_only(site)
        else:
            result = build(site, BuildOptions(build_time=BUILD_TIME))
    except BuildFailed as failed:
        raise SystemExit(format_report(failed.diagnostics)) from None
    build_seconds = time.perf_counter() - started
    seconds, python_peaks, index = [], [], []
    for _ in range(runs):
        tracemalloc.start()
        started = time.perf_counter()
        index = search_index(captured["site"], captured["pages"])
        seconds.append(time.perf_counter() - started)
        python_peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if out is not None:
        from generator.writer import write
        write([*result.outputs, *index], out)
    return {
        "stories": len(captured["site"].stories),
        "stories_only": stories_only,
        "bundles": [[b.url, len(b.stories)] for b in search_bundles(captured["site"])],
        "build_seconds_without_search": round(build_seconds, 1),
        "index_seconds": [round(s, 2) for s in seconds],
        "index_seconds_median": round(statistics.median(seconds), 2),
        "python_peak_mb": round(max(python_peaks) / 2**20, 1),
        "pagefind_peak_rss_mb": round(child_kb / 1024, 1),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                                     1),
        "bundle_files": len(index),
        "bundle_mb": round(sum(len(o.data) for o in index) / 2**20, 2),
    }


def render_stories_only(root: Path) -> Any:
    """load_site, then the story pages, /cari/ and the theme's files only (see above)."""
    from types import SimpleNamespace

    from generator.build import BuildOptions, load_site
    from generator.diagnostics import Diagnostics
    from generator.render import pages as pages_module
    from generator.render import render_pages

    def stories_and_search(maker: Any) -> Any:
        for story in maker.site.stories:
            yield maker.story(story)
        yield maker.search()

    diags = Diagnostics()
    site = load_site(root, BuildOptions(build_time=BUILD_TIME), diags)
    pages_module.PageMaker.all = stories_and_search  # type: ignore[method-assign]
    pages = render_pages(site, root, diags)
    from generator import build as build_module
    build_module.search_index(site, pages)  # the capture above
    return SimpleNamespace(outputs=pages)


def first_query_bytes(out: Path, query: str) -> dict[str, Any]:
    """Open /cari/?q=query in Chromium and count what it downloads until results show."""
    from externals import serve_directory
    from playwright.sync_api import sync_playwright

    responses: list[tuple[str, int, int]] = []
    with serve_directory(out) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("requestfinished", lambda request: responses.append(
            (request.url, request.sizes()["responseBodySize"],
             request.sizes()["responseHeadersSize"])))
        page.goto(f"{base}/cari/?q={query}")
        page.wait_for_selector(".search-results .card", timeout=60_000)
        page.wait_for_load_state("networkidle")
        results = page.inner_text(".search-status")
        browser.close()
    rows = []
    for url, reported, headers in responses:
        path = url.removeprefix(base).split("?")[0]
        local = out / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
        data = local.read_bytes() if local.is_file() else b""
        # The test server sends files as they are, so a body is its file; Chromium reports
        # 0 for the worker's own script, which the worker did download.
        body = len(data) if data else reported
        zipped = len(gzip.compress(data, 6)) if path.endswith(COMPRESSIBLE) or \
            path.endswith("/") else body
        rows.append({"path": path, "body": body, "reported": reported, "headers": headers,
                     "gzip": zipped})
    def group(row: dict[str, Any]) -> str:
        path = row["path"]
        if re.match(r"/pagefind/\d{4}", path):
            return "6. older years' bundles (split index), merged in by search.js"
        if path.endswith(("pagefind.js", "pagefind-worker.js", ".pagefind", "entry.json")):
            return "2. Pagefind library: pagefind.js, worker, wasm, entry (fixed size)"
        if path.endswith(".pf_meta"):
            return "3. page list and date order (.pf_meta, grows with the site)"
        if path.endswith((".pf_index", ".pf_filter")):
            return "4. word index chunks (and filters) the query needs"
        if path.endswith(".pf_fragment"):
            return "5. fragments of the first 10 results"
        return "1. the page: HTML, CSS, search.js, favicon"

    groups: dict[str, dict[str, int]] = {}
    for row in rows:
        g = groups.setdefault(group(row), {"files": 0, "bytes": 0, "gzip": 0})
        g["files"] += 1
        g["bytes"] += row["body"]
        g["gzip"] += row["gzip"]
    return {"query": query, "status": results, "requests": len(rows),
            "bytes": sum(r["body"] for r in rows),
            "header_bytes": sum(r["headers"] for r in rows),
            "gzip_bytes": sum(r["gzip"] for r in rows), "groups": groups,
            "files": sorted(rows, key=lambda r: r["path"])}


def set_split_at(site: Path, split_at: int | None) -> None:
    """Give the portal's site.yaml `search: split_at:` (None: the default)."""
    config = site / "site.yaml"
    text = config.read_text(encoding="utf-8").split("\nsearch:\n")[0].rstrip("\n") + "\n"
    if split_at is not None:
        text += f"search:\n  split_at: {split_at}\n"
    config.write_text(text, encoding="utf-8")


def child(args: argparse.Namespace) -> int:
    """One size, in a fresh process: print a JSON line."""
    site = portal(args.one, args.work)
    set_split_at(site, args.split_at)
    out = args.work / f"output-{args.one}" if args.serve else None
    figures = measure_index(site, args.runs, out, stories_only=args.one >= args.stories_only_from)
    if out is not None:
        figures["first_query"] = [first_query_bytes(out, q) for q in QUERIES]
    print("RESULT " + json.dumps(figures))
    return 0


def kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB"


def report(figures: dict[int, dict[str, Any]]) -> str:
    lines = ["| stories | index time (median) | runs | pagefind peak RSS | Python peak "
             "(tracemalloc) | bundle |", "|---|---|---|---|---|---|"]
    for _, f in sorted(figures.items()):
        lines.append(f"| {f['stories']:,} | {f['index_seconds_median']} s | "
                     f"{', '.join(map(str, f['index_seconds']))} | "
                     f"{f['pagefind_peak_rss_mb']} MB | {f['python_peak_mb']} MB | "
                     f"{f['bundle_files']:,} files, {f['bundle_mb']} MB |")
    for size, f in sorted(figures.items()):
        for q in f.get("first_query", []):
            lines += ["", f"First query `{q['query']}` on {size:,} stories: {q['status']} "
                      f"{q['requests']} requests, {kb(q['bytes'])} as served, "
                      f"{kb(q['gzip_bytes'])} with gzip (+{kb(q['header_bytes'])} headers).",
                      "", "| part | files | as served | gzip |", "|---|---|---|---|"]
            lines += [f"| {name} | {g['files']} | {kb(g['bytes'])} | {kb(g['gzip'])} |"
                      for name, g in sorted(q["groups"].items())]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--with-100k", action="store_true", help="add 100,000 stories")
    parser.add_argument("--runs", type=int, default=3, help="index runs per size")
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "kabar-search-bench",
                        help="corpora and portals are kept here between runs")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the raw figures too")
    parser.add_argument("--split-at", type=int, help="search.split_at for the portals "
                        "(default: site.yaml's default)")
    parser.add_argument("--stories-only-from", type=int, default=STORIES_ONLY_FROM,
                        help="from this size on, render only story pages and /cari/")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.one:
        return child(args)
    sizes = sorted(set(args.sizes + ([100_000] if args.with_100k else [])))
    figures: dict[int, dict[str, Any]] = {}
    for size in sizes:
        started = time.perf_counter()
        command = [sys.executable, __file__, "--one", str(size), "--runs", str(args.runs),
                   "--work", str(args.work), "--stories-only-from", str(args.stories_only_from)]
        if args.split_at is not None:
            command += ["--split-at", str(args.split_at)]
        if size == max(sizes):
            command.append("--serve")
        proc = subprocess.run(command, capture_output=True, text=True, check=False,
                              env={**os.environ, "PYTHONHASHSEED": "0"})
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if proc.returncode or line is None:
            print(proc.stdout[-3000:], proc.stderr[-3000:], file=sys.stderr)
            return 1
        figures[size] = json.loads(line.removeprefix("RESULT "))
        print(f"{size:,} stories: {time.perf_counter() - started:.0f} s in all",
              file=sys.stderr)
    if args.json:
        print(json.dumps(figures, indent=2))
    print(report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
