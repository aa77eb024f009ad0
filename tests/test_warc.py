"""WARC capture of a demo crawl: valid files, every article's capture found by its row and by
the CDXJ index, a WACZ of the run (``python -m newszone_crawler wacz``) and a manifest per
run, and replay through pywb."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from newszone_crawler.__main__ import main
from newszone_crawler.demo_site import DemoSite
from newszone_crawler.exporters.warc import sha256_file

from .conftest import CrawlResult, run_crawl


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CrawlResult]:
    tmp = tmp_path_factory.mktemp("warc")
    return tmp, run_crawl(tmp, "-a", "demo=1", "-a", "demo_articles=60")


def warcs(tmp: Path) -> list[Path]:
    return sorted((tmp / "warc").glob("*.warc.gz"))


def test_crawl_leaves_closed_warcs_that_warcio_accepts(crawl: tuple[Path, CrawlResult]) -> None:
    tmp, result = crawl
    assert result.returncode == 0, result.log[-2000:]
    files = warcs(tmp)
    assert files and not list((tmp / "warc").glob("*.open"))
    check = subprocess.run([os.path.join(os.path.dirname(os.sys.executable), "warcio"), "check",
                            *map(str, files)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr


def test_every_response_is_a_request_response_pair(crawl: tuple[Path, CrawlResult]) -> None:
    tmp, _ = crawl
    types, responses, concurrent, uris = [], set(), set(), []
    for path in warcs(tmp):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                types.append(record.rec_type)
                if record.rec_type == "response":
                    responses.add(record.rec_headers.get_header("WARC-Record-ID"))
                    uris.append(record.rec_headers.get_header("WARC-Target-URI"))
                if record.rec_type == "request":
                    concurrent.add(record.rec_headers.get_header("WARC-Concurrent-To"))
                if record.rec_type == "warcinfo":
                    assert b"newszone-crawler" in record.content_stream().read()
    assert types[0] == "warcinfo"
    assert responses == concurrent
    assert any(uri.endswith("/robots.txt") for uri in uris)  # robots.txt is captured too
    assert any("/upload/news/" in uri for uri in uris)  # and the photos
    with sqlite3.connect(tmp / "newszone.sqlite") as conn:
        listing_and_articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert len(responses) > listing_and_articles


def test_every_stored_article_points_at_its_capture(crawl: tuple[Path, CrawlResult]) -> None:
    tmp, _ = crawl
    with sqlite3.connect(tmp / "newszone.sqlite") as conn:
        rows = conn.execute(
            "SELECT id, fetched_url, title, warc_file, warc_record_id, warc_offset FROM articles"
        ).fetchall()
    assert len(rows) == len(DemoSite(60).all_ids())
    for seq, url, title, warc_file, record_id, offset in rows:
        with open(tmp / "warc" / warc_file, "rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_headers.get_header("WARC-Record-ID") == record_id
            assert record.rec_headers.get_header("WARC-Target-URI") == url
            assert f"boardSeq={seq}".encode() in url.encode()
            assert record.http_headers.get_statuscode() == "200"


def test_cdxj_index_finds_each_article(crawl: tuple[Path, CrawlResult]) -> None:
    tmp, _ = crawl
    indexed = {}
    for cdxj in (tmp / "warc").glob("*.cdxj"):
        for line in cdxj.read_text("utf-8").splitlines():
            fields = json.loads(line.split(" ", 2)[2])
            indexed[fields["url"]] = fields
    with sqlite3.connect(tmp / "newszone.sqlite") as conn:
        for url, warc_file, offset in conn.execute(
            "SELECT fetched_url, warc_file, warc_offset FROM articles"
        ):
            assert indexed[url]["filename"] == warc_file
            assert int(indexed[url]["offset"]) == offset


def test_manifest_lists_every_file_with_its_sha256(crawl: tuple[Path, CrawlResult]) -> None:
    tmp, _ = crawl
    (manifest,) = (tmp / "manifests").glob("*.json")
    entries = json.loads(manifest.read_text("utf-8"))["files"]
    listed = {Path(e["path"]).name for e in entries}
    on_disk = {p.name for p in (tmp / "warc").iterdir()}
    assert on_disk <= listed
    assert "items.jsonl" in listed
    for entry in entries:  # paths relative to the output folder (the manifests' parent)
        assert sha256_file(tmp / entry["path"]) == entry["sha256"]
        assert (tmp / entry["path"]).stat().st_size == entry["bytes"]


def test_wacz_packages_the_run(crawl: tuple[Path, CrawlResult]) -> None:
    tmp, _ = crawl
    assert not list((tmp / "warc").glob("*.wacz"))  # not per run by default (disk)
    assert main(["wacz", "--all", "--warc-dir", str(tmp / "warc"),
                 "--db", str(tmp / "newszone.sqlite")]) == 0
    (wacz,) = (tmp / "warc").glob("*.wacz")
    names = zipfile.ZipFile(wacz).namelist()
    assert "datapackage.json" in names
    assert any(n.startswith("archive/") and n.endswith(".warc.gz") for n in names)
    assert any(n.startswith("indexes/") for n in names)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_pywb_replays_an_article_from_the_warc(crawl: tuple[Path, CrawlResult], tmp_path: Path) -> None:
    pywb = Path(os.environ.get("PYWB_BIN", Path(__file__).resolve().parent.parent / ".venv-pywb" / "bin"))
    assert (pywb / "wayback").exists(), "pywb is missing: `make test` installs it into .venv-pywb"
    tmp, result = crawl
    record = next(r for r in result.records if r["body"])
    subprocess.run([pywb / "wb-manager", "init", "demo"], cwd=tmp_path, check=True,
                   capture_output=True)
    subprocess.run([pywb / "wb-manager", "add", "demo", *map(str, warcs(tmp))], cwd=tmp_path,
                   check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen([pywb / "wayback", "-p", str(port), "-b", "127.0.0.1"],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/demo/2000id_/{record['fetched_url']}"
        deadline, page = time.monotonic() + 60, ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    page = response.read().decode(response.headers.get_content_charset() or "utf-8")
                break
            except OSError:
                time.sleep(0.5)
        first_paragraph = record["body"].split("\n\n")[0]
        assert first_paragraph[:60] in page.replace("&#x27;", "'").replace("&quot;", '"')
    finally:
        server.terminate()
        server.wait(timeout=20)
