"""Noise and silence (issue 12, finding 6): a progress line while a crawl runs (frequent on a
terminal, quiet otherwise), progress bars for ``rebuild`` and ``export`` on a terminal only,
nothing at all on stdout or stderr from a successful run at ``-L WARNING``, and the run
summary as the last thing a crawl logs."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newszone_crawler.exporters.sqlite_store import ArchiveStore
from newszone_crawler.progress import PhaseBars, ProgressBar

from .conftest import ROOT, SCRAPY
from .test_sqlite_store import T1, make_record

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[[^\]]+\] [A-Z]+: ", re.MULTILINE)


def _outputs(tmp: Path) -> list[str]:
    return [
        "-s", f"NEWSZONE_DB={tmp / 'newszone.sqlite'}",
        "-s", f"NEWSZONE_WARC_DIR={tmp / 'warc'}",
        "-s", f"NEWSZONE_MANIFEST_DIR={tmp / 'manifests'}",
        "-s", f"FILES_STORE={tmp / 'files'}",
        "-s", f"NEWSZONE_JSONL={tmp / 'items' / 'run-%(run_id)s.jsonl'}",
    ]  # fmt: skip


def _crawl(tmp: Path, *args: str) -> list[str]:
    return [*SCRAPY, "crawl", "newszone", "-a", "demo=1", *args, *_outputs(tmp)]


def _on_terminal(command: list[str], timeout: float = 300) -> tuple[int, str, str]:
    """Run ``command`` with its stderr on a pseudo-terminal; its exit code, stdout and what
    reached the terminal."""
    main, secondary = pty.openpty()
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=secondary,
                          stdin=subprocess.DEVNULL) as proc:
        os.close(secondary)
        seen = bytearray()
        deadline = time.monotonic() + timeout
        while True:
            ready, _, _ = select.select([main], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                proc.kill()
                pytest.fail(f"no end after {timeout} s: {seen[-2000:]!r}")
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: every holder of the terminal has closed it
                break
            if not chunk:
                break
            seen += chunk
        os.close(main)
        assert proc.stdout is not None
        out = proc.stdout.read().decode("utf-8", "replace")
        code = proc.wait(timeout=timeout)
    return code, out, seen.decode("utf-8", "replace")


# -- a crawl's log: the progress line, the summary last -------------------------------------------


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A demo crawl whose log is a pipe (not a terminal), with a short quiet interval."""
    tmp = tmp_path_factory.mktemp("progress")
    proc = subprocess.run(
        _crawl(tmp, "-s", "NEWSZONE_PROGRESS_QUIET_INTERVAL=0.3",
               "-s", "NEWSZONE_PROGRESS_INTERVAL=0", "-s", "LOG_LEVEL=INFO"),
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return tmp, proc


def _messages(log: str) -> list[str]:
    """The log's records (a record's continuation lines, such as the stats dump, joined)."""
    starts = [m.start() for m in LOG_LINE.finditer(log)]
    return [log[a:b].strip() for a, b in zip(starts, [*starts[1:], len(log)], strict=True)]


def test_the_summary_is_the_last_thing_a_crawl_logs(logged: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    _, proc = logged
    messages = _messages(proc.stderr)
    tail = [LOG_LINE.sub("", m, count=1) for m in messages[-2:]]
    assert tail[0].startswith("Run summary: 150 articles fetched"), messages[-4:]
    assert tail[1] == "Run status: ok", messages[-4:]
    assert any("Dumping Scrapy stats" in m for m in messages[:-2])
    assert any("Manifest:" in m for m in messages[:-2])
    assert proc.stdout == ""


def test_a_crawl_logs_its_progress_when_not_on_a_terminal(
    logged: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _, proc = logged
    lines = re.findall(r"Progress: (\d+) listing pages, (\d+)/(\d+) articles \(\d+%\), "
                       r"[\d.]+ articles/s", proc.stderr)
    assert lines, proc.stderr[-3000:]
    # the boards' totals (90 + 30 + 30) arrive with their first listing pages, early on
    assert all(int(done) <= int(expected) <= 150 for _, done, expected in lines), lines
    assert lines[-1][2] == "150", lines
    assert "Crawled 0 pages" not in proc.stderr  # Scrapy's LogStats is replaced, not doubled
    assert "'responses_per_minute'" in proc.stderr  # ... and its final stats kept


def test_a_crawl_on_a_terminal_logs_its_progress_at_the_terminal_interval(tmp_path: Path) -> None:
    code, out, terminal = _on_terminal(
        _crawl(tmp_path, "-s", "NEWSZONE_PROGRESS_INTERVAL=0.3",
               "-s", "NEWSZONE_PROGRESS_QUIET_INTERVAL=0", "-s", "LOG_LEVEL=INFO")
    )
    assert code == 0, terminal[-3000:]
    assert re.search(r"Progress: \d+ listing pages, \d+/150 articles", terminal), terminal[-3000:]
    assert out == ""


def test_a_successful_crawl_at_warning_level_prints_nothing(tmp_path: Path) -> None:
    proc = subprocess.run(
        # with a WACZ per run, the step whose library prints to stdout runs too
        _crawl(tmp_path, "-a", "demo_articles=30", "-L", "WARNING",
               "-s", "NEWSZONE_WACZ_PER_RUN=True"),
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert list((tmp_path / "warc").glob("*.wacz"))  # the step that used to print ran
    assert (proc.stdout, proc.stderr) == ("", "")


# -- rebuild and export: a bar on a terminal, silence in cron ------------------------------------


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "newszone_crawler", *args]


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    db = tmp_path / "archive.sqlite"
    store = ArchiveStore.open(db)
    store.store([make_record(n) for n in range(1, 6)], "run-1", T1)
    store.close()
    return db


def test_export_draws_a_bar_on_a_terminal(archive: Path, tmp_path: Path) -> None:
    code, out, terminal = _on_terminal(
        _cli("export", "--jsonl", str(tmp_path / "ds" / "a.jsonl"), "--db", str(archive))
    )
    assert code == 0, terminal
    assert re.search(r"\rexport \[#+\] 5/5 articles 100%", terminal), terminal
    assert "Exported 5 articles" in terminal and out == ""


def test_export_in_cron_is_silent_at_warning_and_barless_at_info(archive: Path, tmp_path: Path) -> None:
    quiet = subprocess.run(
        _cli("-L", "WARNING", "export", "--jsonl", str(tmp_path / "q" / "a.jsonl"),
             "--db", str(archive)),
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    info = subprocess.run(
        _cli("export", "--jsonl", str(tmp_path / "i" / "a.jsonl"), "--db", str(archive)),
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert info.returncode == 0 and info.stdout == ""
    assert info.stderr.startswith("Exported 5 articles") and "\r" not in info.stderr


def test_rebuild_draws_its_bars_on_a_terminal_and_is_silent_at_warning(
    logged: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    crawled, _ = logged
    warc = str(crawled / "warc")
    files = str(crawled / "files")
    code, out, terminal = _on_terminal(
        _cli("rebuild", "--from-warc", warc, "--db", str(tmp_path / "a.sqlite"),
             "--files-store", files)
    )
    assert code == 0, terminal
    assert re.search(r"rebuild: reading \[#+\] +\d+/\d+ bytes 100%", terminal), terminal
    assert re.search(r"rebuild: parsing \[#+\] 150/150 pages 100%", terminal), terminal
    assert "Rebuilt 150 articles" in terminal and out == ""
    quiet = subprocess.run(
        _cli("-L", "WARNING", "rebuild", "--from-warc", warc, "--db", str(tmp_path / "b.sqlite"),
             "--files-store", files),
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


# -- the bar itself ------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_draws_only_on_a_terminal() -> None:
    ticks = iter(range(100))
    terminal, pipe = _Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        bar = ProgressBar("x", 4, "things", stream=stream, every=1, clock=lambda: next(ticks))
        for _ in range(4):
            bar.advance()
        bar.close()
    assert pipe.getvalue() == ""
    frames = terminal.getvalue().split("\r")[1:]
    assert frames[-1].startswith("x [") and frames[-1].endswith("4/4 things 100%\n")
    assert len(frames) >= 3  # redrawn as it went, not only at the end


def test_phase_bars_end_one_bar_before_the_next() -> None:
    terminal = _Terminal()
    bars = PhaseBars("rebuild", {"reading": "bytes", "parsing": "pages"}, stream=terminal)
    bars("reading", 10, 10)
    bars("parsing", 1, 2)
    bars("parsing", 2, 2)
    bars.close()
    lines = terminal.getvalue().split("\n")
    assert "rebuild: reading" in lines[0] and "10/10 bytes" in lines[0]
    assert "rebuild: parsing" in lines[1] and "2/2 pages" in lines[1]
