"""Attachment files: download every attachment of an :class:`~newszone_crawler.items.Article`
into ``FILES_STORE``, under a name made from a hash, and record what was stored on the
attachment itself.

Where a file goes
-----------------
Never under a name the server (or the page) chose. The store path is

    ``<h[:2]>/<h><ext>`` with ``h = sha256(file_key(url))`` (hex),

where :func:`file_key` is the canonical URL without scheme, port and a leading ``www.``
(``127.0.0.1/user/boardList.action?boardId=..&boardSeq=..&command=download&fileSeq=1``): the
demo site listens on a new port each run and the board answers on ``www.`` and without it,
and one file must keep one path across runs. ``<ext>`` is ``.`` plus the extension of the
attachment's *page* name (``attachments[i]["name"]``) when, lower-cased, it matches
``^[a-z0-9]{1,8}$``; otherwise nothing. Every path is resolved and checked to lie inside
``FILES_STORE`` before anything is read or written (:class:`AtomicFSFilesStore`); a violation
raises :class:`ContainmentError`, the attachment is recorded as failed and the violation is
counted (``newszone/files/containment_violation``). The name the server gives in
``Content-Disposition`` (``filename*`` of RFC 5987/6266 preferred) is kept as data only
(:func:`server_filename`), never as a path.

Files are written to a temporary file in the target's own directory (``.<name>.<random>.part``),
flushed and fsync'ed, then renamed over the target with :func:`os.replace`: a killed run
leaves either the previous file or the complete new one (plus, at worst, a stray ``.part``
file that nothing ever trusts).

What the attachment records
---------------------------
After this pipeline every attachment dict (``{name, url, size_raw}``) also has:

``sha256``        hex sha256 of the stored bytes (None when failed)
``bytes``         size in bytes (None when failed)
``content_type``  the response's media type, lower-cased, parameters dropped, or None when
                  missing or malformed (for ``cached``: the one the archive recorded)
``path``          where the file is, relative to the *output folder* = the parent folder of
                  ``FILES_STORE``: ``<FILES_STORE folder name>/<h[:2]>/<h><ext>``, e.g.
                  ``files/3f/3f…9a.pdf`` for ``FILES_STORE = "output/files"``
                  (so ``Path(FILES_STORE).parent / path`` is the file); None when failed
``status``        ``downloaded`` (fetched and written this run), ``cached`` (the file on disk
                  matched the archive's sha256 and size: not fetched) or ``failed``
``error``         why it failed (``HTTP 404``, ``too large: ...``, ``DownloadTimeoutError: ...``,
                  ``containment: ...``), else None

and ``server_name`` (the sanitized ``Content-Disposition`` name) once the archive declares that
key (``sqlite_store.DOWNLOAD_KEYS``): the store rejects undeclared keys.

When a file is fetched again
----------------------------
At open the pipeline reads the ``attachments`` table of ``NEWSZONE_DB`` once (read-only):
``file_key(url) -> sha256, bytes, content_type, path``. A file is trusted (``cached``, no
request) only when the archive knows its URL and the file at the current path has exactly that
size and sha256 (re-hashed: a kill or a disk problem may have truncated it). Anything else -
no archive row, missing file, other size, other hash - is fetched again. Scrapy's own rule
(trust any file younger than ``FILES_EXPIRES`` days) is not used.

Requests and failures
---------------------
Each request carries ``meta["download_maxsize"] = NEWSZONE_FILES_MAXSIZE`` and
``meta["redirect_ttl"] = MAX_REDIRECTS`` (Scrapy's RedirectMiddleware reads ``redirect_ttl``;
there is no ``max_redirect_times`` meta key), never ``dont_filter``/``allow_offsite``, and the
article page as ``Referer``. Redirects are followed (by RedirectMiddleware, so the offsite and
robots.txt checks see each hop). A failure of any kind (HTTP status other than 200, empty body,
``dataloss``, too large, network, filtered request, containment) is recorded on the attachment
(``status: failed`` with ``error``) - never dropped - and logged as one WARNING per attachment.

Stats: ``newszone/files/<downloaded|cached|failed>`` (per attachment),
``newszone/files/failed/<kind>``, ``newszone/files/bytes_downloaded``,
``newszone/files/mismatch`` (a file on disk that did not match the archive and was fetched
again), ``newszone/files/containment_violation``. One INFO line at the end sums them up.
"""

from __future__ import annotations

import email.header
import hashlib
import logging
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Mapping
import unicodedata
from contextlib import suppress
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn
from urllib.parse import unquote, urlsplit

from scrapy import Request
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
)
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline, FSFilesStore
from scrapy.pipelines.media import FileException, MediaPipeline
from scrapy.utils.asyncio import run_in_thread
from scrapy.utils.datatypes import SequenceExclude
from w3lib.url import canonicalize_url

from .hosts import bare_host
from .items import Article
from .local_faults import local_fault, note_local_fault

if TYPE_CHECKING:
    from os import PathLike

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.pipelines.files import StatInfo
    from scrapy.pipelines.media import FileInfo, FileInfoOrError
    from twisted.python.failure import Failure

try:  # the run manifest lists every file a run wrote (newszone_crawler.signals)
    from .signals import output_written
except ImportError:  # pragma: no cover - the signal is optional
    output_written = None

__all__ = [
    "DOWNLOAD_FIELDS",
    "MAX_REDIRECTS",
    "SERVER_NAME_KEY",
    "AtomicFSFilesStore",
    "AttachmentError",
    "AttachmentFilesPipeline",
    "PhotoCapturePipeline",
    "ContainmentError",
    "KnownFile",
    "extension_of",
    "file_key",
    "hashed_path",
    "image_capture",
    "known_files",
    "read_known_files",
    "sanitize_content_type",
    "server_filename",
]

logger = logging.getLogger(__name__)

DOWNLOAD_FIELDS: tuple[str, ...] = ("sha256", "bytes", "content_type", "path", "status", "error")
"""The keys this pipeline sets on every attachment dict (the archive's ``DOWNLOAD_KEYS``)."""
SERVER_NAME_KEY = "server_name"
"""The key for the server's file name; set only when the archive declares it."""
MAX_REDIRECTS = 5
"""Redirect hops a download may take (``meta["redirect_ttl"]``)."""
OUTCOMES = ("downloaded", "cached", "failed")

_EXTENSION = re.compile(r"[a-z0-9]{1,8}", re.ASCII)
_STORE_PATH = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}(?:\.[a-z0-9]{1,8})?", re.ASCII)
_MEDIA_TYPE = re.compile(
    r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}", re.ASCII
)
_DISPOSITION_PARAM = re.compile(
    r""";\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)"""
)
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_MAX_NAME = 255
_HASH_BLOCK = 1 << 20


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()  # read once, at import (single-threaded): os.umask is process-wide


# -- pure helpers --------------------------------------------------------------------------------


def file_key(url: str) -> str:
    """What identifies a file across runs: the canonical URL without scheme, port and ``www.``.

    >>> file_key("http://127.0.0.1:8123/user/boardList.action?fileSeq=1&command=download")
    '127.0.0.1/user/boardList.action?command=download&fileSeq=1'
    >>> file_key("https://www.mnd.go.kr/a?b=1") == file_key("http://mnd.go.kr:80/a?b=1")
    True
    """
    parts = urlsplit(canonicalize_url(url))
    host = bare_host(parts.hostname)
    return f"{host}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")


def extension_of(name: str | None) -> str:
    """``.ext`` of a page name when it is 1-8 ASCII letters/digits after lower-casing, else ``""``.

    >>> names = ("Report.PDF", "국방.hwp", "a.tar.gz", "x.toolongext", "x.p-f", "none", None)
    >>> [extension_of(n) for n in names]
    ['.pdf', '.hwp', '.gz', '', '', '', '']
    """
    if not name:
        return ""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    _, dot, ext = base.rpartition(".")
    ext = ext.lower()
    return f".{ext}" if dot and _EXTENSION.fullmatch(ext) else ""


def hashed_path(url: str, name: str | None = None) -> str:
    """The store path of a file: ``<h[:2]>/<h><ext>``, ``h = sha256(file_key(url))``.

    >>> hashed_path("http://127.0.0.1:1/f?x=1", "../../etc/passwd.SH")
    '63/63aaab4b2c6debf6e5a53ba0e8a70f5ea95537ce04e86977a29512f7a521a39f.sh'
    """
    digest = hashlib.sha256(file_key(url).encode("utf-8")).hexdigest()
    return f"{digest[:2]}/{digest}{extension_of(name)}"


def sanitize_content_type(value: str | bytes | None) -> str | None:
    """The media type of a ``Content-Type`` value, lower-cased, or None when malformed.

    >>> sanitize_content_type(b"Application/PDF; charset=binary")
    'application/pdf'
    >>> sanitize_content_type("text/html\\r\\nX: y") is None
    True
    """
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    media_type = value.split(";", 1)[0].strip().lower()
    return media_type if _MEDIA_TYPE.fullmatch(media_type) else None


def _decode_header(value: str | bytes) -> str:
    if isinstance(value, str):
        return value
    for encoding in ("utf-8", "cp949"):  # the board is Korean: raw EUC-KR/CP949 names occur
        with suppress(UnicodeDecodeError):
            return value.decode(encoding)
    return value.decode("latin-1")


def _clean_name(name: str) -> str | None:
    """A file name as data: last path component, no control/format characters, whitespace
    collapsed, at most 255 characters; None when nothing is left."""
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join(name.split())  # any Unicode whitespace run -> one space
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")[:_MAX_NAME].strip()
    return None if name in ("", ".", "..") else name


def server_filename(value: str | bytes | None) -> str | None:
    """The file name a ``Content-Disposition`` header gives, sanitized; data only.

    ``filename*`` (RFC 5987) wins over ``filename``; a percent-encoded or RFC 2047 ``filename``
    is decoded; raw bytes are read as UTF-8, else CP949, else Latin-1.

    >>> server_filename("attachment; filename=\\"a.hwp\\"; filename*=UTF-8''%EA%B5%AD%EB%B0%A9.hwp")
    '국방.hwp'
    >>> server_filename('attachment; filename="../../etc/passwd"'), server_filename("inline")
    ('passwd', None)
    """
    if value is None:
        return None
    text = _decode_header(value)
    params: dict[str, str] = {}
    for match in _DISPOSITION_PARAM.finditer(";" + text):
        key, raw = match.group(1).lower(), match.group(2).strip()
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params.setdefault(key, raw)
    name: str | None = None
    extended = params.get("filename*")
    if extended:
        charset, _, rest = extended.partition("'")
        _, _, encoded = rest.partition("'")
        if not rest:  # no charset'lang' prefix: treat the whole value as UTF-8
            encoded, charset = extended, "utf-8"
        try:
            name = unquote(encoded, encoding=charset or "utf-8", errors="strict")
        except (LookupError, UnicodeDecodeError):
            name = unquote(encoded, encoding="utf-8", errors="replace")
    if not name and params.get("filename"):
        name = params["filename"]
        if name.startswith("=?") and name.endswith("?="):
            with suppress(Exception):
                name = str(email.header.make_header(email.header.decode_header(name)))
        elif _PERCENT.search(name):
            with suppress(UnicodeDecodeError):
                name = unquote(name, encoding="utf-8", errors="strict")
    return _clean_name(name) if name else None


def _file_digest(path: Path) -> tuple[int, str] | None:
    """``(size, sha256 hex)`` of a file, or None when it cannot be read."""
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(_HASH_BLOCK), b""):
                digest.update(block)
                size += len(block)
    except OSError:
        return None
    return size, digest.hexdigest()


def _matches(path: Path, size: int, sha256: str) -> bool:
    """Whether the file at ``path`` has exactly ``size`` bytes and that sha256."""
    try:
        if not path.is_file() or path.stat().st_size != size:
            return False
    except OSError:
        return False
    found = _file_digest(path)
    return found is not None and found == (size, sha256)


# -- errors --------------------------------------------------------------------------------------


class AttachmentError(FileException):
    """A download that did not give a stored file; ``str()`` is the recorded ``error`` and
    ``kind`` the stats suffix (``newszone/files/failed/<kind>``)."""

    def __init__(self, reason: str, kind: str = "error") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


class ContainmentError(AttachmentError):
    """A path that would resolve outside ``FILES_STORE``: nothing is read or written."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"containment: {reason}", kind="containment")


# -- the store -----------------------------------------------------------------------------------


class AtomicFSFilesStore(FSFilesStore):
    """A local ``FILES_STORE`` (plain path or ``file://``) that writes atomically and never
    reads or writes outside its root.

    ``persist_file`` writes ``.<name>.<random>.part`` beside the target, fsyncs it and renames
    it over the target (:func:`os.replace`). Every path goes through :meth:`resolve`.
    """

    def __init__(self, basedir: str | PathLike[str]) -> None:
        super().__init__(basedir)
        self.root = Path(self.basedir).resolve()

    def resolve(self, path: str | PathLike[str]) -> Path:
        """The absolute, symlink-free location of a store path; :class:`ContainmentError` when
        the path is not a plain relative one or resolves outside the root."""
        text = str(path)
        parts = text.split("/")
        if (
            not text
            or "\\" in text
            or "\x00" in text
            or text.startswith("/")
            or any(part in ("", ".", "..") for part in parts)
            or Path(parts[0]).drive
        ):
            raise ContainmentError(f"not a plain relative path: {text!r}")
        target = self.root.joinpath(*parts).resolve()
        if target == self.root or not target.is_relative_to(self.root):
            raise ContainmentError(
                f"{text!r} resolves to {str(target)!r}, outside {str(self.root)!r}"
            )
        return target

    def _get_filesystem_path(self, path: str | PathLike[str]) -> Path:
        return self.resolve(path)

    def persist_file(
        self,
        path: str | PathLike[str],
        buf: BytesIO,
        info: MediaPipeline.SpiderInfo,
        meta: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Write ``buf`` to ``path`` atomically (temporary file in the same folder, then rename)."""
        target = self.resolve(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        parent = target.parent.resolve()
        if not parent.is_relative_to(self.root):  # a folder swapped for a symlink meanwhile
            raise ContainmentError(f"folder of {str(path)!r} resolves to {str(parent)!r}")
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), 0o666 & ~_UMASK)
                fh.write(buf.getbuffer())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temporary, parent / target.name)
        except BaseException:
            with suppress(OSError):
                os.unlink(temporary)
            raise

    def stat_file(self, path: str | PathLike[str], info: MediaPipeline.SpiderInfo) -> StatInfo:
        """Modification time and **sha256** (not md5) of a stored file; ``{}`` when absent."""
        target = self.resolve(path)
        try:
            last_modified = target.stat().st_mtime
        except OSError:
            return {}
        found = _file_digest(target)
        if found is None:
            return {}
        return {"last_modified": last_modified, "checksum": found[1]}


# -- the archive's view of the files -------------------------------------------------------------


@dataclass(frozen=True)
class KnownFile:
    """What the archive recorded for a file URL."""

    sha256: str
    bytes: int
    content_type: str | None
    path: str | None
    server_name: str | None = None


def known_files(rows: Iterable[Mapping[str, Any]]) -> dict[str, KnownFile]:
    """``{file_key(url): KnownFile}`` of the archive's downloaded attachments
    (``ArchiveStore.downloads``, read once at the run's start: ``archive.Archive``); rows
    without a URL, sha256 or size are skipped.

    >>> known = known_files([{"url": "http://h/f.pdf", "sha256": "AB", "bytes": 3}])
    >>> known[file_key("http://h/f.pdf")].sha256
    'ab'
    """
    known: dict[str, KnownFile] = {}
    for values in rows:
        if not values.get("url") or values.get("sha256") is None or values.get("bytes") is None:
            continue
        known[file_key(values["url"])] = KnownFile(
            sha256=str(values["sha256"]).lower(),
            bytes=int(values["bytes"]),
            content_type=values.get("content_type"),
            path=values.get("path"),
            server_name=values.get(SERVER_NAME_KEY),
        )
    return known


def read_known_files(db_path: str | PathLike[str] | None) -> dict[str, KnownFile]:
    """:func:`known_files` of the archive at ``db_path``, opened read-only (a files pipeline
    without the archive's run object: outside a crawl, or without ``StorePipeline``); empty
    when there is no archive (yet) or it cannot be read (logged)."""
    if not db_path or not Path(db_path).is_file():
        return {}
    from .exporters.sqlite_store import read_downloads

    try:
        return known_files(read_downloads(db_path))
    except sqlite3.Error as exc:
        logger.warning("Cannot read the archive %s for attachment files: %s", db_path, exc)
        return {}


# -- the pipeline --------------------------------------------------------------------------------


class _QuietExpectedFailures(logging.Filter):
    """Drop Scrapy's ERROR-with-traceback for download failures this pipeline records and
    logs itself (one WARNING per attachment); unexpected errors still get their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, AttachmentError)


def _downloadable(url: Any) -> bool:
    """An absolute http(s) URL that Scrapy accepts (a bad one must not fail the whole item)."""
    if not isinstance(url, str):
        return False
    try:
        return urlsplit(url).scheme in ("http", "https") and bool(Request(url).url)
    except (TypeError, ValueError):
        return False


class AttachmentFilesPipeline(FilesPipeline):
    """Download every attachment of an ``Article`` into ``FILES_STORE`` (see the module doc).

    Other items pass through untouched. Settings: ``NEWSZONE_FILES_ENABLED`` (off:
    ``NotConfigured``), ``FILES_STORE`` (a local folder), ``NEWSZONE_FILES_MAXSIZE``,
    ``NEWSZONE_DB`` (the archive whose ``attachments`` say which files on disk to trust).
    """

    MEDIA_NAME = "attachment"
    STORE_SCHEMES: ClassVar[dict[str, Any]] = {
        **FilesPipeline.STORE_SCHEMES,
        "": AtomicFSFilesStore,
        "file": AtomicFSFilesStore,
    }
    _MEDIA_LOGGER = "scrapy.pipelines.media"

    def __init__(
        self, store_uri: str | PathLike[str], download_func: None = None, *, crawler: Crawler
    ) -> None:
        super().__init__(store_uri, crawler=crawler)
        if not isinstance(self.store, AtomicFSFilesStore):
            raise ValueError(
                f"FILES_STORE must be a local folder (a path or file://), not {str(store_uri)!r}"
            )
        self.files_store: AtomicFSFilesStore = self.store
        settings = crawler.settings
        self.maxsize = settings.getint("NEWSZONE_FILES_MAXSIZE")
        self.db_path: str | None = settings.get("NEWSZONE_DB") or None
        # Follow redirects (RedirectMiddleware, so every hop passes the offsite/robots checks):
        # every status but 3xx reaches media_downloaded (what MEDIA_ALLOW_REDIRECTS=True does).
        self.allow_redirects = True
        self.handle_httpstatus_list = SequenceExclude(range(300, 400))
        self.known: dict[str, KnownFile] = {}
        self.keep_server_name = self._archive_declares(SERVER_NAME_KEY)
        self._log_filter = _QuietExpectedFailures()
        assert crawler.stats is not None
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AttachmentFilesPipeline:
        if not crawler.settings.getbool("NEWSZONE_FILES_ENABLED"):
            raise NotConfigured("NEWSZONE_FILES_ENABLED is off: attachments are not downloaded")
        pipeline: AttachmentFilesPipeline = super().from_crawler(crawler)
        return pipeline

    @staticmethod
    def _archive_declares(key: str) -> bool:
        try:
            from .exporters.sqlite_store import DOWNLOAD_KEYS
        except ImportError:  # pragma: no cover
            return False
        return key in DOWNLOAD_KEYS

    # -- run -------------------------------------------------------------------------------

    def open_spider(self) -> None:
        super().open_spider()
        from .archive import archive_of

        archive = archive_of(self.crawler)  # opened by StorePipeline when it is on
        if archive.store is not None:
            self.known = known_files(archive.known_files)
        else:
            self.known = {} if archive.blocked else read_known_files(self.db_path)
        logging.getLogger(self._MEDIA_LOGGER).addFilter(self._log_filter)
        logger.info(
            "Attachment files go to %s (limit %s bytes); the archive knows %d file(s)",
            self.files_store.root, self.maxsize or "no", len(self.known),
        )

    def close_spider(self) -> None:
        logging.getLogger(self._MEDIA_LOGGER).removeFilter(self._log_filter)
        count = {o: self.stats.get_value(f"newszone/files/{o}", 0) for o in OUTCOMES}
        logger.info(
            "Attachment files: %d downloaded (%d bytes), %d cached (verified on disk), "
            "%d failed, %d containment violation(s); in %s",
            count["downloaded"], self.stats.get_value("newszone/files/bytes_downloaded", 0),
            count["cached"], count["failed"],
            self.stats.get_value("newszone/files/containment_violation", 0),
            self.files_store.root,
        )

    # -- requests --------------------------------------------------------------------------

    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        if not isinstance(item, Article):
            return []
        referer = item.fetched_url or item.url
        requests = []
        for attachment in item.attachments or []:
            url = attachment.get("url")
            if not _downloadable(url):
                continue
            meta = {
                "download_maxsize": self.maxsize,
                "redirect_ttl": MAX_REDIRECTS,
                "newszone_file_ext": extension_of(attachment.get("name")),
                "newszone_attachment": True,
            }
            headers = {"Referer": referer} if referer else None
            requests.append(Request(url, callback=NO_CALLBACK, meta=meta, headers=headers))
        return requests

    def file_path(
        self,
        request: Request,
        response: Response | None = None,
        info: MediaPipeline.SpiderInfo | None = None,
        *,
        item: Any = None,
    ) -> str:
        """``<h[:2]>/<h><ext>``: from the request URL and the page name's extension only."""
        digest = hashlib.sha256(file_key(request.url).encode("utf-8")).hexdigest()
        ext = request.meta.get("newszone_file_ext", "")
        if not (ext == "" or (ext.startswith(".") and _EXTENSION.fullmatch(ext[1:]))):
            ext = ""
        path = f"{digest[:2]}/{digest}{ext}"
        if not _STORE_PATH.fullmatch(path):  # pragma: no cover - by construction
            raise ContainmentError(f"unexpected store path {path!r}")
        return path

    def record_path(self, store_path: str) -> str:
        """A store path as the record gives it: relative to FILES_STORE's parent folder."""
        folder = self.files_store.root.name
        return f"{folder}/{store_path}" if folder else store_path

    # -- before downloading: trust a verified file -----------------------------------------

    async def media_to_download(
        self, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None
    ) -> FileInfo | None:
        known = self.known.get(file_key(request.url))
        if known is None:
            return None
        path = self.file_path(request, info=info, item=item)
        target = self.files_store.resolve(path)
        if not await run_in_thread(_matches, target, known.bytes, known.sha256):
            self.stats.inc_value("newszone/files/mismatch")
            logger.info(
                "Attachment on disk does not match the archive (%s bytes, sha256 %s): "
                "fetching it again: %s", known.bytes, known.sha256[:12], request.url,
            )
            return None
        result: dict[str, Any] = {
            "url": request.url,
            "path": path,
            "checksum": known.sha256,
            "status": "cached",
            "bytes": known.bytes,
            "content_type": known.content_type,
            "server_name": known.server_name,
        }
        return result  # type: ignore[return-value]

    # -- after downloading -----------------------------------------------------------------

    def _write(self, path: str, body: bytes, info: MediaPipeline.SpiderInfo) -> str:
        digest = hashlib.sha256(body).hexdigest()
        self.files_store.persist_file(path, BytesIO(body), info)
        return digest

    async def media_downloaded(
        self,
        response: Response,
        request: Request,
        info: MediaPipeline.SpiderInfo,
        *,
        item: Any = None,
    ) -> FileInfo:
        if response.status != 200:
            raise AttachmentError(f"HTTP {response.status}", kind=f"http_{response.status}")
        if "dataloss" in response.flags:
            raise AttachmentError(
                "incomplete: the connection closed before the whole body", kind="incomplete"
            )
        body = response.body
        if not body:
            raise AttachmentError("empty response body", kind="empty")
        path = self.file_path(request, response=response, info=info, item=item)
        try:
            digest = await run_in_thread(self._write, path, body, info)
        except OSError as exc:  # the download worked: the fault is this machine's disk
            fault = local_fault(exc, exc.filename or self.files_store.resolve(path))
            note_local_fault(self.stats, fault)
            raise AttachmentError(f"not stored: {fault}", kind="disk") from exc
        self.stats.inc_value("newszone/files/bytes_downloaded", len(body))
        if output_written is not None:
            self.crawler.signals.send_catch_log(output_written, path=self.files_store.resolve(path),
                                                size=len(body), sha256=digest)
        logger.debug("Attachment downloaded (%d bytes) to %s: %s", len(body), path, request.url)
        result: dict[str, Any] = {
            "url": request.url,
            "path": path,
            "checksum": digest,
            "status": "downloaded",
            "bytes": len(body),
            "content_type": sanitize_content_type(response.headers.get("Content-Type")),
            "server_name": server_filename(response.headers.get("Content-Disposition")),
        }
        return result  # type: ignore[return-value]

    def media_failed(
        self, failure: Failure, request: Request, info: MediaPipeline.SpiderInfo
    ) -> NoReturn:
        """Turn any failure into an :class:`AttachmentError` with a short, recordable reason."""
        exc = failure.value
        if isinstance(exc, AttachmentError):
            raise exc
        if isinstance(exc, DownloadCancelledError):
            limit = f"{self.maxsize} bytes (NEWSZONE_FILES_MAXSIZE)" if self.maxsize else "none"
            expected = re.search(r"Expected to receive (\d+) bytes", str(exc))
            size = (
                f"{expected.group(1)} bytes announced" if expected else "body grew past the limit"
            )
            raise AttachmentError(f"too large: {size}; limit {limit}", kind="too_large") from exc
        if isinstance(exc, IgnoreRequest):
            raise AttachmentError(f"not downloaded: {exc}"[:500], kind="ignored") from exc
        kind = "timeout" if isinstance(exc, DownloadTimeoutError) else "network"
        raise AttachmentError(f"{type(exc).__name__}: {exc}"[:500], kind=kind) from exc

    # -- the record ------------------------------------------------------------------------

    def item_completed(
        self, results: list[FileInfoOrError], item: Any, info: MediaPipeline.SpiderInfo
    ) -> Any:
        if not isinstance(item, Article):
            return item
        attachments = item.attachments or []
        targets = [a for a in attachments if _downloadable(a.get("url"))]
        outcomes: list[tuple[dict[str, Any], Any]] = list(zip(targets, results, strict=True))
        for attachment in attachments:
            if not _downloadable(attachment.get("url")):
                error = AttachmentError("no downloadable http(s) URL", kind="no_url")
                outcomes.append((attachment, (False, error)))
        for attachment, (ok, value) in outcomes:
            if ok and isinstance(value, dict):
                self._record_file(attachment, value)
            else:
                exc = getattr(value, "value", value)
                if not isinstance(exc, AttachmentError):
                    exc = AttachmentError(f"{type(exc).__name__}: {exc}"[:500], kind="error")
                self._record_failure(item, attachment, exc)
        return item

    def _record_file(self, attachment: dict[str, Any], info: dict[str, Any]) -> None:
        status = "cached" if info.get("status") == "cached" else "downloaded"
        attachment.update(
            sha256=info["checksum"],
            bytes=info.get("bytes"),
            content_type=info.get("content_type"),
            path=self.record_path(info["path"]),
            status=status,
            error=None,
        )
        if self.keep_server_name:
            attachment[SERVER_NAME_KEY] = info.get("server_name")
        self.stats.inc_value(f"newszone/files/{status}")

    def _record_failure(
        self, item: Article, attachment: dict[str, Any], exc: AttachmentError
    ) -> None:
        attachment.update(
            sha256=None, bytes=None, content_type=None, path=None, status="failed", error=exc.reason
        )
        if self.keep_server_name:
            attachment[SERVER_NAME_KEY] = None
        self.stats.inc_value("newszone/files/failed")
        self.stats.inc_value(f"newszone/files/failed/{exc.kind}")
        link = attachment.get("url")
        if isinstance(exc, ContainmentError):
            self.stats.inc_value("newszone/files/containment_violation")
            logger.error("Attachment REFUSED (%s) of %s: %s", exc.reason, item.id, link)
        else:
            logger.warning("Attachment failed (%s) of %s: %s", exc.reason, item.id, link)


# -- photos: fetched for the WARC, their capture recorded ----------------------------------------


def image_capture(
    *,
    body: bytes | None = None,
    content_type: str | None = None,
    warc: dict[str, Any] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """The capture fields of a photo (``sqlite_store.CAPTURE_KEYS``, in that order): sha256,
    size and type of the body and where its response record is, or the error.

    >>> image_capture(body=b"x", content_type="image/jpeg",
    ...               warc={"warc_file": "w.warc.gz", "warc_offset": 7, "warc_record_id": "<r>"})["sha256"][:12]
    '2d711642b726'
    >>> image_capture(error="HTTP 404")["status"]
    'failed'
    """
    if error is not None:
        return dict.fromkeys(("sha256", "bytes", "content_type", "warc_file", "warc_offset",
                              "warc_record_id"), None) | {"status": "failed", "error": error}
    warc = warc or {}
    return {
        "sha256": hashlib.sha256(body or b"").hexdigest(),
        "bytes": len(body or b""),
        "content_type": content_type,
        "warc_file": warc.get("warc_file"),
        "warc_offset": warc.get("warc_offset"),
        "warc_record_id": warc.get("warc_record_id"),
        "status": "captured",
        "error": None,
    }


class PhotoCapturePipeline(MediaPipeline):
    """Fetch every photo of an ``Article`` so the WARC holds it beside the page, and record on
    each image where its capture is (``warc_file``, ``warc_offset``, ``warc_record_id``) with
    the sha256, size and type of its body. Photos are not written to ``FILES_STORE``: the WARC
    is their copy.

    A photo that cannot be fetched (HTTP error, empty or cut body, refused or bad URL) is
    ``status: failed`` with ``error``, counted (``newszone/image/failed``) and logged; it never
    fails the article. Off with ``NEWSZONE_WARC_ENABLED`` (no WARC, nothing to point at).
    Stats: ``newszone/image/captured``, ``newszone/image/failed``."""

    LOG_FAILED_RESULTS = False  # each failure is recorded on the image and logged once here

    def __init__(self, *, crawler: Crawler) -> None:
        super().__init__(crawler=crawler)
        self._handle_statuses(True)  # redirects followed; every other status reaches us
        assert crawler.stats is not None
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PhotoCapturePipeline:
        if not crawler.settings.getbool("NEWSZONE_WARC_ENABLED"):
            raise NotConfigured("NEWSZONE_WARC_ENABLED is off: photos are not captured")
        return cls(crawler=crawler)

    def open_spider(self) -> None:
        super().open_spider()
        self._log_filter = _QuietExpectedFailures()
        logging.getLogger(AttachmentFilesPipeline._MEDIA_LOGGER).addFilter(self._log_filter)

    def close_spider(self) -> None:
        logging.getLogger(AttachmentFilesPipeline._MEDIA_LOGGER).removeFilter(self._log_filter)

    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        if not isinstance(item, Article):
            return []
        referer = item.fetched_url or item.url
        headers = {"Referer": referer} if referer else None
        return [
            Request(image["url"], callback=NO_CALLBACK, headers=headers,
                    meta={"redirect_ttl": MAX_REDIRECTS})
            for image in item.images or []
            if _downloadable(image.get("url"))
        ]

    def media_to_download(
        self, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None
    ) -> None:
        return None  # always fetched: the capture is the point

    def file_path(
        self, request: Request, response: Response | None = None,
        info: MediaPipeline.SpiderInfo | None = None, *, item: Any = None,
    ) -> str:
        """Not used: a photo is kept in the WARC only, never as a file."""
        return hashed_path(request.url)

    def media_downloaded(
        self, response: Response, request: Request, info: MediaPipeline.SpiderInfo, *,
        item: Any = None,
    ) -> FileInfo:
        if response.status != 200:
            raise AttachmentError(f"HTTP {response.status}", kind=f"http_{response.status}")
        if "dataloss" in response.flags:
            raise AttachmentError("incomplete: the connection closed before the whole body",
                                  kind="incomplete")
        if not response.body:
            raise AttachmentError("empty response body", kind="empty")
        warc = response.meta.get("warc")
        if not warc:
            reason = response.meta.get("warc_error") or "no WARC capture"
            raise AttachmentError(f"not captured: {reason}"[:500], kind="not_captured")
        result = image_capture(body=response.body, warc=warc, content_type=sanitize_content_type(
            response.headers.get("Content-Type")))
        return result  # type: ignore[return-value]

    def media_failed(
        self, failure: Failure, request: Request, info: MediaPipeline.SpiderInfo
    ) -> NoReturn:
        exc = failure.value
        if isinstance(exc, AttachmentError):
            raise exc
        kind = "ignored" if isinstance(exc, IgnoreRequest) else "network"
        raise AttachmentError(f"{type(exc).__name__}: {exc}"[:500], kind=kind) from exc

    def item_completed(
        self, results: list[FileInfoOrError], item: Any, info: MediaPipeline.SpiderInfo
    ) -> Any:
        if not isinstance(item, Article):
            return item
        images = item.images or []
        targets = [i for i in images if _downloadable(i.get("url"))]
        outcomes = list(zip(targets, results, strict=True))
        outcomes += [(i, (False, AttachmentError("no downloadable http(s) URL")))
                     for i in images if not _downloadable(i.get("url"))]
        for image, (ok, value) in outcomes:
            if ok and isinstance(value, dict):
                image.update(value)  # type: ignore[typeddict-item]
                self.stats.inc_value("newszone/image/captured")
                continue
            exc = getattr(value, "value", value)
            reason = exc.reason if isinstance(exc, AttachmentError) else f"{type(exc).__name__}: {exc}"
            image.update(image_capture(error=reason[:500]))  # type: ignore[typeddict-item]
            self.stats.inc_value("newszone/image/failed")
            logger.warning("Image failed (%s) of %s: %r", reason, item.id, image.get("url"))
        return item
