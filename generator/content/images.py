"""Read an image's pixel size from its header (Pillow), for width/height attributes."""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif"})


def is_image(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGE_SUFFIXES


def dimensions(path: Path) -> tuple[int, int] | None:
    """(width, height), or None when the file is not an image Pillow can read."""
    try:
        with warnings.catch_warnings():
            # A huge image is a size problem reported elsewhere, not a crash here.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                # Browsers show a photo upright by its EXIF orientation; 5-8 turn it a quarter.
                if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):
                    return int(image.height), int(image.width)
                return int(image.width), int(image.height)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
