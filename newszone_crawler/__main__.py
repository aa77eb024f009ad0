"""Command line of the archive: ``python -m newszone_crawler export --jsonl FILE``,
``python -m newszone_crawler rebuild --from-warc output/warc --db NEW.sqlite``,
``python -m newszone_crawler wacz --runs RUN_ID... | --all`` and
``python -m newszone_crawler browse`` (Datasette on a snapshot of the archive).

Crawling is ``scrapy crawl newszone``; this module holds what works on the archive alone.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from .exporters.dataset import export_jsonl, write_datapackage
from .exporters.sqlite_store import ArchiveStore
from .progress import PhaseBars, ProgressBar
from .settings import (
    FILES_STORE,
    NEWSZONE_BASE_URL,
    NEWSZONE_DB,
    NEWSZONE_DB_BATCH,
    NEWSZONE_REQUIRED_FIELDS,
    NEWSZONE_WARC_DIR,
)

logger = logging.getLogger("newszone_crawler")


class _Plain(logging.Formatter):
    """``message`` for information, ``warning: message`` / ``error: message`` above it."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if record.levelno >= logging.WARNING:
            return f"{record.levelname.lower()}: {text}"
        return text


def setup_logging(level: str) -> None:
    """Everything the commands say goes through logging to stderr (none of it to stdout), at
    ``level``: ``-L WARNING`` keeps a successful run silent, as cron wants."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Plain("%(message)s"))
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


def _bars_wanted() -> bool | None:
    """Progress bars only at INFO or below (then: when stderr is a terminal)."""
    return None if logger.isEnabledFor(logging.INFO) else False


def export(args: argparse.Namespace) -> int:
    """Write the whole archive as one JSON lines file and one CSV file (the same name, ``.csv``)
    beside their ``datapackage.json``."""
    db = Path(args.db)
    if not db.exists():
        logger.error("no archive at %s", db)
        return 1
    out = Path(args.jsonl)
    out.parent.mkdir(parents=True, exist_ok=True)
    table = out.with_suffix(".csv")  # the same records as CSV, beside the JSON lines
    if table == out:
        table = out.with_name(out.name + ".csv")
    store = ArchiveStore.open(db)
    try:
        with ProgressBar("export", store.articles.count, "articles",
                         enabled=_bars_wanted()) as bar:
            count = export_jsonl(store, out, table, progress=bar.advance)
    finally:
        store.close()
    package = write_datapackage(out, out.parent, table)
    logger.info("Exported %d articles to %s and %s and described them in %s", count, out, table,
                out.parent / package.name)
    return 0


def rebuild(args: argparse.Namespace) -> int:
    """Rebuild the records of every captured article page into a new archive.

    The archive is written under a temporary name beside ``--db`` and renamed to ``--db`` only
    when the rebuild completed: every WARC file read to its end and no page raised an
    unexpected error (or ``--accept-partial`` was given). Otherwise the temporary archive is
    removed, nothing is left at ``--db``, and the exit code is 2. Exit codes: 0 ok (or only
    damaged input, with ``--accept-partial``), 1 bad arguments or a rebuild that broke off,
    2 incomplete (damaged input, page errors, layout errors or dropped records)."""
    from .rebuild import rebuild as rebuild_from_warc
    from .rebuild import warc_files

    db = Path(args.db)
    if db.exists():
        logger.error("%s exists; rebuild writes a new archive (name another file)", db)
        return 1
    try:
        files = warc_files(args.from_warc)
    except FileNotFoundError as exc:
        logger.error("%s", exc)
        return 1
    if not files:
        logger.error("no WARC files in %s", ", ".join(args.from_warc))
        return 1
    db.parent.mkdir(parents=True, exist_ok=True)
    tmp = db.with_name(f".{db.name}.rebuild-{os.getpid()}.tmp")
    _remove_db(tmp)
    logger.info("Rebuilding %s from %d WARC file(s), %d bytes", db, len(files),
                sum(f.stat().st_size for f in files if f.exists()))
    bars = PhaseBars("rebuild", {"reading": "bytes", "parsing": "pages"}, enabled=_bars_wanted())
    try:
        store = ArchiveStore.open(tmp)
        try:
            result = rebuild_from_warc(
                files,
                store,
                batch_size=args.batch,
                base_url=args.base_url,
                files_folder=Path(args.files_store).name,
                required=NEWSZONE_REQUIRED_FIELDS,
                progress=bars,
            )
        finally:
            bars.close()
            store.close()
    except Exception as exc:  # a broken-off rebuild: one clear line, no half archive
        _remove_db(tmp)
        logger.error("the rebuild broke off: %s: %s; nothing was written to %s",
                     type(exc).__name__, exc, db)
        return 1
    logger.info(
        f"Rebuilt {result.articles} articles ({result.new} new, {result.changed} changed, "
        f"{result.unchanged} unchanged, {result.gone} gone) from {result.captures} article "
        f"captures in {result.warc_files} WARC files; {result.layout_errors} layout "
        f"errors, {result.dropped} dropped, {result.errors} page errors, {result.skipped} skipped, "
        f"{result.duplicates} duplicates; {result.batches} batches; {len(result.damage)} "
        f"damaged WARC files ({result.bytes_unread} bytes unread), {len(result.unfinished)} "
        f"unfinished (.open)"
    )
    for name in result.unfinished:
        logger.warning("unfinished WARC file (read as far as its records are whole): %s", name)
    for reason in result.reasons[:20]:
        logger.warning("%s", reason)
    if len(result.reasons) > 20:
        logger.warning("... and %d more", len(result.reasons) - 20)
    if not result.read_everything and not args.accept_partial:
        _remove_db(tmp)
        logger.error("the rebuild could not read everything (%d damaged WARC files, %d page "
                     "errors); nothing was written to %s (--accept-partial keeps what could be "
                     "read)", len(result.damage), result.errors, db)
        return 2
    os.replace(tmp, db)
    logger.info("Wrote %s", db)
    if result.layout_errors or result.dropped or result.errors:
        return 2
    if not result.read_everything:
        logger.warning("%s holds only what could be read (--accept-partial)", db)
    return 0


def wacz(args: argparse.Namespace) -> int:
    """Package the WARC files of chosen runs (or all) as one WACZ whose page list holds every
    captured article page, titled from the archive. Exit codes: 0 written, 1 nothing to
    package (no such run, no WARC files) or the packaging failed."""
    from .exporters.warc import article_titles, package_wacz, run_of_warc

    folder = Path(args.warc_dir)
    files = sorted(folder.glob("*.warc.gz")) if folder.is_dir() else []
    if args.runs:
        wanted = set(args.runs)
        chosen = [p for p in files if run_of_warc(p) in wanted]
        missing = sorted(wanted - {run_of_warc(p) for p in chosen})
        if missing:
            logger.error("no WARC file of run(s) %s in %s", ", ".join(missing), folder)
            return 1
    else:
        chosen = files
    if not chosen:
        logger.error("no WARC files in %s", folder)
        return 1
    if args.output:
        target = Path(args.output)
    elif args.runs and len(args.runs) == 1:
        target = folder / f"newszone-{args.runs[0]}.wacz"
    else:
        target = folder / f"newszone-{len(chosen)}-files.wacz"
    title = "News Zone crawl " + (", ".join(args.runs) if args.runs else "(all runs)")
    try:
        package_wacz(chosen, target, title=title, titles=article_titles(args.db))
    except Exception as exc:
        logger.error("could not package %d WARC file(s) as %s: %s: %s", len(chosen), target,
                     type(exc).__name__, exc)
        return 1
    logger.info("Packaged %d WARC file(s) as %s", len(chosen), target)
    return 0


def _remove_db(path: Path) -> None:
    """Remove an SQLite file and its WAL companions."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def check_site(args: argparse.Namespace) -> int:
    """Check the site's pages against the markup contract; print one line per element."""
    from .check_site import check_site as run_check
    from .check_site import replay

    if args.replay:
        result = replay(args.replay)
    else:
        boards = [b.strip() for b in args.boards.split(",") if b.strip()] if args.boards else None
        try:
            result = run_check(args.base_url, boards, args.articles, bundle=args.bundle)
        except ValueError as exc:
            logger.error("%s", exc)
            return 1
    for line in result.lines():  # the report is the command's output: stdout
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps(result.report(), ensure_ascii=False, indent=1),
                                   encoding="utf-8")
    if args.bundle and not args.replay:
        logger.info("Bundle (attach it to a bug report): %s", args.bundle)
    return result.exit_code


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog="python -m newszone_crawler")
    parser.add_argument("-L", "--loglevel", default="INFO", type=str.upper,
                        choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
                        help="least severe messages shown on stderr (default INFO; WARNING: "
                        "silent on success, no progress bar)")
    commands = parser.add_subparsers(dest="command", required=True)
    exporter = commands.add_parser(
        "export", help="the whole archive as a JSON lines dataset, and as CSV beside it")
    exporter.add_argument("--jsonl", required=True,
                          help="file to write (FILE.csv and datapackage.json beside it)")
    exporter.add_argument("--db", default=NEWSZONE_DB, help=f"the archive (default {NEWSZONE_DB})")
    exporter.set_defaults(run=export)
    rebuilder = commands.add_parser(
        "rebuild", help="re-extract records from stored WARC captures into a new archive"
    )
    rebuilder.add_argument("--from-warc", nargs="+", required=True, metavar="PATH",
                           help="WARC files, or folders of them (e.g. output/warc)")
    rebuilder.add_argument("--db", required=True, help="the new archive to write (must not exist)")
    rebuilder.add_argument("--batch", type=int, default=NEWSZONE_DB_BATCH,
                           help=f"records per transaction (default {NEWSZONE_DB_BATCH})")
    rebuilder.add_argument("--base-url", default=None,
                           help="site root of the canonical URLs (default: each capture's own)")
    rebuilder.add_argument("--accept-partial", action="store_true",
                           help="keep the archive built from what could be read when WARC input "
                           "is damaged (exit 0) or pages raised errors (exit 2)")
    rebuilder.add_argument("--files-store", default=FILES_STORE,
                           help=f"FILES_STORE of the crawl, for attachment paths (default {FILES_STORE})")
    rebuilder.set_defaults(run=rebuild)
    checker = commands.add_parser(
        "check-site", help="check the site's pages against the markup contract, element by "
        "element (exit 0 ok, 1 an element broken, 2 unreachable)"
    )
    checker.add_argument("--base-url", default=NEWSZONE_BASE_URL,
                         help=f"site root (default {NEWSZONE_BASE_URL})")
    checker.add_argument("--boards", default=None,
                         help="comma-separated board keys (default: all)")
    checker.add_argument("--articles", type=int, default=3,
                         help="articles checked per board (default 3)")
    checker.add_argument("--bundle", default=None, metavar="FILE",
                         help="write every response, the report and the versions into one WARC "
                         "file (e.g. check.warc.gz) to attach to a bug report")
    checker.add_argument("--json", default=None, metavar="FILE", help="also write the report as JSON")
    checker.add_argument("--replay", default=None, metavar="BUNDLE",
                         help="check the pages of a bundle again, offline")
    checker.set_defaults(run=check_site)
    packager = commands.add_parser(
        "wacz", help="package the WARC files of chosen runs as one WACZ (web archive player)"
    )
    chosen = packager.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--runs", nargs="+", metavar="RUN_ID",
                        help="the runs to package (ids as in the runs table and file names)")
    chosen.add_argument("--all", action="store_true", help="every WARC file of --warc-dir")
    packager.add_argument("--warc-dir", default=NEWSZONE_WARC_DIR,
                          help=f"folder of the WARC files (default {NEWSZONE_WARC_DIR})")
    packager.add_argument("--db", default=NEWSZONE_DB,
                          help=f"the archive, for page titles (default {NEWSZONE_DB})")
    packager.add_argument("-o", "--output", default=None,
                          help="the WACZ to write (default: newszone-<run id>.wacz in --warc-dir)")
    packager.set_defaults(run=wacz)
    from .browse import add_parser as add_browse_parser

    add_browse_parser(commands, NEWSZONE_DB, FILES_STORE)
    args = parser.parse_args(argv)
    setup_logging(args.loglevel)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
