"""A fetched article page -> its normalized record: the one extraction path.

:func:`extract` is the whole chain, as pure functions: decode the bytes once
(``parsing.encoding.decode_page``: BOM, then the header's charset, then the ``<meta>`` one,
hostile labels refused), parse once (``parsing.parse_article`` on one lxml tree), place the
raw values (``parsing.record.raw_article``) and normalize them
(``normalize.record.normalize_article``). The crawl (the spider, through
:class:`ExtractionPool`), ``rebuild``, the fixture tests and the benchmarks all call it, so a
record cannot depend on which of them built it.

A page that is not an article raises ``PageLayoutError`` (the crawl records it as a
``layout: ...`` failure) carrying the page's conformance check (``.conformance``, see
:class:`Conformance`: the template elements it lacks, for the log, checked on the same tree);
anything else a page makes the chain raise propagates as it is.

:func:`extract_listing` does the same for a listing page: decode once, parse once, and the
listing and its conformance check from the one tree.

:class:`ExtractionPool` runs :func:`extract` in worker processes so that parsing never holds
the crawl's reactor thread (``NEWSZONE_EXTRACT_WORKERS``; 0 runs it in the calling process).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from parsel import Selector
from w3lib.url import url_query_parameter

from .items import Article
from .ledger import describe
from .normalize.record import normalize_article
from .parsing.article import parse_article
from .parsing.conformance import Element, check_article, check_listing
from .parsing.encoding import decode_page
from .parsing.errors import PageLayoutError
from .parsing.ids import canonical_id, ids_in_url
from .parsing.listing import ListingPage, parse_listing
from .parsing.record import raw_article
from .parsing.tree import page_selector
from .parsing.urls import article_url, canonical_article_url, site_root

T = TypeVar("T")


@dataclass(frozen=True)
class Conformance:
    """A page's conformance check as the crawl uses it: the elements (small: a name, a
    status and a short excerpt each), or why the check itself failed (``describe``d)."""

    elements: tuple[Element, ...] = ()
    error: str | None = None


def conformance_of(check: Any, page: Any, url: str, **kwargs: Any) -> Conformance:
    """``check(page, url, **kwargs)`` as a :class:`Conformance`; an exception of the check is
    its ``error`` (the check must not hide the page's own outcome).

    >>> conformance_of(lambda page, url: 1 / 0, "", "u").error
    'error: ZeroDivisionError: division by zero'
    """
    try:
        return Conformance(tuple(check(page, url, **kwargs)))
    except Exception as exc:
        return Conformance(error=describe(exc))


@dataclass
class ListingExtraction:
    """A listing page as the crawl reads it, and its conformance check (made only when the
    page has rows: a listing past the end has none)."""

    listing: ListingPage
    conformance: Conformance | None
    article_urls: list[str | None] = field(default_factory=list)
    """Each entry's article URL (``parsing.urls.article_url``, the costly canonical form: built
    here, off the reactor thread), None when its ids are not usable ids; only when asked
    (``base_url``)."""


@dataclass
class Extraction:
    """The record of one article page, and the outcome of each field's normalization
    (``parsed``/``missing``/``unparsed``...: the crawl counts them)."""

    record: Article
    outcomes: dict[str, str]


def content_type_of(headers: Mapping[Any, Any] | str | bytes | None) -> str | None:
    """The ``Content-Type`` of a response's headers (a mapping such as Scrapy's ``Headers``,
    or the header's value itself), as text; None when there is none.

    >>> content_type_of({b"Content-Type": [b"text/html; charset=euc-kr"]})
    'text/html; charset=euc-kr'
    >>> content_type_of({"content-type": "text/html"}), content_type_of(b"text/html")
    ('text/html', 'text/html')
    >>> content_type_of(None), content_type_of({})
    (None, None)
    """
    if headers is None or isinstance(headers, str):
        return headers
    if isinstance(headers, bytes):
        return headers.decode("latin-1")
    value: Any = None
    getter = getattr(headers, "get", None)
    if getter is not None and hasattr(headers, "getlist"):  # Scrapy's Headers: case-insensitive
        value = getter("Content-Type")
    else:
        for key, found in headers.items():
            name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
            if name.lower() == "content-type":
                value = found
    if isinstance(value, list):  # several values: the last one, as Scrapy's Headers.get()
        value = value[-1] if value else None
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


def _read(
    body: bytes, headers: Mapping[Any, Any] | str | bytes | None, url: str,
    parse: Callable[[Selector, str], T], check: Callable[..., Any],
) -> tuple[Selector, T]:
    """Decode the page once, build its tree once and ``parse`` it; a ``PageLayoutError``
    carries the template elements the page lacks (``check`` on the tree already built, or on
    the text when no tree could be built) across the process boundary."""
    text = decode_page(body, content_type_of(headers)).text
    sel = None
    try:
        sel = page_selector(text, url)
        return sel, parse(sel, url)
    except PageLayoutError as exc:
        exc.conformance = conformance_of(check, text if sel is None else sel, url)
        raise


def extract(
    body: bytes,
    headers: Mapping[Any, Any] | str | bytes | None,
    url: str,
    *,
    crawled_at: str,
    base_url: str | None = None,
    board_seq: str | None = None,
    board_id: str | None = None,
) -> Extraction:
    """An article page's bytes -> its normalized record, with each field's outcome.

    ``url`` is where the page was fetched (``fetched_url``); the record's ``url`` is the
    canonical article URL on ``base_url`` (default: the fetched URL's own site root). The ids
    are the URL's ``boardSeq``/``boardId`` in canonical spelling unless given (the crawl gives
    the ones its listing named). Raises ``PageLayoutError`` when the page is not an article.

    >>> page = ('<div class="board_view"><div class="wrap_title"><p class="title">A title</p>'
    ...         '<dl><dt>Date :</dt><dd>2017.03.10</dd></dl></div><div class="post_content"><p>Body.</p>'
    ...         '</div></div>').encode()
    >>> done = extract(page, "text/html; charset=utf-8",
    ...     "http://www.h.kr/user/boardList.action?command=view&boardId=O_1&boardSeq=o_5&page=2",
    ...     crawled_at="2026-01-01T00:00:00Z")
    >>> r = done.record
    >>> r.id, r.board_id, r.url, r.title, r.published, r.body, done.outcomes["date"]
    ('O_5', 'O_1', 'http://www.h.kr/user/boardList.action?boardId=O_1&boardSeq=o_5&command=view', \
'A title', '2017-03-10', 'Body.', 'parsed')
    >>> extract(b"<p>maintenance</p>", None, "http://h/x", crawled_at="")
    Traceback (most recent call last):
    ...
    newszone_crawler.parsing.errors.PageLayoutError: not an article page (no div.board_view): http://h/x
    """
    _, fields = _read(body, headers, url, parse_article, check_article)
    url_board, url_seq = ids_in_url(url)
    item = raw_article(
        fields,
        board_seq=board_seq or url_seq or "",
        board_id=board_id or url_board or "",
        url=canonical_article_url(url, base_url or site_root(url)),
        fetched_url=url,
        crawled_at=crawled_at,
    )
    # bylines and the copyright notice were recognised by the parser: not parsed again
    outcomes = normalize_article(item, byline_authors=fields.byline_authors,
                                 copyright=fields.copyright)
    return Extraction(item, outcomes)


def extract_listing(
    body: bytes,
    headers: Mapping[Any, Any] | str | bytes | None,
    url: str,
    *,
    base_url: str | None = None,
    menu_id: str = "",
    site_id: str = "",
) -> ListingExtraction:
    """A listing page's bytes -> its :class:`~newszone_crawler.parsing.listing.ListingPage`
    and, when it has rows, its conformance check, from one decode and one tree; with
    ``base_url``, each entry's article URL on that site (the menu and site ids of the listing
    URL, else ``menu_id``/``site_id``).

    Raises ``PageLayoutError`` when the page is not a listing (carrying the page's
    ``.conformance``, as :func:`extract` does); anything else propagates as it is.

    >>> page = (b'<ul class="list_post"><li><p class="title">'
    ...         b'<a href="javascript:jf_view(\\'B\\',\\'O_9\\');">T</a></p></li></ul>')
    >>> done = extract_listing(page, "text/html", "http://h/l")
    >>> [e.board_seq for e in done.listing.entries], done.article_urls
    (['O_9'], [])
    >>> extract_listing(page, "text/html", "http://h/l?id=M", base_url="http://h").article_urls
    ['http://h/user/boardList.action?boardId=B&boardSeq=O_9&command=view&id=M&siteId=']
    >>> [(e.name, e.status) for e in done.conformance.elements if e.mandatory]
    [('listing.rows', 'ok'), ('listing.links', 'ok'), ('listing.paging', 'missing'), \
('listing.total', 'missing')]
    >>> try:
    ...     extract_listing(b"<p>maintenance</p>", None, "http://h/l")
    ... except PageLayoutError as exc:
    ...     print(exc, [e.name for e in exc.conformance.elements][:2])
    not a listing page (no ul.list_post or board_list): http://h/l ['listing.rows', 'listing.links']
    """
    sel, listing = _read(body, headers, url, parse_listing, check_listing)
    conformance = None
    if listing.entries or listing.unlinked_rows:  # a listing past the end has no rows
        conformance = conformance_of(check_listing, sel, url, listing=listing)
    urls: list[str | None] = []
    if base_url is not None:
        menu_id = url_query_parameter(url, "id") or menu_id
        site_id = url_query_parameter(url, "siteId") or site_id
        for entry in listing.entries:
            seq, board = canonical_id(entry.board_seq), canonical_id(entry.board_id)
            urls.append(article_url(base_url, board, seq, menu_id, site_id)
                        if seq and board else None)
    return ListingExtraction(listing, conformance, urls)


def default_workers(cores: int | None = None) -> int:
    """Worker processes when none are configured: one core is left to the reactor.

    >>> default_workers(2), default_workers(8), default_workers(1)
    (1, 7, 1)
    """
    cores = cores if cores is not None else (os.cpu_count() or 1)
    return max(1, cores - 1)


class ExtractionPool:
    """Runs :func:`extract` off the calling thread, in ``workers`` processes (0: in the
    calling process, synchronously). The processes start on first use and are spawned, not
    forked: a crawl process holds threads and sockets a fork would copy."""

    def __init__(self, workers: int) -> None:
        if workers < 0:
            raise ValueError(f"workers must be 0 or more, not {workers}")
        self.workers = workers
        self._executor: Executor | None = None

    def executor(self) -> Executor:
        if self._executor is None:
            import multiprocessing

            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        return self._executor

    async def extract(self, body: bytes, headers: Any, url: str, **kwargs: Any) -> Extraction:
        """:func:`extract` in a worker process (or here, with no workers); its exceptions
        are raised here as they were raised there."""
        content_type = content_type_of(headers)  # plain text crosses the process boundary
        return await self._run(extract, body, content_type, url, **kwargs)

    async def extract_listing(self, body: bytes, headers: Any, url: str,
                              **kwargs: Any) -> ListingExtraction:
        """:func:`extract_listing` in a worker process (or here, with no workers)."""
        return await self._run(extract_listing, body, content_type_of(headers), url, **kwargs)

    async def _run(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.workers:
            return function(*args, **kwargs)
        loop = asyncio.get_running_loop()
        executor = self.executor()
        try:
            return await loop.run_in_executor(executor, partial(function, *args, **kwargs))
        except BrokenProcessPool:
            # a worker died (killed, out of memory): this page fails; the next starts a new pool
            # (unless another page of the same broken pool has started it already)
            if self._executor is executor:
                self._executor = None
            raise

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
