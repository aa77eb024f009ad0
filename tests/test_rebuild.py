"""Re-extraction from WARC captures (``newszone_crawler/rebuild.py``, ``python -m
newszone_crawler rebuild``): a rebuild from a demo crawl's WARC files gives the records the
crawl stored.

What may differ, because the WARC files cannot say it: ``first_seen``/``last_seen`` (when the
crawl stored its batch; the rebuild uses the capture time) and ``crawled_at`` only within the
second or two between the capture and the parse. Everything else - text fields, hashes, views,
images, authors, attachments with their download fields, WARC locations, raw fields, version
history - must be equal.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlite_utils

from newszone_crawler.demo_site import DemoSite
from newszone_crawler.exporters.sqlite_store import ArchiveStore
from newszone_crawler.exporters.warc import Exchange, WarcWriter
from newszone_crawler.rebuild import (
    article_from_page,
    crawled_at_of,
    rebuild,
    scan_warcs,
    warc_files,
)

from .conftest import ROOT, CrawlResult, run_crawl

ARCHIVE_TIMES = {"first_seen", "last_seen"}
"""Archive bookkeeping the WARC files cannot know (the crawl's batch times)."""
FETCH_TIME = "crawled_at"
"""Known from ``WARC-Date`` to the second; the crawl takes it a moment later, at parse time."""


def _rebuild_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newszone_crawler", "rebuild", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )


def _seconds(a: str, b: str) -> float:
    parse = lambda t: datetime.fromisoformat(t.replace("Z", "+00:00"))  # noqa: E731
    return abs((parse(a) - parse(b)).total_seconds())


def _rows(db: Path, sql: str) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql)]


def assert_same_archive(crawled: Path, rebuilt: Path) -> None:
    """Every table the crawl fills from pages, compared row by row."""
    a = {r["id"]: r for r in _rows(crawled, "SELECT * FROM articles")}
    b = {r["id"]: r for r in _rows(rebuilt, "SELECT * FROM articles")}
    assert a and set(a) == set(b)
    for seq, row in a.items():
        other = b[seq]
        assert _seconds(row[FETCH_TIME], other[FETCH_TIME]) <= 2, seq
        assert (row["changed_at"] is None) == (other["changed_at"] is None), seq
        for key in set(row) - ARCHIVE_TIMES - {FETCH_TIME, "changed_at"}:
            assert row[key] == other[key], (seq, key, row[key], other[key])
    children = {
        "attachments": "SELECT * FROM attachments ORDER BY article_id, position",
        "images": "SELECT * FROM images ORDER BY article_id, position",
        "authors": "SELECT aa.article_id, aa.position, aa.role, a.name, a.email"
        " FROM article_authors aa JOIN authors a ON a.id = aa.author_id"
        " ORDER BY aa.article_id, aa.position",
        "versions": "SELECT article_id, content_hash FROM article_versions"
        " ORDER BY article_id, id",
    }
    for name, sql in children.items():
        assert _rows(crawled, sql) == _rows(rebuilt, sql), name
    # the export records too (what `python -m newszone_crawler export` writes)
    with _open(crawled) as sa, _open(rebuilt) as sb:
        ra = {r["id"]: r for r in sa.iter_records()}
        rb = {r["id"]: r for r in sb.iter_records()}
    for seq, record in ra.items():
        ignore = ARCHIVE_TIMES | {FETCH_TIME, "changed_at"}
        assert {k: v for k, v in record.items() if k not in ignore} == {
            k: v for k, v in rb[seq].items() if k not in ignore
        }, seq


class _open:
    def __init__(self, path: Path) -> None:
        self.store = ArchiveStore.open(path)

    def __enter__(self) -> ArchiveStore:
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()


# -- a demo crawl with WARC capture and attachment files, rebuilt --------------------------------


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CrawlResult]:
    tmp = tmp_path_factory.mktemp("rebuild")
    result = run_crawl(tmp, "-a", "demo=1", "-a", "demo_articles=60")
    assert result.returncode == 0, result.log[-3000:]
    return tmp, result


@pytest.fixture(scope="module")
def rebuilt(crawled: tuple[Path, CrawlResult]) -> tuple[Path, subprocess.CompletedProcess[str]]:
    tmp, _ = crawled
    target = tmp / "rebuilt.sqlite"
    proc = _rebuild_cli("--from-warc", str(tmp / "warc"), "--db", str(target),
                        "--files-store", str(tmp / "files"))
    return target, proc


def test_rebuild_command_reports_every_article(
    crawled: tuple[Path, CrawlResult], rebuilt: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    _, proc = rebuilt
    assert proc.returncode == 0, proc.stdout + proc.stderr
    count = len(DemoSite(60).all_ids())
    assert f"Rebuilt {count} articles ({count} new, 0 changed, 0 unchanged, 0 gone)" in proc.stderr
    assert "0 layout errors, 0 dropped" in proc.stderr


def test_rebuild_gives_the_records_the_crawl_stored(
    crawled: tuple[Path, CrawlResult], rebuilt: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    tmp, _ = crawled
    target, proc = rebuilt
    assert proc.returncode == 0, proc.stderr
    assert_same_archive(tmp / "newszone.sqlite", target)


def test_rebuilt_attachments_carry_their_downloads(
    crawled: tuple[Path, CrawlResult], rebuilt: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    tmp, _ = crawled
    target, _ = rebuilt
    rows = _rows(target, "SELECT * FROM attachments")
    assert rows and all(r["status"] == "downloaded" and r["sha256"] for r in rows)
    for row in rows:  # the path points at the file the crawl stored, with that hash
        assert (tmp / row["path"]).stat().st_size == row["bytes"]


def test_rebuilt_archive_is_searchable_and_names_no_boards(
    rebuilt: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    target, _ = rebuilt
    with _open(target) as store:
        assert store.integrity_ok()
        some_word = store.record(store.search("the", limit=1)[0])["body"].split()[0]
        assert store.search(some_word)
        (run,) = _rows(target, "SELECT * FROM runs")
        assert run["mode"] == "rebuild" and run["status"] == "ok" and run["boards"] == "[]"
        assert run["new"] == len(DemoSite(60).all_ids()) and run["requests"] == 0
        # an incremental crawl on the rebuilt archive walks whole listings once
        assert store.boards_walked_ok() == set()


def test_rebuild_refuses_an_existing_archive_and_a_missing_folder(
    crawled: tuple[Path, CrawlResult], tmp_path: Path
) -> None:
    tmp, _ = crawled
    proc = _rebuild_cli("--from-warc", str(tmp / "warc"), "--db", str(tmp / "newszone.sqlite"))
    assert proc.returncode == 1 and "exists" in proc.stderr
    proc = _rebuild_cli("--from-warc", str(tmp_path / "nowhere"), "--db", str(tmp_path / "x.db"))
    assert proc.returncode == 1 and "no WARC file or folder" in proc.stderr
    assert not (tmp_path / "x.db").exists()


def test_rebuild_writes_in_batches_not_per_record(
    crawled: tuple[Path, CrawlResult], tmp_path: Path
) -> None:
    tmp, _ = crawled
    store = ArchiveStore(sqlite_utils.Database(tmp_path / "batched.sqlite"))
    commits: list[str] = []
    store.db.conn.set_trace_callback(
        lambda sql: commits.append(sql) if sql.strip().upper() == "COMMIT" else None
    )
    result = rebuild([tmp / "warc"], store, batch_size=25)
    store.db.conn.set_trace_callback(None)
    assert result.articles == len(DemoSite(60).all_ids())
    assert result.batches == -(-result.articles // 25)
    # one commit per batch, plus the runs row opened and closed
    assert len(commits) == result.batches + 2


# -- two runs: an edit between them, replayed in order ---------------------------------------


def test_rebuild_of_two_runs_replays_the_version_history(tmp_path: Path) -> None:
    first = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=40")
    assert first.returncode == 0, first.log[-3000:]
    second = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=40", "-a", "mode=full",
                       "-a", "demo_edits=7:1,12:2", out="second.jsonl")
    assert second.returncode == 0, second.log[-3000:]
    assert len(second.records) == 2  # the two edited articles; the rest unchanged
    target = tmp_path / "rebuilt.sqlite"
    proc = _rebuild_cli("--from-warc", str(tmp_path / "warc"), "--db", str(target),
                        "--files-store", str(tmp_path / "files"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(40 new, 2 changed, 38 unchanged, 0 gone)" in proc.stderr
    assert_same_archive(tmp_path / "newszone.sqlite", target)
    statuses = {r["status"] for r in _rows(target, "SELECT status FROM attachments")}
    assert "cached" in statuses  # files the second run trusted on disk, as the crawl recorded


# -- captures that are not a good article page ------------------------------------------------


def _exchange(site: DemoSite, url: str, **changes: Any) -> Exchange:
    parts = urlsplit(url)
    answer = site.handle(parts.path, parts.query)
    values: dict[str, Any] = {
        "url": url, "method": "GET", "request_headers": [("Accept", "text/html")],
        "request_body": b"", "status": answer.status, "response_headers": answer.headers,
        "payload": answer.body,
    }
    values.update(changes)
    return Exchange(**values)


def test_rebuild_skips_cut_and_failed_pages_and_marks_gone_ones(tmp_path: Path) -> None:
    site = DemoSite(20, base_url="http://127.0.0.1:8000")
    one, two, three = site.all_ids()[:3]
    url = site.article_url
    writer = WarcWriter(tmp_path / "warc", "run-1")
    writer.write(_exchange(site, url(one), payload=b"<html>cut", truncated="disconnect"))
    writer.write(_exchange(site, url(one), status=503, payload=b"busy"))
    writer.write(_exchange(site, url(one)))  # the retry that worked
    writer.write(_exchange(site, url(two)))
    writer.write(_exchange(site, url(two)))  # a second capture in the same run: ignored
    writer.write(_exchange(site, url(three), payload=b"<html><p>Service maintenance</p></html>"))
    writer.write(_exchange(site, site.listing_url("recent")))  # not an article page
    writer.close()
    later = WarcWriter(tmp_path / "warc", "run-2")
    later.started = later.started.replace(year=later.started.year + 1)  # another file name
    later.write(_exchange(site, url(two), status=404, payload=b"not found"))
    later.close()

    store = ArchiveStore(sqlite_utils.Database(memory=True))
    result = rebuild([tmp_path / "warc"], store, base_url="http://127.0.0.1:8000")
    assert (result.articles, result.new, result.gone) == (2, 2, 1)
    assert (result.skipped, result.duplicates, result.layout_errors) == (2, 1, 1)
    assert result.status == "incomplete"
    assert store.record(two)["gone_at"] is not None
    assert store.record(one)["gone_at"] is None
    truth = site.article_by_id(one)
    record = store.record(one)
    for key in ("title", "published", "subtitles", "body", "images", "authors", "copyright"):
        assert record[key] == truth[key], key
    assert record["url"] == truth["url"]
    (capture,) = [c for c in scan_warcs(warc_files([tmp_path / "warc"])).articles
                  if c.url == url(one) and c.status == 200 and not c.truncated]
    assert record["warc_offset"] == capture.offset
    assert record["crawled_at"] == crawled_at_of(capture.date)


def test_euc_kr_pages_are_read_as_the_crawl_reads_them() -> None:
    site = DemoSite(40, base_url="http://127.0.0.1:8000")
    korean = [k for k in range(1, 41) if "encoding:euc-kr" in site.quirks(k)]
    assert korean
    seq = site.truth(korean[0])["id"]
    page = site.get(urlsplit(site.article_url(seq))._replace(scheme="", netloc="").geturl())
    assert "charset" not in (page.header("Content-Type") or "")
    item = article_from_page(page.body, page.header("Content-Type"), site.article_url(seq),
                             "2026-01-01T00:00:00Z")
    truth = site.truth(korean[0])
    assert (item.title, item.body, item.copyright) == (truth["title"], truth["body"],
                                                       truth["copyright"])


# -- damaged input and failing pages ------------------------------------------------------------


def _twelve_articles(folder: Path) -> tuple[DemoSite, list[str], Path, list[int]]:
    """One WARC file with the pages of 12 articles; the article captures' offsets."""
    site = DemoSite(12, base_url="http://127.0.0.1:8000")
    ids = site.all_ids()
    writer = WarcWriter(folder, "run-1")
    offsets = [writer.write(_exchange(site, site.article_url(seq))).warc_offset for seq in ids]
    (warc,) = writer.close()
    return site, ids, warc, offsets


def test_rebuild_from_a_cut_warc_names_the_damage_and_exits_2(tmp_path: Path) -> None:
    _, ids, warc, offsets = _twelve_articles(tmp_path / "warc")
    warc.write_bytes(warc.read_bytes()[: offsets[6] + 300])  # cut inside the 7th capture
    target = tmp_path / "rebuilt.sqlite"
    proc = _rebuild_cli("--from-warc", str(tmp_path / "warc"), "--db", str(target))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"damaged WARC {warc.name}: gzip member cut short at byte {offsets[6]}" in proc.stderr
    assert "1 damaged WARC files" in proc.stderr
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".rebuilt")]  # no leftovers
    proc = _rebuild_cli("--from-warc", str(tmp_path / "warc"), "--db", str(target),
                        "--accept-partial")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Rebuilt 6 articles (6 new" in proc.stderr
    assert f"damaged WARC {warc.name}" in proc.stderr
    assert sorted(r["id"] for r in _rows(target, "SELECT id FROM articles")) == sorted(ids[:6])
    (run,) = _rows(target, "SELECT status, reasons FROM runs")
    assert run["status"] == "incomplete" and warc.name in run["reasons"]


def test_rebuild_reads_unfinished_open_files_and_reports_them(tmp_path: Path) -> None:
    _, ids, warc, offsets = _twelve_articles(tmp_path / "warc")
    unfinished = warc.with_name(warc.name + ".open")
    warc.rename(unfinished)
    store = ArchiveStore(sqlite_utils.Database(memory=True))
    result = rebuild([tmp_path / "warc"], store)
    assert (result.articles, result.unfinished, result.damage) == (12, [unfinished.name], {})
    assert result.status == "ok"
    unfinished.write_bytes(unfinished.read_bytes()[: offsets[9] + 100])  # and killed mid-write
    target = tmp_path / "rebuilt.sqlite"
    proc = _rebuild_cli("--from-warc", str(tmp_path / "warc"), "--db", str(target))
    assert proc.returncode == 2 and not target.exists(), proc.stdout + proc.stderr
    assert f"unfinished WARC file (read as far as its records are whole): {unfinished.name}" \
        in proc.stderr
    assert "1 unfinished (.open)" in proc.stderr and "Rebuilt 9 articles" in proc.stderr


@pytest.mark.parametrize("error", [RecursionError("maximum recursion depth exceeded"),
                                   ValueError("bad date")])
def test_a_page_whose_parsing_raises_is_a_counted_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    import newszone_crawler.extract as extract_module  # the one extraction path
    from newszone_crawler.__main__ import main

    _, ids, _, _ = _twelve_articles(tmp_path / "warc")
    real = extract_module.parse_article

    def parse(text: str, url: str) -> Any:
        if ids[4] in url:
            raise error
        return real(text, url)

    monkeypatch.setattr(extract_module, "parse_article", parse)
    store = ArchiveStore(sqlite_utils.Database(memory=True))
    result = rebuild([tmp_path / "warc"], store)
    assert (result.articles, result.errors, result.status) == (11, 1, "incomplete")
    (reason,) = [r for r in result.reasons if r.startswith("error:")]
    assert ids[4] in reason and type(error).__name__ in reason
    target = tmp_path / "rebuilt.sqlite"
    assert main(["rebuild", "--from-warc", str(tmp_path / "warc"), "--db", str(target)]) == 2
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["warc"]  # no half archive anywhere
