"""A stats collector that also writes the crawl's final stats as JSON.

Used by the benchmark as ``-s STATS_CLASS=bench.statsdump.JsonStatsCollector
-s BENCH_STATS_FILE=path.json``: the crawl keeps Scrapy's ``MemoryStatsCollector`` behaviour
(and the INFO stats dump), and the benchmark reads exact numbers instead of parsing the log.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scrapy.statscollectors import MemoryStatsCollector


class JsonStatsCollector(MemoryStatsCollector):
    """``MemoryStatsCollector`` that writes the stats to ``BENCH_STATS_FILE`` when closed."""

    def _persist_stats(self, stats: dict[str, Any]) -> None:
        super()._persist_stats(stats)
        target = self._crawler.settings.get("BENCH_STATS_FILE")
        if target:
            path = Path(target)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(stats, default=str, indent=1, sort_keys=True), "utf-8")
