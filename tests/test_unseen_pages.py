"""The unseen page rule, end to end: any page the crawler did not foresee ends as a correct
record or as a recorded failure with a non-zero exit, never as a quiet gap.

Each test serves the demo site's pages through a hostile twist (``tests/hostile.py``) or plants
a fault in the crawler's own code (``tests/patched_crawl.py``), crawls, and checks the run's
ledger: every article asked for is in the archive or in ``failures``, and the exit code says so.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newszone_crawler.demo_site import DemoSite

from .conftest import ROOT, run_crawl, stat
from .hostile import Answer, hostile_site, params_of

N = 30  # demo articles: 18 on Recent News, two listing pages
QUICK = ["-s", "NEWSZONE_FILES_ENABLED=0", "-s", "NEWSZONE_WARC_ENABLED=0"]
SITE = DemoSite(N)
RECENT = SITE.ids("recent")
BOARD = "O_47261"


def rows(tmp: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(tmp / "newszone.sqlite") as conn:
        return conn.execute(sql, params).fetchall()


def stored(tmp: Path) -> set[str]:
    return {r[0] for r in rows(tmp, "SELECT id FROM articles")}


def failures(tmp: Path) -> dict[str, str]:
    return dict(rows(tmp, "SELECT article_id, reason FROM failures"))


def crawl_site(tmp: Path, root: str, *args: str, out: str = "items.jsonl", **kw):  # noqa: ANN201
    return run_crawl(tmp, "-a", f"base_url={root}", "-a", "boards=recent", *QUICK, *args,
                     out=out, **kw)


def crawl_demo(tmp: Path, *args: str, out: str = "items.jsonl", **kw):  # noqa: ANN201
    return run_crawl(tmp, "-a", "demo=1", "-a", f"demo_articles={N}", "-a", "boards=recent",
                     *QUICK, *args, out=out, **kw)


def on_article(seq: str, change):  # noqa: ANN001, ANN201
    """A twist that changes the HTML of one article page."""

    def twist(path: str, params: dict[str, str], answer: Answer, site: DemoSite) -> Answer | None:
        if params.get("command") == "view" and params.get("boardSeq") == seq:
            charset = "euc-kr" if b"charset=euc-kr" in answer.body[:600] else "utf-8"
            body = change(answer.body.decode(charset)).encode(charset)
            return Answer(answer.status, answer.headers, body)
        return None

    return twist


def assert_every_article_accounted(tmp: Path, result, expected: set[str]) -> None:  # noqa: ANN001
    kept, failed = stored(tmp), failures(tmp)
    assert expected <= kept | set(failed), (expected - kept - set(failed), result.log[-3000:])
    assert result.returncode == (2 if failed else 0), (failed, result.log[-3000:])
    assert "Spider error processing" not in result.log


# -- 1. unforeseen shapes and planted faults: stored or failed, never lost ----------------------


def _deeply_nested(html: str) -> str:
    depth = 3000
    return re.sub(r'(<div class="post_content">)(.*?)(</div>\s*<ul class="prev_next">)',
                  lambda m: m[1] + "<div>" * depth + m[2] + "</div>" * depth + m[3],
                  html, flags=re.S)


def _broken_image(html: str) -> str:
    return html.replace('<div class="post_content">',
                        '<div class="post_content"><p><img src="http://[broken/x.jpg" alt=""></p>', 1)


@pytest.mark.parametrize("change", [_deeply_nested, _broken_image], ids=["nested", "ipv6"])
def test_unforeseen_page_shapes_end_stored_or_failed(tmp_path: Path, change) -> None:  # noqa: ANN001
    with hostile_site(N, on_article(RECENT[2], change)) as site:
        result = crawl_site(tmp_path, site.root)
    assert_every_article_accounted(tmp_path, result, set(RECENT))


def test_parser_fault_is_a_failure_and_the_next_run_fetches_it(tmp_path: Path) -> None:
    target = RECENT[4]
    first = crawl_demo(tmp_path, patch=f"parse_raises:{target}", out="first.jsonl")
    assert first.returncode == 2, first.log[-3000:]
    assert "planted parser fault" in failures(tmp_path)[target]
    assert target not in {r["id"] for r in first.records}
    assert re.search(r"Run status: INCOMPLETE: .*1 article\(s\) failed on an unexpected error",
                     first.log)
    assert_every_article_accounted(tmp_path, first, set(RECENT))
    # the board is walked again (its last run owes an article) and the article stored
    second = crawl_demo(tmp_path, out="second.jsonl")
    assert second.returncode == 0, second.log[-3000:]
    assert target in {r["id"] for r in second.records}
    assert stat(second, "newszone/listing/stopped_at_known") == 0


def test_pipeline_fault_is_a_failure(tmp_path: Path) -> None:
    target = RECENT[5]
    result = crawl_demo(tmp_path, patch=f"pipeline_raises:{target}")
    assert result.returncode == 2, result.log[-3000:]
    assert failures(tmp_path)[target].startswith("error: KeyError")
    assert target not in stored(tmp_path) | {r["id"] for r in result.records}
    assert_every_article_accounted(tmp_path, result, set(RECENT))


def test_request_lost_on_the_way_is_named_and_failed(tmp_path: Path) -> None:
    target = RECENT[6]
    result = crawl_demo(tmp_path, patch=f"lose_request:{target}")
    assert result.returncode == 2, result.log[-3000:]
    assert re.search(rf"1 article\(s\) ended the run with no outcome \(.*\): {target}", result.log)
    assert failures(tmp_path)[target].startswith("no outcome")
    assert stat(result, "newszone/ledger/unaccounted") == 1


def test_record_dropped_for_its_date_is_a_failure(tmp_path: Path) -> None:
    target = RECENT[7]

    def old_date(html: str) -> str:
        return re.sub(r"(<dt>Date :</dt><dd>)\d{4}", r"\g<1>1899", html)

    with hostile_site(N, on_article(target, old_date)) as site:  # one of 18: below health's size
        result = crawl_site(tmp_path, site.root, "-s", "NEWSZONE_HEALTH_MIN_RECORDS=100")
    assert result.returncode == 2, result.log[-3000:]
    assert failures(tmp_path) == {target: "dropped: missing published"}
    assert_every_article_accounted(tmp_path, result, set(RECENT))


def test_listing_dates_in_unread_shapes_are_counted_and_logged(tmp_path: Path) -> None:
    def us_dates(path: str, params: dict[str, str], answer: Answer, site: DemoSite) -> Answer | None:
        if params.get("command") or "boardList" not in path:
            return None
        body = re.sub(rb"<dd>\d{4}[.-]\d\d[.-]\d\d</dd>", b"<dd>03/04/2008</dd>", answer.body)
        return Answer(answer.status, answer.headers, body)

    with hostile_site(N, us_dates) as site:
        result = crawl_site(tmp_path, site.root)
    assert result.returncode == 0, result.log[-3000:]
    # 03/04/2008: March 4 or 3 April, nothing on the page can tell: never guessed, so every
    # listing row (18 articles, a pinned notice on each of 2 pages) is counted
    assert stat(result, "newszone/listing/date_unparsed") == 20
    assert "listing date(s) in a shape not read" in result.log



def test_listing_rows_in_an_unknown_wrapper_fail_the_run_not_end_the_walk(tmp_path: Path) -> None:
    """Page 2's rows each wrapped in a ``<div>``: read as the empty list past the last page,
    the walk ended there and the run said ok with page 2's articles never asked for."""

    def wrap_rows(path: str, params: dict[str, str], answer: Answer, site: DemoSite) -> Answer | None:
        if params.get("command") or "boardList" not in path or params.get("page") != "2":
            return None
        body = re.sub(rb"(<li\b.*?</li>)", rb'<div class="item">\1</div>', answer.body, flags=re.S)
        return Answer(answer.status, answer.headers, body)

    with hostile_site(N, wrap_rows) as site:
        result = crawl_site(tmp_path, site.root)
    assert result.returncode == 1, result.log[-3000:]
    assert "article links but no row in a known form" in result.log
    assert set(RECENT[:10]) <= stored(tmp_path)  # page 1's articles are kept



def _cut_after_row(body: bytes, rows: int) -> bytes:
    """The listing as a response cut right after its ``rows``-th article row would leave it."""
    at = 0
    for _ in range(rows + 1):  # the pinned notice's row first
        at = body.index(b"</li>", body.index(b'<ul class="list_post">') if not at else at) + 5
    return body[:at]


def test_a_listing_page_cut_short_makes_the_run_incomplete_and_the_next_walks_again(
    tmp_path: Path,
) -> None:
    """Page 1 cut after five rows (no paging block): rows 6-10 were never seen and the run
    said ok, so the next incremental run stopped at known pages and never fetched them."""

    def cut(path: str, params: dict[str, str], answer: Answer, site: DemoSite) -> Answer | None:
        if params.get("command") or "boardList" not in path or params.get("page") != "1":
            return None
        return Answer(answer.status, [h for h in answer.headers if h[0] != "Content-Length"],
                      _cut_after_row(answer.body, 5))

    with hostile_site(N, cut) as site:
        first = crawl_site(tmp_path, site.root, out="first.jsonl")
    assert first.returncode == 2, first.log[-3000:]
    assert "ends after 5 rows with no paging block" in first.log
    assert stat(first, "newszone/listing/cut_short") == 1
    assert not set(RECENT[5:10]) & stored(tmp_path)
    with hostile_site(N, lambda *a: None) as site:
        second = crawl_site(tmp_path, site.root, out="second.jsonl")
    assert second.returncode == 0, second.log[-3000:]
    assert set(RECENT) <= stored(tmp_path)


# -- 2. paging blocks that lie: the walk stays bounded -----------------------------------------


def _claim_last_page(body: bytes, page: int = 999999) -> bytes:
    return re.sub(rb'(class="last" href="[^"]*page=)\d+', rb"\g<1>" + str(page).encode(), body)


def test_paging_block_claiming_999999_pages_stays_bounded(tmp_path: Path) -> None:
    def lie(path: str, params: dict[str, str], answer: Answer, site: DemoSite) -> Answer | None:
        if params.get("command") or "boardList" not in path:
            return None
        body = re.sub(rb'<p class="total">.*?</p>', b"", _claim_last_page(answer.body))
        return Answer(answer.status, answer.headers, body)

    with hostile_site(N, lie) as site:
        result = crawl_site(tmp_path, site.root, timeout=120)
        listing_requests = site.requests["listing"]
    assert result.returncode == 0, result.log[-3000:]
    assert stored(tmp_path) == set(RECENT)
    # two real pages, then the empty page that ends the walk, and at most the window beyond it
    assert listing_requests <= 2 + 1 + 2, listing_requests


@pytest.mark.parametrize("total_shown", [True, False], ids=["total", "no-total"])
def test_board_repeating_its_pages_forever_stays_bounded(tmp_path: Path, total_shown: bool) -> None:
    def endless(path: str, params: dict[str, str], answer: Answer, site: DemoSite) -> Answer | None:
        if params.get("command") or "boardList" not in path:
            return None
        if params.get("page", "1") not in ("1", "2"):  # past the end: page 1 again, forever
            answer = Answer(200, answer.headers, site.get(path.replace(f"page={params['page']}",
                                                                       "page=1")).body)
        body = _claim_last_page(answer.body)
        if not total_shown:
            body = re.sub(rb'<p class="total">.*?</p>', b"", body)
        return Answer(answer.status, answer.headers, body)

    with hostile_site(N, endless) as site:
        result = crawl_site(tmp_path, site.root, timeout=120)
        listing_requests = site.requests["listing"]
    assert result.returncode == 0, result.log[-3000:]
    assert stored(tmp_path) == set(RECENT)
    assert listing_requests <= 5, listing_requests


def test_graceful_stop_on_an_endless_board_is_quick(tmp_path: Path) -> None:
    """SIGTERM while a board claims 999999 pages (each answered slowly): the run stops within
    seconds, marks what it did not fetch as failed, and exits non-zero."""

    def slow_lie(path: str, params: dict[str, str], answer: Answer, site: DemoSite) -> Answer | None:
        time.sleep(0.05)
        if params.get("command") or "boardList" not in path:
            return None
        return Answer(answer.status, answer.headers, _claim_last_page(answer.body))

    db = ["-s", f"NEWSZONE_DB={tmp_path / 'newszone.sqlite'}"]
    with hostile_site(3000, slow_lie) as site:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "newszone", "-a", f"base_url={site.root}",
             "-O", str(tmp_path / "items.jsonl"), *QUICK, *db],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=dict(os.environ, PYTHONHASHSEED="0"),
        )
        deadline = time.monotonic() + 60
        while site.requests["article"] < 50 and time.monotonic() < deadline:
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        try:
            log, _ = proc.communicate(timeout=30)
        finally:
            proc.kill()
        took = time.monotonic() - stopped
    print(f"\ngraceful stop took {took:.1f} s; {site.requests['listing']} listing pages")
    assert proc.returncode == 1, log[-3000:]
    assert "Run status: FAILED" in log and "the crawl ended early: shutdown" in log
    assert site.requests["listing"] < 60  # bounded, far from 999999
    assert stat_of(log, "newszone/ledger/not_fetched") == len(failures_not_fetched(tmp_path))


def stat_of(log: str, key: str) -> int:
    match = re.search(rf"'{re.escape(key)}': (\d+)", log)
    return int(match.group(1)) if match else 0


def failures_not_fetched(tmp: Path) -> list[str]:
    return [r[0] for r in rows(tmp, "SELECT article_id FROM failures WHERE reason LIKE "
                                    "'no outcome: the run ended early%'")]


# -- 3. ids from the page fetched ---------------------------------------------------------------


def test_redirect_to_another_article_is_a_failure_not_a_record(tmp_path: Path) -> None:
    moved, other = RECENT[2], RECENT[3]

    def redirect(path: str, params: dict[str, str], answer: Answer, site: DemoSite) -> Answer | None:
        if params.get("command") == "view" and params.get("boardSeq") == moved:
            target = path.replace(f"boardSeq={moved}", f"boardSeq={other}")
            return Answer(302, [("Location", target)], b"")
        return None

    with hostile_site(N, redirect) as site:
        result = crawl_site(tmp_path, site.root)
    assert result.returncode == 2, result.log[-3000:]
    assert "names another article" in failures(tmp_path)[moved]
    assert moved not in stored(tmp_path)
    by_id = {r["id"]: r for r in result.records}
    assert by_id[other]["title"] == SITE.article_by_id(other)["title"]
    assert [r["id"] for r in result.records].count(other) == 1


def test_one_article_is_one_row_whatever_the_spelling_of_its_link(tmp_path: Path) -> None:
    seq = RECENT[0]
    spellings = [seq.lower(), f"{seq}&amp;page=3", f" {seq} "]

    def respell(path: str, params: dict[str, str], answer: Answer, site: DemoSite) -> Answer | None:
        if params.get("command") == "view":  # the server reads the id leniently
            asked = params.get("boardSeq", "")
            fixed = re.match(r"\s*([A-Za-z]+_\d+)", asked)
            if fixed and fixed[1].upper() != asked:
                query = {**params, "boardSeq": fixed[1].upper()}
                again = site.get("/user/boardList.action?" + "&".join(f"{k}={v}" for k, v in query.items()))
                return Answer(again.status, again.headers, again.body)
            return None
        if "boardList" in path and params.get("page", "1") == "1":
            extra = "".join(
                f"<li><p class=\"title\"><a href=\"#none\" onclick=\"jf_view('{BOARD}','{s}');\">"
                f"Again</a></p><dl><dt>Date :</dt><dd>2008.01.11</dd></dl></li>"
                for s in spellings
            ).encode()
            body = answer.body.replace(b'<ul class="list_post">', b'<ul class="list_post">' + extra)
            return Answer(answer.status, answer.headers, body)
        return None

    with hostile_site(N, respell) as site:
        result = crawl_site(tmp_path, site.root)
    assert result.returncode == 0, result.log[-3000:]
    ids = [r["id"] for r in result.records]
    assert sorted(ids) == sorted(set(ids)) and set(ids) == set(RECENT)
    assert len(stored(tmp_path)) == len(RECENT)
    assert params_of(next(r["url"] for r in result.records if r["id"] == seq))["boardSeq"] == seq


def test_a_board_owing_a_failure_is_walked_again_until_it_clears(tmp_path: Path) -> None:
    """An article on page 2 fails; a later partial run (max_pages=1) that ends ok must not make
    the board trusted again: the next incremental run still walks to page 2 and stores it."""
    target = RECENT[12]  # on listing page 2
    first = crawl_demo(tmp_path, patch=f"parse_raises:{target}", out="first.jsonl")
    assert first.returncode == 2 and target in failures(tmp_path), first.log[-3000:]
    partial = crawl_demo(tmp_path, "-a", "max_pages=1", "-a", "mode=full", out="partial.jsonl")
    assert partial.returncode == 0, partial.log[-3000:]
    assert "owes 1 failed article(s) from earlier runs" in partial.log
    third = crawl_demo(tmp_path, out="third.jsonl")
    assert third.returncode == 0, third.log[-3000:]
    assert [r["id"] for r in third.records] == [target]
    assert stat(third, "newszone/listing/stopped_at_known") == 0
    # stored now: nothing owed, so the next run may stop at known pages again
    fourth = crawl_demo(tmp_path, out="fourth.jsonl")
    assert fourth.returncode == 0 and fourth.records == [], fourth.log[-3000:]
    assert "owes" not in fourth.log
    assert stat(fourth, "newszone/listing/stopped_at_known") == 1


def test_a_stored_article_whose_recheck_failed_is_fetched_until_it_clears(tmp_path: Path) -> None:
    target = RECENT[3]
    first = crawl_demo(tmp_path, out="first.jsonl")
    assert first.returncode == 0, first.log[-3000:]
    recheck = crawl_demo(tmp_path, "-a", "recheck_days=100000",
                         patch=f"parse_raises:{target}", out="recheck.jsonl")
    assert recheck.returncode == 2 and target in failures(tmp_path), recheck.log[-3000:]
    # nothing is due a re-check any more, but the article is still owed: fetched, then cleared
    later = crawl_demo(tmp_path, "-a", "recheck_days=0", out="later.jsonl")
    assert later.returncode == 0, later.log[-3000:]
    assert "owes 1 failed article(s)" in later.log
    assert stat(later, "newszone/store/article/unchanged") == 1  # the owed one, fetched again
    cleared = crawl_demo(tmp_path, "-a", "recheck_days=0", out="cleared.jsonl")
    assert cleared.returncode == 0 and "owes" not in cleared.log, cleared.log[-3000:]
    assert stat(cleared, "newszone/listing/stopped_at_known") == 1
