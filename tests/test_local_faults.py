"""Faults of this machine, not of the site: the run's status names the cause and the path, with
no traceback and a non-zero exit (1 when nothing could be done: the lock or the archive cannot
be opened; 2, incomplete, when writes failed on the way), and nothing stored before is lost."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from .conftest import CrawlResult, run_crawl

DEMO = ["-a", "demo=1", "-a", "demo_articles=20"]


def status_line(result: CrawlResult) -> str:
    lines = [line for line in result.log.splitlines() if "Run status:" in line]
    assert len(lines) == 1, result.log[-3000:]
    return lines[0].split("Run status: ", 1)[1]


def no_traceback(result: CrawlResult) -> None:
    assert "Traceback" not in result.log, result.log[-3000:]
    assert "Task exception was never retrieved" not in result.log


def stored(folder: Path) -> list[tuple]:
    with sqlite3.connect(folder / "newszone.sqlite") as db:
        sql = "SELECT id, content_hash, title, body FROM articles ORDER BY id"
        return db.execute(sql).fetchall()


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good run's archive, WARC and files, copied into each test that needs an earlier run."""
    folder = tmp_path_factory.mktemp("first")
    result = run_crawl(folder, *DEMO)
    assert result.returncode == 0, result.log[-2000:]
    return folder


def after(first_run: Path, tmp_path: Path) -> list[tuple]:
    shutil.copytree(first_run, tmp_path, dirs_exist_ok=True)
    return stored(tmp_path)


def test_lock_file_folder_in_its_place_is_named(tmp_path: Path) -> None:
    (tmp_path / "newszone.sqlite.lock").mkdir()
    result = run_crawl(tmp_path, *DEMO)
    no_traceback(result)
    assert result.returncode == 1
    lock = tmp_path / "newszone.sqlite.lock"
    assert status_line(result) == (
        f"FAILED: cannot open the lock file {lock}: Is a directory (EISDIR)"
    )
    assert result.stat("downloader/request_count") == 0


def test_lock_file_permission_denied_is_named(first_run: Path, tmp_path: Path) -> None:
    before = after(first_run, tmp_path)
    result = run_crawl(tmp_path, *DEMO, patch="lock_denied")
    no_traceback(result)
    assert result.returncode == 1
    lock = tmp_path / "newszone.sqlite.lock"
    assert status_line(result) == (
        f"FAILED: cannot open the lock file {lock}: Permission denied (EACCES)"
    )
    assert result.stat("downloader/request_count") == 0
    assert stored(tmp_path) == before


def test_not_a_database_is_named_and_left_alone(tmp_path: Path) -> None:
    """(Already so on main: kept as a guard beside the other local faults.)"""
    archive = tmp_path / "newszone.sqlite"
    archive.write_bytes(b"these are notes, not an SQLite file\n")
    result = run_crawl(tmp_path, *DEMO)
    no_traceback(result)
    assert result.returncode == 1
    assert status_line(result).startswith(
        f"FAILED: {archive} is not a usable SQLite archive (file is not a database)"
    )
    assert archive.read_bytes() == b"these are notes, not an SQLite file\n"


def test_archive_in_a_folder_it_cannot_be_is_named(tmp_path: Path) -> None:
    (tmp_path / "newszone.sqlite").mkdir()
    result = run_crawl(tmp_path, *DEMO)
    no_traceback(result)
    assert result.returncode == 1
    assert status_line(result) == (
        f"FAILED: cannot open the archive {tmp_path / 'newszone.sqlite'} (unable to open database "
        "file): it must be a file in a folder this run may write"
    )


def test_read_only_archive_is_named(first_run: Path, tmp_path: Path) -> None:
    before = after(first_run, tmp_path)
    result = run_crawl(tmp_path, *DEMO, patch="db_readonly")
    no_traceback(result)
    assert result.returncode == 1
    assert status_line(result) == (
        "FAILED: cannot write the archive: the archive is read-only (SQLite: attempt to write a "
        f"readonly database): {tmp_path / 'newszone.sqlite'}"
    )
    assert stored(tmp_path) == before


def test_full_disk_for_the_archive_is_named(first_run: Path, tmp_path: Path) -> None:
    before = after(first_run, tmp_path)
    result = run_crawl(tmp_path, *DEMO, "-a", "mode=full", patch="db_full")
    no_traceback(result)
    assert result.returncode == 2  # incomplete: what could not be written is counted
    assert status_line(result).startswith(
        "INCOMPLETE: a fault of this machine, not the site: the disk is full (SQLite: database or "
        f"disk is full): {tmp_path / 'newszone.sqlite'}"
    )
    assert stored(tmp_path) == before


def test_folder_where_the_warc_folder_should_be_is_named(tmp_path: Path) -> None:
    (tmp_path / "warc").write_text("a file, not a folder")
    result = run_crawl(tmp_path, *DEMO)
    no_traceback(result)
    assert result.returncode == 2  # incomplete: what could not be written is counted
    status = status_line(result)
    assert status.startswith("INCOMPLETE: a fault of this machine, not the site: a file stands in the "
                             f"way (EEXIST): {tmp_path / 'warc'} ("), status
    assert "could not be reached" not in status
    assert "listing page(s) could not be fetched" not in status
    assert len(result.records) == 20  # every demo article, stored all the same


def test_read_only_warc_folder_is_named(first_run: Path, tmp_path: Path) -> None:
    before = after(first_run, tmp_path)
    result = run_crawl(tmp_path, *DEMO, "-a", "mode=full", patch="warc_readonly")
    no_traceback(result)
    assert result.returncode == 2  # incomplete: what could not be written is counted
    status = status_line(result)
    assert status.startswith("INCOMPLETE: a fault of this machine, not the site: the disk is "
                             f"read-only (EROFS): {tmp_path / 'warc'}/newszone-"), status
    assert stored(tmp_path) == before


def test_full_disk_for_the_warc_is_named(first_run: Path, tmp_path: Path) -> None:
    before = after(first_run, tmp_path)
    warcs = {p.name: p.read_bytes() for p in (tmp_path / "warc").glob("*.warc.gz")}
    result = run_crawl(tmp_path, *DEMO, "-a", "mode=full", patch="warc_full")
    no_traceback(result)
    assert result.returncode == 2  # incomplete: what could not be written is counted
    status = status_line(result)
    assert status.startswith("INCOMPLETE: a fault of this machine, not the site: the disk is full "
                             f"(ENOSPC): {tmp_path / 'warc'}/newszone-"), status
    assert stored(tmp_path) == before
    assert {p: (tmp_path / "warc" / p).read_bytes() for p in warcs} == warcs


def test_full_disk_for_attachment_files_is_named(first_run: Path, tmp_path: Path) -> None:
    before = after(first_run, tmp_path)
    files = {p: p.read_bytes() for p in (tmp_path / "files").rglob("*") if p.is_file()}
    assert files  # the first run stored some
    result = run_crawl(tmp_path, "-a", "demo=1", "-a", "demo_articles=40", patch="files_full")
    no_traceback(result)
    assert result.returncode == 2  # incomplete: what could not be written is counted
    status = status_line(result)
    assert status.startswith("INCOMPLETE: a fault of this machine, not the site: the disk is full "
                             f"(ENOSPC): {tmp_path / 'files'}/"), status
    assert "could not be downloaded" not in status
    assert set(stored(tmp_path)) >= set(before)
    assert {p: p.read_bytes() for p in files} == files
