"""WARC 1.1 capture of HTTP traffic with ``warcio``, plus the per-run index and package.

:class:`WarcWriter` writes request/response record pairs into
``<dir>/newszone-<run id>-<n>.warc.gz``. A file being written carries the ``.open`` suffix
and is renamed when closed; files roll over past a size limit; each starts with a ``warcinfo``
record naming the software and the run. The writer keeps, while writing, the CDXJ line of each
response record (:func:`cdxj_line`, as ``cdxj-indexer`` writes it) and a running sha256 and size
of each file, so that nothing is read again at the close (:meth:`WarcWriter.write_index`,
:attr:`WarcWriter.digests`); :meth:`WarcWriter.submit` does the writing in the writer's own
thread. :func:`index_cdxj` writes a CDXJ index by reading a WARC file (``cdxj-indexer``: for
files finished by a later run, and rebuilds), :func:`package_wacz` a WACZ of chosen WARC files (``wacz``; the
``python -m newszone_crawler wacz`` command), with one page per captured article titled with
its title (:func:`article_pages`), which web-archive players open directly.

Plain library code (no Scrapy): the capture middleware hands it what came over the wire.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import logging
import os
import re
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from http.client import responses as REASONS
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_timestamp
from warcio.warcwriter import WARCWriter

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
# Hop-by-hop framing that no longer describes the payload as stored (Twisted removed the
# chunking): kept under a prefixed name, so the headers stay as received and replay stays right.
_FRAMING = {"transfer-encoding"}


@dataclass(frozen=True)
class WarcLocation:
    """Where a response record sits: the WARC file's name, the record's id and byte offset."""

    warc_file: str
    warc_record_id: str
    warc_offset: int

    def asdict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Exchange:
    """One HTTP exchange as it went over the wire."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    payload: bytes
    protocol: str = "HTTP/1.1"
    truncated: str | None = None  # WARC-Truncated reason: length, time, disconnect, unspecified
    ip_address: str | None = None


def warc_name(run_id: str, number: int) -> str:
    """The name of the ``number``-th WARC file of a run: the run id names it, as it names the
    run's JSON lines, manifest, ``runs`` row and WACZ.

    >>> warc_name("2026-11-28T22-05-09.123456Z", 1)
    'newszone-2026-11-28T22-05-09.123456Z-00001.warc.gz'
    """
    return f"newszone-{run_id}-{number:05d}.warc.gz"


def run_of_warc(path: str | Path) -> str | None:
    """The run id a WARC file belongs to: the ``isPartOf`` of its ``warcinfo`` record (older
    files were named by time, not by run id), or None when it has none.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> writer = WarcWriter(folder, "R1")
    >>> _ = writer.write(Exchange("http://h/", "GET", [], b"", 200, [], b"x"))
    >>> [run_of_warc(p) for p in writer.close()]
    ['R1']
    """
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type != "warcinfo":
                return None
            for line in record.content_stream().read().decode("utf-8", "replace").splitlines():
                name, _, value = line.partition(":")
                if name.strip() == "isPartOf":
                    return value.strip() or None
            return None
    return None


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _response_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for name, value in headers:
        if name.lower() in _FRAMING:
            out.append((f"X-Archive-Orig-{name}", value))
        else:
            out.append((name, value))
    return out


class WarcWriteError(OSError):
    """A record pair could not be written to a WARC file (disk full, file too large, I/O
    error...). What was in the file before the failed write is still there, whole."""

    def __init__(self, path: Path | str, cause: BaseException) -> None:
        self.path = Path(path)
        self.cause = cause
        super().__init__(f"could not write to the WARC file {self.path}: {_reason(cause)}")


def _reason(exc: BaseException) -> str:
    """A short cause, e.g. ``No space left on device (ENOSPC)``."""
    if isinstance(exc, OSError) and exc.errno is not None:
        name = errno.errorcode.get(exc.errno, str(exc.errno))
        return f"{exc.strerror or exc} ({name})"
    return f"{type(exc).__name__}: {exc}"


class WarcWriter:
    """Write WARC 1.1 request/response pairs into rolling, gzip-compressed files.

    Each pair is made in memory first and then written with one unbuffered write, so a failed
    write (disk full, ``EFBIG``...) is known at once: the file is cut back to the end of the
    last whole pair before anything else is appended, and :class:`WarcWriteError` is raised.
    If even the cut fails, the file is left with its ``.open`` suffix for the next run to
    finish (:func:`finish_open_warc`) and the next write starts a new file.

    :meth:`write` works in the caller's thread; :meth:`submit` hands the exchange to the
    writer's one thread (serialize, digest, gzip, append) and returns a future of its
    :class:`WarcLocation`: one thread, first in first out, so the records are in the order
    submitted and each offset is exact. Use one or the other on a writer, not both at once.

    Of each file written whole it keeps the sha256 and size (``digests``, by final path) and,
    unless a record it cannot index went in, the CDXJ lines of its response records
    (:meth:`write_index` writes them).
    """

    def __init__(
        self,
        directory: str | Path,
        run_id: str,
        *,
        max_size: int = 1024**3,
        software: str = "newszone-crawler",
        extra_info: dict[str, str] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.run_id = run_id
        self.max_size = max_size
        self.software = software
        self.extra_info = dict(extra_info or {})
        self.started = datetime.now(UTC)
        self.number = 0
        self.records = 0
        self.files: list[Path] = []
        self.failed_writes = 0
        self.abandoned: list[Path] = []
        """Files whose damaged tail could not be cut: left ``.open`` for the next run."""
        self._fh: io.FileIO | None = None
        self._size = 0
        self._buffer = io.BytesIO()
        # records are serialized plain and gzipped here, each at its own level (see _gzip_member)
        self._writer = WARCWriter(self._buffer, gzip=False, warc_version="1.1")
        self._name = ""
        self._sha = hashlib.sha256()
        self._lines: list[str] | None = []
        self.digests: dict[Path, tuple[int, str]] = {}
        """Final path -> (size, hex sha256) of each finished file, hashed as it was written."""
        self._indexes: dict[Path, tuple[Path, int, str] | None] = {}
        """Final path -> its CDXJ index (path, size, sha256), written from the lines kept while
        writing as soon as the file is finished (so only the open file's lines stay in
        memory); None: it must be indexed by reading (:func:`index_cdxj`)."""
        self._executor: ThreadPoolExecutor | None = None

    @property
    def _open_path(self) -> Path:
        return self.directory / (self._name + OPEN_SUFFIX)

    # -- files -------------------------------------------------------------------------------

    def _open_next(self) -> None:
        self._close_current()
        self.number += 1
        self._name = warc_name(self.run_id, self.number)
        while (self.directory / self._name).exists() or self._open_path.exists():
            self.number += 1  # never over an existing file, whatever left it
            self._name = warc_name(self.run_id, self.number)
        path = self._open_path
        info = {
            "software": self.software,
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "isPartOf": self.run_id,
            **self.extra_info,
        }
        data = self._serialize([self._writer.create_warcinfo_record(self._name, info)])
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._fh = open(path, "xb", buffering=0)  # noqa: SIM115 (closed in close())
            self._size = 0
            self._sha = hashlib.sha256()
            self._lines = []
            self._append(data, [])  # cdxj-indexer is told not to index warcinfo
        except OSError as exc:
            # a file without its whole warcinfo holds nothing: remove it, reuse its number
            if self._fh is not None:
                self._fh.close()
                self._fh = None
            try:
                path.unlink(missing_ok=True)
            except OSError:  # the folder itself is the fault (not a folder, not readable)
                pass
            self.number -= 1
            raise WarcWriteError(path, exc) from exc

    def _close_current(self) -> None:
        if self._fh is None:
            return
        fh, self._fh = self._fh, None
        try:
            try:
                os.fsync(fh.fileno())
            finally:
                fh.close()
            final = self.directory / self._name
            os.replace(self._open_path, final)
        except OSError as exc:
            self.abandoned.append(self._open_path)
            raise WarcWriteError(self._open_path, exc) from exc
        self.files.append(final)
        self.digests[final] = (self._size, self._sha.hexdigest())
        lines, self._lines = self._lines, []
        self._indexes[final] = None if lines is None else self._index_from(final, lines)

    @staticmethod
    def _index_from(warc: Path, lines: list[str]) -> tuple[Path, int, str] | None:
        """Write the CDXJ index of a finished file from its lines (sorted as cdxj-indexer
        sorts them); None, with a warning, when it cannot be written now (it is made by
        reading the file at the close)."""
        data = "".join(sorted(lines)).encode("utf-8")
        target = cdxj_of(warc)
        tmp = target.with_name(target.name + OPEN_SUFFIX)
        try:
            tmp.write_bytes(data)
            os.replace(tmp, target)
        except OSError as exc:
            logger.warning("Could not write the CDXJ index %s now (%s): it is made at the close",
                           target, exc)
            return None
        return target, len(data), hashlib.sha256(data).hexdigest()

    def close(self) -> list[Path]:
        """Wait for the records submitted to be written, close the current file (renamed
        without ``.open``); return every file finished."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        self._close_current()
        return list(self.files)

    def write_index(self, warc: Path) -> tuple[Path, int, str]:
        """The CDXJ index of a finished file beside it (:func:`cdxj_of`): the one written from
        the lines kept while writing when the file was finished, or, when a record went in that
        they do not cover, made now by reading the file (:func:`index_cdxj`). Returns its path,
        size and sha256."""
        written = self._indexes.get(Path(warc))
        if written is None:
            target = index_cdxj(warc)
            return target, target.stat().st_size, sha256_file(target)
        return written

    # -- writing bytes -----------------------------------------------------------------------

    def _serialize(self, records: list[Any]) -> bytes:
        """Records as the bytes of one gzip member each, made in memory (see :meth:`_members`)."""
        return b"".join(self._members(records))

    def _members(self, records: list[Any]) -> list[bytes]:
        """Records as one gzip member each, made in memory: a payload that is already
        compressed (photos, PDF, ZIP, HWP...) is stored (level 0), the rest deflated at a
        moderate level (warcio's own writer spends level 9 on every record)."""
        members = []
        for record in records:
            self._buffer.seek(0)
            self._buffer.truncate()
            self._writer.write_record(record)
            raw = self._buffer.getvalue()
            members.append(gzip_member(raw, 0 if already_compressed(record, raw) else GZIP_LEVEL))
        return members

    def _append(self, data: bytes, lines: list[str] | None = None) -> None:
        """Write ``data`` at the end of the current file, whole or not at all; ``lines`` are
        the CDXJ lines of the records in it (None: not known, the file's index is then made
        by reading it at the close)."""
        assert self._fh is not None
        start = self._size
        view = memoryview(data)
        try:
            while view:
                written = self._fh.write(view)
                if not written:
                    raise OSError(errno.EIO, "the write made no progress")
                view = view[written:]
        except OSError as exc:
            self.failed_writes += 1
            self._cut_back(start, exc)
            raise WarcWriteError(self._open_path, exc) from exc
        self._size = start + len(data)
        self._sha.update(data)  # only what is in the file for good: a cut write never counts
        if lines is None or self._lines is None:
            self._lines = None
        else:
            self._lines.extend(lines)

    def _cut_back(self, end: int, cause: OSError) -> None:
        """Cut the current file back to ``end`` (the last whole record); if that fails, leave
        it ``.open`` for the next run to finish and start a new file on the next write."""
        assert self._fh is not None
        try:
            self._fh.truncate(end)
            self._fh.seek(end)
        except OSError as exc:
            logger.error("Could not cut %s back to %d bytes after %s: %s; it is left for the "
                         "next run to finish", self._open_path, end, _reason(cause), _reason(exc))
            fh, self._fh = self._fh, None
            try:
                fh.close()
            except OSError:
                logger.exception("Could not close %s", self._open_path)
            self.abandoned.append(self._open_path)

    # -- records -----------------------------------------------------------------------------

    def submit(self, exchange: Exchange) -> Future[WarcLocation]:
        """:meth:`write` in the writer's thread: a future of the location (or of the
        :class:`WarcWriteError`). Records are written in the order submitted."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warc-writer")
        return self._executor.submit(self.write, exchange)

    def write(self, exchange: Exchange) -> WarcLocation:
        """Write the response record, then the request record concurrent to it. Raises
        :class:`WarcWriteError` when the pair could not be written (the file keeps only whole
        records)."""
        if self._fh is None or self._size >= self.max_size:
            self._open_next()
        assert self._fh is not None
        writer = self._writer
        reason = REASONS.get(exchange.status, "")
        status_line = f"{exchange.status} {reason}".strip()
        http_headers = StatusAndHeaders(
            status_line, _response_headers(exchange.response_headers), protocol=exchange.protocol
        )
        warc_headers: dict[str, str] = {}
        if exchange.truncated:
            warc_headers["WARC-Truncated"] = exchange.truncated
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        response = writer.create_warc_record(
            exchange.url,
            "response",
            payload=io.BytesIO(exchange.payload),
            length=len(exchange.payload),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )
        host = urlsplit(exchange.url).netloc
        request_headers = [("Host", host), *exchange.request_headers]
        request = writer.create_warc_record(
            exchange.url,
            "request",
            payload=io.BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            http_headers=StatusAndHeaders(
                f"{exchange.method} {_request_target(exchange.url)} {exchange.protocol}",
                request_headers,
                is_http_request=True,
            ),
        )
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        request.rec_headers.add_header("WARC-Concurrent-To", record_id)
        offset = self._size
        members = self._members([response, request])
        # a POST/PUT response is keyed with its request body by cdxj-indexer (post_append):
        # not repeated here, the file is then indexed by reading it
        line = None if exchange.method.upper() in ("POST", "PUT") else cdxj_line(
            response, self._name, offset, len(members[0]))
        self._append(b"".join(members), None if line is None else [line])
        self.records += 1
        return WarcLocation(self._name, record_id, offset)


_MIME_END = re.compile(r"[;\s]")


def cdxj_line(record: Any, filename: str, offset: int, length: int) -> str:
    """The CDXJ line of a response record just written (its headers as serialized), as
    ``cdxj-indexer`` writes it reading the file (with newline): SURT key, 14-digit time, and
    ``url``, ``mime``, ``status``, ``digest``, ``length``, ``offset``, ``filename`` (each
    only when the record has it).

    >>> from warcio.warcwriter import BufferWARCWriter
    >>> writer = BufferWARCWriter(warc_version="1.1")
    >>> headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
    ...                            protocol="HTTP/1.1")
    >>> record = writer.create_warc_record("http://www.mnd.go.kr/a?b=1", "response",
    ...     payload=io.BytesIO(b"hi"), length=2, http_headers=headers,
    ...     warc_headers_dict={"WARC-Date": "2026-12-01T03:28:14.5Z"})
    >>> writer.write_record(record)
    >>> print(cdxj_line(record, "x.warc.gz", 10, 200), end="")  # doctest: +ELLIPSIS
    kr,go,mnd)/a?b=1 20261201032814 {"url": "http://www.mnd.go.kr/a?b=1", "mime": "text/html", "status": "200", "digest": "sha1:...", "length": "200", "offset": "10", "filename": "x.warc.gz"}
    """
    import surt

    url = record.rec_headers.get_header("WARC-Target-URI")
    index: dict[str, str] = {}
    if url is not None:
        index["url"] = url
    http = record.http_headers
    mime = http.get_header("Content-Type") if http else None
    if mime is not None:  # as the reader finds it (stripped), cut at the first ; or space
        mime = mime.strip()
        index["mime"] = _MIME_END.split(mime, 1)[0].strip() if mime else mime
    if http:
        index["status"] = http.get_statuscode()
    digest = record.rec_headers.get_header("WARC-Payload-Digest")
    if digest is not None:
        index["digest"] = digest
    index |= {"length": str(length), "offset": str(offset), "filename": filename}
    try:
        key = surt.surt(url)
    except Exception:  # as cdxj-indexer: an URL surt cannot read is its own key
        key = url
    stamp = iso_date_to_timestamp(record.rec_headers.get_header("WARC-Date"))
    return f"{key} {stamp} {json.dumps(index)}\n"


# -- compression -------------------------------------------------------------------------------

GZIP_LEVEL = 6
"""The deflate level of WARC records whose payload is not compressed already."""

_COMPRESSED_TYPES = re.compile(
    r"(?i)^(?:image/(?!svg|bmp|x-ms-bmp|tiff)|video/|audio/|font/woff"
    r"|application/(?:pdf|zip|gzip|x-gzip|x-7z-compressed|x-rar|vnd\.rar|x-bzip2|x-xz|zstd"
    r"|x-hwp|haansofthwp|vnd\.hancom\.hwp|vnd\.hancom\.hwpx|x-hwpx|octet-stream"
    r"|vnd\.openxmlformats-officedocument\.[\w.]+|epub\+zip|java-archive))"
)
_PROBE = 16 * 1024


def already_compressed(record: Any, raw: bytes) -> bool:
    """Whether deflating the record would gain next to nothing: its HTTP payload is a
    compressed type (by ``Content-Type``), carries a ``Content-Encoding``, or, for a large
    record of another type, a 16 KB sample from its middle shrinks by less than 5%.

    >>> from warcio.warcwriter import BufferWARCWriter
    >>> from warcio.statusandheaders import StatusAndHeaders
    >>> def rec(ctype, body):
    ...     headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
    ...     return BufferWARCWriter().create_warc_record("http://h/x", "response",
    ...         payload=io.BytesIO(body), length=len(body), http_headers=headers)
    >>> already_compressed(rec("image/jpeg", b"x" * 10), b""), already_compressed(rec("text/html", b""), b"<p>" * 9000)
    (True, False)
    >>> already_compressed(rec("text/plain", b""), os.urandom(100_000))
    True
    """
    headers = getattr(record, "http_headers", None)
    if headers is not None and record.rec_type == "response":
        ctype = (headers.get_header("Content-Type") or "").split(";")[0].strip()
        if _COMPRESSED_TYPES.match(ctype):
            return True
        if (headers.get_header("Content-Encoding") or "").strip().lower() not in ("", "identity"):
            return True
    if len(raw) < 4 * _PROBE:
        return False
    middle = len(raw) // 2
    sample = raw[middle : middle + _PROBE]
    return len(zlib.compress(sample, 1)) > 0.95 * len(sample)


def gzip_member(raw: bytes, level: int) -> bytes:
    """``raw`` as one gzip member deflated at ``level`` (0: stored).

    >>> import gzip
    >>> gzip.decompress(gzip_member(b"abc" * 100, 0)) == b"abc" * 100 == gzip.decompress(gzip_member(b"abc" * 100, 6))
    True
    """
    packer = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return packer.compress(raw) + packer.flush()


# -- damaged files -----------------------------------------------------------------------------

_GZIP_MAGIC = b"\x1f\x8b"
_READ_BLOCK = 1 << 16
_HEAD_LIMIT = 1 << 16  # a WARC record's header block is far smaller


@dataclass(frozen=True)
class WholeRecords:
    """What :func:`whole_records` found in a WARC file: how many records are whole, where the
    last whole one ends, the file's size, and why reading stopped before the end (if it did)."""

    records: int
    end: int
    size: int
    damage: str | None = None

    @property
    def damaged(self) -> bool:
        return self.end < self.size


def _record_complete(block: bytes, total: int) -> str | None:
    """Why a decompressed WARC record (its first bytes ``block``, ``total`` bytes in all) is
    not whole, or ``None`` when it is."""
    if not block.startswith(b"WARC/"):
        return "not a WARC record"
    head_end = block.find(b"\r\n\r\n")
    if head_end < 0:
        return "record header cut short"
    length = None
    for line in block[:head_end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return "bad Content-Length"
    if length is None:
        return "no Content-Length"
    expected = head_end + 4 + length + 4
    if total < expected:
        return f"record cut short ({total - head_end - 4} of {length} content bytes)"
    return None


def whole_records(stream: BinaryIO, size: int) -> WholeRecords:
    """Find the end of the last whole record of a gzip-compressed WARC (one gzip member per
    record, as :class:`WarcWriter` and most crawlers write): each member must decompress to
    its end and hold a WARC record with all of its ``Content-Length``.

    >>> import gzip
    >>> def rec(body): return gzip.compress(
    ...     b"WARC/1.1\\r\\nContent-Length: %d\\r\\n\\r\\n%s\\r\\n\\r\\n" % (len(body), body))
    >>> one, two = rec(b"one"), rec(b"two")
    >>> whole_records(io.BytesIO(one + two), len(one + two)).records
    2
    >>> cut = (one + two)[:-10]
    >>> found = whole_records(io.BytesIO(cut), len(cut))
    >>> found.records, found.end == len(one), found.damage == f"gzip member cut short at byte {len(one)}"
    (1, True, True)
    """
    stream.seek(0)
    records = end = 0
    pending = b""
    while True:
        if len(pending) < len(_GZIP_MAGIC):
            pending += stream.read(_READ_BLOCK)
        if not pending:
            return WholeRecords(records, end, size)
        if not pending.startswith(_GZIP_MAGIC):
            return WholeRecords(records, end, size, f"no gzip member at byte {end}")
        inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
        head, total, consumed = b"", 0, 0
        try:
            while True:
                out = inflate.decompress(pending)
                total += len(out)
                if len(head) < _HEAD_LIMIT:
                    head += out[: _HEAD_LIMIT - len(head)]
                if inflate.eof:
                    consumed += len(pending) - len(inflate.unused_data)
                    pending = inflate.unused_data
                    break
                consumed += len(pending)
                pending = stream.read(_READ_BLOCK)
                if not pending:
                    return WholeRecords(records, end, size, f"gzip member cut short at byte {end}")
        except zlib.error as exc:
            return WholeRecords(records, end, size, f"bad gzip data at byte {end}: {exc}")
        why = _record_complete(head, total)
        if why:
            return WholeRecords(records, end, size, f"{why} at byte {end}")
        records += 1
        end += consumed


def check_warc(path: str | Path) -> WholeRecords:
    """:func:`whole_records` of a WARC file on disk (``.warc.gz``, finished or ``.open``)."""
    path = Path(path)
    with open(path, "rb") as fh:
        return whole_records(fh, os.fstat(fh.fileno()).st_size)


@dataclass(frozen=True)
class Recovered:
    """A leftover ``.open`` WARC file, finished: its final path and the bytes cut off its end."""

    path: Path
    records: int
    bytes_cut: int
    damage: str | None


def finish_open_warc(path: str | Path) -> Recovered:
    """Finish a ``.warc.gz.open`` file a killed run left: cut it back to its last whole record
    (see :func:`whole_records`), then rename it to its final name. A file without even a whole
    ``warcinfo`` record is removed (``records == 0``, the path it would have had)."""
    path = Path(path)
    if not path.name.endswith(OPEN_SUFFIX):
        raise ValueError(f"{path} is not an unfinished WARC file ({OPEN_SUFFIX})")
    final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
    if final.exists():
        raise FileExistsError(f"cannot finish {path}: {final} exists")
    found = check_warc(path)
    if found.records == 0:
        path.unlink()
        return Recovered(final, 0, found.size, found.damage)
    if found.damaged:
        with open(path, "r+b") as fh:
            fh.truncate(found.end)
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(path, final)
    return Recovered(final, found.records, found.size - found.end, found.damage)


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def index_cdxj(warc: str | Path) -> Path:
    """Write ``<warc>.cdxj`` beside a WARC file (``cdxj-indexer``); return its path.

    The record types are named, not left to the indexer's default: importing ``wacz`` adds
    ``warcinfo`` to that default for the whole process, so the index would depend on
    whether a WACZ was made earlier in the same process."""
    from cdxj_indexer.main import write_cdx_index

    warc = Path(warc)
    target = warc.with_name(warc.name.removesuffix(".warc.gz") + ".cdxj")
    tmp = target.with_name(target.name + OPEN_SUFFIX)
    with open(tmp, "w", encoding="utf-8") as out:
        write_cdx_index(out, [str(warc)], {"sort": True, "post_append": True,
                                           "records": "response,revisit,resource"})
    os.replace(tmp, target)
    return target


def cdxj_of(warc: str | Path) -> Path:
    """The CDXJ index beside a WARC file (written by :func:`index_cdxj`)."""
    warc = Path(warc)
    return warc.with_name(warc.name.removesuffix(".warc.gz") + ".cdxj")


def article_pages(
    warcs: Iterable[Path], titles: dict[str, str] | None = None
) -> list[dict[str, str]]:
    """The WACZ page list of WARC files: every article page captured with status 200 (one
    entry per capture), in capture order, titled with the article's title from ``titles``
    (article id -> title, from the archive) or, lacking one, its id. Read from each file's
    CDXJ index (made when missing).

    >>> line = ('kr,go,mnd)/user/boardlist.action?boardseq=o_1&command=view 20261201032814 '
    ...         '{"url": "http://mnd.go.kr/user/boardList.action?boardSeq=O_1&command=view", '
    ...         '"status": "200"}')
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()); _ = (folder / "a.cdxj").write_text(line + "\\n")
    >>> _ = (folder / "a.warc.gz").write_bytes(b"")
    >>> article_pages([folder / "a.warc.gz"], {"O_1": "Drill at sea"})[0]["title"]
    'Drill at sea'
    """
    import json
    from urllib.parse import parse_qs

    titles = titles or {}
    pages: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for warc in warcs:
        index = cdxj_of(warc)
        if not index.exists():
            index = index_cdxj(warc)
        with open(index, encoding="utf-8") as fh:
            for line in fh:
                _, stamp, rest = line.rstrip("\n").split(" ", 2)
                entry = json.loads(rest)
                url = entry.get("url", "")
                query = parse_qs(urlsplit(url).query)
                if entry.get("status") != "200" or query.get("command") != ["view"]:
                    continue
                seq = (query.get("boardSeq") or [""])[0]
                if not seq or (url, stamp) in seen:
                    continue
                seen.add((url, stamp))
                ts = (f"{stamp[0:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:{stamp[10:12]}:"
                      f"{stamp[12:14]}Z")
                pages.append({"id": f"{seq}@{stamp}", "url": url, "ts": ts,
                              "title": titles.get(seq) or seq})
    return pages


def article_titles(db_path: str | Path | None) -> dict[str, str]:
    """Article id -> title from the archive, read-only (the crawl may hold it), for the WACZ
    page list; empty when there is no archive (yet)."""
    import sqlite3
    from urllib.parse import quote

    if not db_path or not Path(db_path).is_file():
        return {}
    uri = f"file:{quote(str(Path(db_path).resolve()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=30)
    try:
        rows = conn.execute("SELECT id, title FROM articles WHERE title IS NOT NULL")
        return {str(article_id): str(title) for article_id, title in rows}
    finally:
        conn.close()


def package_wacz(
    warcs: list[Path], target: str | Path, title: str, titles: dict[str, str] | None = None
) -> Path:
    """Package WARC files as one WACZ (``wacz create``) whose page list holds every captured
    article page, titled (:func:`article_pages`); return its path."""
    import json

    from wacz.main import main as wacz_main

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp.wacz")
    pages = target.with_name(target.name + ".pages.jsonl")
    header = {"format": "json-pages-1.0", "id": "pages", "title": title}
    with open(pages, "w", encoding="utf-8") as fh:
        for page in [header, *article_pages(warcs, titles)]:
            fh.write(json.dumps(page, ensure_ascii=False) + "\n")
    said = io.StringIO()
    try:
        with contextlib.redirect_stdout(said):  # wacz prints its steps: to the log, never stdout
            code = wacz_main(["create", "-o", str(tmp), "--title", title, "--pages", str(pages),
                              "--copy-pages", *map(str, warcs)])
    finally:
        pages.unlink(missing_ok=True)
    for line in said.getvalue().splitlines():
        logger.debug("wacz: %s", line)
    if code not in (0, None) or not tmp.exists():
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"wacz create failed with {code} for {target}")
    os.replace(tmp, target)
    return target
