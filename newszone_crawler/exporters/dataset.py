"""The published data set: the whole archive as one JSON lines file, described by a Frictionless
``datapackage.json``.

:data:`RECORD_FIELDS` is the one place where an export record's fields get their type and
description; the data package's schema is built from it, and a test holds it equal to the keys of
:class:`~newszone_crawler.items.Article` (minus its raw extras) plus the archive's own fields.
"""

from __future__ import annotations

import contextlib
import csv
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
    "csv_value",
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
        "Images as [{url, caption}]: absolute URLs with their captions (or null); once "
        "captured also sha256, bytes, content_type and where the response record is in the "
        "WARC files (warc_file, warc_offset, warc_record_id), with status and error.",
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


def csv_value(value: Any) -> str:
    """A record value as one CSV cell: lists and objects as JSON text, booleans as ``true`` /
    ``false``, None as the empty cell (Table Schema's default missing value).

    >>> [csv_value(v) for v in (None, True, 3, "a,b", ["x"], {"k": None})]
    ['', 'true', '3', 'a,b', '["x"]', '{"k": null}']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def export_jsonl(
    store: ArchiveStore,
    path: str | Path,
    csv_path: str | Path | None = None,
    progress: Callable[[], None] | None = None,
) -> int:
    """Write every archived article to ``path`` as JSON lines (UTF-8, one record a line, keys as
    in :data:`RECORD_FIELDS`) and, with ``csv_path``, the same records as CSV (a header row of
    those keys; lists and objects as JSON text, see :func:`csv_value`); return the count. Each
    file is written beside its path and renamed into place, so a reader never sees half of it;
    the records are read in one transaction, so both files hold one consistent state of the
    archive. ``progress`` is called once per record."""
    targets = [Path(path)] + ([Path(csv_path)] if csv_path is not None else [])
    temps: list[str] = []
    count = 0
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                            dir=target.parent)
            os.close(fd)
            temps.append(tmp_name)
        with contextlib.ExitStack() as stack:
            out = stack.enter_context(open(temps[0], "w", encoding="utf-8", newline="\n"))
            table = None
            if csv_path is not None:
                handle = stack.enter_context(open(temps[1], "w", encoding="utf-8", newline=""))
                table = csv.writer(handle, lineterminator="\r\n")
                table.writerow([f.name for f in RECORD_FIELDS])
            stack.enter_context(store.db.atomic())
            for record in store.iter_records():
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                if table is not None:
                    table.writerow([csv_value(record.get(f.name)) for f in RECORD_FIELDS])
                count += 1
                if progress is not None:
                    progress()
        for tmp_name, target in zip(temps, targets, strict=True):
            os.chmod(tmp_name, 0o666 & ~_umask())  # a published file, not mkstemp's 0600
            os.replace(tmp_name, target)
    except BaseException:
        for tmp_name in temps:
            Path(tmp_name).unlink(missing_ok=True)
        raise
    return count


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _schema() -> dict[str, Any]:
    return {
        "fields": [
            {"name": f.name, "type": f.type, "description": f.description} for f in RECORD_FIELDS
        ],
        "primaryKey": ["id"],
    }


def datapackage_descriptor(
    resource_path: str,
    size: int,
    sha256: str,
    csv_resource: tuple[str, int, str] | None = None,
) -> dict[str, Any]:
    """The ``datapackage.json`` content for a JSON lines export at ``resource_path`` (relative,
    POSIX) and, with ``csv_resource`` (its path, size and sha256), the same records as CSV:
    one schema, two resources.

    >>> d = datapackage_descriptor("articles.jsonl", 10, "ab", ("articles.csv", 8, "cd"))
    >>> d["profile"], d["resources"][0]["hash"], d["resources"][0]["schema"]["fields"][0]["name"]
    ('data-package', 'sha256:ab', 'id')
    >>> d["resources"][1]["name"], d["resources"][1]["format"], d["resources"][1]["hash"]
    ('articles-csv', 'csv', 'sha256:cd')
    """
    resources: list[dict[str, Any]] = [
        {
            "name": "articles",
            "path": resource_path,
            "profile": "tabular-data-resource",
            "format": "jsonl",
            "mediatype": "application/jsonl",
            "encoding": "utf-8",
            "bytes": size,
            "hash": f"sha256:{sha256}",
            "schema": _schema(),
        }
    ]
    if csv_resource is not None:
        csv_path, csv_size, csv_sha256 = csv_resource
        resources.append(
            {
                "name": "articles-csv",
                "description": "The same records as CSV: lists and objects (subtitles, "
                "images, authors, copyright, attachments) as JSON text in their cells; "
                "an empty cell is null.",
                "path": csv_path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": csv_size,
                "hash": f"sha256:{csv_sha256}",
                "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
                "schema": _schema(),
            }
        )
    return {
        "profile": "data-package",
        "name": "newszone-articles",
        "title": "News Zone articles",
        "description": (
            "The articles of the English News Zone boards, one JSON object per line, with their "
            "authors, images and attachments nested, and the archive's first/last seen, change "
            "and gone times."
        ),
        "resources": resources,
    }


def write_datapackage(
    path_to_jsonl: str | Path, out_dir: str | Path, csv_path: str | Path | None = None
) -> Path:
    """Write ``out_dir/datapackage.json`` describing the JSON lines file and, with
    ``csv_path``, the CSV file (which must lie inside ``out_dir``: a data package names its
    files by relative path); return its path."""
    out = Path(out_dir).resolve()

    def described(path: str | Path) -> tuple[str, int, str]:
        data = Path(path).resolve()
        if not data.is_relative_to(out):
            raise ValueError(f"{data} is not inside {out}")
        return data.relative_to(out).as_posix(), data.stat().st_size, _sha256(data)

    descriptor = datapackage_descriptor(
        *described(path_to_jsonl), csv_resource=None if csv_path is None else described(csv_path)
    )
    target = out / "datapackage.json"
    tmp = target.with_name(".datapackage.json.tmp")
    tmp.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return target
