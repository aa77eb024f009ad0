"""The published data set: the whole archive as one JSON lines file, described by a Frictionless
``datapackage.json``.

:data:`RECORD_FIELDS` is the one place where an export record's fields get their type and
description; the data package's schema is built from it, and a test holds it equal to the keys of
:class:`~newszone_crawler.items.Article` (minus its raw extras) plus the archive's own fields.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from .sqlite_store import ArchiveStore

__all__ = [
    "RECORD_FIELDS",
    "RecordField",
    "datapackage_descriptor",
    "export_jsonl",
    "write_datapackage",
]


class RecordField(NamedTuple):
    """One key of an export record, with its Table Schema type."""

    name: str
    type: str  # string, boolean, integer, array, object, date, datetime
    description: str


RECORD_FIELDS: tuple[RecordField, ...] = (
    RecordField(
        "id", "string", "The board's article id (boardSeq, e.g. O_114186); the primary key."
    ),
    RecordField(
        "board_id", "string", "boardId of the board the article was listed on (e.g. O_47261)."
    ),
    RecordField("url", "string", "Canonical article URL."),
    RecordField("fetched_url", "string", "The URL actually fetched."),
    RecordField("section", "string", "Section as the page shows it (News Zone)."),
    RecordField("board", "string", "Board name as the page shows it (Recent News)."),
    RecordField(
        "title",
        "string",
        "The full title, recovered from the post's headline when the header cut it.",
    ),
    RecordField(
        "title_raw", "string", "The header title exactly as shown (maybe cut, ending in ...)."
    ),
    RecordField(
        "title_truncated",
        "boolean",
        "True when no full title could be recovered and title is still cut.",
    ),
    RecordField("published", "date", "Publication date (YYYY-MM-DD, Korea time)."),
    RecordField("published_raw", "string", "The date as shown."),
    RecordField("subtitles", "array", "The deck lines, in order (list of strings)."),
    RecordField(
        "body",
        "string",
        "Plain text of the article: paragraphs joined by a blank line; no headline, deck, photo "
        "captions, byline or copyright lines.",
    ),
    RecordField(
        "images",
        "array",
        "Images as [{url, caption}]: absolute URLs with their captions (or null).",
    ),
    RecordField(
        "authors",
        "array",
        "One entry per person as [{name, email, role}]; role is reporter, translator or "
        "photographer; email lower-cased, or null.",
    ),
    RecordField("byline_raw", "string", "The byline line(s) exactly as shown, or null."),
    RecordField(
        "copyright",
        "object",
        "The copyright notice as {holder, year, text}: holder as written, year or null, and the "
        "notice as shown; or null.",
    ),
    RecordField(
        "attachments",
        "array",
        "Real files as [{name, url, size_raw}], absolute and de-duplicated by URL, in page "
        "order; once downloaded also sha256, bytes, content_type and path (relative to the "
        "output folder).",
    ),
    RecordField(
        "views", "integer", "The hit counter when last seen (volatile: not in content_hash)."
    ),
    RecordField(
        "content_hash",
        "string",
        "sha256 (hex) over the normalized title, subtitles, body, authors and attachment URLs.",
    ),
    RecordField("crawled_at", "datetime", "ISO 8601 UTC time of the latest fetch."),
    RecordField("warc_file", "string", "The WARC file holding the latest capture of the article page."),
    RecordField("warc_record_id", "string", "WARC-Record-ID of that capture's response record."),
    RecordField("warc_offset", "integer", "Byte offset of that record in the WARC file."),
    RecordField("first_seen", "datetime", "When the archive first stored the article."),
    RecordField("last_seen", "datetime", "When a crawl last found the article."),
    RecordField(
        "changed_at",
        "datetime",
        "When the article's content_hash last changed (earlier versions are kept in the "
        "archive); null if never.",
    ),
    RecordField(
        "gone_at",
        "datetime",
        "When the article was found missing from the site; null while it is listed.",
    ),
)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def export_jsonl(
    store: ArchiveStore, path: str | Path, progress: Callable[[], None] | None = None
) -> int:
    """Write every archived article to ``path`` as JSON lines (UTF-8, one record a line, keys as
    in :data:`RECORD_FIELDS`); return the count. The file is written beside ``path`` and renamed
    into place, so a reader never sees half of it; the records are read in one transaction, so
    they are one consistent state of the archive. ``progress`` is called once per record."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out, store.db.atomic():
            for record in store.iter_records():
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
                if progress is not None:
                    progress()
        os.chmod(tmp_name, 0o666 & ~_umask())  # a published file, not mkstemp's private 0600
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return count


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def datapackage_descriptor(resource_path: str, size: int, sha256: str) -> dict[str, Any]:
    """The ``datapackage.json`` content for a JSON lines export at ``resource_path`` (relative,
    POSIX).

    >>> d = datapackage_descriptor("articles.jsonl", 10, "ab")
    >>> d["profile"], d["resources"][0]["hash"], d["resources"][0]["schema"]["fields"][0]["name"]
    ('data-package', 'sha256:ab', 'id')
    """
    return {
        "profile": "data-package",
        "name": "newszone-articles",
        "title": "News Zone articles",
        "description": (
            "The articles of the English News Zone boards, one JSON object per line, with their "
            "authors, images and attachments nested, and the archive's first/last seen, change "
            "and gone times."
        ),
        "resources": [
            {
                "name": "articles",
                "path": resource_path,
                "profile": "tabular-data-resource",
                "format": "jsonl",
                "mediatype": "application/jsonl",
                "encoding": "utf-8",
                "bytes": size,
                "hash": f"sha256:{sha256}",
                "schema": {
                    "fields": [
                        {"name": f.name, "type": f.type, "description": f.description}
                        for f in RECORD_FIELDS
                    ],
                    "primaryKey": ["id"],
                },
            }
        ],
    }


def write_datapackage(path_to_jsonl: str | Path, out_dir: str | Path) -> Path:
    """Write ``out_dir/datapackage.json`` describing the JSON lines file (which must lie inside
    ``out_dir``: a data package names its files by relative path); return its path."""
    jsonl = Path(path_to_jsonl).resolve()
    out = Path(out_dir).resolve()
    if not jsonl.is_relative_to(out):
        raise ValueError(f"{jsonl} is not inside {out}")
    descriptor = datapackage_descriptor(
        jsonl.relative_to(out).as_posix(), jsonl.stat().st_size, _sha256(jsonl)
    )
    target = out / "datapackage.json"
    tmp = target.with_name(".datapackage.json.tmp")
    tmp.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return target
