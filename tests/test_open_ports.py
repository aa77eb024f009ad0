"""A crawl opens no door: no listening socket but the demo site's (when it serves one), and no
control token left on disk (Scrapy 2.19's remote-control extension is switched off)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from .conftest import ROOT


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def listening_ports(pid: int) -> set[int]:
    """TCP ports the process ``pid`` listens on (from /proc: no extra tools needed)."""
    try:
        mine = _socket_inodes(pid)
        ports = set()
        for table in ("tcp", "tcp6"):
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
            for line in lines:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in mine:  # 0A: LISTEN
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        return ports
    except (FileNotFoundError, ProcessLookupError):  # the process has just ended
        return set()


def test_crawl_listens_on_nothing_but_the_demo_site(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "newszone", "-a", "demo=1",
         "-a", "demo_articles=300", "-O", str(tmp_path / "items.jsonl"),
         "-s", f"NEWSZONE_DB={tmp_path / 'a.sqlite'}", "-s", "NEWSZONE_FILES_ENABLED=0",
         "-s", "NEWSZONE_WARC_ENABLED=0", "-s", f"NEWSZONE_MANIFEST_DIR={tmp_path / 'm'}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(os.environ, HOME=str(home), XDG_STATE_HOME=str(home / ".local" / "state")),
    )
    seen: set[int] = set()
    deadline = time.monotonic() + 180
    while proc.poll() is None and time.monotonic() < deadline:
        seen |= listening_ports(proc.pid)
        time.sleep(0.02)
    log, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, log[-3000:]
    demo = re.search(r"Demo site with \d+ articles serving at http://127\.0\.0\.1:(\d+)", log)
    assert demo, log[-2000:]
    assert seen == {int(demo.group(1))}, (seen, log[-2000:])
    assert not list(home.rglob("*")), list(home.rglob("*"))  # no job or token file left
