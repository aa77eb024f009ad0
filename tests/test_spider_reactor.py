"""The spider's reactor thread does only crawling: listing and article pages are decoded,
parsed and checked against the template in the extraction pool (issue 13), and the per-row and
per-article counts are kept locally and written to the stats at the close.

The callbacks run here against the demo site's pages (in process, no server), with a real
extraction pool of one worker process: whatever decodes a page in *this* process is work done on
the reactor thread."""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from newszone_crawler import settings as project_settings
from newszone_crawler.demo_site import DemoSite
from newszone_crawler.extract import ExtractionPool
from newszone_crawler.parsing import encoding, listing_url
from newszone_crawler.spiders import newszone
from newszone_crawler.spiders.newszone import ARTICLE_PRIORITY, LISTING_PRIORITY, NewsZoneSpider

BASE = "http://www.h.kr"  # not loopback: the loopback settings would change frozen settings
SITE = DemoSite(30, base_url=BASE)
BOARD = project_settings.NEWSZONE_BOARDS["recent"]


def _spider(workers: int) -> NewsZoneSpider:
    values = {name: getattr(project_settings, name) for name in dir(project_settings)
              if name.startswith("NEWSZONE_") and name != "NEWSZONE_JSONL"}
    values |= {"NEWSZONE_BASE_URL": BASE, "NEWSZONE_MODE": "full"}
    crawler = get_crawler(NewsZoneSpider, values)
    spider = NewsZoneSpider.from_crawler(crawler)
    crawler.spider = spider
    spider.extraction.close()
    spider.extraction = ExtractionPool(workers)
    spider.base_url = BASE
    return spider


def _response(url: str, body: bytes | None = None, **cb_kwargs: Any) -> HtmlResponse:
    if body is None:
        parts = urlsplit(url)
        answer = SITE.handle(parts.path, parts.query)
        assert answer.status == 200, url
        body, content_type = answer.body, answer.header("Content-Type")
    else:
        content_type = "text/html; charset=utf-8"
    return HtmlResponse(url, body=body, headers={"Content-Type": content_type},
                        request=Request(url, cb_kwargs=cb_kwargs))


def _outputs(result: Any) -> list[Any]:
    """What a callback yields, whether it is a generator or an async generator."""
    async def collect() -> list[Any]:
        if inspect.isasyncgen(result):
            return [out async for out in result]
        return list(result)

    return asyncio.run(collect())


@pytest.fixture
def main_process_decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URLs of the pages decoded in this process (the worker process is not patched)."""
    calls: list[str] = []
    real = encoding.decode_page

    def counting(body: bytes, *args: Any, **kwargs: Any) -> Any:
        calls.append(body[:40].decode("latin-1"))
        return real(body, *args, **kwargs)

    from newszone_crawler import extract

    monkeypatch.setattr(encoding, "decode_page", counting)
    monkeypatch.setattr(extract, "decode_page", counting)
    monkeypatch.setattr(newszone, "decode_page", counting, raising=False)
    return calls


def test_a_listing_page_is_read_off_the_reactor_thread(
    main_process_decodes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from newszone_crawler.parsing import urls

    canonicalized: list[str] = []  # the article URLs' canonical form is built in the pool too
    real = urls.canonicalize_url
    monkeypatch.setattr(urls, "canonicalize_url",
                        lambda url, *a, **k: canonicalized.append(url) or real(url, *a, **k))
    spider = _spider(workers=1)
    try:
        url = listing_url(BASE, BOARD["board_id"], BOARD["menu_id"], "mndEN", 1)
        outputs = _outputs(spider.parse_listing(_response(url), board_key="recent", page=1))
    finally:
        spider.extraction.close()
    assert main_process_decodes == [] and canonicalized == []
    articles = [r for r in outputs if r.priority == ARTICLE_PRIORITY]
    assert articles[1].url == (f"{BASE}/user/boardList.action?boardId=O_47261&boardSeq="
                               f"{articles[1].cb_kwargs['board_seq']}&command=view"
                               "&id=mndEN_020100000000&siteId=mndEN")
    listings = [r for r in outputs if r.priority == LISTING_PRIORITY]
    # the page's articles in the listing's order, then the read-ahead listing pages
    assert outputs == articles + listings
    assert len(articles) == 11 and len(listings) == 1  # the pinned notice and 10 rows
    assert listings[0].cb_kwargs == {"board_key": "recent", "page": 2}
    assert spider.crawler.stats.get_value("newszone/listing/pages") == 1


def test_an_article_layout_error_names_its_drift_without_decoding_again(
    main_process_decodes: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    spider = _spider(workers=1)
    url = f"{BASE}/user/boardList.action?command=view&boardId=O_47261&boardSeq=O_5"
    page = b'<div class="board_view"><div class="post_content"><p>Body.</p></div></div>'
    try:
        with caplog.at_level(logging.ERROR):
            outputs = _outputs(spider.parse_article(
                _response(url, page), board_key="recent", board_seq="O_5", board_id="O_47261"))
    finally:
        spider.extraction.close()
    assert main_process_decodes == []
    assert [o.reason for o in outputs] == [f"layout: article page without a title: {url}"]
    stats = spider.crawler.stats
    assert stats.get_value("newszone/article/layout_error") == 1
    assert stats.get_value("newszone/conformance/article.title") == 1
    assert stats.get_value("newszone/conformance/article.date_label") == 1
    assert "; article.title missing (tried .wrap_title p.title" in caplog.text


def test_a_listing_layout_error_names_its_drift_without_decoding_again(
    main_process_decodes: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    spider = _spider(workers=1)
    url = listing_url(BASE, BOARD["board_id"], BOARD["menu_id"], "mndEN", 1)
    try:
        with caplog.at_level(logging.ERROR):
            outputs = _outputs(spider.parse_listing(
                _response(url, b"<p>Under maintenance</p>"), board_key="recent", page=1))
    finally:
        spider.extraction.close()
    assert main_process_decodes == [] and outputs == []
    stats = spider.crawler.stats
    assert stats.get_value("newszone/listing/layout_error") == 1
    assert stats.get_value("newszone/conformance/listing.rows") == 1
    assert spider.walks["recent"].ended and spider.walks["recent"].in_flight == 0
    assert "Listing page does not look as expected: not a listing page" in caplog.text
    assert "; listing.rows missing" in caplog.text


def test_per_row_and_per_article_counts_reach_the_stats_at_the_close() -> None:
    spider = _spider(workers=0)
    stats = spider.crawler.stats
    url = listing_url(BASE, BOARD["board_id"], BOARD["menu_id"], "mndEN", 1)
    requests = _outputs(spider.parse_listing(_response(url), board_key="recent", page=1))
    article = requests[0]
    records = _outputs(spider.parse_article(_response(article.url, **article.cb_kwargs),
                                            **article.cb_kwargs))
    assert len(records) == 1 and records[0].id == article.cb_kwargs["board_seq"]
    # what the progress line reads during the run is there at once...
    assert stats.get_value("newszone/listing/pages") == 1
    assert stats.get_value("newszone/article/parsed") == 1
    # ...the rest is counted locally (one dictionary update each, no stats call)
    local = ("newszone/board/recent/pages", "newszone/board/recent/listed",
             "newszone/board/recent/articles", "newszone/normalize/date/parsed")
    assert [stats.get_value(key) for key in local] == [None] * 4
    spider.crawler.signals.send_catch_log(signal=newszone.signals.spider_closed,
                                          spider=spider, reason="finished")
    assert [stats.get_value(key) for key in local] == [1, 11, 1, 1]
    spider.flush_counts()  # idempotent
    assert stats.get_value("newszone/board/recent/listed") == 11
