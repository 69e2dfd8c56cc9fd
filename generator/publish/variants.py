"""Smaller WebP copies of a story image for `srcset`: resized, never enlarged, deterministic.

Which widths exist and where they live is decided by `urls.image_variants`; this module
only makes the bytes. `open_upright` is shared with the share cards (publish/cards.py).
One of the two publish modules allowed to import Pillow (see docs/architecture.md).
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import PIL
from PIL import Image, ImageOps, features

#: What decides the bytes besides the inputs and this file's own code.
ENGINE = f"Pillow {PIL.__version__}; webp {features.version('webp')}"
WEBP_QUALITY = 80


@dataclass(frozen=True, slots=True)
class Photo:
    """A decoded image, upright, with its full upright size and its colour profile."""

    image: Image.Image
    width: int  # as shown, before any reduced decoding
    height: int
    icc: bytes | None


def open_upright(path: Path, scale_for: Callable[[int, int], float | None]) -> Photo | None:
    """Decode `path` turned upright by its EXIF orientation.

    `scale_for(width, height)` says how much the caller will shrink the image (None: it will
    not use it). JPEGs are then decoded at 1/2, 1/4 or 1/8 when that still leaves enough
    pixels, which saves most of the time on big phone photos.
    """
    with warnings.catch_warnings():
        # Size limits are the content stage's business; a copy never crashes a build.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(path) as image:
            orientation = image.getexif().get(0x0112, 1)
            width, height = (image.height, image.width) if orientation in (5, 6, 7, 8) \
                else image.size
            scale = scale_for(width, height)
            if scale is None:
                return None
            if scale < 1:
                image.draft(image.mode, (math.ceil(image.width * scale),
                                         math.ceil(image.height * scale)))
            image.load()
            icc = image.info.get("icc_profile")
            upright = ImageOps.exif_transpose(image) if orientation != 1 else image
    return Photo(upright, width, height, icc or None)


def render_variant(path: Path, width: int) -> bytes:
    """The image at `width` pixels wide (height in proportion), upright, as WebP bytes."""
    photo = open_upright(path, lambda w, _: width / w if width < w else None)
    if photo is None:
        raise ValueError(f"{path}: a {width}px copy would enlarge the image")
    image = photo.image
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if alpha else "RGB")
    # From the full size, not the drafted one: the height must not depend on JPEG scaling.
    height = max(1, round(photo.height * width / photo.width))
    resized = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    buffer = io.BytesIO()
    # The colour profile is kept so the copy looks like the original; no EXIF, no XMP.
    resized.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=4, icc_profile=photo.icc)
    return buffer.getvalue()
