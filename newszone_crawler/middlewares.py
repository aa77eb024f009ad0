"""Downloader middlewares.

* ``WarcCaptureMiddleware`` (950) sits next to the downloader (after
  ``HttpCompressionMiddleware`` at 590 on the way in, so before it on the way out): it sees the
  payload before Scrapy decompresses it and the headers as the server sent them. robots.txt,
  listings, articles, images and attachment downloads all pass through it. A response cut
  short (``dataloss``) is recorded with ``WARC-Truncated: disconnect``.
* ``DataLossRetryMiddleware`` (940) retries a response cut short, and fails the request when
  the retries run out, so a half page never reaches the parser. (``DOWNLOAD_FAIL_ON_DATALOSS``
  is off so that the cut response reaches the WARC first.)
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from .exporters.warc import Exchange, WarcWriter, index_cdxj, package_wacz
from .signals import output_written

logger = logging.getLogger(__name__)


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    pairs = []
    for name, values in headers.items():
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        for value in values:
            pairs.append((key, value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return pairs


class WarcCaptureMiddleware:
    """Write each response (and its request) as a WARC 1.1 record pair; index and package the
    run's WARC files when the spider closes."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.directory = settings.get("NEWSZONE_WARC_DIR")
        self.max_size = settings.getint("NEWSZONE_WARC_MAX_SIZE")
        self.user_agent = settings.get("USER_AGENT")
        self.writer: WarcWriter | None = None
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

    def process_response(self, request: Request, response: Response) -> Request | Response:
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
        location = self._writer().write(exchange)
        request.meta["warc"] = location.asdict()
        stats = self.crawler.stats
        stats.inc_value("newszone/warc/records")
        if truncated:
            stats.inc_value("newszone/warc/truncated")
        return response

    def spider_closed(self, spider: Spider) -> None:
        if self.writer is None:
            return
        files = self.writer.close()
        stats = self.crawler.stats
        stats.set_value("newszone/warc/files", len(files))
        for warc in files:
            self.crawler.signals.send_catch_log(output_written, path=warc)
            try:
                self.crawler.signals.send_catch_log(output_written, path=index_cdxj(warc))
            except Exception:
                stats.inc_value("newszone/warc/index_failed")
                logger.exception("Could not index %s", warc)
        if files:
            target = files[0].parent / f"newszone-{getattr(spider, 'run_id', 'run')}.wacz"
            try:
                wacz = package_wacz(files, target, title=f"News Zone crawl {spider.run_id}")
            except Exception:
                stats.inc_value("newszone/warc/wacz_failed")
                logger.exception("Could not package the run's WARC files as %s", target)
            else:
                self.crawler.signals.send_catch_log(output_written, path=wacz)
        logger.info("WARC: %d records in %d file(s) under %s", self.writer.records, len(files),
                    self.directory)


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
