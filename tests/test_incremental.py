"""Scheduled runs against the demo site: the archive accumulates, incremental runs fetch only
what is new or due, edits keep versions, vanished articles are marked gone, kills lose nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from newszone_crawler.demo_site import DemoSite

from .conftest import ROOT, run_crawl, stat


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_second_run_with_nothing_new_fetches_no_article(tmp_path: Path) -> None:
    first = run_crawl(tmp_path, "-a", "demo=1", out="first.jsonl")
    second = run_crawl(tmp_path, "-a", "demo=1", out="second.jsonl")
    assert (first.returncode, second.returncode) == (0, 0), second.log[-2000:]
    assert len(first.records) == len(DemoSite().all_ids())
    assert stat(second, "newszone/article/parsed") == 0
    assert second.records == []
    pages = {b: stat(second, f"newszone/board/{b}/pages") for b in ("recent", "photo", "press")}
    assert pages == {"recent": 1, "photo": 1, "press": 1}
    assert stat(second, "downloader/request_count") == 4  # robots.txt and one page per board
    db = tmp_path / "newszone.sqlite"
    assert rows(db, "SELECT mode, new, unchanged, status FROM runs ORDER BY started_at") == [
        ("incremental", 150, 0, "ok"), ("incremental", 0, 0, "ok")]


def test_publishing_three_articles_stores_exactly_those(tmp_path: Path) -> None:
    run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=150", out="first.jsonl")
    second = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=153", out="second.jsonl")
    assert second.returncode == 0, second.log[-2000:]
    published = set(DemoSite(153).all_ids()) - set(DemoSite(150).all_ids())
    assert len(published) == 3
    assert sorted(r["id"] for r in second.records) == sorted(published)
    db = tmp_path / "newszone.sqlite"
    ids = [r[0] for r in rows(db, "SELECT id FROM articles")]
    assert len(ids) == len(set(ids)) == 153
    assert set(ids) == set(DemoSite(153).all_ids())


def test_edit_keeps_a_version_and_hit_counter_changes_do_not(tmp_path: Path) -> None:
    site = DemoSite()
    edited = site.truth(140)["id"]
    first = run_crawl(tmp_path, "-a", "demo=1", "-a", "mode=full", out="first.jsonl")
    second = run_crawl(tmp_path, "-a", "demo=1", "-a", "mode=full", "-a", "demo_edits=140:1",
                       out="second.jsonl")
    assert second.returncode == 0, second.log[-2000:]
    # every page was fetched again and every Hit counter moved, yet one article changed
    assert stat(second, "newszone/article/parsed") == len(site.all_ids())
    assert [r["id"] for r in second.records] == [edited]
    db = tmp_path / "newszone.sqlite"
    versions = rows(db, "SELECT article_id, record FROM article_versions")
    assert [v[0] for v in versions] == [edited]
    old_body = next(r["body"] for r in first.records if r["id"] == edited)
    assert old_body in versions[0][1].replace("\\n", "\n")
    assert rows(db, f"SELECT body = ?, changed_at IS NOT NULL FROM articles WHERE id = '{edited}'"
                .replace("?", "'" + second.records[0]["body"].replace("'", "''") + "'")) == [(1, 1)]
    assert rows(db, "SELECT count(*) FROM articles WHERE changed_at IS NOT NULL") == [(1,)]


def test_recent_articles_are_rechecked_in_incremental_mode(tmp_path: Path) -> None:
    run_crawl(tmp_path, "-a", "demo=1", out="first.jsonl")
    # every demo article is "recent" with a long enough window: all are fetched again
    second = run_crawl(tmp_path, "-a", "demo=1", "-a", "recheck_days=100000",
                       "-a", "demo_edits=150:2", out="second.jsonl")
    assert second.returncode == 0
    assert stat(second, "newszone/article/parsed") == len(DemoSite().all_ids())
    assert [r["id"] for r in second.records] == [DemoSite().truth(150)["id"]]


def test_vanished_article_is_marked_gone_and_kept(tmp_path: Path) -> None:
    run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=153", out="first.jsonl")
    second = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=150", "-a", "mode=full",
                       out="second.jsonl")
    assert second.returncode == 0, second.log[-2000:]
    gone = set(DemoSite(153).all_ids()) - set(DemoSite(150).all_ids())
    db = tmp_path / "newszone.sqlite"
    assert {r[0] for r in rows(db, "SELECT id FROM articles WHERE gone_at IS NOT NULL")} == gone
    assert rows(db, "SELECT count(*) FROM articles") == [(153,)]
    assert rows(db, "SELECT gone FROM runs ORDER BY started_at") == [(0,), (3,)]


# The archive is what these tests are about: no attachment files, no WARC (tested elsewhere).
QUICK = ["-s", "NEWSZONE_FILES_ENABLED=0", "-s", "NEWSZONE_WARC_ENABLED=0",
         "-s", "NEWSZONE_MANIFEST_DIR="]


def _start_crawl(tmp_path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "newszone", *args,
         "-s", f"NEWSZONE_DB={tmp_path / 'newszone.sqlite'}", "-O", str(tmp_path / "bg.jsonl"),
         *QUICK],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def _wait_for_rows(db: Path, at_least: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                if rows(db, "SELECT count(*) FROM articles")[0][0] >= at_least:
                    return
            except sqlite3.OperationalError:
                pass
        time.sleep(0.05)
    raise AssertionError(f"no {at_least} rows in {db} after {timeout}s")


def test_sigkill_mid_crawl_then_rerun_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "newszone.sqlite"
    crawl = _start_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=1500",
                         "-s", "NEWSZONE_DB_BATCH=20")
    _wait_for_rows(db, 40)
    os.kill(crawl.pid, signal.SIGKILL)
    crawl.wait(timeout=30)
    stored = rows(db, "SELECT count(*) FROM articles")[0][0]
    assert 0 < stored < 1500
    again = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=1500", *QUICK,
                      out="again.jsonl")
    assert again.returncode == 0, again.log[-2000:]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    ids = [r[0] for r in rows(db, "SELECT id FROM articles")]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(DemoSite(1500).all_ids())
    # the re-run fetched what the killed run had not stored, not the whole board again
    assert stat(again, "newszone/article/parsed") <= 1500 - stored + 60


def test_second_run_while_one_is_going_exits_at_once(tmp_path: Path) -> None:
    db = tmp_path / "newszone.sqlite"
    crawl = _start_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=1500",
                         "-s", "NEWSZONE_DB_BATCH=20")
    try:
        _wait_for_rows(db, 20)
        started = time.monotonic()
        second = run_crawl(tmp_path, "-a", "demo=1", out="second.jsonl")
        assert time.monotonic() - started < 30
        assert second.returncode == 75, second.log[-2000:]
        assert "Run status: LOCKED: another run (pid" in second.log
        assert second.records == []
    finally:
        os.kill(crawl.pid, signal.SIGKILL)
        crawl.wait(timeout=30)
    # the killed run's lock does not block the next run
    third = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=1500", *QUICK,
                      out="third.jsonl")
    assert third.returncode == 0, third.log[-2000:]
