"""Poster and thumbnail images (Pillow)."""
from __future__ import annotations

POSTER_SIZES: dict[str, int] = {"small": 320, "medium": 640}
