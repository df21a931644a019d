"""The policy document library: article splitting (outlines of 章/节/条) for the pages and the search sources."""

from .articles import Article, Heading, Outline, outline, split_articles

__all__ = ["Article", "Heading", "Outline", "outline", "split_articles"]
