"""``scrapy crawl`` that exits non-zero when the run failed.

Plain ``scrapy crawl`` exits 0 even when the site could not be reached or no article was found.
The :class:`~newszone_crawler.extensions.RunSummary` extension decides the run's status at the
end and leaves the exit code in the stats (``newszone/exit_code``); this command returns it.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

EXIT_CODE_STAT = "newszone/exit_code"


class Command(ScrapyCrawlCommand):
    """Run a spider and exit with the status its run summary decided."""

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name, e.g. `scrapy crawl newszone`")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        code = crawler.stats.get_value(EXIT_CODE_STAT) if crawler.stats else None
        if code is None and crawler.settings.getbool("NEWSZONE_RUN_SUMMARY", True):
            code = 1  # no verdict at all: the run was cut off (a forced shutdown) before one
        if code:
            self.exitcode = int(code)
