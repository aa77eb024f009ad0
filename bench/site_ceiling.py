"""The demo site's own ceiling: a plain concurrent HTTP/1.1 client (asyncio, raw sockets,
keep-alive), so the benchmark can show the site is not what limits the crawl.

    python bench/site_ceiling.py URLS.json [--concurrency 32]

It GETs every URL of ``URLS.json`` (``{"listings": [...], "articles": [...]}``) once, over
``--concurrency`` persistent connections, reading each answer by its ``Content-Length`` (the
demo site always sends one), and prints requests/s as JSON. It does nothing with the bodies.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


async def _worker(host: str, port: int, queue: asyncio.Queue[str], counts: dict[str, int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            try:
                target = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            writer.write(
                f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                "User-Agent: bench-ceiling\r\nAccept-Encoding: identity\r\n\r\n".encode("latin-1")
            )
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            close = False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value.strip())
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            body = await reader.readexactly(length) if length else b""
            counts["requests"] += 1
            counts["bytes"] += len(head) + len(body)
            if status != 200:
                counts["errors"] += 1
            if close:  # the server will not answer more on this connection: open another
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


async def _measure(urls: list[str], concurrency: int) -> dict[str, Any]:
    parts = urlsplit(urls[0])
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        p = urlsplit(url)
        queue.put_nowait((p.path or "/") + (f"?{p.query}" if p.query else ""))
    counts = {"requests": 0, "bytes": 0, "errors": 0}
    started = time.perf_counter()
    await asyncio.gather(*(_worker(host, port, queue, counts) for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    return {**counts, "seconds": seconds, "requests_per_s": counts["requests"] / seconds,
            "concurrency": concurrency}


def measure(urls: list[str], concurrency: int = 32) -> dict[str, Any]:
    """GET every URL once over ``concurrency`` keep-alive connections; requests/s and bytes."""
    return asyncio.run(_measure(urls, concurrency))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", help='JSON file {"listings": [...], "articles": [...]}')
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args(argv)
    data = json.loads(Path(args.urls).read_text("utf-8"))
    print(json.dumps(measure(data["listings"] + data["articles"], args.concurrency)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
