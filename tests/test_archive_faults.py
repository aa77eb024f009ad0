"""The archive under contention and damage, in real crawls of the demo site: another program
holding the SQLite write lock mid-crawl or at start-up, a damaged archive, a file that is not
SQLite, a run row left by a killed run."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

from newszone_crawler.exporters.sqlite_store import KILLED_REASON, ArchiveStore

from .conftest import CrawlResult, run_crawl
from .test_sqlite_store import damage_index_page

LEAN = ("-s", "NEWSZONE_FILES_ENABLED=0", "-s", "NEWSZONE_WARC_ENABLED=0")
UNUSABLE = "is not a usable SQLite archive"
REBUILD = "restore it from a backup or rebuild it with `python -m newszone_crawler rebuild`"


class LockHolder(threading.Thread):
    """Another program (a backup, a Datasette user): once the archive holds ``after_rows``
    articles it takes the write lock (``BEGIN IMMEDIATE``), holds it ``seconds``, commits."""

    def __init__(self, path: Path, after_rows: int, seconds: float) -> None:
        super().__init__(daemon=True)
        self.path, self.after_rows, self.seconds = path, after_rows, seconds
        self.rows_at_lock: int | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + 240
        while not self.stop.is_set() and time.monotonic() < deadline:
            rows = self._rows()
            if rows is not None and rows >= self.after_rows:
                break
            time.sleep(0.02)
        else:
            return
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=60)
        try:
            conn.execute("BEGIN IMMEDIATE")
            self.rows_at_lock = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            self.stop.wait(self.seconds)
            conn.execute("COMMIT")
        finally:
            conn.close()

    def _rows(self) -> int | None:
        if not self.path.exists():
            return None
        try:
            conn = sqlite3.connect(self.path, timeout=1)
            try:
                return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
            finally:
                conn.close()
        except sqlite3.OperationalError:  # not created yet, or briefly busy
            return None


def crawl_with_holder(tmp_path: Path, holder: LockHolder, *args: str) -> CrawlResult:
    holder.start()
    try:
        return run_crawl(tmp_path, *args)
    finally:
        holder.stop.set()
        holder.join(timeout=30)


def archived_ids(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return sorted(row[0] for row in conn.execute("SELECT id FROM articles"))
    finally:
        conn.close()


def status_lines(result: CrawlResult) -> list[str]:
    return [line for line in result.log.splitlines() if "Run status:" in line]


def test_a_lock_held_mid_crawl_delays_but_loses_nothing(tmp_path: Path) -> None:
    """Before: a deferred transaction got 'database is locked' at once, and every batch
    written while the lock was held failed (and still reached the JSON lines)."""
    db = tmp_path / "newszone.sqlite"
    holder = LockHolder(db, after_rows=40, seconds=3)
    result = crawl_with_holder(
        tmp_path, holder, "-a", "demo=1", "-a", "demo_articles=300",
        "-s", "NEWSZONE_DB_BATCH=20", *LEAN,
    )  # fmt: skip
    assert holder.rows_at_lock is not None and holder.rows_at_lock < 300  # it held mid-crawl
    assert result.stat("newszone/store/failed") == 0
    assert result.returncode == 0, status_lines(result)
    assert len(archived_ids(db)) == 300
    assert sorted(r["id"] for r in result.records) == archived_ids(db)


def test_a_lock_past_the_busy_timeout_keeps_the_jsonl_to_what_was_committed(
    tmp_path: Path,
) -> None:
    """Before: records of a failed batch were in the JSON lines but not in the archive, so the
    rerun put them in a second JSON lines file."""
    db = tmp_path / "newszone.sqlite"
    holder = LockHolder(db, after_rows=40, seconds=4)
    result = crawl_with_holder(
        tmp_path, holder, "-a", "demo=1", "-a", "demo_articles=300",
        "-s", "NEWSZONE_DB_BATCH=20", "-s", "NEWSZONE_DB_BUSY_TIMEOUT=0.3", *LEAN,
    )  # fmt: skip
    assert holder.rows_at_lock is not None
    failed = result.stat("newszone/store/failed")
    assert failed > 0
    assert result.returncode == 2, status_lines(result)
    assert f"{failed} record(s) could not be stored" in status_lines(result)[0]
    assert sorted(r["id"] for r in result.records) == archived_ids(db)
    assert len(result.lines) == 300 - failed
    assert "Traceback" not in result.log


def test_a_lock_held_at_start_up_stops_the_run_as_busy(tmp_path: Path) -> None:
    db = tmp_path / "newszone.sqlite"
    store = ArchiveStore.open(db)
    store.close()
    holder = LockHolder(db, after_rows=0, seconds=60)
    holder.start()
    while holder.rows_at_lock is None:  # the lock is taken before the crawl starts
        time.sleep(0.02)
    try:
        result = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=30",
                           "-s", "NEWSZONE_DB_BUSY_TIMEOUT=0.5", *LEAN)  # fmt: skip
    finally:
        holder.stop.set()
        holder.join(timeout=30)
    assert result.returncode == 75
    assert [line.split("Run status: ")[1] for line in status_lines(result)] == [
        f"LOCKED: busy: another program holds a write lock on {db}; retry later"
    ]
    assert "the site could not be reached" not in result.log
    assert "Traceback" not in result.log
    assert result.lines == []
    assert archived_ids(db) == []
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    conn.close()


def test_a_damaged_archive_is_detected_and_left_alone(tmp_path: Path) -> None:
    """Before: the damaged index went unnoticed; the run wrote 60 more rows and said ok."""
    db = tmp_path / "newszone.sqlite"
    first = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=120", *LEAN, out="a.jsonl")
    assert first.returncode == 0 and len(first.lines) == 120
    damage_index_page(db)
    before = db.read_bytes()
    result = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=180", *LEAN)
    assert result.returncode == 1
    [line] = status_lines(result)
    assert f"Run status: FAILED: {db} {UNUSABLE} (quick_check: " in line
    assert line.endswith(REBUILD)
    assert "Traceback" not in result.log
    assert result.lines == []
    assert db.read_bytes() == before
    assert result.stat("downloader/request_count") == 0


def test_a_text_file_as_archive_ends_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "newszone.sqlite"
    db.write_text("this is a note, not a database\n" * 50)
    result = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=30")  # files, WARC on
    assert result.returncode == 1
    assert [line.split("Run status: ")[1] for line in status_lines(result)] == [
        f"FAILED: {db} {UNUSABLE} (file is not a database): {REBUILD}"
    ]
    assert "Traceback" not in result.log
    assert result.lines == []
    assert db.read_text() == "this is a note, not a database\n" * 50


def test_a_killed_runs_row_is_marked_at_the_next_start(tmp_path: Path) -> None:
    db = tmp_path / "newszone.sqlite"
    store = ArchiveStore.open(db)
    store.start_run("2026-01-01T00-00-00.000000Z", "full", "2026-01-01T00:00:00Z", ["O_47261"])
    store.close()  # killed: never finished
    result = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=30", *LEAN)
    assert result.returncode == 0, status_lines(result)
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT id, status, reasons FROM runs ORDER BY started_at").fetchall()
    conn.close()
    assert [(status, reasons) for _, status, reasons in rows] == [
        ("killed", json.dumps([KILLED_REASON])),
        ("ok", "[]"),
    ]
    assert "Marked 1 earlier run(s) that never finished as killed" in result.log
