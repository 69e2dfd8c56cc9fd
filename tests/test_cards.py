"""Share cards (kartu.jpg) and responsive WebP copies: sizes, cache, determinism, srcset."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import SiteMaker, build_site, outputs, story_text
from PIL import Image, ImageDraw

from generator import urls
from generator.publish import cards
from generator.publish.images import FONTS, region_label, share_images

CARD_SIZES = '(min-width: 55.5rem) 22.5rem, (min-width: 37.25rem) 50vw, 100vw'


def photo(width: int, height: int, *, orientation: int | None = None) -> bytes:
    """A real JPEG with some structure (sky, ground, a sun), so the encoders have work."""
    image = Image.new("RGB", (width, height), (120, 180, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height * 2 // 3, width, height), fill=(60, 130, 60))
    draw.ellipse((width // 2, height // 8, width // 2 + height // 4, height // 8 + height // 4),
                 fill=(250, 220, 90))
    buffer = io.BytesIO()
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    image.save(buffer, format="JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def bundle(folder: str, title: str, image: str | None = None, **kw: str) -> dict[str, str]:
    extra = f"image: {image}\nimage_alt: Foto kegiatan\n" if image else ""
    return {f"content/stories/2024/{folder}/index.md": story_text(title, extra=extra, **kw)}


@pytest.fixture
def portal(make_site: SiteMaker) -> Path:
    """Three stories: a big photo, a small photo (one copy, too small for a card), none."""
    return make_site({
        **bundle("besar", "Posyandu Baru di Kecamatan Satu", "foto.jpg", date="2024-03-12 09:30"),
        "content/stories/2024/besar/foto.jpg": photo(1000, 600),
        **bundle("kecil", "Jembatan Desa Rampung", "jembatan.jpg", date="2024-03-11 09:30"),
        "content/stories/2024/kecil/jembatan.jpg": photo(560, 420),
        **bundle("teks", "Pojok Baca Sekolah Dibuka", date="2024-03-10 09:30"),
    })


def card_files(files: dict[str, bytes]) -> dict[str, bytes]:
    return {p: d for p, d in files.items() if p.endswith(("kartu.jpg", ".webp"))}


def cache_state(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns
            for p in sorted((root / ".cache").rglob("*")) if p.is_file()}


# -- the example portal ------------------------------------------------------------------


def test_every_story_of_the_example_portal_has_a_1200x630_card(example_output: Path) -> None:
    stories = sorted(p.parent for p in example_output.glob("berita/*/*/index.html"))
    assert len(stories) >= 30
    for folder in stories:
        with Image.open(folder / "kartu.jpg") as card:
            assert (card.format, card.size, card.mode) == ("JPEG", (1200, 630), "RGB"), folder
            assert not card.getexif(), f"{folder}/kartu.jpg carries EXIF"
        html = (folder / "index.html").read_text(encoding="utf-8")
        assert f'content="https://kabar.kotimkab.go.id/{folder.relative_to(example_output)}' \
               f'/kartu.jpg"' in html


def test_example_story_images_have_webp_copies_never_wider(example_output: Path) -> None:
    checked = 0
    for original in sorted(example_output.glob("berita/*/*/*.jpg")):
        if original.name == "kartu.jpg":
            continue
        with Image.open(original) as image:
            width, height = image.size
        for copy in sorted(original.parent.glob(f"{original.stem}-*.webp")):
            wanted = int(copy.stem.rsplit("-", 1)[1])
            with Image.open(copy) as variant:
                assert variant.format == "WEBP"
                assert variant.size == (wanted, round(height * wanted / width)), copy
            assert wanted < width
            checked += 1
    assert checked >= 30  # 1600 and 1200 wide originals: a 480 and a 960 copy of each hero


# -- cards of a small portal -------------------------------------------------------------


def test_photo_and_text_cards(portal: Path) -> None:
    files = outputs(build_site(portal))
    made = {}
    for slug in ("posyandu-baru-di-kecamatan-satu", "jembatan-desa-rampung",
                 "pojok-baca-sekolah-dibuka"):
        with Image.open(io.BytesIO(files[f"berita/2024/{slug}/kartu.jpg"])) as card:
            assert (card.format, card.size) == ("JPEG", (1200, 630))
            made[slug] = card.convert("RGB")
    # The photo shows through at the top right (sky blue), the panel is the brand colour.
    r, g, b = made["posyandu-baru-di-kecamatan-satu"].getpixel((1150, 150))
    assert b > 180 and b > r + 60, (r, g, b)
    assert _close(made["pojok-baca-sekolah-dibuka"].getpixel((400, 5)), cards.BRAND)
    # A 560x420 photo is too small to fill a card sharply: it gets the text card too.
    assert _close(made["jembatan-desa-rampung"].getpixel((400, 5)), cards.BRAND)


def test_white_text_keeps_its_contrast_over_a_white_photo(tmp_path: Path) -> None:
    white = tmp_path / "putih.png"
    Image.new("RGB", (1600, 900), (255, 255, 255)).save(white)
    text = cards.CardText(title="Judul yang cukup panjang untuk dua baris di kartu berbagi ini",
                          region="Kecamatan Satu, Uji", site_title="Kabar Uji")
    card = Image.open(io.BytesIO(cards.render_card(text, white, FONTS))).convert("RGB")
    fit = cards.fit_title(text.title, FONTS.bold, max_lines=3, sizes=range(64, 43, -2))
    top = cards._text_top(fit)
    # The right edge carries no text: there the pixels are the scrim over white.
    for y in range(top, 630, 10):
        background = card.getpixel((1195, y))
        assert _contrast((255, 255, 255), background) >= 4.5, (y, background)
        assert _contrast(cards.MUTED, background) >= 4.5, (y, background)
    for fg in (cards.WHITE, cards.MUTED):
        for bg in (cards.BRAND, cards.BRAND_DARK):
            assert _contrast(fg, bg) >= 4.5


@pytest.mark.parametrize(("title", "lines", "size"), [
    ("Pasar Murah", 1, 64),
    ("Posyandu Melati Baamang Hulu Catat Penurunan Balita Gizi Kurang", 3, 64),
    ("Kata " * 60, 3, 44),
])
def test_title_fits_in_three_lines(title: str, lines: int, size: int) -> None:
    fit = cards.fit_title(title, FONTS.bold, max_lines=3, sizes=range(64, 43, -2))
    assert (len(fit.lines), fit.size) == (lines, size)
    font = cards._font(FONTS.bold, fit.size)
    assert all(font.getlength(line) <= cards.TEXT_WIDTH for line in fit.lines)
    assert fit.lines[-1].endswith("…") == (title.startswith("Kata"))


def test_an_unbreakable_word_is_broken_and_lines_are_balanced() -> None:
    font = cards._font(FONTS.bold, 64)
    lines = cards.wrap("A" * 80, font, cards.TEXT_WIDTH)
    assert "".join(lines) == "A" * 80 and len(lines) > 1
    assert cards.balance("Menyusuri Sungai Mentaya dengan Kelotok Wisata di Sampit", font,
                         3)[-1] != "Sampit"


def test_region_label(portal: Path) -> None:
    site = build_site(portal).site
    assert region_label(site, "kec-satu") == "Kecamatan Satu, Uji"
    assert region_label(site, "kab-uji") == "Kabupaten Uji"


# -- the cache ---------------------------------------------------------------------------


def test_second_build_renders_nothing_and_gives_the_same_bytes(portal: Path,
                                                                 tmp_path: Path) -> None:
    first = build_site(portal)
    before = cache_state(portal)
    assert sum(p.endswith(".jpg") for p in before) == 3
    assert sum(p.endswith(".webp") for p in before) == 3  # 480, 960 of 1000; 480 of 560
    second = build_site(portal)
    assert cache_state(portal) == before  # nothing was drawn, so nothing was written
    assert card_files(outputs(second)) == card_files(outputs(first))
    batch = share_images(second.site, portal, portal / ".cache")
    assert (batch.rendered, batch.cached) == (0, 6)
    # Without a cache the bytes are the same: the cache is never a source of truth.
    cold = share_images(second.site, portal, tmp_path / "kosong")
    assert (cold.rendered, cold.cached) == (6, 0)
    assert {o.path: o.data for o in cold.outputs} == card_files(outputs(first))


def test_a_corrupt_cache_entry_is_ignored_and_replaced(portal: Path) -> None:
    result = build_site(portal)
    good = card_files(outputs(result))
    entries = sorted((portal / ".cache").rglob("*.jpg")) + sorted(
        (portal / ".cache").rglob("*.webp"))
    truncated, garbage = entries[0], entries[-1]
    truncated.write_bytes(truncated.read_bytes()[:1000])
    garbage.write_bytes(b"bukan gambar" * 100)
    batch = share_images(result.site, portal, portal / ".cache")
    assert (batch.rendered, batch.cached) == (2, 4)
    assert {o.path: o.data for o in batch.outputs} == good
    assert share_images(result.site, portal, portal / ".cache").rendered == 0  # repaired
    garbage.write_bytes(b"0" * 64 + garbage.read_bytes()[64:])  # a wrong checksum
    assert card_files(outputs(build_site(portal))) == good
    assert share_images(result.site, portal, portal / ".cache").rendered == 0


def test_changing_a_title_redraws_only_that_card(portal: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    before = share_images(build_site(portal).site, portal, cache)
    story = portal / "content/stories/2024/teks/index.md"
    story.write_text(story.read_text().replace("Pojok Baca Sekolah Dibuka",
                                               "Pojok Baca Sekolah Resmi Dibuka"))
    after = share_images(build_site(portal).site, portal, cache)
    assert (after.rendered, after.cached) == (1, 5)
    old = {o.path: o.data for o in before.outputs}
    new = {o.path: o.data for o in after.outputs}
    changed = {p for p in old.keys() | new.keys() if old.get(p) != new.get(p)}
    assert changed == {"berita/2024/pojok-baca-sekolah-dibuka/kartu.jpg",
                       "berita/2024/pojok-baca-sekolah-resmi-dibuka/kartu.jpg"}
    # The old title's card is gone from the cache: one entry per file of the site
    assert len(list((cache / "cards").iterdir())) == 3
    assert len(list((cache / "images").iterdir())) == 3


# -- responsive copies -------------------------------------------------------------------


def test_variants_have_the_right_widths_and_the_page_offers_them(portal: Path) -> None:
    (portal / "content/stories/2024/besar/foto.jpg").write_bytes(photo(2000, 1125))
    files = outputs(build_site(portal))
    base = "berita/2024/posyandu-baru-di-kecamatan-satu/"
    for width in (480, 960, 1600):
        with Image.open(io.BytesIO(files[f"{base}foto-{width}.webp"])) as copy:
            assert (copy.format, copy.size) == ("WEBP", (width, round(1125 * width / 2000)))
    small = "berita/2024/jembatan-desa-rampung/"
    assert [p for p in files if p.startswith(small) and p.endswith(".webp")] == \
        [f"{small}jembatan-480.webp"]
    url = f"/{base}"
    srcset = (f"{url}foto-480.webp 480w, {url}foto-960.webp 960w, {url}foto-1600.webp 1600w, "
              f"{url}foto.jpg 2000w")
    story = files[f"{base}index.html"].decode()
    hero = re.search(r'<figure class="hero">\s*<img[^>]*>', story)
    assert hero is not None
    assert f'srcset="{srcset}"' in hero.group(0)
    assert 'sizes="(min-width: 48rem) 46rem, 100vw"' in hero.group(0)
    assert 'width="2000" height="1125"' in hero.group(0)
    # The listing: the first card loads at once, the others lazily, both with srcset.
    home = files["index.html"].decode()
    imgs = re.findall(r'<img class="card-img"[^>]*>', home)
    assert f'srcset="{srcset}"' in imgs[0] and 'fetchpriority="high"' in imgs[0]
    assert "loading" not in imgs[0]
    small_set = f"/{small}jembatan-480.webp 480w, /{small}jembatan.jpg 560w"
    assert f'srcset="{small_set}" sizes="{CARD_SIZES}"' in imgs[1]
    assert 'loading="lazy"' in imgs[1] and 'width="560" height="420"' in imgs[1]


def test_no_srcset_without_copies(make_site: SiteMaker) -> None:
    root = make_site({**bundle("mini", "Foto Kecil", "mini.jpg"),
                      "content/stories/2024/mini/mini.jpg": photo(400, 300)})
    files = outputs(build_site(root))
    assert not [p for p in files if p.endswith(".webp")]
    story = files["berita/2024/foto-kecil/index.html"].decode()
    assert "srcset" not in story and "sizes=" not in story
    assert urls.image_variants("/a/mini.jpg", 400) == ()
    assert urls.image_variants("/a/anim.gif", 3000) == ()
    assert urls.image_variants("/a/f.png", None) == ()


def test_a_turned_photo_is_measured_and_copied_upright(make_site: SiteMaker) -> None:
    """A phone photo stored 1000x600 with EXIF orientation 6 is shown 600x1000."""
    root = make_site({**bundle("hp", "Foto dari Ponsel", "hp.jpg"),
                      "content/stories/2024/hp/hp.jpg": photo(1000, 600, orientation=6)})
    result = build_site(root)
    image = result.site.stories[0].meta.image
    assert image is not None and (image.width, image.height) == (600, 1000)
    with Image.open(io.BytesIO(outputs(result)["berita/2024/foto-dari-ponsel/hp-480.webp"])) as c:
        assert c.size == (480, 800)


def _close(a: tuple[int, ...] | float, b: tuple[int, ...], tolerance: int = 6) -> bool:
    assert isinstance(a, tuple)
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def _contrast(fg: tuple[int, ...], bg: tuple[int, ...] | float) -> float:
    assert isinstance(bg, tuple)

    def luminance(rgb: tuple[int, ...]) -> float:
        def channel(c: int) -> float:
            s = c / 255
            return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
        r, g, b = (channel(c) for c in rgb[:3])
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_an_unwritable_cache_only_costs_time(portal: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "berkas"
    blocked.write_text("bukan folder")  # .cache/cards cannot be made under a file
    site = build_site(portal).site
    first = share_images(site, portal, blocked)
    again = share_images(site, portal, blocked)
    assert (first.rendered, again.rendered) == (6, 6)
    assert first.outputs == again.outputs
