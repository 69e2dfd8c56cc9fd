"""Front matter → validated metadata: required keys, timezone-aware dates, known ids.

Every problem becomes a Diagnostic at the line of the offending key, with a hint an
operator can act on. References to regions, categories and operators are checked
against site.yaml here, with did-you-mean suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Literal

from generator.config.schema import LANGUAGES, SiteConfig
from generator.config.validate import convert
from generator.config.yamlsource import YamlDoc
from generator.content.images import IMAGE_SUFFIXES, is_image
from generator.diagnostics import Diagnostics, did_you_mean
from generator.model import FactCheck, Source, Status, Verdict
from generator.urls import slugify

MAX_TITLE = 110
MAX_SUMMARY = 160
GUIDE = "docs/content.md"
#: What operators write for a language instead of its code; the hint names the code.
LANGUAGE_NAMES = {"indonesia": "id", "indonesian": "id", "bahasa": "id", "ind": "id",
                  "in": "id", "id-id": "id", "id_id": "id", "inggris": "en", "english": "en",
                  "eng": "en", "en-us": "en", "en_us": "en", "en-gb": "en", "en_gb": "en"}
LANGUAGE_HINT = "kabar mengenal id (Bahasa Indonesia) dan en (Inggris)"


def _required(example: str) -> Any:
    """A required front-matter key; `example` is shown in the hint when it is missing."""
    return field(metadata={"example": example})


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceFields:
    """`source:` in front matter."""

    name: str
    url: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class StoryFields:
    """The keys a story's front matter may have (see docs/content.md)."""

    title: str = _required('title: "Posyandu Baru di Baamang"')
    date: str = _required("date: 2024-11-20 09:30")
    region: str = _required("region: baamang (id wilayah dari site.yaml)")
    category: str = _required("category: kesehatan (id kategori dari site.yaml)")
    author: str = _required("author: rina (id operator dari site.yaml)")
    tags: tuple[str, ...] = ()
    summary: str = ""
    image: str = ""
    image_alt: str = ""
    slug: str = ""
    updated: str = ""
    source: SourceFields | None = None
    status: Literal["draft", "review", "published"] = "published"
    lang: str = ""
    translation_key: str = ""
    approved_by: str = ""
    expires: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FactCheckFields(StoryFields):
    """A fact check (content/cek-fakta/) has a story's keys and these (docs/content.md)."""

    claim: str = _required('claim: "Air PDAM Sampit tercemar limbah, jangan diminum"')
    claim_where: str = ""
    claim_date: str = ""
    claim_url: str = ""
    verdict: Verdict = _required("verdict: hoaks")  # noqa: RUF009 (a field(), not a value)
    sources: tuple[SourceFields, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PageFields:
    """The keys a static page's front matter may have."""

    title: str = _required("title: Tentang Kami")
    summary: str = ""
    slug: str = ""
    menu: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckedStory:
    """Story fields after validation, before the body is rendered."""

    title: str
    date: datetime
    updated: datetime | None
    region: str
    category: str
    tags: tuple[str, ...]
    author: str
    summary: str
    image: str
    image_alt: str
    slug: str
    source: Source | None
    status: Status
    lang: str
    translation_key: str
    approved_by: str  # an editor's operator id, or ""
    expires: datetime | None
    factcheck: FactCheck | None = None


class FieldChecker:
    """Reports problems of one file's front matter at the right line."""

    def __init__(self, doc: YamlDoc, path: str, line_offset: int, diags: Diagnostics,
                 lines: list[str]) -> None:
        self.doc, self.path, self.offset, self.diags, self.lines = doc, path, line_offset, \
            diags, lines
        self.failed = False

    def error(self, key: str | tuple[str | int, ...], message: str, hint: str = "") -> None:
        pos = self.doc.value_pos((key,) if isinstance(key, str) else key)
        line = pos.line + self.offset
        source_line = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        self.diags.error(self.path, line, message, column=pos.column, hint=hint,
                         source_line=source_line)
        self.failed = True

    def warning(self, key: str, message: str, hint: str = "") -> None:
        pos = self.doc.value_pos((key,))
        line = pos.line + self.offset
        source_line = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        self.diags.warning(self.path, line, message, column=pos.column, hint=hint,
                           source_line=source_line)

    def info(self, key: str, message: str, hint: str = "") -> None:
        pos = self.doc.value_pos((key,))
        line = pos.line + self.offset
        source_line = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        self.diags.info(self.path, line, message, column=pos.column, hint=hint,
                        source_line=source_line)


def parse_datetime(text: str, zone: tzinfo) -> datetime | None:
    """ISO 8601 date or date-time; without an offset it is in the site's zone."""
    value = text.strip().replace("/", "-")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


_DATE_HINT = "tulis tahun-bulan-tanggal dan jam, misalnya 2024-11-20 09:30 (atau 2024-11-20)"


def check_story(doc: YamlDoc, path: str, line_offset: int, config: SiteConfig, zone: tzinfo,
                region_ids: frozenset[str], diags: Diagnostics, lines: list[str], *,
                factcheck: bool = False) -> CheckedStory | None:
    """Validate a story's (or a fact check's) front matter; None when it has errors."""
    kind: type[StoryFields] = FactCheckFields if factcheck else StoryFields
    fields = convert(kind, doc, path, diags, line_offset=line_offset, lines=lines, guide=GUIDE)
    if fields is None:
        return None
    check = FieldChecker(doc, path, line_offset, diags, lines)
    if not fields.title:
        check.error("title", "title kosong", "tulis judul cerita setelah 'title:'")
    elif len(fields.title) > MAX_TITLE:
        check.warning("title", f"judul terlalu panjang ({len(fields.title)} karakter)",
                      f"judul yang baik di mesin pencari paling banyak {MAX_TITLE} karakter")
    date = parse_datetime(fields.date, zone)
    if date is None:
        check.error("date", f"tanggal '{fields.date}' tidak bisa dibaca", _DATE_HINT)
    updated = parse_datetime(fields.updated, zone) if fields.updated else None
    if fields.updated and updated is None:
        check.error("updated", f"tanggal '{fields.updated}' tidak bisa dibaca", _DATE_HINT)
    elif updated and date and updated < date:
        check.error("updated", f"updated ({fields.updated}) lebih awal dari date ({fields.date})",
                    "updated adalah waktu cerita diperbarui, jadi harus sesudah date; "
                    "hapus baris updated jika cerita belum pernah diperbarui")
    expires = parse_datetime(fields.expires, zone) if fields.expires else None
    if fields.expires and expires is None:
        check.error("expires", f"tanggal '{fields.expires}' tidak bisa dibaca", _DATE_HINT)
    elif expires and date and expires <= date:
        check.error("expires", f"expires ({fields.expires}) harus sesudah date ({fields.date})",
                    "expires adalah saat cerita tidak lagi tampil di daftar; tulis waktu "
                    "sesudah date, atau hapus baris expires")
    if fields.region not in region_ids:
        check.error("region", f"wilayah '{fields.region}' tidak ada di site.yaml",
                    did_you_mean(fields.region, region_ids))
    categories = [c.id for c in config.categories]
    if fields.category not in categories:
        check.error("category", f"kategori '{fields.category}' tidak ada di site.yaml",
                    did_you_mean(fields.category, categories))
    operators = [o.id for o in config.operators]
    if fields.author not in operators:
        check.error("author", f"penulis '{fields.author}' tidak ada di daftar operators "
                    "site.yaml", did_you_mean(fields.author, operators))
    if fields.image.startswith(("https://", "http://", "//")):
        check.error("image", f"image '{fields.image}' harus berkas di samping cerita, bukan "
                    "alamat internet", "unduh gambarnya, taruh di folder yang sama dengan berkas "
                    "cerita, lalu tulis namanya saja, misalnya image: foto.jpg")
    elif fields.image and not is_image(fields.image):
        check.error("image", f"image '{fields.image}' bukan berkas gambar",
                    "pakai berkas " + ", ".join(sorted(IMAGE_SUFFIXES)))
    if fields.image and not fields.image_alt:
        check.error("image", "image_alt wajib diisi jika ada image",
                    "tambahkan 'image_alt:' yang menjelaskan isi gambar untuk pembaca tunanetra")
    if len(fields.summary) > MAX_SUMMARY:
        check.warning("summary", f"summary terlalu panjang ({len(fields.summary)} karakter)",
                      f"mesin pencari memotong deskripsi setelah sekitar {MAX_SUMMARY} karakter")
    _editorial(fields, config, check)
    slug = _slug(fields.slug, fields.title, check)
    tags = _tags(fields.tags, check)
    source = None
    if fields.source is not None:
        if fields.source.url and not fields.source.url.startswith(("https://", "http://")):
            check.error(("source", "url"), "source.url harus URL lengkap yang diawali https://",
                        "contoh: https://dinkes.kotimkab.go.id/siaran-pers")
        source = Source(name=fields.source.name, url=fields.source.url)
    lang = _language(fields.lang, config.language, check)
    checked_fact = (_factcheck(fields, source, config, zone, check)
                    if isinstance(fields, FactCheckFields) else None)
    if check.failed or date is None:
        return None
    return CheckedStory(title=fields.title, date=date, updated=updated, region=fields.region,
                        category=fields.category, tags=tags, author=fields.author,
                        summary=" ".join(fields.summary.split()), image=fields.image,
                        image_alt=fields.image_alt, slug=slug, source=source,
                        status=fields.status, lang=lang,
                        translation_key=" ".join(fields.translation_key.split()),
                        approved_by=fields.approved_by, expires=expires, factcheck=checked_fact)


def _factcheck(fields: FactCheckFields, source: Source | None, config: SiteConfig,
               zone: tzinfo, check: FieldChecker) -> FactCheck:
    """The claim, where and when it circulated, the verdict and what it rests on.

    Fact checks are written in the site language only: they answer a hoax circulating
    in the region, and their section, feeds and labels exist in that language alone.
    """
    if fields.lang and fields.lang != config.language:
        check.error("lang", "cek fakta hanya ditulis dalam bahasa situs "
                    f"('{config.language}')", "hapus baris lang: (cek fakta belum bisa "
                    "diterjemahkan)")
    if fields.translation_key:
        check.error("translation_key", "cek fakta belum bisa diterjemahkan",
                    "hapus baris translation_key:")
    if not fields.claim:
        check.error("claim", "claim kosong", "tulis klaim yang beredar dalam satu atau dua "
                    "kalimat, misalnya claim: \"Air PDAM tercemar limbah\"")
    claim_date = parse_datetime(fields.claim_date, zone) if fields.claim_date else None
    if fields.claim_date and claim_date is None:
        check.error("claim_date", f"tanggal '{fields.claim_date}' tidak bisa dibaca", _DATE_HINT)
    if fields.claim_url and not fields.claim_url.startswith(("https://", "http://")):
        check.error("claim_url", "claim_url harus URL lengkap yang diawali https://",
                    "salin alamat unggahan (atau arsipnya) dari peramban")
    sources = [source] if source is not None else []
    for index, item in enumerate(fields.sources):
        if item.url and not item.url.startswith(("https://", "http://")):
            check.error(("sources", index, "url"), "sources: url harus URL lengkap yang "
                        "diawali https://", "contoh: https://dinkes.kotimkab.go.id/siaran-pers")
        sources.append(Source(name=item.name, url=item.url))
    if not sources:
        check.error("verdict", "cek fakta wajib menyebut sumbernya (sources)",
                    "tambahkan 'sources:' berisi minimal satu '- name: …' (dan 'url: https://…'): "
                    "sumber resmi yang menjadi dasar kesimpulan; contoh di docs/content.md")
    return FactCheck(claim=" ".join(fields.claim.split()), claim_where=fields.claim_where,
                     claim_date=claim_date, claim_url=fields.claim_url, verdict=fields.verdict,
                     sources=tuple(sources))


def _editorial(fields: StoryFields, config: SiteConfig, check: FieldChecker) -> None:
    """approved_by names an editor; with approval required, a published story needs one."""
    editors = sorted(o.id for o in config.operators if o.role == "editor")
    operators = {o.id: o for o in config.operators}
    who = fields.approved_by
    if who and who not in operators:
        check.error("approved_by", f"approved_by: '{who}' tidak ada di daftar operators "
                    "site.yaml", did_you_mean(who, editors or operators))
    elif who and operators[who].role != "editor":
        check.error("approved_by", f"approved_by: '{who}' bukan editor",
                    "hanya operator dengan role: editor yang boleh menyetujui; "
                    + ("editor di site.yaml: " + ", ".join(f"'{e}'" for e in editors)
                       if editors else "tambahkan 'role: editor' pada editor di site.yaml"))
    if fields.status == "review":
        check.info("status", "cerita menunggu pemeriksaan editor (status: review)",
                   "editor memeriksa, lalu mengubah status menjadi published"
                   + (" dan menulis approved_by: <id editor>"
                      if config.editorial.approval == "required" else ""))
    elif (fields.status == "published" and not who
          and config.editorial.approval == "required"):
        implied = "" if ("status",) in check.doc.keys else " (tanpa 'status:' berarti published)"
        check.error("status", f"cerita terbit tanpa persetujuan editor{implied}",
                    "site.yaml meminta persetujuan (editorial.approval: required): editor "
                    "menulis approved_by: <id editor>, misalnya approved_by: "
                    f"{editors[0] if editors else '<id editor>'}; atau ubah status menjadi "
                    "review")


def check_page(doc: YamlDoc, path: str, line_offset: int, diags: Diagnostics,
               lines: list[str], default_slug: str) -> tuple[PageFields, str] | None:
    """Validate a static page's front matter; returns the fields and the slug."""
    fields = convert(PageFields, doc, path, diags, line_offset=line_offset, lines=lines,
                     guide=GUIDE)
    if fields is None:
        return None
    check = FieldChecker(doc, path, line_offset, diags, lines)
    if not fields.title:
        check.error("title", "title kosong", "tulis judul halaman setelah 'title:'")
    slug = _slug(fields.slug, default_slug, check)
    return None if check.failed else (fields, slug)


def _slug(given: str, fallback: str, check: FieldChecker) -> str:
    if given:
        if slugify(given) != given:
            check.error("slug", f"slug '{given}' tidak aman untuk URL",
                        f"pakai huruf kecil, angka dan '-', misalnya '{slugify(given)}'")
        return given
    slug = slugify(fallback)
    if not slug and fallback:  # an empty title is reported as such
        check.error("title", "judul tidak menghasilkan alamat (slug) yang bisa dipakai",
                    "tambahkan 'slug:' berisi huruf kecil, angka dan '-'")
    return slug


def _language(given: str, site_language: str, check: FieldChecker) -> str:
    """The story's language code: `lang:` when given and known, else the site's."""
    if not given:
        return site_language
    if given in LANGUAGES:
        return given
    meant = LANGUAGE_NAMES.get(given.lower()) or (given.lower() if given.lower() in LANGUAGES
                                                  else "")
    hint = f"maksud Anda '{meant}'? " if meant else ""
    if not meant:
        close = did_you_mean(given, LANGUAGES)
        hint = f"{close} " if close.startswith("maksud") else ""
    check.error("lang", f"bahasa '{given}' tidak dikenal", f"{hint}{LANGUAGE_HINT}")
    return site_language


def _tags(tags: tuple[str, ...], check: FieldChecker) -> tuple[str, ...]:
    out: list[str] = []
    for tag in tags:
        name = " ".join(tag.split())
        if not slugify(name):
            check.error("tags", f"tag '{tag}' tidak berisi huruf atau angka")
        elif name.lower() not in (t.lower() for t in out):
            out.append(name)
    return tuple(out)
