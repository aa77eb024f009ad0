"""Pure functions: an HTML page -> raw fields. No I/O, no Scrapy engine.

Every selector of the board's markup lives in ``selectors.py``; the modules here anchor on
structure and on the visible labels ("Date :", "Hit :", "File") rather than on long paths.
A page that does not look as expected raises :class:`PageLayoutError`, so a template change
fails the run loudly instead of producing empty records.
"""

from .article import ArticleFields, parse_article
from .errors import PageLayoutError
from .listing import ListingEntry, ListingPage, parse_listing
from .urls import article_url, canonical_article_url, listing_url, parse_jf_view

__all__ = [
    "ArticleFields",
    "ListingEntry",
    "ListingPage",
    "PageLayoutError",
    "article_url",
    "canonical_article_url",
    "listing_url",
    "parse_article",
    "parse_jf_view",
    "parse_listing",
]
