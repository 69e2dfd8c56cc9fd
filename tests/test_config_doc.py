"""docs/config.md and generator/config/schema.py stay in step.

Every field of the site.yaml dataclasses, as a dotted path (`organisation.logo`,
`regions[].keywords`), has a row in a table of docs/config.md that carries the field's
`metadata["doc"]` text and says **required** exactly when the field has no default; and
no table row names a path the schema does not have.
"""

from __future__ import annotations

import dataclasses
import html
import re
import typing
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.config import parse_config
from generator.config.schema import SiteConfig
from generator.diagnostics import Diagnostics, format_report

DOC = Path(__file__).resolve().parents[1] / "docs" / "config.md"


@dataclass(frozen=True)
class FieldInfo:
    path: str
    doc: str
    required: bool


def schema_fields(cls: type = SiteConfig, prefix: str = "",
                  ancestors: tuple[type, ...] = ()) -> list[FieldInfo]:
    """Every field path of `cls`, recursing into sections and lists of sections.

    A list of the class being walked (`regions[].children`) is one path: its items have
    the same keys as their parent, documented once.
    """
    out: list[FieldInfo] = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        path = prefix + f.name
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        out.append(FieldInfo(path, f.metadata["doc"], required))
        tp = hints[f.name]
        seen = (*ancestors, cls)
        if typing.get_origin(tp) is tuple:
            item = typing.get_args(tp)[0]
            if dataclasses.is_dataclass(item) and item not in seen:
                out.extend(schema_fields(typing.cast(type, item), f"{path}[].", seen))
        elif dataclasses.is_dataclass(tp) and tp not in seen:
            out.extend(schema_fields(typing.cast(type, tp), f"{path}.", seen))
    return out


_ROW = re.compile(r"^\|\s*`(?P<path>[^`]+)`\s*\|(?P<rest>.*)\|\s*$")
_PATH = re.compile(r"^[a-z_]+(?:\[\])?(?:\.[a-z_]+(?:\[\])?)*$")


def doc_rows() -> dict[str, str]:
    """Table rows of docs/config.md whose first cell is a backticked field path."""
    rows: dict[str, str] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match and _PATH.match(match["path"]):
            assert match["path"] not in rows, f"`{match['path']}` has two rows"
            rows[match["path"]] = html.unescape(match["rest"])
    return rows


def test_schema_walk_finds_nested_fields() -> None:
    paths = [f.path for f in schema_fields()]
    assert len(paths) == len(set(paths))
    for expected in ("title", "organisation.logo", "social.x", "regions[].keywords",
                     "regions[].children", "categories[].description", "operators[].role",
                     "extra"):
        assert expected in paths
    assert not any(p.startswith(("regions[].children.", "regions[].children[]")) for p in paths)


@pytest.mark.parametrize("info", schema_fields(), ids=lambda info: info.path)
def test_every_field_is_documented(info: FieldInfo) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert f"`{info.path}`" in text
    rows = doc_rows()
    assert info.path in rows, f"docs/config.md has no table row for `{info.path}`"
    cells = [c.strip() for c in rows[info.path].split("|")]
    assert len(cells) == 3, f"row of `{info.path}` needs type | default | meaning"
    _type, default, meaning = cells
    assert info.doc in meaning, f"meaning of `{info.path}` must contain {info.doc!r}"
    assert (default == "**required**") == info.required, (
        f"`{info.path}` is {'required' if info.required else 'optional'} in schema.py")


def test_docs_name_no_unknown_field() -> None:
    known = {f.path for f in schema_fields()}
    unknown = sorted(set(doc_rows()) - known)
    assert not unknown, f"docs/config.md documents fields schema.py does not have: {unknown}"


def test_every_documented_path_in_the_prose_exists() -> None:
    """Backticked dotted paths anywhere in the text (not only tables) must exist too."""
    known = {f.path for f in schema_fields()}
    sections = {p.split(".")[0].removesuffix("[]") for p in known}
    text = DOC.read_text(encoding="utf-8")
    for written in re.findall(r"`([a-z_]+(?:\[\d*\])?(?:\.[a-z_]+(?:\[\d*\])?)+)`", text):
        path = re.sub(r"\[\d+\]", "[]", written)
        if path.split(".")[0].removesuffix("[]") in sections and not path.startswith("site."):
            assert path in known, f"docs/config.md mentions `{written}`, not in schema.py"


def test_the_complete_example_is_a_valid_site_yaml() -> None:
    text = DOC.read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    diags = Diagnostics()
    config = parse_config(example, diags)
    assert config is not None, format_report(diags)
    assert not diags.items, format_report(diags)
    assert config.regions[0].children[0].children[0].id == "baamang-hulu"
    assert config.extra == {"whatsapp": "+62 812 0000 0000"}
