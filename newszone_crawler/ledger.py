"""The run's ledger: every article a run requested ends it with an outcome.

The rule the crawl keeps, in this one place: an article the run asked for ends the run as

* ``stored`` -- its record passed every pipeline (new or changed: written to the archive and
  the run's JSON lines);
* ``settled`` -- nothing new to write (unchanged, a duplicate within the run, gone from the
  site);
* ``failed`` -- with a reason, kept in the archive's ``failures`` table, so the run is not
  complete and the next run fetches the article again.

Anything else is a bug: an article still open when the spider closes is failed by the ledger
itself (``no outcome: ...``), counted under ``newszone/ledger/unaccounted``, named in the run
summary, and the run exits non-zero. Exceptions anywhere on an article's way -- the spider's
callback, a pipeline, the store -- arrive here as failures through Scrapy's own signals
(``spider_error``, ``item_error``, ``item_dropped``), never as a silent gap.

:class:`Ledger` is the pure book-keeping; :class:`RunLedger` wires it to the crawl's signals
and hands each failure to the archive through the :data:`~.signals.articles_failed` signal.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from .items import Article, FetchFailure, GoneNotice
from .signals import articles_failed

logger = logging.getLogger(__name__)

OUTCOMES = ("stored", "settled", "failed")


class Settled(DropItem):
    """Dropped with nothing to write (unchanged, duplicate, gone): an outcome, not a failure."""


class Rejected(DropItem):
    """Dropped as a failure of the article; the message is the reason kept in ``failures``."""


@dataclass
class Ledger:
    """Which articles a run asked for, and what became of each.

    >>> ledger = Ledger()
    >>> ledger.expect("O_1", "http://h/a?boardSeq=O_1"); ledger.expect("O_2", "http://h/b")
    >>> ledger.settle("O_1", "stored")
    True
    >>> ledger.settle("O_1", "failed", "late error")  # the first outcome stands
    False
    >>> ledger.open_ids(), ledger.counts["stored"]
    (['O_2'], 1)
    >>> ledger.close("the spider closed")
    [('O_2', 'http://h/b', 'no outcome: the spider closed')]
    """

    expected: dict[str, str] = field(default_factory=dict)
    """Article id -> URL of every article requested and not yet settled."""
    outcomes: dict[str, str] = field(default_factory=dict)
    """Article id -> its outcome, once it has one."""
    counts: Counter[str] = field(default_factory=Counter)

    def expect(self, article_id: str, url: str) -> None:
        """An article was requested: it now owes the run an outcome."""
        if article_id not in self.outcomes:
            self.expected[article_id] = url

    def settle(self, article_id: str, outcome: str, reason: str | None = None) -> bool:
        """Record an article's outcome; False when it had one already (the first stands)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        if article_id in self.outcomes:
            return False
        self.expected.pop(article_id, None)
        self.outcomes[article_id] = outcome
        self.counts[outcome] += 1
        return True

    def url_of(self, article_id: str, default: str = "") -> str:
        return self.expected.get(article_id) or default

    def open_ids(self) -> list[str]:
        """The articles still owing an outcome, sorted."""
        return sorted(self.expected)

    def close(self, why: str) -> list[tuple[str, str, str]]:
        """Fail every article still open; return ``(id, url, reason)`` of each."""
        failed = [(seq, self.expected[seq], f"no outcome: {why}") for seq in self.open_ids()]
        for seq, _, _ in failed:
            self.settle(seq, "failed")
        return failed


def describe(exc: BaseException) -> str:
    """A one-line reason for an unexpected exception.

    >>> describe(ValueError("Invalid IPv6 URL"))
    'error: ValueError: Invalid IPv6 URL'
    """
    text = " ".join(str(exc).split())[:300]
    return f"error: {type(exc).__name__}: {text}" if text else f"error: {type(exc).__name__}"


def _article_id(item: Any) -> str | None:
    if isinstance(item, (Article, FetchFailure, GoneNotice)):
        return item.id
    return None


class RunLedger:
    """The crawl's :class:`Ledger`: the spider calls :meth:`expect` for every article request;
    the outcomes come from Scrapy's item and error signals. Failures are counted
    (``newszone/ledger/failed``), logged, and sent to the archive (``articles_failed``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ledger = Ledger()
        connect = crawler.signals.connect
        connect(self.item_scraped, signal=signals.item_scraped)
        connect(self.item_dropped, signal=signals.item_dropped)
        connect(self.item_error, signal=signals.item_error)
        connect(self.spider_error, signal=signals.spider_error)
        connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunLedger:
        return cls(crawler)

    # -- what the spider says ------------------------------------------------------------------

    def expect(self, article_id: str, url: str) -> None:
        self.ledger.expect(article_id, url)

    # -- outcomes ------------------------------------------------------------------------------

    def _settle(self, article_id: str | None, outcome: str) -> None:
        if article_id and self.ledger.settle(article_id, outcome):
            self.crawler.stats.inc_value(f"newszone/ledger/{outcome}")

    def fail(self, article_id: str | None, url: str | None, reason: str) -> None:
        """An article failed: counted, and kept in the archive's ``failures`` with ``reason``."""
        if not article_id:
            return
        url = self.ledger.url_of(article_id, url or "")
        if not self.ledger.settle(article_id, "failed"):
            return
        self.crawler.stats.inc_value("newszone/ledger/failed")
        self._send([(article_id, url, reason)])

    def _send(self, failures: list[tuple[str, str, str]]) -> None:
        self.crawler.signals.send_catch_log(articles_failed, failures=failures)

    def item_scraped(self, item: Any) -> None:
        if isinstance(item, Article):  # an unchanged record reaches the -o/-O feeds, settled
            self._settle(item.id, "settled" if item.outcome == "unchanged" else "stored")

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        article_id = _article_id(item)
        if isinstance(exception, Settled):
            self._settle(article_id, "settled")
        elif isinstance(exception, Rejected) or isinstance(item, (Article, FetchFailure)):
            reason = item.reason if isinstance(item, FetchFailure) else str(exception)
            self.fail(article_id, getattr(item, "url", None), reason)
        elif isinstance(item, GoneNotice):
            self._settle(article_id, "settled")

    def item_error(self, item: Any, failure: Any) -> None:
        self.crawler.stats.inc_value("newszone/article/error")
        self.fail(_article_id(item), getattr(item, "url", None), describe(failure.value))

    def spider_error(self, failure: Any, response: Any) -> None:
        request = getattr(response, "request", None)
        article_id = (getattr(request, "cb_kwargs", None) or {}).get("board_seq")
        if article_id:
            self.crawler.stats.inc_value("newszone/article/error")
            self.fail(article_id, request.url, describe(failure.value))

    def spider_closed(self, reason: str) -> None:
        """Fail what is still open: a request lost on the way (a bug), or a run cut short."""
        open_ids = self.ledger.open_ids()
        if not open_ids:
            return
        why = (
            "the request got neither a response nor an error"
            if reason == "finished"
            else f"the run ended early ({reason}) before it was fetched"
        )
        failures = self.ledger.close(why)
        stats = self.crawler.stats
        stats.inc_value("newszone/ledger/failed", len(failures))
        # lost on a finished run is a bug; not fetched on a run cut short is that run's failure
        kind = "unaccounted" if reason == "finished" else "not_fetched"
        stats.inc_value(f"newszone/ledger/{kind}", len(failures))
        shown = ", ".join(open_ids[:10]) + (" ..." if len(open_ids) > 10 else "")
        logger.error("%d article(s) ended the run with no outcome (%s): %s",
                     len(failures), why, shown)
        self._send(failures)
