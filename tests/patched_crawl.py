"""``scrapy crawl`` with one fault planted in the crawler's own code, for the tests of the run
ledger: ``python tests/patched_crawl.py PATCH:ID crawl newszone ...``.

PATCH is one of ``parse_raises`` (the article parser raises for article ID),
``pipeline_raises`` (the record pipeline raises for ID) and ``lose_request`` (the request
for ID is made, then never handed to Scrapy: lost on the way). The crawler must turn each into
a recorded failure with a non-zero exit; nothing here is imported by the package. The planted
fault lives in this process only, so the crawl extracts pages here
(``NEWSZONE_EXTRACT_WORKERS=0``), not in worker processes.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's package


def plant(patch: str) -> None:
    kind, _, target = patch.partition(":")
    from newszone_crawler import extract, pipelines
    from newszone_crawler.spiders import newszone

    if kind == "parse_raises":
        original = extract.parse_article

        def parse_article(html, url):  # type: ignore[no-untyped-def]
            if f"boardSeq={target}" in url:
                raise RuntimeError(f"planted parser fault for {target}")
            return original(html, url)

        extract.parse_article = parse_article
    elif kind == "pipeline_raises":
        original_step = pipelines.RecordPipeline.process_item

        def process_item(self, item):  # type: ignore[no-untyped-def]
            if getattr(item, "id", None) == target:
                raise KeyError(f"planted pipeline fault for {target}")
            return original_step(self, item)

        pipelines.RecordPipeline.process_item = process_item
    elif kind == "lose_request":
        original_request = newszone.NewsZoneSpider._article_request

        def _article_request(self, url, board_key, board_seq, board_id, **meta):  # type: ignore[no-untyped-def]
            request = original_request(self, url, board_key, board_seq, board_id, **meta)
            return None if board_seq == target else request

        newszone.NewsZoneSpider._article_request = _article_request
    else:
        raise SystemExit(f"unknown patch {patch!r}")


if __name__ == "__main__":
    plant(sys.argv[1])
    from scrapy.cmdline import execute

    execute(["scrapy", *sys.argv[2:], "-s", "NEWSZONE_EXTRACT_WORKERS=0"])
