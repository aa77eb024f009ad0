"""Progress while work goes on: a periodic line in the crawl's log, and a one-line bar on a
terminal for ``python -m newszone_crawler rebuild`` and ``export``.

The crawl's line replaces Scrapy's ``LogStats`` (same final ``responses_per_minute`` and
``items_per_minute`` stats): every ``NEWSZONE_PROGRESS_INTERVAL`` seconds when the log goes to a
terminal, every ``NEWSZONE_PROGRESS_QUIET_INTERVAL`` seconds otherwise (cron, a log file). The
articles still expected come from the ``Total N posts`` each board's first listing page shows.

The bar is drawn on stderr only when stderr is a terminal, so scheduled runs stay quiet. It is a
few lines of our own: tqdm would be one more dependency for one line of text.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.extensions.logstats import LogStats
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import create_looping_call

logger = logging.getLogger(__name__)

ROWS_PER_PAGE = 10  # articles a listing page shows (as the spider's ROWS_PER_PAGE)

# Article outcomes that end an article request, for the "done" count.
_DONE_KEYS = (
    "newszone/article/parsed",
    "newszone/article/failed",
    "newszone/article/layout_error",
    "newszone/article/wrong_page",
    "newszone/article/error",
    "newszone/article/gone",
)


def duration(seconds: float) -> str:
    """A short human duration.

    >>> duration(7), duration(125), duration(3 * 3600 + 65)
    ('7s', '2m05s', '3h01m')
    """
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def expected_articles(stats: Mapping[str, Any], max_pages: int | None = None) -> int | None:
    """The articles the run expects to fetch, from the listing totals the spider has read:
    per board its ``Total`` (capped at ``max_pages`` pages), less the articles it found
    already stored, plus the stored articles a full run re-checks; ``None`` before any total.
    An incremental run usually stops paging sooner, so this is an upper bound.

    >>> expected_articles({"newszone/board/recent/total": 90, "newszone/board/photo/total": 30,
    ...                    "newszone/board/recent/known": 20})
    100
    >>> expected_articles({"newszone/board/recent/total": 900}, max_pages=2)
    20
    >>> expected_articles({}) is None
    True
    """
    found = False
    expected = stats.get("newszone/article/unlisted_checked", 0)
    for key, total in stats.items():
        if not (key.startswith("newszone/board/") and key.endswith("/total")):
            continue
        found = True
        board = key[len("newszone/board/"):-len("/total")]
        if max_pages:
            total = min(total, max_pages * ROWS_PER_PAGE)
        expected += max(0, total - stats.get(f"newszone/board/{board}/known", 0))
    return expected if found else None


def crawl_progress(
    stats: Mapping[str, Any], elapsed: float, max_pages: int | None = None
) -> str:
    """The crawl's progress line: listing pages, articles done of expected, rate, time left.

    >>> stats = {"newszone/listing/pages": 12, "newszone/board/recent/total": 3000,
    ...          "newszone/article/parsed": 590, "newszone/article/failed": 10,
    ...          "downloader/request_count": 812}
    >>> crawl_progress(stats, 60.0)
    'Progress: 12 listing pages, 600/3000 articles (20%), 10.0 articles/s, about 4m00s left; 812 requests'
    >>> crawl_progress({"downloader/request_count": 2}, 5.0)
    'Progress: 0 listing pages, 0 articles, 0.0 articles/s; 2 requests'
    """
    pages = stats.get("newszone/listing/pages", 0)
    done = sum(stats.get(key, 0) for key in _DONE_KEYS)
    rate = done / elapsed if elapsed > 0 else 0.0
    expected = expected_articles(stats, max_pages)
    if expected is None:
        articles = f"{done} articles, {rate:.1f} articles/s"
    else:
        expected = max(expected, done)  # articles published meanwhile
        share = done / expected if expected else 1.0
        articles = f"{done}/{expected} articles ({share:.0%}), {rate:.1f} articles/s"
        if rate > 0 and expected > done:
            articles += f", about {duration((expected - done) / rate)} left"
    requests = stats.get("downloader/request_count", 0)
    return f"Progress: {pages} listing pages, {articles}; {requests} requests"


def log_goes_to_terminal(settings: BaseSettings, stream: TextIO | None = None) -> bool:
    """Whether Scrapy's log reaches a terminal: it is on, not in a file, and stderr is a tty."""
    if not settings.getbool("LOG_ENABLED", True) or settings.get("LOG_FILE"):
        return False
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def progress_interval(settings: BaseSettings, terminal: bool) -> float:
    """Seconds between the crawl's progress lines (0: none).

    >>> from scrapy.settings import Settings
    >>> s = Settings({"NEWSZONE_PROGRESS_INTERVAL": 5, "NEWSZONE_PROGRESS_QUIET_INTERVAL": 60})
    >>> progress_interval(s, True), progress_interval(s, False)
    (5.0, 60.0)
    """
    name = "NEWSZONE_PROGRESS_INTERVAL" if terminal else "NEWSZONE_PROGRESS_QUIET_INTERVAL"
    return max(0.0, settings.getfloat(name))


class CrawlProgress(LogStats):
    """Scrapy's ``LogStats``, logging the crawl's own progress line instead of its own."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        assert crawler.stats is not None
        super().__init__(crawler.stats, interval)
        self.crawler = crawler
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        interval = progress_interval(crawler.settings, log_goes_to_terminal(crawler.settings))
        if not interval:
            raise NotConfigured("no progress interval for this log")
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.pagesprev = self.itemsprev = 0
        self.started = time.monotonic()
        self.task = create_looping_call(self.log, spider)
        self.task.start(self.interval, now=False)  # nothing to say at the start

    def log(self, spider: Spider) -> None:
        self.calculate_stats()
        line = crawl_progress(
            self.stats.get_stats(),
            time.monotonic() - self.started,
            getattr(spider, "max_pages", None),
        )
        logger.info(line, extra={"spider": spider})


def bar_text(label: str, done: int, total: int | None, unit: str, elapsed: float,
             width: int = 24) -> str:
    """One frame of the terminal bar.

    >>> bar_text("rebuild", 250, 1000, "pages", 10.0, width=8)
    'rebuild [##------]  250/1000 pages  25%  about 30s left'
    >>> bar_text("export", 40, None, "articles", 2.0)
    'export 40 articles'
    """
    if not total:
        return f"{label} {done} {unit}"
    share = min(1.0, done / total)
    filled = int(share * width)
    text = f"{label} [{'#' * filled}{'-' * (width - filled)}] {done:>{len(str(total))}}/{total} " \
           f"{unit} {share:>4.0%}"
    if 0 < done < total and elapsed > 0:
        text += f"  about {duration(elapsed * (total - done) / done)} left"
    return text


class ProgressBar:
    """A one-line progress bar on stderr, drawn only when ``enabled`` (by default: when the
    stream is a terminal), redrawn at most every ``every`` seconds."""

    def __init__(
        self,
        label: str,
        total: int | None,
        unit: str,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        every: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.every, self.clock = every, clock
        self.started = self.drawn = clock()
        self.done = 0
        self.width = 0

    def update(self, done: int, total: int | None = None) -> None:
        """Set the count done (and the total, when it changed); redraw if it is time."""
        self.done = done
        if total is not None:
            self.total = total
        if self.enabled and self.clock() - self.drawn >= self.every:
            self._draw()

    def advance(self, n: int = 1) -> None:
        self.update(self.done + n)

    def _draw(self) -> None:
        self.drawn = self.clock()
        text = bar_text(self.label, self.done, self.total, self.unit, self.drawn - self.started)
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def close(self) -> None:
        """Draw the last frame and end the line (nothing when the bar is off)."""
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
            self.enabled = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PhaseBars:
    """``progress(phase, done, total)`` callbacks drawn as one bar per phase, in turn."""

    def __init__(self, label: str, units: Mapping[str, str], enabled: bool | None = None,
                 stream: TextIO | None = None) -> None:
        self.label, self.units, self.enabled, self.stream = label, units, enabled, stream
        self.phase: str | None = None
        self.bar: ProgressBar | None = None

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if phase != self.phase or self.bar is None:
            self.close()
            self.phase = phase
            self.bar = ProgressBar(f"{self.label}: {phase}", total, self.units.get(phase, ""),
                                   enabled=self.enabled, stream=self.stream)
        self.bar.update(done, total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
