"""The browse view (``python -m newszone_crawler browse``) on a demo archive with edits, a gone
article and a script planted in an article's text: every page over HTTP (in process, no
browser), then the same pages in headless Chromium (skipped, with the reason, where there is
none)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import lxml.html
import pytest

from newszone_crawler.demo_site import DemoSite

from .conftest import ROOT, run_crawl

pytest.importorskip("datasette", reason="Datasette is not installed (the browse extra)")

from newszone_crawler.browse import make_datasette, snapshot  # noqa: E402

ARTICLES = 40
EDITED = (7, 12)
FAILED = 9  # answers 503 to the second run: a failure still owed
PLANTED = ('<script>document.body.dataset.pwned = "script"</script>'
           '<img src="x" onerror="document.body.dataset.pwned = \'img\'">')
QUICK = ["-s", "NEWSZONE_WARC_ENABLED=0", "-s", "NEWSZONE_MANIFEST_DIR="]


@dataclass
class Archive:
    folder: Path
    db: Path
    copy: Path
    edited: list[str]
    gone: list[str]
    planted: str  # the article whose body and title carry PLANTED


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """Two demo runs (the second edits two articles, no longer lists the newest one and cannot
    fetch one), a script planted in an edited article's title and body, and a browse snapshot of it."""
    folder = tmp_path_factory.mktemp("browse")
    first = run_crawl(folder, "-a", "demo=1", "-a", f"demo_articles={ARTICLES}", *QUICK)
    assert first.returncode == 0, first.log[-3000:]
    edits = ",".join(f"{k}:{rev}" for rev, k in enumerate(EDITED, 1))
    second = run_crawl(folder, "-a", "demo=1", "-a", f"demo_articles={ARTICLES - 1}",
                       "-a", "mode=full", "-a", f"demo_edits={edits}",
                       "-a", f'demo_faults={{"unavailable": {{"{FAILED}": 1000}}}}', *QUICK,
                       out="second.jsonl")
    assert second.returncode == 2, second.log[-3000:]  # incomplete: one article owed
    site = DemoSite(ARTICLES)
    edited = [site.truth(k)["id"] for k in EDITED]
    gone = sorted(set(site.all_ids()) - set(DemoSite(ARTICLES - 1).all_ids()))
    db = folder / "newszone.sqlite"
    with sqlite3.connect(db) as conn:  # what a hostile page could have left as text
        conn.execute("UPDATE articles SET title = title || ' ' || ?, body = body || ? "
                     "WHERE id = ?", (PLANTED, "\n\nPlanted: " + PLANTED, edited[0]))
    copy = snapshot(db, folder / "browse" / "newszone.sqlite")
    return Archive(folder, db, copy, edited, gone, edited[0])


def get(archive: Archive, path: str) -> tuple[int, str, dict[str, str]]:
    """One page of the browse view (in process), as status, text and headers."""
    async def fetch() -> tuple[int, str, dict[str, str]]:
        ds = make_datasette(archive.copy, archive.folder)
        await ds.invoke_startup()
        response = await ds.client.get(path)
        return response.status_code, response.text, dict(response.headers)

    return asyncio.run(fetch())


def page(archive: Archive, path: str) -> lxml.html.HtmlElement:
    status, text, _ = get(archive, path)
    assert status == 200, (path, text[:2000])
    return lxml.html.fromstring(text)


def visible_text(tree: lxml.html.HtmlElement) -> str:
    for hidden in tree.xpath("//script | //style | //title"):
        hidden.drop_tree()
    return " ".join(tree.text_content().split())


def assert_inert(tree: lxml.html.HtmlElement) -> None:
    """No markup from the archive is live: no planted script element, no event handler."""
    assert [s for s in tree.iter("script") if "pwned" in (s.text or "")] == []
    assert tree.xpath("//*[@onerror]") == []


# -- the snapshot ----------------------------------------------------------------------------


def test_snapshot_adds_helpers_to_the_copy_only(archive: Archive) -> None:
    assert rows(archive.copy, "SELECT count(*) FROM edits") == [(len(archive.edited),)]
    assert {r[0] for r in rows(archive.copy, "SELECT article_id FROM edits")} == set(archive.edited)
    names = {r[0] for r in rows(archive.db, "SELECT name FROM sqlite_master")}
    assert not names & {"edits", "article_list", "author_list", "browse_info"}


def test_a_crawl_after_browse_still_writes_the_archive(archive: Archive, tmp_path: Path) -> None:
    # browse running on a snapshot of the same archive; a crawl of the archive meanwhile
    work = tmp_path / "archive"
    shutil.copytree(archive.folder, work, ignore=shutil.ignore_patterns("browse"))
    with served(work / "newszone.sqlite", work) as base:
        assert http_get(base + "/newszone/edits.json?_shape=array")[0] == 200
        third = run_crawl(work, "-a", "demo=1", "-a", f"demo_articles={ARTICLES + 2}", *QUICK,
                          out="third.jsonl")
    assert third.returncode == 0, third.log[-3000:]
    assert rows(work / "newszone.sqlite", "SELECT count(*) FROM articles") == [(ARTICLES + 2,)]


# -- every page over HTTP --------------------------------------------------------------------


def test_index_names_the_archive_and_its_views(archive: Archive) -> None:
    text = visible_text(page(archive, "/newszone"))
    assert "News Zone archive" in visible_text(page(archive, "/"))
    for title in ("Latest articles per board", "Recent edits", "Articles gone from the site",
                  "Last runs", "Failures still owed", "Authors and their article counts"):
        assert title in text


def test_article_list_has_facets_and_full_text_search(archive: Archive) -> None:
    tree = page(archive, "/newszone/article_list")
    text = visible_text(tree)
    assert f"{ARTICLES} rows" in text
    for facet in ("board", "year", "status", "authors (array)"):
        assert facet in text
    assert "edited 2" in text and "gone 1" in text
    # a word only the planted article's body holds, found by the FTS index the triggers kept
    found = page(archive, "/newszone/article_list?_search=Planted")
    assert "1 row where search matches" in visible_text(found)
    assert found.xpath(f"//a[@href='/newszone/articles/{archive.planted}']")
    assert_inert(found)


def test_article_page_is_readable_and_inert(archive: Archive) -> None:
    record = rows(archive.db, "SELECT title, published FROM articles WHERE id = ?",
                  (archive.planted,))[0]
    tree = page(archive, f"/newszone/articles/{archive.planted}")
    article = tree.xpath("//article[@class='newszone-article']")[0]
    text = visible_text(article)
    assert record[0] in text  # the title, planted markup shown as text
    assert "<script>document.body.dataset.pwned" in text
    assert f"published {record[1]}" in text
    assert "Photos" in text and "Edits" in text
    assert len(article.xpath(".//div[@class='body']/p")) >= 2  # paragraphs, not JSON text
    assert '"name":' not in text
    assert_inert(tree)


def test_edits_page_shows_word_level_diffs(archive: Archive) -> None:
    tree = page(archive, "/-/newszone/edits")
    text = visible_text(tree)
    assert f"{len(archive.edited)} edits in the archive" in text
    sections = tree.xpath("//section[@class='newszone-edit']")
    assert len(sections) == len(archive.edited)
    assert tree.xpath("//div[@class='newszone-diff']//del") and tree.xpath(
        "//div[@class='newszone-diff']//ins")
    # the planted script is in the current body: part of the diff, as text
    # (word-level: the planted words may interleave with the words the edit removed)
    assert "Planted:" in text and '<script>document.body.dataset.pwned = "script"</script>' in text
    assert_inert(tree)
    one = rows(archive.copy, "SELECT id FROM edits WHERE article_id = ?", (archive.edited[1],))
    single = page(archive, f"/-/newszone/edits/{one[0][0]}")
    assert len(single.xpath("//section[@class='newszone-edit']")) == 1
    assert get(archive, "/-/newszone/edits/999999")[0] == 404


def test_charts_are_inline_svg(archive: Archive) -> None:
    tree = page(archive, "/-/newszone/charts")
    svgs = tree.xpath("//svg[@class='chart']")
    assert len(svgs) == 3
    text = visible_text(tree)
    for title in ("Articles per month per board", "Edits per month", "Run history"):
        assert title in text
    totals = svgs[0].xpath(".//rect[@class='total']/@data-total")
    assert sum(int(t) for t in totals) == ARTICLES
    assert [int(t) for t in svgs[1].xpath(".//rect[@class='total']/@data-total")] == [2]
    assert tree.xpath("//script[@src and not(starts-with(@src, '/'))]") == []


def test_feeds_are_atom(archive: Archive) -> None:
    ns = {"a": "http://www.w3.org/2005/Atom"}
    status, body, headers = get(archive, "/-/newszone/feeds/edits.atom")
    assert status == 200 and headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(body.encode())
    entries = feed.findall("a:entry", ns)
    assert len(entries) == len(archive.edited)
    assert any("<script>" in (e.findtext("a:title", namespaces=ns) or "") for e in entries)
    status, body, _ = get(archive, "/-/newszone/feeds/articles.atom")
    assert len(ET.fromstring(body.encode()).findall("a:entry", ns)) == ARTICLES


@pytest.mark.parametrize(("query", "count"), [
    ("latest_per_board", None), ("recent_edits", 2), ("gone_articles", 1), ("last_runs", 2),
    ("failures_owed", 1), ("authors_articles", None)])
def test_saved_views(archive: Archive, query: str, count: int | None) -> None:
    status, text, _ = get(archive, f"/newszone/{query}.json?_shape=array")
    assert status == 200, text[:2000]
    found = json.loads(text)
    if count is not None:
        assert len(found) == count
    else:
        assert found
    assert page(archive, f"/newszone/{query}") is not None


def test_stored_files_download_and_stay_inside_the_output_folder(archive: Archive) -> None:
    path = rows(archive.db, "SELECT path FROM attachments WHERE path IS NOT NULL LIMIT 1")[0][0]
    status, _, headers = get(archive, f"/-/newszone/files/{path}")
    assert status == 200
    assert headers["content-disposition"].startswith("attachment;")
    assert headers["x-content-type-options"] == "nosniff"
    assert get(archive, "/-/newszone/files/../newszone.sqlite")[0] != 200
    assert get(archive, "/-/newszone/files/files/no-such-file.pdf")[0] == 404


# -- the command and a real browser ----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback only)
        return response.status, response.read().decode("utf-8")


class served:
    """``python -m newszone_crawler browse`` on ``db`` in a subprocess, on a free loopback
    port, until the block ends; yields its base URL."""

    def __init__(self, db: Path, folder: Path) -> None:
        self.db, self.folder = db, folder

    def __enter__(self) -> str:
        port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "newszone_crawler", "browse", "--db", str(self.db),
             "--files-store", str(self.folder / "files"), "--port", str(port)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                http_get(base + "/")
                return base
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise AssertionError(f"browse did not start: {self.output}") from None
                time.sleep(0.3)

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.output = self.proc.communicate(timeout=20)[0]
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.output = self.proc.communicate()[0]


def test_browse_command_refuses_a_missing_archive(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "newszone_crawler", "browse", "--db", str(tmp_path / "no.sqlite")],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1
    assert "no archive at" in proc.stderr


CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which(
    "chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1200,1400"]


def chromium(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / f"profile-{time.monotonic_ns()}"
    proc = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium: install the Debian packages "
                    "chromium (make test and .ci/run do, where apt-get works)")
def test_pages_in_headless_chromium(archive: Archive, tmp_path: Path) -> None:
    # the detector works: a live script in this browser does mark the body
    control = chromium(tmp_path, "--dump-dom",
                       "data:text/html,<body><script>document.body.dataset.pwned=1</script>")
    assert lxml.html.fromstring(control).body.get("data-pwned") == "1"
    one_edit = rows(archive.copy, "SELECT min(id) FROM edits")[0][0]
    pages = {
        "index": ("/newszone", ["Recent edits", "Last runs"]),
        "article": (f"/newszone/articles/{archive.planted}", ["Photos", "Planted:"]),
        "search": ("/newszone/article_list?_search=Planted", ["1 row where search matches"]),
        "edits": ("/-/newszone/edits", [f"{len(archive.edited)} edits in the archive"]),
        "edit": (f"/-/newszone/edits/{one_edit}", ["body"]),
        "charts": ("/-/newszone/charts", ["Articles per month per board", "Run history"]),
    }
    with served(archive.db, archive.folder) as base:
        for name, (path, expected) in pages.items():
            dom = lxml.html.fromstring(chromium(tmp_path, "--dump-dom", base + path))
            assert dom.body.get("data-pwned") is None, f"{name}: a planted script ran"
            text = visible_text(dom)
            for words in expected:
                assert words in text, (name, text[:2000])
            if name in ("article", "search", "edits"):
                assert "<script>document.body.dataset.pwned" in text, name  # shown as text
            shot = tmp_path / f"{name}.png"
            chromium(tmp_path, f"--screenshot={shot}", base + path)
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(dom.xpath("//svg[@class='chart']")) == 3  # the charts, drawn
