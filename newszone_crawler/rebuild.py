"""Rebuild archive records from stored WARC captures, with the current parser and normalizers.

A parser fix should never need a new crawl: every article page a run fetched sits in its WARC
files exactly as it came over the wire (``middlewares.WarcCaptureMiddleware``).
:func:`rebuild` reads them back and runs each article page through the crawl's own
extraction, ``extract.extract`` (decode, parse, raw values, normalize; in one worker process
per core), and the crawl's required-fields check (``normalize.record.missing_fields``), and
stores the records through :class:`~newszone_crawler.exporters.sqlite_store.ArchiveStore`, in
batches (one transaction each). ``python -m newszone_crawler rebuild --from-warc output/warc --db NEW.sqlite``
is its command line.

What comes from where:

* article pages: WARC ``response`` records whose URL has ``command=view``, status 200 and no
  ``WARC-Truncated``; ``id``/``board_id`` from the URL's ``boardSeq``/``boardId`` (canonical
  spelling, ``parsing.ids``); ``url`` is
  the canonical URL on the capture's own site root (``base_url`` overrides it);
  ``fetched_url`` the captured URL; ``crawled_at`` the capture's ``WARC-Date`` (to the
  second); ``warc_file``/``warc_record_id``/``warc_offset`` the record's own location;
* captures are replayed in time order (``WARC-Date``, then file, then offset), so rebuilding
  several runs' WARC files gives the same ``new``/``changed``/``unchanged`` history,
  ``article_versions`` rows included. ``first_seen``, ``last_seen`` and ``changed_at`` are
  the capture times (the crawl writes the time its batch was stored). Within one run
  (``isPartOf`` of the file's ``warcinfo``) the first capture of an article wins, as the
  crawl's de-duplication keeps the first record;
* an article page answering 404 or 410 marks a stored article ``gone_at`` (as the crawl does);
* attachment download fields come from the captures of the downloads: the run's last capture
  of the file's URL (redirects followed) gives ``downloaded`` (``sha256``, ``bytes``,
  ``content_type``, ``server_name``, ``path``) or ``failed`` (``HTTP <status>``, a cut or an
  empty body); no capture in the run but a good one in an earlier run gives ``cached``; no
  capture at all leaves them empty.

What is read: finished ``.warc.gz``/``.warc`` files and unfinished ``.open`` ones (reported in
:attr:`RebuildResult.unfinished`). A damaged file (a record cut short, bad gzip data, an
unreadable file) is read up to its damage and named in :attr:`RebuildResult.damage`; a page
whose reading or parsing raises anything but ``PageLayoutError`` is a counted error
(:attr:`RebuildResult.errors`, its reason kept). Either makes the rebuild ``incomplete``.

What cannot be known from the WARC files: the fetch time to better than the capture's second,
when the crawl stored its batch (``first_seen``/``last_seen``), whether a ``cached`` file is
still on disk, download failures that never got an answer (timeouts, refused requests), and the
crawl's own bookkeeping (``runs`` rows, the ``failures`` table). The rebuild records one
``runs`` row of mode ``rebuild`` that names no boards, so the next incremental crawl reads the
boards' whole listings once (fetching only what the archive lacks) before it trusts early stops.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import zlib
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urljoin

from w3lib.url import url_query_parameter
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from .exporters.sqlite_store import FEED_KEYS, ArchiveStore
from .exporters.warc import OPEN_SUFFIX, WholeRecords, whole_records
from .extract import Extraction, extract
from .files import (
    _downloadable,
    file_key,
    hashed_path,
    image_capture,
    sanitize_content_type,
    server_filename,
)
from .items import Article
from .normalize.record import missing_fields
from .parsing import PageLayoutError
from .parsing.encoding import decode_page
from .parsing.ids import ids_in_url
from .pipelines import utc_now
from .settings import NEWSZONE_REQUIRED_FIELDS
from .spiders.newszone import GONE_STATUSES

__all__ = [
    "Capture",
    "FileCapture",
    "RebuildResult",
    "WarcIndex",
    "article_from_page",
    "crawled_at_of",
    "decode_html",
    "moment",
    "rebuild",
    "scan_warcs",
    "warc_files",
]

DEFAULT_REQUIRED = tuple(NEWSZONE_REQUIRED_FIELDS)
WINDOW = 64
"""Article pages read ahead and extracted together (per worker) by the rebuild's pool."""
MAX_REDIRECTS = 5
_HASH_BLOCK = 1 << 16
_IS_PART_OF = re.compile(rb"^isPartOf:\s*(.+?)\s*$", re.MULTILINE)


# -- pure helpers ------------------------------------------------------------------------------


def decode_html(body: bytes, content_type: str | None) -> str:
    """A page's text, decoded as the crawl decodes it (``parsing.encoding.decode_page``:
    hostile charset labels refused).

    >>> decode_html("<p>국방</p>".encode("euc-kr"),
    ...             "text/html; charset=euc-kr")
    '<p>국방</p>'
    """
    return decode_page(body, content_type).text


def crawled_at_of(warc_date: str) -> str:
    """A ``WARC-Date`` as the crawl writes ``crawled_at``: UTC, to the second.

    >>> crawled_at_of("2026-11-28T23:32:11.734512Z"), crawled_at_of("2026-11-28T23:32:11Z")
    ('2026-11-28T23:32:11Z', '2026-11-28T23:32:11Z')
    """
    moment = datetime.fromisoformat(warc_date.replace("Z", "+00:00")).astimezone(UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def moment(warc_date: str) -> str:
    """A ``WARC-Date`` in one fixed, sortable shape (microseconds, UTC); ``""`` stays ``""``.

    >>> moment("2026-11-28T23:32:11Z") < moment("2026-11-28T23:32:11.5Z")
    True
    """
    if not warc_date:
        return ""
    when = datetime.fromisoformat(warc_date.replace("Z", "+00:00")).astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def is_article_url(url: str) -> bool:
    """An article page's URL (``command=view`` with ``boardId`` and ``boardSeq``).

    >>> is_article_url("http://h/user/boardList.action?boardId=B&boardSeq=O_1&command=view")
    True
    >>> is_article_url("http://h/user/boardList.action?boardId=B&page=2")
    False
    """
    return (
        url_query_parameter(url, "command") == "view"
        and bool(url_query_parameter(url, "boardSeq"))
        and bool(url_query_parameter(url, "boardId"))
    )


WARC_SUFFIXES = (".warc.gz", ".warc", ".warc.gz" + OPEN_SUFFIX, ".warc" + OPEN_SUFFIX)
"""Names of WARC files; ``.open`` ones were not finished (still written, or a killed run's)."""


def is_unfinished(path: Path) -> bool:
    """A WARC file its writer never finished (``.open``).

    >>> is_unfinished(Path("a.warc.gz.open")), is_unfinished(Path("a.warc.gz"))
    (True, False)
    """
    return path.name.endswith(OPEN_SUFFIX)


def warc_files(paths: Iterable[str | Path]) -> list[Path]:
    """The WARC files named, or found in the folders named (``*.warc.gz``, ``*.warc``, and
    unfinished ``*.warc.gz.open``/``*.warc.open`` files, read as far as their records are
    whole), in name order."""
    found: list[Path] = []
    for entry in map(Path, paths):
        if entry.is_dir():
            found.extend(p for p in entry.iterdir() if p.name.endswith(WARC_SUFFIXES))
        elif entry.exists():
            found.append(entry)
        else:
            raise FileNotFoundError(f"no WARC file or folder at {entry}")
    return sorted(set(found), key=lambda p: (p.name, str(p)))


# -- reading the WARC files --------------------------------------------------------------------


@dataclass(frozen=True)
class Capture:
    """Where an article page's response record is, and what its headers said."""

    url: str
    status: int
    date: str
    path: Path
    offset: int
    record_id: str
    run: str | None
    truncated: bool
    content_type: str | None

    @property
    def warc_file(self) -> str:
        return self.path.name

    def order(self) -> tuple[str, str, int]:
        return (moment(self.date), self.path.name, self.offset)


@dataclass(frozen=True)
class FileCapture:
    """A captured answer to an attachment download (hash and size of the decoded body)."""

    status: int
    date: str
    run: str | None
    truncated: bool
    sha256: str | None
    bytes: int
    content_type: str | None
    server_name: str | None
    location: str | None


@dataclass(frozen=True)
class MediaCapture:
    """A captured answer to any other request (a photo, mostly): where it is, and the hash,
    size and type of its decoded body."""

    status: int
    date: str
    run: str | None
    truncated: bool
    sha256: str
    bytes: int
    content_type: str | None
    location: str | None
    warc_file: str
    offset: int
    record_id: str


@dataclass
class WarcIndex:
    """What a first pass over the WARC files found: article captures in time order, and every
    download capture by :func:`~newszone_crawler.files.file_key` of its URL."""

    articles: list[Capture] = field(default_factory=list)
    files: dict[str, list[FileCapture]] = field(default_factory=lambda: defaultdict(list))
    media: dict[str, list[MediaCapture]] = field(default_factory=lambda: defaultdict(list))
    """Other responses (photos) by :func:`~newszone_crawler.files.file_key` of their URL."""
    records: int = 0
    warc_files: int = 0
    damage: dict[str, str] = field(default_factory=dict)
    """Files that could not be read to their end: file -> what stopped the reading."""
    bytes_unread: int = 0
    """Bytes of damaged files left unread (from the damage to the file's end)."""
    unfinished: list[str] = field(default_factory=list)
    """``.open`` files read (their writer never finished them)."""
    last_offset: int = 0
    """Where the record being read started (to name where a read failed)."""


def _header(record: Any, name: str) -> str | None:
    headers = record.http_headers
    if headers is None:
        return None
    values = [v for k, v in headers.headers if k.lower() == name.lower()]
    return values[-1] if values else None  # Scrapy's Headers.get() gives the last value


def _status(record: Any) -> int:
    try:
        return int(record.http_headers.get_statuscode())
    except (AttributeError, TypeError, ValueError):
        return 0


READ_ERRORS = (ArchiveLoadFailed, zlib.error, EOFError, OSError, ValueError)
"""What reading a damaged WARC file raises (warcio, gzip, the file system)."""


def readable_end(path: Path) -> WholeRecords:
    """How far a WARC file can be read: for gzip files, to the end of the last whole record
    (``exporters.warc.check_warc``); an uncompressed file is trusted to its end here and its
    damage is found while reading it."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if fh.read(2) == b"\x1f\x8b":
            return whole_records(fh, size)
    return WholeRecords(-1, size, size)


def scan_warcs(
    paths: Iterable[Path], progress: Callable[[str, int, int], None] | None = None
) -> WarcIndex:
    """One pass over the WARC files: locate every article capture and hash every download;
    ``progress("reading", bytes_done, bytes_total)`` is called as the records go by.

    A damaged file (a record cut short, bad gzip data, a broken header, an unreadable file) is
    read up to the damage; what stopped it and the bytes left unread are counted in
    :attr:`WarcIndex.damage` and :attr:`WarcIndex.bytes_unread`, never skipped silently."""
    index = WarcIndex()
    paths = list(paths)
    sizes = [_size(path) for path in paths]
    total, before = sum(sizes), 0

    def report(offset: int) -> None:
        if progress is not None:
            progress("reading", before + offset, total)

    for path, size in zip(paths, sizes, strict=True):
        report(0)
        index.warc_files += 1
        if is_unfinished(path):
            index.unfinished.append(path.name)
        try:
            found = readable_end(path)
        except OSError as exc:
            index.damage[path.name] = f"unreadable: {exc}"
            continue
        end = found.end
        try:
            _scan_file(path, end, index, report)
        except READ_ERRORS as exc:
            index.damage[path.name] = f"unreadable after byte {index.last_offset}: " \
                                      f"{type(exc).__name__}: {exc}"
            index.bytes_unread += max(found.size - index.last_offset, 0)
            continue
        if found.damaged:
            index.damage[path.name] = found.damage or "damaged"
            index.bytes_unread += found.size - found.end
        before += size
    report(0)
    index.articles.sort(key=Capture.order)
    for captures in index.files.values():
        captures.sort(key=lambda c: moment(c.date))
    for media in index.media.values():
        media.sort(key=lambda c: (moment(c.date), c.warc_file, c.offset))
    return index


def _size(path: Path) -> int:
    """A file's size, 0 when it cannot be read (the scan names the error)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _scan_file(
    path: Path, end: int, index: WarcIndex, report: Callable[[int], None] = lambda _: None
) -> None:
    """Index the records of one WARC file that start before byte ``end``; ``report(offset)``
    is told where each record starts."""
    run: str | None = None
    index.last_offset = 0
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        for record in records:
            offset = records.offset  # where this record starts (get_record_offset() would read it)
            if offset >= end:
                break
            index.last_offset = offset
            index.records += 1
            report(offset)
            if record.rec_type == "warcinfo":
                found = _IS_PART_OF.search(record.content_stream().read())
                run = found.group(1).decode("utf-8", "replace") if found else run
                continue
            if record.rec_type != "response":
                continue
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            date = record.rec_headers.get_header("WARC-Date") or ""
            truncated = bool(record.rec_headers.get_header("WARC-Truncated"))
            command = url_query_parameter(url, "command")
            if command == "view" and is_article_url(url):
                index.articles.append(
                    Capture(
                        url=url,
                        status=_status(record),
                        date=date,
                        path=path,
                        offset=offset,
                        record_id=record.rec_headers.get_header("WARC-Record-ID") or "",
                        run=run,
                        truncated=truncated,
                        content_type=_header(record, "Content-Type"),
                    )
                )
            elif command is None and "/boardList.action" not in url and not url.endswith("/robots.txt"):
                # a photo, or anything else the crawl fetched beside pages and downloads
                digest, size = hashlib.sha256(), 0
                stream = record.content_stream()
                for block in iter(lambda: stream.read(_HASH_BLOCK), b""):
                    digest.update(block)
                    size += len(block)
                index.media[file_key(url)].append(
                    MediaCapture(
                        status=_status(record), date=date, run=run, truncated=truncated,
                        sha256=digest.hexdigest(), bytes=size,
                        content_type=_header(record, "Content-Type"),
                        location=_header(record, "Location"), warc_file=path.name,
                        offset=offset,
                        record_id=record.rec_headers.get_header("WARC-Record-ID") or "",
                    )
                )
            elif command == "download":
                digest, size = hashlib.sha256(), 0
                stream = record.content_stream()
                for block in iter(lambda: stream.read(_HASH_BLOCK), b""):
                    digest.update(block)
                    size += len(block)
                index.files[file_key(url)].append(
                    FileCapture(
                        status=_status(record),
                        date=date,
                        run=run,
                        truncated=truncated,
                        sha256=digest.hexdigest() if size else None,
                        bytes=size,
                        content_type=_header(record, "Content-Type"),
                        server_name=_header(record, "Content-Disposition"),
                        location=_header(record, "Location"),
                    )
                )


def read_page(capture: Capture, handles: dict[Path, BinaryIO] | None = None) -> bytes:
    """The decoded payload (dechunked, decompressed) of an article capture; ``handles``
    keeps the WARC files open between calls (the caller closes them)."""
    if handles is None:
        with open(capture.path, "rb") as fh:
            return read_page(capture, {capture.path: fh})
    fh = handles.get(capture.path)
    if fh is None:
        fh = handles[capture.path] = open(capture.path, "rb")  # noqa: SIM115
    fh.seek(capture.offset)
    record = next(iter(ArchiveIterator(fh)))
    return record.content_stream().read()


# -- one article -------------------------------------------------------------------------------


def article_from_page(
    body: bytes,
    content_type: str | None,
    fetched_url: str,
    crawled_at: str,
    base_url: str | None = None,
) -> Article:
    """An article page's bytes -> a normalized :class:`Article`: the crawl's own
    :func:`~newszone_crawler.extract.extract` (``PageLayoutError`` when the page is not an
    article)."""
    return extract(body, content_type, fetched_url, crawled_at=crawled_at, base_url=base_url).record


def _extract_or_error(
    job: tuple[bytes, str | None, str, str, str | None],
) -> Extraction | PageLayoutError | tuple[str, str]:
    """:func:`extract` for the pool: what a page raises comes back as a value (a
    ``PageLayoutError``, or ``(type name, message)`` for anything else, which may not pickle),
    so one page's failure is that page's alone."""
    body, content_type, url, crawled_at, base_url = job
    try:
        return extract(body, content_type, url, crawled_at=crawled_at, base_url=base_url)
    except PageLayoutError as exc:
        return exc
    except Exception as exc:
        return (type(exc).__name__, str(exc))


def _download_fields(
    url: str, name: str | None, capture: Capture, index: WarcIndex, files_folder: str
) -> dict[str, Any] | None:
    """The download fields of one attachment, from the captures of its URL (see module doc)."""
    key, hops = file_key(url), 0
    while True:
        captures = index.files.get(key, [])
        same_run = [c for c in captures if c.run == capture.run]
        last = same_run[-1] if same_run else None
        if last is not None and 300 <= last.status < 400 and last.location and hops < MAX_REDIRECTS:
            key, hops = file_key(urljoin(url, last.location)), hops + 1
            continue
        break
    path = f"{files_folder}/{hashed_path(url, name)}" if files_folder else hashed_path(url, name)
    if last is not None:
        if last.status != 200:
            error = f"HTTP {last.status}"
        elif last.truncated:
            error = "incomplete: the connection closed before the whole body"
        elif not last.bytes:
            error = "empty response body"
        else:
            return {
                "sha256": last.sha256, "bytes": last.bytes,
                "content_type": sanitize_content_type(last.content_type), "path": path,
                "status": "downloaded", "error": None,
                "server_name": server_filename(last.server_name),
            }
        return {"sha256": None, "bytes": None, "content_type": None, "path": None,
                "status": "failed", "error": error, "server_name": None}
    before = moment(capture.date)
    earlier = [
        c for c in captures
        if moment(c.date) < before and c.status == 200 and not c.truncated and c.bytes
    ]
    if earlier:
        good = earlier[-1]
        return {
            "sha256": good.sha256, "bytes": good.bytes,
            "content_type": sanitize_content_type(good.content_type), "path": path,
            "status": "cached", "error": None, "server_name": server_filename(good.server_name),
        }
    return None


def _image_fields(url: str, capture: Capture, index: WarcIndex) -> dict[str, Any] | None:
    """The capture fields of one photo (``files.image_capture``): the run's last capture of
    its URL (redirects followed), as the crawl's photo pipeline recorded it; None when the run
    captured no answer for it."""
    key, hops = file_key(url), 0
    while True:
        same_run = [c for c in index.media.get(key, []) if c.run == capture.run]
        last = same_run[-1] if same_run else None
        if last is not None and 300 <= last.status < 400 and last.location and hops < MAX_REDIRECTS:
            key, hops = file_key(urljoin(url, last.location)), hops + 1
            continue
        break
    if last is None:
        return None
    if last.status != 200:
        return image_capture(error=f"HTTP {last.status}")
    if last.truncated:
        return image_capture(error="incomplete: the connection closed before the whole body")
    if not last.bytes:
        return image_capture(error="empty response body")
    fields = image_capture(content_type=sanitize_content_type(last.content_type), warc={
        "warc_file": last.warc_file, "warc_offset": last.offset, "warc_record_id": last.record_id})
    fields.update(sha256=last.sha256, bytes=last.bytes)
    return fields


# -- the rebuild -------------------------------------------------------------------------------


@dataclass
class RebuildResult:
    """What a rebuild did: captures read and what became of them."""

    warc_files: int = 0
    records: int = 0
    captures: int = 0
    articles: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    gone: int = 0
    duplicates: int = 0
    skipped: int = 0
    layout_errors: int = 0
    errors: int = 0
    """Pages whose reading or parsing raised something unexpected (each reason kept)."""
    dropped: int = 0
    batches: int = 0
    reasons: list[str] = field(default_factory=list)
    damage: dict[str, str] = field(default_factory=dict)
    """WARC files that could not be read to their end, and why (see :func:`scan_warcs`)."""
    bytes_unread: int = 0
    unfinished: list[str] = field(default_factory=list)
    """``.open`` WARC files read as input (a run was writing them or was killed)."""

    @property
    def read_everything(self) -> bool:
        """Every WARC file read to its end and every page parsed without an unexpected error."""
        return not self.damage and not self.errors

    @property
    def status(self) -> str:
        failed = self.layout_errors or self.dropped or not self.read_everything
        return "incomplete" if failed else "ok"


def rebuild(
    paths: Iterable[str | Path],
    store: ArchiveStore,
    *,
    run_id: str | None = None,
    batch_size: int = 100,
    base_url: str | None = None,
    files_folder: str = "files",
    required: Iterable[str] = DEFAULT_REQUIRED,
    now: Callable[[], str] | None = None,
    workers: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> RebuildResult:
    """Rebuild the records of every article page captured in the WARC files (or folders)
    ``paths`` into ``store``: ``batch_size`` records per transaction, a ``runs`` row of mode
    ``rebuild``. ``files_folder`` is the folder name attachment ``path`` values start with
    (``FILES_STORE``'s last component).

    Pages are extracted by ``workers`` processes (default: one per core; 0 or 1: in this
    process), :data:`WINDOW` pages per worker a window, the next window extracted while this
    process stores the one before in capture order; a rebuild with fewer pages than one
    window never starts the processes. The records are the same either way.
    ``progress(phase, done, total)``, when given, is told how far the ``reading`` of the WARC
    files (bytes) and the ``parsing`` of pages have gone."""
    clock = now or utc_now
    run_id = run_id or "rebuild-" + datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%S.%fZ")
    required = tuple(required)
    result = RebuildResult()
    files = warc_files(paths)
    store.start_run(run_id, "rebuild", clock(), [])
    index = scan_warcs(files, progress)
    result.warc_files, result.records = index.warc_files, index.records
    result.damage, result.bytes_unread = dict(index.damage), index.bytes_unread
    result.unfinished = list(index.unfinished)
    for name, why in index.damage.items():
        result.reasons.append(f"damaged WARC {name}: {why}")
    seen: set[tuple[str | None, str]] = set()
    batch: list[tuple[dict[str, Any], str]] = []

    def flush() -> None:
        if not batch:
            return
        # one transaction per batch; each record at its capture time
        outcomes = store.store([record for record, _ in batch], run_id=run_id,
                               now=batch[-1][1], times=[at for _, at in batch])
        for outcome in outcomes:
            setattr(result, outcome.outcome, getattr(result, outcome.outcome) + 1)
        result.batches += 1
        batch.clear()

    handles: dict[Path, BinaryIO] = {}  # the WARC files, each opened once
    workers = (os.cpu_count() or 1) if workers is None else workers
    window = WINDOW * max(1, workers)
    pool: ProcessPoolExecutor | None = None
    pending: list[tuple[Capture, str]] = []  # article pages to extract, in capture order

    def store_page(capture: Capture, at: str, done: Any) -> None:
        """What became of one page's extraction: a record for the batch, or its failure."""
        if isinstance(done, PageLayoutError):
            result.layout_errors += 1
            result.reasons.append(f"layout: {done}")
            return
        if isinstance(done, tuple):  # anything else one page does is that page's error
            result.errors += 1
            result.reasons.append(
                f"error: {capture.url} ({capture.warc_file} at {capture.offset}): "
                f"{done[0]}: {done[1][:200]}"
            )
            return
        item = done.record
        item.warc_file = capture.warc_file
        item.warc_record_id = capture.record_id
        item.warc_offset = capture.offset
        for attachment in item.attachments:
            fields = _download_fields(attachment["url"], attachment.get("name"), capture, index,
                                      files_folder)
            if fields:
                attachment.update(fields)  # type: ignore[typeddict-item]
        for image in item.images:
            found = _image_fields(image["url"], capture, index) if _downloadable(image["url"]) else None
            if found:
                image.update(found)  # type: ignore[typeddict-item]
        record = item.to_dict(leave_out=FEED_KEYS)
        missing = missing_fields(record, required)
        if missing:
            result.dropped += 1
            result.reasons.append(f"{capture.url}: missing {', '.join(missing)}")
            return
        result.articles += 1
        batch.append((record, at))
        if len(batch) >= batch_size:
            flush()

    # Windows of pages in flight: (pages, per page its job's index or why it could not be
    # read, the results: a list, or the pool's lazy map). The next window is read and handed to
    # the pool before the one before it is stored, so the pool extracts while this process
    # reads and stores.
    inflight: deque[tuple[list[tuple[Capture, str]], list[Any], Any]] = deque()

    def submit_pending() -> None:
        """Read the pending pages and start their extraction (in the pool once a whole window
        waits; else here, at once)."""
        nonlocal pool
        if not pending:
            return
        jobs: list[tuple[bytes, str | None, str, str, str | None]] = []
        read: list[Any] = []  # per pending page: its job's index, or why it could not be read
        for capture, at in pending:
            try:
                body = read_page(capture, handles)
            except Exception as exc:
                read.append((type(exc).__name__, str(exc)))
                continue
            read.append(len(jobs))
            jobs.append((body, capture.content_type, capture.url, at, base_url))
        if workers > 1 and len(pending) >= window and pool is None:
            pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        if pool is not None:
            chunk = max(1, len(jobs) // (workers * 4))
            done: Any = pool.map(_extract_or_error, jobs, chunksize=chunk)  # submitted now
        else:
            done = [_extract_or_error(job) for job in jobs]
        inflight.append((list(pending), read, done))
        pending.clear()

    def store_extracted(keep: int) -> None:
        """Store what became of each page of the windows in flight, oldest first, in capture
        order, until ``keep`` windows are left."""
        while len(inflight) > keep:
            pages, read, done = inflight.popleft()
            results = list(done)
            for (capture, at), found in zip(pages, read, strict=True):
                store_page(capture, at, results[found] if isinstance(found, int) else found)

    def extract_pending() -> None:
        """Extract every pending page and store the results (before a gone mark, at the end)."""
        submit_pending()
        store_extracted(0)

    try:
        for capture in index.articles:
            result.captures += 1
            if progress is not None:
                progress("parsing", result.captures, len(index.articles))
            seq = ids_in_url(capture.url)[1] or ""  # canonical, as the crawl stores ids
            at = crawled_at_of(capture.date) if capture.date else clock()
            if capture.status in GONE_STATUSES and not capture.truncated:
                extract_pending()
                flush()
                if store.mark_gone(seq, at):
                    result.gone += 1
                continue
            if capture.status != 200 or capture.truncated:
                result.skipped += 1
                continue
            if (capture.run, seq) in seen:
                result.duplicates += 1
                continue
            seen.add((capture.run, seq))
            pending.append((capture, at))
            if len(pending) >= window:
                submit_pending()
                store_extracted(1)  # the window before this one, while the pool works on it
        extract_pending()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        for fh in handles.values():
            fh.close()
    flush()
    counts = {
        "new": result.new, "changed": result.changed, "unchanged": result.unchanged,
        "failed": result.layout_errors + result.errors + result.dropped, "gone": result.gone,
        "pages": 0, "requests": 0,
    }
    store.finish_run(run_id, clock(), counts, result.status, result.reasons[:50])
    return result
