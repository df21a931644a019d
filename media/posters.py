"""Poster and thumbnail images, made with Pillow: from the frame ffmpeg grabbed at ~10% of the
duration, or drawn for audio-only sources."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

POSTER_SIZES: dict[str, int] = {"small": 320, "medium": 640}
POSTER_LONGEST = 1280


def write_posters(frame: Path, folder: Path) -> Path:
    """poster.jpg (at most 1280 px) and poster-<size>.jpg thumbnails in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    with Image.open(frame) as opened:
        image = opened.convert("RGB")
        image.thumbnail((POSTER_LONGEST, POSTER_LONGEST), Image.Resampling.LANCZOS)
        poster = folder / "poster.jpg"
        image.save(poster, "JPEG", quality=85, optimize=True, progressive=True)
        for size, width in POSTER_SIZES.items():
            thumb = image.copy()
            thumb.thumbnail((width, width), Image.Resampling.LANCZOS)
            thumb.save(folder / f"poster-{size}.jpg", "JPEG", quality=80, optimize=True)
    return poster


def draw_audio_poster(path: Path, seed: str, size: tuple[int, int] = (1280, 720)) -> Path:
    """A poster for audio-only lessons: the school's red with a stylised sound wave."""
    width, height = size
    image = Image.new("RGB", size, (183, 28, 28))
    draw = ImageDraw.Draw(image)
    for y in range(height):  # vertical gradient to a darker red
        shade = int(183 - 80 * y / height)
        draw.line([(0, y), (width, y)], fill=(shade, 20, 20))
    bars = 48
    bar_width = width * 0.6 / bars
    left = width * 0.2
    digest = [ord(char) for char in (seed or "audio") * 8]
    for index in range(bars):
        amplitude = 0.15 + 0.6 * ((digest[index % len(digest)] * 37 + index * 11) % 100) / 100
        bar_height = height * 0.45 * amplitude
        x = left + index * bar_width
        draw.rounded_rectangle(
            [x + 2, height / 2 - bar_height / 2, x + bar_width - 2, height / 2 + bar_height / 2],
            radius=3,
            fill=(255, 215, 64),
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "PNG")
    return path
