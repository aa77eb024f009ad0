"""Crawling through an HTTP proxy: the demo site behind a small loopback proxy.

The proxy (stdlib ``http.server``) forwards the GETs a proxy client sends (absolute URLs) and
counts them per host, so a test sees that every request went through it, and that the request
guards judged the site's host, not the proxy's.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .conftest import ROOT, run_crawl

HOP_BY_HOP = {"connection", "proxy-connection", "keep-alive", "transfer-encoding", "te",
              "trailer", "upgrade", "proxy-authorization", "proxy-authenticate"}


class Proxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.hosts: Counter[str] = Counter()
        self.refused: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ProxyHandler(BaseHTTPRequestHandler):
    server: Proxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib's name
        parts = urlsplit(self.path)
        if parts.scheme != "http" or parts.hostname != "127.0.0.1":
            # only the loopback demo is served: anything else would leave the machine
            self.server.refused.append(self.path)
            self.send_error(403, "this test proxy only forwards to 127.0.0.1")
            return
        self.server.hosts[parts.netloc] += 1
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
        try:
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request("GET", target, headers=headers)
            answer = connection.getresponse()
            body = answer.read()
        except (OSError, http.client.HTTPException) as exc:
            self.send_error(502, f"upstream failed: {exc}")
            return
        finally:
            connection.close()
        self.send_response(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    server = Proxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY",
                 "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def test_crawl_through_the_proxy_environment_variable(tmp_path: Path, proxy: Proxy,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``http_proxy`` sends every request of the crawl (robots.txt, listings, articles,
    images, attachments) through the proxy; the records are the demo's."""
    _clean_proxy_env(monkeypatch)
    monkeypatch.setenv("http_proxy", proxy.url)
    result = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=20")
    assert result.returncode == 0, result.log[-3000:]
    assert len(result.records) == 20, result.log[-3000:]
    assert not proxy.refused
    through = sum(proxy.hosts.values())
    assert through == result.stat("downloader/response_count"), (proxy.hosts, result.log[-2000:])
    assert result.stat("newszone/refused/private_address") == 0


def test_crawl_through_the_proxy_setting(tmp_path: Path, proxy: Proxy,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """``NEWSZONE_PROXY`` names the proxy without the environment (e.g. in a scheduled job)."""
    _clean_proxy_env(monkeypatch)
    result = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=20",
                       "-s", f"NEWSZONE_PROXY={proxy.url}")
    assert result.returncode == 0, result.log[-3000:]
    assert len(result.records) == 20
    assert sum(proxy.hosts.values()) == result.stat("downloader/response_count") > 20


def test_check_site_through_the_proxy(tmp_path: Path, proxy: Proxy,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """check-site uses the crawl's settings, the proxy among them."""
    _clean_proxy_env(monkeypatch)
    demo = subprocess.Popen(
        [sys.executable, "-m", "newszone_crawler.demo_site", "--port", "0", "--articles", "30"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert demo.stdout is not None
        base = demo.stdout.readline().split(" at ", 1)[1].strip().rstrip("/")
        monkeypatch.setenv("http_proxy", proxy.url)
        done = subprocess.run(
            [sys.executable, "-m", "newszone_crawler", "check-site", "--base-url", base,
             "--boards", "recent", "--articles", "2"],
            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        )
    finally:
        demo.terminate()
        demo.wait(timeout=10)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    # robots.txt (twice: the robots.txt element and Scrapy's own), 2 listing pages, 2 articles
    assert sum(proxy.hosts.values()) == 6, proxy.hosts


def _guard(base_url: str, **settings: object):
    from scrapy.utils.test import get_crawler

    from newszone_crawler.middlewares import SafeRequestMiddleware

    crawler = get_crawler(settings_dict={"NEWSZONE_ALLOWED_HOSTS": [], **settings})
    crawler.spider = type("Spider", (), {"base_url": base_url})()
    return crawler, SafeRequestMiddleware.from_crawler(crawler)


def _judge(guard, request) -> str:
    """'allowed', or the refusal's reason (no DNS look-up happens on these paths)."""
    import asyncio

    from scrapy.exceptions import IgnoreRequest

    try:
        asyncio.run(guard.process_request(request))
    except IgnoreRequest as exc:
        return str(exc).split(":", 1)[0]
    return "allowed"


def test_the_guard_judges_the_sites_host_and_lets_a_loopback_proxy_carry_it() -> None:
    """A loopback proxy named in ``NEWSZONE_PROXY`` carries the site's requests; a request to a
    private address is refused whatever proxy would carry it."""
    from scrapy import Request

    _, guard = _guard("https://www.mnd.go.kr", NEWSZONE_PROXY="http://127.0.0.1:3128")
    site = Request("https://mnd.go.kr/user/boardList.action?boardId=O_47261")
    assert _judge(guard, site) == "allowed"
    assert site.meta["proxy"] == "http://127.0.0.1:3128"
    own = Request("https://www.mnd.go.kr/robots.txt", meta={"proxy": "http://10.1.2.3:8080"})
    assert _judge(guard, own) == "allowed"
    assert own.meta["proxy"] == "http://10.1.2.3:8080"  # a request's own proxy is kept
    for url in ("http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/",
                "http://127.0.0.1:8000/user/boardList.action"):
        request = Request(url, meta={"proxy": "http://93.184.215.14:3128"})
        assert _judge(guard, request) == "refused (host)", url
        assert request.meta["proxy"] == "http://93.184.215.14:3128"


def test_a_proxy_setting_that_is_not_a_url_is_an_error() -> None:
    with pytest.raises(ValueError, match="NEWSZONE_PROXY must be"):
        _guard("https://www.mnd.go.kr", NEWSZONE_PROXY="127.0.0.1:3128")
