"""The SQLite archive: one row per article, its authors, files and images, its earlier versions,
and one row per crawl run (``shared/site/record.md``, "SQLite archive").

Plain library code over :class:`sqlite_utils.Database` (no Scrapy): a pipeline hands batches of
records (dicts with the keys of :class:`~newszone_crawler.items.Article`) to
:meth:`ArchiveStore.store` and learns from its answer what became of each record.

Rules the store keeps:

* a batch is written in one transaction: all of it or none of it;
* every write transaction begins ``IMMEDIATE``: it takes the write lock first, so another
  program holding the lock (a backup, a Datasette user) makes it wait up to the busy timeout
  instead of failing at once when a read inside the transaction would upgrade to a write;
* an archive that another program keeps locked, that is not SQLite or that fails its check
  raises :class:`ArchiveError` with a message naming the file and what to do;
* an article's ``content_hash`` decides its outcome: ``new``, ``changed`` (the previous record is
  copied to ``article_versions`` first) or ``unchanged`` (only ``last_seen``, ``views`` and
  ``crawled_at`` move on; ``views`` is volatile and never part of the hash);
* nothing stored is replaced by nothing: an incoming ``None``, ``""``, ``[]`` or ``{}`` keeps the
  stored value (a soft error page must not wipe an article), and attachment download fields
  (``sha256``, ``bytes``, ...) stored for a URL survive a record that lacks them;
* nothing is deleted: an article that disappears gets ``gone_at``.

>>> store = ArchiveStore(sqlite_utils.Database(memory=True))
>>> record = {"id": "O_1", "title": "Drill", "body": "Soldiers trained.", "content_hash": "h1"}
>>> store.store([record], run_id="r1", now="2026-01-01T00:00:00Z")
[StoreOutcome(id='O_1', outcome='new')]
>>> store.store([{**record, "views": 7}], run_id="r2", now="2026-01-02T00:00:00Z")
[StoreOutcome(id='O_1', outcome='unchanged')]
>>> store.record("O_1")["views"], store.record("O_1")["first_seen"]
(7, '2026-01-01T00:00:00Z')
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import sqlite_utils
from w3lib.url import url_query_parameter
from sqlite_utils import Migrations

from ..local_faults import sqlite_local_fault
from ..items import Article

__all__ = [
    "ARCHIVE_KEYS",
    "CAPTURE_KEYS",
    "FEED_KEYS",
    "KILLED_REASON",
    "MIGRATIONS",
    "RAW_KEYS",
    "RECORD_KEYS",
    "ArchiveError",
    "ArchiveStore",
    "Outcome",
    "StoreOutcome",
]

Outcome = Literal["new", "changed", "unchanged"]

RAW_KEYS: tuple[str, ...] = ("copyright_raw", "files_raw")
"""Raw extras of an :class:`Article`: stored in ``articles`` but not part of the export record."""
FEED_KEYS: tuple[str, ...] = ("outcome",)
"""Marks of an :class:`Article` for the feeds only (the run's outcome): never stored."""
RECORD_KEYS: tuple[str, ...] = tuple(
    f.name for f in fields(Article) if f.name not in RAW_KEYS + FEED_KEYS
)
"""The keys of an export record (``record.md``), in the order of :class:`Article`."""
ARCHIVE_KEYS: tuple[str, ...] = ("first_seen", "last_seen", "changed_at", "gone_at")
"""What the archive adds to each export record; set by the store, never by an incoming record."""

JSON_COLUMNS = frozenset(
    {"subtitles", "images", "authors", "copyright", "attachments", "files_raw"}
)
"""Columns of ``articles`` holding a list or an object as JSON text."""
AUTHOR_KEYS = ("name", "email", "role")
IMAGE_KEYS = ("url", "caption")
CAPTURE_KEYS = (
    "sha256", "bytes", "content_type", "warc_file", "warc_offset", "warc_record_id", "status",
    "error",
)
"""Image fields the photo capture adds (``files.PhotoCapturePipeline``): where the photo's
response sits in the WARC files and the sha256 of its body."""
ATTACHMENT_KEYS = ("name", "url", "size_raw")
DOWNLOAD_KEYS = ("sha256", "bytes", "content_type", "path", "status", "error", "server_name")
"""Attachment fields a file download adds; kept when a later record lacks them."""
VOLATILE_KEYS = ("views", "crawled_at")
"""What an unchanged record still updates (besides ``last_seen``)."""
RUN_COUNTS = ("new", "changed", "unchanged", "failed", "gone", "pages", "requests")

_CHUNK = 500  # ids per ``IN (...)`` query
KILLED_REASON = "ended without finishing (killed or crashed)"
"""The reason given to a ``runs`` row that a later run found without a status."""


class ArchiveError(Exception):
    """The archive cannot be used for a run; the message names the file and what to do.

    ``status`` is the run status it leads to: ``locked`` (another program holds the write
    lock: try again later) or ``failed`` (not SQLite, or damaged: restore or rebuild it).
    """

    def __init__(self, message: str, status: str) -> None:
        super().__init__(message)
        self.status = status


def archive_error(path: str | Path, error: sqlite3.Error) -> ArchiveError:
    """The :class:`ArchiveError` for an SQLite error met while opening or checking ``path``.

    >>> str(archive_error("a.sqlite", sqlite3.OperationalError("database is locked")))
    'busy: another program holds a write lock on a.sqlite; retry later'
    >>> str(archive_error("a.sqlite", sqlite3.OperationalError("attempt to write a readonly database")))
    'cannot write the archive: the archive is read-only (SQLite: attempt to write a readonly database): a.sqlite'
    >>> error = archive_error("a.sqlite", sqlite3.DatabaseError("file is not a database"))
    >>> error.status, str(error).split(":")[0]
    ('failed', 'a.sqlite is not a usable SQLite archive (file is not a database)')
    """
    text = str(error)
    if isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return ArchiveError(
            f"busy: another program holds a write lock on {path}; retry later", "locked"
        )
    fault = sqlite_local_fault(error, path)
    if fault:  # the machine's disk, not the archive: nothing to restore or rebuild
        return ArchiveError(f"cannot write the archive: {fault}", "failed")
    if "unable to open database file" in text:
        return ArchiveError(
            f"cannot open the archive {path} ({text}): it must be a file in a folder this run "
            "may write", "failed",
        )
    return ArchiveError(
        f"{path} is not a usable SQLite archive ({text}): restore it from a backup or rebuild "
        "it with `python -m newszone_crawler rebuild`",
        "failed",
    )


@dataclass(frozen=True)
class StoreOutcome:
    """What :meth:`ArchiveStore.store` did with one record."""

    id: str
    outcome: Outcome


# -- schema ----------------------------------------------------------------------------------

MIGRATIONS = Migrations("newszone_archive")
"""The archive's schema, as ordered ``sqlite_utils`` migrations (recorded in
``_sqlite_migrations``). Never edit an applied migration: add a new one."""


@MIGRATIONS()
def m001_initial(db: sqlite_utils.Database) -> None:
    """Articles, their children, their earlier versions and the runs."""
    db.table("articles").create(
        {
            "id": str,
            "board_id": str,
            "url": str,
            "fetched_url": str,
            "section": str,
            "board": str,
            "title": str,
            "title_raw": str,
            "title_truncated": int,
            "published": str,
            "published_raw": str,
            "subtitles": str,
            "body": str,
            "images": str,
            "authors": str,
            "byline_raw": str,
            "copyright": str,
            "copyright_raw": str,
            "attachments": str,
            "files_raw": str,
            "views": int,
            "content_hash": str,
            "crawled_at": str,
            "first_seen": str,
            "last_seen": str,
            "changed_at": str,
            "gone_at": str,
        },
        pk="id",
        not_null=["first_seen", "last_seen"],
    )
    db.table("articles").create_index(["published"])
    db.table("authors").create({"id": int, "name": str, "email": str}, pk="id")
    db.table("authors").create_index(["name", "email"], unique=True)
    db.table("article_authors").create(
        {"article_id": str, "author_id": int, "position": int, "role": str},
        pk=("article_id", "position"),
        foreign_keys=[("article_id", "articles", "id"), ("author_id", "authors", "id")],
    )
    db.table("article_authors").create_index(["author_id"])
    db.table("attachments").create(
        {
            "article_id": str,
            "position": int,
            "name": str,
            "url": str,
            "size_raw": str,
            "sha256": str,
            "bytes": int,
            "content_type": str,
            "path": str,
            "status": str,
            "error": str,
        },
        pk=("article_id", "url"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("images").create(
        {"article_id": str, "position": int, "url": str, "caption": str},
        pk=("article_id", "position"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    # AUTOINCREMENT (which Table.create() does not spell): a version id is never reused.
    db.execute(
        """CREATE TABLE article_versions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            article_id TEXT NOT NULL REFERENCES articles(id),
            content_hash TEXT,
            record TEXT NOT NULL,
            valid_from TEXT,
            replaced_at TEXT NOT NULL,
            run_id TEXT
        )"""
    )
    db.table("article_versions").create_index(["article_id"])
    db.table("runs").create(
        {
            "id": str,
            "started_at": str,
            "finished_at": str,
            "mode": str,
            **dict.fromkeys(RUN_COUNTS, int),
            "status": str,
            "reasons": str,
        },
        pk="id",
    )


@MIGRATIONS()
def m002_full_text_search(db: sqlite_utils.Database) -> None:
    """FTS5 over title, subtitles and body, kept in sync by triggers."""
    db.table("articles").enable_fts(
        ["title", "subtitles", "body"], create_triggers=True, tokenize="porter"
    )


@MIGRATIONS()
def m003_warc_columns(db: sqlite_utils.Database) -> None:
    """Where an article's response sits in a WARC file, for a later WARC writer."""
    articles = db.table("articles")
    articles.add_column("warc_file", str)
    articles.add_column("warc_record_id", str)
    articles.add_column("warc_offset", int)


@MIGRATIONS()
def m004_run_boards(db: sqlite_utils.Database) -> None:
    """Which boards a run walked, so an incremental run knows whether the boards' older pages
    were ever read to the end by a run that finished well."""
    db.table("runs").add_column("boards", str)


@MIGRATIONS()
def m005_attachment_server_name(db: sqlite_utils.Database) -> None:
    """The file name the server gave (Content-Disposition), kept as data, never as a path."""
    db.table("attachments").add_column("server_name", str)


@MIGRATIONS()
def m006_failures(db: sqlite_utils.Database) -> None:
    """Articles a run could not fetch or read, with the reason: nothing fails silently."""
    db.table("failures").create(
        {"id": int, "run_id": str, "article_id": str, "url": str, "reason": str, "at": str},
        pk="id",
    )
    db.table("failures").create_index(["article_id"])


@MIGRATIONS()
def m007_image_captures(db: sqlite_utils.Database) -> None:
    """Each photo's capture: its WARC file, offset and record id, sha256, size and type."""
    images = db.table("images")
    for name in CAPTURE_KEYS:
        if name not in images.columns_dict:
            images.add_column(name, int if name in ("bytes", "warc_offset") else str)


# -- pure helpers ----------------------------------------------------------------------------


def is_empty(value: Any) -> bool:
    """True for the values that never replace a stored one.

    >>> [is_empty(v) for v in (None, "", [], {}, 0, False, "x")]
    [True, True, True, True, False, False, False]
    """
    return value is None or (isinstance(value, str | list | dict) and not value)


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def to_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """An incoming record as ``articles`` columns: lists and objects as JSON text.

    >>> to_row({"id": "O_1", "subtitles": ["a"], "title_truncated": False, "copyright": None})
    {'id': 'O_1', 'subtitles': '["a"]', 'title_truncated': 0, 'copyright': None}
    """
    row: dict[str, Any] = {}
    for key, value in record.items():
        if key in JSON_COLUMNS:
            row[key] = _dumps(value)
        elif key == "title_truncated" and value is not None:
            row[key] = int(value)
        else:
            row[key] = value
    return row


def check_record(record: Mapping[str, Any]) -> str:
    """The record's id, or ``ValueError`` when it has none or carries an undeclared key.

    >>> check_record({"id": "O_1", "title": "T"})
    'O_1'
    >>> check_record({"id": "O_1", "first_seen": "2026-01-01"})
    Traceback (most recent call last):
    ...
    ValueError: O_1: undeclared keys ['first_seen']
    """
    article_id = record.get("id")
    if not isinstance(article_id, str) or not article_id:
        raise ValueError(f"record without an id: {dict(record)!r:.200}")
    extra = sorted(set(record) - set(RECORD_KEYS) - set(RAW_KEYS))
    if extra:
        raise ValueError(f"{article_id}: undeclared keys {extra}")
    children = (
        ("authors", AUTHOR_KEYS),
        ("images", IMAGE_KEYS + CAPTURE_KEYS),
        ("attachments", ATTACHMENT_KEYS + DOWNLOAD_KEYS),
    )
    for key, allowed in children:
        for entry in record.get(key) or []:
            extra = sorted(set(entry) - set(allowed))
            if extra:
                raise ValueError(f"{article_id}: undeclared keys {extra} in {key}")
    return article_id


def _attachment_rows(
    article_id: str, attachments: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One row per attachment URL (the first entry of a URL wins; entries without one are
    not files)."""
    rows: dict[str, dict[str, Any]] = {}
    for entry in attachments:
        url = entry.get("url")
        if url and url not in rows:
            row = {"article_id": article_id, "position": len(rows)}
            row.update({key: entry.get(key) for key in ATTACHMENT_KEYS + DOWNLOAD_KEYS})
            rows[url] = row
    return list(rows.values())


def _chunks(items: list[str], size: int = _CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_IMAGE_COLUMNS = IMAGE_KEYS + CAPTURE_KEYS


def _sql_value(value: Any) -> Any:
    """A value as ``sqlite_utils`` writes it: lists and objects as JSON text.

    >>> _sql_value({"a": "é"}), _sql_value(3), _sql_value(None)
    ('{"a": "é"}', 3, None)
    """
    if value.__class__ in _SCALARS:
        return value
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=repr, ensure_ascii=False)
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _update_of(article_id: str, values: dict[str, Any]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """The columns and parameters of an ``UPDATE articles ... WHERE id = ?`` (never the id)."""
    values = {k: v for k, v in values.items() if k != "id"}
    return tuple(values), (*(_sql_value(v) for v in values.values()), article_id)


def _unique_runs(batch: list[Mapping[str, Any]]) -> Iterator[list[Mapping[str, Any]]]:
    """The batch cut into consecutive parts without a repeated id (each part is stored in one
    go; a later part sees what an earlier one wrote).

    >>> [[r["id"] for r in part] for part in _unique_runs([{"id": "a"}, {"id": "b"}, {"id": "a"}])]
    [['a', 'b'], ['a']]
    """
    part: list[Mapping[str, Any]] = []
    ids: set[str] = set()
    for record in batch:
        if record["id"] in ids:
            yield part
            part, ids = [], set()
        part.append(record)
        ids.add(record["id"])
    if part:
        yield part


# -- the store -------------------------------------------------------------------------------


class ArchiveStore:
    """The article archive over a ``sqlite_utils.Database``; migrates the schema on creation.

    Use :meth:`open` for a file (WAL mode); pass ``sqlite_utils.Database(memory=True)`` in tests.
    """

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        MIGRATIONS.apply(db)
        self.articles = db.table("articles")
        self.authors = db.table("authors")
        self.article_authors = db.table("article_authors")
        self.attachments = db.table("attachments")
        self.images = db.table("images")
        self.versions = db.table("article_versions")
        self.runs = db.table("runs")
        self._author_ids: dict[tuple[str | None, str | None], int] = {}
        """``(name, email) -> authors.id`` met in committed batches."""
        self._authors_pending: dict[tuple[str | None, str | None], int] = {}

    @classmethod
    def open(cls, path: str | Path, busy_timeout_ms: int = 10_000) -> ArchiveStore:
        """Open (or create, with its parent folder) the archive at ``path``: WAL journal,
        ``synchronous=NORMAL``, and a busy timeout for a second process (an export) reading
        or writing at the same time."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(path)
        try:
            db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            db.enable_wal()
            db.execute("PRAGMA synchronous = NORMAL")
            return cls(db)
        except BaseException:
            db.close()
            raise

    @classmethod
    def open_checked(cls, path: str | Path, busy_timeout_ms: int = 10_000) -> ArchiveStore:
        """:meth:`open` for a run: ``PRAGMA quick_check``, and the full ``integrity_check``
        when the latest run did not finish (a kill mid-write is when damage is likeliest).
        Any SQLite error, or a failed check, raises :class:`ArchiveError`; nothing is written
        to an archive that fails."""
        try:
            store = cls.open(path, busy_timeout_ms)
        except sqlite3.Error as error:
            raise archive_error(path, error) from error
        try:
            full = store.last_run_unfinished()
            problems = store.check(full=full)
        except sqlite3.Error as error:
            store.close()
            raise archive_error(path, error) from error
        if problems:
            store.close()
            check = "integrity_check" if full else "quick_check"
            shown = "; ".join(problems[:3]) + ("; ..." if len(problems) > 3 else "")
            raise archive_error(path, sqlite3.DatabaseError(f"{check}: {shown}"))
        return store

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, begun ``IMMEDIATE`` (the write lock first, waiting up to the
        busy timeout for another program's); a savepoint inside an open transaction."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.rollback()
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            self.db.rollback()
            raise

    # -- writing ---------------------------------------------------------------------------

    def store(
        self, records: Iterable[Mapping[str, Any]], run_id: str, now: str,
        times: Sequence[str] | None = None,
    ) -> list[StoreOutcome]:
        """Write a batch of records in one transaction; return what became of each.
        ``times`` (one per record) stores each record at its own time instead of ``now``
        (``rebuild``: each at its capture's date).

        Every record is checked (:func:`check_record`) before anything is written; an error
        while writing rolls the whole batch back. The stored rows of the batch are read in
        one query per :data:`_CHUNK` ids, the outcome of each record decided once, and each
        table written with one prepared statement per shape of row (``executemany``; the
        full-text triggers fire for each row as before). An id met twice in a batch starts a
        new pass, so the second sees what the first wrote.
        """
        batch = list(records)
        for record in batch:
            check_record(record)
        at = list(times) if times is not None else [now] * len(batch)
        if len(at) != len(batch):
            raise ValueError(f"{len(at)} times for {len(batch)} records")
        outcomes: list[StoreOutcome] = []
        self._authors_pending = {}
        nested = self.db.conn.in_transaction
        try:
            with self._write():
                start = 0
                for part in _unique_runs(batch):
                    when = {r["id"]: w for r, w in zip(part, at[start:start + len(part)],
                                                       strict=True)}
                    start += len(part)
                    outcomes.extend(self._store_part(part, run_id, when))
        finally:
            pending, self._authors_pending = self._authors_pending, {}
        if not nested:  # committed: the new authors rows are there for good
            self._author_ids.update(pending)
        return outcomes

    def _stored_rows(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """``{id: articles row}`` of those of ``ids`` that are stored (one query per chunk)."""
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(ids):
            cursor = self.db.conn.execute(
                f"SELECT * FROM articles WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            )
            names = [d[0] for d in cursor.description]
            for values in cursor:
                row = dict(zip(names, values, strict=True))
                found[row["id"]] = row
        return found

    def _store_part(
        self, records: list[Mapping[str, Any]], run_id: str, when: dict[str, str]
    ) -> list[StoreOutcome]:
        """Store records with distinct ids, each at its time ``when[id]``: decide each
        outcome, then write table by table."""
        conn = self.db.conn
        stored = self._stored_rows([r["id"] for r in records])
        outcomes: list[StoreOutcome] = []
        new: list[Mapping[str, Any]] = []
        changed: list[Mapping[str, Any]] = []
        unchanged: list[Mapping[str, Any]] = []
        for record in records:
            article_id = record["id"]
            row = stored.get(article_id)
            incoming_hash = record.get("content_hash")
            if row is None:
                outcome: Outcome = "new"
                new.append(record)
            elif incoming_hash is None or incoming_hash == row["content_hash"]:
                outcome = "unchanged"
                unchanged.append(record)
            else:
                outcome = "changed"
                changed.append(record)
            outcomes.append(StoreOutcome(article_id, outcome))

        # changed: the previous record becomes a version first (in batch order)
        if changed:
            before = self._records([stored[r["id"]] for r in changed])
            conn.executemany(
                "INSERT INTO article_versions (article_id, content_hash, record, valid_from,"
                " replaced_at, run_id) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        r["id"],
                        stored[r["id"]]["content_hash"],
                        json.dumps(previous, ensure_ascii=False),
                        stored[r["id"]]["changed_at"] or stored[r["id"]]["first_seen"],
                        when[r["id"]],
                        run_id,
                    )
                    for r, previous in zip(changed, before, strict=True)
                ],
            )

        # articles rows
        inserts = (
            {**to_row(r), "first_seen": when[r["id"]], "last_seen": when[r["id"]]} for r in new
        )
        self._execute_shapes(
            (tuple(row), tuple(_sql_value(v) for v in row.values())) for row in inserts
        )
        updates: list[tuple[tuple[str, ...], tuple[Any, ...]]] = []
        for record in unchanged:
            update: dict[str, Any] = {"last_seen": when[record["id"]], "gone_at": None}
            update.update({k: record[k] for k in VOLATILE_KEYS if record.get(k) is not None})
            updates.append(_update_of(record["id"], update))
        for record in changed:
            update = to_row({k: v for k, v in record.items() if not is_empty(v)})
            now = when[record["id"]]
            update.update({"last_seen": now, "changed_at": now, "gone_at": None})
            updates.append(_update_of(record["id"], update))
        self._execute_shapes(updates, update=True)

        # children: those of new and changed records (changed ones replace what is stored)
        replaced = {r["id"] for r in changed}
        fresh = [r for r in records if stored.get(r["id"]) is None or r["id"] in replaced]
        self._write_children(fresh, replaced)
        self._merge_downloads(unchanged)
        return outcomes

    def _execute_shapes(
        self, rows: Iterable[tuple[tuple[str, ...], tuple[Any, ...]]], update: bool = False
    ) -> None:
        """Insert (or, ``update``, update by id) ``articles`` rows given as (columns, values),
        one ``executemany`` per run of rows with the same columns, in order."""
        shape: tuple[str, ...] | None = None
        params: list[tuple[Any, ...]] = []

        def flush() -> None:
            if shape is None or not params:
                return
            columns = ", ".join(f"[{c}]" for c in shape)
            if update:
                sql = "UPDATE articles SET " + ", ".join(f"[{c}] = ?" for c in shape)
                sql += " WHERE id = ?"
            else:
                marks = ", ".join("?" * len(shape))
                sql = f"INSERT INTO articles ({columns}) VALUES ({marks})"
            self.db.conn.executemany(sql, params)

        for columns, values in rows:
            if columns != shape:
                flush()
                shape, params = columns, []
            params.append(values)
        flush()

    def _write_children(self, records: list[Mapping[str, Any]], replaced: set[str]) -> None:
        """Authors, images and attachments of new and changed records (ids in ``replaced``:
        their stored children are replaced); an empty list keeps the stored children."""
        conn = self.db.conn
        author_rows: list[tuple[Any, ...]] = []
        image_rows: list[tuple[Any, ...]] = []
        attachment_rows: list[dict[str, Any]] = []
        drop: dict[str, list[tuple[str]]] = {"article_authors": [], "images": [], "attachments": []}
        with_attachments: list[str] = []
        for record in records:
            article_id = record["id"]
            replace = article_id in replaced
            authors = record.get("authors") or []
            if authors:
                if replace:
                    drop["article_authors"].append((article_id,))
                for position, a in enumerate(authors):
                    author_id = self._author_id(a.get("name"), a.get("email"))
                    author_rows.append((article_id, author_id, position, a.get("role")))
            images = record.get("images") or []
            if images:
                if replace:
                    drop["images"].append((article_id,))
                for position, i in enumerate(images):
                    image_rows.append(
                        (article_id, position, *(_sql_value(i.get(k)) for k in _IMAGE_COLUMNS))
                    )
            rows = _attachment_rows(article_id, record.get("attachments") or [])
            if rows:
                if replace:
                    drop["attachments"].append((article_id,))
                    with_attachments.append(article_id)
                attachment_rows.extend(rows)
        if with_attachments:
            earlier: dict[tuple[str, str], dict[str, Any]] = {}
            for chunk in _chunks(with_attachments):
                cursor = conn.execute(
                    "SELECT * FROM attachments WHERE article_id IN"
                    f" ({', '.join('?' * len(chunk))})", chunk,
                )
                names = [d[0] for d in cursor.description]
                for values in cursor:
                    old = dict(zip(names, values, strict=True))
                    earlier[(old["article_id"], old["url"])] = old
            for row in attachment_rows:
                old = earlier.get((row["article_id"], row["url"]), {})
                for key in DOWNLOAD_KEYS:
                    if row[key] is None:
                        row[key] = old.get(key)
        for table, ids in drop.items():
            if ids:
                conn.executemany(f"DELETE FROM {table} WHERE article_id = ?", ids)
        if author_rows:
            conn.executemany(
                "INSERT INTO article_authors (article_id, author_id, position, role)"
                " VALUES (?, ?, ?, ?)", author_rows,
            )
        if image_rows:
            columns = ", ".join(f"[{c}]" for c in ("article_id", "position", *_IMAGE_COLUMNS))
            marks = ", ".join("?" * (2 + len(_IMAGE_COLUMNS)))
            conn.executemany(f"INSERT INTO images ({columns}) VALUES ({marks})", image_rows)
        if attachment_rows:
            names = ("article_id", "position", *ATTACHMENT_KEYS, *DOWNLOAD_KEYS)
            columns = ", ".join(f"[{c}]" for c in names)
            marks = ", ".join("?" * len(names))
            conn.executemany(
                f"INSERT INTO attachments ({columns}) VALUES ({marks})",
                [tuple(_sql_value(row[c]) for c in names) for row in attachment_rows],
            )

    def _merge_downloads(self, records: list[Mapping[str, Any]]) -> None:
        """Download fields unchanged records bring for their stored attachments.

        An unchanged record has the stored attachments in the stored order (their URLs are
        part of the content hash, by path), so rows are matched by position: the same file
        reached over another scheme, host name or demo port updates its row. A new ``status``
        always brings its ``error`` (a success clears an old failure's reason)."""
        shapes: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for record in records:
            for row in _attachment_rows(record["id"], record.get("attachments") or []):
                found = {k: row[k] for k in DOWNLOAD_KEYS if row[k] is not None}
                if "status" in found:
                    found["error"] = row.get("error")
                if found:
                    shapes.setdefault(tuple(found), []).append(
                        (*(_sql_value(v) for v in found.values()), record["id"], row["position"])
                    )
        for keys, params in shapes.items():
            assignments = ", ".join(f"[{key}] = ?" for key in keys)
            self.db.conn.executemany(
                f"UPDATE attachments SET {assignments} WHERE article_id = ? AND position = ?",
                params,
            )

    def _set_download(self, article_id: str, url: str, download: Mapping[str, Any]) -> bool:
        if not download:
            return False
        assignments = ", ".join(f"[{key}] = ?" for key in download)
        cursor = self.db.execute(
            f"UPDATE attachments SET {assignments} WHERE article_id = ? AND url = ?",
            [*download.values(), article_id, url],
        )
        return cursor.rowcount == 1

    def _author_id(self, name: str | None, email: str | None) -> int:
        """The shared ``authors`` row of a (name, email) pair, created when first met; the
        pairs met are remembered for the store's life (rows of ``authors`` are never
        deleted), those created in a batch once the batch is committed."""
        key = (name, email)
        found = self._author_ids.get(key) or self._authors_pending.get(key)
        if found is not None:
            return found
        row = self.db.conn.execute(
            "SELECT id FROM authors WHERE name IS ? AND email IS ?", [name, email]
        ).fetchone()
        if row:
            self._authors_pending[key] = int(row[0])
            return int(row[0])
        cursor = self.db.conn.execute(
            "INSERT INTO authors (name, email) VALUES (?, ?)", [name, email]
        )
        assert cursor.lastrowid is not None
        self._authors_pending[key] = int(cursor.lastrowid)
        return int(cursor.lastrowid)

    def update_attachment(self, article_id: str, url: str, download: Mapping[str, Any]) -> bool:
        """Record a file download (``sha256``, ``bytes``, ``content_type``, ``path``,
        ``status``, ``error``) for a stored attachment; False when there is no such row."""
        unknown = sorted(set(download) - set(DOWNLOAD_KEYS))
        if unknown:
            raise ValueError(f"undeclared download keys {unknown}")
        with self._write():
            return self._set_download(article_id, url, download)

    def record_failure(self, run_id: str, article_id: str, url: str, reason: str, now: str) -> None:
        """Note that a run could not fetch or read an article (nothing stored is touched)."""
        with self._write():
            self.db.table("failures").insert(
                {"run_id": run_id, "article_id": article_id, "url": url, "reason": reason,
                 "at": now}
            )

    def record_failures(
        self, run_id: str, failures: Iterable[tuple[str, str, str]], now: str
    ) -> None:
        """Note several failed articles (``(id, url, reason)`` each) in one transaction."""
        rows = [
            {"run_id": run_id, "article_id": a, "url": u, "reason": r, "at": now}
            for a, u, r in failures
        ]
        with self.db.atomic():
            self.db.table("failures").insert_all(rows)

    def mark_gone(self, article_id: str, now: str) -> bool:
        """Set ``gone_at`` on a stored article that is no longer listed (never deletes it).
        True when the article is stored and was not already gone."""
        with self._write():
            cursor = self.db.execute(
                "UPDATE articles SET gone_at = ? WHERE id = ? AND gone_at IS NULL",
                [now, article_id],
            )
        return cursor.rowcount == 1

    # -- runs ------------------------------------------------------------------------------

    def start_run(
        self, run_id: str, mode: str, started_at: str, boards: Iterable[str] = ()
    ) -> None:
        """Open the ``runs`` row of a crawl (``boards``: the board ids it walks)."""
        row = {"id": run_id, "mode": mode, "started_at": started_at,
               "boards": json.dumps(sorted(boards))}
        with self._write():
            self.runs.upsert(row, pk="id")

    def last_run_unfinished(self) -> bool:
        """Whether the latest ``runs`` row has no status (its run was killed or crashed)."""
        row = self.db.execute(
            "SELECT status FROM runs ORDER BY started_at DESC, id DESC LIMIT 1"
        ).fetchone()
        return row is not None and row[0] is None

    def mark_unfinished_runs(self, exclude_run: str | None = None) -> int:
        """Give the ``runs`` rows left without a status (``exclude_run`` aside: the run asking)
        the status ``killed`` and :data:`KILLED_REASON`; return how many there were."""
        with self._write():
            cursor = self.db.execute(
                "UPDATE runs SET status = 'killed', reasons = ? WHERE status IS NULL AND id IS NOT ?",
                [json.dumps([KILLED_REASON]), exclude_run],
            )
        return cursor.rowcount

    def boards_walked_ok(self, exclude_run: str | None = None) -> set[str]:
        """Board ids whose latest run (``exclude_run`` aside: the run asking) finished with
        status ``ok``: their archive holds every article the board listed then, so a later
        incremental run may stop at known pages. A later failed or killed run (no status)
        takes that trust away until a run walks the board to the end and finishes ok."""
        latest: dict[str, str | None] = {}
        for boards, status in self.db.execute(
            "SELECT boards, status FROM runs WHERE id IS NOT ? ORDER BY started_at DESC, id DESC",
            [exclude_run],
        ):
            for board in _loads(boards) or []:
                latest.setdefault(board, status)
        return {board for board, status in latest.items() if status == "ok"}

    def boards_vouched_at(self, exclude_run: str | None = None) -> dict[str, str]:
        """Board id -> start of the latest run that walked it whole and ended ``ok``."""
        vouched: dict[str, str] = {}
        for boards, started in self.db.execute(
            "SELECT boards, started_at FROM runs WHERE status = 'ok' AND id IS NOT ? "
            "ORDER BY started_at DESC", [exclude_run],
        ):
            for board in _loads(boards) or []:
                vouched.setdefault(board, started)
        return vouched

    def owed(self) -> dict[str, dict[str, Any]]:
        """``{article id: {board_id, url, reason, at}}`` of the failed articles the archive still
        owes: the latest failure of each that no later store cleared (never stored, or last
        seen before it failed). A board owing one is walked whole by the next run.

        >>> store = ArchiveStore(sqlite_utils.Database(memory=True))
        >>> store.record_failures("r1", [("O_1", "http://h/v?boardId=O_47261&boardSeq=O_1", "x"),
        ...                              ("O_2", "http://h/v?boardId=O_47261&boardSeq=O_2", "y")], "2026-01-01T00:00:00Z")
        >>> _ = store.store([{"id": "O_2", "title": "T"}], "r2", "2026-01-02T00:00:00Z")
        >>> {k: (v["board_id"], v["reason"]) for k, v in store.owed().items()}
        {'O_1': ('O_47261', 'x')}
        """
        sql = """SELECT f.article_id, f.url, f.reason, f.at FROM failures f
                 JOIN (SELECT article_id, max(id) AS last FROM failures GROUP BY article_id) l
                   ON f.id = l.last
                 LEFT JOIN articles a ON a.id = f.article_id
                 WHERE a.id IS NULL OR (a.last_seen < f.at AND a.gone_at IS NULL)"""
        owed: dict[str, dict[str, Any]] = {}
        for article_id, url, reason, at in self.db.execute(sql):
            board = url_query_parameter(url or "", "boardId")
            owed[article_id] = {"board_id": (board or "").strip().upper() or None, "url": url,
                                "reason": reason, "at": at}
        return owed

    def state(self) -> dict[str, dict[str, Any]]:
        """``{id: {content_hash, published, board_id, url, gone_at, files_pending}}`` of every
        stored article: what an incremental crawl needs to decide what to fetch
        (``files_pending``: an attachment download failed and is due another try)."""
        sql = """SELECT id, content_hash, published, board_id, url, gone_at,
                 EXISTS (SELECT 1 FROM attachments a
                         WHERE a.article_id = articles.id AND a.status = 'failed') AS files_pending
                 FROM articles"""
        return {row.pop("id"): row for row in self.db.query(sql)}

    def crawl_state(self, run_id: str | None = None) -> CrawlState:
        """What an incremental crawl for run ``run_id`` (whose own ``runs`` row does not
        count) needs from the archive, read once at its start."""
        # A failure older than a later whole walk of its board that ended ok is cleared:
        # that walk would have fetched the article again had the board still listed it.
        vouched = self.boards_vouched_at(exclude_run=run_id)
        owed = {
            seq: row for seq, row in self.owed().items()
            if not (row["board_id"] in vouched and row["at"] < vouched[row["board_id"]])
        }
        owing = {row["board_id"] for row in owed.values()}
        walked_ok = self.boards_walked_ok(exclude_run=run_id) - owing
        return CrawlState(self.state(), walked_ok, owed)

    def downloads(self) -> list[dict[str, Any]]:
        """The stored attachments with a downloaded file (``sha256`` and ``bytes`` known):
        ``{url, sha256, bytes, content_type, path, server_name}`` each, for the files
        pipeline to trust a file already on disk."""
        return _downloads(self.db.conn)

    def finish_run(
        self,
        run_id: str,
        finished_at: str,
        counts: Mapping[str, int],
        status: str,
        reasons: list[str],
    ) -> None:
        """Close the ``runs`` row: its counts (keys among :data:`RUN_COUNTS`), status and
        the reasons for that status."""
        unknown = sorted(set(counts) - set(RUN_COUNTS))
        if unknown:
            raise ValueError(f"undeclared run counts {unknown}")
        with self._write():
            self.runs.upsert(
                {
                    "id": run_id,
                    "finished_at": finished_at,
                    **counts,
                    "status": status,
                    "reasons": json.dumps(list(reasons), ensure_ascii=False),
                },
                pk="id",
            )

    # -- reading ---------------------------------------------------------------------------

    def known(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """``{id: {content_hash, published, gone_at}}`` for those of ``ids`` that are stored."""
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(list(dict.fromkeys(ids))):
            sql = "SELECT id, content_hash, published, gone_at FROM articles WHERE id IN ({})"
            for row in self.db.query(sql.format(", ".join("?" * len(chunk))), chunk):
                found[row.pop("id")] = row
        return found

    def stored_ids(self) -> set[str]:
        """Every stored article id, gone or not."""
        return {row[0] for row in self.db.execute("SELECT id FROM articles")}

    def recent_ids(self, since_date: str) -> set[str]:
        """Ids of the stored articles published on or after ``since_date`` (``YYYY-MM-DD``)."""
        cursor = self.db.execute("SELECT id FROM articles WHERE published >= ?", [since_date])
        return {row[0] for row in cursor}

    def record(self, article_id: str) -> dict[str, Any]:
        """The stored article as an export record (``KeyError`` when not stored)."""
        rows = list(self.articles.rows_where("id = ?", [article_id]))
        if not rows:
            raise KeyError(article_id)
        return self._records(rows)[0]

    def iter_records(self) -> Iterator[dict[str, Any]]:
        """Every stored article as an export record, by publication date then id."""
        rows = self.articles.rows_where(order_by="published, id")
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == _CHUNK:
                yield from self._records(batch)
                batch = []
        yield from self._records(batch)

    def _records(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Export records of ``articles`` rows, their children read in one query per table and
        chunk (a batch of any size stays under SQLite's limit on ``?`` variables)."""
        if len(rows) > _CHUNK:
            return [record for start in range(0, len(rows), _CHUNK)
                    for record in self._records(rows[start:start + _CHUNK])]
        ids = [row["id"] for row in rows]
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        children: dict[str, dict[str, list[dict[str, Any]]]] = {
            i: {"authors": [], "images": [], "attachments": []} for i in ids
        }
        authors_sql = (
            "SELECT aa.article_id, a.name, a.email, aa.role FROM article_authors aa"
            f" JOIN authors a ON a.id = aa.author_id WHERE aa.article_id IN ({marks})"
            " ORDER BY aa.article_id, aa.position"
        )
        for row in self.db.query(authors_sql, ids):
            children[row.pop("article_id")]["authors"].append(row)
        images_sql = (
            f"SELECT * FROM images WHERE article_id IN ({marks}) ORDER BY article_id, position"
        )
        for row in self.db.query(images_sql, ids):
            image = {k: row[k] for k in IMAGE_KEYS}
            image.update({k: row[k] for k in CAPTURE_KEYS if row[k] is not None})
            children[row["article_id"]]["images"].append(image)
        attachments_sql = (
            f"SELECT * FROM attachments WHERE article_id IN ({marks}) ORDER BY article_id, position"
        )
        for row in self.db.query(attachments_sql, ids):
            entry = {k: row[k] for k in ATTACHMENT_KEYS}
            entry.update({k: row[k] for k in DOWNLOAD_KEYS if row[k] is not None})
            children[row["article_id"]]["attachments"].append(entry)
        return [self._export(row, children[row["id"]]) for row in rows]

    @staticmethod
    def _export(row: dict[str, Any], children: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for key in RECORD_KEYS:
            if key in children:
                record[key] = children[key]
            elif key == "subtitles":
                record[key] = _loads(row[key]) or []
            elif key == "copyright":
                record[key] = _loads(row[key])
            elif key == "title_truncated":
                record[key] = None if row[key] is None else bool(row[key])
            else:
                record[key] = row[key]
        record.update({key: row[key] for key in ARCHIVE_KEYS})
        return record

    def search(self, query: str, limit: int = 20) -> list[str]:
        """Ids of the articles whose title, subtitles or body match an FTS5 query, best first.

        >>> store = ArchiveStore(sqlite_utils.Database(memory=True))
        >>> _ = store.store([{"id": "O_1", "body": "Marines landed."}], "r1", "2026-01-01")
        >>> store.search("marine")
        ['O_1']
        """
        return [row["id"] for row in self.articles.search(query, columns=["id"], limit=limit)]

    def integrity_ok(self) -> bool:
        """True when ``PRAGMA integrity_check`` finds nothing wrong."""
        return not self.check(full=True)

    def check(self, full: bool = False) -> list[str]:
        """What ``PRAGMA quick_check`` (``full``: ``integrity_check``, which also compares every
        index with its table) finds wrong; empty when nothing.

        >>> ArchiveStore(sqlite_utils.Database(memory=True)).check(full=True)
        []
        """
        pragma = "integrity_check" if full else "quick_check"
        rows = [row[0] for row in self.db.execute(f"PRAGMA {pragma}").fetchall()]
        if rows == ["ok"]:
            return []
        lines = (line.strip() for row in rows for line in str(row).splitlines())
        return [line for line in lines if line and not line.startswith("***")]

    def unlink_lost_captures(self, warc_file: str, end: int) -> int:
        """Forget the WARC location of articles whose capture in ``warc_file`` starts at or
        past byte ``end`` (cut off a damaged file): ``warc_file``, ``warc_record_id`` and
        ``warc_offset`` become NULL. Returns how many rows changed.

        >>> store = ArchiveStore(sqlite_utils.Database(memory=True))
        >>> _ = store.store([{"id": "O_1", "warc_file": "a.warc.gz", "warc_offset": 10},
        ...                  {"id": "O_2", "warc_file": "a.warc.gz", "warc_offset": 900}], "r", "t")
        >>> store.unlink_lost_captures("a.warc.gz", 500), store.record("O_2")["warc_file"]
        (1, None)
        """
        with self.db.conn:
            cursor = self.db.execute(
                "UPDATE articles SET warc_file = NULL, warc_record_id = NULL, warc_offset = NULL"
                " WHERE warc_file = ? AND warc_offset >= ?",
                [warc_file, end],
            )
        return cursor.rowcount


@dataclass
class CrawlState:
    """What an incremental crawl needs from the archive, read once at its start."""

    known: dict[str, dict[str, Any]]
    """``{id: {content_hash, published, board_id, url, gone_at}}`` of every stored article."""
    walked_ok: set[str]
    """Board ids that a finished run with status ``ok`` walked, and that owe no failed
    article (see :meth:`ArchiveStore.owed`): only these may stop at known pages."""
    owed: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The failed articles the archive still owes (:meth:`ArchiveStore.owed`)."""


_DOWNLOADS_SQL = (
    "SELECT url, sha256, bytes, content_type, path, server_name FROM attachments"
    " WHERE sha256 IS NOT NULL AND bytes IS NOT NULL"
)


def _downloads(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    cursor = conn.execute(_DOWNLOADS_SQL)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def read_downloads(path: str | Path) -> list[dict[str, Any]]:
    """:meth:`ArchiveStore.downloads` of the archive at ``path``, opened read-only (nothing
    migrated, nothing written); ``sqlite3.Error`` when it cannot be read."""
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=30)
    try:
        return _downloads(conn)
    finally:
        conn.close()


def read_crawl_state(path: str | Path, run_id: str | None = None) -> CrawlState:
    """The crawl state of the archive at ``path`` for run ``run_id`` (whose own ``runs`` row
    does not count); empty when there is no archive yet. :class:`ArchiveError` when the
    archive cannot be read."""
    if not Path(path).exists():
        return CrawlState({}, set())
    try:
        store = ArchiveStore.open(path)
        try:
            return store.crawl_state(run_id)
        finally:
            store.close()
    except sqlite3.Error as error:
        raise archive_error(path, error) from error
