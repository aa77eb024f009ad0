"""The ``newszone`` spider: walks the News Zone boards' listings and fetches their articles.

Crawling only: which URLs, in what order, when to stop. What a page means is ``parsing/``'s
business; an article page becomes its normalized record in ``extract.extract`` (run in the
extraction pool); the pipelines count, check and store it.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure
from w3lib.url import url_query_parameter

from ..archive import archive_of
from ..exporters.sqlite_store import CrawlState
from ..extract import Conformance, ExtractionPool, default_workers
from ..arguments import (
    OTHER_TOOLS,
    ArgumentError,
    Arguments,
    check_settings,
    parse_arguments,
)
from ..hosts import bare_host
from ..items import FetchFailure, GoneNotice
from ..ledger import Ledger, RunLedger, describe
from ..normalize.dates import parse_date
from ..parsing import PageLayoutError, listing_url
from ..parsing.conformance import DRIFT_STATS
from ..parsing.ids import canonical_id, ids_in_url
from ..runlock import USAGE_ERROR_STAT, run_blocked
from ..parsing.urls import canonical_article_url, page_number, site_root, with_page

# Article pages go first, then their photos, then listing pages: the queue of requests stays
# small (at most a window of listing pages' articles) whatever a paging block claims.
ARTICLE_PRIORITY = 20
LISTING_PRIORITY = 0
ROWS_PER_PAGE = 10  # articles a listing page shows (the pinned notice aside)
KOREA = timezone(timedelta(hours=9))  # the board's dates are Korea time
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


@dataclass
class BoardWalk:
    """Where the walk of one board's listing stands."""

    requested: int = 0
    """The highest listing page number requested."""
    in_flight: int = 0
    """Listing pages requested and not answered yet (at most the window)."""
    claimed_last: int | None = None
    """The highest page number the paging blocks named."""
    bound: int | None = None
    """The last page the board's own ``Total ... posts`` allows (one more for articles
    published while the walk goes on), when a page shows the total."""
    ended: bool = False
    """No further page is requested: an empty page, a page past ``since``, the known part of
    the board, a repeated page, or a page that did not look like a listing."""


def wrong_article(fetched_url: str, board_seq: str, board_id: str | None) -> str | None:
    """Why the page fetched for article ``board_seq`` is not that article (a redirect to
    another article, to another board or off the board), or None when it is.

    >>> u = "http://h/user/boardList.action?command=view&boardId=O_47261&boardSeq="
    >>> wrong_article(u + "o_5", "O_5", "O_47261") is None
    True
    >>> wrong_article(u + "O_6", "O_5", "O_47261")
    'the page fetched names another article (O_6)'
    >>> wrong_article(u + "O_5", "O_5", "I_8576246")
    'the page fetched is on another board (O_47261, listed on I_8576246)'
    >>> wrong_article("http://h/index.do", "O_5", "O_47261")
    'the page fetched names no article'
    """
    url_board, url_seq = ids_in_url(fetched_url)
    if url_seq is None:
        return "the page fetched names no article"
    if url_seq != board_seq:
        return f"the page fetched names another article ({url_seq})"
    if url_board and board_id and url_board != canonical_id(board_id):
        return f"the page fetched is on another board ({url_board}, listed on {board_id})"
    return None


class NewsZoneSpider(Spider):
    """Crawl the English News Zone boards (Recent News, Photo News, Press Release).

    Arguments (``-a name=value``): ``base_url`` (site root), ``boards`` (comma-separated subset
    of the board keys, default all), ``start_url`` (one listing URL instead), ``demo=1`` (serve
    and crawl the embedded demo site), ``demo_articles`` (its size), ``demo_edits``
    (``K:REV,...``: the demo serves article K edited), ``demo_faults`` (JSON: the demo site's
    fault modes), ``demo_chrome`` (``real``: the demo's pages in the real site's chrome),
    ``max_pages`` (listing
    pages per board), ``since=YYYY-MM-DD`` (stop paging past that date), ``mode``
    (``incremental``: only new articles and those published in the last ``recheck_days``;
    ``full``: every article), ``recheck_days``. All are checked at once by
    :func:`~newszone_crawler.arguments.parse_arguments`; on a bad one the spider crawls nothing
    and the run ends with status ``usage``.
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
        demo_chrome: str | None = None,
        max_pages: str | None = None,
        since: str | None = None,
        mode: str | None = None,
        recheck_days: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args)
        given = {
            "base_url": base_url, "boards": boards, "start_url": start_url, "demo": demo,
            "demo_articles": demo_articles, "demo_edits": demo_edits, "demo_faults": demo_faults,
            "demo_chrome": demo_chrome,
            "max_pages": max_pages, "since": since, "mode": mode, "recheck_days": recheck_days,
        }
        self.given = {k: v for k, v in given.items() if v is not None} | kwargs
        self.usage_error: str | None = None
        """Why the arguments cannot be used (the spider then crawls nothing), or None."""
        try:
            self.arguments = parse_arguments(self.given)
        except ArgumentError as error:
            self.arguments, self.usage_error = Arguments(), str(error)
        for name in OTHER_TOOLS:
            if name in kwargs:
                setattr(self, name, kwargs[name])
        arguments = self.arguments
        self.base_url_arg = arguments.base_url
        self.start_url = arguments.start_url
        self.demo = arguments.demo
        self.demo_articles = arguments.demo_articles
        self.demo_faults = arguments.demo_faults
        self.demo_edits = arguments.demo_edits
        self.max_pages = arguments.max_pages
        self.since: date | None = arguments.since
        self.mode_arg = arguments.mode
        self.recheck_days_arg = arguments.recheck_days
        now = datetime.now(UTC)
        self.run_id = now.strftime("%Y-%m-%dT%H-%M-%S.%fZ")
        self.state = CrawlState({}, set())
        self.recheck_from: str | None = None
        self.idle_pass_done = False
        self.seen: set[str] = set()
        self.walks: dict[str, BoardWalk] = {}
        self.ledger: Ledger | RunLedger = Ledger()  # the crawl's RunLedger once started
        self.demo_port: Any = None
        self.extraction = ExtractionPool(0)  # from_crawler sizes it (NEWSZONE_EXTRACT_WORKERS)
        self.counts: Counter[str] = Counter()
        """Per-row and per-article counts, added to the stats when the spider closes (one
        dictionary update instead of a stats call each); counts that other components read
        during the run (``newszone/listing/pages``, ``.../known``, ``newszone/article/parsed``:
        the progress line) go to the stats at once."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsZoneSpider:
        spider: NewsZoneSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        # connected before the extensions exist: the counts are in the stats before the run
        # summary and the archive read them at spider_closed
        crawler.signals.connect(spider.flush_counts, signal=signals.spider_closed)
        spider.base_url = site_root(spider.base_url_arg or settings.get("NEWSZONE_BASE_URL"))
        spider.site_id = settings.get("NEWSZONE_SITE_ID")
        all_boards: dict[str, dict[str, str]] = settings.getdict("NEWSZONE_BOARDS")
        checked: dict[str, Any] = {}
        if spider.usage_error is None:
            try:  # the board keys exist only in the settings: checked once they are known
                parse_arguments(spider.given, boards=all_boards)
                checked = check_settings(settings.get)
            except ArgumentError as error:
                spider.usage_error = str(error)
        crawler.signals.connect(spider.spider_opened, signal=signals.spider_opened)
        if spider.usage_error is not None:
            spider.boards = {}
            return spider  # nothing more is set up: spider_opened closes the spider
        spider.boards = {k: all_boards[k] for k in spider.arguments.boards or all_boards}
        if spider.start_url:
            spider.base_url = site_root(spider.base_url_arg or spider.start_url)
        spider.mode = spider.mode_arg or checked["NEWSZONE_MODE"]
        days = spider.recheck_days_arg
        spider.recheck_days = checked["NEWSZONE_RECHECK_DAYS"] if days is None else days
        spider.window = checked["NEWSZONE_LISTING_WINDOW"]
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        spider.extraction = ExtractionPool(checked.get("NEWSZONE_EXTRACT_WORKERS", default_workers()))
        crawler.signals.connect(spider.extraction.close, signal=signals.engine_stopped)
        if spider.demo_articles is None:
            spider.demo_articles = checked["NEWSZONE_DEMO_ARTICLES"]
        if not settings.getdict("FEEDS") and settings.get("NEWSZONE_JSONL"):
            feed = {settings.get("NEWSZONE_JSONL"): settings.getdict("NEWSZONE_JSONL_OPTIONS")}
            settings.set("FEEDS", feed, priority="spider")
        if spider.demo or is_loopback(spider.base_url):
            # Loopback targets (demo site, tests, benchmarks) need no politeness delays.
            settings.setdict(settings.getdict("NEWSZONE_LOOPBACK_SETTINGS"), priority="spider")
        return spider

    @property
    def whole_walk(self) -> bool:
        """Whether the run walks whole boards (no ``max_pages``, ``since`` or ``start_url``)."""
        return not (self.max_pages or self.since or self.start_url)

    def flush_counts(self) -> None:
        """Add the locally counted values to the stats (at spider_closed, and idempotent)."""
        stats = self.crawler.stats
        for key, value in self.counts.items():
            stats.inc_value(key, value)
        self.counts.clear()

    # --- start ---------------------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        """Refuse to crawl on unusable arguments: the refusal goes into the stats before the
        other components' ``spider_opened`` (they touch nothing on a run ``run_blocked``
        names), and ``CloseSpider`` (Scrapy's way for a component to stop a spider that is
        opening) closes the spider before its first request."""
        if self.usage_error is not None:
            self.crawler.stats.set_value(USAGE_ERROR_STAT, self.usage_error)
            self.logger.error("Not crawling: %s", self.usage_error)
            raise CloseSpider("usage_error")

    async def start(self):  # type: ignore[override]
        """Start the demo site when asked, then request page 1 of each board's listing."""
        stats = self.crawler.stats
        if self.usage_error is not None:  # closed already by spider_opened
            return
        archive = archive_of(self.crawler)
        if archive.open():
            self.state = archive.state  # read once, with the lock taken
        blocked = archive.blocked
        if blocked:
            self.logger.error("Not crawling: %s", blocked)
            return
        if self.since:
            stats.set_value("newszone/since", self.since.isoformat())
        today = datetime.now(KOREA).date()
        self.recheck_from = (today - timedelta(days=self.recheck_days)).isoformat()
        self.logger.info(
            "Mode %s: %d articles in the archive; re-checking those published since %s",
            self.mode, len(self.state.known), self.recheck_from,
        )
        if self.state.owed:
            self.logger.info(
                "The archive owes %d failed article(s) from earlier runs (%s): their boards are "
                "walked whole", len(self.state.owed), ", ".join(sorted(self.state.owed)[:10]),
            )
        stats.set_value("newszone/extract/workers", self.extraction.workers)
        found = [e for e in self.crawler.extensions.middlewares if isinstance(e, RunLedger)]
        if found:
            self.ledger = found[0]
        if self.demo:
            self.base_url = self._start_demo_site()
        # Requests (redirects and attachment downloads included) stay on the site's host.
        host = urlsplit(self.base_url).hostname or ""
        self.allowed_domains = [bare_host(host)]
        if self.start_url:
            board_key = self._board_of(self.start_url)
            first_page = page_number(self.start_url) or 1
            self.walks[board_key] = BoardWalk(requested=first_page, in_flight=1)
            yield self._listing_request(self.start_url, board_key, first_page)
            return
        for key, board in self.boards.items():
            url = listing_url(self.base_url, board["board_id"], board["menu_id"], self.site_id, 1)
            self.walks[key] = BoardWalk(requested=1, in_flight=1)
            yield self._listing_request(url, key, 1)

    def _start_demo_site(self) -> str:
        from twisted.internet import reactor

        from ..demo_site import DemoSite, listen

        self.demo_site = DemoSite(
            articles=self.demo_articles or 150, edits=self.demo_edits, faults=self.demo_faults,
            chrome=self.arguments.demo_chrome or "light",
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

    async def parse_listing(self, response: Response, board_key: str, page: int):
        """Request the page's new articles, then the next listing pages the walk allows.

        The page is read (decoded, parsed, checked against the template) in the extraction
        pool (``extract.extract_listing``); the walk is decided here."""
        stats = self.crawler.stats
        counts = self.counts
        stats.inc_value("newszone/listing/pages")  # read during the run (progress)
        counts[f"newszone/board/{board_key}/pages"] += 1
        walk = self.walks.setdefault(board_key, BoardWalk(requested=page, in_flight=1))
        board = self.boards[board_key]
        try:
            done = await self.extraction.extract_listing(
                response.body, response.headers, response.url, base_url=self.base_url,
                menu_id=board["menu_id"], site_id=self.site_id)
        except PageLayoutError as exc:
            walk.in_flight = max(0, walk.in_flight - 1)
            stats.inc_value("newszone/listing/layout_error")
            self.logger.error("Listing page does not look as expected: %s%s", exc,
                              self._drift(getattr(exc, "conformance", None), response.url))
            walk.ended = True
            return
        except Exception as exc:  # a page shape nobody foresaw: the run fails, loudly
            walk.in_flight = max(0, walk.in_flight - 1)
            stats.inc_value("newszone/listing/layout_error")
            stats.inc_value("newszone/listing/error")
            self.logger.exception("Listing page could not be read (%s): %s", describe(exc),
                                  response.url)
            walk.ended = True
            return
        # answered once read: the window counts the pages being read too
        walk.in_flight = max(0, walk.in_flight - 1)
        listing = done.listing
        if done.conformance is not None:
            # rows without a link beside linked rows are counted as unlinked rows (below)
            drift = self._drift(done.conformance, response.url,
                                partial_links=bool(listing.entries))
            if drift:
                self.logger.warning("Listing page template drift%s: %s", drift, response.url)
        if listing.unlinked_rows:
            stats.inc_value("newszone/listing/unlinked_rows", listing.unlinked_rows)
            self.logger.warning("%d listing row(s) with no readable article link on %s",
                                listing.unlinked_rows, response.url)
        if page == 1 and listing.total is not None:
            stats.set_value(f"newszone/board/{board_key}/total", listing.total)
        self._check_short_page(listing, page, response.url)
        incremental = self.mode == "incremental"
        past_since = False
        repeated = bool(listing.articles)
        unparsed_dates = []
        for entry, url in zip(listing.entries, done.article_urls, strict=True):
            if url is None:
                stats.inc_value("newszone/listing/bad_id")
                self.logger.warning("Listing row with no usable id (%r, %r) on %s",
                                    entry.board_id, entry.board_seq, response.url)
                continue
            published = parse_date(entry.date_raw)
            if entry.date_raw and published is None:
                stats.inc_value("newszone/listing/date_unparsed")
                unparsed_dates.append(entry.date_raw)
            if self.since and published and date.fromisoformat(published) < self.since:
                past_since = past_since or not entry.pinned
                # the run's own limit, not a gap: a board with nothing newer is not a failure
                counts[f"newszone/board/{board_key}/past_since"] += 1
                newest = stats.get_value(f"newszone/board/{board_key}/newest_past_since")
                stats.set_value(f"newszone/board/{board_key}/newest_past_since",
                                max(newest or published, published))
                continue
            counts[f"newszone/board/{board_key}/listed"] += 1
            seq, entry_board = canonical_id(entry.board_seq), canonical_id(entry.board_id)
            if seq in self.seen:
                counts["newszone/article/duplicate_link"] += 1
                continue
            repeated = repeated and entry.pinned
            self.seen.add(seq)
            if incremental and self._settled(seq):
                stats.inc_value(f"newszone/board/{board_key}/known")  # read during the run
                continue
            yield self._article_request(url, board_key, seq, entry_board)
        if unparsed_dates:
            self.logger.warning(
                "%d listing date(s) in a shape not read (no date filter applies to them) on %s: %s",
                len(unparsed_dates), response.url, ", ".join(map(repr, unparsed_dates[:5])),
            )
        if walk.ended:
            return
        if not listing.articles or past_since:
            walk.ended = True
            return
        if repeated:
            # Every article of the page was met earlier in this walk: the board repeats itself
            # (a page number it ignores), so paging on would only fetch the same rows again.
            stats.inc_value("newszone/listing/repeated_page")
            self.logger.warning("Listing page repeats articles already seen; %s ends here: %s",
                                board_key, response.url)
            walk.ended = True
            return
        if incremental and board["board_id"] in self.state.walked_ok:
            # The archive holds the board as a finished run saw it: page on only while a page
            # still shows something new or due for a re-check (pinned notice not counted).
            if all(self._settled(canonical_id(e.board_seq) or "") for e in listing.articles):
                stats.inc_value("newszone/listing/stopped_at_known")
                walk.ended = True
                return
            target = page + 1
        elif self.since:
            target = page + 1  # page by page: paging stops at the first page past that date
        else:
            # Read ahead towards the last page the paging blocks name; past the last page the
            # board answers an empty listing, which ends the walk.
            walk.claimed_last = max(walk.claimed_last or 0, listing.last_page or 0) or None
            target = max(walk.claimed_last or 0, page + 1)
        if listing.total is not None:
            walk.bound = -(-listing.total // ROWS_PER_PAGE) + 1
        for request in self._next_listing_pages(response.url, board_key, walk, target):
            yield request

    def _check_short_page(self, listing: Any, page: int, url: str) -> None:
        """A page before the last one its own ``Total`` names shows all ten rows: fewer, and
        no paging block after them, is a page cut short (what it listed after the cut is never
        seen: the next page starts with the following articles). Counted, and the run is
        incomplete; fewer rows with the paging block in place is only logged."""
        shown = len(listing.articles)
        last = -(-listing.total // ROWS_PER_PAGE) if listing.total else None
        if not shown or shown >= ROWS_PER_PAGE or last is None or page >= last:
            return
        if listing.page_numbers:
            self.logger.warning("Listing page %d of %d shows %d rows, not %d: %s", page, last,
                                shown, ROWS_PER_PAGE, url)
            return
        self.crawler.stats.inc_value("newszone/listing/cut_short")
        self.logger.error("Listing page %d of %d ends after %d rows with no paging block: cut "
                          "short? The articles it listed after the cut were not seen: %s",
                          page, last, shown, url)

    def _next_listing_pages(self, url: str, board_key: str, walk: BoardWalk, target: int):
        """Listing requests up to page ``target`` (capped by the board's total and
        ``max_pages``), never more than the window in flight at once."""
        for cap in (walk.bound, self.max_pages):
            if cap is not None:
                target = min(target, cap)
        if walk.bound is not None and walk.claimed_last and walk.claimed_last > walk.bound:
            self.crawler.stats.set_value(f"newszone/board/{board_key}/paging_capped", walk.bound)
        while not walk.ended and walk.in_flight < self.window and walk.requested < target:
            walk.requested += 1
            walk.in_flight += 1
            yield self._listing_request(with_page(url, walk.requested), board_key, walk.requested)

    def _settled(self, board_seq: str) -> bool:
        """Stored already, its files all downloaded, and not published recently enough to be
        re-checked for edits."""
        row = self.state.known.get(board_seq)
        if row is None or row.get("files_pending") or board_seq in self.state.owed:
            return False  # an article an earlier run failed on is fetched until it clears
        published = row.get("published")
        return not (published and self.recheck_from and published >= self.recheck_from)

    def _article_request(
        self, url: str, board_key: str, board_seq: str, board_id: str, **meta: Any
    ) -> Request:
        # The spider de-duplicates articles itself (by boardSeq); dont_filter keeps Scrapy's
        # duplicate filter from silently swallowing a redirect back to a URL already seen.
        # Hosts are policed by SafeRequestMiddleware, which dont_filter does not bypass.
        self.ledger.expect(board_seq, url)
        return Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            priority=ARTICLE_PRIORITY,
            cb_kwargs={"board_key": board_key, "board_seq": board_seq, "board_id": board_id},
            meta=meta,
            dont_filter=True,
        )

    # --- after the listings: stored articles no listing showed ---------------------------------

    def spider_idle(self) -> None:
        """Once the listings are walked, fetch stored articles that no listing showed but that
        are due a look (full mode over whole boards: all; incremental: recent ones). One that
        now answers 404/410 is marked gone; nothing is deleted."""
        if self.idle_pass_done or run_blocked(self.crawler):
            return
        self.idle_pass_done = True
        whole_walk = self.whole_walk
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
            return
        self.logger.info("Checking %d stored article(s) that no listing showed", len(requests))
        self.crawler.stats.inc_value("newszone/article/unlisted_checked", len(requests))
        for request in requests:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def _drift(self, conformance: Conformance | None, url: str,
               partial_links: bool = False) -> str:
        """Count the page's mandatory contract elements that are not ok
        (``newszone/conformance/<element>``, named in the run's status); their names for the log.
        The check ran with the page's extraction (``extract.Conformance``)."""
        if conformance is None:  # not expected: every layout error of the extraction has one
            conformance = Conformance(error="no conformance check came with the page")
        if conformance.error is not None:  # the check must not hide the page's own failure
            self.crawler.stats.inc_value("newszone/conformance_error")
            self.logger.warning("Could not check %s against the template (%s)", url,
                                conformance.error)
            return ""
        bad = [e for e in conformance.elements if e.mandatory and e.status != "ok"
               and not (partial_links and e.name == "listing.links" and e.status == "unexpected")]
        for element in bad:
            self.crawler.stats.inc_value(f"{DRIFT_STATS}{element.name}")
        return "".join(f"; {e.name} {e.status} ({e.evidence})" for e in bad)

    def listing_failed(self, failure: Failure):
        """A listing page could not be fetched: counted (the run summary fails the run); the
        walk goes on towards the last page the paging blocks named, if any."""
        self.crawler.stats.inc_value("newszone/listing/failed")
        request = failure.request
        self.logger.error("Listing page failed: %s (%s)", request.url, failure.getErrorMessage())
        board_key = request.cb_kwargs.get("board_key", "")
        walk = self.walks.get(board_key)
        if walk is None:
            return
        walk.in_flight = max(0, walk.in_flight - 1)
        yield from self._next_listing_pages(request.url, board_key, walk, walk.claimed_last or 0)

    # --- article -------------------------------------------------------------------------------

    async def parse_article(
        self, response: Response, board_key: str, board_seq: str, board_id: str
    ):
        """Extract an article page into its normalized ``Article`` (``extract.extract``, in
        the extraction pool); a page that is not the article asked for, or that cannot be
        read, is a failure of that article."""
        stats = self.crawler.stats
        try:
            problem = wrong_article(response.url, board_seq, board_id)
            if problem is None:
                done = await self.extraction.extract(
                    response.body,
                    response.headers,
                    response.url,
                    crawled_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                    base_url=self.base_url,
                    board_seq=board_seq,
                    board_id=board_id,
                )
        except PageLayoutError as exc:
            stats.inc_value("newszone/article/layout_error")
            # the template elements it lacks were checked with the extraction, on its tree
            self.logger.error("Article page does not look as expected: %s%s", exc,
                              self._drift(getattr(exc, "conformance", None), response.url))
            yield FetchFailure(id=board_seq, url=response.url, reason=f"layout: {exc}")
            return
        except Exception as exc:  # a page shape nobody foresaw: a failure, never a silent gap
            stats.inc_value("newszone/article/error")
            self.logger.exception("Article page could not be read (%s): %s", describe(exc),
                                  response.url)
            yield FetchFailure(id=board_seq, url=response.url, reason=describe(exc))
            return
        if problem is not None:
            stats.inc_value("newszone/article/wrong_page")
            self.logger.error("Article %s not stored: %s: %s", board_seq, problem, response.url)
            yield FetchFailure(id=board_seq, url=response.url, reason=problem)
            return
        stats.inc_value("newszone/article/parsed")  # read during the run (progress)
        counts = self.counts
        counts[f"newszone/board/{board_key}/articles"] += 1
        for field, outcome in done.outcomes.items():
            counts[f"newszone/normalize/{field}/{outcome}"] += 1
        item = done.record
        capture = response.meta.get("warc") or {}
        item.warc_file = capture.get("warc_file")
        item.warc_record_id = capture.get("warc_record_id")
        item.warc_offset = capture.get("warc_offset")
        yield item  # its photos are fetched for the WARC by files.PhotoCapturePipeline

    def article_failed(self, failure: Failure):
        """An article could not be fetched: counted and logged; the run is then incomplete.

        A stored article that answers 404 or 410 is not a failure: it is gone from the site,
        and the archive marks it so (keeping everything it stored)."""
        request = failure.request
        seq = request.cb_kwargs.get("board_seq")
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
