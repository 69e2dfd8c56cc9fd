"""Limits: hostile or pasted content ends in a clear error, fast, never a hang or a crash."""

from __future__ import annotations

import time

import pytest
from conftest import MINIMAL_SITE_YAML, SiteMaker, build_site, story_text

from generator.diagnostics import BuildFailed

STORY = "content/stories/2024/a.md"
# The front matter of story_text() takes 9 lines and a blank line: the body starts on 11.
BODY_LINE = 11


def _errors(make_site: SiteMaker, files: dict[str, str | bytes]) -> list[str]:
    root = make_site(files)
    started = time.perf_counter()
    with pytest.raises(BuildFailed) as exc:
        build_site(root)
    assert time.perf_counter() - started < 10, "a limit must stop the build quickly"
    return [d.format() for d in exc.value.diagnostics.errors]


@pytest.mark.parametrize(("body", "line", "message"), [
    ("".join("  " * i + "- a\n" for i in range(500)), BODY_LINE + 101,
     "daftar atau kutipan bertingkat terlalu dalam"),
    ("> " * 30 + "kutipan\n", BODY_LINE, "kutipan (>) bertingkat terlalu dalam"),
    ("[" * 20000 + "\n", BODY_LINE, "terlalu banyak tanda '[' (tautan, gambar, catatan kaki)"),
    ("[a](" * 600 + "\n", BODY_LINE, "terlalu banyak tanda '[' (tautan, gambar, catatan kaki)"),
    ("".join(f"[a{i}](x) paragraf\n\n" for i in range(2100)), BODY_LINE + 4000,
     "terlalu banyak tanda '[' (tautan, gambar, catatan kaki)"),
])
def test_pathological_markdown_is_refused_quickly(make_site: SiteMaker, body: str, line: int,
                                                  message: str) -> None:
    [error] = _errors(make_site, {STORY: story_text(body=body)})
    assert error.startswith(f"{STORY}:{line}: error: {message}\n  hint: ")


def test_a_too_big_story_file(make_site: SiteMaker) -> None:
    [error] = _errors(make_site, {STORY: story_text(body="kata " * 60_000)})
    assert error.startswith(f"{STORY}: error: berkas terlalu besar (293 KB; paling besar 256 KB)")


def test_a_too_big_image(make_site: SiteMaker, tiny_png: bytes) -> None:
    site_yaml = MINIMAL_SITE_YAML + "limits:\n  image_mb: 1\n"
    big = tiny_png + b"\0" * 1_500_000  # a PNG with trailing bytes: big on disk
    [error] = _errors(make_site, {
        "site.yaml": site_yaml,
        "content/stories/2024/a/index.md": story_text(
            extra="image: foto.png\nimage_alt: Foto\n"),
        "content/stories/2024/a/foto.png": big})
    assert error.startswith("content/stories/2024/a/index.md:9:8: error: berkas 'foto.png' "
                            "terlalu besar (1,5 MB; paling besar 1 MB)")


def test_too_many_tags(make_site: SiteMaker) -> None:
    tags = ", ".join(f"tag{i}" for i in range(25))
    text = story_text().replace("tags: [posyandu]", f"tags: [{tags}]")
    [error] = _errors(make_site, {STORY: text})
    assert error.startswith(f"{STORY}:7:7: error: terlalu banyak tag (25; paling banyak 20)")


def test_long_lines_huge_tables_and_many_paragraphs_still_build(make_site: SiteMaker) -> None:
    body = ("a" * 100_000 + "\n\n" + "|a|b|\n|-|-|\n" + "|x|y|\n" * 3000 + "\n"
            + "Paragraf biasa.\n\n" * 2000)
    root = make_site({STORY: story_text(body=body)})
    started = time.perf_counter()
    build_site(root)
    assert time.perf_counter() - started < 20
