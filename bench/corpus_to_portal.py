#!/usr/bin/env python3
"""Turn a gen_corpus.py corpus into a kabar portal (outside any timed part of a benchmark).

    python3 bench/corpus_to_portal.py /tmp/corpus-10k /tmp/portal-10k

The corpus names regions, categories and authors; kabar's front matter wants ids. This
writes PORTAL/site.yaml declaring the corpus's 4 kabupaten with their 30 kecamatan, its 8
categories and 40 operators (read from the tables at the top of gen_corpus.py, so a small
corpus gets the same site.yaml as a big one), with slugs as ids, and copies every story
with its front matter rewritten to those ids and its file name as `slug`. Kept: title,
date, tags, summary. Dropped:
`kabupaten` (implied by the kecamatan), `description` (kabar has no such key) and `image`
(the corpus has no image files). Bodies are copied byte for byte.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import yaml

REPO = Path(__file__).resolve().parents[1]
GEN_CORPUS = REPO.parent / "shared" / "bench" / "gen_corpus.py"
sys.path.insert(0, str(REPO))

from generator.urls import slugify  # noqa: E402  (after the path is set)


def load_tables(path: Path = GEN_CORPUS) -> ModuleType:
    """gen_corpus.py as a module, for its KABUPATEN, CATEGORIES and AUTHORS tables."""
    spec = importlib.util.spec_from_file_location("gen_corpus", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def site_yaml(tables: ModuleType) -> str:
    first_kab = slugify(next(iter(tables.KABUPATEN)))
    lines = ["title: Kabar Bench", 'tagline: "Portal uji kinerja dari korpus sintetis"',
             "base_url: https://bench.example.go.id", "language: id",
             "timezone: Asia/Jakarta", "organisation:", "  name: Diskominfo Bench",
             "  url: https://diskominfo.example.go.id", "regions:"]
    for kab, kecamatan in tables.KABUPATEN.items():
        lines += [f"  - id: {slugify(kab)}", f"    name: {q(kab)}", "    children:"]
        lines += [f"      - id: {slugify(kec)}\n        name: {q(kec)}" for kec in kecamatan]
    lines.append("categories:")
    lines += [f"  - id: {slugify(c)}\n    name: {q(c)}" for c in tables.CATEGORIES]
    lines.append("operators:")
    lines += [f"  - id: {slugify(a)}\n    name: {q(a)}\n    region: {first_kab}"
              for a in tables.AUTHORS]
    return "\n".join(lines) + "\n"


def convert_story(text: str, slug: str) -> str:
    """Front matter with names → front matter with ids; the body unchanged.

    The slug is the corpus file's name, as for the peers: the corpus has stories with the
    same title in one year (its files are then named `…-2.md`).
    """
    if not text.startswith("---\n"):
        raise ValueError("no front matter")
    end = text.index("\n---\n", 4)
    meta = yaml.load(text[4:end], Loader=yaml.CBaseLoader)  # every value a string
    body = text[end + 5:]
    lines = [f"title: {q(meta['title'])}", f"date: {meta['date']}",
             f"region: {slugify(meta['region'])}", f"category: {slugify(meta['category'])}",
             f"author: {slugify(meta['author'])}", f"slug: {slug}",
             "tags: [" + ", ".join(q(t) for t in meta.get("tags", [])) + "]"]
    if meta.get("summary"):
        lines.append(f"summary: {q(meta['summary'])}")
    return "---\n" + "\n".join(lines) + "\n---\n" + body


def convert(corpus: Path, portal: Path, tables: ModuleType | None = None) -> int:
    """Write the portal; returns the number of stories."""
    tables = tables or load_tables()
    slugs = [slugify(k) for k in tables.KABUPATEN] + [
        slugify(k) for ks in tables.KABUPATEN.values() for k in ks]
    assert len(set(slugs)) == len(slugs), "two regions share a slug"
    portal.mkdir(parents=True, exist_ok=True)
    (portal / "site.yaml").write_text(site_yaml(tables), encoding="utf-8")
    source = corpus / "content" / "stories"
    count = 0
    for path in sorted(source.rglob("*.md")):
        target = portal / "content" / "stories" / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        story = convert_story(path.read_text(encoding="utf-8"), path.stem)
        target.write_text(story, encoding="utf-8")
        count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("portal", type=Path)
    parser.add_argument("--gen-corpus", type=Path, default=GEN_CORPUS,
                        help="gen_corpus.py whose tables name the regions (default: %(default)s)")
    args = parser.parse_args(argv)
    n = convert(args.corpus, args.portal, load_tables(args.gen_corpus))
    print(f"{n} stories → {args.portal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
