"""The crawl without WARC and files (B) against the fastest bare spider (A), side by side.

    python bench/side_by_side.py [--articles 2000] [--repeat 3] [--variant NAME:SETTINGS ...]
                                 [--before CHECKOUT]

One standalone demo site (its own process) serves all runs; the runs alternate A, B, (other
variants) ... ``--repeat`` times, each B into a fresh archive, so the machine's drift hits them
alike. A is ``bench/bare_spider.py --fastest`` (CONCURRENT_REQUESTS=16, CONCURRENT_ITEMS=10,
no robots.txt, callbacks only count); B is ``scrapy crawl newszone -a mode=full`` with
``NEWSZONE_WARC_ENABLED=0 NEWSZONE_FILES_ENABLED=0`` (robots.txt obeyed). ``--variant
"B in-process:NEWSZONE_EXTRACT_WORKERS=0"`` adds B with extra settings (``;``-separated);
``--before DIR`` adds B run from another checkout (an earlier commit, same Python).

Prints JSON: per run the median (and all passes) of Scrapy's ``elapsed_time_seconds``, the
process wall and CPU seconds (children included), peak RSS, and each median's ratio to A.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--variant", action="append", default=[],
                        help="NAME:SETTING=VALUE;SETTING=VALUE: B with these settings")
    parser.add_argument("--before", type=Path, help="another checkout: its B runs too")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="side-by-side-"))
    runs: dict[str, list[dict[str, Any]]] = {}
    try:
        with DemoServer(args.articles, work / "site.log") as site:
            urls = work / "urls.json"
            urls.write_text(json.dumps(crawl_urls(args.articles, site.url)), "utf-8")
            commands: dict[str, tuple[list[str], Path]] = {}
            stats_of: dict[str, Path] = {}
            names = ["A fastest bare", "B crawl", *(v.split(":", 1)[0] for v in args.variant)]
            for name in names:
                stats_of[name] = work / f"{name.replace(' ', '_')}.stats.json"
            commands["A fastest bare"] = (
                [PY, str(ROOT / "bench" / "bare_spider.py"), str(urls), "--fastest",
                 "--stats", str(stats_of["A fastest bare"])], ROOT)
            out = work / "out"
            commands["B crawl"] = (crawl_cmd(site.url, out, stats_of["B crawl"], "full", False), ROOT)
            for variant in args.variant:
                name, _, extra = variant.partition(":")
                cmd = crawl_cmd(site.url, out, stats_of[name], "full", False)
                for pair in filter(None, extra.split(";")):
                    cmd += ["-s", pair]
                commands[name] = (cmd, ROOT)
            if args.before:
                stats_of["B before"] = work / "B_before.stats.json"
                commands["B before"] = (
                    crawl_cmd(site.url, out, stats_of["B before"], "full", False), args.before)
            for i in range(args.repeat):
                for name, (cmd, cwd) in commands.items():
                    shutil.rmtree(out, ignore_errors=True)
                    stats_of[name].unlink(missing_ok=True)
                    measured = _run(cmd, cwd, work / f"{name.replace(' ', '_')}-{i}.log")
                    stats = json.loads(stats_of[name].read_text("utf-8")) \
                        if stats_of[name].exists() else {}
                    runs.setdefault(name, []).append({
                        "returncode": measured.returncode,
                        "elapsed_s": stats.get("elapsed_time_seconds"),
                        "wall_s": round(measured.wall_s, 2), "cpu_s": round(measured.cpu_s, 2),
                        "peak_rss_mb": round(measured.peak_rss_mb, 1),
                        "responses": stats.get("downloader/response_count"),
                        "items": stats.get("item_scraped_count", 0),
                    })
                    print(name, runs[name][-1], file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary: dict[str, Any] = {"articles": args.articles, "repeat": args.repeat,
                               "load_average": os.getloadavg(), "runs": {}}
    a = statistics.median(r["elapsed_s"] or 0 for r in runs["A fastest bare"])
    for name, passes in runs.items():
        median = statistics.median(r["elapsed_s"] or 0 for r in passes)
        summary["runs"][name] = {
            "median_elapsed_s": round(median, 2),
            "median_cpu_s": round(statistics.median(r["cpu_s"] for r in passes), 2),
            "median_wall_s": round(statistics.median(r["wall_s"] for r in passes), 2),
            "A_over_this": round(a / median, 3) if median else None,
            "passes": passes,
        }
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
