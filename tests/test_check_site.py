"""check-site: the demo site's pages against the markup contract, element by element.

End to end: ``python -m newszone_crawler check-site`` against the standalone demo site (all ok,
exit 0), against demo fault modes that break one element (named, exit 1), against a closed
port and a site answering 503 (exit 2 with the reason), and a bundle round trip (bundle ->
``rebuild --from-warc`` -> the same records as a crawl of the same pages).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newszone_crawler.check_site import bundle_pages, bundle_report, replay
from newszone_crawler.demo_site import DemoSite
from newszone_crawler.demo_site.faults import DRIFTS
from newszone_crawler.parsing.conformance import (
    ELEMENTS,
    MANDATORY,
    check_article,
    check_listing,
    failed,
    summarize,
)

from .conftest import ROOT, run_crawl


@contextmanager
def demo_site(*args: str) -> Iterator[str]:
    """The standalone demo site (``python -m newszone_crawler.demo_site``): its root URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "newszone_crawler.demo_site", "--port", "0", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert " at " in first, first + (proc.stderr.read() if proc.stderr else "")
        yield first.split(" at ", 1)[1].strip().rstrip("/")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def check_site(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newszone_crawler", "check-site", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )


def report_lines(stdout: str) -> dict[str, str]:
    """element name -> its status, from the printed report."""
    lines = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) > 1 and parts[1] in ELEMENTS:
            lines[parts[1]] = parts[0]
    return lines


def test_the_demo_site_conforms(tmp_path: Path) -> None:
    """All boards, 3 articles each: every element of the contract is reported, all ok."""
    with demo_site("--articles", "60") as base:
        done = check_site("--base-url", base, "--json", str(tmp_path / "report.json"))
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    statuses = report_lines(done.stdout)
    assert set(statuses) == set(ELEMENTS)
    assert set(statuses.values()) == {"ok"}, done.stdout
    assert "all mandatory elements ok" in done.stdout
    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    kinds = [f["what"].split()[1] for f in report["fetched"] if f["what"] != "robots.txt"]
    assert kinds.count("listing") == 6 and kinds.count("article") == 9, report["fetched"]


def test_make_check_site_against_the_standalone_demo() -> None:
    with demo_site() as base:
        done = subprocess.run(["make", "-s", "check-site", f"BASE_URL={base}"],
                              cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert set(report_lines(done.stdout).values()) == {"ok"}, done.stdout


def _demo_pages(faults: dict, board: str = "recent", articles: int = 3):
    site = DemoSite(40, faults=faults)
    pages = []
    for url in (site.listing_url(board, 1), site.listing_url(board, 2),
                *(site.article_url(seq) for seq in site.ids(board)[-articles:])):
        parts = urlsplit(url)
        answer = site.handle(parts.path, parts.query)
        pages.append((url, answer.body, answer.header("Content-Type")))
    return pages


def _check(pages) -> dict[str, str]:
    elements = []
    for url, body, content_type in pages:
        check = check_article if "command=view" in url else check_listing
        elements.extend(check(body, url, content_type))
    return {s.name: s.status for s in summarize(elements) if s.pages}


def test_the_conformance_check_of_demo_pages_is_all_ok() -> None:
    statuses = _check(_demo_pages({}))
    assert set(statuses) == set(ELEMENTS) - {"site.robots"}
    assert set(statuses.values()) == {"ok"}, statuses


@pytest.mark.parametrize("drift", sorted(DRIFTS))
def test_each_drifted_element_is_named(drift: str) -> None:
    """The demo's ``drift`` fault changes one element of the template: the check names that
    element (and, for a mandatory one, only elements that depend on it)."""
    kind = DRIFTS[drift][0]
    statuses = _check(_demo_pages({"drift": {kind: drift}}))
    name = f"{kind}.{drift}"
    assert statuses[name] in ("missing", "unexpected"), statuses
    broken = {n for n, status in statuses.items() if status != "ok"}
    allowed = {name, "listing.links", "listing.notice"} if drift == "rows" else {name}
    if drift == "links":
        allowed |= {"listing.notice"}  # the notice row is a row without a link, too
    if drift == "file_block":
        allowed |= {"article.file_placeholder", "article.download_links"}
    assert broken <= allowed, statuses


@pytest.mark.parametrize(
    ("faults", "element"),
    [
        ({"drift": {"listing": "total"}}, "listing.total"),
        ({"drift": {"article": "date_label"}}, "article.date_label"),
        ({"drift": {"article": "body"}}, "article.body"),
        ({"charsets": {"article": "utf-7"}}, "article.encoding"),
    ],
)
def test_check_site_names_the_broken_element_and_exits_1(faults: dict, element: str) -> None:
    with demo_site("--articles", "30", "--faults", json.dumps(faults)) as base:
        done = check_site("--base-url", base, "--boards", "recent", "--articles", "2")
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    statuses = report_lines(done.stdout)
    assert statuses[element] in ("missing", "unexpected"), done.stdout
    assert [n for n, s in statuses.items() if s != "ok" and n in MANDATORY] == [element]
    assert f"FAILED: mandatory elements not ok: {element};" in done.stdout


def test_an_unreachable_port_exits_2_with_the_reason() -> None:
    done = check_site("--base-url", "http://127.0.0.1:9", "--boards", "recent")
    assert done.returncode == 2, done.stdout + done.stderr[-2000:]
    assert "unreachable: refused: the host refused the connection" in done.stdout


def test_a_site_answering_an_error_status_exits_2_with_the_status() -> None:
    faults = {"unavailable": {"listing": 1000}}
    with demo_site("--articles", "30", "--faults", json.dumps(faults)) as base:
        done = check_site("--base-url", base, "--boards", "recent")
    assert done.returncode == 2, done.stdout + done.stderr[-2000:]
    assert "unreachable: HTTP status: HTTP 503 for recent listing page 1" in done.stdout


# Fields of a record that a check and a crawl of the same pages must agree on (not the
# fetch's own: time, Hit counter, attachment files downloaded or not).
SAME = ("id", "board_id", "url", "section", "board", "title", "title_raw", "title_truncated",
        "published", "published_raw", "subtitles", "body", "byline_raw", "authors", "copyright")


def _archive_records(db: Path) -> dict[str, dict]:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        rows = connection.execute("select * from articles").fetchall()
    finally:
        connection.close()
    out = {}
    for row in rows:
        record = {}
        for key in SAME:
            value = row[key] if key in row.keys() else None
            if isinstance(value, str) and value.startswith(("[", "{")):
                value = json.loads(value)
            record[key] = value
        record["images"] = [(i["url"], i.get("caption")) for i in json.loads(row["images"] or "[]")]
        out[record["id"]] = record
    return out


def test_a_bundle_replays_into_the_records_of_a_crawl(tmp_path: Path) -> None:
    bundle = tmp_path / "check.warc.gz"
    with demo_site("--articles", "60") as base:
        done = check_site("--base-url", base, "--articles", "4", "--bundle", str(bundle))
        assert done.returncode == 0, done.stdout + done.stderr[-3000:]
        crawl = run_crawl(tmp_path / "crawl", "-a", f"base_url={base}", "-a", "max_pages=1",
                          "-s", "NEWSZONE_FILES_ENABLED=0")
    assert crawl.returncode == 0, crawl.log[-3000:]
    report = bundle_report(bundle)
    assert report["exit_code"] == 0 and report["software"].startswith("newszone-crawler")
    pages = bundle_pages(bundle)
    articles = [url for url, status, _, _ in pages if "command=view" in url and status == 200]
    assert len(articles) == 12
    # offline, the bundle gives the same report
    again = replay(bundle)
    assert not failed(summarize(again.elements))
    assert [s.line() for s in summarize(again.elements)] == [
        s.line() for s in summarize(check_site_elements(report))
    ]
    offline = check_site("--replay", str(bundle))
    assert offline.returncode == 0 and set(report_lines(offline.stdout).values()) == {"ok"}
    rebuilt = tmp_path / "rebuilt.sqlite"
    done = subprocess.run(
        [sys.executable, "-m", "newszone_crawler", "rebuild", "--from-warc", str(bundle),
         "--db", str(rebuilt)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    replayed = _archive_records(rebuilt)
    crawled = _archive_records(tmp_path / "crawl" / "newszone.sqlite")
    assert len(replayed) == 12
    assert replayed == {key: crawled[key] for key in replayed}


def check_site_elements(report: dict):
    from newszone_crawler.parsing.conformance import Element

    return [Element(**page) for page in report["pages"]]


def test_a_crawl_meeting_drifted_listing_links_fails_with_the_element_name(tmp_path: Path) -> None:
    """Listing rows whose article links changed shape: the run fails naming
    ``listing.links``, as check-site reports it (it failed before, without the name)."""
    faults = json.dumps({"drift": {"listing": ["links"]}})
    result = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=20",
                       "-a", f"demo_faults={faults}")
    assert result.returncode == 1, result.log[-3000:]
    status = next(line for line in result.log.splitlines() if "Run status:" in line)
    drifted = result.stat("newszone/conformance/listing.links")
    assert drifted >= 3  # page 1 of each board at least
    assert f"template drift: listing.links on {drifted} page(s)" in status, status


def test_a_crawl_meeting_a_listing_without_total_names_it(tmp_path: Path) -> None:
    """A listing that lost its ``Total`` count is still walked (records all there, exit 0, as
    before), and the drift is named in a warning, as check-site names it."""
    faults = json.dumps({"drift": {"listing": ["total", "notice"]}})
    result = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=20",
                       "-a", f"demo_faults={faults}")
    assert result.returncode == 0, result.log[-3000:]
    assert len(result.records) == 20
    drifted = result.stat("newszone/conformance/listing.total")
    assert drifted >= 3
    assert (f"Listing pages drifted from the template (the walk went on without these): "
            f"template drift: listing.total on {drifted} page(s)") in result.log
    assert "listing.notice" not in result.log  # optional elements are not drift


def test_a_crawl_meeting_drifted_articles_names_the_element(tmp_path: Path) -> None:
    site = DemoSite(20)
    broken = [site.ids("recent")[0], site.ids("recent")[1]]
    faults = json.dumps({"drift": {seq: "body" for seq in broken}})
    result = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=20",
                       "-a", f"demo_faults={faults}")
    assert result.returncode == 2, result.log[-3000:]
    status = next(line for line in result.log.splitlines() if "Run status:" in line)
    assert ("2 article page(s) did not look as expected (template drift: article.body on 2 "
            "page(s))") in status, status
