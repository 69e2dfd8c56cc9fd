"""Draw a story's 1200x630 share card (og:image): its photo or a brand panel, with the title.

Pure function of its inputs (text, photo file, fonts, Pillow's version): no clock, no EXIF,
fixed JPEG settings, so the same story always gives the same bytes and the cache in
publish/images.py can hold them. One of the two publish modules allowed to import Pillow.
"""

from __future__ import annotations

import functools
import io
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import PIL
from PIL import Image, ImageDraw, ImageFont, features

from generator.publish.variants import open_upright
from generator.urls import SHARE_CARD_SIZE

#: What decides the bytes besides the inputs and the code: Pillow and the libraries it uses.
ENGINE = (f"Pillow {PIL.__version__}; freetype {features.version('freetype2')}; "
          f"jpeg {features.version('jpg')}")

WIDTH, HEIGHT = SHARE_CARD_SIZE
MARGIN = 64
TEXT_WIDTH = WIDTH - 2 * MARGIN
#: A photo smaller than this would be blown up into a blur: such stories get the text card.
MIN_PHOTO = (600, 315)
JPEG_QUALITY = 86

# The default theme's colours (themes/default/static/style.css: --head, --head-2, ...).
BRAND = (10, 77, 71)  # #0a4d47
BRAND_DARK = (7, 52, 48)  # darker than --head-2 (#083d38): the panel's lower end
BRAND_LIGHT = (13, 92, 85)  # a shade lighter, for the panel's decoration only
WHITE = (255, 255, 255)
MUTED = (212, 235, 230)  # #d4ebe6
ACCENT = (114, 208, 194)  # #72d0c2
#: Darkness of the scrim behind the text of a photo card (0..1): at 0.62 over a pure white
#: photo, white text still has a contrast of 6.2:1 (WCAG AA asks 4.5:1). Checked in tests.
SCRIM_AT_TEXT = 0.62
SCRIM_AT_BOTTOM = 0.88
SCRIM_FADE = 170  # pixels above the text over which the scrim fades in
#: A fact check's verdict label ("[HOAKS]") sits on a solid pill above the title, in a
#: colour by its tone; white on each of these has a contrast of at least 5:1.
LABEL_COLOURS = {"false": (179, 38, 30), "mixed": (138, 80, 0), "true": (27, 110, 58)}
LABEL_HEIGHT = 72
LABEL_GAP = 16  # between the pill and the accent bar above the title


@dataclass(frozen=True, slots=True, kw_only=True)
class CardText:
    """The words on a card."""

    title: str
    region: str  # "Kecamatan Baamang, Kotawaringin Timur"
    site_title: str
    label: str = ""  # a fact check's verdict, "[HOAKS]"; "" on stories
    tone: str = "false"  # the label's colour: false, mixed or true


@dataclass(frozen=True, slots=True, kw_only=True)
class Fonts:
    """The two font files a card is drawn with."""

    bold: Path
    regular: Path


@dataclass(frozen=True, slots=True, kw_only=True)
class TitleFit:
    """How the title is set: font size and lines (the last may end with an ellipsis)."""

    size: int
    lines: tuple[str, ...]


def render_card(text: CardText, photo: Path | None, fonts: Fonts) -> bytes:
    """The card as JPEG bytes: over the photo when it is usable, else the brand panel."""
    image = _open_photo(photo) if photo is not None else None
    icc = image.info.get("icc_profile") if image is not None else None
    canvas = _photo_card(image, text, fonts) if image is not None else _panel_card(text, fonts)
    buffer = io.BytesIO()
    # No EXIF or timestamps are written; optimize/progressive are deterministic in libjpeg.
    canvas.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True,
                icc_profile=icc)
    return buffer.getvalue()


# -- the two layouts --------------------------------------------------------------------


def _photo_card(photo: Image.Image, text: CardText, fonts: Fonts) -> Image.Image:
    canvas = cover(photo, (WIDTH, HEIGHT))
    fit = fit_title(text.title, fonts.bold, max_lines=3, sizes=range(64, 43, -2))
    top = _text_top(fit) - (LABEL_HEIGHT + LABEL_GAP if text.label else 0)
    _scrim(canvas, top)
    draw = ImageDraw.Draw(canvas)
    _site_pill(draw, text.site_title, fonts)
    _title_block(draw, fit, text.region, fonts)
    _label_pill(draw, text, fit, fonts)
    return canvas


def _panel_card(text: CardText, fonts: Fonts) -> Image.Image:
    column = Image.new("RGB", (1, HEIGHT))
    column.putdata([_mix(BRAND, BRAND_DARK, y / (HEIGHT - 1)) for y in range(HEIGHT)])
    canvas = column.resize((WIDTH, HEIGHT), Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(canvas)
    # A large ring in the corner: recognisable at thumbnail size, quiet behind the text.
    draw.ellipse((WIDTH - 300, -240, WIDTH + 180, 240), outline=BRAND_LIGHT, width=56)
    site_font = _font(fonts.bold, 34)
    draw.text((MARGIN, 96), ellipsize(text.site_title, site_font, TEXT_WIDTH - 260),
              font=site_font, fill=WHITE, anchor="ls")
    fit = fit_title(text.title, fonts.bold, max_lines=4, sizes=range(64, 43, -2))
    _title_block(draw, fit, text.region, fonts)
    _label_pill(draw, text, fit, fonts)
    return canvas


# -- pieces -----------------------------------------------------------------------------


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t),
            round(a[2] + (b[2] - a[2]) * t))


def _line_height(size: int) -> int:
    return round(size * 1.2)


def _region_baseline() -> int:
    return HEIGHT - 54


def _title_last_baseline() -> int:
    return _region_baseline() - 56


def _text_top(fit: TitleFit) -> int:
    """Top of the accent bar above the title: where the scrim must already be dark."""
    first = _title_last_baseline() - (len(fit.lines) - 1) * _line_height(fit.size)
    return first - fit.size - 30


def _title_block(draw: ImageDraw.ImageDraw, fit: TitleFit, region: str, fonts: Fonts) -> None:
    top = _text_top(fit)
    draw.rectangle((MARGIN, top, MARGIN + 72, top + 6), fill=ACCENT)
    font = _font(fonts.bold, fit.size)
    baseline = _title_last_baseline() - (len(fit.lines) - 1) * _line_height(fit.size)
    for line in fit.lines:
        draw.text((MARGIN, baseline), line, font=font, fill=WHITE, anchor="ls")
        baseline += _line_height(fit.size)
    region_font = _font(fonts.regular, 30)
    draw.text((MARGIN, _region_baseline()), ellipsize(region, region_font, TEXT_WIDTH),
              font=region_font, fill=MUTED, anchor="ls")


def _label_pill(draw: ImageDraw.ImageDraw, text: CardText, fit: TitleFit,
                fonts: Fonts) -> None:
    """The verdict of a fact check, large and solid, right above the title."""
    if not text.label:
        return
    font = _font(fonts.bold, 44)
    width = math.ceil(font.getlength(text.label))
    bottom = _text_top(fit) - LABEL_GAP
    draw.rounded_rectangle((MARGIN, bottom - LABEL_HEIGHT, MARGIN + width + 40, bottom),
                           radius=10, fill=LABEL_COLOURS.get(text.tone, LABEL_COLOURS["false"]))
    draw.text((MARGIN + 20, bottom - 20), text.label, font=font, fill=WHITE, anchor="ls")


def _site_pill(draw: ImageDraw.ImageDraw, site_title: str, fonts: Fonts) -> None:
    """The portal's name on a brand-coloured pill: legible over any photo."""
    font = _font(fonts.bold, 28)
    name = ellipsize(site_title, font, TEXT_WIDTH - 40)
    width = math.ceil(font.getlength(name))
    draw.rounded_rectangle((MARGIN - 20, 40, MARGIN + width + 20, 96), radius=28, fill=BRAND)
    draw.text((MARGIN, 78), name, font=font, fill=WHITE, anchor="ls")


def scrim_alpha(y: int, text_top: int) -> float:
    """Darkness of the scrim at row y: clear above the fade, SCRIM_AT_TEXT from text_top on."""
    start = text_top - SCRIM_FADE
    if y <= start:
        return 0.0
    if y < text_top:
        t = (y - start) / SCRIM_FADE
        return SCRIM_AT_TEXT * t * t * (3 - 2 * t)  # smoothstep: no visible edge
    rest = max(HEIGHT - 1 - text_top, 1)
    return SCRIM_AT_TEXT + (SCRIM_AT_BOTTOM - SCRIM_AT_TEXT) * (y - text_top) / rest


def _scrim(canvas: Image.Image, text_top: int) -> None:
    column = Image.new("L", (1, HEIGHT))
    column.putdata([round(255 * scrim_alpha(y, text_top)) for y in range(HEIGHT)])
    mask = column.resize((WIDTH, HEIGHT), Image.Resampling.NEAREST)
    canvas.paste((0, 0, 0), (0, 0, WIDTH, HEIGHT), mask)


# -- text fitting (pure, tested with literals) ------------------------------------------


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    # One font object per thread: a FreeType face must not be used by two threads at once.
    return _thread_font(path, size, threading.get_ident())


@functools.lru_cache(maxsize=128)
def _thread_font(path: Path, size: int, thread: int) -> ImageFont.FreeTypeFont:
    # BASIC layout: the same glyph positions whether or not libraqm is installed.
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


def fit_title(title: str, bold: Path, *, max_lines: int, sizes: Sequence[int]) -> TitleFit:
    """The largest size at which the title wraps into max_lines; else the smallest, cut."""
    for size in sizes:
        font = _font(bold, size)
        lines = wrap(title, font, TEXT_WIDTH)
        if len(lines) <= max_lines:
            return TitleFit(size=size, lines=tuple(balance(title, font, len(lines))))
    size = sizes[-1]
    font = _font(bold, size)
    lines = wrap(title, font, TEXT_WIDTH)
    kept = lines[: max_lines - 1]
    last = ellipsize(" ".join(lines[max_lines - 1:]), font, TEXT_WIDTH, force=True)
    return TitleFit(size=size, lines=(*kept, last))


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap by pixel width; a word wider than a line is broken by characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while font.getlength(word) > width:
            cut = max(1, _longest_prefix(word, font, width))
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def balance(text: str, font: ImageFont.FreeTypeFont, count: int) -> list[str]:
    """The same number of lines, as even as they go: no lone word on the last line."""
    low, high = 1, TEXT_WIDTH  # the narrowest width that still needs only `count` lines
    while low < high:
        mid = (low + high) // 2
        if len(wrap(text, font, mid)) <= count:
            high = mid
        else:
            low = mid + 1
    return wrap(text, font, low)


def ellipsize(text: str, font: ImageFont.FreeTypeFont, width: int, *,
              force: bool = False) -> str:
    """The text, or its longest start (cut at a word when possible) plus '…', within width."""
    text = " ".join(text.split())
    if not force and font.getlength(text) <= width:
        return text
    cut = _longest_prefix(text, font, width - math.ceil(font.getlength("…")))
    head = text[:cut]
    if cut < len(text) and " " in head and text[cut:cut + 1] != " ":
        head = head[: head.rfind(" ")]
    return head.rstrip(" ,.;:-\u2013\u2014") + "…"


def _longest_prefix(text: str, font: ImageFont.FreeTypeFont, width: int) -> int:
    """How many leading characters fit in width (binary search on the pixel length)."""
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if font.getlength(text[:mid]) <= width:
            low = mid
        else:
            high = mid - 1
    return low


# -- the photo --------------------------------------------------------------------------


def _open_photo(path: Path) -> Image.Image | None:
    """The photo upright, in RGB, decoded no larger than the card needs; None if too small."""
    def scale_for(width: int, height: int) -> float | None:
        if width < MIN_PHOTO[0] or height < MIN_PHOTO[1]:
            return None
        return max(WIDTH / width, HEIGHT / height)

    photo = open_upright(path, scale_for)
    if photo is None:
        return None
    flat = flatten(photo.image, BRAND)
    if photo.icc:
        flat.info["icc_profile"] = photo.icc
    return flat


def cover(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scaled to fill `size` exactly, the overflow cut off evenly on both sides."""
    width, height = image.size
    scale = max(size[0] / width, size[1] / height)
    crop_w, crop_h = size[0] / scale, size[1] / scale
    box = ((width - crop_w) / 2, (height - crop_h) / 2, (width + crop_w) / 2,
           (height + crop_h) / 2)
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def flatten(image: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """RGB; transparent parts laid on `background`."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        base = Image.new("RGBA", rgba.size, (*background, 255))
        return Image.alpha_composite(base, rgba).convert("RGB")
    return image.convert("RGB")
