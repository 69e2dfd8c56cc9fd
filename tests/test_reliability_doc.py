"""docs/reliability.md: its tables are well-formed, and the plugin that checks and rewrites
them (tests/reliability.py) does what it says."""

from __future__ import annotations

import reliability

DOC = """# Title

<!-- table:a -->
| Check | Count | Failures |
|---|---|---|
| one | 1 | 0 |
| two | 2 | 0 |
<!-- end -->

Text between.

<!-- table:b -->
| Fault | Runs |
|---|---|
<!-- end -->
"""


def test_rows_are_read_by_table_and_first_cell() -> None:
    assert reliability.read_tables(DOC) == {
        "a": {"one": "| one | 1 | 0 |", "two": "| two | 2 | 0 |"}, "b": {}}


def test_an_update_replaces_its_row_in_place_and_appends_a_new_one() -> None:
    text = reliability.write_rows(DOC, {
        "a": {"one": reliability.format_row(["one", "5", "0"])},
        "b": {"kill": reliability.format_row(["kill", "8 | 9"])}})
    assert text == DOC.replace("| one | 1 | 0 |", "| one | 5 | 0 |").replace(
        "| Fault | Runs |\n|---|---|\n", "| Fault | Runs |\n|---|---|\n| kill | 8 \\| 9 |\n")
    assert reliability.write_rows(text, {}) == text


def test_the_committed_document_has_the_three_tables_with_zero_failures() -> None:
    tables = reliability.read_tables(reliability.DOC.read_text(encoding="utf-8"))
    assert sorted(tables) == ["crash", "fuzz", "injection"]
    assert all(tables.values()), "every table has rows"

    def cells(row: str) -> list[str]:
        return [c.strip() for c in row.strip().strip("|").split(" | ")]

    # Every "must be 0" column holds 0: tracebacks, live markup, files lost, mixed outputs.
    assert {cells(r)[-1] for r in tables["fuzz"].values()} == {"0"}
    assert {cells(r)[-1] for k, r in tables["injection"].items()
            if k != "search records (Pagefind)"} == {"0"}
    assert {tuple(cells(r)[2:]) for r in tables["crash"].values()} == {("0", "0", "0")}
