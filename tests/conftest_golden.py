"""Pytest plugin for the golden-site test: the `--update-golden` option.

Registered from tests/conftest.py with `pytest_plugins = ["conftest_golden"]` (or load it by
hand: `python -m pytest -p tests.conftest_golden ...`). Re-approve the golden output with

    python -m pytest tests/test_golden.py --update-golden

then review the change with `git diff tests/golden/expected`. Without the plugin the
environment variable KABAR_UPDATE_GOLDEN=1 does the same.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", default=False,
        help="rewrite tests/golden/expected/ from the current build (review with git diff)")
