"""The end-of-run summary: what the run did, whether it worked, and the exit code.

A run **fails** (exit code 1) when it could not reach the site, read no listing, or found no
article on a board whose listing says it has some; it is **incomplete** (exit code 2) when
some article pages could not be fetched or parsed, or some records were dropped. The status is
logged as one line with its reasons and left in the stats for the ``crawl`` command.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from .exporters.warc import sha256_file
from .arguments import EXIT_USAGE
from .local_faults import LOCAL_FAULT_STAT, local_fault
from .parsing.conformance import FIELD_ELEMENTS, WALK_ELEMENTS, drift_counts
from .runlock import EXIT_LOCKED, USAGE_ERROR_STAT, run_blocked
from .signals import output_written

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_INCOMPLETE = 0, 1, 2


@dataclass
class RunStatus:
    """The verdict on a run: ``ok``, ``incomplete`` or ``failed``, with reasons."""

    status: str = "ok"
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What an ``ok`` run did not do, and why that is right (``since`` past every article)."""

    @property
    def exit_code(self) -> int:
        codes = {"ok": EXIT_OK, "failed": EXIT_FAILED, "incomplete": EXIT_INCOMPLETE,
                 "locked": EXIT_LOCKED, "usage": EXIT_USAGE}
        return codes[self.status]


def _element_of(field_name: str) -> str:
    element = FIELD_ELEMENTS.get(field_name)
    return f", element {element}" if element else ""


def health_failures(
    stats: dict[str, Any], thresholds: dict[str, dict[str, float]], min_records: int
) -> list[str]:
    """Fields whose share of a board's records fell below its threshold.

    >>> stats = {"newszone/health/Recent News/records": 20, "newszone/health/Recent News/title": 20,
    ...          "newszone/health/Recent News/body": 2}
    >>> health_failures(stats, {"title": {"*": 0.99}, "body": {"*": 0.9}}, 10)
    ['extraction health: Recent News body on 10% of 20 records (needs 90%), element article.body']
    >>> health_failures(stats, {"body": {"*": 0.9}}, 50)
    []
    """
    failures = []
    prefix = "newszone/health/"
    boards = sorted(
        key[len(prefix):-len("/records")] for key in stats
        if key.startswith(prefix) and key.endswith("/records")
    )
    for board in boards:
        records = stats[f"{prefix}{board}/records"]
        if records < min_records:
            continue
        for name, by_board in thresholds.items():
            minimum = by_board.get(board, by_board.get("*"))
            if minimum is None:
                continue
            share = stats.get(f"{prefix}{board}/{name}", 0) / records
            if share < minimum:
                failures.append(
                    f"extraction health: {board} {name} on {share:.0%} of {records} records "
                    f"(needs {minimum:.0%}){_element_of(name)}"
                )
    return failures


def judge_run(
    stats: dict[str, Any],
    boards: list[str],
    finish_reason: str | None,
    thresholds: dict[str, dict[str, float]] | None = None,
    min_records: int = 10,
) -> RunStatus:
    """Decide a run's status from its stats. Pure, so it is tested without a crawl.

    >>> judge_run({"newszone/listing/pages": 3, "newszone/board/recent/articles": 30,
    ...            "item_scraped_count": 30}, ["recent"], "finished").status
    'ok'
    >>> verdict = judge_run({}, ["recent"], "finished")
    >>> verdict.status, verdict.reasons[0]
    ('failed', 'the site could not be reached: no listing page was fetched')
    >>> judge_run({"newszone/listing/pages": 1, "newszone/board/recent/total": 5},
    ...           ["recent"], "finished").reasons
    ['board recent: the listing says 5 posts but no article was found']
    >>> judge_run({"newszone/listing/pages": 1, "newszone/board/recent/articles": 9,
    ...            "newszone/article/failed": 1}, ["recent"], "finished").status
    'incomplete'
    >>> verdict = judge_run({"newszone/listing/pages": 1, "newszone/board/recent/total": 90,
    ...     "newszone/board/recent/past_since": 11, "newszone/since": "2024-01-01"}, ["recent"],
    ...     "finished")
    >>> verdict.status, verdict.notes
    ('ok', ['board recent: nothing published on or after 2024-01-01 (since); 11 listed row(s) older'])
    >>> judge_run({"newszone/listing/pages": 1, "newszone/board/recent/articles": 9,
    ...            "newszone/local_fault": "the disk is full (ENOSPC): w.warc.gz"},
    ...           ["recent"], "finished").reasons
    ['a fault of this machine, not the site: the disk is full (ENOSPC): w.warc.gz']
    >>> judge_run({"newszone/locked": "another run holds x.lock"}, ["recent"], "finished").exit_code
    75
    >>> judge_run({"newszone/usage_error": "max_pages='0' is less than 1: ..."}, [], "finished").exit_code
    64
    >>> judge_run({"newszone/archive_error": "busy: ...", "newszone/archive_error/status": "locked"},
    ...           ["recent"], "finished").exit_code
    75
    >>> judge_run({"newszone/listing/pages": 1, "newszone/board/recent/articles": 9,
    ...            "newszone/files/failed": 3, "newszone/files/failed/too_large": 1},
    ...           ["recent"], "finished").reasons
    ['2 attachment file(s) could not be downloaded (the next run tries again)']
    """
    verdict = RunStatus()
    if stats.get(USAGE_ERROR_STAT):
        return RunStatus("usage", [stats[USAGE_ERROR_STAT]])
    if stats.get("newszone/locked"):
        return RunStatus("locked", [stats["newszone/locked"]])
    if stats.get("newszone/archive_error"):
        status = stats.get("newszone/archive_error/status", "failed")
        return RunStatus(status, [stats["newszone/archive_error"]])

    def fail(reason: str) -> None:
        verdict.status = "failed"
        verdict.reasons.append(reason)

    def incomplete(reason: str) -> None:
        if verdict.status == "ok":
            verdict.status = "incomplete"
        verdict.reasons.append(reason)

    if stats.get(LOCAL_FAULT_STAT):
        # first among the reasons; incomplete like any write that failed (what it could not
        # write is counted below), failed when the site failed too
        count = stats.get(f"{LOCAL_FAULT_STAT}/count", 1)
        more = f" ({count} writes failed)" if count > 1 else ""
        incomplete(f"a fault of this machine, not the site: {stats[LOCAL_FAULT_STAT]}{more}")
    pages = stats.get("newszone/listing/pages", 0)
    if not pages:
        errors = stats.get("downloader/exception_count", 0)
        detail = f" ({errors} connection errors)" if errors else ""
        fail(f"the site could not be reached: no listing page was fetched{detail}")
    if stats.get("newszone/listing/layout_error"):
        listing_drift = drift_counts(stats, "listing")
        fail(f"{stats['newszone/listing/layout_error']} listing page(s) did not look as expected"
             + (f" ({listing_drift})" if listing_drift else ""))
    elif drift_counts(stats, "listing", WALK_ELEMENTS):
        fail(f"listing pages did not look as expected ({drift_counts(stats, 'listing', WALK_ELEMENTS)})")
    if stats.get("newszone/listing/failed"):
        fail(f"{stats['newszone/listing/failed']} listing page(s) could not be fetched")
    if stats.get("newszone/listing/cut_short"):
        incomplete(f"{stats['newszone/listing/cut_short']} listing page(s) ended before their "
                   "tenth row and paging block (cut short): the articles listed after the cut "
                   "were not seen (the next run walks the board again)")
    for board in boards:
        found = stats.get(f"newszone/board/{board}/articles", 0)
        total = stats.get(f"newszone/board/{board}/total")
        listed = stats.get(f"newszone/board/{board}/listed", 0)
        known = stats.get(f"newszone/board/{board}/known", 0)
        past_since = stats.get(f"newszone/board/{board}/past_since", 0)
        if pages and not found and not known and not listed and past_since:
            # the run's own `since` left nothing to fetch: a quiet day, not a broken listing
            newest = stats.get(f"newszone/board/{board}/newest_past_since")
            newest_text = f", the newest {newest}" if newest else ""
            verdict.notes.append(
                f"board {board}: nothing published on or after {stats.get('newszone/since')} "
                f"(since); {past_since} listed row(s) older{newest_text}"
            )
        elif pages and not found and not known and (total or listed):
            fail(f"board {board}: the listing says {total or listed} posts but no article was found")
    if finish_reason not in (None, "finished"):
        fail(f"the crawl ended early: {finish_reason}")
    for failure in health_failures(stats, thresholds or {}, min_records):
        fail(failure + ": the page template may have changed")
    files_failed = (  # too large: by policy; disk: named above as this machine's fault
        stats.get("newszone/files/failed", 0)
        - stats.get("newszone/files/failed/too_large", 0)
        - stats.get("newszone/files/failed/disk", 0)
    )
    if files_failed:
        incomplete(f"{files_failed} attachment file(s) could not be downloaded (the next run tries again)")
    for key, what in (
        ("newszone/article/failed", "article page(s) could not be fetched"),
        ("newszone/article/layout_error", "article page(s) did not look as expected"),
        ("newszone/article/wrong_page", "article request(s) answered with another page"),
        ("newszone/article/error", "article(s) failed on an unexpected error (see the log)"),
        ("newszone/dropped", "record(s) were dropped"),
        ("newszone/store/failed", "record(s) could not be stored"),
        ("newszone/store/failures_not_recorded", "failure(s) could not be recorded in the archive"),
        ("newszone/ledger/unaccounted", "article(s) ended the run with no outcome (a bug)"),
        ("spider_exceptions/count", "error(s) in the spider's callbacks (see the log)"),
        ("newszone/warc/write_failed", "response(s) could not be written to the WARC"),
        ("newszone/warc/unlink_failed", "recovered WARC file(s) whose archive rows could not be fixed"),
    ):
        if stats.get(key):
            drift = drift_counts(stats, "article") if key == "newszone/article/layout_error" else ""
            incomplete(f"{stats[key]} {what}" + (f" ({drift})" if drift else ""))
    return verdict


class RunSummary:
    """Decides the run's status when the spider closes (recorded in the stats for the archive's
    ``runs`` row and the exit code) and logs the summary as the very last lines of the run:
    from ``engine_stopped``, after Scrapy's stats dump, ``Spider closed`` and the manifest."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.boards: list[str] = []
        self.verdict: RunStatus | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        if not crawler.settings.getbool("NEWSZONE_RUN_SUMMARY", True):
            raise NotConfigured("NEWSZONE_RUN_SUMMARY is off")
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Any, reason: str) -> None:
        stats = self.crawler.stats
        assert stats is not None
        values = stats.get_stats()
        self.boards = list(getattr(spider, "boards", {}) or {})
        settings = self.crawler.settings
        verdict = judge_run(
            values,
            self.boards,
            reason,
            settings.getdict("NEWSZONE_HEALTH_THRESHOLDS"),
            settings.getint("NEWSZONE_HEALTH_MIN_RECORDS"),
        )
        self.verdict = verdict
        stats.set_value("newszone/status", verdict.status)
        stats.set_value("newszone/exit_code", verdict.exit_code)
        stats.set_value("newszone/reasons", list(verdict.reasons))
        if getattr(self.crawler.engine, "start_time", None) is None:
            # The spider closed as it opened (refused arguments): the engine never started,
            # so no engine_stopped signal follows; the summary is logged now.
            self.engine_stopped()
            return
        # Connected now, so it runs after every engine_stopped handler connected at start
        # (the manifest's): the summary is the last thing the run logs.
        self.crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    def engine_stopped(self) -> None:
        if self.verdict is None:
            return
        stats = self.crawler.stats
        assert stats is not None
        log_summary(stats.get_stats(), self.boards, self.verdict)
        self.verdict = None


def log_summary(values: dict[str, Any], boards: list[str], verdict: RunStatus) -> None:
    """Log the run summary, the dropped records by reason, and the ``Run status`` line."""
    per_board = ", ".join(
        f"{b} {values.get(f'newszone/board/{b}/articles', 0)}" for b in boards
    )
    logger.info(
        "Run summary: %s articles fetched (%s); %s new, %s changed, %s unchanged, %s gone; "
        "%s records written; %s listing pages, %s requests; %s dropped, %s failed",
        values.get("newszone/article/parsed", 0),
        per_board,
        values.get("newszone/store/article/new", 0),
        values.get("newszone/store/article/changed", 0),
        values.get("newszone/store/article/unchanged", 0),
        values.get("newszone/store/article/gone", 0),
        values.get("item_scraped_count", 0),
        values.get("newszone/listing/pages", 0),
        values.get("downloader/request_count", 0),
        values.get("newszone/dropped", 0),
        values.get("newszone/ledger/failed", 0),
    )
    for key, count in sorted(values.items()):
        if key.startswith("newszone/dropped/"):
            logger.warning("Dropped %s record(s): %s", count, key.removeprefix("newszone/dropped/"))
    if not values.get("newszone/listing/layout_error"):
        soft = drift_counts(values, "listing", exclude=WALK_ELEMENTS)
        if soft:
            logger.warning("Listing pages drifted from the template (the walk went on "
                           "without these): %s", soft)
    if verdict.status == "ok":
        notes = f" ({'; '.join(verdict.notes)})" if verdict.notes else ""
        logger.info("Run status: ok%s", notes)
    else:
        logger.error("Run status: %s: %s", verdict.status.upper(), "; ".join(verdict.reasons))


def output_relative(path: Path, root: Path) -> str:
    """A manifest's path of a file: relative to the output folder ``root`` (so the folder can
    be moved), or absolute when the file lies outside it (an ``-O`` elsewhere).

    >>> output_relative(Path("/o/warc/a.warc.gz"), Path("/o")), output_relative(Path("/x/i.jsonl"), Path("/o"))
    ('warc/a.warc.gz', '/x/i.jsonl')
    """
    resolved = path.resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(resolved)


class RunManifest:
    """Write ``<NEWSZONE_MANIFEST_DIR>/<run id>.json``: every file the run wrote (WARC files,
    their CDXJ indexes, the WACZ, the JSON lines feed, attachment files) with size and sha256.
    Paths are relative to the output folder, the parent of ``NEWSZONE_MANIFEST_DIR``.

    Components announce files with the ``output_written`` signal, with the ``size`` and
    ``sha256`` they computed while writing when they have them (the WARC writer, the
    attachments): those files are not read again, only their size is checked; feeds are taken
    from ``feed_slot_closed`` and hashed here. The manifest is written when the engine has
    stopped, after the feeds are closed, to a temporary name and renamed.
    """

    def __init__(self, crawler: Crawler, directory: str) -> None:
        self.crawler = crawler
        self.directory = Path(directory)
        self.paths: list[Path] = []
        self.known: dict[Path, tuple[int, str]] = {}
        """Path -> (size, sha256) announced by the component that wrote the file."""
        crawler.signals.connect(self.output_written, signal=output_written)
        crawler.signals.connect(self.feed_slot_closed, signal=signals.feed_slot_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunManifest:
        directory = crawler.settings.get("NEWSZONE_MANIFEST_DIR")
        if not directory:
            raise NotConfigured("NEWSZONE_MANIFEST_DIR is empty")
        return cls(crawler, directory)

    def output_written(self, path: Path, size: int | None = None,
                       sha256: str | None = None) -> None:
        self.paths.append(Path(path))
        if size is not None and sha256 is not None:
            self.known[Path(path)] = (size, sha256)
        else:
            self.known.pop(Path(path), None)

    def feed_slot_closed(self, slot: Any) -> None:
        uri = getattr(slot, "uri", "")
        path = Path(uri.removeprefix("file://")) if "://" not in uri or uri.startswith("file://") else None
        if path is not None and path.exists():
            self.paths.append(path)

    def engine_stopped(self) -> None:
        spider = self.crawler.spider
        if run_blocked(self.crawler) or spider is None:
            return
        run_id = getattr(spider, "run_id", "run")
        entries = []
        root = self.directory.resolve().parent  # the output folder: manifests/ is in it
        for path in dict.fromkeys(self.paths):
            if path.exists():
                size = path.stat().st_size
                known = self.known.get(path)
                # hashed while written; a file whose size changed since is hashed again
                sha256 = known[1] if known and known[0] == size else sha256_file(path)
                entries.append({"path": output_relative(path, root), "bytes": size,
                                "sha256": sha256})
        if not entries:  # a run that wrote no file leaves no manifest either (its runs row says it all)
            logger.info("Manifest: none (the run wrote no file)")
            return
        manifest = {
            "run_id": run_id,
            "status": self.crawler.stats.get_value("newszone/status"),
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": entries,
        }
        target = self.directory / f"{run_id}.json"
        tmp = target.with_name(target.name + ".tmp")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", "utf-8")
            os.replace(tmp, target)
        except OSError as error:  # after the verdict: said loudly, the run's outputs stand
            logger.error("Manifest not written: %s", local_fault(error, error.filename or target))
            return
        logger.info("Manifest: %d files listed in %s", len(entries), target)


def repair_jsonl(path: Path) -> int:
    r"""Cut a half-written last line (a run killed mid-write) off a JSON lines file, keeping
    every complete line, so the file parses and nothing is glued to it later; return the
    number of bytes cut.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "a.jsonl"
    >>> _ = f.write_bytes(b'{"id": 1}\n{"id": 2}\n{"id"')
    >>> repair_jsonl(f), f.read_bytes()
    (5, b'{"id": 1}\n{"id": 2}\n')
    """
    size = path.stat().st_size
    if size == 0:
        return 0
    with open(path, "rb+") as fh:
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return 0
        keep = 0
        block = 1 << 16
        position = size
        while position > 0:
            start = max(0, position - block)
            fh.seek(start)
            chunk = fh.read(position - start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                keep = start + newline + 1
                break
            position = start
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())
    return size - keep


class JsonLinesRepair:
    """At the start of a run, mend the JSON lines files an earlier killed run left half-written
    in the folder of ``NEWSZONE_JSONL``. Done once the spider is open, so only by a run that
    holds the archive's lock (a run that found it locked touches nothing), and never on this
    run's own file."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.folder = Path(crawler.settings.get("NEWSZONE_JSONL")).parent
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesRepair:
        if not crawler.settings.get("NEWSZONE_JSONL"):
            raise NotConfigured("NEWSZONE_JSONL is empty")
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        stats = self.crawler.stats
        if run_blocked(self.crawler) or not self.folder.is_dir():
            return
        own = str(getattr(spider, "run_id", "\0"))
        for path in sorted(self.folder.glob("*.jsonl")):
            if own in path.name:
                continue
            cut = repair_jsonl(path)
            if cut:
                stats.inc_value("newszone/jsonl/repaired")
                logger.warning("Cut a half-written last line (%d bytes) off %s", cut, path)
