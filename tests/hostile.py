"""Hostile variants of the board for end-to-end tests: the demo site's pages, served by a
stdlib server on 127.0.0.1 with one twist each (a page shape nobody foresaw, a redirect to
another article, a paging block that lies...). The twist is a function of the request's path
and the demo site's answer; the demo site itself renders the contract on its own."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from newszone_crawler.demo_site import DemoSite


@dataclass
class Answer:
    """What the server sends back."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


Twist = Callable[[str, dict[str, str], Answer, DemoSite], Answer | None]
"""``twist(path_and_query, params, demo_answer, site)``: a changed answer, or None to keep it."""


@dataclass
class HostileSite:
    """A running hostile variant: its root URL, the demo site behind it, requests seen."""

    root: str
    site: DemoSite
    requests: Counter[str] = field(default_factory=Counter)

    def article_url(self, seq: str, board_id: str) -> str:
        return (f"{self.root}/user/boardList.action?command=view&boardId={board_id}"
                f"&boardSeq={seq}&siteId=mndEN&id=mndEN_020100000000")


def params_of(path: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query, keep_blank_values=True).items()}


def kind_of(params: dict[str, str], path: str) -> str:
    if not path.startswith("/user/boardList.action"):
        return "other"
    return {"": "listing", "view": "article", "download": "download"}.get(
        params.get("command", ""), "other")


@contextmanager
def hostile_site(articles: int, twist: Twist) -> Iterator[HostileSite]:
    """Serve ``DemoSite(articles)`` through ``twist`` until the block ends."""
    site = DemoSite(articles)
    state = HostileSite("", site)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            params = params_of(self.path)
            state.requests[kind_of(params, self.path)] += 1
            demo = site.get(self.path)
            answer = Answer(demo.status, [(k, v) for k, v in demo.headers
                                          if k.lower() != "content-length"], demo.body)
            answer = twist(self.path, params, answer, site) or answer
            self.send_response(answer.status)
            for name, value in answer.headers:
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.root = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
