#!/usr/bin/env python3
"""kabar against Hugo and Pelican on the shared synthetic corpus: one command, one table.

    python3 bench/run.py                 # 1k and 10k stories, 3 runs each, peers included
    python3 bench/run.py --full          # and 100k (slow: about an hour on 2 cores)
    python3 bench/run.py --sizes 1000 --runs 1 --no-peers --no-serve   # a quick look

For every size it generates the corpus (../shared/bench/gen_corpus.py, seed 1), turns it
into two kabar portals (bench/corpus_to_portal.py: as it ships, and `--equal-work` with
feeds per list and share cards off), and measures, as separate processes:

- kabar cold: no `.cache/`, no `output/` (removed, then 32 s of quiet for every cold
  build, kabar's and the peers': see `_removed`);
- kabar warm: the same build again, nothing changed;
- kabar after one edit: one story's body changed, a new `kabar build` with its cache
  (what CI does on a push);
- Hugo and Pelican cold builds (`peers/<peer>/build.sh`; `peers/setup.sh` installs them);
- on 10k, `kabar serve`: save a story → the open tab has reloaded, as the browser timed its
  `load` event and as Playwright saw it (scripts/serve-latency);
- with `--pairs N`: N more pairs of a Hugo cold build and, right after it, a kabar
  one-edit build (equal work), each pair's ratio printed and their median, so that the
  machine's slow and fast minutes fall on both sides of a ratio alike.

Wall time, CPU time (user + system of the process and every worker it waited for),
peak memory of the whole process tree (the sum of the PSS of every process, sampled
every 50 ms: memory shared by forked workers is counted once; RSS sums would count it
in every worker), and the size of the output. Medians of `--runs` runs. Ratios are
against Hugo's cold build in the same run: shared machines are noisy.

Writes a Markdown table to stdout and, with --json, the raw figures.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "bench"
PEERS_HOME = Path(os.environ.get("PEERS_HOME", Path.home() / ".cache" / "kabar-peers"))
SAMPLE_SECONDS = 0.05
HUGO_SERVE_README = 0.9  # ../shared/bench/README.md: Hugo's watch-mode rebuild, 10k


@dataclass
class Measure:
    wall: float  # seconds
    cpu: float  # seconds, user + system: the process, its waited-for descendants, and fork
                #   servers it started with the workers they waited for
    peak_mb: float  # highest sum of PSS over the process tree, MB
    peak_rss_mb: float  # highest sum of RSS over the process tree (counts shared pages twice)
    out_mb: float  # bytes written to the output folder, MB
    files: int
    status: int


def _tree(pid: int) -> list[int]:
    """pid and its descendants (Linux /proc/<pid>/task/<tid>/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


def _fork_servers(root: int, tree: list[int]) -> list[int]:
    """The multiprocessing fork servers `root` started (kabar's Markdown workers come from
    one). `root` never waits for a fork server, nor the server's workers, so their CPU
    time is not in `root`'s rusage: it is read from the server, which reaps its workers."""
    found = []
    for pid in tree:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                command = handle.read()
        except (OSError, ValueError, IndexError):
            continue
        if parent == root and b"multiprocessing.forkserver" in command:
            found.append(pid)
    return found


def _cpu_with_children(pid: int) -> float:
    """User + system seconds of `pid` and of the children it has waited for; 0 if gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _memory(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in kB; (0, 0) when it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            text = handle.read()
    except OSError:
        return 0, 0
    pss = re.search(r"^Pss:\s+(\d+)", text, re.M)
    rss = re.search(r"^Rss:\s+(\d+)", text, re.M)
    return (int(pss[1]) if pss else 0), (int(rss[1]) if rss else 0)


def measure(command: list[str], out: Path | None, log: Path, cwd: Path = REPO) -> Measure:
    """Run `command`, sampling the memory of its process tree until it exits."""
    started = time.perf_counter()
    with log.open("wb") as sink:
        proc = subprocess.Popen(command, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT)
        peak = peak_rss = 0
        servers: dict[int, float] = {}  # fork servers: their CPU and their reaped workers'
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            tree = _tree(proc.pid)
            sizes = [_memory(p) for p in tree]
            peak = max(peak, sum(s[0] for s in sizes))
            peak_rss = max(peak_rss, sum(s[1] for s in sizes))
            for server in _fork_servers(proc.pid, tree):
                servers[server] = max(servers.get(server, 0.0), _cpu_with_children(server))
            time.sleep(SAMPLE_SECONDS)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4 above
    wall = time.perf_counter() - started
    size, files = _size(out) if out is not None else (0, 0)
    cpu = usage.ru_utime + usage.ru_stime + sum(servers.values())
    return Measure(wall=wall, cpu=cpu, peak_mb=peak / 1024,
                   peak_rss_mb=peak_rss / 1024, out_mb=size / 1e6, files=files,
                   status=proc.returncode)


def _size(folder: Path) -> tuple[int, int]:
    total = count = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
            count += 1
    return total, count


def median(runs: list[Measure]) -> Measure:
    failed = [r for r in runs if r.status != 0]
    return Measure(
        wall=statistics.median(r.wall for r in runs), cpu=statistics.median(r.cpu for r in runs),
        peak_mb=statistics.median(r.peak_mb for r in runs),
        peak_rss_mb=statistics.median(r.peak_rss_mb for r in runs),
        out_mb=runs[-1].out_mb, files=runs[-1].files, status=failed[0].status if failed else 0)


# -- the work --------------------------------------------------------------------------


def corpus(work: Path, n: int) -> Path:
    folder = work / f"corpus-{n}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, str(SHARED / "gen_corpus.py"), "--n", str(n), "--out",
                        str(folder), "--seed", "1"], check=True)
        marker.write_text(str(n))
    return folder


def portal(work: Path, source: Path, n: int, equal_work: bool) -> Path:
    folder = work / f"{'equal' if equal_work else 'shipped'}-{n}"
    subprocess.run([sys.executable, str(REPO / "bench" / "corpus_to_portal.py"), str(source),
                    str(folder), *(["--equal-work"] if equal_work else [])], check=True,
                   stderr=subprocess.DEVNULL)
    return folder


def edit_one_story(root: Path, run: int) -> Path:
    """Change the body of one story (a different sentence each run): a real edit."""
    stories = sorted((root / "content" / "stories").glob("*/*.md"))
    story = stories[len(stories) // 2]
    text = re.sub(r"\n\nPembaruan \d+\.\n$", "\n", story.read_text(encoding="utf-8"))
    story.write_text(text + f"\nPembaruan {run}.\n", encoding="utf-8")
    return story


def _removed(*folders: Path) -> None:
    """Remove `folders` (a cold build's previous tree and cache), then, if anything was
    removed, wait until ext4 hands out their inodes again. Looking for a free inode, ext4
    skips inodes deleted less than `vm.dirty_expire_centisecs` ago (30 s) whose block is
    still in memory (fs/ext4/ialloc.c, recently_deleted): here, making 20,000 folders and
    files took 12 s right after deleting 20,000 others, 2.3 s after a 40 s wait. A CI
    runner's fresh clone has deleted nothing; kabar and the peers get the same wait."""
    removed = False
    for folder in folders:
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
            removed = True
    if removed:
        try:
            centiseconds = int(Path("/proc/sys/vm/dirty_expire_centisecs").read_text())
        except (OSError, ValueError):
            centiseconds = 3000
        time.sleep(centiseconds / 100 + 2)


def kabar(root: Path, work: Path, runs: int, label: str) -> dict[str, Measure]:
    out = work / f"out-{root.name}"
    build = [sys.executable, "-m", "generator", "build", "--root", str(root), "--output",
             str(out)]
    log = work / f"{root.name}.log"
    cold, warm, edited = [], [], []
    for run in range(1, runs + 1):
        _removed(root / ".cache", out)
        cold.append(measure(build, out, log))
        _say(f"{label} cold #{run}", cold[-1], log)
        warm.append(measure(build, out, log))
        _say(f"{label} warm #{run}", warm[-1], log)
        edit_one_story(root, run)
        edited.append(measure(build, out, log))
        _say(f"{label} one edit #{run}", edited[-1], log)
    return {"cold": median(cold), "warm": median(warm), "edit": median(edited)}


def peer(name: str, source: Path, work: Path, runs: int, n: int) -> Measure:
    out = work / f"out-{name}-{n}"
    log = work / f"{name}-{n}.log"
    script = SHARED / "peers" / name / "build.sh"
    results = []
    for run in range(1, runs + 1):
        _removed(out, Path(f"{out}.cache"))
        results.append(measure(["sh", str(script), str(source), str(out)], out, log))
        _say(f"{name} cold #{run}", results[-1], log)
    return median(results)


def paired(root: Path, source: Path, work: Path, pairs: int, n: int) -> list[float]:
    """One-edit builds of `root` (already built, its cache warm), each right after a Hugo
    cold build of the same corpus: the ratio of each pair."""
    out = work / f"out-{root.name}"
    build = [sys.executable, "-m", "generator", "build", "--root", str(root), "--output",
             str(out)]
    log = work / f"{root.name}.log"
    ratios = []
    for run in range(1, pairs + 1):
        hugo = peer("hugo", source, work, 1, n)
        edit_one_story(root, 1000 + run)
        edited = measure(build, out, log)
        _say(f"kabar equal work one edit (pair #{run})", edited, log)
        ratios.append(edited.wall / hugo.wall)
        print(f"  pair #{run}: {edited.wall:.1f} s ÷ {hugo.wall:.1f} s = {ratios[-1]:.2f}",
              file=sys.stderr, flush=True)
    return ratios


def serve_latency(root: Path, work: Path, runs: int) -> tuple[float | None, float | None]:
    """Median seconds from saving a story to the reloaded tab's load event, as the browser
    timed it, and to Playwright having seen it (scripts/serve-latency)."""
    stories = sorted((root / "content" / "stories").glob("*/*.md"))
    story = stories[len(stories) // 3]
    url = f"/berita/{story.parent.name}/{story.stem}/"  # corpus_to_portal sets slug: = stem
    log = work / f"serve-{root.name}.log"
    command = [sys.executable, str(REPO / "scripts" / "serve-latency"), "--portal", str(root),
               "--story", story.relative_to(root).as_posix(), "--url", url, "--runs", str(runs)]
    with log.open("w") as sink:
        done = subprocess.run(command, cwd=REPO, stdout=subprocess.PIPE, stderr=sink,
                              text=True, check=False)
    sink_text = done.stdout
    (work / f"serve-{root.name}.out").write_text(sink_text)
    print(sink_text.strip(), file=sys.stderr)
    found = [re.search(rf"^{label}: median (\d+) ms", sink_text, re.M)
             for label in ("save → reloaded", "save → seen by Playwright")]
    loaded, seen = (int(f[1]) / 1000 if f else None for f in found)
    return loaded, seen


def hugo_serve(source: Path, work: Path, runs: int) -> float | None:
    """Median seconds Hugo's server takes to rebuild after one story is saved, as Hugo
    itself reports it ("Total in N ms"), on a copy of the corpus."""
    copy = work / f"hugo-serve-{source.name}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(source / "content", copy / "content")
    here = SHARED / "peers" / "hugo"
    hugo = Path(os.environ.get("HUGO", PEERS_HOME / "hugo"))
    command = [str(hugo), "server", "--source", str(here), "--contentDir", str(copy / "content"),
               "--config", str(here / "hugo.toml"), "--bind", "127.0.0.1", "--port", "1399",
               "--cacheDir", str(work / "hugo-serve.cache")]
    proc = subprocess.Popen(command, cwd=here, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    times: list[float] = []

    def until_total(limit: float) -> float | None:
        """Hugo's next build time, or None when it says nothing for `limit` seconds."""
        deadline = time.monotonic() + limit
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:  # Hugo exited
                return None
            # "Built in N ms" after the first build, "Total in N ms" after each rebuild
            found = re.search(r"(?:Built|Total) in (\d+) ms", line)
            if found:
                return int(found[1]) / 1000
        return None

    try:
        if until_total(300) is None:  # the first, full build
            return None
        for run in range(1, runs + 1):
            time.sleep(1.0)
            edit_one_story(copy, run)
            took = until_total(120)
            if took is None:
                return None
            times.append(took)
            print(f"  hugo server rebuild #{run}: {took:.2f} s", file=sys.stderr, flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(copy, ignore_errors=True)
    return statistics.median(times) if times else None


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    """Every line of `stream` into `lines`, then None: reading with a deadline."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def _say(what: str, m: Measure, log: Path) -> None:
    note = "" if m.status == 0 else f"  FAILED ({m.status}), see {log}"
    print(f"  {what}: {m.wall:.1f} s wall, {m.cpu:.1f} s CPU, {m.peak_mb:.0f} MB peak, "
          f"{m.out_mb:.0f} MB out{note}", file=sys.stderr, flush=True)


# -- the report ------------------------------------------------------------------------


def table(results: dict[int, dict[str, object]]) -> str:
    rows = ["| stories | build | wall s | CPU s | peak MB (PSS) | peak MB (RSS sum) | output MB "
            "| files | wall ÷ Hugo cold | memory ÷ Hugo |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, result in sorted(results.items()):
        hugo = result.get("hugo")
        for name, m in result.items():
            if not isinstance(m, Measure):
                continue
            ratio = f"{m.wall / hugo.wall:.2f}" if isinstance(hugo, Measure) else ""
            memory = f"{m.peak_mb / hugo.peak_mb:.2f}" if isinstance(hugo, Measure) else ""
            failed = " (FAILED)" if m.status else ""
            rows.append(f"| {n:,} | {name}{failed} | {m.wall:.1f} | {m.cpu:.1f} | "
                        f"{m.peak_mb:.0f} | {m.peak_rss_mb:.0f} | {m.out_mb:.0f} | "
                        f"{m.files:,} | {ratio} | {memory} |")
        pairs = result.get("one edit ÷ Hugo cold, paired")
        if isinstance(pairs, list) and pairs:
            each = ", ".join(f"{r:.2f}" for r in pairs)
            rows.append(f"| {n:,} | kabar equal work, one edit, each right after a Hugo cold "
                        f"build ({each}) | | | | | | | {statistics.median(pairs):.2f} "
                        "(median of the pairs) | |")
        serve, hugo_rebuild = result.get("serve"), result.get("hugo serve")
        if isinstance(hugo_rebuild, float):
            rows.append(f"| {n:,} | Hugo server: rebuild after one save (its own figure) | "
                        f"{hugo_rebuild:.2f} | | | | | | | |")
        if isinstance(serve, float):
            base = hugo_rebuild if isinstance(hugo_rebuild, float) else HUGO_SERVE_README
            where = "this run" if isinstance(hugo_rebuild, float) else "shared README"
            rows.append(f"| {n:,} | kabar serve: save → tab reloaded (the browser's load "
                        f"event) | {serve:.2f} | | | | | | {serve / base:.2f} × Hugo server "
                        f"rebuild ({where}) | |")
            seen = result.get("serve, seen by Playwright")
            if isinstance(seen, float):
                rows.append(f"| {n:,} | kabar serve: the same, until Playwright has seen it | "
                            f"{seen:.2f} | | | | | | {seen / base:.2f} | |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000",
                        help="comma-separated story counts (default 1000,10000)")
    parser.add_argument("--full", action="store_true", help="also 100,000 stories (slow)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "out",
                        help="corpora, portals and outputs (default bench/out, git-ignored)")
    parser.add_argument("--no-peers", action="store_true", help="skip Hugo and Pelican")
    parser.add_argument("--no-pelican", action="store_true", help="skip Pelican (slow)")
    parser.add_argument("--no-shipped", action="store_true",
                        help="skip kabar as it ships (its cold build draws every share card)")
    parser.add_argument("--no-serve", action="store_true", help="skip the serve latency")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--pairs", type=int, default=0,
                        help="also N pairs of Hugo cold then kabar one edit (equal work)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s] + ([100_000] if args.full else [])
    args.work.mkdir(parents=True, exist_ok=True)
    if not args.no_peers:
        subprocess.run(["sh", str(SHARED / "peers" / "setup.sh")], check=True,
                       stdout=subprocess.DEVNULL)
    results: dict[int, dict[str, object]] = {}
    for n in sizes:
        print(f"== {n:,} stories", file=sys.stderr, flush=True)
        source = corpus(args.work, n)
        result: dict[str, object] = {}
        if not args.no_peers:
            result["hugo"] = peer("hugo", source, args.work, args.runs, n)
        equal = portal(args.work, source, n, equal_work=True)
        for kind, m in kabar(equal, args.work, args.runs, "kabar equal work").items():
            result[f"kabar equal work, {kind}"] = m
        if args.pairs and not args.no_peers:
            ratios = paired(equal, source, args.work, args.pairs, n)
            result["one edit ÷ Hugo cold, paired"] = ratios
        if not args.no_shipped:
            shipped = portal(args.work, source, n, equal_work=False)
            for kind, m in kabar(shipped, args.work, args.runs, "kabar as shipped").items():
                result[f"kabar as shipped, {kind}"] = m
        if not args.no_peers and not args.no_pelican:
            result["pelican"] = peer("pelican", source, args.work,
                                     1 if n > 10_000 else args.runs, n)
        if n == 10_000 and not args.no_serve:
            if not args.no_peers:
                result["hugo serve"] = hugo_serve(source, args.work, max(5, args.runs))
            result["serve"], result["serve, seen by Playwright"] = serve_latency(
                equal, args.work, max(5, args.runs))
        results[n] = result
    print(f"machine: {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end\n")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(
            {str(n): {k: (asdict(v) if isinstance(v, Measure) else v) for k, v in r.items()}
             for n, r in results.items()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
