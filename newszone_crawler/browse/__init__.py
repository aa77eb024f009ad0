"""Browse the archive: ``python -m newszone_crawler browse`` serves a read-only snapshot of
``output/newszone.sqlite`` with Datasette on 127.0.0.1, with this archive's metadata, facets,
full-text search, saved views, the edits page (word-level diffs), charts and Atom feeds.

* :mod:`.prepare` copies the archive and adds the helper views and the ``edits`` table;
* :mod:`.views` holds the pure parts (diff, SVG charts, Atom);
* :mod:`.plugin` is the Datasette plugin that wires them (registered by :func:`register`, and
  by nothing else: other Datasette instances never see it).

Datasette is part of the ``browse`` extra (``pip install -e '.[browse]'``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from .prepare import DATABASE, metadata, snapshot

__all__ = ["DATABASE", "make_datasette", "metadata", "register", "serve", "snapshot"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


def register() -> None:
    """Register the browse plugin with Datasette's plugin manager (once per process)."""
    from datasette.plugins import pm

    from . import plugin

    if not pm.is_registered(plugin):
        pm.register(plugin, name="newszone_browse")


def make_datasette(copy: str | Path, files_root: str | Path | None = None) -> Any:
    """A Datasette instance over a browse snapshot (from :func:`snapshot`), as ``browse``
    serves it: immutable, with this archive's metadata, templates and plugin."""
    from datasette.app import Datasette

    register()
    return Datasette(immutables=[str(copy)], metadata=metadata(files_root),
                     template_dir=str(TEMPLATES))


def serve(args: argparse.Namespace) -> int:
    """Snapshot the archive into a temporary folder and serve it until interrupted."""
    db = Path(args.db)
    if not db.is_file():
        print(f"error: no archive at {db} (run a crawl first, e.g. `make demo`)",
              file=sys.stderr)
        return 1
    try:
        from datasette import cli as datasette_cli
    except ImportError:
        print("error: Datasette is not installed: pip install -e '.[browse]'", file=sys.stderr)
        return 1
    files_root = Path(args.files_store).resolve().parent
    with tempfile.TemporaryDirectory(prefix="newszone-browse-") as tmp:
        copy = snapshot(db, Path(tmp) / f"{DATABASE}.sqlite")
        meta = Path(tmp) / "metadata.json"
        meta.write_text(json.dumps(metadata(files_root), indent=2), encoding="utf-8")
        register()
        print(f"Serving a snapshot of {db} at http://{args.host}:{args.port}/ (Ctrl-C stops)",
              flush=True)
        try:
            datasette_cli.cli.main(
                ["serve", "-i", str(copy), "-m", str(meta), "--template-dir", str(TEMPLATES),
                 "-h", args.host, "-p", str(args.port)],
                prog_name="datasette", standalone_mode=False,
            )
        except KeyboardInterrupt:
            pass
    return 0


def add_parser(commands: Any, db_default: str, files_store_default: str) -> None:
    """The ``browse`` subcommand on the command line's subparsers."""
    browser = commands.add_parser(
        "browse", help="browse a snapshot of the archive with Datasette (read-only, loopback)")
    browser.add_argument("--db", default=db_default, help=f"the archive (default {db_default})")
    browser.add_argument("--host", default="127.0.0.1", help="address to serve on (default "
                         "127.0.0.1: this machine only)")
    browser.add_argument("--port", type=int, default=8001, help="port (default 8001; 0: any)")
    browser.add_argument("--files-store", default=files_store_default,
                         help=f"FILES_STORE of the crawl, for attachment links "
                         f"(default {files_store_default})")
    browser.set_defaults(run=serve)
