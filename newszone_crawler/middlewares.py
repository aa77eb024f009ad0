"""Downloader middlewares.

* ``WarcCaptureMiddleware`` (950) sits next to the downloader (after
  ``HttpCompressionMiddleware`` at 590 on the way in, so before it on the way out): it sees the
  payload before Scrapy decompresses it and the headers as the server sent them. robots.txt,
  listings, articles, images and attachment downloads all pass through it. A response cut
  short (``dataloss``) is recorded with ``WARC-Truncated: disconnect``. The records are
  serialized, gzipped and written in the WARC writer's own thread; the response goes on once
  its record is written, with its location in ``meta["warc"]``.
* ``DataLossRetryMiddleware`` (940) retries a response cut short, and fails the request when
  the retries run out, so a half page never reaches the parser. (``DOWNLOAD_FAIL_ON_DATALOSS``
  is off so that the cut response reaches the WARC first.)
* ``CharsetGuardMiddleware`` (930) gives a page that declares a charset that is not a safe
  text encoding (``utf-7``, ``base64``, an unknown label) the encoding it will be read with,
  so nothing downstream (meta-refresh detection, the spider) decodes it the hostile way.
* ``PoliteRetryMiddleware`` (550, in place of Scrapy's ``RetryMiddleware``) also honours a
  ``Retry-After`` header on 429/503, waiting at most ``NEWSZONE_RETRY_AFTER_MAX`` seconds.
* ``SafeRequestMiddleware`` (60) lets a request through only over http(s) and only to the
  configured site (its host, with or without ``www.``, on its own port) or to a host listed in
  ``NEWSZONE_ALLOWED_HOSTS`` whose addresses are all public: never to loopback, private or
  link-local addresses behind the site's back. Redirects pass through it again. It judges the
  host of the request's URL (the site's), never the proxy's: a proxy (``NEWSZONE_PROXY``, which
  it puts in ``meta["proxy"]``, or Scrapy's ``HttpProxyMiddleware`` reading ``http_proxy`` /
  ``https_proxy``) is configured by the operator and may be on loopback or a private network.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from concurrent.futures import Future
from pathlib import Path
from email.utils import parsedate_to_datetime
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import reactor, task, threads
from twisted.internet.defer import Deferred
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from scrapy.http import TextResponse
from scrapy.resolver import dnscache

from .archive import Archive, archive_of
from .exporters.warc import (
    OPEN_SUFFIX,
    Exchange,
    WarcLocation,
    WarcWriteError,
    WarcWriter,
    article_titles,
    finish_open_warc,
    index_cdxj,
    package_wacz,
)
from .hosts import bare_host
from .local_faults import local_fault, note_local_fault
from .parsing.encoding import page_charset
from .runlock import run_blocked
from .signals import output_written

logger = logging.getLogger(__name__)


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    pairs = []
    for name, values in headers.items():
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        for value in values:
            pairs.append((key, value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return pairs


def _unlink_lost_captures(archive: Archive, warc_file: str, end: int) -> int:
    """On the archive's writer thread: unlink the rows whose capture a recovery cut off."""
    if archive.store is None:
        raise RuntimeError("the archive was closed")
    return archive.store.unlink_lost_captures(warc_file, end)


class WarcCaptureMiddleware:
    """Write each response (and its request) as a WARC 1.1 record pair; index and package the
    run's WARC files when the spider closes.

    A pair that cannot be written (disk full...) is counted (``newszone/warc/write_failed``,
    which makes the run incomplete), logged, and marked on the request as
    ``meta["warc_error"]``; the response goes on (the WARC file keeps only whole records). At
    spider open, a run that holds the archive finishes the ``.open`` WARC files a killed run
    left (cut back to their last whole record, renamed, indexed) and unlinks the archive rows
    whose capture was cut off.

    A run that fetches nothing but robots.txt and listing pages (an incremental run with no
    news) writes no WARC file: those responses wait in memory (at most ``PENDING_MAX``) until
    the first article, photo or attachment response, and are written before it. The run's
    WACZ is made only when ``NEWSZONE_WACZ_PER_RUN`` is on (else ``python -m newszone_crawler
    wacz`` packages chosen runs).

    The writing (serialize, digest, gzip, append) is done in the writer's own thread
    (:meth:`WarcWriter.submit`), in the order the responses came: the reactor thread only
    waits for the location. The CDXJ index and the sha256 of each file are kept while writing:
    the close reads nothing back (the manifest gets them with ``output_written``)."""

    PENDING_MAX = 50

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.wacz_per_run = settings.getbool("NEWSZONE_WACZ_PER_RUN")
        self.pending: list[tuple[Request, Exchange]] = []
        self.directory = settings.get("NEWSZONE_WARC_DIR")
        self.max_size = settings.getint("NEWSZONE_WARC_MAX_SIZE")
        self.user_agent = settings.get("USER_AGENT")
        self.db_path = settings.get("NEWSZONE_DB")
        self.writer: WarcWriter | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        if not crawler.settings.getbool("NEWSZONE_WARC_ENABLED"):
            raise NotConfigured("NEWSZONE_WARC_ENABLED is off")
        return cls(crawler)

    def _writer(self) -> WarcWriter:
        if self.writer is None:
            spider = self.crawler.spider
            from importlib.metadata import version

            self.writer = WarcWriter(
                self.directory,
                getattr(spider, "run_id", "run"),
                max_size=self.max_size,
                software=f"newszone-crawler/{version('newszone-crawler')} "
                f"(Scrapy {version('scrapy')}, warcio {version('warcio')})",
                extra_info={"http-header-user-agent": self.user_agent or "",
                            "robots": "obey" if self.crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore"},
            )
        return self.writer

    def spider_opened(self, spider: Spider) -> None:
        """Finish the ``.open`` WARC files an earlier run left (only when this run holds the
        archive: another run may be writing them)."""
        stats = self.crawler.stats
        if not self.directory:
            return
        archive = archive_of(self.crawler)  # the run's one archive, on its writer thread
        opened = archive.open()  # the lock first: another live run may be writing the files
        if run_blocked(self.crawler):
            return
        folder = Path(self.directory)
        if not folder.is_dir():
            return
        for leftover in sorted(folder.glob(f"*.warc.gz{OPEN_SUFFIX}")):
            try:
                recovered = finish_open_warc(leftover)
            except Exception as exc:
                stats.inc_value("newszone/warc/recover_failed")
                logger.error("Could not finish the unfinished WARC file %s: %s", leftover, exc)
                continue
            stats.inc_value("newszone/warc/recovered_files")
            stats.inc_value("newszone/warc/recovered_bytes_cut", recovered.bytes_cut)
            end = recovered.path.stat().st_size if recovered.records else 0
            unlinked = 0
            if opened:
                try:
                    unlinked = archive.call_now(_unlink_lost_captures, archive,
                                                recovered.path.name, end)
                except Exception as exc:  # the rows keep pointing past the cut: say so, loudly
                    stats.inc_value("newszone/warc/unlink_failed")
                    logger.error("Could not unlink the archive rows whose capture was cut from %s "
                                 "(%s): they point past the end of the file", recovered.path, exc)
            stats.inc_value("newszone/warc/unlinked_rows", unlinked)
            if recovered.records:
                try:
                    index_cdxj(recovered.path)
                except Exception as exc:
                    stats.inc_value("newszone/warc/index_failed")
                    logger.error("Could not index the recovered WARC file %s: %s",
                                 recovered.path, exc)
            logger.warning(
                "Finished the WARC file a killed run left: %s (%d whole records kept, %d bytes "
                "cut%s); %d archive row(s) lost their capture",
                recovered.path if recovered.records else f"{leftover} (removed, nothing whole)",
                recovered.records, recovered.bytes_cut,
                f": {recovered.damage}" if recovered.damage else "", unlinked,
            )

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        truncated = "disconnect" if "dataloss" in response.flags else None
        exchange = Exchange(
            url=response.url,
            method=request.method,
            request_headers=_header_pairs(request.headers),
            request_body=request.body or b"",
            status=response.status,
            response_headers=_header_pairs(response.headers),
            payload=response.body,
            protocol=response.protocol or "HTTP/1.1",
            truncated=truncated,
            ip_address=str(response.ip_address) if response.ip_address else None,
        )
        if self.writer is None and _listing_only(request) and len(self.pending) < self.PENDING_MAX:
            self.pending.append((request, exchange))  # no WARC yet for a run that may do nothing
            return response
        pending, self.pending = self.pending, []
        captures = [self._capture(earlier, waiting) for earlier, waiting in pending]
        captures.append(self._capture(request, exchange))
        for capture in captures:  # written in this order by the one writer thread
            await maybe_deferred_to_future(capture)
        return response

    def _capture(self, request: Request, exchange: Exchange) -> Deferred[None]:
        """Submit the exchange to the writer's thread; the Deferred fires on the reactor
        thread once ``request.meta`` holds its location (or its ``warc_error``)."""
        done: Deferred[None] = Deferred()

        def written(future: Future[WarcLocation]) -> None:  # in the writer's thread
            reactor.callFromThread(self._captured, request, exchange, future, done)

        self._writer().submit(exchange).add_done_callback(written)
        return done

    def _captured(self, request: Request, exchange: Exchange, future: Future[WarcLocation],
                  done: Deferred[None]) -> None:
        try:
            self._note_capture(request, exchange, future)
        except Exception as exc:  # a bug, not the disk: the response goes on, loudly
            self.crawler.stats.inc_value("newszone/warc/write_failed")
            logger.exception("Not captured in the WARC: %s", exchange.url)
            request.meta["warc_error"] = f"{type(exc).__name__}: {exc}"
        done.callback(None)

    def _note_capture(self, request: Request, exchange: Exchange,
                      future: Future[WarcLocation]) -> None:
        stats = self.crawler.stats
        try:
            location = future.result()
        except WarcWriteError as exc:
            stats.inc_value("newszone/warc/write_failed")
            if isinstance(exc.cause, OSError):
                note_local_fault(stats, local_fault(exc.cause, exc.path))
            logger.error("Not captured in the WARC: %s: %s", exchange.url, exc)
            request.meta["warc_error"] = str(exc)
            return
        request.meta["warc"] = location.asdict()
        stats.inc_value("newszone/warc/records")
        if exchange.truncated:
            stats.inc_value("newszone/warc/truncated")

    def spider_closed(self, spider: Spider) -> None:
        if self.writer is None:
            if self.pending:
                self.crawler.stats.set_value("newszone/warc/not_kept", len(self.pending))
                logger.info("WARC: none written: the run fetched only robots.txt and %d "
                            "listing page(s)", len(self.pending))
                self.pending = []
            return
        stats = self.crawler.stats
        try:
            self.writer.close()
        except WarcWriteError as exc:
            stats.inc_value("newszone/warc/write_failed")
            if isinstance(exc.cause, OSError):
                note_local_fault(stats, local_fault(exc.cause, exc.path))
            logger.error("Could not finish the WARC file (the next run finishes it): %s", exc)
        files = list(self.writer.files)
        stats.set_value("newszone/warc/files", len(files))
        for warc in files:
            size, sha256 = self.writer.digests[warc]
            self.crawler.signals.send_catch_log(output_written, path=warc, size=size,
                                                sha256=sha256)
            try:
                index, size, sha256 = self.writer.write_index(warc)
                self.crawler.signals.send_catch_log(output_written, path=index, size=size,
                                                    sha256=sha256)
            except OSError as exc:  # the disk, not a bug: named without a traceback
                stats.inc_value("newszone/warc/index_failed")
                note_local_fault(stats, local_fault(exc, warc.with_suffix(".cdxj")))
                logger.error("Could not index %s: %s", warc, local_fault(exc))
            except Exception:
                stats.inc_value("newszone/warc/index_failed")
                logger.exception("Could not index %s", warc)
        if files and self.wacz_per_run:
            target = files[0].parent / f"newszone-{getattr(spider, 'run_id', 'run')}.wacz"
            try:
                wacz = package_wacz(files, target, title=f"News Zone crawl {spider.run_id}",
                                    titles=article_titles(self.db_path))
            except OSError as exc:  # the disk, not a bug: named without a traceback
                stats.inc_value("newszone/warc/wacz_failed")
                note_local_fault(stats, local_fault(exc, target))
                logger.error("Could not package the run's WARC files as %s: %s", target,
                             local_fault(exc))
            except Exception:
                stats.inc_value("newszone/warc/wacz_failed")
                logger.exception("Could not package the run's WARC files as %s", target)
            else:
                self.crawler.signals.send_catch_log(output_written, path=wacz)
        logger.info("WARC: %d records in %d file(s) under %s", self.writer.records, len(files),
                    self.directory)


def _listing_only(request: Request) -> bool:
    """A robots.txt or listing request: what even a run with nothing to do fetches."""
    callback = getattr(request.callback, "__name__", "")
    return callback == "parse_listing" or urlsplit(request.url).path == "/robots.txt"


class DataLossRetryMiddleware:
    """Retry a response whose body was cut short; give up with an error when retries run out."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DataLossRetryMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if "dataloss" not in response.flags:
            return response
        self.crawler.stats.inc_value("newszone/download/dataloss")
        retry = get_retry_request(
            request, spider=self.crawler.spider, reason="response cut short (dataloss)"
        )
        if retry is not None:
            return retry
        raise IgnoreRequest(f"response cut short and retries exhausted: {response.url}")


def retry_after_seconds(value: bytes | str | None, cap: float) -> float:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date), capped.

    >>> retry_after_seconds(b"5", 60), retry_after_seconds("3600", 60), retry_after_seconds(None, 60)
    (5.0, 60.0, 0.0)
    >>> retry_after_seconds("soon", 60)
    0.0
    """
    if not value:
        return 0.0
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(text) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return 0.0
    return float(max(0.0, min(seconds, cap)))


class PoliteRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, waiting as long as ``Retry-After`` asks (capped) before a retry."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("NEWSZONE_RETRY_AFTER_MAX")

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        delay = retry_after_seconds(response.headers.get("Retry-After"), self.retry_after_max)
        if delay:
            self.crawler.stats.inc_value("newszone/retry/retry_after")
            self.crawler.stats.inc_value("newszone/retry/retry_after_seconds", delay)
            await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))
        return retry


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def is_public(address: str) -> bool:
    """Whether an IP address is a public one (not loopback, private, link-local, reserved...).

    >>> [is_public(a) for a in ("8.8.8.8", "127.0.0.1", "10.0.0.1", "169.254.169.254", "::1")]
    [True, False, False, False, False]
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


def public_address(host: str, port: int, getaddrinfo: Any = socket.getaddrinfo) -> str | None:
    """The IPv4 address to connect to for an allowed host: None unless every address the host
    resolves to is public (``OSError`` when it does not resolve).

    >>> fake = lambda *a, **k: [(2, 1, 6, "", ("93.184.215.14", 80)), (10, 1, 6, "", ("2606:2800::1", 80, 0, 0))]
    >>> public_address("files.example.org", 80, fake)
    '93.184.215.14'
    >>> rebinding = lambda *a, **k: [(2, 1, 6, "", ("93.184.215.14", 80)), (2, 1, 6, "", ("10.0.0.7", 80))]
    >>> public_address("files.example.org", 80, rebinding) is None
    True
    """
    infos = getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    addresses = [info[4][0] for info in infos]
    if not addresses or not all(is_public(a) for a in addresses):
        return None
    ipv4 = [a for a in addresses if ":" not in a]
    return ipv4[0] if ipv4 else None


def proxy_url(value: str | None) -> str | None:
    """The proxy URL of ``NEWSZONE_PROXY`` (None when empty); ``ValueError`` when it is not an
    http(s) URL with a host.

    >>> proxy_url("http://127.0.0.1:3128"), proxy_url(""), proxy_url("https://u:p@proxy.example:8443")
    ('http://127.0.0.1:3128', None, 'https://u:p@proxy.example:8443')
    >>> proxy_url("127.0.0.1:3128")
    Traceback (most recent call last):
    ...
    ValueError: NEWSZONE_PROXY must be an http:// or https:// URL with a host, not '127.0.0.1:3128'
    """
    text = (value or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"NEWSZONE_PROXY must be an http:// or https:// URL with a host, not {text!r}")
    return text


class SafeRequestMiddleware:
    """Refuse any request that is not http(s) to the configured site or an allowed public host;
    send the ones it lets through via ``NEWSZONE_PROXY`` when that is set."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.allowed_hosts = {bare_host(h) for h in crawler.settings.getlist("NEWSZONE_ALLOWED_HOSTS")}
        self.proxy = proxy_url(crawler.settings.get("NEWSZONE_PROXY"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SafeRequestMiddleware:
        return cls(crawler)

    def _refuse(self, request: Request, why: str) -> None:
        self.crawler.stats.inc_value(f"newszone/refused/{why}")
        raise IgnoreRequest(f"refused ({why}): {request.url}")

    async def process_request(self, request: Request) -> None:
        await self._judge(request)
        if self.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy
        return None

    async def _judge(self, request: Request) -> None:
        """Refuse ``request`` unless its URL's host (not a proxy's) may be fetched."""
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            self._refuse(request, "scheme")
        host = (parts.hostname or "").lower()
        try:
            port = parts.port or _default_port(parts.scheme)
        except ValueError:
            self._refuse(request, "port")
        site = urlsplit(getattr(self.crawler.spider, "base_url", "") or "")
        site_host = (site.hostname or "").lower()
        if site_host and bare_host(host) == bare_host(site_host):
            site_ports = {site.port} if site.port else {80, 443}
            if port in site_ports:
                return None
            self._refuse(request, "port")
        if bare_host(host) not in self.allowed_hosts:
            self._refuse(request, "host")
        try:
            address = await maybe_deferred_to_future(
                threads.deferToThread(public_address, host, port)
            )
        except OSError:
            self._refuse(request, "unresolved")
        if address is None:
            self._refuse(request, "private_address")
        # Pin the host to the address just checked: Scrapy's resolver answers from this cache,
        # so the connection goes where the check looked (no second lookup to rebind).
        dnscache[host] = address
        return None


class CharsetGuardMiddleware:
    """Re-label a text response whose declared charset must not be used (see
    ``parsing/encoding.py``); the WARC, closer to the downloader, keeps it as received."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CharsetGuardMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        encoding, refused = page_charset(response.body, response.headers.get("Content-Type"))
        if not refused:
            return response
        self.crawler.stats.inc_value("newszone/encoding/refused")
        logger.warning("Refused charset %s of %s; reading it as %s",
                       ", ".join(repr(label) for label in refused), response.url, encoding)
        return response.replace(encoding=encoding)
