"""Item pipelines, thin and ordered in ``ITEM_PIPELINES`` with gaps:

* 100 :class:`NormalizePipeline` -- raw values -> clean values (``normalize/``), outcomes
  counted under ``newszone/normalize/<field>/<outcome>``;
* 200 :class:`ValidatePipeline` -- a record missing a required field is dropped with its
  reason, counted under ``newszone/dropped/<reason>`` and named in the run summary;
* 300 :class:`DeduplicatePipeline` -- one record per article id within a run;
* 400 :class:`StorePipeline` -- the cumulative SQLite archive (``exporters/sqlite_store.py``):
  batched writes, ``new``/``changed``/``unchanged`` outcomes, ``gone_at`` for vanished
  articles, failures, the ``runs`` row; unchanged records stay out of the run's JSON lines.
* 900 :class:`NoticesPipeline` -- the spider's notices to the archive (``GoneNotice``,
  ``FetchFailure``) never reach a feed, archive or not.

The knowledge lives in ``normalize/``; these classes only wire it to the crawl and its stats.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured

from .exporters.sqlite_store import ArchiveStore
from .items import Article, FetchFailure, GoneNotice
from .ledger import Rejected, Settled
from .normalize.record import normalize_article
from .runlock import RunLock
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


class NormalizePipeline(_Pipeline):
    """Clean an ``Article``'s raw values in place and count each field's outcome."""

    name = "normalize"

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        for field, outcome in normalize_article(item).items():
            self.count(field, outcome)
        board = item.board or "unknown"
        self.stats.inc_value(f"newszone/health/{board}/records")
        for field in present_fields(item):
            self.stats.inc_value(f"newszone/health/{board}/{field}")
        return item


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


def missing_fields(item: Any, required: list[str]) -> list[str]:
    """The required fields that an item lacks (None, empty string or empty list).

    A photo post (Photo News) may have no text beyond its caption: its photos stand in for
    the body, so ``body`` is only missing when there is no image either.

    >>> missing_fields(Article(id="O_1", title=""), ["id", "title", "body"])
    ['title', 'body']
    >>> missing_fields(Article(id="O_1", title="T", images=[{"url": "u"}]), ["id", "title", "body"])
    []
    """
    adapter = ItemAdapter(item)
    missing = [name for name in required if adapter.get(name) in (None, "", [])]
    if "body" in missing and adapter.get("images"):
        missing.remove("body")
    return missing


class ValidatePipeline(_Pipeline):
    """Drop a record that lacks a required field, counting the reason."""

    name = "validate"

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.required = crawler.settings.getlist("NEWSZONE_REQUIRED_FIELDS")

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        missing = missing_fields(item, self.required)
        if missing:
            for name in missing:
                self.count(name, "missing")
            reason = "missing " + ", ".join(missing)
            self.stats.inc_value("newszone/dropped")
            self.stats.inc_value(f"newszone/dropped/{reason}")
            raise Rejected(f"dropped: {reason}")
        return item


class DeduplicatePipeline(_Pipeline):
    """Let one record per article id through within a run."""

    name = "deduplicate"

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.seen: set[str] = set()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        key = ItemAdapter(item).get("id")
        if key in self.seen:
            self.count("id", "duplicate")
            raise Settled(f"duplicate record for {key}")
        self.seen.add(key)
        self.count("id", "unique")
        return item


def utc_now() -> str:
    """The current UTC time as the archive writes it."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def outcome_of(record_hash: str | None, stored: dict[str, Any] | None) -> str:
    """``new``, ``changed`` or ``unchanged``, by the content hash alone (never the Hit counter).

    >>> outcome_of("a", None), outcome_of("a", {"content_hash": "b"}), outcome_of("a", {"content_hash": "a"})
    ('new', 'changed', 'unchanged')
    """
    if stored is None:
        return "new"
    return "unchanged" if stored.get("content_hash") == record_hash else "changed"


class StorePipeline(_Pipeline):
    """Write records to the cumulative SQLite archive, in batches, one run at a time.

    Takes the archive's run lock when built; a second run while one is going gets no lock,
    stores nothing and ends at once (the spider checks ``newszone/locked``). Each record's
    outcome is decided from the archive's content hashes; unchanged records are dropped at
    DEBUG level so the run's JSON lines file holds only new and changed ones.
    """

    name = "store"

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.path = settings.get("NEWSZONE_DB")
        self.batch_size = settings.getint("NEWSZONE_DB_BATCH")
        self.flush_seconds = settings.getfloat("NEWSZONE_DB_FLUSH_SECONDS")
        self.lock = RunLock(f"{self.path}.lock")
        self.store: ArchiveStore | None = None
        self.batch: list[dict[str, Any]] = []
        self.last_flush = time.monotonic()
        self.hashes: dict[str, dict[str, Any]] = {}
        if not self.lock.acquire():
            holder = self.lock.holder() or {}
            self.stats.set_value(
                "newszone/locked",
                f"another run (pid {holder.get('pid', '?')}, started {holder.get('started_at', '?')}) "
                f"holds {self.lock.path}",
            )
            return
        if self.lock.stale:
            logger.warning("Took over the lock left by an earlier run: %s", self.lock.stale)
        self.store = ArchiveStore.open(self.path)
        self.hashes = self.store.state()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.articles_failed, signal=articles_failed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        if not crawler.settings.get("NEWSZONE_DB"):
            raise NotConfigured("NEWSZONE_DB is empty: no SQLite archive")
        return cls(crawler)

    def open_spider(self) -> None:
        if self.store is None:
            return
        spider = self.crawler.spider
        boards = [b["board_id"] for b in getattr(spider, "boards", {}).values()]
        self.store.start_run(spider.run_id, getattr(spider, "mode", "full"), utc_now(), boards)

    def process_item(self, item: Any) -> Any:
        if self.store is None:
            raise DropItem("the archive is locked by another run")
        if isinstance(item, FetchFailure):
            raise Rejected(item.reason, log_level="DEBUG")  # the ledger records it
        if isinstance(item, GoneNotice):
            self.flush()
            if self.store.mark_gone(item.id, utc_now()):
                self.count("article", "gone")
            raise Settled(f"{item.id} is gone ({item.status})", log_level="DEBUG")
        record = ItemAdapter(item).asdict()
        outcome = outcome_of(record.get("content_hash"), self.hashes.get(record["id"]))
        self.hashes[record["id"]] = {"content_hash": record.get("content_hash")}
        self.batch.append(record)
        self.count("article", outcome)
        if len(self.batch) >= self.batch_size or (
            time.monotonic() - self.last_flush >= self.flush_seconds
        ):
            self.flush()
        if outcome == "unchanged":
            raise Settled(f"{record['id']} unchanged", log_level="DEBUG")
        return item

    def flush(self) -> None:
        """Write the batch in one transaction; on failure nothing of it is stored (and nothing
        stored before is touched): the records are counted as failed and the run incomplete."""
        self.last_flush = time.monotonic()
        if not self.batch or self.store is None:
            return
        batch, self.batch = self.batch, []
        try:
            self.store.store(batch, run_id=self.crawler.spider.run_id, now=utc_now())
        except Exception:
            self.stats.inc_value("newszone/store/failed", len(batch))
            for record in batch:
                self.hashes.pop(record["id"], None)
            logger.exception("Could not store %d record(s); the archive is unchanged", len(batch))
        else:
            self.stats.inc_value("newszone/store/batches")

    def close_spider(self) -> None:
        self.flush()

    def articles_failed(self, failures: list[tuple[str, str, str]]) -> None:
        """Keep the run's failed articles in ``failures`` (the ledger sends them)."""
        if self.store is None or not failures:
            return
        try:
            self.store.record_failures(self.crawler.spider.run_id, failures, utc_now())
        except Exception:
            self.stats.inc_value("newszone/store/failures_not_recorded", len(failures))
            logger.exception("Could not record %d failure(s) in the archive", len(failures))

    def spider_closed(self, spider: Any, reason: str) -> None:
        """After the run summary decided the status: close the ``runs`` row and the archive."""
        if self.store is None:
            return
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
            self.store.finish_run(
                spider.run_id,
                utc_now(),
                counts,
                values.get("newszone/status", "failed"),
                list(values.get("newszone/reasons", [])),
            )
        finally:
            self.store.close()
            self.lock.release()


class NoticesPipeline(_Pipeline):
    """Drop what is not an article (notices for the archive) before the feeds see it."""

    name = "notices"

    def process_item(self, item: Any) -> Any:
        if isinstance(item, FetchFailure):
            raise Rejected(item.reason, log_level="DEBUG")
        if isinstance(item, GoneNotice):
            raise Settled(f"{item.id} is gone ({item.status})", log_level="DEBUG")
        return item
