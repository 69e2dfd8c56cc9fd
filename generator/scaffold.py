"""`kabar new` and `kabar init`: write a new story file or a new portal skeleton.

Paths are derived only from slugify() and fixed folder names, so no title can place a
file outside content/stories/.
"""

from __future__ import annotations

import shutil
import zoneinfo
from datetime import datetime
from pathlib import Path

from generator import urls
from generator.build import build_time_from_env
from generator.config import load_config, walk_regions
from generator.diagnostics import Diagnostics, did_you_mean

SKELETON = Path(__file__).parent / "skeleton"

_STORY = """---
title: {title}
date: {date}
region: {region}
category: {category}
tags: []
author: {author}
summary: ""
status: draft
---

Tulis cerita di sini. Paragraf pertama menjawab apa, siapa, di mana dan kapan.

## Subjudul

Tambahkan foto di folder yang sama, lalu isi `image:` dan `image_alt:` di atas.
"""


def _yaml_string(text: str) -> str:
    """A double-quoted YAML scalar; escapes what YAML needs escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else " " for c in escaped) + '"'


def new_story(root: Path, title: str, *, region: str, category: str, author: str | None,
              diags: Diagnostics, now: datetime | None = None) -> Path | None:
    """Create content/stories/<year>/<slug>.md dated now in the site's zone; None on errors."""
    config = load_config(root, diags)
    if config is None:
        return None
    regions = [r.id for r, _, _ in walk_regions(config.regions)]
    categories = [c.id for c in config.categories]
    operators = [o.id for o in config.operators]
    if region not in regions:
        diags.error("site.yaml", 0, f"wilayah '{region}' tidak ada di site.yaml",
                    hint=did_you_mean(region, regions))
    if category not in categories:
        diags.error("site.yaml", 0, f"kategori '{category}' tidak ada di site.yaml",
                    hint=did_you_mean(category, categories))
    author = author or (operators[0] if operators else "")
    if author not in operators:
        diags.error("site.yaml", 0, f"penulis '{author}' tidak ada di daftar operators",
                    hint=did_you_mean(author, operators))
    slug = urls.slugify(title)
    if not slug:
        diags.error("kabar new", 0, "judul harus berisi huruf atau angka",
                    hint='contoh: kabar new "Panen Raya di Cempaga" --region ...')
    if diags.errors:
        return None
    date = (now or build_time_from_env()).astimezone(zoneinfo.ZoneInfo(config.timezone))
    relative = Path("content", "stories", f"{date.year:04d}", f"{slug}.md")
    path = root / relative
    if path.exists():
        diags.error(relative.as_posix(), 0, "berkas cerita ini sudah ada",
                    hint="pakai judul lain, atau sunting berkas yang ada")
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_STORY.format(title=_yaml_string(title), date=date.strftime("%Y-%m-%d %H:%M"),
                                  region=region, category=category, author=author),
                    encoding="utf-8")
    return relative


def init_portal(directory: Path, diags: Diagnostics) -> bool:
    """Copy the skeleton portal into a new (or empty) directory."""
    if directory.exists() and any(directory.iterdir()):
        diags.error(directory.as_posix(), 0, "folder sudah berisi berkas",
                    hint="pilih folder baru atau kosong untuk portal baru")
        return False
    shutil.copytree(SKELETON, directory, dirs_exist_ok=True)
    return True
