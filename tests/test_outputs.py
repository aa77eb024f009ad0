"""What a run leaves behind, as a Scrapy user and an archivist expect it (issue 12, findings 4,
5 and 7): ``-O`` gets every record the run fetched, each marked with its outcome, while the
run's own JSON lines keep the new and changed ones; a run with nothing to do leaves no empty
file; one run id names every output; manifests survive a move of the output folder; the WACZ
(made on demand) lists every article page under its title."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from newszone_crawler.__main__ import main
from newszone_crawler.demo_site import DemoSite
from newszone_crawler.exporters.warc import sha256_file

from .conftest import ROOT, CrawlResult, run_crawl

ARTICLES = 30


def crawl_default_feed(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A crawl without ``-o``/``-O``: the run's own JSON lines go to ``out/items``."""
    settings = [
        "-s", f"NEWSZONE_DB={out / 'newszone.sqlite'}",
        "-s", f"NEWSZONE_WARC_DIR={out / 'warc'}",
        "-s", f"NEWSZONE_MANIFEST_DIR={out / 'manifests'}",
        "-s", f"FILES_STORE={out / 'files'}",
        "-s", f"NEWSZONE_JSONL={out / 'items'}/newszone-%(run_id)s.jsonl",
    ]  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "newszone", "-a", "demo=1",
         "-a", f"demo_articles={ARTICLES}", *args, *settings],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )


def run_of_warc(path: Path) -> str | None:
    """``isPartOf`` of a WARC file's ``warcinfo`` record: the run that wrote it."""
    with open(path, "rb") as fh:
        info = next(iter(ArchiveIterator(fh)))
        for line in info.content_stream().read().decode("utf-8").splitlines():
            name, _, value = line.partition(":")
            if name == "isPartOf":
                return value.strip()
    return None


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CrawlResult, CrawlResult]:
    """A first crawl, then a full re-crawl in which one article was edited."""
    tmp = tmp_path_factory.mktemp("outputs")
    first = run_crawl(tmp, "-a", "demo=1", "-a", f"demo_articles={ARTICLES}", out="first.jsonl")
    assert first.returncode == 0, first.log[-3000:]
    second = run_crawl(tmp, "-a", "demo=1", "-a", f"demo_articles={ARTICLES}", "-a", "mode=full",
                       "-a", "demo_edits=7:1", out="second.jsonl")
    assert second.returncode == 0, second.log[-3000:]
    return tmp, first, second


# -- finding 4: -O gets every record the run fetched -------------------------------------------


def test_O_gets_every_record_the_run_fetched_marked(two_runs) -> None:
    _, first, second = two_runs
    assert len(first.fetched) == first.stat("newszone/article/parsed") == ARTICLES
    assert Counter(r["outcome"] for r in first.fetched) == {"new": ARTICLES}
    # the full re-crawl fetched every article again: -O holds them all, marked
    assert len(second.fetched) == second.stat("newszone/article/parsed") == ARTICLES
    marks = Counter(r["outcome"] for r in second.fetched)
    assert marks == {"unchanged": ARTICLES - 1, "changed": 1}, marks
    edited = DemoSite(ARTICLES).truth(7)["id"]
    assert [r["id"] for r in second.fetched if r["outcome"] == "changed"] == [edited]
    assert sorted(r["id"] for r in second.fetched) == sorted(DemoSite(ARTICLES).all_ids())


def test_the_runs_own_file_keeps_new_and_changed_only(tmp_path: Path) -> None:
    first = crawl_default_feed(tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    second = crawl_default_feed(tmp_path, "-a", "mode=full", "-a", "demo_edits=1:1")
    assert second.returncode == 0, second.stderr[-3000:]
    files = sorted((tmp_path / "items").glob("*.jsonl"))
    assert len(files) == 2
    counts = [Counter(json.loads(line)["outcome"] for line in f.read_text("utf-8").splitlines())
              for f in files]
    assert counts == [{"new": ARTICLES}, {"changed": 1}], counts


# -- finding 5: a run with nothing to do writes no file -----------------------------------------


def test_a_run_with_nothing_to_do_leaves_no_empty_file(tmp_path: Path) -> None:
    first = crawl_default_feed(tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    before = files_under(tmp_path)
    again = crawl_default_feed(tmp_path)  # incremental: nothing new on the demo site
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Run status: ok" in again.stderr
    new = sorted(files_under(tmp_path) - before)
    assert new == [], new  # no items file, WARC, CDXJ, WACZ or manifest
    with sqlite3.connect(tmp_path / "newszone.sqlite") as conn:  # the run is still on record
        assert conn.execute("SELECT count(*), max(status) FROM runs").fetchone() == (2, "ok")


def test_a_default_run_makes_no_wacz_and_the_command_does(tmp_path: Path) -> None:
    first = crawl_default_feed(tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    assert not list((tmp_path / "warc").glob("*.wacz"))
    per_run = crawl_default_feed(tmp_path, "-a", "mode=full", "-s", "NEWSZONE_WACZ_PER_RUN=True")
    assert per_run.returncode == 0, per_run.stderr[-3000:]
    assert len(list((tmp_path / "warc").glob("*.wacz"))) == 1


# -- finding 7: outputs that relate -------------------------------------------------------------


def test_one_run_id_names_every_output(two_runs) -> None:
    tmp, _, _ = two_runs
    with sqlite3.connect(tmp / "newszone.sqlite") as conn:
        run_ids = [row[0] for row in conn.execute("SELECT id FROM runs ORDER BY started_at")]
    assert len(run_ids) == 2
    warcs = sorted((tmp / "warc").glob("*.warc.gz"))
    assert warcs
    for run_id in run_ids:
        mine = [w for w in warcs if w.name.startswith(f"newszone-{run_id}-")]
        assert mine, (run_id, [w.name for w in warcs])
        assert {run_of_warc(w) for w in mine} == {run_id}
        assert (tmp / "warc" / mine[0].name.replace(".warc.gz", ".cdxj")).exists()
        manifest = json.loads((tmp / "manifests" / f"{run_id}.json").read_text("utf-8"))
        assert manifest["run_id"] == run_id
        listed = {Path(e["path"]).name for e in manifest["files"]}
        assert {w.name for w in mine} <= listed
    with sqlite3.connect(tmp / "newszone.sqlite") as conn:
        pointed = {row[0] for row in conn.execute("SELECT DISTINCT warc_file FROM articles")}
    assert pointed <= {w.name for w in warcs}


def test_manifests_stay_valid_when_the_output_folder_moves(two_runs, tmp_path: Path) -> None:
    tmp, _, _ = two_runs
    moved = tmp_path / "moved"
    shutil.copytree(tmp, moved)
    for manifest in (moved / "manifests").glob("*.json"):
        for entry in json.loads(manifest.read_text("utf-8"))["files"]:
            assert not os.path.isabs(entry["path"]), entry["path"]
            path = moved / entry["path"]
            assert path.stat().st_size == entry["bytes"] and sha256_file(path) == entry["sha256"]


def test_wacz_lists_every_article_page_with_its_title(two_runs, tmp_path: Path) -> None:
    tmp, first, _ = two_runs
    with sqlite3.connect(tmp / "newszone.sqlite") as conn:
        (run_id,) = conn.execute("SELECT id FROM runs ORDER BY started_at LIMIT 1").fetchone()
    target = tmp_path / "first.wacz"
    assert main(["wacz", "--runs", run_id, "--warc-dir", str(tmp / "warc"),
                 "--db", str(tmp / "newszone.sqlite"), "-o", str(target)]) == 0
    with zipfile.ZipFile(target) as wacz:
        lines = wacz.read("pages/pages.jsonl").decode("utf-8").splitlines()
    pages = [json.loads(line) for line in lines[1:]]
    titles = {r["fetched_url"]: r["title"] for r in first.fetched}
    assert sorted(p["url"] for p in pages) == sorted(titles)  # every article page, once
    assert all(p["title"] == titles[p["url"]] for p in pages)
    assert main(["wacz", "--runs", "no-such-run", "--warc-dir", str(tmp / "warc")]) == 1


def test_photos_point_at_their_capture_with_a_sha256(two_runs) -> None:
    tmp, first, _ = two_runs
    images = [i for r in first.fetched for i in r["images"]]
    assert images, "the demo site's photo posts have photos"
    assert {i["status"] for i in images} == {"captured"}, Counter(i["status"] for i in images)
    with sqlite3.connect(tmp / "newszone.sqlite") as conn:
        stored = conn.execute("SELECT count(*) FROM images WHERE sha256 IS NOT NULL"
                              " AND warc_file IS NOT NULL AND warc_offset IS NOT NULL").fetchone()
    assert stored == (len({(r["id"], i["url"]) for r in first.fetched for i in r["images"]}),)
    for image in images:
        with open(tmp / "warc" / image["warc_file"], "rb") as fh:
            fh.seek(image["warc_offset"])
            record = next(iter(ArchiveIterator(fh)))
            body = record.content_stream().read()
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Target-URI") == image["url"]
        assert record.rec_headers.get_header("WARC-Record-ID") == image["warc_record_id"]
        assert hashlib.sha256(body).hexdigest() == image["sha256"] and len(body) == image["bytes"]
