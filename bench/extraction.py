"""Per-article extraction cost: the crawl's parse + normalize against a bare ``lxml`` parse and
against ``trafilatura.extract``, on the same demo article pages.

    python bench/extraction.py [--articles 2000] [--sample 600] [--repeat 3] [--profile FILE]

Pages come from the demo site's catalogue in-process (``DemoSite.handle``, no server), as the
bytes and ``Content-Type`` the crawl receives: the extraction measured is the crawl's own
``newszone_crawler.extract.extract`` (decode, parse, normalize), and the bare parses get the
same bytes. Two sets:

* ``served``: the demo pages as the demo site serves them (about 4.3 KB: the board's markup,
  little site chrome);
* ``real``: the same pages as the demo site serves them with ``chrome="real"``
  (``python -m newszone_crawler.demo_site --chrome real``): inside the real site's chrome
  (menus, a latest-news widget, tables, a footer site map, inline scripts), so a page weighs
  what the real site's pages weigh (25-35 KB; issue 13's targets are for such pages). The real
  pages must give the same record as the served ones; the benchmark checks that on every page.

Each method runs over every page of a set, ``--repeat`` times; the best pass (in process CPU
time) counts. ``trafilatura`` is in the ``bench`` extra (``pip install -e '.[bench]'``, not
installed by ``make install``); without it that baseline is skipped, with a message.
Prints JSON: milliseconds per page, the ratios and issue 13's two targets per set
(``targets``): the extraction <= 2.5x a bare ``lxml.html.fromstring`` of the same bytes, and
>= 10x faster than ``trafilatura.extract``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import lxml.html  # noqa: E402
from parsel import Selector  # noqa: E402

from newszone_crawler.demo_site import DemoSite  # noqa: E402
from newszone_crawler.extract import extract as extract_page  # noqa: E402
from newszone_crawler.parsing import parse_article  # noqa: E402
from newszone_crawler.parsing.encoding import decode_page  # noqa: E402

CRAWLED_AT = "2026-01-01T00:00:00Z"


TARGET_OVER_LXML = 2.5
"""Issue 13: the extraction costs at most 2.5x a bare lxml parse of the same page."""
TARGET_TRAFILATURA = 10.0
"""Issue 13: the extraction is at least 10x faster than ``trafilatura.extract``."""
INSTALL_HINT = "pip install -e '.[bench]' (or make bench) installs it"


def demo_pages(
    articles: int, sample: int, chrome: str = "light"
) -> list[tuple[str, bytes, str | None]]:
    """``(url, body, content type)`` of ``sample`` article pages spread over the catalogue, as
    the demo site serves them with ``chrome`` (``light`` or ``real``)."""
    site = DemoSite(articles, base_url="http://127.0.0.1:8000", chrome=chrome)
    ids = site.all_ids()
    step = max(1, len(ids) // sample)
    pages = []
    for seq in ids[::step][:sample]:
        url = site.article_url(seq)
        parts = urlsplit(url)
        answer = site.handle(parts.path, parts.query)
        assert answer.status == 200, url
        pages.append((url, answer.body, answer.header("Content-Type")))
    return pages


Page = tuple[bytes, "str | None"]
"""An article page as the crawl receives it: its bytes and its ``Content-Type``."""


def extract(page: Page, url: str) -> Any:
    """What the crawl does with an article page: the one extraction path."""
    body, content_type = page
    return extract_page(body, content_type, url, crawled_at=CRAWLED_AT).record


def _time(fn: Callable[[Any, str], Any], pages: list[tuple[str, Any]], repeat: int) -> float:
    """Best CPU seconds per page over ``repeat`` passes (process CPU time, so other work on
    the machine changes the figure little; everything here is single-threaded CPU work)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        started = time.process_time()
        for url, page in pages:
            fn(page, url)
        best = min(best, time.process_time() - started)
    return best / len(pages)


def measure(articles: int, sample: int, repeat: int, with_trafilatura: bool = True) -> dict[str, Any]:
    raw = demo_pages(articles, sample)
    served: list[tuple[str, Page]] = [(url, (body, ct)) for url, body, ct in raw]
    real = [(url, (body, ct)) for url, body, ct in demo_pages(articles, sample, "real")]
    for (url, page), (other, big) in zip(served, real, strict=True):  # chrome changes nothing
        assert url == other and vars(extract(page, url)) == vars(extract(big, url)), url
    trafilatura: Any = None
    if with_trafilatura:
        try:
            import trafilatura
        except ImportError:  # the bench extra is not installed
            print(f"trafilatura is not installed: its baseline is skipped ({INSTALL_HINT})",
                  file=sys.stderr, flush=True)
    def text(page: Page) -> str:
        return decode_page(*page).text

    methods: dict[str, Callable[[Page, str], Any]] = {
        "lxml.html.fromstring": lambda page, url: lxml.html.fromstring(page[0]),
        "parsel Selector": lambda page, url: Selector(body=page[0]).root,
        "parse_article": lambda page, url: parse_article(text(page), url),
        "extraction (parse + normalize)": extract,
    }
    if trafilatura is not None:
        methods["trafilatura.extract"] = lambda page, url: trafilatura.extract(page[0], url=url)
    out: dict[str, Any] = {"pages": len(raw), "repeat": repeat, "sets": {}, "targets": {}}
    if trafilatura is None:
        out["trafilatura"] = "skipped: " + ("not installed; " + INSTALL_HINT
                                            if with_trafilatura else "--no-trafilatura")
    decode_s = _time(lambda page, url: text(page), served, repeat)
    for name, pages in (("served", served), ("real", real)):
        sizes = [len(page[0]) for _, page in pages]
        result = {"mean_kb": sum(sizes) / len(sizes) / 1024, "ms_per_page": {}}
        for method, fn in methods.items():
            result["ms_per_page"][method] = _time(fn, pages, repeat) * 1000
        ms = result["ms_per_page"]
        result["decode_ms"] = decode_s * 1000
        result["extraction_over_lxml"] = ms["extraction (parse + normalize)"] / ms["lxml.html.fromstring"]
        if "trafilatura.extract" in ms:
            result["trafilatura_over_extraction"] = (
                ms["trafilatura.extract"] / ms["extraction (parse + normalize)"]
            )
        out["sets"][name] = result
        out["targets"][name] = targets(result)
    return out


def targets(result: dict[str, Any]) -> dict[str, Any]:
    """Issue 13's extraction targets for one page set.

    >>> targets({"extraction_over_lxml": 2.0, "trafilatura_over_extraction": 8.0})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'extraction <= 2.5x lxml': {'ratio': 2.0, 'met': True},
     'extraction >= 10x faster than trafilatura': {'ratio': 8.0, 'met': False}}
    """
    out = {f"extraction <= {TARGET_OVER_LXML}x lxml": {
        "ratio": round(result["extraction_over_lxml"], 2),
        "met": result["extraction_over_lxml"] <= TARGET_OVER_LXML}}
    if "trafilatura_over_extraction" in result:
        ratio = result["trafilatura_over_extraction"]
        out[f"extraction >= {TARGET_TRAFILATURA:g}x faster than trafilatura"] = {
            "ratio": round(ratio, 2), "met": ratio >= TARGET_TRAFILATURA}
    return out


def profile(articles: int, sample: int, target: Path, top: int = 25) -> str:
    """cProfile of the extraction over the real-weight pages; returns the top functions."""
    pages = [(url, (body, ct)) for url, body, ct in demo_pages(articles, sample, "real")]
    profiler = cProfile.Profile()
    profiler.enable()
    for url, page in pages:
        extract(page, url)
    profiler.disable()
    profiler.dump_stats(target)
    import io

    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer).strip_dirs()  # no path of this machine
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000, help="demo catalogue size")
    parser.add_argument("--sample", type=int, default=600, help="article pages measured")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-trafilatura", action="store_true")
    parser.add_argument("--profile", type=Path, help="also write a cProfile of the extraction")
    args = parser.parse_args(argv)
    result = measure(args.articles, args.sample, args.repeat, not args.no_trafilatura)
    if args.profile:
        result["profile_text"] = profile(args.articles, args.sample, args.profile)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
