"""``scrapy crawl`` with one fault planted in the crawler's own code, for the tests of the run
ledger: ``python tests/patched_crawl.py PATCH:ID crawl newszone ...``.

PATCH is one of ``parse_raises`` (the article parser raises for article ID),
``pipeline_raises`` (the record pipeline raises for ID), ``lose_request`` (the request
for ID is made, then never handed to Scrapy: lost on the way) and ``failures_locked:SECONDS``
(every write of failures to the archive waits SECONDS, then fails as locked). The crawler must turn each into
a recorded failure with a non-zero exit; nothing here is imported by the package. The faults of
the machine in ``LOCAL_FAULTS`` (a full or read-only disk, a lock file the run may not open)
take no ID. The planted fault lives in this process only, so the crawl extracts pages here
(``NEWSZONE_EXTRACT_WORKERS=0``), not in worker processes.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's package


def plant(patch: str) -> None:
    kind, _, target = patch.partition(":")
    from newszone_crawler import extract, pipelines
    from newszone_crawler.spiders import newszone

    if kind == "parse_raises":
        original = extract.parse_article

        def parse_article(html, url):  # type: ignore[no-untyped-def]
            if f"boardSeq={target}" in url:
                raise RuntimeError(f"planted parser fault for {target}")
            return original(html, url)

        extract.parse_article = parse_article
    elif kind == "pipeline_raises":
        original_step = pipelines.RecordPipeline.process_item

        def process_item(self, item):  # type: ignore[no-untyped-def]
            if getattr(item, "id", None) == target:
                raise KeyError(f"planted pipeline fault for {target}")
            return original_step(self, item)

        pipelines.RecordPipeline.process_item = process_item
    elif kind == "lose_request":
        original_request = newszone.NewsZoneSpider._article_request

        def _article_request(self, url, board_key, board_seq, board_id, **meta):  # type: ignore[no-untyped-def]
            request = original_request(self, url, board_key, board_seq, board_id, **meta)
            return None if board_seq == target else request

        newszone.NewsZoneSpider._article_request = _article_request
    elif kind == "failures_locked":
        # the archive refuses every write of failures, slowly (another program's lock held
        # past the busy timeout): they must be counted and logged as not recorded at the close
        import sqlite3
        import time

        from newszone_crawler.exporters import sqlite_store

        def record_failures(self, run_id, failures, now):  # type: ignore[no-untyped-def]
            time.sleep(float(target or 1))
            raise sqlite3.OperationalError("database is locked")

        sqlite_store.ArchiveStore.record_failures = record_failures
    elif kind in LOCAL_FAULTS:
        LOCAL_FAULTS[kind]()
    else:
        raise SystemExit(f"unknown patch {patch!r}")


# -- faults of the machine, not of the site (tests/test_local_faults.py) ---------------------------


def _lock_denied() -> None:
    """The lock file cannot be opened: PermissionError, as for a folder the run may not write."""
    import errno
    import os
    import types

    from newszone_crawler import runlock

    def denied(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    runlock.os = types.SimpleNamespace(**{**vars(os), "open": denied})  # type: ignore[assignment]


def _warc_readonly() -> None:
    """The WARC folder is on a read-only file system: no WARC file can be created."""
    import errno

    from newszone_crawler.exporters import warc

    def read_only(path, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        if "r" in mode and "+" not in mode:
            return open(path, mode, *args, **kwargs)  # reading still works
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    warc.open = read_only  # type: ignore[attr-defined]


def _warc_full() -> None:
    """The disk fills up once a WARC file holds a few records: every later write fails."""
    import errno
    import io

    from newszone_crawler.exporters import warc

    class Filling(io.FileIO):
        writes = 0

        def write(self, data):  # type: ignore[no-untyped-def]
            Filling.writes += 1
            if Filling.writes > 3:
                raise OSError(errno.ENOSPC, "No space left on device")
            return super().write(data)

    def filling(path, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        if "r" in mode and "+" not in mode:
            return open(path, mode, *args, **kwargs)  # reading still works
        return Filling(path, mode.replace("b", ""))

    warc.open = filling  # type: ignore[attr-defined]


def _files_full() -> None:
    """The disk is full for attachment files."""
    import errno

    from newszone_crawler.files import AtomicFSFilesStore

    def persist_file(self, path, buf, info, *args):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device", str(self.resolve(path)))

    AtomicFSFilesStore.persist_file = persist_file  # type: ignore[method-assign]


def _db_full() -> None:
    """The disk is full for the archive: SQLite refuses every batch."""
    import sqlite3

    from newszone_crawler.exporters.sqlite_store import ArchiveStore

    def store(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise sqlite3.OperationalError("database or disk is full")

    ArchiveStore.store = store  # type: ignore[method-assign]


def _db_readonly() -> None:
    """The archive is read-only: SQLite refuses the run's first write."""
    import sqlite3

    from newszone_crawler.exporters.sqlite_store import ArchiveStore

    def start_run(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise sqlite3.OperationalError("attempt to write a readonly database")

    ArchiveStore.start_run = start_run  # type: ignore[method-assign]


LOCAL_FAULTS = {"lock_denied": _lock_denied, "warc_readonly": _warc_readonly,
                "warc_full": _warc_full, "files_full": _files_full, "db_full": _db_full,
                "db_readonly": _db_readonly}


if __name__ == "__main__":
    plant(sys.argv[1])
    from scrapy.cmdline import execute

    execute(["scrapy", *sys.argv[2:], "-s", "NEWSZONE_EXTRACT_WORKERS=0"])
