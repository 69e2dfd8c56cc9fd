"""The portal's git history, read in ONE `git log` pass: per content file, when it was first
and last committed, how often, and by whom (the one module that runs git).

Renames are followed the way `git log --follow` would for one file, but for every file in
the same pass: walking the log from the newest commit back, a rename `old → new` makes the
older commits of `old` count for the file `new` became (and so on down a chain of renames).
What one pass cannot see, and `--follow` could not either, is a rename git does not detect
(a file moved AND rewritten by more than half, default `-M` 50 %): then the history starts
again at the move. A file deleted and later added again at the same path starts afresh.
Merge commits are skipped (`--no-merges`): the commits they bring in are listed themselves.

Times are committer dates (`%cI`, with their offset): when a change entered the history in
the form that was pushed (for a rebased or squashed pull request, when it was merged).
Contributors are commit authors (`%aN`/`%aE`, honouring `.mailmap`), matched to operators
by `operators[].git` (names or e-mail addresses) or by their full name.

A shallow clone has lost the early history: its dates would be wrong, so it is not used
(a warning, and the front matter decides). Standard library only.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

from generator.config.schema import OperatorConfig, SiteConfig
from generator.diagnostics import Diagnostics
from generator.model import FileHistory

__all__ = ["GitLog", "parse_log", "read_history"]

#: git is given this long for the whole log; a portal of 10,000 stories needs about a second.
TIMEOUT_S = 120
LOG_FORMAT = "%x1e%H%x1f%cI%x1f%aN%x1f%aE"
#: Where the one pass looks: stories, fact checks, pages (the rest does not date anything).
PATHS = ("content",)
_NO_HISTORY: Mapping[str, FileHistory] = MappingProxyType({})


@dataclass(slots=True)
class _Acc:
    """What one file's commits add up to, accumulated newest first."""

    first: datetime
    last: datetime
    commits: int = 0
    authors: list[tuple[str, str]] = field(default_factory=list)  # oldest first at the end


@dataclass(frozen=True, slots=True)
class GitLog:
    """One commit of the log: when, by whom, and its (status, paths) entries."""

    when: datetime
    name: str
    email: str
    changes: tuple[tuple[str, tuple[str, ...]], ...]


def parse_log(text: str) -> list[GitLog]:
    """`git log -z --name-status --format=LOG_FORMAT` output → commits, newest first."""
    commits = []
    for record in text.split("\x1e")[1:]:
        header, _, body = record.partition("\0")
        _hash, when, name, email = header.split("\x1f")
        tokens = body.lstrip("\n").split("\0")
        while tokens and not tokens[-1]:
            tokens.pop()
        changes: list[tuple[str, tuple[str, ...]]] = []
        index = 0
        while index < len(tokens):
            status = tokens[index].strip()
            width = 2 if status[:1] in ("R", "C") else 1
            changes.append((status[:1], tuple(tokens[index + 1:index + 1 + width])))
            index += 1 + width
        commits.append(GitLog(when=datetime.fromisoformat(when), name=name, email=email,
                              changes=tuple(changes)))
    return commits


def follow(commits: Sequence[GitLog]) -> dict[str, _Acc]:
    """Every file's commits under the name it has now, renames followed (newest first in)."""
    alias: dict[str, str | None] = {}  # a path in older history → its name today (None: gone)
    found: dict[str, _Acc] = {}

    def record(path: str | None, commit: GitLog) -> None:
        if path is None:
            return
        acc = found.get(path)
        if acc is None:
            acc = found[path] = _Acc(first=commit.when, last=commit.when)
        acc.first = commit.when  # walking back in time: the oldest seen so far
        acc.commits += 1
        author = (commit.name, commit.email)
        if author in acc.authors:
            acc.authors.remove(author)
        acc.authors.insert(0, author)  # ends up in order of first contribution

    for commit in commits:
        for status, paths in commit.changes:
            if status == "R":
                old, new = paths
                now = alias.get(new, new)
                record(now, commit)
                alias[new] = None  # before the rename, nothing was at `new`
                alias[old] = now
            elif status == "C":
                record(alias.get(paths[1], paths[1]), commit)
                alias[paths[1]] = None
            elif status == "D":
                alias[paths[0]] = None  # older commits of it belong to a deleted file
            else:  # A, M, T
                record(alias.get(paths[0], paths[0]), commit)
                if status == "A":
                    alias[paths[0]] = None
    return found


def contributor(name: str, email: str, operators: Sequence[OperatorConfig]) -> str:
    """The operator id of a git author (by `operators[].git`, else full name), or the name."""
    keys = {name.casefold(), email.casefold()}
    for operator in operators:
        if keys & {g.casefold() for g in operator.git}:
            return operator.id
    for operator in operators:
        if operator.name.casefold() == name.casefold():
            return operator.id
    return name


def read_history(root: Path, config: SiteConfig, diags: Diagnostics,
                 ) -> Mapping[str, FileHistory]:
    """Portal-relative path → FileHistory; empty (front matter decides) without usable git."""
    mode = config.history.git
    if mode == "never":
        return _NO_HISTORY
    probe = _git(root, "rev-parse", "--show-toplevel", "--is-shallow-repository")
    if isinstance(probe, str) or probe.returncode != 0:
        if mode == "always" or (root / ".git").exists():
            reason = (probe if isinstance(probe, str) else
                      _first_line(probe.stderr) or "bukan repositori git")
            _warn(diags, f"riwayat git tidak bisa dibaca ({reason}): tanggal dan operator "
                  "diambil dari front matter",
                  "pasang git dan jalankan kabar di folder hasil git clone, atau tulis "
                  "history: {git: never} di site.yaml")
        return _NO_HISTORY
    top, shallow = [*probe.stdout.splitlines(), "", ""][:2]
    if mode == "auto" and Path(top).resolve() != root.resolve():
        return _NO_HISTORY  # a folder inside some other repository: not the portal's history
    if shallow.strip() == "true":
        _warn(diags, "riwayat git dangkal (shallow clone): tanggal dan operator diambil dari "
              "front matter", "ambil seluruh riwayat: git fetch --unshallow (GitHub Actions: "
              "actions/checkout dengan fetch-depth: 0; GitLab: GIT_DEPTH: 0)")
        return _NO_HISTORY
    log = _git(root, "-c", "core.quotepath=off", "-c", "log.showSignature=false", "log",
               "--no-merges", "--no-color", "--no-ext-diff", "-z", f"--format={LOG_FORMAT}",
               "--name-status", "-M", "--relative", "--", *PATHS)
    if isinstance(log, str) or log.returncode != 0:
        stderr = log if isinstance(log, str) else log.stderr
        if "does not have any commits" in stderr:
            return _NO_HISTORY  # a portal that was never committed: nothing to say yet
        _warn(diags, f"git log gagal ({_first_line(stderr) or 'tidak ada jawaban'}): tanggal "
              "dan operator diambil dari front matter", "jalankan 'git log' di folder portal "
              "untuk melihat masalahnya")
        return _NO_HISTORY
    found = follow(parse_log(log.stdout))
    return MappingProxyType({
        path: FileHistory(first=acc.first, last=acc.last, commits=acc.commits,
                          contributors=tuple(dict.fromkeys(
                              contributor(n, e, config.operators) for n, e in acc.authors)))
        for path, acc in sorted(found.items())})


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str] | str:
    """git's answer, or why there is none (not installed, cannot start, too slow)."""
    # A GIT_DIR or GIT_WORK_TREE of the calling shell (a hook) must not point git elsewhere.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              encoding="utf-8", errors="replace", env=env, timeout=TIMEOUT_S,
                              check=False)
    except FileNotFoundError:
        return "git tidak terpasang"
    except subprocess.TimeoutExpired:
        return f"git tidak menjawab dalam {TIMEOUT_S} detik"
    except OSError as exc:
        return f"git tidak bisa dijalankan: {exc.strerror or exc}"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _warn(diags: Diagnostics, message: str, hint: str) -> None:
    diags.warning("site.yaml", 0, message, hint=hint)
