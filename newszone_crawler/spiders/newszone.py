"""The ``newszone`` spider: walks the News Zone boards' listings and fetches their articles.

Crawling only: which URLs, in what order, when to stop. What a page means is ``parsing/``'s
business; cleaning the record is the pipelines'.
"""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure
from w3lib.url import url_query_parameter

from ..exporters.sqlite_store import ArchiveError, CrawlState, read_crawl_state
from ..items import FetchFailure, GoneNotice
from ..normalize.dates import parse_date
from ..parsing import PageLayoutError, article_url, listing_url, parse_article, parse_listing
from ..parsing.encoding import decode_page
from ..parsing.record import raw_article
from ..parsing.urls import canonical_article_url, page_number, site_root, with_page

LISTING_PRIORITY = 10  # listing pages first, so paging never waits behind article pages
KOREA = timezone(timedelta(hours=9))  # the board's dates are Korea time
MODES = ("incremental", "full")
GONE_STATUSES = (404, 410)


def is_loopback(url: str) -> bool:
    """Whether ``url`` points at this machine (the demo site, a test server).

    >>> is_loopback("http://127.0.0.1:8000/"), is_loopback("https://www.mnd.go.kr")
    (True, False)
    """
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


class NewsZoneSpider(Spider):
    """Crawl the English News Zone boards (Recent News, Photo News, Press Release).

    Arguments (``-a name=value``): ``base_url`` (site root), ``boards`` (comma-separated subset
    of the board keys, default all), ``start_url`` (one listing URL instead), ``demo=1`` (serve
    and crawl the embedded demo site), ``demo_articles`` (its size), ``demo_edits``
    (``K:REV,...``: the demo serves article K edited), ``demo_faults`` (JSON: the demo site's
    fault modes), ``max_pages`` (listing
    pages per board), ``since=YYYY-MM-DD`` (stop paging past that date), ``mode``
    (``incremental``: only new articles and those published in the last ``recheck_days``;
    ``full``: every article), ``recheck_days``.
    """

    name = "newszone"

    def __init__(
        self,
        *args: Any,
        base_url: str | None = None,
        boards: str | None = None,
        start_url: str | None = None,
        demo: str | None = None,
        demo_articles: str | None = None,
        demo_edits: str | None = None,
        demo_faults: str | None = None,
        max_pages: str | None = None,
        since: str | None = None,
        mode: str | None = None,
        recheck_days: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.base_url_arg = base_url
        self.boards_arg = boards
        self.start_url = start_url
        self.demo = _flag(demo)
        self.demo_articles = int(demo_articles) if demo_articles else None
        # demo_edits=K:REV,...: the demo site serves article K in revision REV (an edit)
        # demo_faults=JSON: the demo site's fault modes (see demo_site's docstring)
        self.demo_faults = json.loads(demo_faults) if demo_faults else None
        self.demo_edits = {
            int(k): int(rev)
            for k, _, rev in (part.partition(":") for part in (demo_edits or "").split(",") if part)
        }
        self.max_pages = int(max_pages) if max_pages else None
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError(f"max_pages must be at least 1, not {max_pages!r}")
        self.since: date | None = None
        if since:
            parsed = parse_date(since)
            if parsed is None:
                raise ValueError(f"since must be a date like 2024-01-31, not {since!r}")
            self.since = date.fromisoformat(parsed)
        if mode is not None and mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.mode_arg = mode
        self.recheck_days_arg = int(recheck_days) if recheck_days is not None else None
        now = datetime.now(UTC)
        self.run_id = now.strftime("%Y-%m-%dT%H-%M-%S.%fZ")
        self.state = CrawlState({}, set())
        self.recheck_from: str | None = None
        self.idle_pass_done = False
        self.seen: set[str] = set()
        self.pending: set[str] = set()  # article requests with no answer yet
        self.pages_requested: dict[str, int] = {}
        self.demo_port: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsZoneSpider:
        spider: NewsZoneSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.base_url = site_root(spider.base_url_arg or settings.get("NEWSZONE_BASE_URL"))
        spider.site_id = settings.get("NEWSZONE_SITE_ID")
        all_boards: dict[str, dict[str, str]] = settings.getdict("NEWSZONE_BOARDS")
        keys = [k.strip() for k in (spider.boards_arg or ",".join(all_boards)).split(",") if k.strip()]
        unknown = [k for k in keys if k not in all_boards]
        if unknown or not keys:
            raise ValueError(
                f"unknown board(s) {unknown or keys}; choose from {', '.join(all_boards)}"
            )
        spider.boards = {k: all_boards[k] for k in keys}
        if spider.start_url:
            spider.base_url = site_root(spider.base_url_arg or spider.start_url)
        spider.mode = spider.mode_arg or settings.get("NEWSZONE_MODE")
        days = spider.recheck_days_arg
        spider.recheck_days = settings.getint("NEWSZONE_RECHECK_DAYS") if days is None else days
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        if spider.demo_articles is None:
            spider.demo_articles = settings.getint("NEWSZONE_DEMO_ARTICLES")
        if not settings.getdict("FEEDS") and settings.get("NEWSZONE_JSONL"):
            feed = {settings.get("NEWSZONE_JSONL"): settings.getdict("NEWSZONE_JSONL_OPTIONS")}
            settings.set("FEEDS", feed, priority="spider")
        if spider.demo or is_loopback(spider.base_url):
            # Loopback targets (demo site, tests, benchmarks) need no politeness delays.
            settings.setdict(settings.getdict("NEWSZONE_LOOPBACK_SETTINGS"), priority="spider")
        return spider

    # --- start ---------------------------------------------------------------------------------

    async def start(self):  # type: ignore[override]
        """Start the demo site when asked, then request page 1 of each board's listing."""
        stats = self.crawler.stats
        blocked = stats.get_value("newszone/locked") or stats.get_value("newszone/archive_error")
        if blocked:
            self.logger.error("Not crawling: %s", blocked)
            return
        db = self.crawler.settings.get("NEWSZONE_DB")
        if db:
            try:
                self.state = read_crawl_state(db, self.run_id)
            except ArchiveError as error:
                stats.set_value("newszone/archive_error", str(error))
                stats.set_value("newszone/archive_error/status", error.status)
                self.logger.error("Not crawling: %s", error)
                return
        today = datetime.now(KOREA).date()
        self.recheck_from = (today - timedelta(days=self.recheck_days)).isoformat()
        self.logger.info(
            "Mode %s: %d articles in the archive; re-checking those published since %s",
            self.mode, len(self.state.known), self.recheck_from,
        )
        if self.demo:
            self.base_url = self._start_demo_site()
        # Requests (redirects and attachment downloads included) stay on the site's host.
        host = urlsplit(self.base_url).hostname or ""
        self.allowed_domains = [host.removeprefix("www.")]
        if self.start_url:
            board_key = self._board_of(self.start_url)
            yield self._listing_request(self.start_url, board_key, page_number(self.start_url) or 1)
            return
        for key, board in self.boards.items():
            url = listing_url(self.base_url, board["board_id"], board["menu_id"], self.site_id, 1)
            yield self._listing_request(url, key, 1)

    def _start_demo_site(self) -> str:
        from twisted.internet import reactor

        from ..demo_site import DemoSite, listen

        self.demo_site = DemoSite(
            articles=self.demo_articles or 150, edits=self.demo_edits, faults=self.demo_faults
        )
        self.demo_port = listen(self.demo_site, port=0, interface="127.0.0.1")
        root = f"http://127.0.0.1:{self.demo_port.getHost().port}"
        self.logger.info("Demo site with %d articles serving at %s", self.demo_articles, root)
        reactor.addSystemEventTrigger("before", "shutdown", self.demo_port.stopListening)
        return root

    def _board_of(self, url: str) -> str:
        board_id = url_query_parameter(url, "boardId")
        for key, board in self.crawler.settings.getdict("NEWSZONE_BOARDS").items():
            if board["board_id"] == board_id:
                self.boards = {key: board}
                return key
        menu_id = url_query_parameter(url, "id") or ""
        self.boards = {"custom": {"board_id": board_id or "", "menu_id": menu_id, "name": ""}}
        return "custom"

    def _listing_request(self, url: str, board_key: str, page: int) -> Request:
        return Request(
            url,
            callback=self.parse_listing,
            errback=self.listing_failed,
            priority=LISTING_PRIORITY,
            cb_kwargs={"board_key": board_key, "page": page},
        )

    # --- listing -------------------------------------------------------------------------------

    def parse_listing(self, response: Response, board_key: str, page: int):
        """Request the page's new articles and the listing pages after it."""
        stats = self.crawler.stats
        stats.inc_value("newszone/listing/pages")
        stats.inc_value(f"newszone/board/{board_key}/pages")
        try:
            listing = parse_listing(self._text(response), response.url)
        except PageLayoutError as exc:
            stats.inc_value("newszone/listing/layout_error")
            self.logger.error("Listing page does not look as expected: %s", exc)
            return
        if page == 1 and listing.total is not None:
            stats.set_value(f"newszone/board/{board_key}/total", listing.total)
        board = self.boards[board_key]
        menu_id = url_query_parameter(response.url, "id") or board["menu_id"]
        site_id = url_query_parameter(response.url, "siteId") or self.site_id
        incremental = self.mode == "incremental"
        past_since = False
        for entry in listing.entries:
            published = parse_date(entry.date_raw)
            if self.since and published and date.fromisoformat(published) < self.since:
                past_since = past_since or not entry.pinned
                continue
            stats.inc_value(f"newszone/board/{board_key}/listed")
            if entry.board_seq in self.seen:
                stats.inc_value("newszone/article/duplicate_link")
                continue
            self.seen.add(entry.board_seq)
            if incremental and self._settled(entry.board_seq):
                stats.inc_value(f"newszone/board/{board_key}/known")
                continue
            url = article_url(self.base_url, entry.board_id, entry.board_seq, menu_id, site_id)
            yield self._article_request(url, board_key, entry.board_seq, entry.board_id)
        if not listing.articles or past_since:
            return
        if incremental and board["board_id"] in self.state.walked_ok:
            # The archive holds the board as a finished run saw it: page on only while a page
            # still shows something new or due for a re-check (pinned notice not counted).
            if all(self._settled(e.board_seq) for e in listing.articles):
                stats.inc_value("newszone/listing/stopped_at_known")
                return
            last = page + 1
        else:
            # Read ahead to the last page the paging block names (pages load in parallel);
            # with `since`, page by page so paging stops at the first page past that date.
            # Past the last page the board answers an empty listing, which ends the walk.
            last = page + 1 if self.since else max(listing.last_page or page, page + 1)
        last = min(last, self.max_pages or last)
        first_new = self.pages_requested.get(board_key, page) + 1
        for number in range(first_new, last + 1):
            yield self._listing_request(with_page(response.url, number), board_key, number)
        self.pages_requested[board_key] = max(self.pages_requested.get(board_key, 0), last)

    def _settled(self, board_seq: str) -> bool:
        """Stored already, its files all downloaded, and not published recently enough to be
        re-checked for edits."""
        row = self.state.known.get(board_seq)
        if row is None or row.get("files_pending"):
            return False
        published = row.get("published")
        return not (published and self.recheck_from and published >= self.recheck_from)

    def _report_lost(self) -> None:
        """Article requests that ended with neither a response nor an error (dropped by some
        filter on the way) are failures too: counted and named, never silent."""
        if not self.pending:
            return
        lost, self.pending = sorted(self.pending), set()
        self.crawler.stats.inc_value("newszone/article/failed", len(lost))
        self.crawler.stats.inc_value("newszone/article/failed/lost", len(lost))
        self.logger.error("%d article request(s) got no answer: %s", len(lost), ", ".join(lost))

    def _article_request(
        self, url: str, board_key: str, board_seq: str, board_id: str, **meta: Any
    ) -> Request:
        # The spider de-duplicates articles itself (by boardSeq); dont_filter keeps Scrapy's
        # duplicate filter from silently swallowing a redirect back to a URL already seen.
        # Hosts are policed by SafeRequestMiddleware, which dont_filter does not bypass.
        self.pending.add(board_seq)
        return Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"board_key": board_key, "board_seq": board_seq, "board_id": board_id},
            meta=meta,
            dont_filter=True,
        )

    # --- after the listings: stored articles no listing showed ---------------------------------

    def spider_idle(self) -> None:
        """Once the listings are walked, fetch stored articles that no listing showed but that
        are due a look (full mode over whole boards: all; incremental: recent ones). One that
        now answers 404/410 is marked gone; nothing is deleted."""
        if self.idle_pass_done or self.crawler.stats.get_value("newszone/locked"):
            self._report_lost()
            return
        self.idle_pass_done = True
        whole_walk = not (self.max_pages or self.since or self.start_url)
        by_board_id = {b["board_id"]: key for key, b in self.boards.items()}
        requests = []
        for seq, row in self.state.known.items():
            key = by_board_id.get(row.get("board_id") or "")
            if key is None or seq in self.seen or row.get("gone_at") or not row.get("url"):
                continue
            if self.mode == "full" and whole_walk or not self._settled(seq):
                self.seen.add(seq)
                url = canonical_article_url(row["url"], self.base_url)
                requests.append(self._article_request(url, key, seq, row["board_id"], unlisted=True))
        if not requests:
            self._report_lost()
            return
        self.logger.info("Checking %d stored article(s) that no listing showed", len(requests))
        self.crawler.stats.inc_value("newszone/article/unlisted_checked", len(requests))
        for request in requests:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def _text(self, response: Response) -> str:
        """The page's text; a charset label that is not a safe text encoding is not used
        (``CharsetGuardMiddleware`` has counted and logged it)."""
        return decode_page(response.body, response.headers.get("Content-Type")).text

    def listing_failed(self, failure: Failure):
        """A listing page could not be fetched: counted; the run summary fails the run."""
        self.crawler.stats.inc_value("newszone/listing/failed")
        self.logger.error("Listing page failed: %s (%s)", failure.request.url, failure.getErrorMessage())

    # --- article -------------------------------------------------------------------------------

    def parse_article(self, response: Response, board_key: str, board_seq: str, board_id: str):
        """Parse an article page into an ``Article`` with raw values."""
        self.pending.discard(board_seq)
        stats = self.crawler.stats
        try:
            fields = parse_article(self._text(response), response.url)
        except PageLayoutError as exc:
            stats.inc_value("newszone/article/layout_error")
            self.logger.error("Article page does not look as expected: %s", exc)
            yield FetchFailure(id=board_seq, url=response.url, reason=f"layout: {exc}")
            return
        stats.inc_value("newszone/article/parsed")
        stats.inc_value(f"newszone/board/{board_key}/articles")
        item = raw_article(
            fields,
            board_seq=board_seq,
            board_id=board_id,
            url=canonical_article_url(response.url, self.base_url),
            fetched_url=response.url,
            crawled_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        )
        capture = response.meta.get("warc") or {}
        item.warc_file = capture.get("warc_file")
        item.warc_record_id = capture.get("warc_record_id")
        item.warc_offset = capture.get("warc_offset")
        yield item
        if self.crawler.settings.getbool("NEWSZONE_WARC_ENABLED"):
            # The photos belong to the page's capture: fetch them so the WARC holds them too.
            for image in item.images:
                yield Request(image["url"], callback=self.image_captured,
                              errback=self.image_failed, priority=-10)

    def image_captured(self, response: Response):
        """A photo fetched for the WARC capture (the middleware wrote it)."""
        self.crawler.stats.inc_value("newszone/image/captured")
        return None

    def image_failed(self, failure: Failure):
        """A photo could not be fetched: counted and logged, not a failure of the article."""
        self.crawler.stats.inc_value("newszone/image/failed")
        self.logger.warning("Image failed: %s (%s)", failure.request.url, failure.getErrorMessage())

    def article_failed(self, failure: Failure):
        """An article could not be fetched: counted and logged; the run is then incomplete.

        A stored article that answers 404 or 410 is not a failure: it is gone from the site,
        and the archive marks it so (keeping everything it stored)."""
        request = failure.request
        seq = request.cb_kwargs.get("board_seq")
        self.pending.discard(seq)
        if failure.check(HttpError) and seq in self.state.known:
            status = failure.value.response.status
            if status in GONE_STATUSES:
                self.crawler.stats.inc_value("newszone/article/gone")
                self.logger.info("Stored article %s is gone (%s): %s", seq, status, request.url)
                yield GoneNotice(id=seq, url=request.url, status=status)
                return
        stats = self.crawler.stats
        stats.inc_value("newszone/article/failed")
        stats.inc_value(f"newszone/article/failed/{failure.type.__name__}")
        reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.logger.error("Article failed: %s (%s)", request.url, reason)
        if seq:
            yield FetchFailure(id=seq, url=request.url, reason=reason)
