"""The archive has one owner (issue 13): ``ArchiveStore.store`` writes a batch with a few
prepared statements, yet the rows are those the per-record store of daa4e4a wrote; the run's
archive is opened once and every write of a crawl runs on the archive's one writer thread;
the store's input comes from ``Article.to_dict``; ``run_blocked`` asks the run's archive."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from itemadapter import ItemAdapter
from scrapy.utils.test import get_crawler

from newszone_crawler.exporters.sqlite_store import (
    CAPTURE_KEYS,
    DOWNLOAD_KEYS,
    FEED_KEYS,
    IMAGE_KEYS,
    RAW_KEYS,
    RECORD_KEYS,
    VOLATILE_KEYS,
    ArchiveStore,
    StoreOutcome,
    _attachment_rows,
    check_record,
    is_empty,
    to_row,
)
from newszone_crawler.runlock import run_blocked
from tests.conftest import ROOT, CrawlResult
from tests.test_fixtures import CASES, load, record_from_page

T1, T2, T3 = "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"


class PerRecordStore(ArchiveStore):
    """The store of daa4e4a, record by record through sqlite-utils: the reference for the rows
    the batched store must write (its methods copied as they were)."""

    def store(
        self, records: Iterable[Mapping[str, Any]], run_id: str, now: str
    ) -> list[StoreOutcome]:
        """Write a batch of records in one transaction; return what became of each.

        Every record is checked (:func:`check_record`) before anything is written; an error
        while writing rolls the whole batch back.
        """
        batch = list(records)
        for record in batch:
            check_record(record)
        outcomes = []
        with self._write():
            for record in batch:
                outcomes.append(self._store_one(record, run_id, now))
        return outcomes

    def _store_one(self, record: Mapping[str, Any], run_id: str, now: str) -> StoreOutcome:
        article_id = record["id"]
        stored = self._stored_row(article_id)
        if stored is None:
            row = {**to_row(record), "first_seen": now, "last_seen": now}
            self.articles.insert(row)
            self._write_children(article_id, record, replace=False)
            return StoreOutcome(article_id, "new")

        incoming_hash = record.get("content_hash")
        if incoming_hash is None or incoming_hash == stored["content_hash"]:
            update = {"last_seen": now, "gone_at": None}
            update.update({k: record[k] for k in VOLATILE_KEYS if record.get(k) is not None})
            self._update(article_id, update)
            self._merge_downloads(article_id, record.get("attachments") or [])
            return StoreOutcome(article_id, "unchanged")

        self.versions.insert(
            {
                "article_id": article_id,
                "content_hash": stored["content_hash"],
                "record": json.dumps(self.record(article_id), ensure_ascii=False),
                "valid_from": stored["changed_at"] or stored["first_seen"],
                "replaced_at": now,
                "run_id": run_id,
            }
        )
        update = to_row({k: v for k, v in record.items() if not is_empty(v)})
        update.update({"last_seen": now, "changed_at": now, "gone_at": None})
        self._update(article_id, update)
        self._write_children(article_id, record, replace=True)
        return StoreOutcome(article_id, "changed")

    def _update(self, article_id: str, values: dict[str, Any]) -> None:
        """Update the named columns of a stored article, leaving the others as they are."""
        values = {k: v for k, v in values.items() if k != "id"}
        self.articles.update(article_id, values)

    def _stored_row(self, article_id: str) -> dict[str, Any] | None:
        rows = list(self.articles.rows_where("id = ?", [article_id]))
        return rows[0] if rows else None

    def _write_children(self, article_id: str, record: Mapping[str, Any], replace: bool) -> None:
        """Authors, images and attachments of a new or changed record; an empty list keeps
        the stored children."""
        authors = record.get("authors") or []
        if authors:
            if replace:
                self.article_authors.delete_where("article_id = ?", [article_id])
            self.article_authors.insert_all(
                {
                    "article_id": article_id,
                    "author_id": self._author_id(a.get("name"), a.get("email")),
                    "position": position,
                    "role": a.get("role"),
                }
                for position, a in enumerate(authors)
            )
        images = record.get("images") or []
        if images:
            if replace:
                self.images.delete_where("article_id = ?", [article_id])
            self.images.insert_all(
                {
                    "article_id": article_id,
                    "position": position,
                    **{k: i.get(k) for k in IMAGE_KEYS + CAPTURE_KEYS},
                }
                for position, i in enumerate(images)
            )
        rows = _attachment_rows(article_id, record.get("attachments") or [])
        if rows:
            if replace:
                earlier = {
                    r["url"]: r for r in self.attachments.rows_where("article_id = ?", [article_id])
                }
                for row in rows:
                    old = earlier.get(row["url"], {})
                    for key in DOWNLOAD_KEYS:
                        if row[key] is None:
                            row[key] = old.get(key)
                self.attachments.delete_where("article_id = ?", [article_id])
            self.attachments.insert_all(rows)

    def _merge_downloads(self, article_id: str, attachments: Iterable[Mapping[str, Any]]) -> None:
        """Download fields an unchanged record brings for its stored attachments.

        An unchanged record has the stored attachments in the stored order (their URLs are
        part of the content hash, by path), so rows are matched by position: the same file
        reached over another scheme, host name or demo port updates its row. A new ``status``
        always brings its ``error`` (a success clears an old failure's reason)."""
        for row in _attachment_rows(article_id, attachments):
            found = {k: row[k] for k in DOWNLOAD_KEYS if row[k] is not None}
            if "status" in found:
                found["error"] = row.get("error")
            self._set_download(article_id, row["url"], found, position=row["position"])

    def _set_download(
        self,
        article_id: str,
        url: str,
        download: Mapping[str, Any],
        position: int | None = None,
    ) -> bool:
        if not download:
            return False
        assignments = ", ".join(f"[{key}] = ?" for key in download)
        where, key = ("position = ?", position) if position is not None else ("url = ?", url)
        cursor = self.db.execute(
            f"UPDATE attachments SET {assignments} WHERE article_id = ? AND {where}",
            [*download.values(), article_id, key],
        )
        return cursor.rowcount == 1

    def _author_id(self, name: str | None, email: str | None) -> int:
        """The shared ``authors`` row of a (name, email) pair, created when first met."""
        found = self.db.execute(
            "SELECT id FROM authors WHERE name IS ? AND email IS ?", [name, email]
        ).fetchone()
        if found:
            return int(found[0])
        last_pk = self.authors.insert({"name": name, "email": email}).last_pk
        assert last_pk is not None
        return int(last_pk)



# -- the rows: batched store == per-record store ---------------------------------------------


def incoming(record: Mapping[str, Any]) -> dict[str, Any]:
    """A fed record as the store takes it (the feed's outcome mark left out)."""
    return {k: v for k, v in record.items() if k in RECORD_KEYS or k in RAW_KEYS}


def second_crawl(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same articles crawled again, with every kind of difference a run meets."""
    again = []
    for n, record in enumerate(records):
        record = json.loads(json.dumps(record))
        record["crawled_at"] = T2
        if n % 7 == 0:  # changed text, a new author, the attachments' downloads
            record["body"] = (record.get("body") or "") + "\n\nA correction."
            record["content_hash"] = f"changed-{n}"
            record["authors"] = [*record.get("authors", []),
                                 {"name": f"Writer {n % 3}", "email": None, "role": None}]
            for entry in record.get("attachments") or []:
                entry.update(sha256="ab" * 32, bytes=10 + n, status="downloaded")
        elif n % 7 == 1:  # changed, and nothing replaces a stored value
            record.update(content_hash=f"changed-{n}", title="", subtitles=[], images=[],
                          authors=[], views=None)
        elif n % 7 == 2:  # no hash: no evidence of a change
            record.update(content_hash=None, views=(record.get("views") or 0) + 5)
        elif n % 7 == 3:  # unchanged, a failed download on another host
            for entry in record.get("attachments") or []:
                entry.update(url=entry["url"].replace("127.0.0.1", "localhost"),
                             status="failed", error="HTTP 500")
        elif n % 7 == 4:
            record["views"] = (record.get("views") or 0) + 1
        again.append(record)
    return again


def fill(store: ArchiveStore, records: list[dict[str, Any]]) -> list[list[StoreOutcome]]:
    """Two crawls of ``records`` (batches of 40, one batch meeting an id twice) with gone
    articles between them; the outcomes of each batch."""
    outcomes = []
    for start in range(0, len(records), 40):
        outcomes.append(store.store(records[start : start + 40], "run-1", T1))
    store.start_run("run-1", "full", T1)
    for record in records[::11]:
        store.mark_gone(record["id"], T2)
    again = second_crawl(records)
    again[5:5] = [dict(again[0], views=1234)]  # the same id twice in a batch
    for start in range(0, len(again), 40):
        outcomes.append(store.store(again[start : start + 40], "run-2", T2))
    store.record_failures("run-2", [(again[3]["id"], again[3]["url"], "timeout")], T3)
    store.update_attachment(records[0]["id"], "nowhere", {"status": "failed"})
    return outcomes


def every_row(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """Every row of every table, in a stable order; the full-text index by what it holds
    (its shadow tables' blobs depend on the order of the trigger's writes, not their sum)."""
    tables: dict[str, list[str]] = {}
    for name in db.table_names():
        if name.startswith("articles_fts") or name == "_sqlite_migrations":  # when applied
            continue
        tables[name] = sorted(json.dumps(row, sort_keys=True) for row in db[name].rows)
    tables["articles_fts"] = [
        json.dumps(row) for row in db.execute(
            "SELECT a.id, f.title, f.subtitles, f.body FROM articles_fts f"
            " JOIN articles a ON a.rowid = f.rowid ORDER BY a.id"
        ).fetchall()
    ]
    tables["search"] = [json.dumps(db.execute(
        "SELECT a.id FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid"
        " WHERE articles_fts MATCH 'correction OR soldiers' ORDER BY a.id").fetchall())]
    return tables


def test_batched_store_writes_the_rows_of_the_per_record_store(demo_crawl: CrawlResult) -> None:
    records = [incoming(r) for r in demo_crawl.fetched]
    assert len(records) >= 100 and any(r.get("attachments") for r in records)
    batched = ArchiveStore(sqlite_utils.Database(memory=True))
    reference = PerRecordStore(sqlite_utils.Database(memory=True))
    assert fill(batched, records) == fill(reference, records)
    assert every_row(batched.db) == every_row(reference.db)
    outcomes = {o.outcome for batch in fill(ArchiveStore(sqlite_utils.Database(memory=True)),
                                            records) for o in batch}
    assert outcomes == {"new", "changed", "unchanged"}
    assert batched.versions.count > 0 and batched.authors.count > 1


class CountingConnection:
    """A connection that counts the statements handed to SQLite (``executemany``: one)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.calls = 0

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self._conn.execute(*args, **kwargs)

    def executemany(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self._conn.executemany(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def record(n: int, **changes: Any) -> dict[str, Any]:
    url = f"https://www.mnd.go.kr/files/{n}.pdf"
    base = {
        "id": f"O_{n}", "title": f"Drill {n}", "body": "Soldiers trained.", "views": n,
        "content_hash": f"h{n}", "crawled_at": T1,
        "authors": [{"name": "Yun Byeong-No", "email": "y@dema.mil.kr", "role": "reporter"}],
        "images": [{"url": f"https://www.mnd.go.kr/img/{n}.jpg", "caption": None}],
        "attachments": [{"name": f"{n}.pdf", "url": url, "size_raw": "1 KB"}],
    }
    return {**base, **changes}


@pytest.mark.parametrize("kind", ["new", "unchanged", "changed"])
def test_a_batch_is_a_few_statements_not_several_per_record(kind: str) -> None:
    """Was 8-10 statements a record (a SELECT, then inserts per article, author, image and
    attachment, sqlite-utils' schema look-ups); now a fixed number per batch."""
    store = ArchiveStore(sqlite_utils.Database(memory=True))
    if kind != "new":
        store.store([record(n) for n in range(100)], "run-1", T1)
    counting = CountingConnection(store.db.conn)
    store.db.conn = counting  # type: ignore[assignment]
    changes: dict[str, Any] = {"views": 7}
    if kind == "changed":
        changes = {"body": "New text.", "content_hash": "h-new"}
    outcomes = store.store([record(n, **changes) for n in range(100)], "run-2", T2)
    assert {o.outcome for o in outcomes} == {kind}
    assert counting.calls <= 30, counting.calls  # 100 records



def test_a_batch_of_changed_records_larger_than_sqlites_variable_limit_is_stored() -> None:
    """The rows a changed record had are read back in ``id IN (...)`` queries: a batch of any
    size (rebuild stores a window at once) is read in chunks, within SQLite's limit on ``?``
    variables (32,766 by default; lowered here to the store's chunk size). Failed with "too
    many SQL variables" while the changed records' old rows were read in one query."""
    store = ArchiveStore(sqlite_utils.Database(memory=True))
    store.db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 500)
    n = 1_200
    store.store([record(i) for i in range(n)], "run-1", T1)
    changed = [record(i, body=f"New text {i}.", content_hash=f"h-new-{i}") for i in range(n)]
    outcomes = store.store(changed, "run-2", T2)
    assert [o.outcome for o in outcomes] == ["changed"] * n
    assert store.record("O_1199")["body"] == "New text 1199."
    assert store.db.execute("SELECT count(*) FROM article_versions").fetchone()[0] == n


# -- the store's input straight from the dataclass --------------------------------------------


@pytest.mark.parametrize("case", [c for c in CASES if load(c)[3]["kind"] == "article"])
def test_to_dict_is_itemadapters_asdict(case: str) -> None:
    page, content_type, url, _ = load(case)
    item = record_from_page(page, content_type, url)
    item.outcome = "new"
    expected = ItemAdapter(item).asdict()
    assert item.to_dict() == expected
    as_stored = item.to_dict(leave_out=FEED_KEYS)
    assert as_stored == {k: v for k, v in expected.items() if k not in FEED_KEYS}
    for key in ("images", "authors", "attachments", "subtitles"):  # copies, not the item's
        assert as_stored[key] is not getattr(item, key)


# -- the run lock's state lives in the run's archive, not in the stats ------------------------


def test_run_blocked_asks_the_archive_not_a_stat(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict={"NEWSZONE_DB": str(tmp_path / "a.sqlite")})
    crawler.stats.set_value("newszone/locked", "written by someone else")
    assert run_blocked(crawler) is None
    from newszone_crawler.archive import archive_of

    first, second = archive_of(crawler), archive_of(get_crawler(
        settings_dict={"NEWSZONE_DB": str(tmp_path / "a.sqlite")}))
    assert first.open() and not second.open()
    assert run_blocked(second.crawler) == second.locked and "holds" in second.locked
    assert second.crawler.stats.get_value("newszone/locked") == second.locked  # the summary's
    assert run_blocked(crawler) is None
    first.close()


# -- a crawl: one opening, every write on the writer thread -----------------------------------

WATCH = '''
import atexit, json, sqlite3, sys, threading


def main():
    sys.path.insert(0, {root!r})
    from newszone_crawler.exporters.sqlite_store import ArchiveStore

    seen = {{"connect": [], "calls": []}}
    atexit.register(lambda: open({out!r}, "w").write(json.dumps(seen)))
    connect = sqlite3.connect

    def watched_connect(database, *args, **kwargs):
        if {db!r} in str(database):
            seen["connect"].append(threading.current_thread().name)
        return connect(database, *args, **kwargs)

    sqlite3.connect = watched_connect

    def watch(name):
        method = getattr(ArchiveStore, name)

        def watched(self, *args, **kwargs):
            seen["calls"].append([name, threading.current_thread().name])
            return method(self, *args, **kwargs)

        setattr(ArchiveStore, name, watched)

    for name in ("store", "mark_gone", "record_failures", "record_failure", "update_attachment",
                 "start_run", "finish_run", "mark_unfinished_runs", "state", "close"):
        watch(name)
    from scrapy.cmdline import execute

    execute(["scrapy", *sys.argv[1:]])


if __name__ == "__main__":  # not in the extraction's worker processes
    main()
'''


def test_a_crawl_opens_the_archive_once_and_writes_it_from_one_thread(tmp_path: Path) -> None:
    """Was: three openings (the store, the spider's crawl state, the files pipeline's raw
    sqlite3 read) and every write on the reactor thread (MainThread)."""
    db = tmp_path / "newszone.sqlite"
    out = tmp_path / "seen.json"
    script = tmp_path / "watch.py"
    script.write_text(WATCH.format(root=str(ROOT), out=str(out), db=str(db)))
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run(
        [sys.executable, str(script), "crawl", "newszone", "-a", "demo=1",
         "-s", "NEWSZONE_DEMO_ARTICLES=30", "-s", "NEWSZONE_DB_BATCH=7",
         "-s", f"NEWSZONE_DB={db}", "-s", f"NEWSZONE_WARC_DIR={tmp_path / 'warc'}",
         "-s", f"NEWSZONE_MANIFEST_DIR={tmp_path / 'manifests'}",
         "-s", f"FILES_STORE={tmp_path / 'files'}", "-O", str(tmp_path / "items.jsonl"),
         "-s", "LOG_LEVEL=INFO"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(out.read_text())
    assert len(seen["connect"]) == 1, seen["connect"]
    threads = {thread for _, thread in seen["calls"]} | set(seen["connect"])
    assert len(threads) == 1 and "MainThread" not in threads, seen
    names = [name for name, _ in seen["calls"]]
    assert names.count("store") >= 30 // 7 and names[-1] == "close"
    assert names.index("start_run") < names.index("store") < names.index("finish_run")


def test_failures_the_archive_refuses_at_the_close_are_counted_and_logged(tmp_path: Path) -> None:
    # One article always fails; every write of failures is slow and refused. The write handed
    # to the writer thread at the close must be waited for, so its rows reach the last try,
    # which counts and logs them (before: they went back to a list nobody read any more).
    from tests.conftest import run_crawl

    result = run_crawl(
        tmp_path, "-a", "demo=1", "-a", "demo_articles=40",
        "-a", 'demo_faults={"unavailable": {"5": 1000}}', "-s", "RETRY_TIMES=0",
        "-s", "NEWSZONE_FILES_ENABLED=0", "-s", "NEWSZONE_WARC_ENABLED=0",
        "-s", "NEWSZONE_EXTRACT_WORKERS=0", patch="failures_locked:1",
    )
    assert result.returncode != 0, result.log[-2000:]
    assert result.stat("newszone/store/failures_not_recorded") >= 1, result.log[-3000:]
    assert "Could not record" in result.log
