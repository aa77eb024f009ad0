"""Item pipelines, thin and ordered in ``ITEM_PIPELINES`` with gaps:

* 100 :class:`NormalizePipeline` -- raw values -> clean values (``normalize/``), outcomes
  counted under ``newszone/normalize/<field>/<outcome>``;
* 200 :class:`ValidatePipeline` -- a record missing a required field is dropped with its
  reason, counted under ``newszone/dropped/<reason>`` and named in the run summary;
* 300 :class:`DeduplicatePipeline` -- one record per article id within a run.

The knowledge lives in ``normalize/``; these classes only wire it to the crawl and its stats.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from .items import Article
from .normalize.record import normalize_article


class _Pipeline:
    name = "pipeline"

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    def count(self, field: str, outcome: str) -> None:
        self.stats.inc_value(f"newszone/{self.name}/{field}/{outcome}")


class NormalizePipeline(_Pipeline):
    """Clean an ``Article``'s raw values in place and count each field's outcome."""

    name = "normalize"

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        for field, outcome in normalize_article(item).items():
            self.count(field, outcome)
        return item


def missing_fields(item: Any, required: list[str]) -> list[str]:
    """The required fields that an item lacks (None, empty string or empty list).

    A photo post (Photo News) may have no text beyond its caption: its photos stand in for
    the body, so ``body`` is only missing when there is no image either.

    >>> missing_fields(Article(id="O_1", title=""), ["id", "title", "body"])
    ['title', 'body']
    >>> missing_fields(Article(id="O_1", title="T", images=[{"url": "u"}]), ["id", "title", "body"])
    []
    """
    adapter = ItemAdapter(item)
    missing = [name for name in required if adapter.get(name) in (None, "", [])]
    if "body" in missing and adapter.get("images"):
        missing.remove("body")
    return missing


class ValidatePipeline(_Pipeline):
    """Drop a record that lacks a required field, counting the reason."""

    name = "validate"

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.required = crawler.settings.getlist("NEWSZONE_REQUIRED_FIELDS")

    def process_item(self, item: Any) -> Any:
        missing = missing_fields(item, self.required)
        if missing:
            for name in missing:
                self.count(name, "missing")
            reason = "missing " + ", ".join(missing)
            self.stats.inc_value("newszone/dropped")
            self.stats.inc_value(f"newszone/dropped/{reason}")
            raise DropItem(f"{ItemAdapter(item).get('url')}: {reason}")
        return item


class DeduplicatePipeline(_Pipeline):
    """Let one record per article id through within a run."""

    name = "deduplicate"

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.seen: set[str] = set()

    def process_item(self, item: Any) -> Any:
        key = ItemAdapter(item).get("id")
        if key in self.seen:
            self.count("id", "duplicate")
            raise DropItem(f"duplicate record for {key}")
        self.seen.add(key)
        self.count("id", "unique")
        return item
