"""Shared fixtures: inline sites, the built example portal, hermetic build settings."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import textwrap
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.build import BuildOptions, BuildResult, build
from generator.cache import INDEX, PackCache
from generator.render import templates
from generator.writer import write

pytest_plugins = ["conftest_golden", "reliability"]

REPO = Path(__file__).resolve().parents[1]
#: Fixed build time for every test build: 2026-11-20 00:00 UTC.
BUILD_TIME = datetime(2026, 11, 20, tzinfo=UTC)
SOURCE_DATE_EPOCH = str(int(BUILD_TIME.timestamp()))

MINIMAL_SITE_YAML = """\
title: Kabar Uji
tagline: Portal uji
base_url: https://uji.example.go.id
timezone: Asia/Jakarta
organisation:
  name: Diskominfo Uji
  url: https://diskominfo.example.go.id
regions:
  - id: kab-uji
    name: Uji
    description: Kabupaten uji.
    keywords: [Uji]
    children:
      - id: kec-satu
        name: Satu
        description: Kecamatan satu.
      - id: kec-dua
        name: Dua
categories:
  - id: kesehatan
    name: Kesehatan
  - id: pendidikan
    name: Pendidikan
operators:
  - id: rina
    name: Rina
    region: kec-satu
  - id: budi
    name: Budi
    region: kab-uji
    role: editor
per_page: 2
"""


def story_text(title: str = "Posyandu Baru", *, date: str = "2024-03-12 09:30",
               region: str = "kec-satu", category: str = "kesehatan", author: str = "rina",
               extra: str = "", body: str = "Paragraf pertama cerita.\n") -> str:
    """A valid story file; `extra` adds front-matter lines."""
    return (f"---\ntitle: \"{title}\"\ndate: {date}\nregion: {region}\ncategory: {category}\n"
            f"author: {author}\ntags: [posyandu]\nsummary: Ringkasan cerita.\n{extra}---\n\n"
            f"{body}")


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every build in a test sees the same clock and locale."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("TZ", "UTC")


SiteMaker = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture
def make_site(tmp_path: Path) -> SiteMaker:
    """Write files (path → text or bytes) into a fresh portal folder and return it.

    `site.yaml` defaults to MINIMAL_SITE_YAML unless given.
    """

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "portal"
        root.mkdir(exist_ok=True)
        files = {"site.yaml": MINIMAL_SITE_YAML, **files}
        for name, data in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(textwrap.dedent(data) if name != "site.yaml" else data,
                                encoding="utf-8")
        return root

    return make


def build_site(root: Path, **options: object) -> BuildResult:
    """Build in memory with the fixed build time."""
    return build(root, BuildOptions(build_time=BUILD_TIME, **options))  # type: ignore[arg-type]


def outputs(result: BuildResult) -> dict[str, bytes]:
    return {o.path: o.data for o in result.outputs}


def pack_keys(folder: Path) -> set[str]:
    """The keys a pack cache's index holds (.cache/markdown/, .cache/pages/)."""
    return PackCache(folder).keys()


def pack_entry(folder: Path, key: str) -> bytes | None:
    """An entry of a pack cache as a build reads it (None: missing or damaged)."""
    cache = PackCache(folder)
    try:
        return cache.get(key)
    finally:
        cache.close()


def replace_pack_entry(folder: Path, key: str, data: bytes, *, whole: bool) -> None:
    """Make the entry of `key` read as `data`: appended to its segment, the index pointing
    at it. `whole`: the index holds the digest of `data` (an entry kabar did not write, but
    undamaged); else the old digest (damaged)."""
    index = json.loads((folder / INDEX).read_bytes())
    segment, _offset, _length, digest = index["entries"][key]
    with (folder / segment).open("ab") as file:
        offset = file.tell()
        file.write(data)
    if whole:
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    index["entries"][key] = [segment, offset, len(data), digest]
    (folder / INDEX).write_text(json.dumps(index), encoding="ascii")


@pytest.fixture(scope="session")
def example_result() -> BuildResult:
    """The repository's example portal, built once per session in memory (site and outputs)."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    try:
        return build(REPO, BuildOptions(build_time=BUILD_TIME))
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


@pytest.fixture(scope="session")
def example_output(tmp_path_factory: pytest.TempPathFactory,
                   example_result: BuildResult) -> Iterator[Path]:
    """The example portal (`example_result`) written into a temporary output/."""
    out = tmp_path_factory.mktemp("example") / "output"
    write(example_result.outputs, out)
    yield out
    shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="session")
def tiny_png() -> bytes:
    """A real 4x3 PNG made with Pillow."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (20, 120, 100)).save(buffer, format="PNG")
    return buffer.getvalue()


class Recorder:
    """Stands for a record and notes every attribute read from it (and from its meta):
    what a cache key must hold is what the code it stands for reads."""

    def __init__(self, real: object, seen: set[str], prefix: str = "") -> None:
        self._real, self._seen, self._prefix = real, seen, prefix

    def __getattr__(self, name: str) -> object:
        self._seen.add(self._prefix + name)
        value = getattr(self._real, name)
        return Recorder(value, self._seen, "meta.") if name == "meta" else value


def rendered_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URL of every page this process renders from now on (a forked worker's are not
    seen): templates.render, counted."""
    here: list[str] = []
    real = templates.render

    def counted(env, name, context, *args):  # type: ignore[no-untyped-def]
        here.append(context["page"].url)
        return real(env, name, context, *args)

    monkeypatch.setattr(templates, "render", counted)
    return here
