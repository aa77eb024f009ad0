"""The run's archive, one object per crawler (:func:`archive_of`): the run lock, the
:class:`~newszone_crawler.exporters.sqlite_store.ArchiveStore`, what the crawl needs from it
(read once at the start: the spider's :class:`CrawlState`, the files pipeline's known files)
and the one thread that touches the SQLite connection.

Every access to the archive during a run goes through that thread, in the order asked:
:meth:`Archive.call` hands a function of the store to the thread and gives a ``Deferred`` that
fires on the reactor thread once it returned (or raised), :meth:`Archive.call_now` waits for
it (start-up and close only). Whether the run may touch the archive and its outputs is
:attr:`Archive.blocked` (another run holds the lock, the archive is unusable, or the spider's
arguments are); the stats only carry it out to the run summary.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from .exporters.sqlite_store import ArchiveError, ArchiveStore, CrawlState, archive_error
from .runlock import USAGE_ERROR_STAT, LockFileError, RunLock

__all__ = ["Archive", "archive_of"]

logger = logging.getLogger(__name__)
T = TypeVar("T")

_ATTRIBUTE = "_newszone_archive"


def archive_of(crawler: Crawler) -> Archive:
    """The crawler's :class:`Archive`, made on the first call."""
    archive = getattr(crawler, _ATTRIBUTE, None)
    if archive is None:
        archive = Archive(crawler)
        setattr(crawler, _ATTRIBUTE, archive)
    return archive


class Archive:
    """The archive of one run (``NEWSZONE_DB``); :meth:`open` takes the lock and reads it."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.path: str | None = settings.get("NEWSZONE_DB") or None
        self.busy_timeout_ms = int(settings.getfloat("NEWSZONE_DB_BUSY_TIMEOUT") * 1000)
        self.lock = RunLock(f"{self.path}.lock") if self.path else None
        self.store: ArchiveStore | None = None
        """The open store (None: no archive, or not usable); used on the writer thread only."""
        self.state = CrawlState({}, set())
        """What the spider needs (read at :meth:`open`)."""
        self.known_files: list[dict[str, Any]] = []
        """The stored attachments with a download (``ArchiveStore.downloads``), read at
        :meth:`open` for the files pipeline."""
        self.locked: str | None = None
        self.error: ArchiveError | None = None
        self._opened = False
        self._thread: ThreadPoolExecutor | None = None
        crawler.signals.connect(self.close, signal=signals.engine_stopped)

    # -- state of the run ------------------------------------------------------------------

    @property
    def usage_error(self) -> str | None:
        return getattr(self.crawler.spider, "usage_error", None)

    @property
    def blocked(self) -> str | None:
        """Why this run must not touch the archive or its outputs, or None."""
        if self.usage_error:
            return str(self.usage_error)
        return self.locked or (str(self.error) if self.error is not None else None)

    # -- start -----------------------------------------------------------------------------

    def open(self) -> bool:
        """Take the run lock, open and check the archive and read what the crawl needs from
        it, once (later calls answer the same). False when there is no usable archive."""
        if self._opened:
            return self.store is not None
        self._opened = True
        if self.usage_error:  # the spider will not crawl: the archive and its lock are untouched
            self.crawler.stats.set_value(USAGE_ERROR_STAT, self.usage_error)
            return False
        if self.lock is None:
            return False
        try:
            acquired = self.lock.acquire()
        except LockFileError as error:
            self.fail(ArchiveError(str(error), "failed"))
            return False
        if not acquired:
            holder = self.lock.holder() or {}
            self.locked = (
                f"another run (pid {holder.get('pid', '?')}, started "
                f"{holder.get('started_at', '?')}) holds {self.lock.path}"
            )
            self.crawler.stats.set_value("newszone/locked", self.locked)  # for the summary
            return False
        if self.lock.stale:
            logger.warning("Took over the lock left by an earlier run: %s", self.lock.stale)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="newszone-archive")
        try:
            self.store = self._thread.submit(self._open).result()
        except ArchiveError as error:
            self.fail(error)
            return False
        return True

    def _open(self) -> ArchiveStore:
        """On the writer thread: the checked store, the crawl state and the known files."""
        assert self.path is not None
        store = ArchiveStore.open_checked(self.path, self.busy_timeout_ms)
        try:
            self.state = store.crawl_state(getattr(self.crawler.spider, "run_id", None))
            self.known_files = store.downloads()
        except sqlite3.Error as error:
            store.close()
            raise archive_error(self.path, error) from error
        except BaseException:
            store.close()
            raise
        return store

    def fail(self, error: ArchiveError) -> None:
        """Stop the run on an archive it cannot use: nothing more is written, the store is
        closed and the lock freed; the stats carry the error to the run summary."""
        self.error = error
        stats = self.crawler.stats
        stats.set_value("newszone/archive_error", str(error))
        stats.set_value("newszone/archive_error/status", error.status)
        logger.error("Not using the archive: %s", error)
        self.close()

    # -- the writer thread -----------------------------------------------------------------

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> Deferred[T]:
        """Run ``function(*args, **kwargs)`` on the archive's thread after everything asked
        before; the ``Deferred`` fires on the reactor thread with its result or failure."""
        from twisted.internet import reactor

        if self._thread is None:
            raise RuntimeError("the archive is not open")
        done: Deferred[T] = Deferred()

        def fire(future: Future[T]) -> None:
            error = future.exception()
            if error is not None:
                done.errback(Failure(error, type(error), error.__traceback__))
            else:
                done.callback(future.result())

        future = self._thread.submit(function, *args, **kwargs)
        future.add_done_callback(lambda f: reactor.callFromThread(fire, f))  # type: ignore[attr-defined]
        return done

    def call_now(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``function`` on the archive's thread (after everything asked before) and wait
        for it: for the start and the close of a run only."""
        if self._thread is None:
            raise RuntimeError("the archive is not open")
        return self._thread.submit(function, *args, **kwargs).result()

    def close(self) -> None:
        """Wait for the thread's work, close the store, free the lock (once)."""
        thread, self._thread = self._thread, None
        store, self.store = self.store, None
        if thread is not None:
            if store is not None:
                try:
                    thread.submit(store.close).result()
                except sqlite3.Error as error:
                    logger.error("Could not close the archive %s: %s", self.path, error)
            thread.shutdown(wait=True)
        if self.lock is not None:
            self.lock.release()
