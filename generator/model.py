"""The nouns of a portal: frozen records that flow between the pipeline stages.

Records are complete when created (nothing is filled in "later") and hold relations as
ids or as references to other frozen records, never as cycles. Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Literal, Protocol

from generator.config.schema import CategoryConfig, OperatorConfig, RegionKind, SiteConfig

Status = Literal["draft", "review", "published"]
#: What a fact check concludes about a claim (the words Indonesian fact-checkers use).
Verdict = Literal["hoaks", "disinformasi", "misinformasi", "malinformasi", "menyesatkan",
                  "sebagian-benar", "benar"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Image:
    """A picture published with a story: where it comes from, where it goes, what it shows."""

    source: str  # portal-relative path of the file in content/
    url: str  # site-relative URL in the output
    alt: str
    width: int | None
    height: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """Where a story's facts come from (an office, a press release)."""

    name: str
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VerdictInfo:
    """How a verdict is shown: its label, its colour class, its ClaimReview rating (1-5)."""

    label: str  # "HOAKS": printed in brackets on the page, the listing and the share card
    name: str  # "Hoaks": ClaimReview's alternateName
    tone: Literal["false", "mixed", "true"]
    rating: int  # 1 false … 5 true (ClaimReview reviewRating, worst 1, best 5)


VERDICTS: Mapping[str, VerdictInfo] = MappingProxyType({
    "hoaks": VerdictInfo(label="HOAKS", name="Hoaks", tone="false", rating=1),
    "disinformasi": VerdictInfo(label="DISINFORMASI", name="Disinformasi", tone="false",
                                rating=1),
    "misinformasi": VerdictInfo(label="MISINFORMASI", name="Misinformasi", tone="false",
                                rating=2),
    "malinformasi": VerdictInfo(label="MALINFORMASI", name="Malinformasi", tone="mixed",
                                rating=2),
    "menyesatkan": VerdictInfo(label="MENYESATKAN", name="Menyesatkan", tone="mixed",
                               rating=2),
    "sebagian-benar": VerdictInfo(label="SEBAGIAN BENAR", name="Sebagian benar", tone="mixed",
                                  rating=3),
    "benar": VerdictInfo(label="BENAR", name="Benar", tone="true", rating=5),
})


@dataclass(frozen=True, slots=True, kw_only=True)
class FactCheck:
    """What a fact-check page (cek fakta) says about one claim circulating in the region."""

    claim: str  # the claim as it circulated, in one or two sentences
    claim_where: str  # where it circulated: "Pesan berantai WhatsApp, grup Facebook"; or ""
    claim_date: datetime | None  # when it was first seen circulating
    claim_url: str  # where it can be seen (an archived post), or ""
    verdict: Verdict
    sources: tuple[Source, ...]  # what the verdict rests on, at least one

    @property
    def info(self) -> VerdictInfo:
        return VERDICTS[self.verdict]


@dataclass(frozen=True, slots=True, kw_only=True)
class FileHistory:
    """What git says about one content file, renames followed: when, how often, by whom."""

    first: datetime  # the first commit that touched it (committer date)
    last: datetime  # the latest commit that touched it
    commits: int
    contributors: tuple[str, ...]  # operator ids (git names when unknown), first author first


@dataclass(frozen=True, slots=True, kw_only=True)
class TocEntry:
    """A heading of a story body, for the table of contents."""

    level: int
    id: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Asset:
    """A file copied from content/ (or a theme) to the output unchanged."""

    source: str  # portal-relative path, or an absolute path for built-in files
    url: str


class StoredHtml(Protocol):
    """HTML kept outside memory (generator/spill.py): `str()` reads it back, so a template
    prints it with `|safe` as it would the text; equal digests mean equal HTML."""

    digest: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedBody:
    """Markdown turned into sanitised HTML, with what the later stages need from it."""

    html: str | StoredHtml  # stored outside memory by `kabar build`: read with str()
    toc: tuple[TocEntry, ...]
    word_count: int
    first_paragraph: str  # plain text, for descriptions when a summary is missing
    assets: tuple[Asset, ...]  # local files the body links to or shows


@dataclass(frozen=True, slots=True, kw_only=True)
class StoryMeta:
    """Validated front matter of a story."""

    title: str
    date: datetime  # timezone-aware
    updated: datetime | None
    region: str
    category: str
    tags: tuple[str, ...]
    author: str
    summary: str
    image: Image | None
    slug: str
    source: Source | None
    status: Status
    lang: str  # `id` | `en`: the site language unless front matter says `lang:`
    translation_key: str  # "" for none; stories sharing one are versions of each other
    approved_by: str = ""  # the editor who approved it (operator id)
    expires: datetime | None = None  # from then on: out of lists, feeds, sitemaps; noindex
    factcheck: FactCheck | None = None  # set for the pages of content/cek-fakta/

    def scheduled(self, now: datetime) -> bool:
        """Dated after `now`: not on the portal until a build at or after its date."""
        return self.date > now

    def expired(self, now: datetime) -> bool:
        """Its `expires` has come: the page stays (noindex), the lists forget it."""
        return self.expires is not None and self.expires <= now

    def public(self, now: datetime) -> bool:
        """Published, its time has come, not expired: listed, in feeds and sitemaps."""
        return self.status == "published" and not self.scheduled(now) and not self.expired(now)


@dataclass(frozen=True, slots=True, kw_only=True)
class Story:
    """One story: its file, metadata, rendered body and URL."""

    path: str  # portal-relative source path, e.g. content/stories/2024/x.md
    meta: StoryMeta
    body: RenderedBody
    url: str
    history: FileHistory | None = None  # from git, when the portal is a git checkout


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """A static page from content/pages/ (Tentang, Kontak)."""

    path: str
    title: str
    summary: str
    menu: int | None  # position in the main navigation; None keeps it out
    url: str
    body: RenderedBody
    history: FileHistory | None = None  # from git, when the portal is a git checkout


@dataclass(frozen=True, slots=True, kw_only=True)
class Region:
    """A node of the region tree, resolved from site.yaml."""

    id: str
    name: str
    kind: RegionKind
    description: str
    keywords: tuple[str, ...]
    parent: str | None
    children: tuple[str, ...]
    lineage: tuple[str, ...]  # ids from the kabupaten down to this region
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Tag:
    """A tag as written by operators, and the slug its page lives under."""

    name: str
    slug: str
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledChange:
    """The next moment a rebuild changes the portal by itself: a story goes live or expires."""

    when: datetime
    path: str  # the story's source file
    change: Literal["publish", "expire"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    """Everything the renderers and publishers read; built once per build."""

    config: SiteConfig
    build_time: datetime
    stories: tuple[Story, ...]  # in the site language: every list shows these; newest first
    translations: tuple[Story, ...]  # in other languages: their own pages and feeds only
    versions: Mapping[str, tuple[Story, ...]]  # translation key → its versions (≥ 2), the
    #                                            site language first, then by language
    pages: tuple[Page, ...]
    regions: Mapping[str, Region]  # in site.yaml order, depth first
    categories: Mapping[str, CategoryConfig]
    operators: Mapping[str, OperatorConfig]
    tags: Mapping[str, Tag]  # by slug, sorted by slug
    by_region: Mapping[str, tuple[Story, ...]]  # a region's stories and its descendants'
    by_category: Mapping[str, tuple[Story, ...]]
    by_tag: Mapping[str, tuple[Story, ...]]
    by_author: Mapping[str, tuple[Story, ...]]
    by_year: Mapping[int, tuple[Story, ...]]
    by_month: Mapping[tuple[int, int], tuple[Story, ...]]
    assets: tuple[Asset, ...]  # content files to copy (story images, content/static)
    factchecks: tuple[Story, ...] = ()  # content/cek-fakta/: their own section, newest first
    unlisted: tuple[Story, ...] = ()  # expired: their pages are built (noindex), no list has them
    next_change: ScheduledChange | None = None  # when a rebuild would next change the portal

    def every_story(self) -> tuple[Story, ...]:
        """Every story that gets a page: the listed ones in the site language, fact checks,
        translations, then the unlisted (expired, in any language)."""
        return self.stories + self.factchecks + self.translations + self.unlisted

    def listed_stories(self) -> tuple[Story, ...]:
        """The stories search engines are told about (sitemaps): every one but the expired."""
        return self.stories + self.factchecks + self.translations

    def versions_of(self, story: Story) -> tuple[Story, ...]:
        """All versions of `story` (itself included), or () when it has no translation.

        An unlisted (expired) story is nobody's version, and has none: its page is noindex.
        """
        found = self.versions.get(story.meta.translation_key, ()) \
            if story.meta.translation_key else ()
        return found if any(v.url == story.url for v in found) else ()


@dataclass(frozen=True, slots=True)
class Output:
    """One file of the built site: where it goes (relative to output/) and its bytes."""

    path: str
    data: bytes
    #: A name for `data`, equal only for equal bytes (a page's page-cache key), or "".
    #: The writer remembers it with the file it wrote, so the next build can keep that
    #: file without reading it (`Kept`).
    token: str = ""


@dataclass(frozen=True, slots=True)
class Kept:
    """A file the live output/ already holds: the one a previous build wrote at `path`
    from the same `token`, unchanged since (the sink said so: `writer.Staging.holds`).
    Nothing is read or rendered for it; the writer places the live file as it is."""

    path: str
    token: str
