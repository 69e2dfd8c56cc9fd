"""Pytest plugin: the tables of docs/reliability.md are produced by the tests themselves.

A test that measures something (payloads tried per output, kills injected, files lost)
calls the `reliability` fixture with its table row. Normally the row must equal the row
committed in docs/reliability.md, or the test fails and prints the fresh row: a stale
document fails like any other test. With `--update-reliability` the rows are written into
the document instead (review the change with `git diff docs/reliability.md`):

    python -m pytest --update-reliability tests/test_injection.py tests/test_fuzz.py \\
        tests/test_atheris.py tests/test_crash_safety.py tests/test_failures.py

(`scripts/reliability-table` runs exactly that.) Each row is measured by one test, so a
partial run checks the rows it measured and leaves the others alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "reliability.md"
_BLOCK = re.compile(r"(<!-- table:(?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- end -->)", re.S)

Record = Callable[[str, list[str]], None]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-reliability", action="store_true", default=False,
                     help="write the measured rows into docs/reliability.md (review with "
                     "git diff)")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").strip()


def format_row(cells: list[str]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def read_tables(text: str) -> dict[str, dict[str, str]]:
    """table name → row id (its first cell) → the row's line, from the document's blocks."""
    tables: dict[str, dict[str, str]] = {}
    for block in _BLOCK.finditer(text):
        rows = [line for line in block["body"].splitlines() if line.startswith("|")][2:]
        tables[block["name"]] = {_first(row): row for row in rows}
    return tables


def _first(row: str) -> str:
    return row.split(" | ", 1)[0].removeprefix("| ").strip()


def write_rows(text: str, updates: dict[str, dict[str, str]]) -> str:
    """The document with the updated rows replaced (or added at the end of their table)."""

    def replace(block: re.Match[str]) -> str:
        new = updates.get(block["name"], {})
        lines = block["body"].splitlines()
        header, rows = lines[:2], lines[2:]
        kept = [new.pop(_first(row), row) if row.startswith("|") else row for row in rows]
        body = "\n".join([*header, *kept, *new.values()])
        return f"{block[1]}{body}\n{block[4]}"

    return _BLOCK.sub(replace, text)


class _Ledger:
    def __init__(self, update: bool) -> None:
        self.update = update
        self.updates: dict[str, dict[str, str]] = {}

    def record(self, table: str, cells: list[str]) -> None:
        row = format_row(cells)
        if self.update:
            self.updates.setdefault(table, {})[_first(row)] = row
            return
        committed = read_tables(DOC.read_text(encoding="utf-8")).get(table, {})
        if committed.get(_first(row)) != row:
            pytest.fail(f"docs/reliability.md is stale (table '{table}'). Measured now:\n{row}\n"
                        f"committed:\n{committed.get(_first(row), '(no such row)')}\n"
                        "Rewrite it with scripts/reliability-table (or pytest "
                        "--update-reliability) and review git diff.", pytrace=False)


_LEDGER: list[_Ledger] = []


def pytest_configure(config: pytest.Config) -> None:
    _LEDGER[:] = [_Ledger(bool(config.getoption("--update-reliability", default=False)))]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    ledger = _LEDGER[0] if _LEDGER else None
    if ledger is not None and ledger.update and ledger.updates:
        DOC.write_text(write_rows(DOC.read_text(encoding="utf-8"), ledger.updates),
                       encoding="utf-8")


@pytest.fixture
def reliability() -> Iterator[Callable[[str, list[str]], None]]:
    """`reliability(table, cells)`: check (or, with --update-reliability, write) one row."""
    yield _LEDGER[0].record
