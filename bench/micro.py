"""Micro-benchmarks behind the optimizations proposed in ``bench/README.md``: each measures
what the crawl does now against a candidate replacement, on the demo site's own data. Nothing
here changes the crawler; the candidates live in this file only.

    python bench/micro.py            # JSON on stdout

* ``clean_line``: ``normalize.text.clean_line`` (four regex passes per call) against one
  ``str.translate`` plus ``" ".join(text.split())``, on every text line of 600 demo pages
  (and the two must agree on every line);
* ``store``: ``ArchiveStore.store`` (sqlite-utils, a SELECT and per-table inserts per record)
  per record, in batches of 100, into a fresh file archive;
* ``warc gzip``: zlib at level 9 (what warcio's ``GzippingWrapper`` hard-codes) against levels
  6, 1 and 0 (stored), on the demo's attachment payloads and article pages.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.extraction import demo_pages, extract  # noqa: E402
from newszone_crawler.demo_site import DemoSite  # noqa: E402
from newszone_crawler.exporters.sqlite_store import ArchiveStore  # noqa: E402
from newszone_crawler.normalize.text import clean_line  # noqa: E402
from newszone_crawler.rebuild import decode_html  # noqa: E402

# -- clean_line ------------------------------------------------------------------------------

_DELETE = dict.fromkeys([0x200B, 0x200C, 0x200D, 0x2060], None)
_DELETE.update(dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20),
                              *range(0x7F, 0xA0)], None))
# str.split() already splits on every other space the crawl collapses (U+00A0, U+1680,
# U+2000-U+200A, U+202F, U+205F, U+3000, line and paragraph separators).
_TABLE = {**_DELETE, **dict.fromkeys(range(0xD800, 0xE000), 0xFFFD), 0xFEFF: " "}


def clean_line_candidate(text: str | None) -> str:
    """One translate (deletions, surrogates, BOM) and one split/join (every space)."""
    if not text:
        return ""
    return " ".join(text.translate(_TABLE).split())


def _lines(pages: list[tuple[str, bytes, str | None]]) -> list[str]:
    from lxml import html

    lines: list[str] = []
    for _, body, content_type in pages:
        root = html.fromstring(decode_html(body, content_type))
        lines += [t for t in root.itertext()]
    return lines


def bench_clean_line(lines: list[str], repeat: int = 5) -> dict[str, Any]:
    mismatches = sum(clean_line(t) != clean_line_candidate(t) for t in lines)
    out: dict[str, Any] = {"lines": len(lines), "mismatches": mismatches}
    for name, fn in (("clean_line", clean_line), ("candidate", clean_line_candidate)):
        best = float("inf")
        for _ in range(repeat):
            started = time.process_time()
            for t in lines:
                fn(t)
            best = min(best, time.process_time() - started)
        out[f"{name}_us"] = best / len(lines) * 1e6
    out["speedup"] = out["clean_line_us"] / out["candidate_us"]
    return out


# -- store -----------------------------------------------------------------------------------


def bench_store(pages: list[tuple[str, bytes, str | None]]) -> dict[str, Any]:
    from itemadapter import ItemAdapter

    records = [ItemAdapter(extract((b, ct), url)).asdict() for url, b, ct in pages]
    with tempfile.TemporaryDirectory() as tmp:
        store = ArchiveStore.open(Path(tmp) / "a.sqlite")
        started = time.process_time()
        for start in range(0, len(records), 100):
            store.store(records[start : start + 100], run_id="r", now="2026-01-01T00:00:00Z")
        seconds = time.process_time() - started
        store.close()
    return {"records": len(records), "ms_per_record": seconds / len(records) * 1000}


# -- WARC gzip level -------------------------------------------------------------------------


def bench_gzip(articles: int = 200) -> dict[str, Any]:
    site = DemoSite(articles, base_url="http://127.0.0.1:8000")
    files: list[bytes] = []
    pages: list[bytes] = []
    for k in range(1, articles + 1):
        truth = site.truth(k)
        pages.append(site.get(urlsplit(site.article_url(truth["id"]))._replace(
            scheme="", netloc="").geturl()).body)
        for attachment in truth["attachments"]:
            parts = urlsplit(attachment["url"])
            files.append(site.handle(parts.path, parts.query).body)
    out: dict[str, Any] = {}
    for name, payloads in (("attachments", files), ("article pages", pages)):
        size = sum(map(len, payloads))
        result: dict[str, Any] = {"mb": size / 2**20}
        for level in (9, 6, 1, 0):
            started = time.process_time()
            compressed = 0
            for payload in payloads:
                c = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
                compressed += len(c.compress(payload) + c.flush())
            seconds = time.process_time() - started
            result[f"level {level}"] = {"mb_per_s": size / 2**20 / seconds,
                                        "ratio": compressed / size}
        out[name] = result
    return out


def main() -> int:
    pages = demo_pages(2000, 600)
    result = {
        "clean_line": bench_clean_line(_lines(pages)),
        "store": bench_store(pages),
        "warc_gzip": bench_gzip(),
    }
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
