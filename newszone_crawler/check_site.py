"""``python -m newszone_crawler check-site``: first contact with a site, element by element.

Fetches robots.txt, page 1 and one later page (the last the paging block names) of each
board's listing, and N articles per board, with the crawl's own settings (politeness, robots.txt,
retries, the request guards, a proxy from the environment or ``NEWSZONE_PROXY``), checks each
page against the markup contract (``parsing/conformance.py``) and prints one line per element.

Exit codes: 0 every mandatory element ok; 1 a mandatory element missing or unexpected, or a
page that could not be fetched; 2 the site could not be reached (DNS, refused, timeout, TLS,
HTTP status), with the reason.

``--bundle FILE`` writes everything fetched as one WARC file (the crawl's own writer) followed
by a ``resource`` record holding the report as JSON (``urn:newszone:check-site:report``) and a
``metadata`` record with the software versions: ``rebuild --from-warc FILE`` replays its article
pages into records, :func:`bundle_pages` gives its pages to a test.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.http import Response
from twisted.python.failure import Failure

from .exporters.warc import WarcWriter
from .hosts import bare_host
from .parsing import article_url, listing_url, parse_listing
from .parsing.conformance import (
    Element,
    check_article,
    check_listing,
    check_robots,
    failed,
    summarize,
)
from .parsing.errors import PageLayoutError
from .parsing.urls import site_root

REPORT_URI = "urn:newszone:check-site:report"
VERSION_URI = "urn:newszone:check-site:version"
EXIT_OK, EXIT_NONCONFORMING, EXIT_UNREACHABLE = 0, 1, 2


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc``, what it was raised from, and the reasons a Twisted ``ResponseFailed`` carries."""
    out: list[BaseException] = []
    todo: list[Any] = [exc]
    while todo and len(out) < 12:
        item = todo.pop(0)
        item = item.value if isinstance(item, Failure) else item
        if not isinstance(item, BaseException) or item in out:
            continue
        out.append(item)
        todo.extend([item.__cause__, item.__context__, *(getattr(item, "reasons", None) or [])])
    return out


_KINDS = (  # (class names, the reason's words)
    (("DNSLookupError", "CannotResolveHostError", "gaierror"),
     "DNS: the host name does not resolve"),
    (("ConnectionRefusedError", "DownloadConnectionRefusedError"),
     "refused: the host refused the connection"),
    (("TimeoutError", "TCPTimedOutError", "DownloadTimeoutError", "UserTimeoutError"),
     "timeout: no answer in time"),
    (("SSLError", "Error:OpenSSL.SSL", "CertificateError", "VerificationError"),
     "TLS: the secure connection failed"),
    (("IgnoreRequest",), "refused by the crawler's request guard"),
    (("ConnectionLost", "ConnectionDone", "ResponseNeverReceived", "DownloadFailedError"),
     "connection lost: the host closed the connection"),
)


def failure_reason(failure: Failure | BaseException) -> str:
    """Why a request got no answer, in the words of the report (DNS, refused, timeout, TLS...).

    >>> from twisted.internet.error import DNSLookupError, ConnectionRefusedError
    >>> failure_reason(DNSLookupError("www.mnd.go.kr"))
    'DNS: the host name does not resolve (DNSLookupError: DNS lookup failed: www.mnd.go.kr.)'
    >>> failure_reason(ConnectionRefusedError()).split(" (")[0]
    'refused: the host refused the connection'
    """
    exc = failure.value if isinstance(failure, Failure) else failure
    causes = _causes(exc)
    text = f"{type(exc).__name__}: {exc}".strip()
    for names, words in _KINDS:
        for cause in causes:
            kind = type(cause)
            if kind.__name__ in names or f"{kind.__name__}:{kind.__module__}" in names:
                return f"{words} ({text})"
    return f"connection failed ({text})"


@dataclass
class CheckResult:
    """What the check saw: the elements of every page, and what could not be fetched."""

    base_url: str
    elements: list[Element] = field(default_factory=list)
    fetched: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    reached: bool = False

    @property
    def exit_code(self) -> int:
        if not self.reached:
            return EXIT_UNREACHABLE
        if self.errors or failed(summarize(self.elements)):
            return EXIT_NONCONFORMING
        return EXIT_OK

    def report(self) -> dict[str, Any]:
        summaries = summarize(self.elements)
        return {
            "base_url": self.base_url,
            "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "software": software(),
            "exit_code": self.exit_code,
            "reached": self.reached,
            "unreachable": self.unreachable,
            "errors": self.errors,
            "fetched": self.fetched,
            "elements": [s.__dict__ for s in summaries],
            "pages": [e.__dict__ for e in self.elements],
        }

    def lines(self) -> list[str]:
        out = [f"check-site {self.base_url}"]
        if not self.reached:
            reasons = sorted(set(self.unreachable)) or ["no answer"]
            out.append(f"unreachable: {reasons[0]}")
            out.extend(f"  also: {r}" for r in reasons[1:5])
            return out
        out.extend(s.line() for s in summarize(self.elements))
        out.extend(f"error      {e}" for e in self.errors)
        bad = failed(summarize(self.elements))
        if bad or self.errors:
            names = ", ".join(s.name for s in bad) or "none"
            out.append(f"FAILED: mandatory elements not ok: {names}; {len(self.errors)} page(s) "
                       "not fetched")
        else:
            out.append(f"all mandatory elements ok ({len(self.fetched)} responses)")
        return out


def software() -> str:
    return (f"newszone-crawler {version('newszone-crawler')} (Scrapy {version('scrapy')}, "
            f"warcio {version('warcio')}, Python {sys.version.split()[0]})")


class CheckSiteSpider(Spider):
    """Fetch robots.txt, two listing pages and N articles per board; check each page."""

    name = "newszone-check-site"

    def __init__(self, *args: Any, result: CheckResult, boards: dict[str, dict[str, str]],
                 articles: int, site_id: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.result = result
        self.base_url = result.base_url
        self.boards = boards
        self.articles = articles
        self.site_id = site_id
        self.run_id = datetime.now(UTC).strftime("check-%Y-%m-%dT%H-%M-%S.%fZ")
        self.allowed_domains = [bare_host(urlsplit(self.base_url).hostname)]

    def _request(self, url: str, callback: Any, **kwargs: Any) -> Request:
        return Request(url, callback=callback, errback=self.failed, dont_filter=True,
                       meta={"handle_httpstatus_all": True}, cb_kwargs=kwargs)

    async def start(self):  # type: ignore[override]
        yield self._request(f"{self.base_url}/robots.txt", self.parse_robots, what="robots.txt")
        for key, board in self.boards.items():
            url = listing_url(self.base_url, board["board_id"], board["menu_id"], self.site_id, 1)
            yield self._request(url, self.parse_listing, what=f"{key} listing page 1",
                                board_key=key, page=1)

    def _answered(self, response: Response, what: str) -> bool:
        self.result.fetched.append({"url": response.url, "status": response.status,
                                    "what": what})
        if response.status >= 300:
            reason = f"HTTP {response.status} for {what}: {response.url}"
            self.result.unreachable.append(f"HTTP status: {reason}")
            self.result.errors.append(reason)
            return False
        if "listing" in what:
            self.result.reached = True  # the site answers with its boards
        return True

    def parse_robots(self, response: Response, what: str):
        self.result.fetched.append({"url": response.url, "status": response.status, "what": what})
        self.result.elements.extend(check_robots(response.status, response.body, url=response.url))

    def parse_listing(self, response: Response, what: str, board_key: str, page: int):
        if not self._answered(response, what):
            return
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        self.result.elements.extend(check_listing(response.body, response.url, content_type))
        if page != 1:
            return
        try:
            listing = parse_listing(response.text, response.url)
        except (PageLayoutError, AttributeError):
            return  # reported as listing.* missing above
        board = self.boards[board_key]
        later = listing.last_page if listing.last_page and listing.last_page > 1 else None
        if later:
            url = listing_url(self.base_url, board["board_id"], board["menu_id"], self.site_id,
                              later)
            yield self._request(url, self.parse_listing, what=f"{board_key} listing page {later}",
                                board_key=board_key, page=later)
        for entry in listing.articles[: self.articles]:
            url = article_url(self.base_url, entry.board_id, entry.board_seq, board["menu_id"],
                              self.site_id)
            yield self._request(url, self.parse_article, what=f"{board_key} article {entry.board_seq}")

    def parse_article(self, response: Response, what: str):
        if not self._answered(response, what):
            return
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        self.result.elements.extend(check_article(response.body, response.url, content_type))

    def failed(self, failure: Failure):
        request = failure.request if hasattr(failure, "request") else None
        what = request.cb_kwargs.get("what", "") if request is not None else ""
        reason = failure_reason(failure)
        self.result.unreachable.append(reason)
        self.result.errors.append(f"{what}: {reason}")


def crawl_settings(base_url: str, warc_dir: str | None, overrides: dict[str, Any] | None = None):
    """The project's settings (politeness, robots.txt, retries, the request guards, proxy),
    without what only a crawl does (archive, feeds, pipelines, run summary)."""
    from scrapy.utils.project import get_project_settings

    from .spiders.newszone import is_loopback

    settings = get_project_settings()
    if not settings.get("NEWSZONE_BOARDS"):  # run outside the checkout (no scrapy.cfg found)
        settings.setmodule("newszone_crawler.settings", priority="project")
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("EXTENSIONS", {name: None for name in settings.getdict("EXTENSIONS")},
                 priority="cmdline")
    settings.set("FEEDS", {}, priority="cmdline")
    settings.set("NEWSZONE_JSONL", "", priority="cmdline")
    settings.set("NEWSZONE_DB", "", priority="cmdline")
    settings.set("NEWSZONE_WARC_ENABLED", bool(warc_dir), priority="cmdline")
    settings.set("NEWSZONE_WARC_DIR", warc_dir or "", priority="cmdline")
    settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    if is_loopback(base_url):
        settings.setdict(settings.getdict("NEWSZONE_LOOPBACK_SETTINGS"), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def check_site(base_url: str, boards: list[str] | None = None, articles: int = 3,
               bundle: str | Path | None = None,
               overrides: dict[str, Any] | None = None) -> CheckResult:
    """Run the check (a Scrapy crawl in this process: call once per process)."""
    from scrapy.crawler import CrawlerProcess

    base = site_root(base_url)
    result = CheckResult(base)
    scratch = Path(tempfile.mkdtemp(prefix="newszone-check-")) if bundle else None
    try:
        warc_dir = str(scratch / "warc") if scratch else None
        settings = crawl_settings(base, warc_dir, overrides)
        all_boards: dict[str, dict[str, str]] = settings.getdict("NEWSZONE_BOARDS")
        keys = boards or list(all_boards)
        unknown = [k for k in keys if k not in all_boards]
        if unknown:
            raise ValueError(f"unknown board(s) {unknown}; choose from {', '.join(all_boards)}")
        process = CrawlerProcess(settings)
        process.crawl(CheckSiteSpider, result=result, boards={k: all_boards[k] for k in keys},
                      articles=articles, site_id=settings.get("NEWSZONE_SITE_ID"))
        with contextlib.redirect_stdout(sys.stderr):  # stdout is the report's
            process.start()
        if bundle and scratch:
            write_bundle(Path(bundle), sorted((scratch / "warc").glob("*.warc.gz")),
                         result.report(), scratch)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    return result


class BundleWriter(WarcWriter):
    """The crawl's WARC writer, also writing the ``resource`` and ``metadata`` records of a
    bundle."""

    def write_record(self, uri: str, record_type: str, content_type: str, payload: bytes) -> None:
        if self._fh is None:
            self._open_next()
        record = self._writer.create_warc_record(
            uri, record_type, payload=io.BytesIO(payload), length=len(payload),
            warc_content_type=content_type,
        )
        self._append(self._serialize([record]))
        self.records += 1


def write_bundle(target: Path, warcs: list[Path], report: dict[str, Any], scratch: Path) -> Path:
    """One WARC file: the fetched responses, then the report and the versions."""
    writer = BundleWriter(scratch / "report", "check-site", software=software())
    writer.write_record(REPORT_URI, "resource", "application/json",
                        json.dumps(report, ensure_ascii=False, indent=1).encode())
    writer.write_record(VERSION_URI, "metadata", "application/warc-fields",
                        f"software: {software()}\r\n".encode())
    written = writer.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    with open(partial, "wb") as out:
        for path in [*warcs, *written]:  # gzip members, whole records each: concatenation is a WARC
            with open(path, "rb") as part:
                shutil.copyfileobj(part, out)
    partial.replace(target)
    return target


def bundle_report(path: str | Path) -> dict[str, Any]:
    """The report JSON a bundle carries."""
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_headers.get_header("WARC-Target-URI") == REPORT_URI:
                return json.loads(record.content_stream().read())
    raise ValueError(f"{path} holds no check-site report")


def bundle_pages(path: str | Path) -> list[tuple[str, int, str | None, bytes]]:
    """The responses of a bundle: (url, status, Content-Type, decoded payload bytes)."""
    from warcio.archiveiterator import ArchiveIterator

    pages = []
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type != "response":
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            http = record.http_headers
            pages.append((url, int(http.get_statuscode()), http.get_header("Content-Type"),
                          record.content_stream().read()))
    return pages


def replay(path: str | Path) -> CheckResult:
    """The check of a bundle's pages, offline (for a test, or to re-check after a fix)."""
    report = bundle_report(path)
    result = CheckResult(report["base_url"], reached=True)
    robots_seen = False
    for url, status, content_type, body in bundle_pages(path):
        result.fetched.append({"url": url, "status": status})
        if url.endswith("/robots.txt"):
            if not robots_seen:  # Scrapy's robots.txt middleware fetched it too
                result.elements.extend(check_robots(status, body, url=url))
            robots_seen = True
        elif "command=view" in url:
            result.elements.extend(check_article(body, url, content_type))
        elif "boardList.action" in url and status < 300:
            result.elements.extend(check_listing(body, url, content_type))
    return result
