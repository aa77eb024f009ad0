"""The WARC files survive storage faults: a full disk while writing (``WarcWriter`` cuts a
failed write back to the last whole record and goes on), and a run killed mid-write (the next
run finishes its ``.open`` file and unlinks the archive rows whose capture was cut off).

The full disk is a small tmpfs when ``mount -t tmpfs`` works (root), else a file-size limit
(``RLIMIT_FSIZE``; Python ignores ``SIGXFSZ``, so writes past it fail with ``EFBIG``).
"""

from __future__ import annotations

import errno
import os
import resource
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from newszone_crawler.demo_site import DemoSite
from newszone_crawler.exporters import warc as warc_module
from newszone_crawler.exporters.warc import (
    OPEN_SUFFIX,
    Exchange,
    WarcWriter,
    index_cdxj,
    package_wacz,
)
from newszone_crawler.rebuild import scan_warcs

# read from the module when used, so that the crawl tests also run (and fail on their
# assertions) against code that lacks these
WarcWriteError = getattr(warc_module, "WarcWriteError", OSError)
check_warc = getattr(warc_module, "check_warc", None)
finish_open_warc = getattr(warc_module, "finish_open_warc", None)

from .conftest import run_crawl

WARCIO = os.path.join(os.path.dirname(sys.executable), "warcio")


def warcio_check(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([WARCIO, "check", *map(str, paths)], capture_output=True, text=True,
                          check=False)


def read_records(path: Path) -> list[tuple[str, int, int]]:
    """(type, offset, content bytes) of every record; asserts each holds its whole
    Content-Length (warcio itself reads a cut record without complaint)."""
    out = []
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        for record in records:
            body = record.content_stream().read()
            declared = int(record.rec_headers.get_header("Content-Length"))
            assert record.length == declared
            out.append((record.rec_type, records.get_record_offset(), len(body)))
    return out


def _try_tmpfs(folder: Path, size: int) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, check=False)
    return proc.returncode == 0


@contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    """Files written by this process (and children started meanwhile) cannot grow past
    ``limit`` bytes: writes fail with EFBIG."""
    old = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, old[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old)


@contextmanager
def small_disk(folder: Path, size: int) -> Iterator[str]:
    """``folder`` with room for about ``size`` bytes: ``"tmpfs"`` or ``"rlimit"``."""
    if _try_tmpfs(folder, size):
        try:
            yield "tmpfs"
        finally:
            subprocess.run(["umount", "--lazy", str(folder)], check=True)  # even if a file is open
    else:
        with file_size_limit(size):
            yield "rlimit"


def exchange(number: int, size: int = 20_000) -> Exchange:
    return Exchange(
        url=f"http://127.0.0.1:8000/user/boardList.action?command=download&fileSeq={number}",
        method="GET", request_headers=[("Accept", "*/*")], request_body=b"", status=200,
        response_headers=[("Content-Type", "application/octet-stream")],
        payload=os.urandom(size),  # incompressible: the gzip member is as big as the payload
    )


# -- the writer on a full disk -----------------------------------------------------------------


def test_a_full_disk_leaves_only_whole_records_and_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "small"
    with small_disk(folder, 256 * 1024) as kind:
        writer = WarcWriter(folder, "run-1")
        written, errors = [], []
        for number in range(40):  # ~800 kB into 256 kB
            try:
                written.append(writer.write(exchange(number)))
            except WarcWriteError as exc:
                errors.append(exc)
        (open_file,) = folder.glob(f"*{OPEN_SUFFIX}")
        found = check_warc(open_file)  # before close: nothing half-written stays in the file
        files = writer.close()
        assert 5 < len(written) < 15 and len(errors) == 40 - len(written)
        assert errors[0].path == open_file
        expected = errno.ENOSPC if kind == "tmpfs" else errno.EFBIG
        assert all(isinstance(e.cause, OSError) and e.cause.errno == expected for e in errors)
        assert open_file.name in str(errors[0])
        assert ("No space left on device" if kind == "tmpfs" else "File too large") in str(errors[0])
        assert not found.damaged and found.records == 1 + 2 * len(written)
        (warc,) = files
        assert warc.stat().st_size == found.end
        copy = tmp_path / warc.name  # the tmpfs goes with its mount: check a copy
        copy.write_bytes(warc.read_bytes())
    records = read_records(copy)
    assert [t for t, _, _ in records] == ["warcinfo"] + ["response", "request"] * len(written)
    offsets = [o for t, o, _ in records if t == "response"]
    assert offsets == [w.warc_offset for w in written]
    # what was written can be checked, indexed and packaged (on roomier disk)
    check = warcio_check(copy)
    assert check.returncode == 0, check.stdout + check.stderr
    assert len(index_cdxj(copy).read_text().splitlines()) == len(written)  # one per response
    assert package_wacz([copy], tmp_path / "run.wacz", title="t").stat().st_size > 0


def test_after_a_failed_write_the_file_goes_on_with_whole_records(tmp_path: Path) -> None:
    folder = tmp_path / "small"
    with small_disk(folder, 128 * 1024):
        writer = WarcWriter(folder, "run-1")
        first = writer.write(exchange(1))
        with pytest.raises(WarcWriteError):
            writer.write(exchange(2, size=200_000))  # more than the room left
        third = writer.write(exchange(3, size=5_000))  # room enough for this one
        (warc,) = writer.close()
        records = read_records(warc)
    assert [t for t, _, _ in records] == ["warcinfo", "response", "request", "response", "request"]
    assert [o for t, o, _ in records if t == "response"] == [first.warc_offset, third.warc_offset]
    assert [n for t, _, n in records if t == "response"] == [20_000, 5_000]


def test_a_warcinfo_that_does_not_fit_leaves_no_file(tmp_path: Path) -> None:
    folder = tmp_path / "small"
    with small_disk(folder, 4096) as kind:
        if kind == "tmpfs":
            filler = folder / "filler"
            with pytest.raises(OSError):
                with open(filler, "wb") as fh:
                    while True:
                        fh.write(b"x" * 4096)
                        fh.flush()
        writer = WarcWriter(folder, "run-1", extra_info={"note": os.urandom(8192).hex()})
        with pytest.raises(WarcWriteError):
            writer.write(exchange(1, size=100))
        assert not list(folder.glob("*.warc.gz*"))
        assert writer.close() == []


# -- finishing a killed run's file -------------------------------------------------------------


def _cut_copies(source: Path, folder: Path, cuts: list[int]) -> Iterator[tuple[int, Path]]:
    data = source.read_bytes()
    for cut in cuts:
        path = folder / f"cut{cut}" / (source.name + OPEN_SUFFIX)
        path.parent.mkdir()
        path.write_bytes(data[:cut])
        yield cut, path


def test_finish_open_warc_keeps_every_whole_record_at_any_cut(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path / "warc", "run-1")
    for number in range(4):
        writer.write(exchange(number, size=1_500))
    (warc,) = writer.close()
    whole = read_records(warc)
    starts = [o for _, o, _ in whole] + [warc.stat().st_size]
    size = warc.stat().st_size
    cuts = sorted({*range(1, size, 61), *starts[1:], *(s - 1 for s in starts[1:]),
                   *(s + 1 for s in starts[1:-1])})
    for cut, path in _cut_copies(warc, tmp_path, cuts):
        kept = [s for s in starts[1:] if s <= cut]  # record ends at or before the cut
        recovered = finish_open_warc(path)
        if not kept:  # not even the warcinfo is whole: nothing to keep
            assert recovered.records == 0 and not path.exists() and not recovered.path.exists()
            continue
        assert recovered.path == path.with_name(warc.name) and not path.exists()
        assert recovered.records == len(kept), cut
        assert recovered.path.stat().st_size == kept[-1], cut
        assert recovered.bytes_cut == cut - kept[-1]
        assert (recovered.damage is None) == (cut == kept[-1])
        assert [r[:2] for r in read_records(recovered.path)] == [r[:2] for r in whole[: len(kept)]]


def test_finish_open_warc_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "a.warc.gz").write_bytes(b"")
    (tmp_path / "a.warc.gz.open").write_bytes(b"")
    with pytest.raises(FileExistsError):
        finish_open_warc(tmp_path / "a.warc.gz.open")
    with pytest.raises(ValueError):
        finish_open_warc(tmp_path / "a.warc.gz")


# -- real crawls -------------------------------------------------------------------------------


def _articles(db: Path) -> list[tuple[str, str | None, str | None, int | None]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT id, warc_file, warc_record_id, warc_offset FROM articles ORDER BY id"
        ).fetchall()


def _assert_rows_point_at_their_records(tmp: Path, rows: list) -> None:
    for _, warc_file, record_id, offset in rows:
        if warc_file is None:
            continue
        with open(tmp / "warc" / warc_file, "rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_headers.get_header("WARC-Record-ID") == record_id


def test_a_crawl_with_its_warc_on_a_full_disk(tmp_path: Path) -> None:
    # a file-size limit (EFBIG) rather than a full tmpfs: the limit stops the WARC file, yet
    # leaves room for the CDXJ index, the archive and the attachment files
    with file_size_limit(3 * 1024 * 1024):
        result = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=30",
                           "-s", "NEWSZONE_WARC_MAX_SIZE=100000000")
    assert result.returncode == 2, result.log[-3000:]  # incomplete, not ok and not a crash
    failed = result.stat("newszone/warc/write_failed")
    assert failed > 0 and "response(s) could not be written to the WARC" in result.log
    assert "Traceback" not in result.log
    files = sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert files and not list((tmp_path / "warc").glob(f"*{OPEN_SUFFIX}"))
    check = warcio_check(*files)
    assert check.returncode == 0, check.stdout + check.stderr
    for warc in files:
        assert warc.with_name(warc.name.removesuffix(".warc.gz") + ".cdxj").stat().st_size > 0
    records = sum(len(read_records(warc)) for warc in files)
    index = scan_warcs(files)
    assert index.records == records and not index.damage
    assert records == 2 * result.stat("newszone/warc/records") + len(files)
    # nothing stored is lost: every article is in the archive, captured or not
    rows = _articles(tmp_path / "newszone.sqlite")
    assert len(rows) == len(DemoSite(30).all_ids())
    _assert_rows_point_at_their_records(tmp_path, rows)


def test_the_next_run_finishes_a_killed_runs_warc(tmp_path: Path) -> None:
    first = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=12")
    assert first.returncode == 0, first.log[-3000:]
    (warc,) = (tmp_path / "warc").glob("*.warc.gz")
    rows = _articles(tmp_path / "newszone.sqlite")
    offsets = sorted(o for _, _, _, o in rows)
    # as if the run had been killed in the middle of the 7th article's capture
    cut = offsets[6] + 50
    leftover = warc.with_name(warc.name + OPEN_SUFFIX)
    leftover.write_bytes(warc.read_bytes()[:cut])
    warc.unlink()
    warc.with_name(warc.name.removesuffix(".warc.gz") + ".cdxj").unlink()
    for wacz in (tmp_path / "warc").glob("*.wacz"):
        wacz.unlink()

    second = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=12", out="second.jsonl")
    assert second.returncode == 0, second.log[-3000:]
    assert second.stat("newszone/warc/recovered_files") == 1
    assert second.stat("newszone/warc/recovered_bytes_cut") == cut - offsets[6]
    assert not leftover.exists() and warc.exists()
    assert warc.stat().st_size == offsets[6]
    check = warcio_check(warc)
    assert check.returncode == 0, check.stdout + check.stderr
    assert warc.with_name(warc.name.removesuffix(".warc.gz") + ".cdxj").exists()
    after = {r[0]: r for r in _articles(tmp_path / "newszone.sqlite")}
    lost = [seq for seq, name, _, offset in rows if name == warc.name and offset >= offsets[6]]
    assert second.stat("newszone/warc/unlinked_rows") == len(lost) == 6
    for seq, name, record_id, offset in rows:
        if seq in lost:
            assert after[seq][1:] == (None, None, None), seq
        else:
            assert after[seq][1:] == (name, record_id, offset), seq
    _assert_rows_point_at_their_records(tmp_path, list(after.values()))


def test_the_cdxj_index_is_the_same_after_a_wacz_was_made_in_the_process(tmp_path: Path) -> None:
    # importing wacz adds "warcinfo" to cdxj-indexer's default record types, process-wide
    import wacz.waczindexer  # noqa: F401

    writer = WarcWriter(tmp_path, "run-1")
    written = [writer.write(exchange(number, size=2_000)) for number in range(3)]
    (warc,) = writer.close()
    lines = index_cdxj(warc).read_text().splitlines()
    assert len(lines) == len(written)  # one per response, no warcinfo line
    assert all('"application/warc-fields"' not in line for line in lines)


def test_compressed_payloads_are_stored_and_pages_deflated(tmp_path: Path) -> None:
    import dataclasses
    import gzip

    # a JPEG is not deflated again, even where deflate would gain (the type decides, not a trial)
    photo = dataclasses.replace(exchange(1), response_headers=[("Content-Type", "image/jpeg")],
                                payload=b"\xff\xd8" + bytes(50_000))
    page = dataclasses.replace(exchange(2), response_headers=[("Content-Type", "text/html")],
                               payload=b"<p>the same words again</p>\n" * 2_000)
    writer = WarcWriter(tmp_path, "run-1")
    where = [writer.write(photo), writer.write(page)]
    (warc,) = writer.close()
    data = warc.read_bytes()
    members = []
    for start, end in zip([w.warc_offset for w in where], [where[1].warc_offset, len(data)],
                          strict=True):
        members.append(data[start:end])
    # the photo's members (response + request) are stored: no smaller than what they hold
    assert len(members[0]) >= len(photo.payload)
    # the page is deflated: far smaller than its 58 kB
    assert len(members[1]) < len(page.payload) // 10
    records = read_records(warc)
    assert [t for t, _, _ in records] == ["warcinfo"] + ["response", "request"] * 2
    with open(warc, "rb") as fh:
        bodies = [r.content_stream().read() for r in ArchiveIterator(fh)
                  if r.rec_type == "response"]
    assert bodies == [photo.payload, page.payload]
    assert gzip.decompress(members[0])  # whole gzip members, each readable alone
    assert warcio_check(warc).returncode == 0
