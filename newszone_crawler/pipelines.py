"""Item pipelines, thin and ordered in ``ITEM_PIPELINES`` with gaps:

* 100 :class:`RecordPipeline` -- the record comes normalized from the spider's extraction
  (``extract.extract``; each field's outcome counted under
  ``newszone/normalize/<field>/<outcome>``); in one step: its key fields counted for the
  extraction health, a record missing a required field dropped with its reason (counted under
  ``newszone/dropped/<reason>`` and named in the run summary), one record per article id
  within a run;
* 400 :class:`StorePipeline` -- the cumulative SQLite archive (``exporters/sqlite_store.py``):
  batched writes, ``new``/``changed``/``unchanged`` outcomes, ``gone_at`` for vanished
  articles, failures, the ``runs`` row; a record goes on to the feeds only once its batch is
  committed, marked with its ``outcome`` (``new``, ``changed``, ``unchanged``): ``-o``/``-O``
  get every record the run fetched, the run's own JSON lines (:class:`NewOrChanged`) only the
  new and changed ones.
* 900 :class:`NoticesPipeline` -- the spider's notices to the archive (``GoneNotice``,
  ``FetchFailure``) never reach a feed, archive or not.

The knowledge lives in ``normalize/``; these classes only wire it to the crawl and its stats.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.extensions.feedexport import ItemFilter
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred, DeferredList
from twisted.python.failure import Failure

from .archive import archive_of
from .exporters.sqlite_store import FEED_KEYS, ArchiveStore, StoreOutcome, archive_error
from .items import Article, FetchFailure, GoneNotice
from .ledger import Rejected, Settled
from .local_faults import note_local_fault, sqlite_local_fault
from .normalize.record import missing_fields
from .signals import articles_failed

logger = logging.getLogger(__name__)


class _Pipeline:
    name = "pipeline"

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    def count(self, field: str, outcome: str) -> None:
        self.stats.inc_value(f"newszone/{self.name}/{field}/{outcome}")


HEALTH_FIELDS = ("title", "published", "body", "authors", "copyright")


def present_fields(item: Article) -> list[str]:
    """The key fields a normalized record carries (a photo post's photos stand in for a body).

    >>> present_fields(Article(title="T", images=[{"url": "u", "caption": None}]))
    ['title', 'body']
    """
    present = {
        "title": bool(item.title),
        "published": bool(item.published),
        "body": bool(item.body) or bool(item.images),
        "authors": bool(item.authors),
        "copyright": bool(item.copyright),
    }
    return [field for field in HEALTH_FIELDS if present[field]]


class RecordPipeline(_Pipeline):
    """One step per record, which the spider's extraction (``extract.extract``) delivers
    normalized: count its key fields for the extraction health
    (``newszone/health/<board>/<field>``), drop it when it lacks a required field (counted
    under ``newszone/validate/<field>/missing`` and ``newszone/dropped/<reason>``), and let one
    record per article id through (``newszone/deduplicate/id/unique|duplicate``).

    The counts are kept here and added to the stats when the spider closes (before the run
    summary reads them): one dictionary update per record instead of a stats call per field.
    """

    name = "record"

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.required = crawler.settings.getlist("NEWSZONE_REQUIRED_FIELDS")
        self.seen: set[str] = set()
        self.counts: Counter[str] = Counter()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        counts = self.counts
        board = item.board or "unknown"
        counts[f"newszone/health/{board}/records"] += 1
        for field in present_fields(item):
            counts[f"newszone/health/{board}/{field}"] += 1
        missing = missing_fields(item, self.required)
        if missing:
            for name in missing:
                counts[f"newszone/validate/{name}/missing"] += 1
            reason = "missing " + ", ".join(missing)
            counts["newszone/dropped"] += 1
            counts[f"newszone/dropped/{reason}"] += 1
            raise Rejected(f"dropped: {reason}")
        key = item.id
        if key in self.seen:
            counts["newszone/deduplicate/id/duplicate"] += 1
            raise Settled(f"duplicate record for {key}")
        self.seen.add(key)
        counts["newszone/deduplicate/id/unique"] += 1
        return item

    def close_spider(self) -> None:
        for key, value in self.counts.items():
            self.stats.inc_value(key, value)
        self.counts.clear()


def utc_now() -> str:
    """The current UTC time as the archive writes it."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class StorePipeline(_Pipeline):
    """Write records to the cumulative SQLite archive, in batches, one run at a time.

    The archive is the crawler's :class:`~newszone_crawler.archive.Archive`: built with the
    pipeline, it takes the run lock, opens and checks the archive and reads what the crawl
    needs; a second run while one is going gets no lock, stores nothing and ends at once, and
    an archive that another program keeps locked, that is not SQLite or that fails its check
    stops the run the same way (``Archive.blocked``; the stats carry it to the summary).

    A record waits in the batch until the batch is committed (on ``NEWSZONE_DB_BATCH``
    records, after ``NEWSZONE_DB_FLUSH_SECONDS``, when the spider is idle, at the close) by
    the archive's writer thread, and only then goes on to the feeds, marked with its
    ``outcome`` (``new``, ``changed`` or ``unchanged``); the run's own JSON lines keep the new
    and changed ones (:class:`NewOrChanged`). When the batch cannot be committed each of its
    records is :class:`Rejected`, so no feed ever holds a record the archive lacks. The
    reactor thread only hands batches over: every archive access of the run (batches, gone
    articles, failures, the ``runs`` row) runs on the writer thread, in order.
    """

    name = "store"

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.path = settings.get("NEWSZONE_DB")
        self.batch_size = max(1, settings.getint("NEWSZONE_DB_BATCH"))
        self.flush_seconds = settings.getfloat("NEWSZONE_DB_FLUSH_SECONDS")
        self.archive = archive_of(crawler)
        self.batch: list[dict[str, Any]] = []
        self.waiting: list[Deferred[StoreOutcome | str]] = []
        self.failed: list[tuple[str, str, str]] = []  # (id, url, reason) not yet written
        self.failures_in_flight: set[Deferred[Any]] = set()  # failure writes not yet done
        self.timer: Any = None
        if not self.archive.open():
            return
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.articles_failed, signal=articles_failed)

    @property
    def store(self) -> ArchiveStore | None:
        """The archive's store (None: not usable); touched on the writer thread only."""
        return self.archive.store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        if not crawler.settings.get("NEWSZONE_DB"):
            raise NotConfigured("NEWSZONE_DB is empty: no SQLite archive")
        return cls(crawler)

    def open_spider(self) -> None:
        store = self.store
        if store is None:
            return
        spider = self.crawler.spider
        # Only a walk of whole boards vouches for them (max_pages, since or start_url stop short).
        whole = getattr(spider, "whole_walk", True)
        boards = [b["board_id"] for b in getattr(spider, "boards", {}).values()] if whole else []
        mode = getattr(spider, "mode", "full")

        def start() -> int:
            killed = store.mark_unfinished_runs(exclude_run=spider.run_id)
            store.start_run(spider.run_id, mode, utc_now(), boards)
            return killed

        try:
            killed = self.archive.call_now(start)
        except sqlite3.Error as error:
            self.archive.fail(archive_error(self.path, error))
            return
        if killed:
            logger.warning("Marked %d earlier run(s) that never finished as killed", killed)

    async def process_item(self, item: Any) -> Any:
        store = self.store
        if store is None:
            raise DropItem("the archive is locked by another run")
        if isinstance(item, FetchFailure):
            raise Rejected(item.reason, log_level="DEBUG")  # the ledger records it
        if isinstance(item, GoneNotice):
            self.flush()
            gone = self.archive.call(store.mark_gone, item.id, utc_now())
            if await maybe_deferred_to_future(gone):
                self.count("article", "gone")
            raise Settled(f"{item.id} is gone ({item.status})", log_level="DEBUG")
        if isinstance(item, Article):
            record = item.to_dict(leave_out=FEED_KEYS)
        else:
            record = {k: v for k, v in ItemAdapter(item).asdict().items() if k not in FEED_KEYS}
        done: Deferred[StoreOutcome | str] = Deferred()
        self.batch.append(record)
        self.waiting.append(done)
        if len(self.batch) >= self.batch_size:
            self.flush()
        elif self.timer is None:
            from twisted.internet import reactor

            self.timer = reactor.callLater(self.flush_seconds, self._timed_flush)
        result = await maybe_deferred_to_future(done)
        if isinstance(result, str):
            raise Rejected(f"store: {result}")
        item.outcome = result.outcome
        return item

    def _timed_flush(self) -> None:
        self.timer = None
        self.flush()

    def spider_idle(self) -> None:
        self.flush()

    def flush(self) -> Deferred[None] | None:
        """Hand the batch to the writer thread, which writes it in one transaction; its
        records go on once it is committed. On failure nothing of it is stored (and nothing
        stored before is touched): each record is rejected with the reason, counted as
        failed, and the run is incomplete. The ``Deferred`` fires once the batch is settled
        (None: nothing to write)."""
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None
        self._write_failures()
        if not self.batch or self.store is None:
            return None
        batch, self.batch = self.batch, []
        waiting, self.waiting = self.waiting, []
        store = self.store
        written = self.archive.call(
            store.store, batch, run_id=self.crawler.spider.run_id, now=utc_now()
        )
        written.addCallbacks(self._stored, self._not_stored, errbackArgs=(len(batch),))
        return written.addBoth(self._settle, waiting)

    def _stored(self, results: list[StoreOutcome]) -> list[StoreOutcome | str]:
        self.stats.inc_value("newszone/store/batches")
        for result in results:
            self.count("article", result.outcome)
        return list(results)

    def _not_stored(self, failure: Failure, size: int) -> list[StoreOutcome | str]:
        error = failure.value
        if isinstance(error, sqlite3.Error):
            fault = sqlite_local_fault(error, self.path)
            if fault:
                note_local_fault(self.stats, fault)
            logger.error("Could not store %d record(s); the archive is unchanged: %s",
                         size, fault or error)
            reason = fault or str(error)
        else:
            logger.error("Could not store %d record(s); the archive is unchanged", size,
                         exc_info=(failure.type, failure.value, failure.getTracebackObject()))
            reason = f"{type(error).__name__}: {error}"
        self.stats.inc_value("newszone/store/failed", size)
        return [reason] * size

    def _settle(
        self, results: list[StoreOutcome | str] | Failure,
        waiting: list[Deferred[StoreOutcome | str]],
    ) -> None:
        """Release the batch's records: each with its outcome, or with the reason it was not
        stored; even a fault in counting them must not leave them waiting (a hung crawl)."""
        if isinstance(results, Failure):
            logger.error("Could not settle %d stored record(s)", len(waiting),
                         exc_info=(results.type, results.value, results.getTracebackObject()))
            self.stats.inc_value("newszone/store/failed", len(waiting))
            results = [f"{results.type.__name__}: {results.value}"] * len(waiting)
        for done, result in zip(waiting, results, strict=True):
            done.callback(result)

    def close_spider(self) -> Deferred[Any] | None:
        """Write what is left, and wait for the failures still being written: one refused
        now goes back to the list the last try (``spider_closed``) writes, counts and logs."""
        flushed = self.flush()
        pending = [*self.failures_in_flight, *([flushed] if flushed is not None else [])]
        return DeferredList(pending) if pending else None

    def articles_failed(self, failures: list[tuple[str, str, str]]) -> None:
        """Keep the run's failed articles for ``failures`` (the ledger sends them); written
        with the next batch, and at the close."""
        if self.store is not None:
            self.failed.extend(failures)

    def _write_failures(self, last_try: bool = False) -> None:
        """Hand the failures waiting to the writer thread; when the archive refuses, they
        wait for the next try (the last one, at the close, counts and logs them)."""
        store = self.store
        if store is None or not self.failed:
            return
        failed, self.failed = self.failed, []
        if last_try:
            try:
                self.archive.call_now(
                    store.record_failures, self.crawler.spider.run_id, failed, utc_now()
                )
            except Exception as error:  # sqlite3.Error mostly
                self._failures_lost(failed, error)
            return

        def again(failure: Failure) -> None:  # sqlite3.Error mostly: the rows wait
            self.failed = failed + self.failed

        written = self.archive.call(
            store.record_failures, self.crawler.spider.run_id, failed, utc_now()
        )
        written.addErrback(again)
        self.failures_in_flight.add(written)
        written.addBoth(self._failures_written, written)

    def _failures_written(self, result: Any, written: Deferred[Any]) -> Any:
        self.failures_in_flight.discard(written)
        return result

    def _failures_lost(self, failed: list[tuple[str, str, str]], error: Exception) -> None:
        self.stats.inc_value("newszone/store/failures_not_recorded", len(failed))
        logger.error("Could not record %d failure(s) in %s (%s): %s", len(failed), self.path,
                     error, ", ".join(sorted({f[0] for f in failed})[:20]))

    def spider_closed(self, spider: Any, reason: str) -> None:
        """After the run summary decided the status: close the ``runs`` row and the archive
        (the writer thread finishes what it was given first)."""
        store = self.store
        if store is None:
            return
        self._write_failures(last_try=True)  # the ledger's last word came just before
        values = self.stats.get_stats()
        counts = {
            "new": values.get("newszone/store/article/new", 0),
            "changed": values.get("newszone/store/article/changed", 0),
            "unchanged": values.get("newszone/store/article/unchanged", 0),
            "failed": values.get("newszone/ledger/failed", 0),
            "gone": values.get("newszone/store/article/gone", 0),
            "pages": values.get("newszone/listing/pages", 0),
            "requests": values.get("downloader/request_count", 0),
        }
        try:
            self.archive.call_now(
                store.finish_run,
                spider.run_id,
                utc_now(),
                counts,
                values.get("newszone/status", "failed"),
                list(values.get("newszone/reasons", [])),
            )
        except sqlite3.Error as error:
            logger.error("Could not close this run's row in %s (%s): the next run marks it "
                         "killed", self.path, error)
        finally:
            self.archive.close()


class NoticesPipeline(_Pipeline):
    """Drop what is not an article (notices for the archive) before the feeds see it."""

    name = "notices"

    def process_item(self, item: Any) -> Any:
        if isinstance(item, FetchFailure):
            raise Rejected(item.reason, log_level="DEBUG")
        if isinstance(item, GoneNotice):
            raise Settled(f"{item.id} is gone ({item.status})", log_level="DEBUG")
        return item


class NewOrChanged(ItemFilter):
    """The feed filter of the run's own JSON lines (``NEWSZONE_JSONL_OPTIONS``): the records
    that are new or changed in this run (or every record when there is no archive to tell);
    ``-o``/``-O`` feeds have no filter and get every record the run fetched.

    >>> keep = NewOrChanged({}).accepts
    >>> [keep(Article(outcome=o)) for o in ("new", "changed", "unchanged", None)]
    [True, True, False, True]
    """

    def accepts(self, item: Any) -> bool:
        return super().accepts(item) and getattr(item, "outcome", None) != "unchanged"
