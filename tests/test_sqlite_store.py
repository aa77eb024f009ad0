"""Tests for ``newszone_crawler.exporters.sqlite_store``: the SQLite archive."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from newszone_crawler.exporters.sqlite_store import (
    DOWNLOAD_KEYS,
    ARCHIVE_KEYS,
    CAPTURE_KEYS,
    KILLED_REASON,
    MIGRATIONS,
    FEED_KEYS,
    RAW_KEYS,
    RECORD_KEYS,
    ArchiveError,
    ArchiveStore,
    Outcome,
    StoreOutcome,
    read_crawl_state,
)
from newszone_crawler.items import Article

T1, T2, T3 = "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"
YUN = {"name": "Yun Byeong-No", "email": "trylover@dema.mil.kr", "role": "reporter"}
PDF = "https://www.mnd.go.kr/files/a.pdf"
HWP = "https://www.mnd.go.kr/files/b.hwp"


def make_record(n: int = 1, **changes: Any) -> dict[str, Any]:
    """A complete incoming record (all ``Article`` keys), as the pipelines hand it over."""
    base = Article(
        id=f"O_{n}",
        board_id="O_47261",
        url=f"https://www.mnd.go.kr/user/boardList.action?boardSeq=O_{n}",
        fetched_url=f"https://www.mnd.go.kr/user/boardList.action?boardSeq=O_{n}&page=1",
        section="News Zone",
        board="Recent News",
        title=f"Marines drill in the snow {n}",
        title_raw=f"Marines drill in the snow {n}",
        title_truncated=False,
        published=f"2026-01-{n % 28 + 1:02d}",
        published_raw=f"2026.01.{n % 28 + 1:02d}",
        subtitles=["Winter exercise", "Second deck line"],
        body="Soldiers trained in deep snow.\n\nThey returned to base.",
        images=[{"url": f"https://www.mnd.go.kr/img/{n}.jpg", "caption": "On the march"}],
        authors=[dict(YUN)],
        byline_raw="By Byeong-No, Yun <trylover@dema.mil.kr >",
        copyright={"holder": "The Korea Defense Daily", "year": None, "text": "<Copyright ⓒ>"},
        copyright_raw="<Copyright ⓒ>",
        attachments=[{"name": "a.pdf", "url": PDF, "size_raw": "10 KB"}],
        files_raw=[{"name": "a.pdf", "href": PDF, "onclick": None, "size_raw": "10 KB"}],
        views=10,
        content_hash=f"hash-{n}",
        crawled_at=T1,
    )
    incoming = {k: v for k, v in asdict(base).items() if k not in FEED_KEYS}  # the store's view
    return {**incoming, **changes}


def exported(record: dict[str, Any], **archive: Any) -> dict[str, Any]:
    """What ``ArchiveStore.record`` should give back for a stored incoming record."""
    out = {k: v for k, v in record.items() if k not in RAW_KEYS}
    return {**out, **dict.fromkeys(ARCHIVE_KEYS), **archive}


@pytest.fixture
def fresh_db() -> sqlite_utils.Database:
    return sqlite_utils.Database(memory=True)


@pytest.fixture
def store(fresh_db: sqlite_utils.Database) -> ArchiveStore:
    return ArchiveStore(fresh_db)


def dump(db: sqlite_utils.Database) -> dict[str, list[dict]]:
    """Every row of every table (FTS shadow tables included)."""
    return {name: list(db[name].rows) for name in db.table_names()}


# -- outcomes --------------------------------------------------------------------------------

# changes in the second crawl of O_1 -> outcome, version rows written
OUTCOME_CASES: list[tuple[dict[str, Any], Outcome, int]] = [
    ({}, "unchanged", 0),
    ({"views": 99}, "unchanged", 0),  # the hit counter is volatile: not a change
    ({"crawled_at": T2}, "unchanged", 0),
    ({"content_hash": None}, "unchanged", 0),  # no hash, no evidence of a change
    ({"body": "New body.", "content_hash": "hash-1b"}, "changed", 1),
    ({"title": "New title", "content_hash": "hash-1b"}, "changed", 1),
]


@pytest.mark.parametrize(("changes", "outcome", "versions"), OUTCOME_CASES)
def test_outcome(store: ArchiveStore, changes: dict, outcome: Outcome, versions: int) -> None:
    assert store.store([make_record()], "run-1", T1) == [StoreOutcome("O_1", "new")]
    assert store.store([make_record(**changes)], "run-2", T2) == [StoreOutcome("O_1", outcome)]
    assert store.versions.count == versions


def test_new_record_is_stored_whole(store: ArchiveStore) -> None:
    record = make_record()
    store.store([record], "run-1", T1)
    assert store.record("O_1") == exported(record, first_seen=T1, last_seen=T1)
    row = store.articles.get("O_1")
    assert (row["copyright_raw"], json.loads(row["files_raw"])) == (
        record["copyright_raw"],
        record["files_raw"],
    )


def test_change_keeps_the_previous_record(store: ArchiveStore) -> None:
    first = make_record()
    second = make_record(body="Soldiers trained in rain.", content_hash="hash-1b", views=12)
    third = make_record(body="Soldiers rested.", content_hash="hash-1c", crawled_at=T3)
    store.store([first], "run-1", T1)
    store.store([second], "run-2", T2)
    store.store([third], "run-3", T3)
    assert list(store.versions.rows) == [
        {
            "id": 1,
            "article_id": "O_1",
            "content_hash": "hash-1",
            "record": json.dumps(exported(first, first_seen=T1, last_seen=T1), ensure_ascii=False),
            "valid_from": T1,
            "replaced_at": T2,
            "run_id": "run-2",
        },
        {
            "id": 2,
            "article_id": "O_1",
            "content_hash": "hash-1b",
            "record": json.dumps(
                exported(second, first_seen=T1, last_seen=T2, changed_at=T2), ensure_ascii=False
            ),
            "valid_from": T2,
            "replaced_at": T3,
            "run_id": "run-3",
        },
    ]
    assert store.record("O_1") == exported(third, first_seen=T1, last_seen=T3, changed_at=T3)


def test_unchanged_moves_only_last_seen_views_and_crawled_at(store: ArchiveStore) -> None:
    first = make_record()
    store.store([first], "run-1", T1)
    # same content_hash: whatever else the record says, only the volatile fields move on
    again = make_record(title="Other", views=99, crawled_at=T2, authors=[], images=[])
    assert store.store([again], "run-2", T2) == [StoreOutcome("O_1", "unchanged")]
    assert store.record("O_1") == exported(
        first, views=99, crawled_at=T2, first_seen=T1, last_seen=T2
    )


# incoming value that must not wipe the stored one, on a changed record
EMPTY_CASES: list[tuple[str, Any]] = [
    ("body", None),
    ("body", ""),
    ("title", None),
    ("published", None),
    ("byline_raw", None),
    ("copyright", None),
    ("subtitles", []),
    ("authors", []),
    ("images", []),
    ("attachments", []),
    ("views", None),
    ("crawled_at", None),
]


@pytest.mark.parametrize(("key", "empty"), EMPTY_CASES)
def test_nothing_replaces_a_stored_value(store: ArchiveStore, key: str, empty: Any) -> None:
    first = make_record()
    store.store([first], "run-1", T1)
    store.store([make_record(**{key: empty}, content_hash="hash-1b")], "run-2", T2)
    assert store.record("O_1") == exported(
        first, content_hash="hash-1b", first_seen=T1, last_seen=T2, changed_at=T2
    )


@pytest.mark.parametrize(("key", "empty"), [("views", None), ("crawled_at", None)])
def test_nothing_replaces_a_volatile_value(store: ArchiveStore, key: str, empty: Any) -> None:
    first = make_record()
    store.store([first], "run-1", T1)
    store.store([make_record(**{key: empty})], "run-2", T2)
    assert store.record("O_1") == exported(first, first_seen=T1, last_seen=T2)


@pytest.mark.parametrize(("key", "value"), [("title_truncated", True), ("views", 0)])
def test_false_and_zero_are_values(store: ArchiveStore, key: str, value: Any) -> None:
    store.store([make_record(title_truncated=False, views=5)], "run-1", T1)
    store.store([make_record(**{key: value}, content_hash="hash-1b")], "run-2", T2)
    assert store.record("O_1")[key] == value


# -- gone ------------------------------------------------------------------------------------


def test_gone_is_set_then_cleared(store: ArchiveStore) -> None:
    store.store([make_record(1), make_record(2)], "run-1", T1)
    assert store.mark_gone("O_1", T2) is True
    assert store.mark_gone("O_1", T3) is False  # the first time it was missed stays
    assert store.mark_gone("O_404", T2) is False
    assert store.known(["O_1", "O_2", "O_404"]) == {
        "O_1": {"content_hash": "hash-1", "published": "2026-01-02", "gone_at": T2},
        "O_2": {"content_hash": "hash-2", "published": "2026-01-03", "gone_at": None},
    }
    assert store.stored_ids() == {"O_1", "O_2"}  # never deleted
    assert store.store([make_record(1)], "run-3", T3) == [StoreOutcome("O_1", "unchanged")]
    assert store.record("O_1")["gone_at"] is None


def test_a_changed_article_is_no_longer_gone(store: ArchiveStore) -> None:
    store.store([make_record()], "run-1", T1)
    store.mark_gone("O_1", T2)
    store.store([make_record(content_hash="hash-1b")], "run-3", T3)
    assert store.record("O_1")["gone_at"] is None


# -- children --------------------------------------------------------------------------------


def test_authors_are_shared_rows(store: ArchiveStore, fresh_db: sqlite_utils.Database) -> None:
    kim = {"name": "Kim Min-seok", "email": None, "role": "reporter"}
    park = {"name": "Park Ji-hoon", "email": None, "role": "translator"}
    store.store(
        [
            make_record(1, authors=[YUN, kim]),
            make_record(2, authors=[kim, {**YUN, "role": "photographer"}]),
            make_record(3, authors=[park]),
        ],
        "run-1",
        T1,
    )
    assert list(fresh_db["authors"].rows) == [
        {"id": 1, "name": "Yun Byeong-No", "email": "trylover@dema.mil.kr"},
        {"id": 2, "name": "Kim Min-seok", "email": None},
        {"id": 3, "name": "Park Ji-hoon", "email": None},
    ]
    assert list(fresh_db["article_authors"].rows) == [
        {"article_id": "O_1", "author_id": 1, "position": 0, "role": "reporter"},
        {"article_id": "O_1", "author_id": 2, "position": 1, "role": "reporter"},
        {"article_id": "O_2", "author_id": 2, "position": 0, "role": "reporter"},
        {"article_id": "O_2", "author_id": 1, "position": 1, "role": "photographer"},
        {"article_id": "O_3", "author_id": 3, "position": 0, "role": "translator"},
    ]
    assert store.record("O_2")["authors"] == [kim, {**YUN, "role": "photographer"}]


def test_changed_record_replaces_children(store: ArchiveStore) -> None:
    store.store([make_record()], "run-1", T1)
    kim = {"name": "Kim Min-seok", "email": None, "role": "reporter"}
    image = {"url": "https://www.mnd.go.kr/img/new.jpg", "caption": None}
    store.store([make_record(authors=[kim], images=[image], content_hash="hash-1b")], "run-2", T2)
    assert list(store.article_authors.rows) == [
        {"article_id": "O_1", "author_id": 2, "position": 0, "role": "reporter"},
    ]
    assert list(store.images.rows) == [
        {"article_id": "O_1", "position": 0, "url": image["url"], "caption": None,
         **dict.fromkeys(CAPTURE_KEYS)},  # not captured: no capture fields
    ]


DOWNLOAD = {"sha256": "ab" * 32, "bytes": 10240, "content_type": "application/pdf",
            "path": "files/O_1/a.pdf"}  # fmt: skip


def attachment_row(position: int, url: str, name: str, **download: Any) -> dict[str, Any]:
    row = {"article_id": "O_1", "position": position, "name": name, "url": url, "size_raw": "10 KB"}
    return {**row, **dict.fromkeys(DOWNLOAD_KEYS), **download}


def test_change_keeps_downloads_of_the_same_url(store: ArchiveStore) -> None:
    pdf = {"name": "a.pdf", "url": PDF, "size_raw": "10 KB"}
    hwp = {"name": "b.hwp", "url": HWP, "size_raw": "10 KB"}
    store.store([make_record(attachments=[{**pdf, **DOWNLOAD}])], "run-1", T1)
    store.store([make_record(attachments=[hwp, pdf], content_hash="hash-1b")], "run-2", T2)
    assert list(store.attachments.rows) == [
        attachment_row(0, HWP, "b.hwp"),
        attachment_row(1, PDF, "a.pdf", **DOWNLOAD),
    ]
    assert store.record("O_1")["attachments"] == [hwp, {**pdf, **DOWNLOAD}]


def test_unchanged_record_brings_its_downloads(store: ArchiveStore) -> None:
    store.store([make_record()], "run-1", T1)
    downloaded = [{"name": "a.pdf", "url": PDF, "size_raw": "10 KB", **DOWNLOAD}]
    assert store.store([make_record(attachments=downloaded)], "run-2", T2) == [
        StoreOutcome("O_1", "unchanged")
    ]
    assert list(store.attachments.rows) == [attachment_row(0, PDF, "a.pdf", **DOWNLOAD)]


def test_retried_download_clears_the_failure_even_on_another_host(store: ArchiveStore) -> None:
    failed = {"status": "failed", "error": "HTTP 503"}
    pdf = {"name": "a.pdf", "url": PDF, "size_raw": "10 KB"}
    store.store([make_record(attachments=[{**pdf, **dict.fromkeys(DOWNLOAD), **failed}])],
                "run-1", T1)
    moved = PDF.replace("https://www.", "http://")  # same file, other scheme and host name
    retried = {**pdf, "url": moved, **DOWNLOAD, "status": "downloaded", "error": None}
    assert store.store([make_record(attachments=[retried])], "run-2", T2) == [
        StoreOutcome("O_1", "unchanged")
    ]
    assert list(store.attachments.rows) == [
        attachment_row(0, PDF, "a.pdf", **DOWNLOAD, status="downloaded")
    ]


def test_update_attachment(store: ArchiveStore) -> None:
    store.store([make_record()], "run-1", T1)
    assert store.update_attachment("O_1", PDF, {"status": "failed", "error": "HTTP 404"})
    assert not store.update_attachment("O_1", HWP, {"status": "failed"})
    assert list(store.attachments.rows) == [
        attachment_row(0, PDF, "a.pdf", status="failed", error="HTTP 404")
    ]
    with pytest.raises(ValueError, match="undeclared download keys"):
        store.update_attachment("O_1", PDF, {"md5": "x"})


def test_attachments_deduplicated_by_url(store: ArchiveStore) -> None:
    pdf = {"name": "a.pdf", "url": PDF, "size_raw": "10 KB"}
    store.store([make_record(attachments=[pdf, {**pdf, "name": "again"}])], "run-1", T1)
    assert list(store.attachments.rows) == [attachment_row(0, PDF, "a.pdf")]


# -- transactions ----------------------------------------------------------------------------


def transactions(db: sqlite_utils.Database, write: Any) -> list[str]:
    """The transaction statements ``write()`` runs on ``db``."""
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        write()
    finally:
        db.conn.set_trace_callback(None)
    return [s for s in statements if s.split()[0].upper() in ("BEGIN", "COMMIT", "ROLLBACK")]


def test_batch_is_one_transaction(store: ArchiveStore, fresh_db: sqlite_utils.Database) -> None:
    write = lambda: store.store([make_record(n) for n in range(1, 6)], "run-1", T1)  # noqa: E731
    assert transactions(fresh_db, write) == ["BEGIN IMMEDIATE", "COMMIT"]
    assert not fresh_db.conn.in_transaction
    assert store.articles.count == 5


# write method -> a call of it on a store holding O_1 and run-1. Every write begins IMMEDIATE
# (the write lock first), so another program's lock makes it wait for the busy timeout.
WRITES: list[tuple[str, Any]] = [
    ("store", lambda s: s.store([make_record(2)], "run-1", T2)),
    ("update_attachment", lambda s: s.update_attachment("O_1", PDF, {"status": "failed"})),
    ("record_failure", lambda s: s.record_failure("run-1", "O_2", "u", "timeout", T2)),
    ("mark_gone", lambda s: s.mark_gone("O_1", T2)),
    ("start_run", lambda s: s.start_run("run-2", "full", T2)),
    ("finish_run", lambda s: s.finish_run("run-1", T2, {"new": 1}, "ok", [])),
    ("mark_unfinished_runs", lambda s: s.mark_unfinished_runs(exclude_run="run-2")),
]


@pytest.mark.parametrize(("name", "write"), WRITES, ids=[name for name, _ in WRITES])
def test_every_write_begins_immediate(
    store: ArchiveStore, fresh_db: sqlite_utils.Database, name: str, write: Any
) -> None:
    store.store([make_record(1)], "run-1", T1)
    store.start_run("run-1", "full", T1)
    assert transactions(fresh_db, lambda: write(store)) == ["BEGIN IMMEDIATE", "COMMIT"]


class WriteLockHolder:
    """Another program holding the archive's write lock (``BEGIN IMMEDIATE``) until released."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()


def test_a_batch_waits_for_another_programs_write_lock(tmp_path: Path) -> None:
    """A batch that reads before it writes used to fail at once with "database is locked"
    (a deferred transaction cannot wait to upgrade); now it waits for the lock."""
    path = tmp_path / "archive.db"
    store = ArchiveStore.open(path, busy_timeout_ms=30_000)
    store.store([make_record(1)], "run-1", T1)
    holder = WriteLockHolder(path)
    threading.Timer(0.5, holder.release).start()
    outcomes = store.store([make_record(1, content_hash="hash-1b"), make_record(2)], "run-2", T2)
    assert outcomes == [StoreOutcome("O_1", "changed"), StoreOutcome("O_2", "new")]
    assert store.stored_ids() == {"O_1", "O_2"}
    store.close()


def test_a_lock_past_the_busy_timeout_fails_the_batch_whole(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    store = ArchiveStore.open(path, busy_timeout_ms=100)
    store.store([make_record(1)], "run-1", T1)
    holder = WriteLockHolder(path)
    try:
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            store.store([make_record(2), make_record(3)], "run-2", T2)
    finally:
        holder.release()
    assert not store.db.conn.in_transaction
    assert store.stored_ids() == {"O_1"}
    store.close()


# -- an archive a run cannot use -------------------------------------------------------------


def damage_index_page(path: Path, index: str = "idx_articles_published") -> None:
    """Overwrite the cell pointers of a leaf page of ``index`` (found with ``dbstat``)."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = [row[0] for row in conn.execute(
        "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf'", [index]
    )]  # fmt: skip
    conn.close()
    with open(path, "r+b") as fh:
        fh.seek((pages[len(pages) // 2] - 1) * page_size + 8)
        fh.write(b"\xff" * 64)


def swap_index_roots(path: Path) -> None:
    """Damage that only ``integrity_check`` sees: two indexes of ``articles`` swap b-trees
    (each page is sound; the index no longer matches its table)."""
    conn = sqlite3.connect(path, isolation_level=None)
    roots = dict(conn.execute(
        "SELECT name, rootpage FROM sqlite_master"
        " WHERE name IN ('idx_articles_published', 'sqlite_autoindex_articles_1')"
    ))  # fmt: skip
    conn.execute("PRAGMA writable_schema = ON")
    for name, other in (("idx_articles_published", "sqlite_autoindex_articles_1"),
                        ("sqlite_autoindex_articles_1", "idx_articles_published")):
        conn.execute("UPDATE sqlite_master SET rootpage = ? WHERE name = ?", [roots[other], name])
    conn.execute("PRAGMA writable_schema = OFF")
    conn.close()


def filled_archive(path: Path, records: int = 400, finished: bool = True) -> None:
    store = ArchiveStore.open(path)
    store.start_run("run-1", "full", T1)
    store.store([make_record(n) for n in range(1, records + 1)], "run-1", T1)
    if finished:
        store.finish_run("run-1", T2, {"new": records}, "ok", [])
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()


def test_open_checked_refuses_a_damaged_index(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    filled_archive(path)
    damage_index_page(path)
    before = path.read_bytes()
    with pytest.raises(ArchiveError) as caught:
        ArchiveStore.open_checked(path)
    assert caught.value.status == "failed"
    assert str(caught.value).startswith(f"{path} is not a usable SQLite archive (quick_check: ")
    assert str(caught.value).endswith(
        "restore it from a backup or rebuild it with `python -m newszone_crawler rebuild`"
    )
    assert path.read_bytes() == before


def test_full_check_after_a_run_that_did_not_finish(tmp_path: Path) -> None:
    finished, killed = tmp_path / "finished.db", tmp_path / "killed.db"
    filled_archive(finished, finished=True)
    filled_archive(killed, finished=False)
    for path in (finished, killed):
        swap_index_roots(path)
    ArchiveStore.open_checked(finished).close()  # the quick check misses this damage
    with pytest.raises(ArchiveError, match=r"\(integrity_check: .*(missing from index|wrong)"):
        ArchiveStore.open_checked(killed)


def test_open_checked_refuses_a_text_file(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    path.write_text("id,title\n1,not a database\n" * 100)
    with pytest.raises(ArchiveError) as caught:
        ArchiveStore.open_checked(path)
    assert (caught.value.status, str(caught.value)) == (
        "failed",
        f"{path} is not a usable SQLite archive (file is not a database): restore it from a "
        "backup or rebuild it with `python -m newszone_crawler rebuild`",
    )
    assert path.read_text() == "id,title\n1,not a database\n" * 100
    with pytest.raises(ArchiveError, match="not a usable SQLite archive"):
        read_crawl_state(path)


def test_failure_mid_batch_rolls_back_the_batch(
    store: ArchiveStore, fresh_db: sqlite_utils.Database
) -> None:
    store.store([make_record(1)], "run-1", T1)
    before = dump(fresh_db)
    fresh_db.execute(
        "CREATE TRIGGER fail BEFORE INSERT ON images WHEN new.url = 'boom'"
        " BEGIN SELECT RAISE(ABORT, 'boom'); END"
    )
    batch = [
        make_record(1, content_hash="hash-1b", body="Changed."),  # a version row, an update
        make_record(2),
        make_record(3, images=[{"url": "boom", "caption": None}]),
        make_record(4),
    ]
    with pytest.raises(sqlite3.IntegrityError, match="boom"):
        store.store(batch, "run-2", T2)
    assert not fresh_db.conn.in_transaction
    fresh_db.execute("DROP TRIGGER fail")
    assert dump(fresh_db) == before


# record -> error; checked before anything is written
BAD_RECORDS: list[tuple[dict[str, Any], str]] = [
    ({"title": "no id"}, "record without an id"),
    ({"id": "", "title": "empty id"}, "record without an id"),
    ({"id": "O_9", "first_seen": T1}, r"O_9: undeclared keys \['first_seen'\]"),
    ({"id": "O_9", "authors": [{"name": "X", "mail": "x@y"}]}, r"\['mail'\] in authors"),
    ({"id": "O_9", "images": [{"src": "x"}]}, r"\['src'\] in images"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_RECORDS)
def test_bad_record_rejects_the_batch(store: ArchiveStore, bad: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        store.store([make_record(1), bad], "run-1", T1)
    assert store.articles.count == 0


def test_same_id_twice_in_a_batch(store: ArchiveStore) -> None:
    outcomes = store.store(
        [make_record(), make_record(views=11), make_record(content_hash="hash-1b")], "run-1", T1
    )
    assert [o.outcome for o in outcomes] == ["new", "unchanged", "changed"]
    assert store.versions.count == 1


# -- migrations ------------------------------------------------------------------------------


def test_migrations_are_idempotent(fresh_db: sqlite_utils.Database) -> None:
    ArchiveStore(fresh_db).store([make_record()], "run-1", T1)
    before = (fresh_db.schema, dump(fresh_db))
    ArchiveStore(fresh_db)
    assert (fresh_db.schema, dump(fresh_db)) == before
    assert [m.name for m in MIGRATIONS.applied(fresh_db)] == [
        "m001_initial",
        "m002_full_text_search",
        "m003_warc_columns",
        "m004_run_boards",
        "m005_attachment_server_name",
        "m006_failures",
        "m007_image_captures",
    ]


def test_open_twice(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "archive.db"
    store = ArchiveStore.open(path)
    store.store([make_record()], "run-1", T1)
    schema = store.db.schema
    store.close()
    again = ArchiveStore.open(path)
    assert again.db.schema == schema
    assert again.record("O_1")["first_seen"] == T1
    assert again.integrity_ok()
    again.close()


def test_older_schema_is_upgraded(fresh_db: sqlite_utils.Database) -> None:
    MIGRATIONS.apply(fresh_db, stop_before="m003_warc_columns")
    assert "warc_file" not in fresh_db["articles"].columns_dict
    fresh_db.table("articles").insert(
        {"id": "O_1", "title": "Old", "first_seen": T1, "last_seen": T1}
    )
    store = ArchiveStore(fresh_db)
    assert [m.name for m in MIGRATIONS.pending(fresh_db)] == []
    assert {"warc_file": str, "warc_record_id": str, "warc_offset": int}.items() <= (
        fresh_db["articles"].columns_dict.items()
    )
    assert store.record("O_1")["title"] == "Old"
    assert store.search("old") == ["O_1"]


def test_articles_table_has_every_record_key(store: ArchiveStore) -> None:
    """Fails when a key is added to ``Article`` without a migration adding its column."""
    keys = [f.name for f in fields(Article) if f.name not in FEED_KEYS] + list(ARCHIVE_KEYS)
    assert [k for k in keys if k not in store.articles.columns_dict] == []
    assert set(RECORD_KEYS) | set(RAW_KEYS) | set(FEED_KEYS) == {f.name for f in fields(Article)}


def test_open_sets_pragmas(tmp_path: Path) -> None:
    store = ArchiveStore.open(tmp_path / "archive.db", busy_timeout_ms=1234)
    pragmas = {
        name: store.db.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "synchronous", "busy_timeout")
    }
    assert pragmas == {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 1234}
    assert store.integrity_ok()
    store.close()


# -- reading ---------------------------------------------------------------------------------


# search query -> ids found, after O_1 and O_2 (different bodies) are stored
SEARCH_CASES: list[tuple[str, list[str]]] = [
    ("deep", ["O_1"]),  # a body word
    ("marines", ["O_1", "O_2"]),  # a title word
    ("exercise", ["O_1", "O_2"]),  # a subtitle word
    ("harbour", ["O_2"]),
    ("missile", []),
]


@pytest.mark.parametrize(("query", "ids"), SEARCH_CASES)
def test_full_text_search(store: ArchiveStore, query: str, ids: list[str]) -> None:
    store.store([make_record(1), make_record(2, body="Sailors guarded the harbour.")], "run-1", T1)
    assert sorted(store.search(query)) == ids


def test_search_follows_changes(store: ArchiveStore) -> None:
    store.store([make_record()], "run-1", T1)
    store.store([make_record(body="Pilots flew at dawn.", content_hash="h2")], "run-2", T2)
    assert (store.search("deep"), store.search("pilots")) == ([], ["O_1"])
    store.store([make_record(body="Pilots flew at dawn.", content_hash="h2", views=3)], "r3", T3)
    assert list(store.db.query("SELECT count(*) AS n FROM articles_fts")) == [{"n": 1}]


@pytest.mark.parametrize(
    ("since", "ids"),
    [
        ("2026-01-01", {"O_1", "O_2", "O_3"}),
        ("2026-01-03", {"O_2", "O_3"}),
        ("2026-01-04", {"O_3"}),
        ("2026-01-05", set()),
    ],
)
def test_recent_ids(store: ArchiveStore, since: str, ids: set[str]) -> None:
    store.store([make_record(1), make_record(2), make_record(3)], "run-1", T1)
    assert store.recent_ids(since) == ids


def test_known_and_stored_ids(store: ArchiveStore) -> None:
    assert (store.known(["O_1"]), store.stored_ids()) == ({}, set())
    store.store([make_record(n) for n in range(1, 1202)], "run-1", T1)
    ids = [f"O_{n}" for n in range(1, 1300)]
    assert len(store.known(ids)) == 1201  # more ids than one IN (...) chunk
    assert store.stored_ids() == set(ids[:1201])


def test_record_of_unknown_id(store: ArchiveStore) -> None:
    with pytest.raises(KeyError):
        store.record("O_404")


def test_iter_records_in_order(store: ArchiveStore) -> None:
    store.store([make_record(n) for n in (3, 1, 2, 600)], "run-1", T1)
    assert [r["id"] for r in store.iter_records()] == ["O_1", "O_2", "O_3", "O_600"]
    assert store.record("O_600") == exported(make_record(600), first_seen=T1, last_seen=T1)


# -- runs ------------------------------------------------------------------------------------


def test_runs(store: ArchiveStore) -> None:
    store.start_run("run-1", "full", T1, boards=["O_47261"])
    store.start_run("run-2", "incremental", T2, boards=["O_47317", "O_47261"])
    counts = {"new": 3, "changed": 1, "unchanged": 5, "failed": 0, "gone": 1, "pages": 4,
              "requests": 14}  # fmt: skip
    store.finish_run("run-1", T2, counts, "ok", [])
    store.finish_run("run-2", T3, {"new": 0, "failed": 2}, "failed", ["2 articles failed"])
    assert list(store.runs.rows) == [
        {"id": "run-1", "started_at": T1, "finished_at": T2, "mode": "full", **counts,
         "status": "ok", "reasons": "[]", "boards": '["O_47261"]'},
        {"id": "run-2", "started_at": T2, "finished_at": T3, "mode": "incremental", "new": 0,
         "changed": None, "unchanged": None, "failed": 2, "gone": None, "pages": None,
         "requests": None, "status": "failed", "reasons": '["2 articles failed"]',
         "boards": '["O_47261", "O_47317"]'},
    ]  # fmt: skip
    # run-2 walked O_47261 after run-1 and failed: no board is trusted any more
    assert store.boards_walked_ok() == set()
    assert store.boards_walked_ok(exclude_run="run-2") == {"O_47261"}
    with pytest.raises(ValueError, match="undeclared run counts"):
        store.finish_run("run-1", T2, {"skipped": 1}, "ok", [])


def test_runs_that_never_finished_are_marked_killed(store: ArchiveStore) -> None:
    store.start_run("run-1", "full", T1, boards=["O_47261"])
    store.finish_run("run-1", T1, {}, "ok", [])
    store.start_run("run-2", "full", T2, boards=["O_47261"])  # killed: no finish_run
    assert store.last_run_unfinished()
    store.start_run("run-3", "incremental", T3, boards=["O_47261"])  # the run asking
    assert store.mark_unfinished_runs(exclude_run="run-3") == 1
    assert [(r["id"], r["status"], r["reasons"]) for r in store.runs.rows] == [
        ("run-1", "ok", "[]"),
        ("run-2", "killed", json.dumps([KILLED_REASON])),
        ("run-3", None, None),
    ]
    assert KILLED_REASON == "ended without finishing (killed or crashed)"
    assert store.boards_walked_ok(exclude_run="run-3") == set()
    assert store.mark_unfinished_runs(exclude_run="run-3") == 0


# -- throughput ------------------------------------------------------------------------------


def test_throughput(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """2,000 synthetic records in batches of 100 into a WAL file; printed, not asserted."""
    store = ArchiveStore.open(tmp_path / "archive.db")
    records = [make_record(n, body=f"Body {n}. " * 200) for n in range(1, 2001)]
    figures = []
    for label, batch in (("new", records), ("unchanged", records)):
        start = time.perf_counter()
        for i in range(0, len(batch), 100):
            store.store(batch[i : i + 100], "run", T1)
        seconds = time.perf_counter() - start
        figures.append(f"{label}: {len(batch) / seconds:,.0f} records/s")
    assert store.articles.count == 2000
    store.close()
    with capsys.disabled():
        print(f"\n[archive throughput, batches of 100] {'; '.join(figures)}")
