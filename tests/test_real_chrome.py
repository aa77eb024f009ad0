"""The demo site's real-weight pages (``chrome="real"``): the real site's chrome around the
board's markup, 25-35 KB a page, and a crawl of them that gives the same records."""

from __future__ import annotations

import re
import select
import subprocess
import sys
import urllib.request
from pathlib import Path
from statistics import mean
from urllib.parse import urlsplit

import pytest
from parsel import Selector

from newszone_crawler.arguments import ArgumentError, parse_arguments
from newszone_crawler.demo_site import BOARDS, DemoSite
from newszone_crawler.extract import extract
from newszone_crawler.parsing import parse_listing
from newszone_crawler.parsing.errors import PageLayoutError

from . import test_crawl_demo as light_checks
from .conftest import CrawlResult, run_crawl

ROOT = Path(__file__).resolve().parent.parent


def _get(site: DemoSite, url: str) -> tuple[bytes, str | None]:
    parts = urlsplit(url)
    answer = site.handle(parts.path, parts.query)
    assert answer.status == 200, url
    return answer.body, answer.header("Content-Type")


def _outside_contents(page: str) -> Selector:
    """The page with ``div#contents`` removed: the chrome alone."""
    return Selector(text=re.sub(r'<div id="contents">.*?</div>\n(?=<div id="aside">)', "", page,
                                flags=re.S))


# --------------------------------------------------------------------------- the pages


def test_real_pages_weigh_what_the_real_site_pages_weigh() -> None:
    light, real = DemoSite(600), DemoSite(600, chrome="real")
    ids = real.all_ids()[::10]
    real_sizes = [len(_get(real, real.article_url(seq))[0]) for seq in ids]
    light_sizes = [len(_get(light, light.article_url(seq))[0]) for seq in ids]
    assert 25_000 <= min(real_sizes) and max(real_sizes) <= 35_000, (min(real_sizes),
                                                                     max(real_sizes))
    assert mean(light_sizes) < 6_000  # the default stays light
    for key in BOARDS:
        assert 25_000 <= len(_get(real, real.listing_url(key, 1))[0]) <= 35_000


def test_the_default_is_light_and_a_bad_chrome_is_refused() -> None:
    assert DemoSite(20).chrome == "light"
    assert DemoSite(20).handle("/").body == DemoSite(20, chrome="light").handle("/").body
    with pytest.raises(ValueError, match="chrome must be one of light, real"):
        DemoSite(20, chrome="heavy")


def test_the_chrome_holds_what_a_crawler_must_not_take_for_the_board() -> None:
    site = DemoSite(150, chrome="real")
    seq = site.ids("recent")[5]
    body, content_type = _get(site, site.article_url(seq))
    page = body.decode("euc-kr" if "charset" not in (content_type or "") else "utf-8")
    chrome = _outside_contents(page)
    # latest news: links (boardSeq hrefs and jf_view calls) to the newest articles of every board
    linked = set(chrome.css("div.latest_news").re(r"boardSeq=([A-Z]_\d+)"))
    called = set(chrome.css("div.latest_news").re(r"jf_view\('[^']+','([A-Z]_\d+)'\)"))
    newest = {s for key in BOARDS for s in site.ids(key)[:2]}
    assert linked | called == newest and linked and called
    # the three boards' menu links, in the global menu and in the footer's site map
    for board in BOARDS.values():
        href = f"/user/boardList.action?boardId={board.board_id}&siteId=mndEN&id={board.menu_id}"
        assert chrome.css(f'#gnb_wrap a[href="{href}"]')
        assert chrome.css(f'#sitemap a[href="{href}"]')
    scripts = " ".join(chrome.css("script::text").getall())
    assert '<a href="/user/boardList.action?command=view' in scripts
    assert "javascript:jf_view(" in scripts and "jf_fileDown(" in scripts
    assert len(chrome.css("table tbody tr")) >= 10 and len(chrome.css("#footer table")) == 1
    assert len(chrome.css("table")) == 2
    text = " ".join(chrome.css("body *::text").getall())
    assert "Copyright" in text and " By " in text and "Date :" in text
    assert chrome.css("h2") and chrome.css("h3.title")


def test_the_latest_news_widget_follows_the_catalogue() -> None:
    site = DemoSite(150, chrome="real")
    url = site.article_url(site.ids("photo")[3])
    before = _get(site, url)[0]
    site.publish(151)  # article 151 is Recent News: the newest of its board now
    after = _get(site, url)[0]
    assert site.ids("recent")[0].encode() in after and site.ids("recent")[0].encode() not in before


def test_real_pages_give_the_records_of_the_light_pages() -> None:
    """Every article page of the default catalogue, both weights, the one extraction path."""
    light, real = DemoSite(150), DemoSite(150, chrome="real")
    differ = []
    for seq in light.all_ids():
        url = light.article_url(seq)
        records = [
            vars(extract(*_get(site, url), url, crawled_at="2026-01-01T00:00:00Z").record)
            for site in (light, real)
        ]
        if records[0] != records[1]:
            differ.append(seq)
    assert differ == []


def test_real_listing_pages_give_the_rows_of_the_light_ones() -> None:
    light, real = DemoSite(150), DemoSite(150, chrome="real")
    for key in BOARDS:
        for page in range(1, light.pages(key) + 1):
            url = light.listing_url(key, page)
            pages = [parse_listing(_get(site, url)[0].decode(), url) for site in (light, real)]
            assert vars(pages[0]) == vars(pages[1]), url


def test_the_empty_page_past_the_last_has_no_rows_in_real_chrome() -> None:
    site = DemoSite(150, chrome="real")
    url = site.listing_url("recent", site.pages("recent") + 1)
    listing = parse_listing(_get(site, url)[0].decode(), url)
    assert (listing.entries, listing.unlinked_rows) == ([], 0)


def test_a_page_without_a_listing_is_no_listing_in_real_chrome() -> None:
    site = DemoSite(150, chrome="real")
    with pytest.raises(PageLayoutError):
        parse_listing(_get(site, site.base_url + "/")[0].decode(), site.base_url + "/")


# --------------------------------------------------------------------------- arguments and CLI


def test_demo_chrome_argument_is_checked() -> None:
    assert parse_arguments({"demo": "1", "demo_chrome": "real"}).demo_chrome == "real"
    assert parse_arguments({"demo": "1"}).demo_chrome is None
    message = "demo_chrome='heavy' is not a demo chrome: give light or real"
    with pytest.raises(ArgumentError, match=message):
        parse_arguments({"demo_chrome": "heavy"})


def test_standalone_site_serves_real_chrome() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "newszone_crawler.demo_site", "--port", "0", "--articles", "30",
         "--chrome", "real"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready, "the demo site did not start"
        line = process.stdout.readline()
        found = re.search(r"real pages\) at (http://127\.0\.0\.1:\d+)/", line)
        assert found, line
        site = DemoSite(30, chrome="real", base_url=found.group(1))
        with urllib.request.urlopen(site.listing_url("recent", 1), timeout=10) as answer:
            body = answer.read()
        assert body == _get(site, site.listing_url("recent", 1))[0]
        assert 25_000 <= len(body) <= 35_000
    finally:
        process.terminate()
        process.wait(10)
    bad = subprocess.run([sys.executable, "-m", "newszone_crawler.demo_site", "--chrome", "x"],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    assert bad.returncode == 2 and "--chrome: invalid choice: 'x'" in bad.stderr


# --------------------------------------------------------------------------- the crawl


@pytest.fixture(scope="module")
def real_crawl(tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    """One crawl of the default demo site served in the real chrome."""
    return run_crawl(tmp_path_factory.mktemp("real"), "-a", "demo=1", "-a", "demo_chrome=real")


def test_real_chrome_crawl_gives_the_truth(real_crawl: CrawlResult) -> None:
    """The light crawl's own checks (tests/test_crawl_demo.py), on the real-weight pages."""
    light_checks.test_every_demo_article_is_emitted_exactly_once(real_crawl)
    light_checks.test_every_line_is_a_json_record_with_the_record_keys(real_crawl)
    light_checks.test_records_sit_on_the_board_the_site_lists_them_on(real_crawl)
    light_checks.test_every_field_matches_the_site_truth(real_crawl)
    assert "Demo site with 150 articles" in real_crawl.log
    assert real_crawl.stat("newszone/article/parsed") == 150


def test_real_chrome_crawl_exits_zero(real_crawl: CrawlResult) -> None:
    assert real_crawl.stat("newszone/listing/unlinked_rows") == 0
    light_checks.test_demo_crawl_exits_zero_with_a_summary(real_crawl)
