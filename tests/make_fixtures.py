"""Save demo-site article pages as fixtures: ``python -m tests.make_fixtures``.

A developer tool, not a test. It picks the fewest demo articles that together show every quirk
the demo site knows (``DemoSite.quirks``) and at least one article of each board, and stores
each page as served (bytes and encoding), a non-canonical URL it could be reached by, and the
site's own truth record as ``expected.json``. The truth comes from the demo site's generator,
never from the parser, so the fixture tests can fail.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from newszone_crawler.demo_site import DemoSite

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "https://www.mnd.go.kr"
PREFIX = "demo_"


def pick(site: DemoSite, count: int) -> list[int]:
    """Greedy set cover of the quirk tags, plus one article per board."""
    tags = {k: set(site.quirks(k)) for k in range(1, count + 1)}
    wanted = set().union(*tags.values())
    chosen: list[int] = []
    while wanted:
        k = max(tags, key=lambda k: (len(tags[k] & wanted), -k))
        chosen.append(k)
        wanted -= tags[k]
    boards = {site.truth(k)["board"] for k in chosen}
    for k in range(1, count + 1):
        if site.truth(k)["board"] not in boards:
            chosen.append(k)
            boards.add(site.truth(k)["board"])
    return sorted(chosen)


def main() -> None:
    site = DemoSite(articles=150)
    for old in FIXTURES.glob(f"{PREFIX}*"):
        shutil.rmtree(old)
    for k in pick(site, 150):
        truth = site.truth(k, base_url=BASE)
        canonical = site.article_url(truth["id"])
        path = canonical[canonical.index("/user"):]
        # reached as the board links it: extra parameters, another order
        query = path.split("?", 1)[1] + "&page=3&titleId=null&column=null&search=null"
        response = site.get(path)
        views = site.views(k)
        folder = FIXTURES / f"{PREFIX}{k:03d}_{truth['id']}"
        folder.mkdir(parents=True)
        (folder / "page.html").write_bytes(response.body)
        content_type = response.header("Content-Type") or ""
        encoding = "euc-kr" if "euc-kr" in response.body[:600].decode("ascii", "replace").lower() else "utf-8"
        if "charset=" in content_type:
            encoding = content_type.split("charset=")[1].strip()
        (folder / "encoding.txt").write_text(encoding + "\n")
        (folder / "url.txt").write_text(f"{BASE}/user/boardList.action?{query}\n")
        record = {**truth, "views": views}
        quirks = sorted(site.quirks(k))
        (folder / "expected.json").write_text(
            json.dumps({"kind": "article", "quirks": quirks, "record": record},
                       ensure_ascii=False, indent=1) + "\n", "utf-8")
        print(folder.name, " ".join(quirks))


if __name__ == "__main__":
    main()
