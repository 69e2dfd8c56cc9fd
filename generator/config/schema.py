"""The typed shape of site.yaml: frozen dataclasses, one documented field each.

`validate.py` builds these from YAML; `docs/config.md` documents every field and a test
keeps the two in step. Defaults live here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

#: The languages kabar has UI strings and dates for (`language`, a story's `lang`).
LANGUAGES: tuple[str, ...] = ("id", "en")

#: What a region is called, by level: kabupaten/kota, kecamatan, desa/kelurahan.
RegionKind = Literal["kabupaten", "kota", "kecamatan", "desa", "kelurahan"]


def doc(text: str, *, example: str = "", **kwargs: Any) -> Any:
    """A dataclass field carrying its documentation (MkDocs keeps docs next to types).

    `example` is a site.yaml line shown in the hint when a required key is missing.
    """
    return field(metadata={"doc": text, "example": example}, **kwargs)


@dataclass(frozen=True, slots=True, kw_only=True)
class Organisation:
    """The office behind the portal (publisher in metadata, footer)."""

    name: str = doc("Full name, e.g. 'Dinas Komunikasi dan Informatika Kabupaten Sleman'.",
                    example="name: Dinas Komunikasi dan Informatika Kabupaten Sleman")
    url: str = doc("The office's own website (absolute http(s) URL).",
                   example="url: https://diskominfo.slemankab.go.id")
    logo: str = doc("Logo file inside content/static/ (published at /<logo>); empty for none.",
                    default="")


@dataclass(frozen=True, slots=True, kw_only=True)
class Social:
    """The portal's social media accounts; each is a full URL, empty when absent."""

    facebook: str = doc("Facebook page URL.", default="")
    instagram: str = doc("Instagram profile URL.", default="")
    x: str = doc("X (Twitter) profile URL.", default="")
    tiktok: str = doc("TikTok profile URL.", default="")
    youtube: str = doc("YouTube channel URL.", default="")


@dataclass(frozen=True, slots=True, kw_only=True)
class RegionConfig:
    """A kabupaten (top level), kecamatan (its children) or desa (their children)."""

    id: str = doc("Stable id used in front matter and URLs: lowercase letters, digits, '-'.",
                  example="id: baamang")
    name: str = doc("Name as people write it, without 'Kecamatan'/'Desa', e.g. 'Baamang'.",
                    example="name: Baamang")
    description: str = doc("One or two sentences shown on the region's hub page.", default="")
    keywords: tuple[str, ...] = doc(
        "What people type into search engines for this place (checked by `kabar audit`).",
        default=())
    children: tuple[RegionConfig, ...] = doc("Regions inside this one (at most 3 levels).",
                                             default=())
    kind: Literal["", "kabupaten", "kota", "kecamatan", "desa", "kelurahan"] = doc(
        "What the region is called: by level, kabupaten or kota, then kecamatan, then desa or "
        "kelurahan. Empty: kabupaten, kecamatan, desa.", default="")


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryConfig:
    """A topic such as Kesehatan or Pariwisata."""

    id: str = doc("Stable id used in front matter and URLs.", example="id: kesehatan")
    name: str = doc("Display name.", example="name: Kesehatan")
    description: str = doc("Shown on the category page.", default="")


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorConfig:
    """A person who writes or approves stories."""

    id: str = doc("Stable id used as `author` in front matter and in URLs.", example="id: rina")
    name: str = doc("Full name shown as the byline.", example="name: Rina Wulandari")
    region: str = doc("Region id the operator reports from (must exist in `regions`).",
                      example="region: baamang")
    role: Literal["operator", "editor"] = doc("'operator' writes; 'editor' also approves.",
                                             default="operator")
    git: tuple[str, ...] = doc(
        "Names or e-mail addresses this operator commits with, to credit their git commits "
        "to them (their full `name` matches without this).", default=())


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexNowConfig:
    """IndexNow: `kabar ping` tells Bing, Yandex, Naver, Seznam … which pages changed."""

    key: str = doc("Your own IndexNow key: 8 to 128 letters, digits and '-'. The build "
                   "publishes it at /<key>.txt. Empty: IndexNow off.", default="")
    endpoint: str = doc("Where `kabar ping` sends the changed addresses.",
                        default="https://api.indexnow.org/indexnow")


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedsConfig:
    """RSS and Atom feeds of the portal, of every region, category, operator and tag."""

    limit: int = doc("Newest stories in each feed.", default=20)
    full_content: bool = doc("Put the whole story in feeds (true) or only its summary (false).",
                             default=False)
    tags: bool = doc("Publish a feed for every tag as well.", default=True)
    lists: bool = doc("Publish a feed for every region, category, operator and tag; false: "
                      "only the portal's /feed.xml and /atom.xml.", default=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class CardsConfig:
    """Share cards: the picture social media show when a story is shared."""

    enabled: bool = doc("Draw a 1200x630 kartu.jpg for every story (title, region, portal "
                        "name); false: a shared story shows its photo, or the logo.",
                        default=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchConfig:
    """Full-text search: the Pagefind index under /pagefind/ and the /cari/ page."""

    enabled: bool = doc("Index the stories and publish /cari/ with a search box on every page; "
                        "false: no index, no /cari/, no search box.", default=True)
    split_at: int = doc(
        "Most stories in one search index. A portal with more public stories gets one "
        "index per group of whole years (newest first), each built on its own so the "
        "build's memory stays that of one index (Pagefind needs about 0.24 MB a story), "
        "and the newest years are searched first.", default=5000)


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitsConfig:
    """Size limits that keep one file from stalling or bloating a build."""

    story_kb: int = doc("Largest story file, in kilobytes (a long news story is 10-30 KB).",
                        default=256)
    image_mb: int = doc("Largest image file, in megabytes; resize bigger photos first.",
                        default=8)
    tags: int = doc("Most tags one story may have.", default=20)


@dataclass(frozen=True, slots=True, kw_only=True)
class EditorialConfig:
    """Editorial review: draft → review → published, and who may approve."""

    approval: Literal["off", "required"] = doc(
        "'required': a story with `status: published` must name `approved_by`, an operator "
        "whose role is editor, or the build stops. 'off': the status alone decides.",
        default="off")


@dataclass(frozen=True, slots=True, kw_only=True)
class FactCheckConfig:
    """Fact-check pages (content/cek-fakta/): what search engines are told about them."""

    claimreview: bool = doc(
        "Add schema.org ClaimReview JSON-LD to fact-check pages. Google Search no longer shows "
        "it (2025) and never did for claims by political entities; Google's Fact Check "
        "Explorer and other fact-check tools still read it.", default=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryConfig:
    """Dates and contributors from the portal's git history."""

    git: Literal["auto", "always", "never"] = doc(
        "'auto': read `git log` when the portal folder is the top of a git checkout. "
        "'always': also inside a bigger repository, and warn when git cannot be read. "
        "'never': the front matter alone decides.", default="auto")


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteConfig:
    """The whole of site.yaml."""

    title: str = doc("The portal's name, e.g. 'Kabar Kotim'.", example="title: Kabar Kotim")
    tagline: str = doc("One line under the title and in the home page description.", default="")
    base_url: str = doc("Absolute URL the portal is served from, e.g. https://kabar.go.id.",
                        example="base_url: https://kabar.kotimkab.go.id")
    language: Literal["id", "en"] = doc("Language of the UI strings and dates, and of "
                                        "every list page. "
                                        "Stories in another language (front matter `lang`) "
                                        "live under /<lang>/.", default="id")
    timezone: str = doc("IANA zone for dates without an offset: Asia/Jakarta (WIB), "
                        "Asia/Pontianak (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT).",
                        default="Asia/Jakarta")
    # doc() returns a dataclasses.field, which ruff cannot see.
    organisation: Organisation = doc("The office behind the portal.")  # noqa: RUF009
    social: Social = doc("Social media accounts.", default_factory=Social)  # noqa: RUF009
    indexnow: IndexNowConfig = doc(  # noqa: RUF009
        "IndexNow key for `kabar ping`.", default_factory=IndexNowConfig)
    regions: tuple[RegionConfig, ...] = doc("The region tree, kabupaten first.")
    categories: tuple[CategoryConfig, ...] = doc("The categories stories are filed under.")
    operators: tuple[OperatorConfig, ...] = doc("The people who write and approve stories.")
    editorial: EditorialConfig = doc(  # noqa: RUF009
        "Editorial review and approval.", default_factory=EditorialConfig)
    factcheck: FactCheckConfig = doc(  # noqa: RUF009
        "Fact-check pages (cek fakta).", default_factory=FactCheckConfig)
    history: HistoryConfig = doc(  # noqa: RUF009
        "Dates and operators from git.", default_factory=HistoryConfig)
    per_page: int = doc("Stories per page on the home page and every list.", default=10)
    feeds: FeedsConfig = doc("RSS and Atom feeds.", default_factory=FeedsConfig)  # noqa: RUF009
    cards: CardsConfig = doc("Share cards for social media.",  # noqa: RUF009
                             default_factory=CardsConfig)
    search: SearchConfig = doc("Full-text search.",  # noqa: RUF009
                               default_factory=SearchConfig)
    theme: str = doc("Folder name under themes/ (falls back to the built-in 'default').",
                     default="default")
    limits: LimitsConfig = doc("Size limits per story and image.",  # noqa: RUF009
                               default_factory=LimitsConfig)
    extra: Mapping[str, Any] = doc("Free map passed to templates as `site.extra`.",
                                   default_factory=lambda: MappingProxyType({}))
