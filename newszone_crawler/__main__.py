"""Command line of the archive: ``python -m newszone_crawler export --jsonl FILE``.

Crawling is ``scrapy crawl newszone``; this module holds what works on the archive alone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .exporters.dataset import export_jsonl, write_datapackage
from .exporters.sqlite_store import ArchiveStore
from .settings import NEWSZONE_DB


def export(args: argparse.Namespace) -> int:
    """Write the whole archive as one JSON lines file beside its ``datapackage.json``."""
    db = Path(args.db)
    if not db.exists():
        print(f"error: no archive at {db}", file=sys.stderr)
        return 1
    out = Path(args.jsonl)
    out.parent.mkdir(parents=True, exist_ok=True)
    store = ArchiveStore.open(db)
    try:
        count = export_jsonl(store, out)
    finally:
        store.close()
    package = write_datapackage(out, out.parent)
    print(f"Exported {count} articles to {out} and described them in {package}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog="python -m newszone_crawler")
    commands = parser.add_subparsers(dest="command", required=True)
    exporter = commands.add_parser("export", help="the whole archive as a JSON lines dataset")
    exporter.add_argument("--jsonl", required=True, help="file to write (datapackage.json beside it)")
    exporter.add_argument("--db", default=NEWSZONE_DB, help=f"the archive (default {NEWSZONE_DB})")
    exporter.set_defaults(run=export)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
