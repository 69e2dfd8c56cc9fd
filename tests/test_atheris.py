"""A short coverage-guided fuzz run of the content loader (atheris); longer runs are
documented in fuzz/fuzz_content.py."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO

RUNS = 1500


@pytest.mark.slow
def test_short_fuzz_run_finds_no_crash(tmp_path: Path,
                                       reliability: Callable[[str, list[str]], None]) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "fuzz" / "corpus", corpus)
    result = subprocess.run(
        [sys.executable, str(REPO / "fuzz" / "fuzz_content.py"), f"-runs={RUNS}",
         "-max_len=4096", "-seed=1", str(corpus)],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
        # The script's own folder comes first on sys.path: without this, `generator` would
        # be whichever copy pip installed, not this checkout's.
        env={**os.environ, "PYTHONPATH": str(REPO)})
    log = result.stdout + result.stderr
    assert "No module named 'atheris'" not in log, "install the test extras (atheris)"
    assert result.returncode == 0, log[-3000:]
    # libFuzzer sometimes counts one run more than asked for (seen: "Done 1501 runs");
    # what matters is that every asked run was made.
    done = re.search(r"Done (\d+) runs", log)
    assert done is not None and int(done[1]) >= RUNS, log[-3000:]
    reliability("fuzz", ["atheris `fuzz/fuzz_content.py` (content loader)",
                         f"{RUNS} runs", "0"])
