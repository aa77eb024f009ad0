"""The spider's arguments, each on a real crawl of the embedded demo site."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from newszone_crawler.demo_site import DemoSite

from .conftest import ROOT, run_crawl


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
