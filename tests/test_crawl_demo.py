"""End-to-end: `scrapy crawl newszone -a demo=1` in a subprocess, checked against the site."""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import urlsplit

from w3lib.url import canonicalize_url

from newszone_crawler.demo_site import DemoSite
from newszone_crawler.settings import FEED_EXPORT_FIELDS

from .conftest import CrawlResult


def test_demo_crawl_exits_zero_with_a_summary(demo_crawl: CrawlResult) -> None:
    assert demo_crawl.returncode == 0, demo_crawl.log[-3000:]
    assert "Run summary:" in demo_crawl.log
    assert "Run status: ok" in demo_crawl.log


def test_every_demo_article_is_emitted_exactly_once(demo_crawl: CrawlResult) -> None:
    site = DemoSite()
    counts = Counter(record["id"] for record in demo_crawl.records)
    assert [seq for seq, n in counts.items() if n > 1] == []
    assert set(counts) == set(site.all_ids())


def test_every_line_is_a_json_record_with_the_record_keys(demo_crawl: CrawlResult) -> None:
    assert demo_crawl.lines
    for line in demo_crawl.lines:
        record = json.loads(line)
        assert list(record) == FEED_EXPORT_FIELDS


def test_records_sit_on_the_board_the_site_lists_them_on(demo_crawl: CrawlResult) -> None:
    site = DemoSite()
    by_id = {record["id"]: record for record in demo_crawl.records}
    for key in ("recent", "photo", "press"):
        for seq in site.ids(key):
            truth = site.article_by_id(seq)
            assert by_id[seq]["board"] == truth["board"]
            assert by_id[seq]["board_id"] == truth["board_id"]


def _on_one_host(value: object) -> object:
    """Put URLs on one host: the crawl's demo port is not known to the site's truth."""
    if isinstance(value, str) and value.startswith("http"):
        parts = urlsplit(value)
        return canonicalize_url(parts._replace(scheme="http", netloc="demo").geturl())
    if isinstance(value, list):
        return [_on_one_host(v) for v in value]
    if isinstance(value, dict):
        return {k: _on_one_host(v) for k, v in value.items()}
    return value


def test_every_field_matches_the_site_truth(demo_crawl: CrawlResult) -> None:
    """The demo site knows what each article really says; every record must say the same."""
    site = DemoSite()
    mismatches: dict[str, list[str]] = {}
    for record in demo_crawl.records:
        truth = site.article_by_id(record["id"])
        assert set(truth) <= set(record)
        for key, want in truth.items():
            got = record[key]
            if key == "attachments":  # the downloader adds sha256, path, status...
                got = [{k: a[k] for k in ("name", "url", "size_raw")} for a in got]
            if key == "images":  # the photo capture adds sha256, warc_file, warc_offset...
                got = [{k: i[k] for k in ("url", "caption")} for i in got]
            if _on_one_host(got) != _on_one_host(want):
                mismatches.setdefault(key, []).append(record["id"])
    assert mismatches == {}


def test_stats_count_each_field_outcome(demo_crawl: CrawlResult) -> None:
    records = demo_crawl.records
    with_authors = sum(1 for r in records if r["authors"])
    with_byline = sum(1 for r in records if r["byline_raw"])
    assert demo_crawl.stat("newszone/normalize/byline/parsed") == with_authors
    assert demo_crawl.stat("newszone/normalize/byline/missing") == len(records) - with_byline
    assert demo_crawl.stat("newszone/normalize/copyright/parsed") == sum(
        1 for r in records if r["copyright"]
    )
    assert demo_crawl.stat("newszone/normalize/title/truncated") == sum(
        1 for r in records if r["title_truncated"]
    )
