#!/usr/bin/env python3
"""Turn a corpus written by ../shared/bench/gen_corpus.py into a kabar portal.

    python3 bench/corpus_to_portal.py CORPUS_DIR PORTAL_DIR [--image] [--equal-work]

The corpus names regions, categories and authors; kabar wants ids declared in site.yaml.
This writes PORTAL_DIR/site.yaml declaring the 4 kabupaten with their 30 kecamatan, the
8 categories and the 40 operators (slug ids, read from the corpus itself), and copies
every story with its front matter mapped to those ids:

- `region`, `category`, `author`: name → id; `kabupaten` is dropped (the region tree
  knows it); `description` is dropped (`summary` is kabar's description);
- `slug:` is set to the corpus file name, so URLs match the peers' (`/berita/<yyyy>/<slug>/`);
- `image:` names a file that does not exist: dropped, or with `--image`, pointed at one
  small shared `foto.jpg` written into each year folder (with `image_alt:`).

`--equal-work` adds `feeds.lists: false`, `cards.enabled: false` and `search.enabled:
false` to site.yaml: then
kabar makes what Hugo and Pelican make in the benchmark (plus its archive and author pages).

Needs only kabar's `urls.slugify` (and Pillow for `--image`). Deterministic: the same
corpus gives the same bytes. Not timed by bench/run.py.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# kabar's own rule, so the ids written here are the ones kabar derives from the names.
from generator.urls import slugify as slug  # noqa: E402  (after the path is set)

_KEY = re.compile(r"^([a-z_]+):\s*(.*)$")


def _value(raw: str) -> str:
    """A scalar as gen_corpus writes it: a JSON-compatible double-quoted string."""
    raw = raw.strip()
    return str(json.loads(raw)) if raw.startswith('"') else raw


def split_story(text: str) -> tuple[list[str], str]:
    """Front matter lines (without the --- fences) and the body."""
    if not text.startswith("---\n"):
        raise ValueError("no front matter")
    header, _, body = text[4:].partition("\n---\n")
    return header.split("\n"), body


def scan(stories: list[Path]) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """kabupaten → kecamatan names, category names, author names, in first-seen order."""
    tree: dict[str, list[str]] = {}
    categories: list[str] = []
    authors: list[str] = []
    for path in stories:
        lines, _ = split_story(path.read_text(encoding="utf-8"))
        fields = {m[1]: _value(m[2]) for m in map(_KEY.match, lines) if m}
        kecamatan = tree.setdefault(fields["kabupaten"], [])
        if fields["region"] not in kecamatan:
            kecamatan.append(fields["region"])
        if fields["category"] not in categories:
            categories.append(fields["category"])
        if fields["author"] not in authors:
            authors.append(fields["author"])
    return tree, categories, authors


#: What the peers do not make (see ../shared/bench/README.md): kabar with these off does
#: the same work as Hugo and Pelican, for a fair comparison.
EQUAL_WORK = ["feeds:", "  lists: false", "cards:", "  enabled: false", "search:",
              "  enabled: false"]


def site_yaml(tree: dict[str, list[str]], categories: list[str], authors: list[str],
              equal_work: bool = False) -> str:
    """The portal's site.yaml, sorted so the same corpus gives the same file."""
    q = json.dumps  # a JSON string is a valid YAML double-quoted scalar
    out = ["title: Kabar Benchmark",
           'tagline: "Portal uji kecepatan dari korpus sintetis"',
           "base_url: https://kabar.example.go.id",
           "language: id",
           "timezone: Asia/Jakarta",
           "organisation:",
           "  name: Dinas Komunikasi dan Informatika",
           "  url: https://diskominfo.example.go.id",
           "per_page: 10",
           "regions:"]
    kabupaten = sorted(tree)
    for kab in kabupaten:
        out += [f"  - id: {slug(kab)}", f"    name: {q(kab)}", "    children:"]
        for kec in sorted(tree[kab]):
            out += [f"      - id: {slug(kec)}", f"        name: {q(kec)}"]
    out.append("categories:")
    for name in sorted(categories):
        out += [f"  - id: {slug(name)}", f"    name: {q(name)}"]
    out.append("operators:")
    for n, name in enumerate(sorted(authors)):
        region = slug(kabupaten[n % len(kabupaten)])
        out += [f"  - id: {slug(name)}", f"    name: {q(name)}", f"    region: {region}"]
    if equal_work:
        out += EQUAL_WORK
    return "\n".join(out) + "\n"


def convert_story(text: str, file_slug: str, image: bool) -> str:
    """One story with kabar's front matter: ids instead of names, explicit slug."""
    lines, body = split_story(text)
    out: list[str] = []
    for line in lines:
        match = _KEY.match(line)
        key = match[1] if match else ""
        if key in ("kabupaten", "description", "image"):
            continue
        if key in ("region", "category", "author"):
            assert match is not None
            out.append(f"{key}: {slug(_value(match[2]))}")
        else:
            out.append(line)
    out.append(f"slug: {file_slug}")
    if image:
        out += ["image: foto.jpg", 'image_alt: "Warga bergotong royong di balai desa"']
    return "---\n" + "\n".join(out) + "\n---\n" + body


def write_image(path: Path) -> None:
    """One small, deterministic JPEG (1200×800 bands of colour)."""
    from PIL import Image, ImageDraw  # only with --image

    picture = Image.new("RGB", (1200, 800), (40, 110, 90))
    draw = ImageDraw.Draw(picture)
    for n in range(8):
        draw.rectangle((0, n * 100, 1200, n * 100 + 60), fill=(40 + n * 25, 110, 90 + n * 15))
    picture.save(path, "JPEG", quality=80)


def convert(corpus: Path, portal: Path, *, image: bool = False,
            equal_work: bool = False) -> int:
    """Write the portal; returns the number of stories."""
    source = corpus / "content" / "stories"
    stories = sorted(source.glob("*/*.md"))
    if not stories:
        raise SystemExit(f"no stories under {source}")
    tree, categories, authors = scan(stories)
    if portal.exists():
        shutil.rmtree(portal)
    (portal / "content" / "stories").mkdir(parents=True)
    (portal / "site.yaml").write_text(site_yaml(tree, categories, authors, equal_work),
                                      encoding="utf-8")
    for path in stories:
        target = portal / "content" / "stories" / path.parent.name / path.name
        if not target.parent.exists():
            target.parent.mkdir()
            if image:
                write_image(target.parent / "foto.jpg")
        text = convert_story(path.read_text(encoding="utf-8"), path.stem, image)
        target.write_text(text, encoding="utf-8")
    return len(stories)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="folder written by gen_corpus.py --out")
    parser.add_argument("portal", type=Path, help="folder to write the portal into (replaced)")
    parser.add_argument("--image", action="store_true",
                        help="give every story a shared foto.jpg instead of no image")
    parser.add_argument("--equal-work", action="store_true",
                        help="turn off what the peers do not make: feeds per list, share cards")
    args = parser.parse_args(argv)
    n = convert(args.corpus, args.portal, image=args.image, equal_work=args.equal_work)
    print(f"{n} stories → {args.portal}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
