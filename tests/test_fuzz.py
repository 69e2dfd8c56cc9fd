"""Property-based fuzzing: any front matter, body or site.yaml ends in a clean build or in
diagnostics, never a traceback, never a hang."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from conftest import MINIMAL_SITE_YAML, build_site, story_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config import parse_config
from generator.diagnostics import BuildFailed, Diagnostics

FUZZ = settings(max_examples=40, deadline=5000,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# YAML scalars and structures an operator might produce by accident.
yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) |
    st.text(max_size=40) | st.dates().map(str),
    lambda children: st.lists(children, max_size=4) |
    st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)

KEYS = ["title", "date", "region", "category", "author", "tags", "summary", "image",
        "image_alt", "slug", "updated", "source", "status", "judul"]
VALID = {"title": "Judul", "date": "2024-03-12 09:30", "region": "kec-satu",
         "category": "kesehatan", "author": "rina"}

# Characters that mean something to Markdown, HTML, YAML or the shell of a path.
MARKUP = "#*_[]()!<>`|-:>\\/&\"'\n\t {}=.~^0123456789aZ\u200b\u202e"


def _build(files: dict[str, str | bytes]) -> None:
    """Build a site from `files`; only a clean result or BuildFailed is acceptable."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, data in {"site.yaml": MINIMAL_SITE_YAML, **files}.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8")
        try:
            result = build_site(root)
        except BuildFailed as failed:
            assert failed.diagnostics.errors, "BuildFailed must carry at least one error"
            for diagnostic in failed.diagnostics.errors:
                assert diagnostic.path and diagnostic.message
            return
        assert result.outputs


@FUZZ
@given(st.dictionaries(st.sampled_from(KEYS), yaml_values, max_size=8))
def test_any_front_matter_values(fields: dict[str, object]) -> None:
    header = "\n".join(f"{json.dumps(k)}: {json.dumps(v, default=str)}"
                       for k, v in {**VALID, **fields}.items())
    _build({"content/stories/2024/a.md": f"---\n{header}\n---\n\nIsi.\n"})


@FUZZ
@given(st.text(alphabet=MARKUP, max_size=300))
def test_any_front_matter_text(header: str) -> None:
    _build({"content/stories/2024/a.md": f"---\n{header}\n---\n\nIsi.\n"})


@FUZZ
@given(st.text(alphabet=MARKUP, max_size=2000))
def test_any_markdown_body(body: str) -> None:
    _build({"content/stories/2024/a.md": story_text(body=body)})


@FUZZ
@given(st.binary(max_size=400))
def test_any_bytes_as_a_story(data: bytes) -> None:
    _build({"content/stories/2024/a.md": data})


@FUZZ
@given(st.text(alphabet=MARKUP, max_size=400))
def test_any_site_yaml_text(text: str) -> None:
    diags = Diagnostics()
    config = parse_config(text, diags)
    assert (config is None) == bool(diags.errors)


@FUZZ
@given(st.sampled_from(MINIMAL_SITE_YAML.splitlines()), yaml_values)
def test_any_value_in_any_site_yaml_line(line: str, value: object) -> None:
    key, sep, _ = line.partition(":")
    if not sep:
        return
    text = MINIMAL_SITE_YAML.replace(line, f"{key}: {json.dumps(value, default=str)}", 1)
    diags = Diagnostics()
    config = parse_config(text, diags)
    assert (config is None) == bool(diags.errors)
