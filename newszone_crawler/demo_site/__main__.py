"""Run the demo site standalone: ``python -m newszone_crawler.demo_site --port 8000``.

Prints the site's URL (with the port actually bound, so ``--port 0`` is usable from
scripts: the first line is ``Serving ... at http://127.0.0.1:PORT/``) and serves until
interrupted.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .content import BOARDS, MAX_ARTICLES
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
    args = parser.parse_args(argv)
    if not 0 <= args.articles <= MAX_ARTICLES:
        parser.error(f"--articles must be between 0 and {MAX_ARTICLES}")

    from twisted.internet import reactor as default_reactor

    from .server import listen

    site = DemoSite(args.articles)
    reactor: Any = default_reactor  # mypy misreads zope-interface methods
    listen(site, args.port, args.interface)
    print(f"Serving News Zone demo site ({args.articles} articles) at {site.base_url}/", flush=True)
    for key, board in BOARDS.items():
        print(f"  {board.name}: {site.listing_url(key)}", flush=True)
    reactor.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
