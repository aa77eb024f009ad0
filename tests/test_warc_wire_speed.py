"""The WARC extras at wire speed (issue 13, item 5): the records are written in the writer's
own thread, in the order submitted, each at an exact offset; the CDXJ line of each response and
the sha256 of each file are kept while writing, so the close reads nothing back: the index
written from memory is the one ``cdxj-indexer`` makes by reading the file, and the manifest's
sha256 is the file's."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from newszone_crawler.exporters.warc import Exchange, WarcWriter, cdxj_of, index_cdxj

from .conftest import ROOT
from .test_warc_faults import WarcWriteError, exchange, small_disk


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _indexed_by_reading(warc: Path, folder: Path) -> bytes:
    """What cdxj-indexer writes for a copy of ``warc`` (same name, another folder)."""
    folder.mkdir(exist_ok=True)
    copy = folder / warc.name
    shutil.copyfile(warc, copy)
    return index_cdxj(copy).read_bytes()


def _page(number: int, **changes: object) -> Exchange:
    base = Exchange(
        url=f"http://127.0.0.1:8000/user/boardList.action?command=view&boardSeq=O_{number}",
        method="GET", request_headers=[("Accept", "text/html")], request_body=b"", status=200,
        response_headers=[("Content-Type", "text/html; charset=UTF-8")],
        payload=b"<html><p>words</p></html>" * (number + 1),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


# every header shape the index must render as the indexer reads it back from the file
_SHAPES = [
    _page(1),
    _page(2, response_headers=[]),  # no Content-Type: no "mime"
    _page(3, response_headers=[("Content-Type", "")]),  # empty: "mime": ""
    _page(4, response_headers=[("Content-Type", "  text/plain ;q=1")]),  # spaces around
    _page(5, response_headers=[("content-type", "IMAGE/JPEG")], payload=b"\xff\xd8" + bytes(3000)),
    _page(6, response_headers=[("Content-Type", "text/html; name=\u00e9t\u00e9")]),  # not ASCII
    _page(7, response_headers=[("Content-Type", ";charset=utf-8")]),
    _page(8, status=404, response_headers=[("Content-Type", "text/html")]),
    _page(9, status=599, response_headers=[("Content-Type", "text/html")]),  # no reason phrase
    _page(10, url="http://WWW.Example.COM:8080/a%20b/?z=1&a=2#frag"),
    _page(11, response_headers=[("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")]),
    _page(12, truncated="disconnect", ip_address="127.0.0.1"),
    _page(13, url="http://127.0.0.1:8000/robots.txt", response_headers=[("Content-Type", "text/plain")]),
]


def test_the_cdxj_index_from_memory_is_cdxj_indexers_byte_for_byte(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path / "warc", "run-1", max_size=30_000)  # several files
    for shape in _SHAPES * 3:
        writer.write(shape)
    files = writer.close()
    assert len(files) > 1
    for warc in files:
        index, size, sha256 = writer.write_index(warc)
        data = index.read_bytes()
        assert data == _indexed_by_reading(warc, tmp_path / "read"), warc.name
        assert (size, sha256) == (len(data), hashlib.sha256(data).hexdigest())
        assert len(data.splitlines()) == sum(1 for line in data.splitlines() if b'"offset"' in line)


def test_a_finished_file_is_indexed_when_it_rolls_over_and_its_lines_are_let_go(
    tmp_path: Path,
) -> None:
    # only the open file's CDXJ lines stay in memory: a crawl of any size keeps at most one
    # file's worth (NEWSZONE_WARC_MAX_SIZE), not every response's line until the close
    writer = WarcWriter(tmp_path / "warc", "run-1", max_size=30_000)
    for shape in _SHAPES * 3:
        writer.write(shape)
    finished = list(writer.files)
    assert finished, "the writes should have rolled over at least once"
    for warc in finished:
        assert cdxj_of(warc).read_bytes() == _indexed_by_reading(warc, tmp_path / "read")
    assert all(not isinstance(kept, list) for kept in writer._indexes.values())
    writer.close()


def test_a_post_or_a_record_the_writer_cannot_index_is_indexed_by_reading(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path / "warc", "run-1")
    writer.write(_page(1))
    writer.write(_page(2, method="POST", request_body=b"a=1&b=2",
                       request_headers=[("Content-Type", "application/x-www-form-urlencoded")]))
    (warc,) = writer.close()
    index, _, sha256 = writer.write_index(warc)
    assert index.read_bytes() == _indexed_by_reading(warc, tmp_path / "read")
    assert b"__wb_method=post" in index.read_bytes() and sha256 == _sha256(index)


def test_submitted_records_are_written_in_order_in_the_writers_thread(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path / "warc", "run-1", max_size=200_000)
    threads: set[str] = set()
    write = writer.write

    def noting(one: Exchange):  # type: ignore[no-untyped-def]
        threads.add(threading.current_thread().name)
        return write(one)

    writer.write = noting  # type: ignore[method-assign]
    sent = [_page(n) if n % 3 else exchange(n, size=(n * 7919) % 40_000 + 1) for n in range(120)]
    futures = [writer.submit(one) for one in sent]
    files = writer.close()  # waits for every submitted record
    where = [future.result() for future in futures]
    assert threads and all(name.startswith("warc-writer") for name in threads)
    assert len(files) > 1
    # the order submitted, file after file, each offset the start of its own response record
    assert [(w.warc_file, w.warc_offset) for w in where] == sorted(
        (w.warc_file, w.warc_offset) for w in where)
    for one, at in zip(sent, where, strict=True):
        with open(tmp_path / "warc" / at.warc_file, "rb") as fh:
            fh.seek(at.warc_offset)
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Record-ID") == at.warc_record_id
            assert record.rec_headers.get_header("WARC-Target-URI") == one.url
            assert record.content_stream().read() == one.payload
    for warc in files:
        assert writer.digests[warc] == (warc.stat().st_size, _sha256(warc))


def test_a_failed_write_in_the_thread_reaches_its_future_and_the_digest_stays_true(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "small"
    with small_disk(folder, 256 * 1024):
        writer = WarcWriter(folder, "run-1")
        futures = [writer.submit(exchange(number)) for number in range(40)]
        files = writer.close()
        outcomes = [f.exception() or f.result() for f in futures]
        failed = [o for o in outcomes if isinstance(o, BaseException)]
        assert failed and all(isinstance(o, WarcWriteError) for o in failed)
        (warc,) = files
        # the file was cut back after each failed write: its running sha256 saw only whole pairs
        assert writer.digests[warc] == (warc.stat().st_size, _sha256(warc))
        index, _, _ = writer.write_index(warc)
        index_copy = index.read_bytes()
        warc_copy = tmp_path / "copy" / warc.name  # the small disk goes with its mount
        warc_copy.parent.mkdir()
        shutil.copyfile(warc, warc_copy)
    assert index_copy == _indexed_by_reading(warc_copy, tmp_path / "read")
    assert len(index_copy.splitlines()) == 40 - len(failed)


# -- a real crawl: the close reads nothing back --------------------------------------------------

_PROBE = """
import json, os, sys, threading
sys.path.insert(0, {root!r})

def plant():
    from scrapy.utils.reactor import install_reactor
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")  # first
    from newszone_crawler.exporters import warc
    from newszone_crawler import extensions, middlewares
    log = open(os.environ["WARC_PROBE_LOG"], "a", buffering=1)

    def note(kind, value):
        log.write(json.dumps([kind, str(value)]) + "\\n")

    sha256_file, index_cdxj, write = warc.sha256_file, warc.index_cdxj, warc.WarcWriter.write
    def hashing(path):
        note("sha256_file", path)
        return sha256_file(path)
    def indexing(path):
        note("index_cdxj", path)
        return index_cdxj(path)
    def writing(self, exchange):
        note("write", threading.current_thread().name)
        return write(self, exchange)
    warc.sha256_file = extensions.sha256_file = hashing
    warc.index_cdxj = middlewares.index_cdxj = indexing
    warc.WarcWriter.write = writing

if __name__ == "__main__":  # not in the extraction workers, which import this file again
    plant()
    from scrapy.cmdline import execute
    sys.argv = ["scrapy", *sys.argv[1:]]
    execute()
"""


@pytest.fixture(scope="module")
def probed_crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[list[str]], str]:
    tmp = tmp_path_factory.mktemp("probed")
    probe = tmp / "probe.py"
    probe.write_text(_PROBE.format(root=str(ROOT)), "utf-8")
    log = tmp / "probe.log"
    proc = subprocess.run(
        [sys.executable, str(probe), "crawl", "newszone", "-a", "demo=1", "-a",
         "demo_articles=12", "-s", "LOG_LEVEL=INFO",
         "-s", f"NEWSZONE_DB={tmp / 'newszone.sqlite'}", "-s", f"NEWSZONE_WARC_DIR={tmp / 'warc'}",
         "-s", f"NEWSZONE_MANIFEST_DIR={tmp / 'manifests'}", "-s", f"FILES_STORE={tmp / 'files'}",
         "-s", f"NEWSZONE_JSONL={tmp / 'items' / 'newszone-%(run_id)s.jsonl'}"],
        cwd=ROOT, env={**os.environ, "WARC_PROBE_LOG": str(log)}, capture_output=True,
        text=True, timeout=300, check=False,
    )
    output = proc.stderr + proc.stdout
    assert proc.returncode == 0, output[-3000:]
    calls = [json.loads(line) for line in log.read_text("utf-8").splitlines()]
    return tmp, calls, output


def test_the_crawl_writes_its_warc_records_off_the_reactor_thread(probed_crawl) -> None:
    tmp, calls, _ = probed_crawl
    threads = [name for kind, name in calls if kind == "write"]
    assert len(threads) > 20
    assert all(name.startswith("warc-writer") for name in threads), set(threads)


def test_the_crawls_close_reads_no_warc_index_or_attachment_back(probed_crawl) -> None:
    tmp, calls, _ = probed_crawl
    warcs = sorted((tmp / "warc").glob("*.warc.gz"))
    assert warcs and list((tmp / "files").rglob("*.*"))
    assert [path for kind, path in calls if kind == "index_cdxj"] == []
    hashed = [Path(path) for kind, path in calls if kind == "sha256_file"]
    # only the JSON lines feed, which Scrapy's feed exporter writes, is hashed at the close
    assert all(path.suffix == ".jsonl" for path in hashed), hashed
    for warc in warcs:
        index = warc.with_name(warc.name.removesuffix(".warc.gz") + ".cdxj")
        assert index.read_bytes() == _indexed_by_reading(warc, tmp / "read")


def test_the_manifest_sha256_is_each_files_own(probed_crawl) -> None:
    tmp, _, _ = probed_crawl
    (manifest,) = (tmp / "manifests").glob("*.json")
    entries = json.loads(manifest.read_text("utf-8"))["files"]
    kinds = {Path(e["path"]).suffix for e in entries}
    assert {".gz", ".cdxj", ".jsonl"} <= kinds and len(kinds) > 3  # attachments too
    for entry in entries:
        path = tmp / entry["path"]
        assert (entry["bytes"], entry["sha256"]) == (path.stat().st_size, _sha256(path)), path
