"""The policy document library: article splitting and import (re-exported for the search app)."""

from .articles import Article, Heading, Outline, chinese_to_int, int_to_chinese, outline, split_articles

__all__ = ["Article", "Heading", "Outline", "chinese_to_int", "int_to_chinese", "outline", "split_articles"]
