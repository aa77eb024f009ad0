"""Run the demo site standalone: ``python -m newszone_crawler.demo_site --port 8000``.

Prints the site's URL (with the port actually bound, so ``--port 0`` is usable from
scripts: the first line is ``Serving ... at http://127.0.0.1:PORT/``) and serves until
interrupted.  ``--faults JSON`` switches fault modes on (the ``faults`` dict of
:class:`.site.DemoSite` as a JSON object, or ``@path`` of a file holding one), e.g.
``--faults '{"unavailable": {"*": 2}, "gone": {"O_110005": 410}}'``.  ``--chrome real``
serves the pages inside the real site's chrome (menus, widgets, site map, scripts: 25-35 KB
an article page, :mod:`.chrome`) instead of the light default.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .board import BOARDS
from .chrome import CHROMES
from .content import MAX_ARTICLES
from .site import DemoSite


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, listen, and run the reactor until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m newszone_crawler.demo_site",
        description="Serve the News Zone demo board on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=8000, help="TCP port; 0 picks a free one")
    parser.add_argument("--interface", default="127.0.0.1", help="address to bind")
    parser.add_argument(
        "--articles", type=int, default=150, help=f"published articles (0..{MAX_ARTICLES})"
    )
    parser.add_argument(
        "--faults",
        metavar="JSON",
        default=None,
        help="fault modes: a JSON object (or @file), keys as in the package docstring",
    )
    parser.add_argument(
        "--chrome",
        choices=CHROMES,
        default="light",
        help="page weight: light (the board's markup alone) or real (the real site's chrome)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.articles <= MAX_ARTICLES:
        parser.error(f"--articles must be between 0 and {MAX_ARTICLES}")
    faults: dict[str, Any] = {}
    if args.faults:
        text = args.faults
        try:
            if text.startswith("@"):
                text = Path(text[1:]).read_text(encoding="utf-8")
            faults = json.loads(text)
        except (OSError, ValueError) as error:
            parser.error(f"--faults: {error}")
        if not isinstance(faults, dict):
            parser.error("--faults must be a JSON object")
    try:
        site = DemoSite(args.articles, faults=faults, chrome=args.chrome)
    except ValueError as error:
        parser.error(f"--faults: {error}")

    from twisted.internet import reactor as default_reactor

    from .server import listen

    reactor: Any = default_reactor  # mypy misreads zope-interface methods
    listen(site, args.port, args.interface)
    print(
        f"Serving News Zone demo site ({args.articles} articles, {args.chrome} pages)"
        f" at {site.base_url}/",
        flush=True,
    )
    for key, board in BOARDS.items():
        print(f"  {board.name}: {site.listing_url(key)}", flush=True)
    if faults:
        print(f"  Faults: {', '.join(sorted(faults))}", flush=True)
    reactor.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
