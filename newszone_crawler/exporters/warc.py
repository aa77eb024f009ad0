"""WARC 1.1 capture of HTTP traffic with ``warcio``, plus the per-run index and package.

:class:`WarcWriter` writes request/response record pairs into
``<dir>/newszone-<UTC time>-<n>.warc.gz``. A file being written carries the ``.open`` suffix
and is renamed when closed; files roll over past a size limit; each starts with a ``warcinfo``
record naming the software and the run. :func:`index_cdxj` writes a CDXJ index per WARC file
(``cdxj-indexer``), :func:`package_wacz` a WACZ per run (``wacz``), which web-archive players
open directly.

Plain library code (no Scrapy): the capture middleware hands it what came over the wire.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from http.client import responses as REASONS
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
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


def warc_name(run_started: datetime, number: int) -> str:
    """The name of the ``number``-th WARC file of a run.

    >>> warc_name(datetime(2026, 11, 28, 22, 5, 9, tzinfo=UTC), 1)
    'newszone-20261128220509-00001.warc.gz'
    """
    return f"newszone-{run_started.strftime('%Y%m%d%H%M%S')}-{number:05d}.warc.gz"


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


class WarcWriter:
    """Write WARC 1.1 request/response pairs into rolling, gzip-compressed files."""

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
        self._fh: io.BufferedWriter | None = None
        self._writer: WARCWriter | None = None
        self._name = ""

    # -- files -------------------------------------------------------------------------------

    def _open_next(self) -> None:
        self._close_current()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.number += 1
        self._name = warc_name(self.started, self.number)
        path = self.directory / (self._name + OPEN_SUFFIX)
        self._fh = open(path, "xb")  # noqa: SIM115 (kept open across writes, closed in close())
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="1.1")
        info = {
            "software": self.software,
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "isPartOf": self.run_id,
            **self.extra_info,
        }
        self._writer.write_record(self._writer.create_warcinfo_record(self._name, info))

    def _close_current(self) -> None:
        if self._fh is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        final = self.directory / self._name
        os.replace(self.directory / (self._name + OPEN_SUFFIX), final)
        self.files.append(final)
        self._fh = self._writer = None

    def close(self) -> list[Path]:
        """Close the current file (renamed without ``.open``); return every file written."""
        self._close_current()
        return list(self.files)

    # -- records -----------------------------------------------------------------------------

    def write(self, exchange: Exchange) -> WarcLocation:
        """Write the response record, then the request record concurrent to it."""
        if self._fh is None or self._fh.tell() >= self.max_size:
            self._open_next()
        assert self._writer is not None and self._fh is not None
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
        offset = self._fh.tell()
        writer.write_record(response)
        writer.write_record(request)
        self.records += 1
        return WarcLocation(self._name, record_id, offset)


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def index_cdxj(warc: str | Path) -> Path:
    """Write ``<warc>.cdxj`` beside a WARC file (``cdxj-indexer``); return its path."""
    from cdxj_indexer.main import write_cdx_index

    warc = Path(warc)
    target = warc.with_name(warc.name.removesuffix(".warc.gz") + ".cdxj")
    tmp = target.with_name(target.name + OPEN_SUFFIX)
    with open(tmp, "w", encoding="utf-8") as out:
        write_cdx_index(out, [str(warc)], {"sort": True, "post_append": True})
    os.replace(tmp, target)
    return target


def package_wacz(warcs: list[Path], target: str | Path, title: str) -> Path:
    """Package a run's WARC files as one WACZ (``wacz create``); return its path."""
    from wacz.main import main as wacz_main

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp.wacz")
    code = wacz_main(
        ["create", "-o", str(tmp), "--title", title, "--detect-pages", *map(str, warcs)]
    )
    if code not in (0, None) or not tmp.exists():
        raise RuntimeError(f"wacz create failed with {code} for {target}")
    os.replace(tmp, target)
    return target
