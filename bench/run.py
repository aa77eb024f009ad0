"""The benchmark of issue 7, in one command: the crawl against bare Scrapy on the demo site.

    .venv/bin/python bench/run.py                 # N = 2,000 and 10,000 (what `make bench` runs)
    .venv/bin/python bench/run.py --sizes 300     # a quick look
    .venv/bin/python bench/run.py --no-profile --repeat 2

For each catalogue size N, each run against a **fresh** demo site started standalone in its own
process (``python -m newszone_crawler.demo_site --port 0 --articles N``), so the site never
shares the crawler's core or warm caches between runs:

* ``site``: the demo site's own ceiling: a plain asyncio client (``bench/site_ceiling.py``)
  GETs the same listing and article URLs once over 32 keep-alive connections;
* ``A``: a bare Scrapy spider (``bench/bare_spider.py``) requesting exactly those URLs with the
  settings the real spider gets on loopback, doing nothing with the pages;
* ``B``: ``scrapy crawl newszone -a base_url=... -a mode=full`` into a fresh archive with
  ``NEWSZONE_WARC_ENABLED=0 NEWSZONE_FILES_ENABLED=0`` (parse, normalize, SQLite, JSON lines);
* ``C``: an incremental run on B's archive right after it, nothing changed;
* ``D``: an incremental run on B's archive after 10 articles were published (site at N+10);
* ``B+warc``: B again into another fresh archive, with WARC capture and attachment files on;
* ``rebuild``: ``python -m newszone_crawler rebuild`` of B+warc's WARC files into a new archive.

Then, once: the per-article extraction cost (``bench/extraction.py``) and, unless
``--no-profile``, a py-spy profile of B (and a cProfile of the extraction).

Every figure comes from the run itself: wall time and peak RSS from ``os.wait4`` of the child
process, requests, pages and items from the crawl's final stats (``bench/statsdump.py``),
crawl time from Scrapy's ``elapsed_time_seconds``. Results go to ``--out`` (JSON and a
Markdown table) and to the terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from newszone_crawler import settings as project  # noqa: E402
from newszone_crawler.demo_site import DemoSite  # noqa: E402
from newszone_crawler.parsing.urls import article_url, listing_url  # noqa: E402

PY = sys.executable
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PUBLISHED = 10  # articles published between C and D
PROFILE_RATE = 250  # py-spy samples per second


# -- processes ------------------------------------------------------------------------------


@dataclass
class Measured:
    """One child process: exit code, wall seconds, CPU seconds, peak RSS."""

    returncode: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    log: str
    rss_timeline: list[tuple[float, float]] = field(default_factory=list)


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_measured(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> Measured:
    """Run ``cmd`` from the project root; its own rusage through ``os.wait4``, and its RSS
    sampled every 0.5 s (``rss_timeline``: seconds, MB) to see when the peak comes."""
    log.parent.mkdir(parents=True, exist_ok=True)
    timeline: list[tuple[float, float]] = []
    started = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **(env or {})})
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.5):
                rss = _rss_mb(proc.pid)
                if rss is not None:
                    timeline.append((round(time.perf_counter() - started, 1), round(rss, 1)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        sampler.join()
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    measured = Measured(proc.returncode, wall, usage.ru_utime + usage.ru_stime,
                        usage.ru_maxrss / 1024, str(log))
    measured.rss_timeline = timeline[:: max(1, len(timeline) // 40)]
    return measured


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a live process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class DemoServer:
    """The demo site, standalone in its own process, for one run."""

    def __init__(self, articles: int, log: Path, chrome: str = "light") -> None:
        self.articles = articles
        self.log = log
        self.chrome = chrome  # the demo's page weight: light, or real (the real site's chrome)
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> DemoServer:
        self.proc = subprocess.Popen(
            [PY, "-m", "newszone_crawler.demo_site", "--port", "0", "--articles",
             str(self.articles), "--chrome", self.chrome],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        if " at http" not in first:
            self.proc.kill()
            raise RuntimeError(f"demo site did not start: {first!r}")
        self.url = first.rsplit(" at ", 1)[1].strip().rstrip("/")
        self._cpu0 = _proc_cpu(self.proc.pid)
        self._t0 = time.perf_counter()
        return self

    def busy_share(self) -> float:
        """Share of one core the site used since it started serving."""
        assert self.proc is not None
        return (_proc_cpu(self.proc.pid) - self._cpu0) / (time.perf_counter() - self._t0)

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# -- the URLs the real crawl requests ---------------------------------------------------------


def crawl_urls(articles: int, base_url: str, media: bool = False) -> dict[str, list[str]]:
    """The listing and article URLs a full crawl of the demo site requests: every listing
    page of every board plus the empty page past the last (which ends the spider's walk), and
    each article's canonical URL (``parsing.urls.article_url``), notice included once. With
    ``media``, also every photo and attachment URL (what the crawl fetches with WARC capture
    and attachment files on)."""
    site = DemoSite(articles, base_url=base_url)
    listings, pages = [], []
    for key, board in project.NEWSZONE_BOARDS.items():
        for page in range(1, site.pages(key) + 2):
            listings.append(listing_url(base_url, board["board_id"], board["menu_id"],
                                        project.NEWSZONE_SITE_ID, page))
        for seq in site.ids(key):
            pages.append(article_url(base_url, board["board_id"], seq, board["menu_id"],
                                     project.NEWSZONE_SITE_ID))
    urls = {"listings": listings, "articles": pages}
    if media:
        files: list[str] = []
        for k in range(articles, 0, -1):
            truth = site.truth(k)
            files += [image["url"] for image in truth["images"]]
            files += [attachment["url"] for attachment in truth["attachments"]]
        urls["media"] = files
    return urls


# -- one size ----------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the results table."""

    run: str
    articles: int
    returncode: int = 0
    status: str = ""
    wall_s: float = 0.0
    crawl_s: float = 0.0
    requests: int = 0
    pages: int = 0
    article_pages: int = 0
    items: int = 0
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0
    site_busy: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.crawl_s if self.crawl_s else 0.0

    @property
    def pages_per_wall_s(self) -> float:
        return self.pages / self.wall_s if self.wall_s else 0.0

    @property
    def pages_per_cpu_s(self) -> float:
        """Pages per CPU-second of the process (all its threads): what other load on the
        machine changes least, as long as the crawl is CPU-bound (the profile says it is)."""
        return self.pages / self.cpu_s if self.cpu_s else 0.0

    @property
    def items_per_s(self) -> float:
        return self.items / self.crawl_s if self.crawl_s else 0.0


def _stats(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def crawl_cmd(base_url: str, out: Path, stats: Path, mode: str, archiving: bool,
              profile: bool = False) -> list[str]:
    """``scrapy crawl newszone`` against the standalone site, everything under ``out``."""
    cmd = [PY, "-m", "scrapy", "crawl", "newszone", "-a", f"base_url={base_url}", "-a",
           f"mode={mode}"]
    settings = {
        "NEWSZONE_DB": out / "newszone.sqlite",
        "NEWSZONE_WARC_DIR": out / "warc",
        "NEWSZONE_MANIFEST_DIR": out / "manifests",
        "FILES_STORE": out / "files",
        "NEWSZONE_JSONL": out / "items" / "newszone-%(run_id)s.jsonl",
        "NEWSZONE_WARC_ENABLED": int(archiving),
        "NEWSZONE_FILES_ENABLED": int(archiving),
        "LOG_LEVEL": "INFO",
        "STATS_CLASS": "bench.statsdump.JsonStatsCollector",
        "BENCH_STATS_FILE": stats,
    }
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def crawl_row(name: str, articles: int, measured: Measured, stats: dict[str, Any],
              site_busy: float) -> Row:
    listing = stats.get("newszone/listing/pages", stats.get("bench/pages/listing", 0))
    article = stats.get("newszone/article/parsed", 0) + stats.get(
        "newszone/article/layout_error", 0
    ) + stats.get("bench/pages/article", 0)
    return Row(
        run=name,
        articles=articles,
        returncode=measured.returncode,
        status=stats.get("newszone/status", stats.get("finish_reason", "?")),
        wall_s=measured.wall_s,
        crawl_s=float(stats.get("elapsed_time_seconds", 0.0)),
        requests=stats.get("downloader/request_count", 0),
        pages=listing + article,
        article_pages=article,
        items=stats.get("item_scraped_count", 0),
        cpu_s=measured.cpu_s,
        peak_rss_mb=measured.peak_rss_mb,
        site_busy=site_busy,
        extra={"log": measured.log, "store_batches": stats.get("newszone/store/batches", 0),
               "rss_timeline": measured.rss_timeline,
               "memusage_max_mb": stats.get("memusage/max", 0) / 2**20},
    )


def bench_size(n: int, work: Path, repeat: int, log: Any, media: bool = True) -> list[Row]:
    """Every run at catalogue size ``n``."""
    rows: list[Row] = []
    work.mkdir(parents=True, exist_ok=True)

    # the site's ceiling
    with DemoServer(n, work / "site.log") as site:
        urls = crawl_urls(n, site.url)
        urls_file = work / "urls.json"
        urls_file.write_text(json.dumps(urls), "utf-8")
        measured = run_measured([PY, str(BENCH / "site_ceiling.py"), str(urls_file)],
                                work / "ceiling.log")
        busy = site.busy_share()
    result = json.loads(Path(measured.log).read_text().strip().splitlines()[-1])
    rows.append(Row("site", n, measured.returncode, "errors: %d" % result["errors"],
                    measured.wall_s, result["seconds"], result["requests"], result["requests"],
                    len(urls["articles"]), 0, measured.cpu_s, measured.peak_rss_mb, busy,
                    {"requests_per_s": result["requests_per_s"]}))
    log(rows[-1])

    def bare(i: int, media: bool = False) -> Row:
        tag = f"A{'m' if media else ''}{i}"
        with DemoServer(n, work / f"site-{tag}.log") as site:
            urls_a = crawl_urls(n, site.url, media)
            (work / f"urls-{tag}.json").write_text(json.dumps(urls_a), "utf-8")
            stats = work / f"{tag}.stats.json"
            measured = run_measured(
                [PY, str(BENCH / "bare_spider.py"), str(work / f"urls-{tag}.json"),
                 "--stats", str(stats)], work / f"{tag}.log")
            busy = site.busy_share()
        return crawl_row("A+media bare" if media else "A bare", n, measured, _stats(stats), busy)

    def full(i: int, archiving: bool) -> Row:
        tag = f"B{'w' if archiving else ''}{i}"
        out = work / tag
        shutil.rmtree(out, ignore_errors=True)
        with DemoServer(n, work / f"site-{tag}.log") as site:
            stats = work / f"{tag}.stats.json"
            measured = run_measured(crawl_cmd(site.url, out, stats, "full", archiving),
                                    work / f"{tag}.log")
            busy = site.busy_share()
        row = crawl_row("B+warc+files" if archiving else "B crawl", n, measured,
                        _stats(stats), busy)
        row.extra["out"] = str(out)
        return row

    best: dict[str, Row] = {}
    for i in range(repeat):  # A and B side by side, alternating; the best of each counts
        for key, make in (("A", lambda: bare(i)), ("B", lambda: full(i, False)),
                          ("BW", lambda: full(i, True))):
            row = make()
            log(row, f"(pass {i + 1}/{repeat})")
            if key not in best or row.pages_per_s > best[key].pages_per_s:
                if key in best:
                    row.extra["other_passes_pages_per_s"] = [best[key].pages_per_s]
                best[key] = row
            else:
                best[key].extra.setdefault("other_passes_pages_per_s", []).append(row.pages_per_s)
    rows += [best["A"], best["B"]]
    b_out = Path(best["B"].extra["out"])
    for i in range(repeat):  # the archives of the passes that lost are not needed any more
        for tag, key in ((f"B{i}", "B"), (f"Bw{i}", "BW")):
            if str(work / tag) != best[key].extra["out"]:
                shutil.rmtree(work / tag, ignore_errors=True)

    # C: incremental right after B, nothing changed; D: after PUBLISHED new articles
    for name, articles in (("C incremental", n), (f"D +{PUBLISHED} published", n + PUBLISHED)):
        tag = name[0]
        with DemoServer(articles, work / f"site-{tag}.log") as site:
            stats = work / f"{tag}.stats.json"
            measured = run_measured(crawl_cmd(site.url, b_out, stats, "incremental", False),
                                    work / f"{tag}.log")
            busy = site.busy_share()
        rows.append(crawl_row(name, articles, measured, _stats(stats), busy))
        log(rows[-1])

    rows.append(best["BW"])
    bw_out = Path(best["BW"].extra["out"])
    if media:  # the bare limit for B+warc+files: the same requests, photos and files included
        rows.append(bare(0, media=True))
        log(rows[-1])

    # re-extraction of B+warc's captures into a new archive, without the site
    target = work / "rebuilt.sqlite"
    target.unlink(missing_ok=True)
    measured = run_measured(
        [PY, "-m", "newszone_crawler", "rebuild", "--from-warc", str(bw_out / "warc"), "--db",
         str(target), "--files-store", str(bw_out / "files")], work / "rebuild.log")
    summary = Path(measured.log).read_text("utf-8").strip().splitlines()
    rebuilt = next((int(line.split()[1]) for line in summary if line.startswith("Rebuilt ")), 0)
    rows.append(Row("rebuild (WARC)", n, measured.returncode,
                    "ok" if measured.returncode == 0 else "failed", measured.wall_s,
                    measured.wall_s, 0, rebuilt, rebuilt, rebuilt, measured.cpu_s,
                    measured.peak_rss_mb, 0.0, {"summary": summary[:1]}))
    log(rows[-1])
    return rows


# -- profile -----------------------------------------------------------------------------------

# Where a sample's time goes: the first rule (leaf upwards) whose pattern is in a frame's file.
CATEGORIES = (
    ("parse (parsing/, parsel, lxml)", ("newszone_crawler/parsing/", "/parsel/", "/lxml/",
                                       "/cssselect/")),
    ("normalize (normalize/)", ("newszone_crawler/normalize/",)),
    ("SQLite archive (sqlite_store, sqlite-utils)", ("exporters/sqlite_store", "/sqlite_utils/",
                                                     "newszone_crawler/pipelines.py")),
    ("WARC capture (middlewares, warcio, cdxj, wacz)", ("exporters/warc", "/warcio/",
                                                        "/cdxj_indexer/", "/wacz/",
                                                        "newszone_crawler/middlewares.py")),
    ("JSON lines feed", ("scrapy/extensions/feedexport", "scrapy/exporters")),
    ("attachment files", ("newszone_crawler/files.py", "scrapy/pipelines/")),
    ("spider (spiders/newszone.py)", ("newszone_crawler/spiders/",)),
    ("HTTP download (Twisted, Scrapy handlers)", ("twisted/web/", "scrapy/core/downloader/",
                                                  "twisted/internet/tcp", "h2/", "/hpack/")),
    ("Scrapy middlewares", ("scrapy/downloadermiddlewares/", "scrapy/spidermiddlewares/")),
    ("Scrapy engine, scheduler, signals", ("scrapy/core/", "scrapy/utils/", "/queuelib/",
                                           "/pydispatch/", "scrapy/signalmanager", "scrapy/http/",
                                           "/w3lib/")),
    ("reactor and asyncio (event loop)", ("twisted/", "asyncio/", "selectors.py")),
    ("start-up (imports)", ("<frozen importlib", "importlib/")),
)


# Functions whose inclusive time the profile summary lists (the crawl's own work, Scrapy's item
# and download paths, the store, WARC writing, imports).
INCLUSIVE_OF = (
    "newszone_crawler/", "Scraper.start_itemproc", "ItemPipelineManager.process_item",
    "Downloader._download", "FeedExporter", "sqlite_utils/db.py", "WARCWriter", "_find_and_load (",
    "wacz/main", "write_cdx_index",
)


def _category(stack: list[str]) -> str:
    for frame in reversed(stack):
        for name, patterns in CATEGORIES:
            if any(p in frame for p in patterns):
                return name
    return "other"


def summarize_pyspy(raw: Path, wall_s: float, rate: int, top: int = 20) -> dict[str, Any]:
    """From py-spy's raw output (``--threads``, idle samples left out): how busy the main
    thread was, where its busy time went (by category, and the functions with most samples of
    their own), and how much time worker threads (thread pool: file writes, DNS) were busy."""
    by_category: Counter[str] = Counter()
    by_leaf: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    for line in raw.read_text("utf-8", "replace").splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        if not stack_text or not count_text.isdigit():
            continue
        count = int(count_text)
        stack = stack_text.split(";")
        main = any("scrapy/cmdline.py" in frame or "scrapy/__main__.py" in frame
                   for frame in stack[:4])
        threads["main" if main else "workers"] += count
        if not main:
            continue
        by_category[_category(stack)] += count
        by_leaf[stack[-1]] += count
        for name in {frame.rsplit(":", 1)[0] + ")" for frame in stack}:
            if any(key in name for key in INCLUSIVE_OF):
                inclusive[name] += count
    busy = threads["main"]
    return {
        "samples_main": busy,
        "samples_workers": threads["workers"],
        "main_busy_share": busy / (wall_s * rate) if wall_s else 0.0,
        "workers_busy_s": threads["workers"] / rate,
        "busy_by_category": {k: v / busy for k, v in by_category.most_common()} if busy else {},
        "top_self": [(k, v / busy) for k, v in by_leaf.most_common(top)] if busy else [],
        "top_inclusive": [(k, v / busy) for k, v in inclusive.most_common(top)] if busy else [],
    }


def profile_crawl(n: int, work: Path, archiving: bool) -> dict[str, Any]:
    """py-spy (sampling, 250 Hz, per thread) of crawl B; falls back to Scrapy's --profile."""
    tag = "prof-Bw" if archiving else "prof-B"
    out = work / tag
    shutil.rmtree(out, ignore_errors=True)
    raw = work / f"{tag}.pyspy.txt"
    pyspy = shutil.which("py-spy", path=str(Path(PY).parent)) or shutil.which("py-spy")
    with DemoServer(n, work / f"site-{tag}.log") as site:
        cmd = crawl_cmd(site.url, out, work / f"{tag}.stats.json", "full", archiving)
        if pyspy:
            cmd = [pyspy, "record", "--threads", "--rate", str(PROFILE_RATE), "--format", "raw",
                   "-o", str(raw), "--", *cmd]
        else:
            cmd = [*cmd[:5], "--profile", str(work / f"{tag}.cprofile"), *cmd[5:]]
        measured = run_measured(cmd, work / f"{tag}.log")
    if not pyspy or not raw.exists():
        return {"tool": "cProfile (py-spy not installed)", "file": str(work / f"{tag}.cprofile"),
                "returncode": measured.returncode}
    return {"tool": "py-spy", "returncode": measured.returncode, "wall_s": measured.wall_s,
            **summarize_pyspy(raw, measured.wall_s, PROFILE_RATE)}


# -- report ------------------------------------------------------------------------------------

HEADER = ("run", "N", "status", "wall s", "crawl s", "requests", "pages", "art. pages",
          "items", "pages/s", "items/s", "CPU s", "pages/CPU-s", "peak RSS MB", "site busy")


def cells(row: Row) -> list[str]:
    if row.run == "site":
        rate = f"{row.extra['requests_per_s']:.0f}"
    else:
        rate = f"{row.pages_per_s:.1f}"
    items_rate = f"{row.items_per_s:.1f}" if row.run not in ("site",) else "-"
    if row.run.startswith("rebuild"):
        rate, items_rate = "-", f"{row.items / row.wall_s:.0f}" if row.wall_s else "-"
    return [row.run, f"{row.articles:,}", row.status, f"{row.wall_s:.2f}", f"{row.crawl_s:.2f}",
            f"{row.requests:,}", f"{row.pages:,}", f"{row.article_pages:,}", f"{row.items:,}",
            rate, items_rate, f"{row.cpu_s:.1f}",
            f"{row.pages_per_cpu_s:.0f}" if row.run != "site" else "-", f"{row.peak_rss_mb:.0f}",
            f"{row.site_busy:.0%}" if row.site_busy else "-"]


def markdown_table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def text_table(rows: list[Row]) -> str:
    table = [list(HEADER)] + [cells(r) for r in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(HEADER))]
    return "\n".join("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in
                               enumerate(zip(r, widths, strict=True))) for r in table)


def verdicts(
    rows: list[Row], extraction: dict[str, Any] | None, _unused: Path | None = None
) -> list[tuple[str, str, bool | None]]:
    """``(target, measured, met)`` for each target of the issue (``None``: no target)."""
    out: list[tuple[str, str, bool | None]] = []
    sizes = sorted({r.articles for r in rows if r.run == "A bare"})
    get = {(r.run, r.articles): r for r in rows}
    for n in sizes:
        a, b, bw = get[("A bare", n)], get[("B crawl", n)], get[("B+warc+files", n)]
        c = get[("C incremental", n)]
        r1 = b.pages_per_s / a.pages_per_s
        r2 = bw.pages_per_s / a.pages_per_s
        out.append((f"N={n:,}: B >= 0.80x A pages/s (no WARC/files)",
                    f"{r1:.2f}x ({b.pages_per_s:.0f} vs {a.pages_per_s:.0f} pages/s)", r1 >= 0.8))
        out.append((f"N={n:,}: B >= 0.70x A pages/s (WARC + files)",
                    f"{r2:.2f}x ({bw.pages_per_s:.0f} vs {a.pages_per_s:.0f} pages/s)", r2 >= 0.7))
        out.append((f"N={n:,}: (no target) B / A in pages per CPU-second, no WARC/files",
                    f"{b.pages_per_cpu_s / a.pages_per_cpu_s:.2f}x ({b.pages_per_cpu_s:.0f} vs "
                    f"{a.pages_per_cpu_s:.0f}); with WARC/files "
                    f"{bw.pages_per_cpu_s / a.pages_per_cpu_s:.2f}x", None))
        am = get.get(("A+media bare", n))
        if am is not None:
            out.append((f"N={n:,}: (no target) B+warc+files against A+media, the same requests",
                        f"{bw.pages_per_s / am.pages_per_s:.2f}x ({bw.pages_per_s:.0f} vs "
                        f"{am.pages_per_s:.0f} pages/s; {bw.requests:,} vs {am.requests:,} "
                        "requests)", None))
        share = c.wall_s / b.wall_s
        judged = n == max(sizes) or None  # the issue sets the C targets at N = 10,000
        out.append((f"N={n:,}: C fetches 0 article pages",
                    f"{c.article_pages} article pages, {c.requests} requests",
                    (c.article_pages == 0) if judged else None))
        out.append((f"N={n:,}: C wall <= 3% of B wall",
                    f"{share:.1%} ({c.wall_s:.2f} s vs {b.wall_s:.2f} s; crawl "
                    f"{c.crawl_s:.2f} s vs {b.crawl_s:.2f} s = {c.crawl_s / b.crawl_s:.1%})",
                    (share <= 0.03) if judged else None))
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for run in ("B crawl", "B+warc+files"):
            ratio = get[(run, large)].peak_rss_mb / get[(run, small)].peak_rss_mb
            out.append((f"{run}: peak RSS at N={large:,} <= 1.2x N={small:,}",
                        f"{ratio:.2f}x ({get[(run, large)].peak_rss_mb:.0f} vs "
                        f"{get[(run, small)].peak_rss_mb:.0f} MB)", ratio <= 1.2))
    if extraction:
        for name, result in extraction["sets"].items():
            ms = result["ms_per_page"]
            ours = ms["extraction (parse + normalize)"]
            out.append((f"extraction <= 2.5x lxml parse ({name} pages, "
                        f"{result['mean_kb']:.1f} KB)",
                        f"{result['extraction_over_lxml']:.2f}x ({ours:.2f} vs "
                        f"{ms['lxml.html.fromstring']:.2f} ms)",
                        result["extraction_over_lxml"] <= 2.5))
            if "trafilatura_over_extraction" in result:
                out.append((f"extraction >= 10x faster than trafilatura ({name} pages)",
                            f"{result['trafilatura_over_extraction']:.1f}x "
                            f"({ms['trafilatura.extract']:.2f} vs {ours:.2f} ms)",
                            result["trafilatura_over_extraction"] >= 10))
    for n in sizes:
        b = get[("B crawl", n)]
        batches = b.extra.get("store_batches") or _stats(  # the store counts its transactions
            Path(b.extra["log"]).with_suffix(".stats.json")).get("newszone/store/batches", 0)
        out.append((f"N={n:,}: no commit per item (B)",
                    f"{b.items:,} records in {batches:,} batches", batches < max(1, b.items)))
    return out


ROW_FIELDS = set(Row.__dataclass_fields__)


def report(path: Path) -> int:
    """Print the table and the targets of an earlier run's results.json."""
    results = json.loads(path.read_text("utf-8"))
    rows = [Row(**{k: v for k, v in r.items() if k in ROW_FIELDS}) for r in results["rows"]]
    print(text_table(rows))
    print()
    print(markdown_table(rows))
    print()
    word = {True: "met", False: "NOT met", None: "info"}
    for target, value, met in verdicts(rows, results.get("extraction"), path.parent):
        print(f"  [{word[met]:>7}] {target}: {value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,10000", help="catalogue sizes N, comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="passes of A, B and B+warc (best)")
    parser.add_argument("--no-profile", action="store_true", help="skip the profiles")
    parser.add_argument("--no-extraction", action="store_true", help="skip the extraction bench")
    parser.add_argument("--profile-size", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=BENCH / "results",
                        help="where results.json and results.md go (default bench/results)")
    parser.add_argument("--work", type=Path, default=None,
                        help="scratch folder for archives and logs (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--report", type=Path, default=None, metavar="RESULTS_JSON",
                        help="only print the table and targets of an earlier results.json")
    args = parser.parse_args(argv)
    if args.report:
        return report(args.report)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    work = args.work or Path(tempfile.mkdtemp(prefix="newszone-bench-"))
    args.out.mkdir(parents=True, exist_ok=True)
    load0 = os.getloadavg()
    print(f"Benchmark: sizes {sizes}, scratch {work}, load average {load0[0]:.2f} "
          f"(2 cores here; other work on the machine skews the figures)", flush=True)

    def log(row: Row, note: str = "") -> None:
        print(f"  {row.run:<16} N={row.articles:<6} {row.status:<10} wall {row.wall_s:7.2f} s  "
              f"crawl {row.crawl_s:7.2f} s  requests {row.requests:6}  pages {row.pages:6}  "
              f"{row.pages_per_s:7.1f} pages/s  RSS {row.peak_rss_mb:5.0f} MB  "
              f"site busy {row.site_busy:4.0%} {note}", flush=True)

    rows: list[Row] = []
    for n in sizes:
        print(f"N = {n:,}", flush=True)
        rows += bench_size(n, work / f"n{n}", args.repeat, log)
        if not args.keep:  # archives, WARC files and attachments: gigabytes at N = 10,000
            for folder in (work / f"n{n}").iterdir():
                if folder.is_dir():
                    shutil.rmtree(folder, ignore_errors=True)

    extraction = None
    if not args.no_extraction:
        print("Extraction cost per article ...", flush=True)
        cmd = [PY, str(BENCH / "extraction.py"), "--articles", "2000", "--sample", "600"]
        if not args.no_profile:
            cmd += ["--profile", str(work / "extraction.cprofile")]
        measured = run_measured(cmd, work / "extraction.log")
        text = Path(measured.log).read_text("utf-8")
        extraction = json.loads(text[text.index("{"):])
        for name, result in extraction["sets"].items():
            ms = result["ms_per_page"]
            print(f"  {name} pages ({result['mean_kb']:.1f} KB): " + ", ".join(
                f"{k} {v:.3f} ms" for k, v in ms.items()), flush=True)

    profiles = {}
    if not args.no_profile:
        for archiving in (False, True):
            label = "B+warc+files" if archiving else "B crawl"
            print(f"Profiling {label} at N={args.profile_size:,} ...", flush=True)
            profiles[label] = profile_crawl(args.profile_size, work, archiving)
            prof = profiles[label]
            if "busy_by_category" in prof:
                print(f"  main thread busy {prof['main_busy_share']:.0%} of the wall time; "
                      "its busy time: " + ", ".join(
                    f"{k} {v:.0%}" for k, v in list(prof["busy_by_category"].items())[:8]))

    results = {
        "machine": {"python": platform.python_version(), "cores": os.cpu_count(),
                    "load_average_start": load0, "load_average_end": os.getloadavg(),
                    "platform": platform.platform()},
        "rows": [{**asdict(r), "pages_per_s": r.pages_per_s, "items_per_s": r.items_per_s,
                  "pages_per_wall_s": r.pages_per_wall_s, "pages_per_cpu_s": r.pages_per_cpu_s}
                 for r in rows],
        "extraction": extraction,
        "profiles": profiles,
        "targets": verdicts(rows, extraction),
    }
    (args.out / "results.json").write_text(json.dumps(results, indent=1, default=str), "utf-8")
    word = {True: "met", False: "NOT met", None: "info"}
    ratios = [f"- {target}: **{measured}** -> {word[met]}"
              for target, measured, met in results["targets"]]
    (args.out / "results.md").write_text(
        markdown_table(rows) + "\n\n" + "\n".join(ratios) + "\n", "utf-8")

    print()
    print(text_table(rows))
    print()
    for target, value, met in results["targets"]:
        print(f"  [{word[met]:>7}] {target}: {value}")
    print(f"\nResults: {args.out / 'results.json'}, {args.out / 'results.md'}; "
          f"load average at the end {os.getloadavg()[0]:.2f}")
    if not args.keep and args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
