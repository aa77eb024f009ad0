"""Raw article fields + what the crawl knows about the fetch -> an ``Article`` with raw values.

The normalize pipeline turns the raw values into clean ones in place; this function only
places what the page said into the record's keys.
"""

from __future__ import annotations

from ..items import Article
from .article import ArticleFields


def raw_article(
    fields: ArticleFields,
    *,
    board_seq: str,
    board_id: str,
    url: str,
    fetched_url: str,
    crawled_at: str,
) -> Article:
    """An ``Article`` holding the page's raw values; ``title`` holds the headline, if any.

    >>> fields = ArticleFields(title_raw="T...", headline="T full", date_raw="2017.03.10",
    ...                        hits_raw="1,523", body=["a", "b"], byline_lines=["By X"])
    >>> item = raw_article(fields, board_seq="O_1", board_id="B", url="u", fetched_url="f",
    ...                    crawled_at="2026-01-01T00:00:00Z")
    >>> item.title, item.views, item.body, item.byline_raw
    ('T full', 1523, 'a\\n\\nb', 'By X')
    """
    return Article(
        id=board_seq,
        board_id=board_id,
        url=url,
        fetched_url=fetched_url,
        section=fields.section,
        board=fields.board,
        title=fields.headline,
        title_raw=fields.title_raw,
        published_raw=fields.date_raw,
        subtitles=list(fields.deck),
        body="\n\n".join(fields.body),
        images=[dict(image) for image in fields.images],
        byline_raw="\n".join(fields.byline_lines) or None,
        copyright_raw=fields.copyright_line,
        files_raw=[dict(entry) for entry in fields.files],
        views=fields.views,
        crawled_at=crawled_at,
    )
