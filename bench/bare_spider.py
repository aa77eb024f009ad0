"""Crawl **A** of the benchmark: a bare Scrapy spider that fetches exactly the listing and
article URLs the real crawl fetches, and does nothing with them.

    python bench/bare_spider.py URLS.json --stats STATS.json

``URLS.json`` is ``{"listings": [...], "articles": [...], "media": [...]}`` (``media``
optional: photos and attachments, fetched and dropped) (``bench/run.py`` writes it from
the demo site's catalogue: every listing page of every board, the page past the last one the
real spider also reads, and each article's canonical URL as ``parsing.urls.article_url`` builds
it). Settings are Scrapy's defaults plus what the real spider runs with against a loopback
address: the project's politeness settings overridden by ``NEWSZONE_LOOPBACK_SETTINGS``
(robots.txt obeyed, no delay, no AutoThrottle, 32 requests in flight), and none of the
project's middlewares, pipelines, extensions or feeds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `bench` and the project importable
    sys.path.insert(0, str(ROOT))

from scrapy import Request, Spider  # noqa: E402
from scrapy.crawler import CrawlerProcess  # noqa: E402
from scrapy.http import Response  # noqa: E402

from newszone_crawler import settings as project  # noqa: E402

# The project settings that shape how the real crawl downloads (before the loopback override).
DOWNLOAD_SETTINGS = (
    "USER_AGENT",
    "ROBOTSTXT_OBEY",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DOWNLOAD_DELAY",
    "AUTOTHROTTLE_ENABLED",
    "DOWNLOAD_TIMEOUT",
    "RETRY_ENABLED",
    "RETRY_TIMES",
    "RETRY_HTTP_CODES",
    "COOKIES_ENABLED",
    "TELNETCONSOLE_ENABLED",
    "DOWNLOAD_MAXSIZE",
    "DOWNLOAD_WARNSIZE",
    "TWISTED_REACTOR",
)


# The fastest bare configuration found on the demo site (issue 13's reference A): 16 requests in
# flight, 10 items of a response at once, and no robots.txt request at all.
FASTEST = {"CONCURRENT_REQUESTS": 16, "CONCURRENT_ITEMS": 10, "ROBOTSTXT_OBEY": False}


def bare_settings(stats_file: str | None, fastest: bool = False) -> dict[str, Any]:
    """Scrapy defaults + the project's download settings + its loopback override (with
    ``fastest``: then :data:`FASTEST`)."""
    settings = {name: getattr(project, name) for name in DOWNLOAD_SETTINGS if hasattr(project, name)}
    loopback = {k: v for k, v in project.NEWSZONE_LOOPBACK_SETTINGS.items()
                if not k.startswith("NEWSZONE_")}
    settings.update(loopback)
    if fastest:
        settings.update(FASTEST)
    settings.update({"LOG_LEVEL": "INFO", "STATS_CLASS": "bench.statsdump.JsonStatsCollector"})
    if stats_file:
        settings["BENCH_STATS_FILE"] = stats_file
    return settings


class BareSpider(Spider):
    """Requests the given listing pages (first, as the real spider prioritises them) and
    article pages; the callbacks only count what came back."""

    name = "bare"

    def __init__(self, listings: list[str], articles: list[str], media: list[str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.listings = listings
        self.articles = articles
        self.media = media or []

    async def start(self):  # type: ignore[override]
        for url in self.listings:
            yield Request(url, callback=self.parse_listing, priority=10)
        for url in self.articles:
            yield Request(url, callback=self.parse_article)
        for url in self.media:  # photos and attachments, after the pages as in the real crawl
            yield Request(url, callback=self.parse_media, priority=-10)

    def parse_listing(self, response: Response) -> None:
        self.crawler.stats.inc_value("bench/pages/listing")

    def parse_article(self, response: Response) -> None:
        self.crawler.stats.inc_value("bench/pages/article")

    def parse_media(self, response: Response) -> None:
        self.crawler.stats.inc_value("bench/media")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", help='JSON file {"listings": [...], "articles": [...]}')
    parser.add_argument("--stats", help="write the crawl's final stats here (JSON)")
    parser.add_argument("--fastest", action="store_true",
                        help="the fastest bare configuration (CONCURRENT_REQUESTS=16, "
                        "CONCURRENT_ITEMS=10, no robots.txt)")
    args = parser.parse_args(argv)
    urls = json.loads(Path(args.urls).read_text("utf-8"))
    process = CrawlerProcess(bare_settings(args.stats, args.fastest))
    process.crawl(BareSpider, listings=urls["listings"], articles=urls["articles"],
                  media=urls.get("media"))
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
