"""Lighthouse (mobile) scores of representative pages of the built example portal.

The pages are served by a real nginx with the shipped configuration (deploy/nginx/), so the
audits see the production headers: Content-Security-Policy (a violation is a console error,
which costs best-practices points), caching, compression.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from externals import failing_audits, run_lighthouse
from nginx import serve_nginx
from portal_pages import PAGES

# Category id -> minimum score (0..100). Performance is measured with simulated mobile
# throttling, which is a model rather than a stopwatch, hence the small allowance.
REQUIRED_SCORES: dict[str, float] = {
    "performance": 95,
    "accessibility": 100,
    "best-practices": 100,
    "seo": 100,
}


@pytest.fixture(scope="module")
def site_url(example_output: Path) -> Iterator[str]:
    """Serve the example output through nginx for all Lighthouse runs of this module."""
    with serve_nginx(example_output) as base:
        yield base


@pytest.mark.slow
@pytest.mark.parametrize("page", list(PAGES))
def test_lighthouse_scores(page: str, example_output: Path, site_url: str, tmp_path: Path) -> None:
    """The page meets every Lighthouse category threshold in REQUIRED_SCORES."""
    path = PAGES[page](example_output)
    report = tmp_path / f"lighthouse-{page}.json"
    scores = run_lighthouse(site_url + path, report)
    below = {cat: score for cat, score in scores.items() if score < REQUIRED_SCORES.get(cat, 0)}
    if below:
        audits = "\n".join(f"  {line}" for line in failing_audits(report))
        pytest.fail(
            f"Lighthouse on {path} ({page}): {scores}\n"
            f"below threshold: {below} (required {REQUIRED_SCORES})\n"
            f"failing audits:\n{audits}\nfull report: {report}",
            pytrace=False,
        )
