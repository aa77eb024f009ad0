"""A whole record: raw values -> clean values, with the outcome of each field, and its hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..items import Article
from ..hosts import same_site
from .attachments import normalize_attachments
from .bylines import Author, authors_of, parse_byline
from .copyright import Copyright, parse_copyright
from .dates import parse_date
from .text import clean_line, join_paragraphs, strip_deck_marker
from .titles import recover_title


def _site_relative(url: str | None) -> str | None:
    """``/path?query`` of a URL.

    >>> _site_relative("https://www.mnd.go.kr/user/boardList.action?command=download&fileSeq=1")
    '/user/boardList.action?command=download&fileSeq=1'
    """
    if not url:
        return url
    return urlunsplit(urlsplit(url)._replace(scheme="", netloc="", fragment=""))


def content_hash(item: Article) -> str:
    """sha256 (hex) over the normalized title, subtitles, body, authors and attachment URLs.

    The Hit counter and the fetch time are not part of it: they change on every visit.
    Attachment URLs count by path and query, so crawling the same site under another scheme
    or host name (http/https, with or without ``www.``, another demo port) changes nothing.

    >>> a = Article(title="T", subtitles=["s"], body="b", views=1, crawled_at="x")
    >>> b = Article(title="T", subtitles=["s"], body="b", views=2, crawled_at="y")
    >>> content_hash(a) == content_hash(b), len(content_hash(a))
    (True, 64)
    >>> content_hash(a) == content_hash(Article(title="T", subtitles=["s"], body="b2"))
    False
    """
    payload = {
        "title": item.title,
        "subtitles": list(item.subtitles or []),
        "body": item.body,
        "authors": [
            {"name": a.get("name"), "email": a.get("email"), "role": a.get("role")}
            for a in item.authors or []
        ],
        "attachments": [_site_relative(a.get("url")) for a in item.attachments or []],
    }
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _outcome(raw: Any, value: Any) -> str:
    if raw in (None, "", []):
        return "missing"
    return "parsed" if value not in (None, "", []) else "unparsed"


NOT_GIVEN: Any = object()


def normalize_article(
    item: Article,
    *,
    byline_authors: list[list[Author]] | None = None,
    copyright: Copyright | None = NOT_GIVEN,
) -> dict[str, str]:
    """Turn an ``Article``'s raw values into clean ones, in place; return each field's outcome.

    Outcomes are ``parsed``, ``missing`` (the page showed nothing) or ``unparsed`` (the page
    showed something we could not read), plus ``full``/``truncated``/``recovered`` for titles.

    ``byline_authors`` (each line of ``byline_raw``'s authors) and ``copyright`` (what
    ``copyright_raw`` says) are what the parser recognised already, when it did: they are not
    parsed again.

    >>> item = Article(id="O_1", url="https://h/a", fetched_url="https://h/a", title_raw="Short",
    ...     published_raw="2017.03.10", subtitles=["- Deck;"], body="P1\\u00a0\\n\\n\\u00a0\\n\\nP2",
    ...     byline_raw=None, copyright_raw=None, files_raw=[], views=3)
    >>> outcomes = normalize_article(item)
    >>> item.title, item.title_truncated, item.published, item.subtitles, item.body
    ('Short', False, '2017-03-10', ['Deck'], 'P1\\n\\nP2')
    >>> outcomes["date"], outcomes["byline"], outcomes["title"]
    ('parsed', 'missing', 'full')
    """
    outcomes: dict[str, str] = {}
    headline = item.title
    title_raw = item.title_raw or ""
    item.title, item.title_truncated = recover_title(title_raw, headline)
    if item.title_truncated:
        outcomes["title"] = "truncated"
    elif clean_line(title_raw) != item.title:
        outcomes["title"] = "recovered"
    else:
        outcomes["title"] = "full"
    if not item.title:
        item.title = None
        outcomes["title"] = "missing"

    item.published = parse_date(item.published_raw)
    outcomes["date"] = _outcome(item.published_raw, item.published)

    item.subtitles = [s for s in (strip_deck_marker(line) for line in item.subtitles or []) if s]
    item.body = join_paragraphs((item.body or "").split("\n\n"))
    outcomes["body"] = "parsed" if item.body else "missing"
    item.images = [
        {"url": image["url"], "caption": clean_line(image.get("caption")) or None}
        for image in item.images or []
    ]

    authors = (parse_byline(item.byline_raw) if byline_authors is None
               else authors_of(byline_authors))
    item.authors = [dict(author) for author in authors]
    outcomes["byline"] = _outcome(item.byline_raw, item.authors)

    copyright_ = parse_copyright(item.copyright_raw) if copyright is NOT_GIVEN else copyright
    item.copyright = dict(copyright_) if copyright_ else None
    outcomes["copyright"] = _outcome(item.copyright_raw, item.copyright)

    page_url = item.fetched_url or item.url or ""
    item.attachments = [
        dict(a)
        for a in normalize_attachments(item.files_raw or [], page_url)
        if same_site(a["url"], page_url)  # a link elsewhere is not one of the article's files
    ]
    if not item.files_raw:
        outcomes["files"] = "missing"
    elif item.attachments:
        outcomes["files"] = "parsed"
    else:
        outcomes["files"] = "placeholder_only"

    item.content_hash = content_hash(item)
    return outcomes


def missing_fields(record: Article | Mapping[str, Any], required: Iterable[str]) -> list[str]:
    """The required fields a record (an ``Article`` or its dict) lacks: None, an empty
    string or an empty list.

    A photo post (Photo News) may have no text beyond its caption: its photos stand in for
    the body, so ``body`` is only missing when there is no image either.

    >>> missing_fields(Article(id="O_1", title=""), ["id", "title", "body"])
    ['title', 'body']
    >>> missing_fields({"id": "O_1", "title": "T", "images": [{"url": "u"}]}, ["id", "title", "body"])
    []
    """
    if isinstance(record, Mapping):
        get = record.get
    else:
        def get(name: str) -> Any:
            return getattr(record, name, None)
    missing = [name for name in required if get(name) in (None, "", [])]
    if "body" in missing and get("images"):
        missing.remove("body")
    return missing
