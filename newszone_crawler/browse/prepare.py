"""The database the browse view shows: a snapshot of the archive with a few read-only helpers
(views and an ``edits`` table), and the Datasette metadata that describes it.

The archive itself is never opened for writing by the browse view: :func:`snapshot` copies it
with SQLite's backup API (a consistent state, even while a crawl writes in WAL mode), and only
the copy gets the helpers; Datasette then serves the copy immutable. The archive's full-text
index (``articles_fts``, kept by the store's triggers) comes along in the copy.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

from ..exporters.dataset import RECORD_FIELDS
from ..exporters.sqlite_store import ArchiveStore
from .views import DIFF_FIELDS, diff_versions

__all__ = ["DATABASE", "build_helpers", "metadata", "snapshot"]

DATABASE = "newszone"
"""The database's name in the browse view's URLs (``/newszone/...``)."""

BROWSE_SCHEMA = 1
"""Version of the helpers :func:`build_helpers` adds (kept in the copy's ``browse_info``)."""


def snapshot(archive: str | Path, target: str | Path) -> Path:
    """Copy the archive at ``archive`` to ``target`` (replaced if present) with SQLite's online
    backup, add the browse helpers (:func:`build_helpers`) to the copy and return its path.
    ``FileNotFoundError`` when there is no archive."""
    archive, target = Path(archive), Path(target)
    if not archive.is_file():
        raise FileNotFoundError(f"no archive at {archive}")
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    source = sqlite3.connect(f"{archive.resolve().as_uri()}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    db = sqlite_utils.Database(target)
    try:
        db.execute("PRAGMA journal_mode = DELETE")  # one file: served immutable
        build_helpers(db)
    finally:
        db.close()
    return target


ARTICLE_LIST = """
CREATE VIEW article_list AS
SELECT a.id, a.title, a.board, a.published,
       substr(a.published, 1, 4) AS year,
       CASE WHEN a.gone_at IS NOT NULL THEN 'gone'
            WHEN a.changed_at IS NOT NULL THEN 'edited' ELSE 'listed' END AS status,
       (SELECT json_group_array(name) FROM (
            SELECT au.name FROM article_authors aa JOIN authors au ON au.id = aa.author_id
            WHERE aa.article_id = a.id ORDER BY aa.position)) AS authors,
       (SELECT count(*) FROM article_versions v WHERE v.article_id = a.id) AS edits,
       a.changed_at, a.gone_at, a.first_seen, a.last_seen, a.url, a.rowid AS search_rowid
FROM articles a
"""

AUTHOR_LIST = """
CREATE VIEW author_list AS
SELECT au.id, au.name, au.email, count(DISTINCT aa.article_id) AS articles,
       group_concat(DISTINCT aa.role) AS roles,
       min(a.published) AS first_article, max(a.published) AS last_article
FROM authors au JOIN article_authors aa ON aa.author_id = au.id
JOIN articles a ON a.id = aa.article_id
GROUP BY au.id
"""


def build_helpers(db: sqlite_utils.Database) -> None:
    """Add to a copy of the archive what the browse view reads: the views ``article_list``
    (one row per article with its year, status, author names and edit count) and
    ``author_list``, and the table ``edits``: one row per replaced version, with the version
    that replaced it (the next version, or the current record) and which compared fields
    (:data:`~.views.DIFF_FIELDS`) changed."""
    ArchiveStore(db)  # an old archive gets the current schema (in the copy only)
    with db.conn:
        for name in ("article_list", "author_list"):
            db.execute(f"DROP VIEW IF EXISTS {name}")
        db.execute(ARTICLE_LIST)
        db.execute(AUTHOR_LIST)
        db.execute("DROP TABLE IF EXISTS edits")
        db.execute("DROP TABLE IF EXISTS browse_info")
    store = ArchiveStore(db)
    rows = []
    versions = db.execute(
        "SELECT id, article_id, record, valid_from, replaced_at, run_id FROM article_versions "
        "ORDER BY article_id, id"
    ).fetchall()
    for index, (vid, article_id, record, valid_from, replaced_at, run_id) in enumerate(versions):
        before = json.loads(record)
        following = versions[index + 1] if index + 1 < len(versions) else None
        if following is not None and following[1] == article_id:
            after = json.loads(following[2])
        else:
            try:
                after = store.record(article_id)
            except KeyError:  # a version whose article row is missing: shown as removed
                after = {}
        changed = diff_versions(before, after)
        rows.append({
            "id": vid,
            "article_id": article_id,
            "title": after.get("title") or before.get("title"),
            "board": after.get("board") or before.get("board"),
            "edited_at": replaced_at,
            "previous_since": valid_from,
            "run_id": run_id,
            "fields": ", ".join(changed) or "(authors only)",
            "before": json.dumps({k: before.get(k) for k in DIFF_FIELDS}, ensure_ascii=False),
            "after": json.dumps({k: after.get(k) for k in DIFF_FIELDS}, ensure_ascii=False),
        })
    with db.conn:
        db.table("edits").create(
            {"id": int, "article_id": str, "title": str, "board": str, "edited_at": str,
             "previous_since": str, "run_id": str, "fields": str, "before": str, "after": str},
            pk="id",
        )
        db.table("edits").insert_all(rows)
        db.table("edits").create_index(["edited_at"])
        db.table("browse_info").insert({"schema": BROWSE_SCHEMA, "edits": len(rows)})


# -- metadata --------------------------------------------------------------------------------

QUERIES: dict[str, dict[str, Any]] = {
    "latest_per_board": {
        "title": "Latest articles per board",
        "description": "The ten most recently published articles of each board.",
        "sql": """SELECT board, published, id, title FROM (
  SELECT board, published, id, title,
         row_number() OVER (PARTITION BY board ORDER BY published DESC, id DESC) AS n
  FROM articles)
WHERE n <= 10 ORDER BY board, published DESC, id DESC""",
    },
    "recent_edits": {
        "title": "Recent edits",
        "description": "Articles whose content changed after the archive stored them: when, "
        "and which of title, deck, body and attachments changed (open the edits page for the "
        "word-level diff).",
        "sql": """SELECT edited_at, article_id, title, board, fields, previous_since, run_id,
       id AS version
FROM edits ORDER BY edited_at DESC, id DESC LIMIT 200""",
    },
    "gone_articles": {
        "title": "Articles gone from the site",
        "description": "Articles the site no longer lists (kept in the archive).",
        "sql": "SELECT gone_at, id, title, board, published, last_seen FROM articles "
        "WHERE gone_at IS NOT NULL ORDER BY gone_at DESC, id",
    },
    "last_runs": {
        "title": "Last runs",
        "description": "The latest crawl runs with their status, counts and the reasons for "
        "their status.",
        "sql": """SELECT id, started_at, finished_at, mode, status, new, changed, unchanged,
       failed, gone, pages, requests, reasons
FROM runs ORDER BY started_at DESC, id DESC LIMIT 50""",
    },
    "failures_owed": {
        "title": "Failures still owed",
        "description": "Articles a run could not fetch or read and that no later run stored "
        "since (the next run fetches them again).",
        "sql": """SELECT f.at, f.article_id, f.url, f.reason, f.run_id FROM failures f
JOIN (SELECT article_id, max(id) AS last FROM failures GROUP BY article_id) l ON f.id = l.last
LEFT JOIN articles a ON a.id = f.article_id
WHERE a.id IS NULL OR (a.last_seen < f.at AND a.gone_at IS NULL)
ORDER BY f.at DESC""",
    },
    "authors_articles": {
        "title": "Authors and their article counts",
        "description": "Every person named in a byline, with the number of articles.",
        "sql": "SELECT name, email, roles, articles, first_article, last_article "
        "FROM author_list ORDER BY articles DESC, name",
    },
}

_ARCHIVE_COLUMNS = {
    "copyright_raw": "The copyright line(s) exactly as shown.",
    "files_raw": "The attachment list exactly as parsed from the page (JSON).",
}


def metadata(files_root: str | Path | None = None) -> dict[str, Any]:
    """Datasette metadata for the browse view: descriptions of the database, its tables and
    columns (the article columns from :data:`~newszone_crawler.exporters.dataset.RECORD_FIELDS`),
    facets, full-text search, the saved queries, and the plugin's configuration
    (``files_root``: the output folder attachment paths are relative to; None: no file links).

    >>> m = metadata()
    >>> m["databases"]["newszone"]["tables"]["article_list"]["fts_table"]
    'articles_fts'
    >>> sorted(m["databases"]["newszone"]["queries"])[:2]
    ['authors_articles', 'failures_owed']
    """
    columns = {f.name: f.description for f in RECORD_FIELDS}
    columns.update(_ARCHIVE_COLUMNS)
    search = {"fts_table": "articles_fts", "searchmode": "escaped"}
    tables: dict[str, Any] = {
        "articles": {
            "description": "One row per article, as last seen; earlier versions are in "
            "article_versions. Search covers title, deck and body.",
            "columns": columns,
            "facets": ["board"],
            "sort_desc": "published",
            "label_column": "title",
            **search,
        },
        "article_list": {
            "title": "Articles",
            "description": "Every article with its year, status (listed, edited or gone), "
            "authors and number of edits. Search covers title, deck and body.",
            "facets": ["board", "year", "status", {"array": "authors"}],
            "sort_desc": "published",
            "columns": {
                "year": "Year of publication.",
                "status": "listed; edited (content changed after it was first stored); gone "
                "(no longer listed by the site).",
                "authors": "The names of the byline, in order (JSON list).",
                "edits": "How many earlier versions the archive keeps.",
                **{k: columns[k] for k in ("id", "title", "board", "published", "changed_at",
                                           "gone_at", "first_seen", "last_seen", "url")},
                "search_rowid": "The article's rowid, which the full-text index refers to.",
            },
            **search,
            "fts_pk": "search_rowid",  # a view has no rowid: the articles' rowid, for search
        },
        "edits": {
            "title": "Edits",
            "description": "One row per edit: the version that was replaced (before) and the "
            "one that replaced it (after). The edits page shows the word-level diff.",
            "facets": ["board", "fields"],
            "sort_desc": "edited_at",
            "columns": {
                "id": "Id of the replaced version in article_versions.",
                "article_id": "The article.",
                "edited_at": "When a crawl found the new content.",
                "previous_since": "Since when the replaced version was the current one.",
                "fields": "Which of title, subtitles (deck), body and attachments changed.",
                "before": "The compared fields of the replaced version (JSON).",
                "after": "The compared fields of the version that replaced it (JSON).",
            },
        },
        "authors": {"description": "One row per person (name, e-mail) met in a byline.",
                    "label_column": "name"},
        "author_list": {"title": "Authors",
                        "description": "Every person with their article count and roles.",
                        "sort_desc": "articles"},
        "article_authors": {"description": "Who wrote, translated or photographed an article.",
                            "facets": ["role"]},
        "attachments": {"description": "Files attached to articles; path is where the "
                        "downloaded file is, relative to the output folder.",
                        "facets": ["status", "content_type"]},
        "images": {"description": "Photos of articles with their captions."},
        "article_versions": {"description": "Every earlier version of an article, as the full "
                             "export record (JSON) it had until replaced_at."},
        "runs": {"description": "One row per crawl run: its mode, counts, status and reasons.",
                 "facets": ["status", "mode"], "sort_desc": "started_at"},
        "failures": {"description": "Articles a run could not fetch or read, with the reason.",
                     "facets": ["run_id"], "sort_desc": "at"},
        "browse_info": {"hidden": True},
    }
    return {
        "title": "News Zone archive",
        "description": "The English News Zone boards of the Ministry of National Defense, as "
        "archived by newszone-crawler: browse, search, facets, saved views, edits and charts.",
        "databases": {
            DATABASE: {
                "description": "The cumulative archive (a snapshot taken when browse started).",
                "tables": tables,
                "queries": QUERIES,
            }
        },
        "plugins": {
            "newszone": {"files_root": None if files_root is None else str(files_root)}
        },
    }
