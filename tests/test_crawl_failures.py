"""A run that cannot do its job exits non-zero with a one-line reason."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import run_crawl

LISTING = (Path(__file__).parent / "fixtures" / "listing_recent_page2" / "page.html").read_bytes()
MAINTENANCE = b"<html><body><h1>Service maintenance</h1><p>Please come back later.</p></body></html>"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TemplateChanged(BaseHTTPRequestHandler):
    """Serves a real-looking listing on page 1, empty pages after it, and maintenance pages
    in place of every article: the board has articles but none can be read."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if "command=view" in self.path:
            body = MAINTENANCE
        elif "page=1" in self.path:
            body = LISTING
        else:
            body = b"<div class='board_list'><ul class='list_post'></ul></div>"
        self.send_response(200 if "robots" not in self.path else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def changed_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), TemplateChanged)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_unreachable_site_fails_with_exit_code_1(tmp_path: Path) -> None:
    result = run_crawl(tmp_path, "-a", f"base_url=http://127.0.0.1:{free_port()}", "-a", "boards=recent")
    assert result.returncode == 1
    assert "Run status: FAILED: the site could not be reached" in result.log
    assert result.records == []


def test_board_whose_articles_cannot_be_read_fails(tmp_path: Path, changed_site: str) -> None:
    result = run_crawl(tmp_path, "-a", f"base_url={changed_site}", "-a", "boards=recent")
    assert result.returncode == 1, result.log[-2000:]
    assert "board recent: the listing says 587 posts but no article was found" in result.log
    assert "Article page does not look as expected" in result.log
    assert result.records == []


def test_unknown_board_is_a_usage_error(tmp_path: Path) -> None:
    result = run_crawl(tmp_path, "-a", "boards=sports", "-a", "base_url=http://127.0.0.1:9")
    assert result.returncode != 0
    assert "boards='sports' names an unknown board (sports)" in result.log
