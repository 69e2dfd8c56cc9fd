"""Fact-check pages (cek fakta): the label everywhere, their own section and feed, ClaimReview.

Inline portals are built through the whole pipeline; the share card is drawn for real and
its pixels read back; feeds are read with feedparser.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import feedparser
import pytest
from conftest import MINIMAL_SITE_YAML, SiteMaker, build_site, outputs, story_text
from lxml import html as lxml_html
from PIL import Image, ImageChops

from generator.diagnostics import BuildFailed, format_report
from generator.model import VERDICTS, Verdict
from generator.publish import cards
from generator.publish.images import FONTS
from generator.structure.related import related

HOAX = "content/cek-fakta/2025/air-tercemar.md"
PAGE = "cek-fakta/2025/air-sumur-tercemar/index.html"


def factcheck(title: str = "Air Sumur Disebut Tercemar", *, verdict: str = "hoaks",
              date: str = "2025-03-10 11:00", slug: str = "air-sumur-tercemar",
              extra: str = "", sources: str | None = None) -> str:
    sources = sources if sources is not None else (
        "sources:\n  - name: Puskesmas Satu\n    url: https://puskesmas.example.go.id/a\n"
        "  - name: Kader <b>Posyandu</b>\n")
    return story_text(title, date=date, extra=(
        f"slug: {slug}\nclaim: \"Air sumur di Satu tercemar <script>alert(1)</script>\"\n"
        "claim_where: Pesan berantai WhatsApp\nclaim_date: 2025-03-09\n"
        "claim_url: https://arsip.example.org/pesan\n"
        f"verdict: {verdict}\n{sources}{extra}"),
        body="Puskesmas sudah memeriksa airnya.\n")


def portal(make_site: SiteMaker, *, count: int = 1, yaml: str = MINIMAL_SITE_YAML) -> Path:
    files: dict[str, str | bytes] = {"site.yaml": yaml,
                                     "content/stories/2025/a.md": story_text(date="2025-01-02")}
    files[HOAX] = factcheck()
    for n in range(1, count):
        files[f"content/cek-fakta/2025/lain-{n}.md"] = factcheck(
            f"Klaim Lain {n}", verdict="benar", date=f"2025-02-0{n}", slug=f"lain-{n}")
    return make_site(files)


def test_a_fact_check_page_leads_with_its_label(make_site: SiteMaker) -> None:
    files = outputs(build_site(portal(make_site)))
    page = lxml_html.fromstring(files[PAGE])
    assert page.findtext(".//title") == "[HOAKS] Air Sumur Disebut Tercemar | Kabar Uji"
    assert page.xpath('//meta[@property="og:title"]/@content') == [
        "[HOAKS] Air Sumur Disebut Tercemar"]
    assert page.xpath("//body/@class") == ["kind-factcheck"]
    [h1] = page.xpath("//h1")
    assert h1.text_content() == "[HOAKS] Air Sumur Disebut Tercemar"
    assert h1.xpath("span/@class") == ["verdict verdict-false"]
    # The claim is operator text: escaped, never markup.
    assert page.xpath('//section[@class="claim"]//blockquote/p/text()') == [
        "Air sumur di Satu tercemar <script>alert(1)</script>"]
    assert not page.xpath("//script[not(@type)]")
    facts = [t.strip() for t in page.xpath('//dl[@class="claim-facts"]/*//text()') if t.strip()]
    assert facts == ["Beredar di", "Pesan berantai WhatsApp", "Mulai beredar", "9 Maret 2025",
                     "Kesimpulan", "[HOAKS]"]
    assert page.xpath('//p[@class="claim-link"]/a/@href') == ["https://arsip.example.org/pesan"]
    assert page.xpath('//p[@class="claim-link"]/a/@rel') == ["nofollow noopener"]
    assert [li.text_content() for li in page.xpath('//section[@class="sources"]//li')] == [
        "Puskesmas Satu", "Kader <b>Posyandu</b>"]
    assert page.xpath('//section[@class="sources"]//a/@href') == [
        "https://puskesmas.example.go.id/a"]
    # In the main menu, since the portal has a fact check.
    assert '<li><a href="/cek-fakta/" aria-current="true">Cek Fakta</a></li>' in files[
        PAGE].decode()
    assert '<a href="/cek-fakta/">Cek Fakta</a>' in files["index.html"].decode()


def test_the_section_paginates_and_has_its_own_feed(make_site: SiteMaker) -> None:
    result = build_site(portal(make_site, count=3))
    files = outputs(result)  # per_page: 2
    first = lxml_html.fromstring(files["cek-fakta/index.html"])
    second = lxml_html.fromstring(files["cek-fakta/page/2/index.html"])
    titles = [" ".join(h.text_content().split()) for doc in (first, second)
              for h in doc.xpath('//h3[@class="card-title"]')]
    assert titles == ["[HOAKS] Air Sumur Disebut Tercemar", "[BENAR] Klaim Lain 2",
                      "[BENAR] Klaim Lain 1"]
    assert first.xpath('//h3[@class="card-title"]/span/@class') == [
        "verdict verdict-false", "verdict verdict-true"]
    legend = [t.text_content() for t in first.xpath('//section[@class="verdict-legend"]//dt')]
    assert legend == [f"[{v.label}]" for v in VERDICTS.values()]
    rss = feedparser.parse(files["cek-fakta/feed.xml"])
    atom = feedparser.parse(files["cek-fakta/atom.xml"])
    for feed in (rss, atom):
        assert feed.bozo == 0
        assert feed.feed.title == "Kabar Uji — Cek Fakta"
        assert [e.title for e in feed.entries] == [
            "[HOAKS] Air Sumur Disebut Tercemar", "[BENAR] Klaim Lain 2", "[BENAR] Klaim Lain 1"]
        assert feed.entries[0].link == "https://uji.example.go.id/cek-fakta/2025/air-sumur-tercemar/"
    # The good-news lists and the portal's feed stay good news.
    portal_feed = feedparser.parse(files["feed.xml"])
    assert [e.title for e in portal_feed.entries] == ["Posyandu Baru"]
    assert "cek-fakta/2025" not in files["index.html"].decode()
    assert "cek-fakta/2025" not in files["wilayah/kab-uji/kec-satu/index.html"].decode()
    # A tag is a topic: its page lists the clarification too, labelled; related stories don't.
    tag = lxml_html.fromstring(files["tag/posyandu/index.html"])
    assert [" ".join(h.text_content().split()) for h in tag.xpath('//h3[@class="card-title"]')
            ] == ["[HOAKS] Air Sumur Disebut Tercemar", "[BENAR] Klaim Lain 2"]
    site = result.site
    assert site.by_tag["posyandu"][0].meta.factcheck is not None
    assert related(site, site.stories[0]) == ()  # the fact checks share its tag, yet
    # ...and the sitemap has them.
    assert b"/cek-fakta/2025/air-sumur-tercemar/" in files["sitemaps/berita-2025.xml"]
    assert b"/cek-fakta/page/2/" in files["sitemaps/halaman.xml"]


def test_no_section_and_no_menu_link_without_fact_checks(make_site: SiteMaker) -> None:
    files = outputs(build_site(make_site({"content/stories/2025/a.md": story_text()})))
    assert not any(path.startswith("cek-fakta/") for path in files)
    assert b"/cek-fakta/" not in files["index.html"]


def _label_pixels(card: Image.Image, tone: str) -> int:
    """How many pixels of the card have the label's colour."""
    solid = Image.new("RGB", card.size, cards.LABEL_COLOURS[tone])
    near = ImageChops.difference(card, solid).point(lambda v: 255 if v <= 8 else 0)
    red, green, blue = near.split()
    return ImageChops.multiply(ImageChops.multiply(red, green), blue).histogram()[255]


@pytest.mark.parametrize("with_photo", [False, True])
def test_the_share_card_carries_the_label(tmp_path: Path, with_photo: bool) -> None:
    photo = None
    if with_photo:
        photo = tmp_path / "foto.png"
        Image.new("RGB", (1600, 900), (250, 250, 250)).save(photo)
    text = cards.CardText(title="Air Sumur Disebut Tercemar", region="Kecamatan Satu, Uji",
                          site_title="Kabar Uji")
    plain = Image.open(io.BytesIO(cards.render_card(text, photo, FONTS))).convert("RGB")
    for tone in ("false", "mixed", "true"):
        labelled = cards.CardText(title=text.title, region=text.region,
                                  site_title=text.site_title, label="[HOAKS]", tone=tone)
        card = Image.open(io.BytesIO(cards.render_card(labelled, photo, FONTS))).convert("RGB")
        assert _label_pixels(card, tone) > 8000, tone  # a solid pill, not a speck
        assert _label_pixels(plain, tone) == 0


def test_the_built_card_of_a_fact_check_has_its_label(make_site: SiteMaker) -> None:
    files = outputs(build_site(portal(make_site)))
    card = Image.open(io.BytesIO(files["cek-fakta/2025/air-sumur-tercemar/kartu.jpg"]))
    assert card.size == (1200, 630)
    assert _label_pixels(card.convert("RGB"), "false") > 8000
    story_card = Image.open(io.BytesIO(files["berita/2025/posyandu-baru/kartu.jpg"]))
    assert _label_pixels(story_card.convert("RGB"), "false") == 0


def _graph(html: bytes) -> list[dict[str, object]]:
    [block] = lxml_html.fromstring(html).xpath('//script[@type="application/ld+json"]/text()')
    return json.loads(block)["@graph"]  # type: ignore[no-any-return]


def test_claim_review_is_off_by_default_and_has_its_shape_when_on(make_site: SiteMaker) -> None:
    off = _graph(outputs(build_site(portal(make_site)))[PAGE])
    assert [n["@type"] for n in off] == ["NewsArticle", "BreadcrumbList"]
    root = portal(make_site, yaml=MINIMAL_SITE_YAML + "factcheck:\n  claimreview: true\n")
    files = outputs(build_site(root))
    graph = _graph(files[PAGE])
    assert [n["@type"] for n in graph] == ["NewsArticle", "ClaimReview", "BreadcrumbList"]
    url = "https://uji.example.go.id/cek-fakta/2025/air-sumur-tercemar/"
    assert graph[1] == {
        "@type": "ClaimReview", "@id": f"{url}#cek-fakta", "url": url,
        "claimReviewed": "Air sumur di Satu tercemar <script>alert(1)</script>",
        "datePublished": "2025-03-10T11:00:00+07:00",
        "author": {"@type": "GovernmentOrganization",
                   "@id": "https://uji.example.go.id/#organisasi", "name": "Diskominfo Uji",
                   "url": "https://diskominfo.example.go.id"},
        "reviewRating": {"@type": "Rating", "ratingValue": 1, "bestRating": 5, "worstRating": 1,
                         "alternateName": "Hoaks"},
        "itemReviewed": {"@type": "Claim", "datePublished": "2025-03-09T00:00:00+07:00",
                         "appearance": [{"@type": "CreativeWork",
                                         "url": "https://arsip.example.org/pesan"}],
                         "description": "Pesan berantai WhatsApp"},
        "inLanguage": "id"}
    assert b"</script><script>" not in files[PAGE]  # the claim's tag stays inside the JSON
    # Only fact checks carry it.
    assert [n["@type"] for n in _graph(files["berita/2025/posyandu-baru/index.html"])] == [
        "NewsArticle", "BreadcrumbList"]


@pytest.mark.parametrize("verdict", list(VERDICTS))
def test_every_verdict_has_a_rating_between_1_and_5(verdict: Verdict) -> None:
    assert 1 <= VERDICTS[verdict].rating <= 5
    assert VERDICTS[verdict].tone in cards.LABEL_COLOURS


def _failure(make_site: SiteMaker, text: str) -> str:
    root = make_site({HOAX: text})
    with pytest.raises(BuildFailed) as exc:
        build_site(root)
    return format_report(exc.value.diagnostics)


def test_fact_check_mistakes_are_located(make_site: SiteMaker) -> None:
    assert _failure(make_site, factcheck(verdict="hoax")) == (
        f"{HOAX}:14:10: error: verdict: nilai 'hoax' tidak dikenal\n"
        "  hint: maksud Anda 'hoaks'?\n  | verdict: hoax")
    assert _failure(make_site, factcheck(sources="")) == (
        f"{HOAX}:14:10: error: cek fakta wajib menyebut sumbernya (sources)\n"
        "  hint: tambahkan 'sources:' berisi minimal satu '- name: …' (dan 'url: https://…'): "
        "sumber resmi yang menjadi dasar kesimpulan; contoh di docs/content.md\n"
        "  | verdict: hoaks")
    assert _failure(make_site, factcheck(sources="sources:\n  - name: X\n    url: x.go.id\n")) == (
        f"{HOAX}:17:10: error: sources: url harus URL lengkap yang diawali https://\n"
        "  hint: contoh: https://dinkes.kotimkab.go.id/siaran-pers\n  |     url: x.go.id")
    no_claim = factcheck().replace(
        'claim: "Air sumur di Satu tercemar <script>alert(1)</script>"\n', "")
    assert _failure(make_site, no_claim).startswith(
        f"{HOAX}:2:1: error: claim wajib diisi\n"
        "  hint: tambahkan baris 'claim:' beserta isinya, misalnya claim: \"Air PDAM Sampit")
    # A fact-check key in a story is a mistake, not a silent no-op.
    root = make_site({HOAX: factcheck(),  # (this one is fine now)
                      "content/stories/2025/a.md": story_text(extra="verdict: hoaks\n")})
    with pytest.raises(BuildFailed) as exc:
        build_site(root)
    assert [d.format().split("\n")[0] for d in exc.value.diagnostics] == [
        "content/stories/2025/a.md:9:1: error: kunci 'verdict' tidak dikenal"]
