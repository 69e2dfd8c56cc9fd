"""Coverage-guided fuzz target (atheris/libFuzzer) for the content loader.

Each input is one story file. The loader must end in Story records or Diagnostics; any
other exception is a crash that libFuzzer reports with the input that caused it.

    python3 fuzz/fuzz_content.py -max_total_time=600 fuzz/corpus   # a longer run
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from generator.config import parse_config
    from generator.content import discover, load_content
    from generator.diagnostics import Diagnostics

SITE_YAML = """\
title: Fuzz
base_url: https://fuzz.example.go.id
organisation: {name: Diskominfo, url: "https://diskominfo.example.go.id"}
regions:
  - id: kab
    name: Kab
    children: [{id: kec, name: Kec}]
categories: [{id: umum, name: Umum}]
operators: [{id: op, name: Operator, region: kec}]
"""

ROOT = Path(tempfile.mkdtemp(prefix="kabar-fuzz-"))
STORY = ROOT / "content" / "stories" / "2024" / "a.md"
STORY.parent.mkdir(parents=True)
(ROOT / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
_config = parse_config(SITE_YAML, Diagnostics())
assert _config is not None
CONFIG = _config
#: The build time the loader compares dates with (scheduled and expired stories).
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def test_one_input(data: bytes) -> None:
    STORY.write_bytes(data)
    diags = Diagnostics()
    tree = discover(ROOT, diags)
    content = load_content(ROOT, CONFIG, tree, diags, include_drafts=True, now=NOW)
    # Either it loaded, or it said why: a silent drop would be a bug too.
    assert content.stories or content.unlisted or diags.errors, \
        "story neither loaded nor reported"


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
