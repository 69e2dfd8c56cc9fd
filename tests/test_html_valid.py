"""Every page of the built example portal is valid HTML according to the Nu HTML Checker."""

from __future__ import annotations

from pathlib import Path

import pytest
from externals import format_vnu_error, run_vnu

# How many errors the failure message lists; the rest are only counted.
SHOWN_ERRORS = 30


@pytest.mark.slow
def test_every_page_passes_vnu(example_output: Path) -> None:
    """All ``*.html`` files under the example output validate with zero vnu errors."""
    pages = sorted(example_output.rglob("*.html"))
    assert pages, f"no HTML files under {example_output}"
    # One batched run: JVM start-up costs more than validating hundreds of pages.
    errors = run_vnu(pages)
    shown = "\n".join(format_vnu_error(e, example_output) for e in errors[:SHOWN_ERRORS])
    more = f"\n... and {len(errors) - SHOWN_ERRORS} more" if len(errors) > SHOWN_ERRORS else ""
    if errors:
        # pytest.fail rather than assert: the introspected list repr would bury the summary.
        pytest.fail(
            f"{len(errors)} vnu error(s) in {len({e['file'] for e in errors})} of {len(pages)} "
            f"HTML files:\n{shown}{more}",
            pytrace=False,
        )
