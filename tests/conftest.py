"""Shared helpers: run a real `scrapy crawl` in a subprocess (the reactor cannot restart)."""

from __future__ import annotations

import json
import re
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRAPY = [sys.executable, "-m", "scrapy"]


@dataclass
class CrawlResult:
    returncode: int
    log: str
    records: list[dict]
    """The new and changed records of the -O feed (what the run's own JSON lines keep)."""
    lines: list[str]
    """Their lines, as written."""
    fetched: list[dict] = field(default_factory=list)
    """Every record of the -O feed: each one the run fetched, marked with its ``outcome``."""

    def stat(self, key: str) -> int:
        """An integer stat from the crawl's stats dump (0 when absent)."""
        match = re.search(rf"'{re.escape(key)}': (\d+)", self.log)
        return int(match.group(1)) if match else 0


def stat(result: CrawlResult, key: str) -> int:
    """An integer stat of a crawl (0 when absent)."""
    return result.stat(key)


def run_crawl(
    tmp_path: Path,
    *args: str,
    timeout: float = 300,
    out: str = "items.jsonl",
    patch: str | None = None,
) -> CrawlResult:
    """``scrapy crawl newszone ARGS -O tmp_path/OUT`` from the project root, with the archive,
    WARC files, manifests and attachment files all under ``tmp_path``; ``patch`` plants a
    fault in the crawler's code first (``tests/patched_crawl.py``)."""
    output = tmp_path / out
    env = dict(os.environ, PYTHONHASHSEED="0")
    db = [
        "-s", f"NEWSZONE_DB={tmp_path / 'newszone.sqlite'}",
        "-s", f"NEWSZONE_WARC_DIR={tmp_path / 'warc'}",
        "-s", f"NEWSZONE_MANIFEST_DIR={tmp_path / 'manifests'}",
        "-s", f"FILES_STORE={tmp_path / 'files'}",
    ]  # fmt: skip
    command = SCRAPY if patch is None else [sys.executable, str(ROOT / "tests" / "patched_crawl.py"), patch]
    proc = subprocess.run(
        [*command, "crawl", "newszone", *args, "-O", str(output), "-s", "LOG_LEVEL=INFO", *db],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    every = output.read_text("utf-8").splitlines() if output.exists() else []
    fetched = [json.loads(line) for line in every]
    kept = [(line, r) for line, r in zip(every, fetched) if r.get("outcome") != "unchanged"]
    result = CrawlResult(proc.returncode, proc.stderr + proc.stdout, [r for _, r in kept],
                         [line for line, _ in kept], fetched)
    if patch is None or not patch.startswith("lose_request"):
        check_ledger(result)
    return result


def check_ledger(result: CrawlResult) -> None:
    """The rule every crawl of the suite keeps, whatever fault it meets: no article ends the
    run without an outcome, no exception escapes a callback unnoticed, and a run that failed
    an article does not exit 0."""
    assert result.stat("newszone/ledger/unaccounted") == 0, result.log[-3000:]
    assert "Spider error processing" not in result.log, result.log[-3000:]
    if result.stat("newszone/ledger/failed"):
        assert result.returncode != 0, result.log[-3000:]


@pytest.fixture(scope="session")
def demo_crawl(tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    """One crawl of the default demo site, shared by the end-to-end tests."""
    return run_crawl(tmp_path_factory.mktemp("demo"), "-a", "demo=1")
