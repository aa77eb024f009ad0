"""The spider's arguments, each on a real crawl of the embedded demo site."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from newszone_crawler.arguments import EXIT_USAGE
from newszone_crawler.demo_site import DemoSite

from .conftest import ROOT, run_crawl

# Loopback and closed: a run that is wrongly not refused reaches no real site.
NOWHERE = "base_url=http://127.0.0.1:9"
NOWHERE_START = "start_url=http://127.0.0.1:9/user/boardList.action?boardId=O_47261&page=1"

# -a argument -> what the one-line refusal must say besides the argument and its value (the
# issue's cases; tests/test_arguments.py checks every argument's messages without a crawl)
CARELESS = [
    ("boards=foo", "choose from recent, photo, press"),
    ("since=yesterday", "give a date like 2024-01-31"),
    ("max_pages=0", "at least 1"),
    ("max_pages=abc", "is not a whole number"),
    ("mode=fast", "give incremental or full"),
    ("max_page=1", "did you mean max_pages?"),
    ("board=photo", "did you mean boards?"),
    ("recheck_days=-1", "at least 0"),
    ("base_url=not-a-url", "an http(s) URL"),
    ("demo=maybe", "1 or 0"),
    ("demo_articles=-5", "at least 1"),
    ("demo_faults={bad", "is not JSON"),
]


@pytest.mark.parametrize(("argument", "says"), CARELESS, ids=[a for a, _ in CARELESS])
def test_careless_argument_is_refused_before_anything_is_fetched(
    tmp_path: Path, argument: str, says: str
) -> None:
    name, _, value = argument.partition("=")
    extra = ["-a", NOWHERE_START if name == "base_url" else NOWHERE]
    result = run_crawl(tmp_path, *extra, "-a", argument)
    status = [line for line in result.log.splitlines() if "Run status:" in line]
    assert result.returncode == EXIT_USAGE, result.log[-3000:]
    assert len(status) == 1, result.log[-3000:]
    line = status[0].split("Run status: ", 1)[1]
    assert line.startswith("USAGE: ")
    assert f"{name}={value!r}" in line and says in line, line
    assert "Traceback" not in result.log and "Task exception" not in result.log
    assert result.stat("downloader/request_count") == 0
    assert not (tmp_path / "newszone.sqlite").exists()  # the archive is not even created
    assert not (tmp_path / "newszone.sqlite.lock").exists()


# -s setting -> what the refusal must say: settings the spider reads as values of a kind are
# checked like its arguments (before, an unknown mode ran as neither mode, a negative recheck
# window rechecked nothing, and a word for a number ended in a traceback)
CARELESS_SETTINGS = [
    ("NEWSZONE_MODE=incremantal", "give incremental or full"),
    ("NEWSZONE_MODE=", "is empty"),
    ("NEWSZONE_RECHECK_DAYS=-3", "at least 0"),
    ("NEWSZONE_RECHECK_DAYS=week", "is not a whole number"),
    ("NEWSZONE_LISTING_WINDOW=0", "at least 1"),
    ("NEWSZONE_EXTRACT_WORKERS=two", "is not a whole number"),
    ("NEWSZONE_DEMO_ARTICLES=-1", "at least 1"),
]


@pytest.mark.parametrize(("setting", "says"), CARELESS_SETTINGS,
                         ids=[s for s, _ in CARELESS_SETTINGS])
def test_careless_setting_is_refused_before_anything_is_fetched(
    tmp_path: Path, setting: str, says: str
) -> None:
    name, _, value = setting.partition("=")
    result = run_crawl(tmp_path, "-a", NOWHERE, "-s", setting)
    status = [line for line in result.log.splitlines() if "Run status:" in line]
    assert result.returncode == EXIT_USAGE, result.log[-3000:]
    assert len(status) == 1, result.log[-3000:]
    line = status[0].split("Run status: ", 1)[1]
    assert line.startswith("USAGE: ") and f"setting {name}" in line and says in line, line
    assert "Traceback" not in result.log
    assert result.stat("downloader/request_count") == 0
    assert not (tmp_path / "newszone.sqlite").exists()


def test_max_pages_reads_only_that_many_listing_pages(tmp_path: Path) -> None:
    site = DemoSite()
    result = run_crawl(tmp_path, "-a", "demo=1", "-a", "boards=recent", "-a", "max_pages=1")
    assert result.returncode == 0, result.log[-2000:]
    # page 1: ten articles and the pinned notice (an old article shown on every page)
    assert sorted(r["id"] for r in result.records) == sorted(
        [*site.ids("recent")[:10], site.notice_id("recent")]
    )
    assert "'newszone/listing/pages': 1," in result.log


def test_since_stops_paging_past_that_date(tmp_path: Path) -> None:
    site = DemoSite()
    recent = [site.article_by_id(seq) for seq in site.ids("recent")]
    since = recent[25]["published"]
    result = run_crawl(tmp_path, "-a", "demo=1", "-a", "boards=recent", "-a", f"since={since}")
    assert result.returncode == 0, result.log[-2000:]
    want = {t["id"] for t in recent if t["published"] >= since}
    assert {r["id"] for r in result.records} == want
    assert result.records and all(r["published"] >= since for r in result.records)
    assert f"'newszone/listing/pages': {site.pages('recent')}," not in result.log


def test_since_past_every_article_is_a_quiet_success_that_keeps_the_next_run_short(
    tmp_path: Path,
) -> None:
    """The demo's articles are from 2008: `since` a later date finds nothing to fetch, which is
    not a failure, and does not take away the trust an earlier whole walk gave the board."""
    demo = ["-a", "demo=1", "-a", "demo_articles=40", "-a", "boards=recent"]
    first = run_crawl(tmp_path, *demo, out="first.jsonl")
    assert first.returncode == 0, first.log[-2000:]
    quiet = run_crawl(tmp_path, *demo, "-a", "since=2024-01-01", out="quiet.jsonl")
    assert quiet.returncode == 0, quiet.log[-3000:]
    note = "Run status: ok (board recent: nothing published on or after 2024-01-01 (since)"
    assert note in quiet.log
    assert quiet.records == [] and quiet.stat("newszone/listing/pages") == 1
    after = run_crawl(tmp_path, *demo, out="after.jsonl")
    assert after.returncode == 0, after.log[-2000:]
    assert after.stat("newszone/listing/stopped_at_known") == 1  # not a walk of the whole listing
    assert after.stat("newszone/listing/pages") == 1


def test_start_url_crawls_one_listing_from_that_page(tmp_path: Path) -> None:
    site = DemoSite(articles=40)
    # start_url needs a running server: use the standalone demo site on a free port
    server = subprocess.Popen(
        [sys.executable, "-u", "-m", "newszone_crawler.demo_site", "--port", "0", "--articles", "40"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        url = line[line.index("http"):].split()[0].rstrip("/")
        start = f"{url}/user/boardList.action?boardId=O_47317&siteId=mndEN&id=mndEN_020200000000&page=1"
        result = run_crawl(tmp_path, "-a", f"start_url={start}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.returncode == 0, result.log[-2000:]
    assert {r["id"] for r in result.records} == set(site.ids("photo"))
    assert {r["board"] for r in result.records} == {"Photo News"}


def test_default_feed_is_a_new_file_per_run(tmp_path: Path) -> None:
    """Two runs; the second run finds nothing new, so it leaves no (empty) file."""
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="newszone_crawler.settings")
    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "newszone", "-a", "demo=1",
             "-a", "demo_articles=12", "-a", "boards=press"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
    files = sorted((tmp_path / "output" / "items").glob("newszone-*.jsonl"))
    assert len(files) == 1
    lines = [len(f.read_text("utf-8").splitlines()) for f in files]
    assert lines == [DemoSite(12).count("press")]
    assert (tmp_path / "output" / "newszone.sqlite").exists()
