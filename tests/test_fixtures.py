"""Saved pages stored as data: one folder per case, one generic test, field by field.

Each ``tests/fixtures/<case>/`` holds ``page.html`` (the saved page), ``url.txt`` (where it was
fetched) and ``expected.json``: ``{"kind": "article", "record": {...}}`` with the whole
expected record (every key but the fetch time), or ``{"kind": "listing", ...}`` with the
expected entries. The expected files are written by hand from the page, never by the parser.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from newszone_crawler.extract import extract
from newszone_crawler.items import Article
from newszone_crawler.parsing import parse_listing
from newszone_crawler.parsing.encoding import decode_page

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").exists())
BASE_URL = "https://www.mnd.go.kr"
# Keys of the record that a saved page cannot fix: when and from where it was fetched.
UNCOMPARED = {"crawled_at", "fetched_url", "content_hash", "copyright_raw", "files_raw",
              "warc_file", "warc_record_id", "warc_offset",
              "outcome"}  # the run's mark, set by the archive: no page says it


def load(case: str) -> tuple[bytes, str, str, dict]:
    """``(page bytes, Content-Type it was served with, URL, expected)`` of a case."""
    folder = FIXTURES / case
    page = (folder / "page.html").read_bytes()
    encoding = (folder / "encoding.txt").read_text().strip() if (folder / "encoding.txt").exists() else "utf-8"
    url = (folder / "url.txt").read_text().strip()
    content_type = f"text/html; charset={encoding}"
    return page, content_type, url, json.loads((folder / "expected.json").read_text("utf-8"))


def record_from_page(body: bytes, content_type: str, url: str) -> Article:
    """What the crawl makes of a saved article page: its one extraction path."""
    return extract(body, content_type, url, crawled_at="2026-01-01T00:00:00Z",
                   base_url=BASE_URL).record


def field_cases() -> list[tuple[str, str]]:
    cases = []
    for case in CASES:
        expected = json.loads((FIXTURES / case / "expected.json").read_text("utf-8"))
        if expected["kind"] == "article":
            cases.extend((case, key) for key in expected["record"])
        else:
            cases.append((case, "entries"))
    return cases


def test_there_are_fixtures_of_each_kind() -> None:
    kinds = {json.loads((FIXTURES / c / "expected.json").read_text("utf-8"))["kind"] for c in CASES}
    assert kinds == {"article", "listing"}


def test_expected_records_name_every_record_key() -> None:
    keys = {f for f in Article.__dataclass_fields__} - UNCOMPARED
    for case in CASES:
        expected = json.loads((FIXTURES / case / "expected.json").read_text("utf-8"))
        if expected["kind"] == "article":
            assert keys <= set(expected["record"]), f"{case} lacks {keys - set(expected['record'])}"


@pytest.mark.parametrize(("case", "key"), field_cases())
def test_fixture_field(case: str, key: str) -> None:
    body, content_type, url, expected = load(case)
    if expected["kind"] == "article":
        record = record_from_page(body, content_type, url)
        assert getattr(record, key) == expected["record"][key]
    else:
        page = parse_listing(decode_page(body, content_type).text, url)
        got = [
            {"board_id": e.board_id, "board_seq": e.board_seq, "title_raw": e.title_raw,
             "date_raw": e.date_raw, "hits_raw": e.hits_raw, "pinned": e.pinned}
            for e in page.entries
        ]
        assert got == expected["entries"]
        assert page.total == expected["total"]
        assert page.last_page == expected["last_page"]
