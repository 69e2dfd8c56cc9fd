"""site.yaml → SiteConfig: load, convert, then check what types alone cannot."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Iterator
from pathlib import Path

from generator import invisible
from generator.config import yamlsource
from generator.config.schema import RegionConfig, RegionKind, SiteConfig
from generator.config.validate import convert
from generator.diagnostics import Diagnostics, did_you_mean

__all__ = ["CONFIG_FILE", "SiteConfig", "load_config", "parse_config", "walk_regions"]

CONFIG_FILE = "site.yaml"
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
THEME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
#: IndexNow keys: https://www.indexnow.org/documentation ("8 to 128 characters: a-z, A-Z,
#: 0-9 and '-'").
INDEXNOW_KEY_RE = re.compile(r"^[a-zA-Z0-9-]{8,128}$")
MAX_REGION_DEPTH = 3
#: The names a region may go by at each level of the tree; the first is the default.
KINDS_BY_LEVEL: tuple[tuple[RegionKind, ...], ...] = (
    ("kabupaten", "kota"), ("kecamatan",), ("desa", "kelurahan"))


def region_kind(region: RegionConfig, depth: int) -> RegionKind:
    """The region's own `kind`, or the default of its level."""
    allowed = KINDS_BY_LEVEL[min(depth, MAX_REGION_DEPTH) - 1]
    return next((k for k in allowed if k == region.kind), allowed[0])


def load_config(root: Path, diags: Diagnostics) -> SiteConfig | None:
    """Read `root/site.yaml`; None (with diagnostics) when it is missing or invalid."""
    path = root / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        diags.error(CONFIG_FILE, 0, "site.yaml tidak ditemukan",
                    hint="jalankan perintah di folder portal, atau buat portal baru dengan "
                    "'kabar init FOLDER'")
        return None
    except UnicodeDecodeError:
        diags.error(CONFIG_FILE, 0, "site.yaml bukan teks UTF-8",
                    hint="simpan ulang berkas dengan encoding UTF-8")
        return None
    return parse_config(text, diags)


def parse_config(text: str, diags: Diagnostics) -> SiteConfig | None:
    """Parse and validate the text of a site.yaml."""
    doc = yamlsource.load(text)
    if isinstance(doc, yamlsource.YamlError):
        diags.error(CONFIG_FILE, doc.line, doc.message, column=doc.column, hint=doc.hint,
                    source_line=_line(text, doc.line))
        return None
    if not isinstance(doc.data, dict):
        diags.error(CONFIG_FILE, 1, "site.yaml harus berisi pasangan kunci: nilai",
                    hint="lihat docs/config.md untuk contoh")
        return None
    before = len(diags.errors)
    lines = text.splitlines()
    for value in doc.hidden:
        message, hint = invisible.describe(list(value.chars))
        diags.warning(CONFIG_FILE, value.position.line, message, column=value.position.column,
                      hint=hint, source_line=_line(text, value.position.line))
    config = convert(SiteConfig, doc, CONFIG_FILE, diags, lines=lines, guide="docs/config.md")
    if config is None or len(diags.errors) > before:
        return None
    _check(config, doc, diags, lines)
    return None if len(diags.errors) > before else config


def walk_regions(regions: tuple[RegionConfig, ...], depth: int = 1,
                 path: tuple[str | int, ...] = ("regions",),
                 ) -> Iterator[tuple[RegionConfig, int, tuple[str | int, ...]]]:
    """Every region of the tree with its depth (1 = kabupaten) and its YAML key path."""
    for index, region in enumerate(regions):
        here = (*path, index)
        yield region, depth, here
        yield from walk_regions(region.children, depth + 1, (*here, "children"))


def _line(text: str, line: int) -> str:
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""


#: What operators call the Indonesian time zones → the IANA name site.yaml needs.
ZONE_NAMES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


def _check(config: SiteConfig, doc: yamlsource.YamlDoc, diags: Diagnostics,
           lines: list[str]) -> None:
    """Rules across fields: URLs, zone, ids unique and well-formed, references exist."""

    def err(path: tuple[str | int, ...], message: str, hint: str = "") -> None:
        pos = doc.value_pos(path)
        diags.error(CONFIG_FILE, pos.line, message, column=pos.column, hint=hint,
                    source_line=lines[pos.line - 1] if 0 < pos.line <= len(lines) else "")

    for key, url in (("base_url", config.base_url), ("organisation", config.organisation.url)):
        if not re.match(r"^https?://[^\s/]+", url):
            path: tuple[str | int, ...] = (("base_url",) if key == "base_url"
                                           else ("organisation", "url"))
            err(path, f"{'.'.join(map(str, path))}: harus URL lengkap yang diawali https://",
                "contoh: https://kabar.kotimkab.go.id")
    for name in ("facebook", "instagram", "x", "tiktok", "youtube"):
        value = getattr(config.social, name)
        if value and not value.startswith(("https://", "http://")):
            err(("social", name), f"social.{name}: harus URL lengkap yang diawali https://",
                "salin alamatnya dari peramban, misalnya https://www.instagram.com/kabarkotim")
    try:
        zoneinfo.ZoneInfo(config.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = ZONE_NAMES.get(config.timezone.upper())
        err(("timezone",), f"zona waktu '{config.timezone}' tidak dikenal",
            f"untuk {config.timezone.upper()} tulis timezone: {zone}" if zone else
            did_you_mean(config.timezone, ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar",
                                           "Asia/Jayapura")))
    if not THEME_RE.match(config.theme):
        err(("theme",), f"nama tema '{config.theme}' tidak valid",
            "pakai nama folder di themes/, huruf kecil tanpa '/' atau '..'")
    _check_indexnow(config, err)
    if not 1 <= config.per_page <= 100:
        err(("per_page",), "per_page harus antara 1 dan 100", "misalnya per_page: 10")
    if not 1 <= config.feeds.limit <= 500:
        err(("feeds", "limit"), "feeds.limit harus antara 1 dan 500",
            "jumlah berita terbaru di setiap feed, misalnya limit: 20")
    if config.search.split_at < 1:
        err(("search", "split_at"), "search.split_at harus bilangan bulat 1 atau lebih",
            "jumlah berita paling banyak dalam satu indeks pencarian, misalnya split_at: 10000")
    if not config.regions:
        err(("regions",), "regions tidak boleh kosong", "tambahkan minimal satu kabupaten")

    region_ids: set[str] = set()
    for region, depth, path in walk_regions(config.regions):
        _check_id(region.id, (*path, "id"), region_ids, "wilayah", err)
        allowed = KINDS_BY_LEVEL[min(depth, MAX_REGION_DEPTH) - 1]
        if region.kind and region.kind not in allowed:
            err((*path, "kind"), f"kind '{region.kind}' tidak cocok untuk tingkat ke-{depth}",
                "di tingkat ini pakai " + " atau ".join(f"'{k}'" for k in allowed))
        if depth > MAX_REGION_DEPTH:
            err(path, f"wilayah '{region.id}' ada di tingkat ke-{depth}, padahal paling "
                f"banyak {MAX_REGION_DEPTH} tingkat",
                "tingkatannya kabupaten → kecamatan → desa; pindahkan wilayah ini ke "
                "'children:' yang lebih atas")
    category_ids: set[str] = set()
    for index, category in enumerate(config.categories):
        _check_id(category.id, ("categories", index, "id"), category_ids, "kategori", err)
    operator_ids: set[str] = set()
    for index, operator in enumerate(config.operators):
        _check_id(operator.id, ("operators", index, "id"), operator_ids, "operator", err)
        if region_ids and operator.region not in region_ids:  # empty: reported above
            err(("operators", index, "region"),
                f"wilayah '{operator.region}' untuk operator '{operator.id}' tidak ada di regions",
                did_you_mean(operator.region, region_ids))


def _check_indexnow(config: SiteConfig,
                    report: Callable[[tuple[str | int, ...], str, str], None]) -> None:
    key, endpoint = config.indexnow.key, config.indexnow.endpoint
    if key and not INDEXNOW_KEY_RE.match(key):
        problem = (f"panjangnya {len(key)} karakter" if not 8 <= len(key) <= 128 else
                   "ada karakter selain huruf, angka dan '-'")
        report(("indexnow", "key"),
               f"indexnow.key harus 8 sampai 128 huruf, angka atau '-': {problem}",
               "buat kunci acak, misalnya dengan: python3 -c \"import uuid; "
               "print(uuid.uuid4().hex)\"")
    if not re.match(r"^https?://[^\s/]+", endpoint):
        report(("indexnow", "endpoint"),
               "indexnow.endpoint: harus URL lengkap yang diawali https://",
               "bawaan: https://api.indexnow.org/indexnow (hapus baris ini untuk memakainya)")


def _check_id(value: str, path: tuple[str | int, ...], seen: set[str], what: str,
              report: Callable[[tuple[str | int, ...], str, str], None]) -> None:
    if not ID_RE.match(value):
        example = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "mentawa-baru"
        report(path, f"id {what} '{value}' tidak valid",
               f"pakai huruf kecil, angka dan tanda '-', misalnya '{example}'")
    elif value in seen:
        report(path, f"id {what} '{value}' dipakai dua kali", "setiap id harus unik")
    seen.add(value)
