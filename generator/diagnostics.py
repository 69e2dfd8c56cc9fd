"""User-facing problems: the Diagnostic record, the collector and the compiler-style format.

A user mistake (bad YAML, unknown region, missing alt text) is a Diagnostic, never an
exception with a traceback. Stages add to a `Diagnostics` collector passed in explicitly;
`build.py` stops between stages when errors were collected.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from generator import invisible

#: "info" is for the editor, not a mistake: a story waiting for review. It never fails a
#: build, not even with --strict.
Severity = Literal["error", "warning", "info"]
_RANK = {"error": 0, "warning": 1, "info": 2}

#: At most this many diagnostics are printed; the rest are counted (Hugo caps at 50).
PRINT_CAP = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostic:
    """One problem, located in a file the operator can open."""

    path: str  # relative to the portal root, with forward slashes
    line: int  # 1-based; 0 when the problem concerns the whole file
    column: int = 0  # 1-based; 0 when unknown
    severity: Severity = "error"
    message: str
    hint: str = ""
    source_line: str = ""  # the offending line, shown under the message

    def format(self) -> str:
        """`path:line:col: error: message`, then `hint:` and the source line."""
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        text = f"{where}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        if self.source_line.strip():
            text += f"\n  | {self.source_line.rstrip()}"
        # Quoted values and source lines are the operator's text: a terminal escape or a
        # bidi mark in them must not recolour, clear or reorder the terminal or CI log.
        return invisible.visible(text)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.message)

    def report_key(self) -> tuple[int, str, int, int, str]:
        """Errors first, then warnings, then notes; each group by file and line."""
        return (_RANK[self.severity], *self.sort_key())


@dataclass(slots=True)
class Diagnostics:
    """Collects the diagnostics of a build, in the order the stages found them."""

    items: list[Diagnostic] = field(default_factory=list)
    # What `items` holds, for the duplicate check: a list search would make 10,000 warnings
    # cost 50 million comparisons.
    _seen: set[Diagnostic] = field(default_factory=set, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._seen.update(self.items)

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic not in self._seen:
            self._seen.add(diagnostic)
            self.items.append(diagnostic)

    def error(self, path: str, line: int, message: str, *, column: int = 0, hint: str = "",
              source_line: str = "") -> None:
        self.add(Diagnostic(path=path, line=line, column=column, message=message, hint=hint,
                            source_line=source_line))

    def warning(self, path: str, line: int, message: str, *, column: int = 0, hint: str = "",
                source_line: str = "") -> None:
        self.add(Diagnostic(path=path, line=line, column=column, severity="warning",
                            message=message, hint=hint, source_line=source_line))

    def info(self, path: str, line: int, message: str, *, column: int = 0, hint: str = "",
             source_line: str = "") -> None:
        self.add(Diagnostic(path=path, line=line, column=column, severity="info",
                            message=message, hint=hint, source_line=source_line))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    @property
    def notes(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "info"]

    def has_errors(self, *, strict: bool = False) -> bool:
        return bool(self.errors) or (strict and bool(self.warnings))

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class BuildFailed(Exception):
    """Raised by `build.py` between stages when the collected diagnostics hold errors."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        super().__init__(f"{len(diagnostics.errors)} error(s)")
        self.diagnostics = diagnostics


def format_report(diagnostics: Iterable[Diagnostic], *, cap: int = PRINT_CAP) -> str:
    """All diagnostics grouped by file, errors first, capped with a count of the rest."""
    ordered = sorted(diagnostics, key=Diagnostic.report_key)
    shown = ordered[:cap]
    lines = [d.format() for d in shown]
    if len(ordered) > cap:
        lines.append(f"... dan {len(ordered) - cap} masalah lain tidak ditampilkan.")
    return "\n".join(lines)


#: GitHub's workflow-command levels, and GitLab's Code Quality severities, by severity.
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
_GITLAB_SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def _github_escape(text: str, *, prop: bool = False) -> str:
    """Escape as GitHub's toolkit does: %, CR, LF always; ':' and ',' in properties."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def format_github(diagnostics: Iterable[Diagnostic]) -> str:
    """One `::error file=…,line=…,col=…,title=…::message` line per diagnostic.

    GitHub Actions turns these into annotations at the file and line, in the pull request's
    diff and the run's summary; the hint follows the message on its own line.
    """
    lines = []
    for d in sorted(diagnostics, key=Diagnostic.report_key):
        props = [f"file={_github_escape(invisible.visible(d.path), prop=True)}"]
        if d.line:
            props.append(f"line={d.line}")
            if d.column:
                props.append(f"col={d.column}")
        props.append(f"title={_github_escape('kabar ' + d.severity, prop=True)}")
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        # the operator's text: no terminal escape or bidi mark reaches the CI log
        lines.append(f"::{_GITHUB_LEVEL[d.severity]} {','.join(props)}::"
                     f"{_github_escape(invisible.visible(message))}")
    return "\n".join(lines)


def format_gitlab(diagnostics: Iterable[Diagnostic]) -> str:
    """GitLab Code Quality JSON (a subset of Code Climate's): shown in the merge request."""
    issues = []
    for d in sorted(diagnostics, key=Diagnostic.report_key):
        key = f"{d.path}:{d.line}:{d.column}:{d.severity}:{d.message}"
        issues.append({
            "description": invisible.visible(d.message + (f" (hint: {d.hint})" if d.hint
                                                          else "")),
            "check_name": f"kabar-{d.severity}",
            "fingerprint": hashlib.sha256(key.encode()).hexdigest(),
            "severity": _GITLAB_SEVERITY[d.severity],
            "location": {"path": d.path, "lines": {"begin": max(d.line, 1)}},
        })
    return json.dumps(issues, ensure_ascii=False, indent=2)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A `hint:` text naming the closest known choices, or listing a few of them."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=3, cutoff=0.6)
    if close:
        return "maksud Anda " + " atau ".join(f"'{c}'" for c in close) + "?"
    if not options:
        return ""
    listed = ", ".join(f"'{c}'" for c in options[:8])
    more = ", …" if len(options) > 8 else ""
    return f"pilihan yang ada: {listed}{more}"


def relpath(path: Path, root: Path) -> str:
    """A portal-relative path with forward slashes, for diagnostics."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
