#!/usr/bin/env python
"""Kill soak: SIGKILL demo crawls at seeded random moments and check what each kill leaves.

    .venv/bin/python bench/soak_kill.py --trials 200            # the long soak (~10-20 min)
    .venv/bin/python bench/soak_kill.py --trials 30 --keep      # keep the work folder to look at

Every trial runs ``python -m scrapy crawl newszone -a demo=1 -a demo_articles=N`` from the
project root with the archive, attachment files, WARC files, manifests and the per-run JSON
lines files (``NEWSZONE_JSONL=<work>/items/newszone-%(run_id)s.jsonl``, no ``-O``) all inside
one work folder, and sends it SIGKILL after a delay drawn uniformly (``random.Random(--seed)``)
between ``MIN`` of ``--kill-window`` and the typical time of a whole run, ``MAX`` at first and
then following the runs (other load on the machine, a bigger site); a run that finishes first
is a *completed* trial. The demo site publishes ``--publish-per-trial`` more articles before a
trial while the archive misses no more than that, so every run has new articles to fetch,
store and write, as a scheduled job has; the kills land anywhere: start-up, listing walk,
article pages, attachment downloads, SQLite transactions, JSON lines writes, the
WARC/CDXJ/WACZ and manifest at the close.

After every trial:

* ``PRAGMA integrity_check`` is ok; the FTS5 index agrees with ``articles``; no duplicate ids
  in ``articles``, no duplicate (article, url) in ``attachments``, no duplicate positions in
  ``images`` and ``article_authors``;
* every attachment the archive (table ``attachments`` and the ``articles.attachments`` JSON)
  calls ``downloaded`` or ``cached`` exists under ``FILES_STORE`` with its recorded size and
  sha256;
* every *complete* line (ending in a newline) of every JSON lines file parses as one record
  with the feed's keys; only a last line may be half-written, and no line holds two records
  glued together;
* the complete lines of every earlier run's file are kept as they were, and nothing is
  appended to an earlier run's file;
* after a kill, the archive's lock file can be locked at once (the kernel released the flock),
  and the next run is not refused as LOCKED;
* a trial that was not killed exited 0 and left the archive with exactly
  ``DemoSite(N).all_ids()`` (status ok promises nothing was missed).

``repair`` checks (``JsonLinesRepair`` in ``newszone_crawler/extensions.py`` cuts a
half-written last line off the items folder's ``*.jsonl`` files when a run starts): after a run
that got past spider open (its log shows the spider's ``Mode ...`` line, which start() logs
after the extensions were built and every ``spider_opened`` handler ran), every file that
existed before that run ends with a newline and every line of it parses. Scrapy writes the
feed through an 8 KiB buffer in whole lines, so a real kill seldom leaves a half line; after
a share of the kills (``--inject-rate``) the harness appends a cut record to the killed run's
file, as a kill in the middle of a multi-page write would leave it, so the repair is exercised.

After the trials one more run, not killed, must exit 0 and leave the archive with exactly
``DemoSite(N).all_ids()``, and every line of every JSON lines file must parse.

The module is also the harness of ``tests/test_kill_harness.py`` (loaded from this path).
Exit status: 0 when no problem was found, 1 otherwise (``repair`` problems included).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the project package is importable
    sys.path.insert(0, str(ROOT))

from newszone_crawler import settings as project_settings  # noqa: E402
from newszone_crawler.demo_site import DemoSite  # noqa: E402

SEED = 20261128
RECORD_KEYS = frozenset(project_settings.FEED_EXPORT_FIELDS)
KILLED = -signal.SIGKILL
EXIT_LOCKED = 75
# The spider logs this from start(), which the engine iterates only after open_spider() and
# every spider_opened handler finished: a run whose log shows it has been through spider open.
STARTED = re.compile(r"\[newszone\] INFO: Mode ")
STATUS = re.compile(r"Run status: .*")

# Problem kinds. "repair" is the one check that needs the JSON lines repair at spider open.
HARD_KINDS = ("archive", "files", "jsonl", "lock", "run")
REPAIR = "repair"


# -- the work folder and one crawl -------------------------------------------------------------


@dataclass
class Workspace:
    """Everything a crawl writes, inside ``root`` (the output folder: FILES_STORE's parent)."""

    root: Path

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.db = self.root / "newszone.sqlite"
        self.lock = self.root / "newszone.sqlite.lock"
        self.files = self.root / "files"
        self.warc = self.root / "warc"
        self.manifests = self.root / "manifests"
        self.items = self.root / "items"
        self.logs = self.root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def command(self, articles: int, *extra: str) -> list[str]:
        return [
            sys.executable, "-m", "scrapy", "crawl", "newszone",
            "-a", "demo=1", "-a", f"demo_articles={articles}",
            "-s", f"NEWSZONE_DB={self.db}",
            "-s", f"FILES_STORE={self.files}",
            "-s", f"NEWSZONE_WARC_DIR={self.warc}",
            "-s", f"NEWSZONE_MANIFEST_DIR={self.manifests}",
            "-s", f"NEWSZONE_JSONL={self.items}/newszone-%(run_id)s.jsonl",
            "-s", "LOG_LEVEL=INFO",
            *extra,
        ]  # fmt: skip


@dataclass
class Run:
    """One crawl: how it ended and where its log is."""

    label: str
    articles: int
    returncode: int
    duration: float
    log_path: Path
    kill_at: float | None = None
    signals_sent: list[str] = field(default_factory=list)

    @property
    def killed(self) -> bool:
        return self.returncode == KILLED

    @property
    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    @property
    def started(self) -> bool:
        """Whether the run went through spider open (so any repair at open has run)."""
        return bool(STARTED.search(self.log))

    @property
    def locked(self) -> bool:
        return self.returncode == EXIT_LOCKED or "Run status: LOCKED" in self.log

    @property
    def status_line(self) -> str:
        found = STATUS.findall(self.log)
        return found[-1] if found else "(no run status line)"

    def tail(self, chars: int = 3000) -> str:
        return self.log[-chars:]

    def describe(self) -> str:
        how = f"killed after {self.duration:.2f}s" if self.killed else (
            f"exit {self.returncode} after {self.duration:.2f}s")
        sent = f", signals {'+'.join(self.signals_sent)}" if self.signals_sent else ""
        return f"{self.label}: N={self.articles} {how}{sent}; {self.status_line}"


@contextlib.contextmanager
def crawling(ws: Workspace, label: str, articles: int, *extra: str) -> Iterator[subprocess.Popen]:
    """Start a crawl (its own session, log to ``logs/<label>.log``); SIGKILL it if still running
    when the block ends, so no crawl outlives the harness."""
    log_path = ws.logs / f"{label}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            ws.command(articles, *extra),
            cwd=ROOT,
            env=dict(os.environ, PYTHONHASHSEED="0"),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    proc.log_path = log_path  # type: ignore[attr-defined]
    proc.started_at = time.monotonic()  # type: ignore[attr-defined]
    try:
        yield proc
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the crawl's own group: it and nothing else
            proc.wait(timeout=60)


def finish(proc: subprocess.Popen, label: str, articles: int, *, timeout: float = 300,
           kill_at: float | None = None, signals_sent: Sequence[str] = ()) -> Run:
    """Wait for a crawl started by :func:`crawling` to end."""
    returncode = proc.wait(timeout=timeout)
    started_at: float = proc.started_at  # type: ignore[attr-defined]
    log_path: Path = proc.log_path  # type: ignore[attr-defined]
    return Run(label, articles, returncode, time.monotonic() - started_at, log_path, kill_at,
               list(signals_sent))


def run_crawl(ws: Workspace, label: str, articles: int, *extra: str,
              kill_at: float | None = None, timeout: float = 300) -> Run:
    """A crawl, SIGKILLed ``kill_at`` seconds after its start if it is still running then."""
    with crawling(ws, label, articles, *extra) as proc:
        sent = []
        if kill_at is not None:
            try:
                proc.wait(timeout=kill_at)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                sent.append("SIGKILL")
        return finish(proc, label, articles, timeout=timeout, kill_at=kill_at, signals_sent=sent)


def wait_for(predicate: Callable[[], bool], proc: subprocess.Popen, timeout: float) -> bool:
    """Poll ``predicate`` until true, the crawl ends, or ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


# -- the archive -----------------------------------------------------------------------------


@contextlib.contextmanager
def read_only(db: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection: it never checkpoints or removes the WAL a killed run left, so
    the next crawl finds the files exactly as the kill left them."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        yield conn
    finally:
        conn.close()


def article_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with read_only(db) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def article_ids(db: Path) -> list[str]:
    with read_only(db) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM articles")]


def tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


DUPLICATES = {
    "articles": "SELECT id, count(*) FROM articles GROUP BY id HAVING count(*) > 1",
    "attachments": "SELECT article_id, url, count(*) FROM attachments"
                   " GROUP BY article_id, url HAVING count(*) > 1",
    "images": "SELECT article_id, position, count(*) FROM images"
              " GROUP BY article_id, position HAVING count(*) > 1",
    "article_authors": "SELECT article_id, position, count(*) FROM article_authors"
                       " GROUP BY article_id, position HAVING count(*) > 1",
}


def check_archive(ws: Workspace) -> list[str]:
    """SQLite integrity, FTS5 consistency and no duplicate rows."""
    if not ws.db.exists():
        return []  # killed before the archive was created
    problems: list[str] = []
    try:
        with read_only(ws.db) as conn:
            result = conn.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                problems.append(f"PRAGMA integrity_check: {result[:5]}")
            present = tables(conn)
            for table, sql in DUPLICATES.items():
                if table in present:
                    dups = conn.execute(sql).fetchall()
                    if dups:
                        problems.append(f"duplicate rows in {table}: {dups[:5]}")
            if "articles_fts" in present:
                # FTS5's own check writes, so it runs on an in-memory copy of the archive
                copy = sqlite3.connect(":memory:")
                try:
                    conn.backup(copy)
                    copy.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')")
                except sqlite3.Error as exc:
                    problems.append(f"FTS5 integrity-check of articles_fts: {exc}")
                finally:
                    copy.close()
    except sqlite3.Error as exc:
        problems.append(f"cannot read the archive: {type(exc).__name__}: {exc}")
    return problems


_digests: dict[tuple[str, int, int, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """sha256 of a file, remembered per (path, inode, size, mtime, ctime): a file replaced or
    rewritten in any way is hashed again."""
    st = path.stat()
    key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if key not in _digests:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        _digests[key] = digest.hexdigest()
    return _digests[key]


def _check_stored_file(ws: Workspace, where: str, entry: dict) -> str | None:
    path, sha256, size = entry.get("path"), entry.get("sha256"), entry.get("bytes")
    if not path or not sha256 or size is None:
        return f"{where}: status {entry.get('status')} without path/sha256/bytes: {entry}"
    target = (ws.root / path).resolve()
    if not target.is_relative_to(ws.files.resolve()):
        return f"{where}: path {path!r} is not under FILES_STORE"
    if not target.is_file():
        return f"{where}: {path} does not exist"
    actual_size = target.stat().st_size
    if actual_size != size:
        return f"{where}: {path} has {actual_size} bytes, the archive says {size}"
    actual = file_sha256(target)
    if actual != str(sha256).lower():
        return (f"{where}: {path} has sha256 {actual[:16]}…, "
                f"the archive says {str(sha256)[:16]}…")
    return None


def check_files(ws: Workspace) -> list[str]:
    """Every attachment the archive calls downloaded/cached is on disk as recorded."""
    if not ws.db.exists():
        return []
    problems: list[str] = []
    try:
        with read_only(ws.db) as conn:
            present = tables(conn)
            if "attachments" in present:
                conn.row_factory = sqlite3.Row
                rows = conn.execute(
                    "SELECT article_id, url, status, path, sha256, bytes FROM attachments"
                    " WHERE status IN ('downloaded', 'cached')"
                ).fetchall()
                for row in rows:
                    problem = _check_stored_file(
                        ws, f"attachments row {row['article_id']} {row['url']}", dict(row))
                    if problem:
                        problems.append(problem)
            if "articles" in present:
                conn.row_factory = None
                for article_id, text in conn.execute(
                    "SELECT id, attachments FROM articles WHERE attachments IS NOT NULL"
                ):
                    try:
                        entries = json.loads(text)
                    except ValueError as exc:
                        problems.append(f"articles.attachments of {article_id} is not JSON: {exc}")
                        continue
                    for entry in entries or []:
                        if not isinstance(entry, dict):
                            continue
                        if entry.get("status") in ("downloaded", "cached"):
                            where = f"articles.attachments of {article_id} {entry.get('url')}"
                            problem = _check_stored_file(ws, where, entry)
                            if problem:
                                problems.append(problem)
    except sqlite3.Error as exc:
        problems.append(f"cannot read the archive: {type(exc).__name__}: {exc}")
    return problems


def check_lock_free(ws: Workspace) -> list[str]:
    """Nobody holds the archive's flock (run this only while no crawl is going)."""
    if not ws.lock.exists():
        return []
    fd = os.open(ws.lock, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return [f"{ws.lock.name} is still locked although no crawl is running"]
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    return []


def final_ids_problems(ws: Workspace, articles: int) -> list[str]:
    ids = article_ids(ws.db)
    want = set(DemoSite(articles).all_ids())
    problems = []
    if len(ids) != len(set(ids)):
        problems.append(f"{len(ids) - len(set(ids))} duplicate id(s) in articles")
    if set(ids) != want:
        missing, extra = sorted(want - set(ids)), sorted(set(ids) - want)
        problems.append(
            f"archive has {len(set(ids))} ids, DemoSite({articles}) {len(want)}: "
            f"{len(missing)} missing {missing[:5]}, {len(extra)} extra {extra[:5]}")
    return problems


# -- JSON lines files ------------------------------------------------------------------------


def jsonl_files(ws: Workspace) -> dict[str, bytes]:
    """Every ``*.jsonl`` in the items folder, by name, with its bytes."""
    if not ws.items.exists():
        return {}
    return {p.name: p.read_bytes() for p in sorted(ws.items.glob("*.jsonl"))}


def split_lines(data: bytes) -> tuple[list[bytes], bytes]:
    """``(complete lines, partial last line)``: a complete line ends with a newline."""
    *complete, partial = data.split(b"\n")
    return complete, partial


def line_problem(line: bytes) -> str | None:
    """Why a complete line is not exactly one record, or None."""
    try:
        text = line.decode("utf-8")
        value, end = json.JSONDecoder().raw_decode(text.strip())
    except (UnicodeDecodeError, ValueError) as exc:
        return f"does not parse ({type(exc).__name__}: {str(exc)[:80]})"
    rest = text.strip()[end:]
    if rest:
        glued = rest.lstrip().startswith("{")
        return ("two records glued together" if glued else "trailing bytes after the record") + (
            f" (id {value.get('id') if isinstance(value, dict) else '?'})")
    if not isinstance(value, dict):
        return f"not an object: {type(value).__name__}"
    if set(value) != RECORD_KEYS:
        return f"keys are not the feed's: {sorted(set(value) ^ RECORD_KEYS)[:6]}"
    return None


def check_complete_lines(files: dict[str, bytes]) -> tuple[list[str], int]:
    """Problems of complete lines, and how many files end in a half-written line."""
    problems, partial_files = [], 0
    for name, data in files.items():
        complete, partial = split_lines(data)
        for number, line in enumerate(complete, 1):
            problem = line_problem(line)
            if problem:
                problems.append(f"{name} line {number}: {problem}: {line[:80]!r}…")
        if partial:
            partial_files += 1
    return problems, partial_files


def check_earlier_files(before: dict[str, bytes], after: dict[str, bytes],
                        repair_expected: bool) -> tuple[list[str], list[str]]:
    """Files of earlier runs after one more run: ``(hard problems, repair problems)``.

    Hard: their complete lines are all still there, unchanged, and nothing follows them but
    (part of) the old half line. Repair (only when the run went through spider open): the
    half-written last line is gone, so the file ends with a newline and every line parses.
    """
    hard, repair = [], []
    for name, old in before.items():
        new = after.get(name)
        if new is None:
            hard.append(f"{name} disappeared")
            continue
        complete, partial = split_lines(old)
        kept = b"".join(line + b"\n" for line in complete)
        if not new.startswith(kept):
            hard.append(f"{name}: complete lines of the earlier run were changed or dropped")
            continue
        if not (partial + b"\n").startswith(new[len(kept):]):
            hard.append(f"{name}: {len(new) - len(kept)} bytes that were not there before follow "
                        f"its complete lines (another run wrote into an earlier run's file)")
            continue
        if repair_expected:
            new_complete, new_partial = split_lines(new)
            if new_partial:
                repair.append(f"{name}: the half-written last line ({len(new_partial)} bytes, "
                              f"{new_partial[:50]!r}…) is still there after the next run")
            for number, line in enumerate(new_complete, 1):
                problem = line_problem(line)
                if problem:
                    repair.append(f"{name} line {number}: {problem}")
    return hard, repair


def check_all_lines(files: dict[str, bytes]) -> list[str]:
    """Every line of every file parses (no half line left anywhere)."""
    problems, _ = check_complete_lines(files)
    problems += [f"{name}: ends with a half-written line ({len(split_lines(data)[1])} bytes)"
                 for name, data in files.items() if split_lines(data)[1]]
    return problems


def inject_half_line(ws: Workspace, before: dict[str, bytes], rng: random.Random) -> int:
    """Leave the killed run's file as a kill in the middle of a write leaves it: a cut record
    after its complete lines. Scrapy's exporter writes whole lines through an 8 KiB buffer, so
    a real SIGKILL seldom cuts a line (only a write of several pages interrupted between two);
    the repair must be exercised all the same. A kill that came before the run opened its file
    (during start-up) leaves no file of its own: the cut record then goes to the newest file of
    an earlier run, which the repair at the start of the next run treats alike (it cuts a half
    line off every file). Returns the bytes appended (0: nothing to do)."""
    files = jsonl_files(ws)
    new = [name for name in files if name not in before]
    if len(new) > 1:
        return 0  # more than one new file: not a state a single killed run leaves
    target = new[0] if new else (max(files) if files else None)  # names sort by run start
    if target is None or split_lines(files[target])[1]:
        return 0  # no file at all, or it already ends in a half line
    lines = [line for data in files.values() for line in split_lines(data)[0] if line]
    if not lines:
        return 0
    record = lines[-1]
    cut = rng.randrange(1, len(record))  # anywhere, even inside a UTF-8 sequence
    with (ws.items / target).open("ab") as fh:
        fh.write(record[:cut])
    return cut


# -- the soak --------------------------------------------------------------------------------


@dataclass
class Problem:
    kind: str  # one of HARD_KINDS or REPAIR
    where: str
    message: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.where}: {self.message}"


@dataclass
class Report:
    """What a soak did and found."""

    seed: int
    trials: int = 0
    kills: int = 0
    completed: int = 0
    kills_survived: int = 0
    half_lines_left: int = 0  # files a kill left ending in a half-written line
    half_lines_injected: int = 0  # half lines the harness appended to a killed run's file
    half_lines_repaired: int = 0  # ... that the next started run left ending in a newline
    half_lines_checked: int = 0  # ... that a run going through spider open could have repaired
    runs: list[Run] = field(default_factory=list)
    windows: list[float] = field(default_factory=list)  # upper end of each trial's kill window
    problems: list[Problem] = field(default_factory=list)
    final: Run | None = None
    final_articles: int = 0
    final_stored: int = 0
    seconds: float = 0.0

    def hard(self) -> list[Problem]:
        return [p for p in self.problems if p.kind != REPAIR]

    def repair(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == REPAIR]

    def figures(self) -> str:
        trial_times = [r.duration for r in self.runs]
        durations = (
            f"trial time mean {statistics.mean(trial_times):.2f}s, max {max(trial_times):.2f}s"
            if trial_times else "no trial")
        final = (f"final run exit {self.final.returncode} in {self.final.duration:.1f}s, "
                 f"{self.final_stored}/{len(DemoSite(self.final_articles).all_ids())} ids"
                 if self.final else "no final run")
        return (
            f"seed {self.seed}: {self.trials} trials, {self.kills} SIGKILLs, {self.completed} runs "
            f"finished before their kill time; {self.kills_survived}/{self.kills} kills survived; "
            f"{self.half_lines_left} half-written JSON lines left by kills and "
            f"{self.half_lines_injected} injected, "
            f"{self.half_lines_repaired}/{self.half_lines_checked} repaired by the next run; "
            f"{len(self.hard())} hard problem(s), {len(self.repair())} repair problem(s); "
            f"{final}; {durations}; kill window up to "
            f"{min(self.windows or [0]):.1f}-{max(self.windows or [0]):.1f} s; "
            f"{self.seconds:.0f}s in all"
        )


def soak(
    ws: Workspace,
    *,
    trials: int,
    seed: int = SEED,
    articles: int = 100,
    publish_per_trial: int = 20,
    kill_window: tuple[float, float] = (0.3, 4.0),
    batch: int = 20,
    inject_rate: float = 0.5,
    adaptive: bool = True,
    min_kills: int = 0,
    max_trials: int | None = None,
    say: Callable[[str], None] = print,
) -> Report:
    """Run at least ``trials`` kill trials (more, up to ``max_trials``, until ``min_kills``
    runs were actually killed), then one run without a kill; check after each one.

    The kill comes ``kill_window[0] + u * (T - kill_window[0])`` seconds after the start, ``u``
    from ``random.Random(seed)``, ``T`` the typical time of a whole run: ``kill_window[1]`` at
    first, then (``adaptive``) following the runs: halfway towards the time of each run that
    finished, 10% longer after a run still going at a late kill. So the kills spread over the
    whole run, start-up to close, on an idle machine or a loaded one. The demo site publishes
    ``publish_per_trial`` more articles before a trial only while at most that many are
    missing from the archive, so every run has a scheduled run's work."""
    rng = random.Random(seed)  # kill times only: the same sequence whatever the timing
    injector = random.Random(seed + 1)
    report = Report(seed=seed)
    extra = ("-s", f"NEWSZONE_DB_BATCH={batch}")
    started = time.monotonic()
    previous: Run | None = None
    pending_kill = False  # the last run was killed: its survival is decided after the next run
    pending_ok = True
    n = articles
    cap = max(trials, max_trials or trials)

    def record(where: str, kind: str, messages: Sequence[str]) -> bool:
        for message in messages:
            report.problems.append(Problem(kind, where, message))
            say(f"  PROBLEM [{kind}] {where}: {message}")
        return not messages

    def after_run(run: Run, before: dict[str, bytes], *, final: bool) -> bool:
        """The checks after one run; True when no hard problem was found."""
        nonlocal pending_kill, pending_ok
        ok = True
        where = run.label
        ok &= record(where, "archive", check_archive(ws))
        ok &= record(where, "files", check_files(ws))
        files = jsonl_files(ws)
        lines, _ = check_complete_lines(files)
        ok &= record(where, "jsonl", lines)
        hard, repair = check_earlier_files(before, files, run.started)
        ok &= record(where, "jsonl", hard)
        record(where, REPAIR, repair)
        halves_before = [name for name, data in before.items() if split_lines(data)[1]]
        if run.started and halves_before:
            report.half_lines_checked += len(halves_before)
            report.half_lines_repaired += sum(
                1 for name in halves_before if not split_lines(files.get(name, b"x"))[1])
        if previous is not None and previous.killed and run.locked:
            ok &= record(where, "lock", [f"refused as LOCKED after {previous.label} was killed: "
                                         f"{run.status_line}"])
        if run.killed:
            ok &= record(where, "lock", check_lock_free(ws))
            report.half_lines_left += sum(
                1 for name, data in files.items() if name not in before and split_lines(data)[1])
        else:
            if run.returncode != 0:
                ok &= record(where, "run",
                             [f"exit code {run.returncode}, not 0: {run.status_line}"])
            elif not final:
                # a run that finished ok has every article the site lists (README: "after a
                # failed or killed run, the next run walks the whole listing")
                ok &= record(where, "run", [f"finished ok, yet {p}"
                                            for p in final_ids_problems(ws, run.articles)])
            ok &= record(where, "jsonl", [
                f"{name}: the run was not killed, yet its file ends with a half-written line"
                for name, data in files.items() if name not in before and split_lines(data)[1]])
        if final:
            ok &= record(where, "run", final_ids_problems(ws, run.articles))
        # a kill is survived when its own checks and those after the next run found nothing
        if pending_kill:
            report.kills_survived += pending_ok and ok
            pending_kill = False
        if run.killed:
            pending_kill, pending_ok = True, ok
        return ok

    kill_min, typical = kill_window
    try:
        while report.trials < trials or (report.kills < min_kills and report.trials < cap):
            label = f"trial-{report.trials + 1:03d}"
            if report.trials and n - article_count(ws.db) <= publish_per_trial:
                n += publish_per_trial  # publish more only while the backlog is small
            before = jsonl_files(ws)
            # kill at a seeded share of the typical run time: the same shares whatever the load
            window = (kill_min, max(typical, kill_min + 0.5))
            kill_at = window[0] + rng.random() * (window[1] - window[0])
            report.windows.append(window[1])
            run = run_crawl(ws, label, n, *extra, kill_at=kill_at)
            if adaptive:  # follow the time a whole run takes now (other load, more articles)
                if not run.killed:
                    typical = 0.5 * typical + 0.5 * run.duration
                elif kill_at >= window[0] + 0.75 * (window[1] - window[0]):
                    typical *= 1.1  # killed late and still running: runs take longer
                typical = min(typical, 120.0)
            report.trials += 1
            report.runs.append(run)
            if run.killed:
                report.kills += 1
            else:
                report.completed += 1
            say(f"{run.describe()} (kill at {kill_at:.2f}s of {window[0]}-{window[1]:.2f}s)")
            ok = after_run(run, before, final=False)
            say(f"  -> {article_count(ws.db)} stored{'' if ok else '  (PROBLEMS)'}")
            if run.killed and injector.random() < inject_rate:
                injected = inject_half_line(ws, before, injector)
                if injected:
                    report.half_lines_injected += 1
                    say(f"  injected a half line ({injected} bytes)")
            previous = run
        before = jsonl_files(ws)
        final = run_crawl(ws, "final", n, *extra)
        report.final, report.final_articles = final, n
        after_run(final, before, final=True)
        report.final_stored = article_count(ws.db)
        say(f"{final.describe()} -> {report.final_stored} stored")
    finally:
        report.seconds = time.monotonic() - started
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=200, help="kill trials (default 200)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument("--articles", type=int, default=100,
                        help="demo site size at the first trial (default 100)")
    parser.add_argument("--publish-per-trial", type=int, default=20,
                        help="articles the demo site publishes before each further trial (20)")
    parser.add_argument("--kill-window", type=float, nargs=2, default=(0.3, 4.0),
                        metavar=("MIN", "MAX"),
                        help="SIGKILL after U(MIN, MAX) s; MAX then follows the run time (0.3 4.0)")
    parser.add_argument("--fixed-window", action="store_true",
                        help="keep MAX fixed instead of following the time a run takes")
    parser.add_argument("--batch", type=int, default=20, help="NEWSZONE_DB_BATCH (default 20)")
    parser.add_argument("--inject-rate", type=float, default=0.5,
                        help="share of kills whose file gets a cut record appended (0.5)")
    parser.add_argument("--workdir", type=Path, help="work folder (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args(argv)
    root = args.workdir or Path(tempfile.mkdtemp(prefix="soak-kill-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"Kill soak in {root}: {args.trials} trials, seed {args.seed}", flush=True)
    report = soak(
        Workspace(root), trials=args.trials, seed=args.seed, articles=args.articles,
        publish_per_trial=args.publish_per_trial, kill_window=tuple(args.kill_window),
        batch=args.batch, inject_rate=args.inject_rate, adaptive=not args.fixed_window,
        say=lambda line: print(line, flush=True),
    )
    print()
    for problem in report.problems:
        print(problem)
    print(f"Kill soak: {report.figures()}")
    if args.keep or report.problems:
        print(f"Work folder kept: {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if not report.problems else 1


if __name__ == "__main__":
    sys.exit(main())
