"""The one extraction path (``newszone_crawler.extract``): the same records in worker processes
as in this one, one decode per page, no import cycle, one host rule, one record step."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st
from itemadapter import ItemAdapter

from newszone_crawler import middlewares
from newszone_crawler.parsing import encoding
from newszone_crawler.parsing.errors import PageLayoutError
from tests.conftest import CrawlResult, run_crawl

PACKAGE = Path(__file__).resolve().parent.parent / "newszone_crawler"
FIXTURES = Path(__file__).parent / "fixtures"


def _fixture_pages() -> list[tuple[bytes, str, str]]:
    pages = []
    for folder in sorted(FIXTURES.iterdir()):
        expected = folder / "expected.json"
        if not expected.exists() or json.loads(expected.read_text("utf-8"))["kind"] != "article":
            continue
        charset = folder / "encoding.txt"
        label = charset.read_text().strip() if charset.exists() else "utf-8"
        pages.append(((folder / "page.html").read_bytes(), f"text/html; charset={label}",
                      (folder / "url.txt").read_text().strip()))
    return pages


def _dump(record: object) -> str:
    return json.dumps(ItemAdapter(record).asdict(), ensure_ascii=False, sort_keys=True)


def test_pool_and_in_process_give_byte_identical_records_on_the_fixtures() -> None:
    from newszone_crawler.extract import ExtractionPool, extract

    pages = _fixture_pages()
    assert len(pages) >= 10

    async def run(workers: int) -> list[str]:
        pool = ExtractionPool(workers)
        try:
            done = [await pool.extract(body, ct, url, crawled_at="2026-01-01T00:00:00Z")
                    for body, ct, url in pages]
        finally:
            pool.close()
        return [_dump(d.record) + json.dumps(d.outcomes, sort_keys=True) for d in done]

    here, there = asyncio.run(run(0)), asyncio.run(run(2))
    assert there == here
    # and both are what extract() gives when called directly
    assert here[0].startswith(_dump(extract(*pages[0][:2], pages[0][2],
                                            crawled_at="2026-01-01T00:00:00Z").record))


def test_a_page_layout_error_crosses_the_pool_as_itself() -> None:
    from newszone_crawler.extract import ExtractionPool

    async def run() -> None:
        pool = ExtractionPool(1)
        try:
            await pool.extract(b"<p>maintenance</p>", "text/html", "http://h/x", crawled_at="")
        finally:
            pool.close()

    with pytest.raises(PageLayoutError, match="no div.board_view"):
        asyncio.run(run())


@pytest.fixture(scope="module")
def in_process_crawl(tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    return run_crawl(tmp_path_factory.mktemp("inproc"), "-a", "demo=1",
                     "-s", "NEWSZONE_EXTRACT_WORKERS=0")


def test_a_demo_crawl_gives_the_same_records_with_and_without_the_pool(
    tmp_path: Path, in_process_crawl: CrawlResult
) -> None:
    pooled = run_crawl(tmp_path, "-a", "demo=1", "-s", "NEWSZONE_EXTRACT_WORKERS=2")
    assert pooled.returncode == in_process_crawl.returncode == 0, pooled.log[-3000:]

    def comparable(result: CrawlResult) -> list[str]:
        # the fetch time, the demo site's port and where each photo lies in the run's WARC
        # change between two runs, nothing else
        port = re.compile(r"127\.0\.0\.1:\d+")
        capture = {"warc_file", "warc_offset", "warc_record_id"}
        rows = [
            {k: v for k, v in r.items() if k != "crawled_at"}
            | {"images": [{k: v for k, v in i.items() if k not in capture} for i in r["images"]]}
            for r in result.records
        ]
        return sorted(port.sub("HOST", json.dumps(r, ensure_ascii=False, sort_keys=True))
                      for r in rows)

    workers = "newszone/extract/workers"
    assert (pooled.stat(workers), in_process_crawl.stat(workers)) == (2, 0)
    assert len(pooled.records) == 150
    assert comparable(pooled) == comparable(in_process_crawl)
    for key in ("newszone/normalize/byline/parsed", "newszone/normalize/title/truncated",
                "newszone/deduplicate/id/unique", "newszone/health/Recent News/records"):
        assert pooled.stat(key) == in_process_crawl.stat(key) > 0, key


LABELS = ["utf-8", "UTF-8", "euc-kr", "utf-7", "base64", "x-unknown", "utf-16", "latin-1",
          "idna", "koi8-r", "shift_jis", "cp1252", "", "zlib"]


@hsettings(max_examples=300, deadline=None)
@given(header=st.sampled_from([*LABELS, None]), meta=st.sampled_from([*LABELS, None]),
       bom=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe"]),
       text=st.text(max_size=40))
def test_the_charset_check_agrees_with_the_decoder(
    header: str | None, meta: str | None, bom: bytes, text: str
) -> None:
    content_type = None if header is None else f"text/html; charset={header}"
    body = bom + (f"<meta charset={meta}>" if meta is not None else "").encode() \
        + text.encode("utf-8", "surrogatepass")
    page = encoding.decode_page(body, content_type)
    assert encoding.page_charset(body, content_type) == (page.encoding, page.refused)


def test_the_charset_guard_does_not_decode_an_ordinary_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page is decoded once, by the extraction: the guard only reads the labels."""
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    calls = []
    real = encoding.decode_page

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(encoding, "decode_page", counting)
    monkeypatch.setattr(middlewares, "decode_page", counting, raising=False)
    guard = middlewares.CharsetGuardMiddleware(get_crawler())
    response = HtmlResponse("http://h/a", body=b"<p>" + "국방".encode("euc-kr") + b"</p>",
                            headers={"Content-Type": "text/html; charset=euc-kr"})
    assert guard.process_response(Request("http://h/a"), response) is response
    hostile = HtmlResponse("http://h/b", body=b"<p>a</p>",
                           headers={"Content-Type": "text/html; charset=utf-7"})
    assert guard.process_response(Request("http://h/b"), hostile).encoding == "utf-8"
    assert calls == []


def test_normalize_never_imports_parsing() -> None:
    """``parsing/`` may use the normalizers' recognisers; ``normalize/`` imports no parser
    (no cycle): shared URL rules live in the leaf module ``hosts.py``."""
    offenders = [
        path.name for path in (PACKAGE / "normalize").glob("*.py")
        if re.search(r"^\s*from \.\.parsing|^\s*import newszone_crawler\.parsing|"
                     r"^\s*from newszone_crawler\.parsing", path.read_text("utf-8"), re.MULTILINE)
    ]
    assert offenders == []


def test_the_host_rule_is_written_once() -> None:
    found = [
        str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
        if 'removeprefix("www.")' in path.read_text("utf-8")
    ]
    assert found == ["hosts.py"]


def test_rebuild_restates_no_crawl_constant() -> None:
    from newszone_crawler import rebuild, settings
    from newszone_crawler.spiders import newszone

    assert rebuild.GONE_STATUSES is newszone.GONE_STATUSES
    assert rebuild.DEFAULT_REQUIRED == tuple(settings.NEWSZONE_REQUIRED_FIELDS)
    source = (PACKAGE / "rebuild.py").read_text("utf-8")
    assert not re.search(r"^(GONE_STATUSES|DEFAULT_REQUIRED) = \(", source, re.MULTILINE)
    assert "parse_article(" not in source and "normalize_article(" not in source


def test_bylines_and_copyright_are_recognised_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parser's recognisers decide which lines are byline and copyright; the record keeps
    what they found: each such line is parsed once, and the record is the same."""
    from collections import Counter

    from newszone_crawler.extract import extract
    from newszone_crawler.normalize import bylines, copyright as copyright_module

    pages = _fixture_pages()
    before = [_dump(extract(*page, crawled_at="").record) for page in pages]
    calls: Counter[tuple[str, str]] = Counter()
    real_line, real_notice = bylines._parse_line, copyright_module._parse

    def parse_line(line: str):  # type: ignore[no-untyped-def]
        calls["byline", line] += 1
        return real_line(line)

    def parse_notice(line: str):  # type: ignore[no-untyped-def]
        calls["copyright", line] += 1
        return real_notice(line)

    monkeypatch.setattr(bylines, "_parse_line", parse_line)
    monkeypatch.setattr(copyright_module, "_parse", parse_notice)
    seen = 0
    for page, dumped in zip(pages, before, strict=True):
        calls.clear()
        record = extract(*page, crawled_at="").record
        assert _dump(record) == dumped
        lines = [("byline", line) for line in (record.byline_raw or "").splitlines()]
        lines += [("copyright", record.copyright_raw)] if record.copyright_raw else []
        assert {key: calls[key] for key in lines} == {key: 1 for key in lines}, page[2]
        seen += len(lines)
    assert seen >= 10


def test_the_tests_build_records_on_the_one_path_only() -> None:
    """The fixture and grammar tests compare what the crawl makes: ``extract.extract``, not a
    chain of parse/raw/normalize steps of their own."""
    tests = Path(__file__).parent
    builders = [
        name for name in ("test_fixtures.py", "test_contract_grammar.py")
        if re.search(r"\b(parse_article|raw_article|normalize_article)\(",
                     (tests / name).read_text("utf-8"))
    ]
    assert builders == []


def test_the_record_step_counts_locally_and_writes_at_the_close() -> None:
    from scrapy.utils.test import get_crawler

    from newszone_crawler.items import Article
    from newszone_crawler.ledger import Rejected, Settled
    from newszone_crawler.pipelines import RecordPipeline

    crawler = get_crawler(settings_dict={"NEWSZONE_REQUIRED_FIELDS": ["id", "title"]})
    stats = crawler.stats
    step = RecordPipeline(crawler)
    good = Article(id="O_1", title="T", board="Recent News", body="b")
    assert step.process_item(good) is good
    with pytest.raises(Settled):
        step.process_item(Article(id="O_1", title="T", board="Recent News"))
    with pytest.raises(Rejected, match="dropped: missing title"):
        step.process_item(Article(id="O_2", board="Recent News"))
    assert stats.get_value("newszone/health/Recent News/records") is None  # not yet
    step.close_spider()
    assert {k: v for k, v in stats.get_stats().items() if k.startswith("newszone/")} == {
        "newszone/health/Recent News/records": 3,
        "newszone/health/Recent News/title": 2,
        "newszone/health/Recent News/body": 1,
        "newszone/validate/title/missing": 1,
        "newszone/dropped": 1,
        "newszone/dropped/missing title": 1,
        "newszone/deduplicate/id/unique": 1,
        "newszone/deduplicate/id/duplicate": 1,
    }


def test_rebuild_gives_the_same_archive_with_every_core_as_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite_utils

    from newszone_crawler import rebuild as rebuild_module
    from newszone_crawler.exporters.sqlite_store import ArchiveStore
    from tests.test_rebuild import _twelve_articles

    _twelve_articles(tmp_path / "warc")
    monkeypatch.setattr(rebuild_module, "WINDOW", 2)  # 12 pages: several windows, the pool starts
    started = []

    class Pool(rebuild_module.ProcessPoolExecutor):  # type: ignore[misc]
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            started.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(rebuild_module, "ProcessPoolExecutor", Pool)
    tables = {}
    for workers in (0, 2):
        store = ArchiveStore(sqlite_utils.Database(memory=True))
        result = rebuild_module.rebuild([tmp_path / "warc"], store, workers=workers,
                                        now=lambda: "2026-01-01T00:00:00Z")
        assert (result.articles, result.status) == (12, "ok")
        tables[workers] = [
            json.dumps(row, ensure_ascii=False, sort_keys=True)
            for row in store.db.query("SELECT * FROM articles ORDER BY id")
        ]
    assert started == [(2,)]  # in worker processes once, in this process once
    assert tables[2] == tables[0] and len(tables[0]) == 12
