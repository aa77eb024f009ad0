"""The crawl without WARC and files (B) against the fastest bare spider (A), side by side; with
``--archive`` also the default crawl against the bare spider making the same requests.

    python bench/side_by_side.py [--articles 2000 [10000 ...]] [--repeat 3] [--chrome real]
                                 [--archive] [--variant NAME:SETTINGS ...] [--before CHECKOUT]

For each catalogue size one standalone demo site (its own process) serves all runs; the runs
alternate A, B, (other variants) ... ``--repeat`` times, each crawl into a fresh archive, so the
machine's drift hits them alike. A is ``bench/bare_spider.py --fastest`` (CONCURRENT_REQUESTS=16,
CONCURRENT_ITEMS=10, no robots.txt, callbacks only count); B is ``scrapy crawl newszone -a
mode=full`` with ``NEWSZONE_WARC_ENABLED=0 NEWSZONE_FILES_ENABLED=0`` (robots.txt obeyed).
``--chrome real`` starts the demo site with ``--chrome real``: every page inside the real
site's chrome (25-35 KB an article page instead of about 4 KB). ``--archive`` adds two runs to
each round: **A+media** (the fastest bare spider also fetching every photo and attachment URL,
i.e. the same requests as the default crawl) and **default** (the crawl as it runs by default:
WARC, CDXJ, WACZ, manifest and attachment files on). ``--variant "B in-process:
NEWSZONE_EXTRACT_WORKERS=0"`` adds B with extra settings (``;``-separated); ``--before DIR``
adds B run from another checkout (an earlier commit, same Python).

Prints JSON: per size and run the median (and all passes) of Scrapy's ``elapsed_time_seconds``,
the process wall and CPU seconds (children included), peak RSS, and each median's speed against
A (``A_over_this``, A's seconds / the run's); ``targets`` gives the issue's two ratios, B / A
(target >= 0.80) and default / A+media (target >= 0.70), each also per CPU-second
(``cpu_ratio``: what a loaded machine changes least), and, with two sizes or more, the peak
RSS of B and of the default crawl at the largest size over the smallest (target <= 1.1).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run import PY, DemoServer, crawl_cmd, crawl_urls, run_measured  # noqa: E402

A = "A fastest bare"
B = "B crawl"
A_MEDIA = "A+media fastest bare"
DEFAULT = "default crawl"
TARGETS = {"B / A": 0.80, "default / A+media": 0.70, "peak RSS": 1.1}


def _key(name: str) -> str:
    return name.replace(" ", "_").replace("+", "_")


def one_size(
    articles: int, args: argparse.Namespace, work: Path
) -> dict[str, list[dict[str, Any]]]:
    """All rounds at one catalogue size: pass records per run name."""
    runs: dict[str, list[dict[str, Any]]] = {}
    with DemoServer(articles, work / f"site-{articles}.log", args.chrome) as site:
        urls = work / "urls.json"
        urls.write_text(json.dumps(crawl_urls(articles, site.url, media=args.archive)), "utf-8")
        commands: dict[str, tuple[list[str], Path]] = {}
        stats_of: dict[str, Path] = {}
        names = [A, B, *(v.split(":", 1)[0] for v in args.variant)]
        if args.archive:
            names += [A_MEDIA, DEFAULT]
        if args.before:
            names.append("B before")
        for name in names:
            stats_of[name] = work / f"{_key(name)}.stats.json"
        pages_only = work / "urls-pages.json"  # A fetches the pages alone, even with --archive
        pages = json.loads(urls.read_text("utf-8"))
        pages.pop("media", None)
        pages_only.write_text(json.dumps(pages), "utf-8")
        bare = [PY, str(ROOT / "bench" / "bare_spider.py")]
        commands[A] = ([*bare, str(pages_only), "--fastest", "--stats", str(stats_of[A])], ROOT)
        out = work / "out"
        commands[B] = (crawl_cmd(site.url, out, stats_of[B], "full", False), ROOT)
        for variant in args.variant:
            name, _, extra = variant.partition(":")
            cmd = crawl_cmd(site.url, out, stats_of[name], "full", False)
            for pair in filter(None, extra.split(";")):
                cmd += ["-s", pair]
            commands[name] = (cmd, ROOT)
        if args.archive:
            commands[A_MEDIA] = (
                [*bare, str(urls), "--fastest", "--stats", str(stats_of[A_MEDIA])], ROOT)
            commands[DEFAULT] = (crawl_cmd(site.url, out, stats_of[DEFAULT], "full", True), ROOT)
        if args.before:
            commands["B before"] = (
                crawl_cmd(site.url, out, stats_of["B before"], "full", False), args.before)
        for i in range(args.repeat):
            for name, (cmd, cwd) in commands.items():
                shutil.rmtree(out, ignore_errors=True)
                stats_of[name].unlink(missing_ok=True)
                measured = _run(cmd, cwd, work / f"{_key(name)}-{articles}-{i}.log")
                stats = json.loads(stats_of[name].read_text("utf-8")) \
                    if stats_of[name].exists() else {}
                runs.setdefault(name, []).append({
                    "returncode": measured.returncode,
                    "elapsed_s": stats.get("elapsed_time_seconds"),
                    "wall_s": round(measured.wall_s, 2), "cpu_s": round(measured.cpu_s, 2),
                    "peak_rss_mb": round(measured.peak_rss_mb, 1),
                    "requests": stats.get("downloader/request_count"),
                    "responses": stats.get("downloader/response_count"),
                    "items": stats.get("item_scraped_count", 0),
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                })
                print(articles, name, runs[name][-1], file=sys.stderr, flush=True)
    shutil.rmtree(work / "out", ignore_errors=True)
    return runs


def summarize(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Medians per run, each against A, and the two speed targets.

    >>> passes = {A: [{"elapsed_s": 3.0, "cpu_s": 3, "wall_s": 4, "peak_rss_mb": 80}],
    ...           B: [{"elapsed_s": 6.0, "cpu_s": 6, "wall_s": 7, "peak_rss_mb": 100}]}
    >>> summarize(passes)["targets"]
    {'B / A': {'ratio': 0.5, 'target': 0.8, 'met': False, 'cpu_ratio': 0.5}}
    """
    def median(name: str, key: str = "elapsed_s") -> float:
        return statistics.median(r[key] or 0 for r in runs[name])

    a = median(A)
    out: dict[str, Any] = {"runs": {}, "targets": {}}
    for name, passes in runs.items():
        elapsed = median(name)
        out["runs"][name] = {
            "median_elapsed_s": round(elapsed, 2),
            "median_cpu_s": round(median(name, "cpu_s"), 2),
            "median_wall_s": round(median(name, "wall_s"), 2),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in passes),
            "A_over_this": round(a / elapsed, 3) if elapsed else None,
            "passes": passes,
        }
    for label, fast, slow in (("B / A", A, B), ("default / A+media", A_MEDIA, DEFAULT)):
        if fast in runs and slow in runs and median(slow):
            ratio = round(median(fast) / median(slow), 3)
            # per CPU-second: what a loaded machine changes least (every run is CPU-bound)
            cpu = median(slow, "cpu_s")
            out["targets"][label] = {"ratio": ratio, "target": TARGETS[label],
                                     "met": ratio >= TARGETS[label],
                                     "cpu_ratio": round(median(fast, "cpu_s") / cpu, 3)
                                     if cpu else None}
    return out


def rss_growth(by_size: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Peak RSS at the largest size over the smallest, for B and the default crawl."""
    small, large = min(by_size), max(by_size)
    growth: dict[str, Any] = {}
    for name in (B, DEFAULT):
        if name in by_size[small]["runs"] and name in by_size[large]["runs"]:
            low = by_size[small]["runs"][name]["peak_rss_mb"]
            high = by_size[large]["runs"][name]["peak_rss_mb"]
            ratio = round(high / low, 3) if low else None
            growth[f"{name} peak RSS N={large} / N={small}"] = {
                "mb": [low, high], "ratio": ratio, "target": TARGETS["peak RSS"],
                "met": ratio is not None and ratio <= TARGETS["peak RSS"]}
    return growth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[2000],
                        help="catalogue sizes (each gets its own site and rounds)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chrome", choices=("light", "real"), default="light",
                        help="the demo pages' weight: light (about 4 KB) or real (25-35 KB)")
    parser.add_argument("--archive", action="store_true",
                        help="also the default crawl (WARC, files...) and A+media (same requests)")
    parser.add_argument("--variant", action="append", default=[],
                        help="NAME:SETTING=VALUE;SETTING=VALUE: B with these settings")
    parser.add_argument("--before", type=Path, help="another checkout: its B runs too")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="side-by-side-"))
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    load_before = [round(x, 2) for x in os.getloadavg()]
    by_size: dict[int, dict[str, Any]] = {}
    try:
        for articles in args.articles:
            by_size[articles] = summarize(one_size(articles, args, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary: dict[str, Any] = {
        "articles": args.articles, "repeat": args.repeat, "chrome": args.chrome,
        "started": started, "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "sizes": {str(n): result for n, result in by_size.items()},
    }
    if len(by_size) > 1:
        summary["rss_growth"] = rss_growth(by_size)
    print(json.dumps(summary, indent=1))
    return 0


def _run(cmd: list[str], cwd: Path, log: Path) -> Any:
    if cwd == ROOT:
        return run_measured(cmd, log)
    import subprocess

    from bench.run import Measured

    started = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    return Measured(os.waitstatus_to_exitcode(status), time.perf_counter() - started,
                    usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, str(log))


if __name__ == "__main__":
    sys.exit(main())
