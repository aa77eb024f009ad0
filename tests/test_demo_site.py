"""Tests of the embedded demo site, ``newszone_crawler.demo_site``.

The site must show every quirk of the board's markup contract.
These tests look at what it serves - HTML, headers, bytes - with regular expressions
and parsel, written here on their own: nothing comes from the crawler's parsing code,
so a bug shared by the site and the crawler cannot hide.  Most requests go through
``DemoSite.get`` (no network); the Twisted resource and the standalone server are
tested at the end (the server in a subprocess, so this process never installs a
reactor that Scrapy tests would then trip over).
"""

from __future__ import annotations

import html
import random
import re
import select
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from parsel import Selector

import newszone_crawler.demo_site as demo_site
from newszone_crawler.demo_site import DemoSite, Response

ROOT = Path(__file__).resolve().parents[1]
LIST = "/user/boardList.action"
# Restated from markup.md, not imported from the site.
BOARDS: dict[str, tuple[str, str, str]] = {
    "recent": ("O_47261", "mndEN_020100000000", "Recent News"),
    "photo": ("O_47317", "mndEN_020200000000", "Photo News"),
    "press": ("I_8576246", "mndEN_020600000000", "Press Release"),
}
BOARD_KEY_BY_ID = {board_id: key for key, (board_id, _, _) in BOARDS.items()}
LETTER = {"recent": "R", "photo": "P", "press": "X"}
PLACEHOLDER = "(Presentation and Follow-on discussion)"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
JF_VIEW = re.compile(r"jf_view\('([^']+)','([^']+)'\)")
JF_DOWN = re.compile(r"jf_fileDown\('([^']+)','([^']+)','(\d+)'\)")


# --------------------------------------------------------------------------- helpers


def norm(text: str) -> str:
    """Collapse whitespace and no-break spaces."""
    return " ".join(text.replace("\xa0", " ").split())


def decode(response: Response) -> str:
    """Decode a page as a browser would: header charset, else ``<meta>``, else UTF-8."""
    header = response.header("Content-Type") or ""
    found = re.search(r"charset=([\w-]+)", header)
    if not found:
        found_meta = re.search(rb"charset=([\w-]+)", response.body[:2048])
        return response.body.decode(found_meta.group(1).decode() if found_meta else "utf-8")
    return response.body.decode(found.group(1))


def listing_path(key: str, page: int) -> str:
    board_id, menu_id, _ = BOARDS[key]
    return f"{LIST}?boardId={board_id}&siteId=mndEN&id={menu_id}&page={page}"


def view_path(board_id: str, seq: str, page: int = 1) -> str:
    """The article URL jf_view opens (markup.md's captured parameter order)."""
    menu_id = BOARDS[BOARD_KEY_BY_ID[board_id]][1]
    return (
        f"{LIST}?command=view&page={page}&boardId={board_id}&boardSeq={seq}&titleId=null"
        f"&siteId=mndEN&id={menu_id}&column=null&search=null"
    )


def download_path(board_id: str, seq: str, file_seq: str) -> str:
    return f"{LIST}?command=download&boardId={board_id}&boardSeq={seq}&fileSeq={file_seq}"


def paragraphs(fragment: str) -> list[tuple[str, str]]:
    """``(attributes, inner HTML)`` of each ``<p>`` of an HTML fragment."""
    return re.findall(r"<p([^>]*)>(.*?)</p>", fragment, re.S)


def text_of(inner: str) -> str:
    """Text of an inner HTML: tags dropped (``<br>`` as newline), entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", inner.replace("<br>", "\n")))


@dataclass
class Row:
    """One row of a listing page."""

    board_key: str
    board_id: str
    seq: str
    num: str
    title: str
    date: str
    hits: int
    href: str
    onclick: str | None
    notice: bool


@dataclass
class ArticlePage:
    """An article page as these tests see it."""

    seq: str
    board_key: str
    ordinal: int
    response: Response
    html: str
    sel: Selector = field(repr=False)
    title_raw: str
    date: str
    hits: int
    paras: list[tuple[str, str]]
    files: list[tuple[str, str, str | None]]
    truth: dict[str, Any] = field(default_factory=dict, repr=False)
    """The site's truth for the page: where reading the page alone is the parser's job
    (is this line a byline or a body sentence?), the helpers below ask it which lines are
    which and check that the page shows them."""

    @property
    def texts(self) -> list[str]:
        return [norm(text_of(inner)) for _, inner in self.paras]

    @property
    def lines(self) -> list[str]:
        """Text lines of the post: its paragraphs split at ``<br>``."""
        return [norm(line) for _, inner in self.paras for line in text_of(inner).split("\n")]

    def headline_indexes(self) -> list[int]:
        """The leading paragraphs (spacers aside) that show the full title."""
        found = []
        for i, text in enumerate(self.texts):
            if not text:
                continue
            if self.truth["title_truncated"] or text != self.truth["title"]:
                break
            found.append(i)
        return found

    def image_indexes(self) -> list[int]:
        return [i for i, (_, inner) in enumerate(self.paras) if "<img" in inner]

    def deck_lines(self) -> list[str]:
        """Lines of the short paragraphs between the headline and the first image or
        long paragraph (headlines, the Korean title line and spacers left out)."""
        lines: list[str] = []
        for _, inner in self.paras:
            text = norm(text_of(inner))
            if "<img" in inner:
                break
            if not text or inner.startswith("<b>") or re.fullmatch(r"[\uac00-\ud7a3 ,]+", text):
                continue
            if len(text) > 150 and "<br>" not in inner:
                break
            lines.extend(norm(html.unescape(line)) for line in inner.split("<br>"))
        return lines

    def captions(self) -> list[tuple[str, str]]:
        """(raw inner HTML, text) of the first non-empty paragraph after each image."""
        out = []
        for i in self.image_indexes():
            following = [
                inner for _, inner in self.paras[i + 1 :] if norm(text_of(inner)) or "<img" in inner
            ]
            if following and "<img" not in following[0]:
                out.append((following[0], norm(text_of(following[0]))))
            else:
                out.append(("", ""))
        return out

    def long_paras(self) -> list[str]:
        return [inner for _, inner in self.paras if len(norm(text_of(inner))) > 150]


def parse_listing(key: str, response: Response) -> list[Row]:
    sel = Selector(text=decode(response))
    rows = []
    for li in sel.css("div.board_list ul.list_post > li"):
        link = li.css("p.title a")
        href = link.attrib["href"]
        onclick = link.attrib.get("onclick")
        board_id, seq = JF_VIEW.search(onclick or href).groups()  # type: ignore[union-attr]
        labels = li.css("dl dt::text").getall()
        values = li.css("dl dd::text").getall()
        assert labels == ["Date :", "Hit :"]
        rows.append(
            Row(
                board_key=key,
                board_id=board_id,
                seq=seq,
                num=li.css("span.num::text").get(""),
                title=link.css("::text").get(""),
                date=values[0],
                hits=int(values[1]),
                href=href,
                onclick=onclick,
                notice="notice" in li.attrib.get("class", ""),
            )
        )
    return rows


def fetch_article(site: DemoSite, row: Row) -> ArticlePage:
    response = site.get(view_path(row.board_id, row.seq))
    assert response.status == 200, row
    text = decode(response)
    sel = Selector(text=text)
    # The raw markup, not parsel's re-serialization (which turns &nbsp; into U+00A0).
    post_match = re.search(r'<div class="post_content">(.*?)</div>', text, re.S)
    post = post_match.group(1) if post_match else ""
    files = []
    for li in sel.css("div.board_view div.file_list dl dd ul li"):
        href, onclick = li.css("a").attrib["href"], li.css("a").attrib.get("onclick", "")
        if "jf_fileDown" in onclick:  # href="#none" onclick="jf_fileDown(...);return false;"
            href = f"javascript:{onclick}"
        files.append((href, li.css("a::text").get(""), li.css("span.size::text").get()))
    info = sel.css("div.board_view div.wrap_title dl.info")
    assert info.css("dt::text").getall() == ["Date :", "Hit :"]
    date, hits = info.css("dd::text").getall()
    truth = site.article_by_id(row.seq)
    return ArticlePage(
        seq=row.seq,
        board_key=row.board_key,
        ordinal=int(row.num),
        response=response,
        html=text,
        sel=sel,
        title_raw=sel.css("div.board_view div.wrap_title p.title::text").get(""),
        date=date,
        hits=int(hits),
        paras=paragraphs(post),
        files=files,
        truth=truth,
    )


@dataclass
class Crawl:
    """Everything the default site serves, gathered by following its own links."""

    site: DemoSite
    listings: dict[str, list[list[Row]]]
    articles: dict[str, ArticlePage]

    def rows(self, key: str) -> list[Row]:
        return [row for page in self.listings[key] for row in page if not row.notice]

    def pages(self, boards: str = "RPX", first: int | None = None) -> Iterator[ArticlePage]:
        for page in self.articles.values():
            if LETTER[page.board_key] in boards and (first is None or page.ordinal <= first):
                yield page


@pytest.fixture(scope="module")
def crawl() -> Crawl:
    site = DemoSite()
    listings: dict[str, list[list[Row]]] = {}
    articles: dict[str, ArticlePage] = {}
    for key in BOARDS:
        pages = []
        page = 1
        while True:
            rows = parse_listing(key, site.get(listing_path(key, page)))
            if not rows:
                break
            pages.append(rows)
            page += 1
        listings[key] = pages
        for rows in pages:
            for row in rows:
                if not row.notice:
                    articles[row.seq] = fetch_article(site, row)
    return Crawl(site, listings, articles)


# --------------------------------------------------------------------------- listings


def test_listing_frame_and_counts(crawl: Crawl) -> None:
    counts = {}
    for key, (_, _, name) in BOARDS.items():
        response = crawl.site.get(listing_path(key, 1))
        assert response.status == 200
        assert response.header("Content-Type") == "text/html; charset=utf-8"
        sel = Selector(text=decode(response))
        assert sel.css("#contents h2.tit_h2::text").get() == "News Zone"
        assert sel.css("#contents h3.tit_h3::text").get() == name
        assert norm(sel.css("#contents div.location::text").get("")) == (
            f"Home > News Zone > {name}"
        )
        total = sel.css("div.board_list p.total strong::text").get()
        assert re.search(r"Total <strong>\d+</strong> posts", decode(response))
        counts[key] = int(total or 0)
        assert counts[key] == len(crawl.rows(key))
    assert counts == {"recent": 90, "photo": 30, "press": 30}
    assert sum(counts.values()) == 150 == len(crawl.articles)


def test_listing_rows_newest_first_ten_a_page(crawl: Crawl) -> None:
    for key in BOARDS:
        pages = crawl.listings[key]
        for number, rows in enumerate(pages, start=1):
            regular = [r for r in rows if not r.notice]
            assert len(regular) == (10 if number < len(pages) else len(crawl.rows(key)) % 10 or 10)
        rows = crawl.rows(key)
        nums = [int(r.num) for r in rows]
        assert nums == list(range(len(rows), 0, -1))
        dates = [r.date.replace("-", ".") for r in rows]
        assert dates == sorted(dates, reverse=True)
        assert [r.seq for r in rows] == crawl.site.ids(key)
        assert len({r.seq for r in rows}) == len(rows)
    assert sorted(crawl.site.all_ids()) == sorted(crawl.articles)


def test_pinned_notice_on_every_page_and_in_place(crawl: Crawl) -> None:
    for key in BOARDS:
        notices = set()
        for rows in crawl.listings[key]:
            assert rows[0].notice and rows[0].num == "Notice"
            assert sum(r.notice for r in rows) == 1
            notices.add(rows[0].seq)
        assert len(notices) == 1
        (notice,) = notices
        assert crawl.rows(key)[-1].seq == notice  # its normal place: the oldest
        assert notice in crawl.articles
        assert crawl.site.notice_id(key) == notice


def test_listing_link_styles(crawl: Crawl) -> None:
    rows = [r for key in BOARDS for r in crawl.rows(key)]
    onclick = [r for r in rows if r.href == "#none" and r.onclick]
    javascript = [r for r in rows if r.href.startswith("javascript:jf_view(")]
    assert len(onclick) > 5 and len(javascript) > 5  # the grammar draws either style
    for row in onclick:
        assert re.fullmatch(r"jf_view\('[\w]+','[OI]_\d+'\);return false;", row.onclick or "")
    for row in javascript:
        assert row.onclick is None
        assert re.fullmatch(r"javascript:jf_view\('[\w]+','[OI]_\d+'\);", row.href)
    assert {r.board_id for r in javascript} == {b[0] for b in BOARDS.values()}


def test_listing_title_cuts(crawl: Crawl) -> None:
    titles = {key: [r.title for r in crawl.rows(key)] for key in BOARDS}
    for key, cut_lengths in (("recent", {67, 131}), ("photo", {67}), ("press", {67})):
        cut = [t for t in titles[key] if t.endswith("...")]
        assert {len(t) for t in cut} == cut_lengths, key
        assert any(t.endswith(".....") for t in cut), key
        assert any(len(t) < 64 and not t.endswith("...") for t in titles[key]), key
    # Newer Recent News are cut at 128, older ones at 64.
    recent = crawl.rows("recent")
    assert all(len(r.title) != 131 for r in recent if int(r.num) <= 20)
    assert any(len(r.title) == 131 for r in recent if int(r.num) <= 30)
    # Cut titles cut the same way in the article header.
    for page in crawl.articles.values():
        row = next(r for r in crawl.rows(page.board_key) if r.seq == page.seq)
        assert page.title_raw == row.title


def test_paging(crawl: Crawl) -> None:
    response = crawl.site.get(listing_path("recent", 1))
    raw = decode(response)
    paging = Selector(text=raw).css("div.paging")
    assert paging.css("a.first::attr(href)").get("").endswith("page=1")
    assert paging.css("a.prev::attr(href)").get("").endswith("page=1")
    assert paging.css("strong::text").get() == "1"
    numbers = paging.css("a:not([class])::text").getall()
    assert numbers == [str(n) for n in range(2, 10)]
    assert paging.css("a.next::attr(href)").get("").endswith("page=9")
    assert paging.css("a.last::attr(href)").get("").endswith("page=9")
    assert re.search(
        r'<a class="last" href="[^"]*boardId=O_47261&amp;siteId=mndEN&amp;'
        r'id=mndEN_020100000000&amp;page=9">last</a>',
        raw,
    )
    # Blocks of ten pages: at 5,000 articles page 12 shows 11..20, prev 10, next 21.
    big = DemoSite(5000)
    paging = Selector(text=decode(big.get(listing_path("recent", 12)))).css("div.paging")
    assert paging.css("a:not([class])::text, strong::text").getall() == [
        str(n) for n in range(11, 21)
    ]
    assert paging.css("a.prev::attr(href)").get("").endswith("page=10")
    assert paging.css("a.next::attr(href)").get("").endswith("page=21")
    assert paging.css("a.last::attr(href)").get("").endswith("page=300")


def test_page_past_the_last_is_empty(crawl: Crawl) -> None:
    for key in BOARDS:
        response = crawl.site.get(listing_path(key, len(crawl.listings[key]) + 1))
        assert response.status == 200
        sel = Selector(text=decode(response))
        assert sel.css("ul.list_post").get() is not None
        assert sel.css("ul.list_post > li").getall() == []
    assert crawl.site.get(listing_path("photo", 9999)).status == 200


# --------------------------------------------------------------------------- quirk table

Predicate = Callable[[ArticlePage], bool]


def _byline_texts(page: ArticlePage) -> list[str]:
    """The byline lines the truth names, each checked to be a line of the page."""
    raw = page.truth["byline_raw"]
    lines = raw.split("\n") if raw else []
    assert all(line in page.lines for line in lines), page.seq
    return lines


def _copyright_text(page: ArticlePage) -> str | None:
    notice = page.truth["copyright"]
    if notice is None:
        return None
    assert notice["text"] in page.lines, page.seq
    return str(notice["text"])


def _headline_text(page: ArticlePage) -> str | None:
    idx = page.headline_indexes()
    return page.texts[idx[0]] if idx else None


def _files(page: ArticlePage) -> list[tuple[str, str, str | None]]:
    return page.files


def _file_ids(page: ArticlePage) -> list[str]:
    """fileSeq of each real file link (direct or jf_fileDown)."""
    ids = []
    for href, _, _ in page.files:
        direct = re.search(
            r"command=download&amp;.*fileSeq=(\d+)", html.escape(html.unescape(href))
        )
        down = JF_DOWN.search(href)
        if direct:
            ids.append(direct.group(1))
        elif down:
            ids.append(down.group(3))
    return ids


QUIRKS: dict[str, tuple[Predicate, str]] = {
    # name: (present on the page?, boards where it shows among the first 30 articles)
    "headline first paragraph": (
        lambda p: (
            bool(p.headline_indexes())
            and p.headline_indexes()[0] == 0
            and p.texts[0].startswith(p.title_raw.removesuffix("..."))
        ),
        "RPX",
    ),
    "cut title without headline": (
        lambda p: p.title_raw.endswith("...") and not p.headline_indexes(),
        "RPX",
    ),
    "headline repeated": (
        lambda p: (
            len(p.headline_indexes()) == 2
            and p.paras[p.headline_indexes()[0]] == p.paras[p.headline_indexes()[1]]
        ),
        "RPX",
    ),
    "korean title line after headline": (
        lambda p: (
            bool(p.headline_indexes())
            and bool(re.fullmatch(r"[\uac00-\ud7a3 ,]+", p.texts[p.headline_indexes()[-1] + 1]))
        ),
        "RPX",
    ),
    "mismatched quotes \u201c...\u201c": (
        lambda p: (
            (_headline_text(p) or "").count("\u201c") == 2
            and "\u201d" not in (_headline_text(p) or "")
        ),
        "RP",
    ),
    "mismatched quotes \u201c...'": (
        lambda p: (
            (_headline_text(p) or "").startswith("\u201c")
            and "'" in (_headline_text(p) or "")
            and "\u201d" not in (_headline_text(p) or "")
        ),
        "RX",
    ),
    "nbsp spacer paragraph": (lambda p: any(inner == "&nbsp;" for _, inner in p.paras), "RPX"),
    "deck with <br> lines": (lambda p: len(p.deck_lines()) >= 2, "RPX"),
    "deck '- ' marker": (
        lambda p: any(s.startswith("- ") and not s.endswith(" -") for s in p.deck_lines()),
        "RP",
    ),
    "deck '-' marker": (lambda p: any(re.match(r"-\S", s) for s in p.deck_lines()), "RX"),
    "deck '- ... -' marker": (
        lambda p: any(s.startswith("- ") and s.endswith(" -") for s in p.deck_lines()),
        "RX",
    ),
    "deck ';' ending": (lambda p: any(s.endswith(";") for s in p.deck_lines()), "RX"),
    "deck in two groups": (
        lambda p: (
            sum(
                1
                for _, inner in p.paras[: (p.image_indexes() or [len(p.paras)])[0]]
                if "<br>" in inner
            )
            >= 2
        ),
        "RX",
    ),
    "image paragraph": (
        lambda p: any(
            'style="text-align:center"' in attrs and re.search(r'<img src="/upload/news/', inner)
            for attrs, inner in p.paras
        ),
        "RPX",
    ),
    "png image": (lambda p: bool(re.search(r'<img src="[^"]+\.png"', p.html)), "RP"),
    "caption with trailing nbsp": (
        lambda p: any(inner.endswith("&nbsp;&nbsp;") for inner, _ in p.captions()),
        "RPX",
    ),
    "caption is the title cut to 50": (
        lambda p: any(
            text == norm(p.title_raw[:50]) and len(text) >= 30 for _, text in p.captions()
        ),
        "RPX",
    ),
    "long caption ending 'Reported by'": (
        lambda p: any(
            len(text) > 80 and re.search(r"Reported by [A-Z]\w+ [\w-]+$", text)
            for _, text in p.captions()
        ),
        "RPX",
    ),
    "image without caption": (
        lambda p: any(len(text) > 150 and "Reported by" not in text for _, text in p.captions()),
        "RPX",
    ),
    "body paragraph with trailing nbsp": (
        lambda p: any(inner.endswith("&nbsp;") for inner in p.long_paras()),
        "RPX",
    ),
    "body paragraph with leading space": (
        lambda p: any(inner.startswith((" ", "&nbsp;")) for inner in p.long_paras()),
        "RX",
    ),
    "press release triangles": (lambda p: any(t.startswith("\u25b3 ") for t in p.texts), "X"),
    # Bylines
    "byline 'Given, Family <email >'": (
        lambda p: any(
            re.fullmatch(r"By [A-Z]\w*-\w+, [A-Z]\w+ <[^<> ]+@[^<> ]+ >", t)
            for t in _byline_texts(p)
        ),
        "R",
    ),
    "byline empty brackets '< >'": (
        lambda p: any(t.endswith(" < >") for t in _byline_texts(p)),
        "RP",
    ),
    "byline empty brackets '<>'": (lambda p: any(t.endswith(" <>") for t in _byline_texts(p)), "R"),
    "byline 'Family Given (email)'": (
        lambda p: any(
            re.fullmatch(r"By [A-Z]\w+ [A-Z]\w*-\w+ \(\S+@\S+\)", t) for t in _byline_texts(p)
        ),
        "R",
    ),
    "byline 'By Reporter'": (
        lambda p: any(t.startswith("By Reporter ") for t in _byline_texts(p)),
        "RP",
    ),
    "byline 'By Staff Reporter'": (
        lambda p: any(t.startswith("By Staff Reporter ") for t in _byline_texts(p)),
        "R",
    ),
    "byline two authors 'and'": (
        lambda p: any(re.fullmatch(r"By \S+ \S+ and \S+ \S+", t) for t in _byline_texts(p)),
        "R",
    ),
    "byline two authors '&'": (
        lambda p: any(re.fullmatch(r"By \S+ \S+ & \S+ \S+", t) for t in _byline_texts(p)),
        "R",
    ),
    "byline comma then multi-word name": (
        lambda p: any(re.fullmatch(r"By \S+ \S+, \S+ \S+", t) for t in _byline_texts(p)),
        "R",
    ),
    "translator line with a reporter byline": (
        lambda p: (
            any(t.startswith("Translated by ") for t in _byline_texts(p))
            and any(t.startswith("By ") for t in _byline_texts(p))
        ),
        "R",
    ),
    "translator line alone": (
        lambda p: [t.split(" ")[0] for t in _byline_texts(p)] == ["Translated"],
        "R",
    ),
    "photographer line": (lambda p: any(t.startswith("Photo by ") for t in _byline_texts(p)), "RP"),
    "korean byline": (
        lambda p: any(
            re.fullmatch(r"[\uac00-\ud7a3]{3} 기자 < \S+@\S+ >", t) for t in _byline_texts(p)
        ),
        "R",
    ),
    "uppercase in email": (
        lambda p: any(re.search(r"<[^<>@]*[A-Z][^<>@]*@", t) for t in _byline_texts(p)),
        "R",
    ),
    "no byline": (lambda p: not _byline_texts(p), "RPX"),
    # Copyright lines
    "copyright standard": (
        lambda p: (
            _copyright_text(p) == "<Copyright \u24d2 The Korea Defense Daily, All rights reserved>"
        ),
        "RP",
    ),
    "copyright without brackets": (
        lambda p: (_copyright_text(p) or "").startswith("Copyright \u24d2"),
        "R",
    ),
    "copyright \u00a9": (lambda p: "Copyright \u00a9" in (_copyright_text(p) or ""), "R"),
    "copyright (c)": (lambda p: "Copyright (c)" in (_copyright_text(p) or ""), "R"),
    "copyright with year": (
        lambda p: bool(re.search(r"Copyright \u24d2 \d{4} ", _copyright_text(p) or "")),
        "RP",
    ),
    "copyright 'All Rights Reserved.'": (
        lambda p: "All Rights Reserved." in (_copyright_text(p) or ""),
        "R",
    ),
    "copyright with trailing no-break spaces": (
        lambda p: bool(re.search(r"&gt;(&nbsp;| )+</p>", p.html)),
        "R",
    ),
    "copyright korean": (
        lambda p: _copyright_text(p) == "\u24d2 국방일보, 무단전재 및 재배포 금지",
        "RP",
    ),
    "no copyright": (lambda p: _copyright_text(p) is None, "RPX"),
    # Files
    "placeholder file entry": (lambda p: ("#none", PLACEHOLDER, None) in _files(p), "RPX"),
    "direct download link": (
        lambda p: any(h.startswith(f"{LIST}?command=download&boardId=") for h, _, _ in _files(p)),
        "RPX",
    ),
    "jf_fileDown link": (
        lambda p: any(JF_DOWN.fullmatch(h[11:-1]) for h, _, _ in _files(p)),
        "RPX",
    ),
    "size label": (
        lambda p: any(s and re.fullmatch(r"\(\d+\.\d(KB|MB)\)", s) for _, _, s in _files(p)),
        "RPX",
    ),
    "megabyte file": (lambda p: any(s and s.endswith("MB)") for _, _, s in _files(p)), "RX"),
    "duplicate file entry (same link)": (
        lambda p: len({h for h, _, _ in _files(p)}) < len(_files(p)),
        "RP",
    ),
    "duplicate file entry (direct and jf_fileDown)": (
        lambda p: (
            len(set(_file_ids(p))) < len(_file_ids(p))
            and any("jf_fileDown" in h for h, _, _ in _files(p))
        ),
        "RX",
    ),
    "percent-encoded file name": (
        lambda p: any(re.search(r"%[0-9A-F]{2}", t) for _, t, _ in _files(p)),
        "RX",
    ),
    "javascript:void(0) entry": (
        lambda p: any(h == "javascript:void(0)" for h, _, _ in _files(p)),
        "RX",
    ),
    "korean file name": (lambda p: any(HANGUL.search(t) for _, t, _ in _files(p)), "RX"),
    "no file block": (lambda p: not p.sel.css("div.file_list"), "RP"),
    "empty file block": (lambda p: bool(p.sel.css("div.file_list")) and not _files(p), "R"),
    # Page level
    "euc-kr page": (
        lambda p: (
            p.response.header("Content-Type") == "text/html"
            and 'content="text/html; charset=euc-kr"' in p.html
        ),
        "RPX",
    ),
    "date with dashes": (lambda p: bool(re.fullmatch(r"\d{4}-\d\d-\d\d", p.date)), "RPX"),
    "javascript: prev/next link": (
        lambda p: bool(p.sel.css('ul.prev_next a[href^="javascript:jf_view("]')),
        "RPX",
    ),
}


@pytest.mark.parametrize("name", list(QUIRKS))
def test_quirk_present(crawl: Crawl, name: str) -> None:
    predicate, boards = QUIRKS[name]
    found = [p for p in crawl.pages(boards) if predicate(p)]
    assert found, f"no article of the boards {boards} shows {name!r}"


def test_most_pages_carry_the_placeholder(crawl: Crawl) -> None:
    pages = list(crawl.articles.values())
    with_placeholder = [p for p in pages if ("#none", PLACEHOLDER, None) in p.files]
    assert len(with_placeholder) > 0.3 * len(pages)
    # ...even pages with no real file.
    assert any(not _file_ids(p) for p in with_placeholder)


def test_recent_news_byline_coverage(crawl: Crawl) -> None:
    recent = list(crawl.pages("R"))
    without = [p for p in recent if not _byline_texts(p)]
    assert 0.02 <= len(without) / len(recent) <= 0.25
    press = list(crawl.pages("X"))
    assert all(not _byline_texts(p) and _copyright_text(p) is None for p in press)
    assert any(any(t.startswith("\u25b3") for t in p.texts) for p in press)


def test_byline_and_copyright_close_the_post(crawl: Crawl) -> None:
    for page in crawl.pages("RP"):
        bylines = _byline_texts(page)
        tail = [t for t in page.lines if t]
        closing = bylines + ([_copyright_text(page)] if _copyright_text(page) else [])
        assert tail[len(tail) - len(closing) :] == closing


def test_title_headline_and_cut_rules(crawl: Crawl) -> None:
    for page in crawl.articles.values():
        headline = _headline_text(page)
        if headline is not None:
            assert headline.startswith(page.title_raw.removesuffix("..."))
            if page.title_raw.endswith("..."):
                assert len(headline) > len(page.title_raw) - 3


# --------------------------------------------------------------------------- downloads


def test_downloads(crawl: Crawl) -> None:
    seen_korean = seen_percent = seen_mb = 0
    for page in crawl.articles.values():
        board_id = BOARDS[page.board_key][0]
        for href, label, size in page.files:
            down = JF_DOWN.search(href)
            if down:
                assert down.group(1) == board_id and down.group(2) == page.seq
                path = download_path(*down.groups())
            elif "command=download" in href:
                path = href
            else:
                assert href in ("#none", "javascript:void(0)")
                continue
            response = crawl.site.get(path)
            assert response.status == 200, path
            assert response.header("Content-Length") == str(len(response.body))
            assert response.header("Content-Type") in (
                "application/pdf",
                "image/jpeg",
                "application/x-hwp",
                "application/zip",
            )
            disposition = response.header("Content-Disposition") or ""
            assert disposition.isascii()
            plain = re.search(r'attachment; filename="([^"]+)"', disposition)
            assert plain, disposition
            if HANGUL.search(unquote(label)):
                seen_korean += 1
                encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition)
                assert encoded and unquote(encoded.group(1)) == unquote(label)
                assert plain.group(1).isascii() and not HANGUL.search(plain.group(1))
            else:
                assert "filename*" not in disposition
                if "%" in label:
                    seen_percent += 1
                assert plain.group(1) == unquote(label)
            if size:
                number, unit = float(size[1:-3]), size[-3:-1]
                scale = 1024 * 1024 if unit == "MB" else 1024
                assert abs(len(response.body) / scale - number) <= 0.05
                seen_mb += unit == "MB"
    assert seen_korean and seen_percent and seen_mb


def test_download_errors(crawl: Crawl) -> None:
    page = next(p for p in crawl.articles.values() if _file_ids(p))
    board_id = BOARDS[page.board_key][0]
    assert crawl.site.get(download_path(board_id, page.seq, "99")).status == 404
    assert crawl.site.get(download_path(board_id, "O_1", "1")).status == 404
    other = next(b[0] for b in BOARDS.values() if b[0] != board_id)
    assert crawl.site.get(download_path(other, page.seq, _file_ids(page)[0])).status == 404


def test_images(crawl: Crawl) -> None:
    sources = {
        src
        for p in crawl.articles.values()
        for src in re.findall(r'<img src="(/upload/news/[^"]+)"', p.html)
    }
    assert any(s.endswith(".png") for s in sources) and any(s.endswith(".jpg") for s in sources)
    for src in sorted(sources)[:40]:
        response = crawl.site.get(src)
        assert response.status == 200
        assert response.header("Content-Length") == str(len(response.body))
        if src.endswith(".png"):
            assert response.header("Content-Type") == "image/png"
            assert response.body.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in response.body
        else:
            assert response.header("Content-Type") == "image/jpeg"
            assert response.body.startswith(b"\xff\xd8") and response.body.endswith(b"\xff\xd9")
        assert crawl.site.get(src).body == response.body
    assert crawl.site.get("/upload/news/20080101_999999_01.jpg").status == 404
    assert crawl.site.get("/upload/news/../../etc/passwd").status == 404


def test_png_decodes() -> None:
    import struct
    import zlib

    site = DemoSite()
    page = next(
        src
        for k in range(1, 151)
        for src in re.findall(r'src="(/upload/news/[^"]+\.png)"', decode(view_for(site, k)))
    )
    data = site.get(page).body
    width, height = struct.unpack(">II", data[16:24])
    idat = data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8]
    assert len(zlib.decompress(idat)) == height * (1 + 3 * width)


def view_for(site: DemoSite, k: int) -> Response:
    truth = site.truth(k)
    return site.get(view_path(truth["board_id"], truth["id"]))


# --------------------------------------------------------------------------- page level


def test_hit_counter_changes_on_every_visit(crawl: Crawl) -> None:
    site = crawl.site
    row = crawl.rows("recent")[3]
    first = fetch_article(site, row).hits
    second = fetch_article(site, row).hits
    assert second == first + 1
    listed = next(
        r
        for r in parse_listing("recent", site.get(listing_path("recent", 1)))
        if r.seq == row.seq and not r.notice
    )
    assert listed.hits == second
    # ...and the rest of the page does not change.
    a, b = site.get(view_path(row.board_id, row.seq)), site.get(view_path(row.board_id, row.seq))
    strip = re.compile(rb"<dt>Hit :</dt><dd>\d+</dd>")
    assert a.body != b.body and strip.sub(b"", a.body) == strip.sub(b"", b.body)


def test_encodings(crawl: Crawl) -> None:
    euc = [p for p in crawl.articles.values() if p.response.header("Content-Type") == "text/html"]
    assert 3 <= len(euc) <= len(crawl.articles) // 2
    assert any(HANGUL.search(page.html) for page in euc)
    for page in euc:
        body = page.response.body
        assert b'<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">' in body
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        assert body.decode("euc-kr") == page.html
    for page in crawl.articles.values():
        if page not in euc:
            assert page.response.header("Content-Type") == "text/html; charset=utf-8"
            assert '<meta charset="utf-8">' in page.html


def test_dates(crawl: Crawl) -> None:
    formats = {re.sub(r"\d", "9", p.date) for p in crawl.articles.values()}
    assert formats == {"9999.99.99", "9999-99-99"}
    by_k = sorted(
        (crawl.site.k_of_id(p.seq), p.date.replace("-", ".")) for p in crawl.articles.values()
    )
    dates = [d for _, d in by_k]
    assert dates == sorted(dates)


def test_prev_next(crawl: Crawl) -> None:
    for key in BOARDS:
        rows = crawl.rows(key)  # newest first
        for newer, row, older in zip(rows, rows[1:], rows[2:], strict=False):
            page = crawl.articles[row.seq]
            items = page.sel.css("ul.prev_next li")
            assert [li.css("span::text").get() for li in items] == ["Prev", "Next"]
            prev_link = items[0].css("a")
            next_link = items[1].css("a")
            prev_call = prev_link.attrib.get("onclick") or prev_link.attrib["href"]
            next_call = next_link.attrib.get("onclick") or next_link.attrib["href"]
            assert JF_VIEW.search(prev_call).group(2) == older.seq  # type: ignore[union-attr]
            assert JF_VIEW.search(next_call).group(2) == newer.seq  # type: ignore[union-attr]
        newest = crawl.articles[rows[0].seq].sel.css("ul.prev_next li")[1]
        assert newest.css("a").get() is None


def test_article_urls_accept_any_parameters(crawl: Crawl) -> None:
    row = crawl.rows("press")[5]
    variants = [
        f"{LIST}?command=view&boardId={row.board_id}&boardSeq={row.seq}",
        f"{LIST}?boardSeq={row.seq}&id=x&siteId=mndEN&boardId={row.board_id}&command=view",
        f"{LIST}?command=view&page=59&boardId={row.board_id}&boardSeq={row.seq}&titleId=null"
        "&siteId=mndEN&id=mndEN_020600000000&column=null&search=null&mcategoryId=&parent=0"
        "&categoryId=&categoryDepth=",
    ]
    bodies = set()
    strip = re.compile(r"<dt>Hit :</dt><dd>\d+</dd>|page=\d+|PAGE_INDEX = \"\d+\"")
    for url in variants:
        response = crawl.site.get(url)
        assert response.status == 200, url
        bodies.add(strip.sub("", decode(response)))
    assert len(bodies) == 1


def test_not_found(crawl: Crawl) -> None:
    site = crawl.site
    row = crawl.rows("recent")[0]
    before = site.requests["not_found"]
    assert site.get(view_path(row.board_id, "O_1")).status == 404
    assert site.get(view_path(row.board_id, "O_999999999")).status == 404
    assert site.get(f"{LIST}?command=view&boardSeq={row.seq}").status == 404
    assert site.get(view_path("O_47317", row.seq)).status == 404  # not its board
    assert site.get(f"{LIST}?boardId=O_1&page=1").status == 404
    assert site.get("/user/other.action").status == 404
    unpublished = DemoSite(151).truth(151)
    assert site.get(view_path(unpublished["board_id"], unpublished["id"])).status == 404
    assert site.requests["not_found"] == before + 7


def test_robots_txt(crawl: Crawl) -> None:
    from urllib.robotparser import RobotFileParser

    response = crawl.site.get("/robots.txt")
    assert response.status == 200
    assert (response.header("Content-Type") or "").startswith("text/plain")
    robots = RobotFileParser()
    robots.parse(response.body.decode().splitlines())
    base = "http://127.0.0.1"
    assert not robots.can_fetch("*", base + "/admin/index.do")
    for path in (
        listing_path("recent", 3),
        view_path("O_47261", "O_110005"),
        download_path("O_47261", "O_110005", "1"),
        "/upload/news/x.jpg",
    ):
        assert robots.can_fetch("*", base + path), path


def test_request_counters() -> None:
    site = DemoSite(30)
    site.get(listing_path("recent", 1))
    site.get("/robots.txt")
    view_for(site, 3)
    site.get("/nothing")
    assert site.requests == {"listing": 1, "robots": 1, "article": 1, "other": 1, "not_found": 1}


# --------------------------------------------------------------------------- truth


def test_truth_matches_the_page(crawl: Crawl) -> None:
    base = crawl.site.base_url
    for page in crawl.articles.values():
        truth = crawl.site.article_by_id(page.seq)
        assert truth["id"] == page.seq
        assert truth["board_id"] == BOARDS[page.board_key][0]
        assert truth["board"] == BOARDS[page.board_key][2] and truth["section"] == "News Zone"
        assert truth["title_raw"] == page.title_raw
        assert truth["published_raw"] == page.date
        assert truth["published"] == page.date.replace(".", "-")
        assert truth["url"] == (
            f"{base}{LIST}?boardId={truth['board_id']}&boardSeq={page.seq}&command=view"
            f"&id={BOARDS[page.board_key][1]}&siteId=mndEN"
        )
        headline = _headline_text(page)
        assert truth["title_truncated"] == (page.title_raw.endswith("...") and headline is None)
        assert truth["title"] == (headline or page.title_raw)
        texts = page.texts
        body = truth["body"].split("\n\n") if truth["body"] else []
        assert all(p in texts for p in body), page.seq
        # every deck line is a line of the page (markers aside) before the first photo
        first_image = (page.image_indexes() or [len(page.paras)])[0]
        top = [norm(line) for _, inner in page.paras[:first_image]
               for line in text_of(inner).split("\n")]
        deck = {re.sub(r"^- (.*) -$", r"\1", line).removeprefix("-").removesuffix(";").strip()
                for line in top}
        assert set(truth["subtitles"]) <= deck, page.seq
        images = re.findall(r'<img src="([^"]+)"', page.html)
        assert [i["url"] for i in truth["images"]] == [base + src for src in images]
        shown = " ".join(texts)
        assert all(i["caption"] in shown for i in truth["images"] if i["caption"]), page.seq
        bylines = _byline_texts(page)
        assert truth["byline_raw"] == ("\n".join(bylines) if bylines else None)
        assert len(truth["authors"]) >= len(bylines)
        for author in truth["authors"]:
            assert author["role"] in ("reporter", "translator", "photographer")
            assert author["email"] is None or author["email"] == author["email"].lower()
        copyright_text = _copyright_text(page)
        if copyright_text is None:
            assert truth["copyright"] is None
        else:
            assert truth["copyright"]["text"] == copyright_text
            assert truth["copyright"]["holder"] in copyright_text
        for forbidden in bylines + ([copyright_text] if copyright_text else []):
            assert forbidden not in truth["body"]
        file_ids = list(dict.fromkeys(_file_ids(page)))
        assert [a["url"] for a in truth["attachments"]] == [
            base + download_path(truth["board_id"], page.seq, i) for i in file_ids
        ]


def expected_authors(byline_raw: str) -> list[dict[str, str | None]]:
    """record.md's byline rules, restated here to check the site's truth."""
    authors: list[dict[str, str | None]] = []
    for line in byline_raw.split("\n"):
        korean = re.fullmatch(r"([\uac00-\ud7a3]+) 기자 <\s*(\S*)\s*>", line)
        if korean:
            email = korean.group(2).lower() or None
            authors.append({"name": korean.group(1), "email": email, "role": "reporter"})
            continue
        credit = re.fullmatch(r"(Translated|Photo) by (.+)", line)
        if credit:
            role = {"Translated": "translator", "Photo": "photographer"}[credit.group(1)]
            rest = credit.group(2)
        else:
            role = "reporter"
            rest = line.removeprefix("By ").removeprefix("Staff Reporter ")
            rest = rest.removeprefix("Reporter ")
        email = None
        contact = re.search(r"\s*[<(]\s*([^<>()\s]*)\s*[>)]$", rest)
        if contact:
            email = contact.group(1).lower() or None
            rest = rest[: contact.start()]
        if re.search(r" and | & ", rest):
            names = re.split(r" and | & ", rest)
        elif ", " in rest:
            first, second = rest.split(", ", 1)
            names = [first, second] if " " in second else [f"{second} {first}"]
        else:
            names = [rest]
        for name in names:
            authors.append({"name": name, "email": email, "role": role})
    return authors


def test_truth_authors_and_copyright_follow_record_md() -> None:
    site = DemoSite()
    seen_roles = set()
    for k in range(1, 151):
        truth = site.truth(k)
        if truth["byline_raw"] is None:
            assert truth["authors"] == []
        else:
            assert truth["authors"] == expected_authors(truth["byline_raw"]), k
            seen_roles |= {a["role"] for a in truth["authors"]}
        notice = truth["copyright"]
        if notice is not None:
            year = re.search(r"\b(?:19|20)\d\d\b", notice["text"])
            assert notice["year"] == (int(year.group(0)) if year else None)
            assert notice["holder"] == (
                "국방일보" if "국방일보" in notice["text"] else "The Korea Defense Daily"
            )
    assert seen_roles == {"reporter", "translator", "photographer"}
    # The examples of record.md, in the site's own names.
    assert expected_authors("By Byeong-No, Yun <trylover@dema.mil.kr >") == [
        {"name": "Yun Byeong-No", "email": "trylover@dema.mil.kr", "role": "reporter"}
    ]
    assert expected_authors("By Kim Min-seok, Lee Ga-yeon") == [
        {"name": "Kim Min-seok", "email": None, "role": "reporter"},
        {"name": "Lee Ga-yeon", "email": None, "role": "reporter"},
    ]


# --------------------------------------------------------------------------- dynamics


def test_article_identical_whatever_the_count() -> None:
    small, big = DemoSite(150), DemoSite(5000)
    for k in (1, 2, 3, 17, 40, 88, 149, 150):
        assert small.truth(k) == big.truth(k)
        post = re.compile(
            r'<div class="post_content">.*?</div>\s*(<div class="file_list">.*?'
            r"</div>)?",
            re.S,
        )
        assert post.search(decode(view_for(small, k))).group(0) == (  # type: ignore[union-attr]
            post.search(decode(view_for(big, k))).group(0)  # type: ignore[union-attr]
        )


def test_publishing_adds_on_top() -> None:
    site = DemoSite(150)
    newcomer = DemoSite(151).truth(151)
    key = BOARD_KEY_BY_ID[newcomer["board_id"]]
    before = [r.seq for r in parse_listing(key, site.get(listing_path(key, 1))) if not r.notice]
    assert site.get(view_path(newcomer["board_id"], newcomer["id"])).status == 404
    site.publish(151)
    after = [r.seq for r in parse_listing(key, site.get(listing_path(key, 1))) if not r.notice]
    assert after == [newcomer["id"], *before[:9]]
    assert site.get(view_path(newcomer["board_id"], newcomer["id"])).status == 200
    assert site.ids(key)[0] == newcomer["id"]
    site.articles = 100
    assert newcomer["id"] not in site.all_ids() and len(site.all_ids()) == 100
    with pytest.raises(ValueError, match="between 0 and 20000"):
        site.publish(20_001)
    with pytest.raises(KeyError):
        site.truth(101)


def test_edits_change_the_body_only() -> None:
    plain, edited = DemoSite(60), DemoSite(60, edits={5: 1, 21: 2})
    for k in (5, 21):
        a, b = plain.truth(k), edited.truth(k)
        assert a["body"] != b["body"]
        assert {key: v for key, v in a.items() if key != "body"} == {
            key: v for key, v in b.items() if key != "body"
        }
    assert plain.truth(6) == edited.truth(6)
    hits = edited.views(5)
    page = decode(view_for(edited, 5))
    assert f"<dd>{hits + 1}</dd>" in page
    assert edited.truth(5)["body"].split("\n\n")[0] in norm(page)
    edited.edit(5)
    assert (
        edited.edits[5] == 2
        and edited.truth(5)["body"] != DemoSite(60, edits={5: 1}).truth(5)["body"]
    )
    assert DemoSite(60, edits={5: 2}).truth(5) == edited.truth(5)


def test_ids_and_lookups() -> None:
    site = DemoSite()
    ids = {key: site.ids(key) for key in BOARDS}
    assert [len(v) for v in ids.values()] == [90, 30, 30]
    everything = site.all_ids()
    assert len(everything) == len(set(everything)) == 150
    assert set(everything) == set().union(*map(set, ids.values()))
    assert all(re.fullmatch(r"O_\d+", s) for s in ids["recent"] + ids["photo"])
    assert any(s.startswith("I_") for s in ids["press"]) and any(
        s.startswith("O_") for s in ids["press"]
    )
    for seq in everything[:20]:
        assert site.article_by_id(seq)["id"] == seq
    with pytest.raises(KeyError):
        site.article_by_id("O_1")
    assert site.listing_url("photo", 2).endswith(listing_path("photo", 2))


def test_large_catalogue_is_fast() -> None:
    start = time.process_time()
    site = DemoSite(20_000)
    ids = site.all_ids()
    recent = site.ids("recent")
    assert len(ids) == 20_000 and len(recent) == 12_000
    assert time.process_time() - start < 0.5
    rng = random.Random(7)
    sample = rng.sample(range(1, 20_001), 200)
    start = time.process_time()
    for k in sample:
        assert view_for(site, k).status == 200
    for page in (1, 600, 1200):
        assert site.get(listing_path("recent", page)).status == 200
    elapsed = time.process_time() - start
    assert elapsed < 2.0, f"{elapsed / 203 * 1000:.2f} ms a page"
    last = parse_listing("recent", site.get(listing_path("recent", 1200)))
    assert [r.num for r in last][-1] == "1"


# --------------------------------------------------------------------------- documentation


def test_docstring_documents_every_quirk() -> None:
    doc = demo_site.__doc__ or ""
    site = DemoSite()
    tags = set().union(*(site.quirks(k) for k in range(1, 151)))
    assert [t for t in sorted(tags) if f"``{t}``" not in doc] == []
    # Example articles named after a tag, "(R 5, 6; P 7; X 4)", really show it.
    token = re.compile(r"``([a-z_]+(?::[\w-]+)?)``|\(((?:[RPX] \d+(?:, \d+)*(?:; )?)+)\)")
    names = {"R": "Recent News", "P": "Photo News", "X": "Press Release"}
    last, checked = None, 0
    for match in token.finditer(doc):
        if match.group(1):
            last = match.group(1)
            continue
        for group in match.group(2).split("; "):
            letter, numbers = group.split(" ", 1)
            for k in map(int, numbers.split(", ")):
                assert last in site.quirks(k), (last, k)
                assert site.truth(k)["board"] == names[letter], (last, k)
                checked += 1
    assert checked > 50


def test_demo_articles_are_grammar_draws_showing_every_contract_form() -> None:
    """The demo site draws its articles from the contract grammar (issue 11), so its
    articles show every form the contract names, with the grammar's truth."""
    from newszone_crawler.demo_site.grammar import RandomChooser, draw_post

    from .test_contract_grammar import CONTRACT_FORMS

    site = DemoSite(600, base_url="https://www.mnd.go.kr")
    forms = set().union(*(site.quirks(k) for k in range(1, 601)))
    assert sorted(CONTRACT_FORMS - forms) == []
    for k in (1, 2, 4, 45, 600):  # recent, photo, press; old era and new
        truth = site.truth(k)
        published = tuple(int(part) for part in truth["published"].split("-"))
        post = draw_post(
            RandomChooser(f"{k}:post"), BOARD_KEY_BY_ID[truth["board_id"]], seq=truth["id"],
            date=published, cut_limit=64 if k <= 40 else None,  # type: ignore[arg-type]
            words=RandomChooser(f"{k}:words:0"),
        )
        record = post.record(site.base_url)
        assert {key: record[key] for key in truth} == truth, k


def test_no_crawler_imports() -> None:
    package = Path(demo_site.__file__).parent
    pattern = re.compile(
        r"^\s*(from|import)\s+(newszone_crawler\.(parsing|normalize)|\.\.(parsing|normalize))",
        re.M,
    )
    for source in package.glob("*.py"):
        assert not pattern.search(source.read_text(encoding="utf-8")), source.name


# --------------------------------------------------------------------------- Twisted


class _FakeRequest:
    """The three things ``DemoResource.render_GET`` uses of a Twisted request."""

    def __init__(self, uri: bytes) -> None:
        self.uri = uri
        self.code = 200
        self.headers: dict[bytes, bytes] = {}

    def setResponseCode(self, code: int) -> None:  # noqa: N802 - Twisted's name
        self.code = code

    def setHeader(self, name: bytes, value: bytes) -> None:  # noqa: N802 - Twisted's name
        self.headers[name] = value


def test_twisted_resource() -> None:
    from twisted.web.resource import IResource

    site = DemoSite(40)
    root = site.resource()
    assert IResource.providedBy(root) and root.isLeaf
    request = _FakeRequest(listing_path("recent", 1).encode())
    body = root.render_GET(request)  # type: ignore[attr-defined]
    assert request.code == 200 and b'class="list_post"' in body
    assert request.headers[b"Content-Type"] == b"text/html; charset=utf-8"
    request = _FakeRequest(b"/upload/news/%2E%2E/x.jpg")
    root.render_GET(request)  # type: ignore[attr-defined]
    assert request.code == 404


def _reactor_installed_by_import() -> bool:
    code = (
        "import sys, newszone_crawler.demo_site, newszone_crawler.demo_site.__main__;"
        "print('twisted.internet.reactor' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return out.stdout.strip() == "True"


def test_import_does_not_install_a_reactor() -> None:
    assert not _reactor_installed_by_import()


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, DemoSite]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "newszone_crawler.demo_site", "--port", "0", "--articles", "20000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready, "the demo site did not start"
        line = process.stdout.readline()
        found = re.search(r"at (http://127\.0\.0\.1:\d+)/", line)
        assert found, line
        yield found.group(1), DemoSite(20_000)
    finally:
        process.terminate()
        process.wait(10)


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _http(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with _OPENER.open(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_standalone_server(server: tuple[str, DemoSite]) -> None:
    base, local = server
    status, headers, body = _http(base + listing_path("recent", 1))
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"Total <strong>12000</strong> posts" in body
    seq = JF_VIEW.findall(body.decode())[2][1]
    status, headers, body = _http(base + view_path("O_47261", seq, page=1))
    assert status == 200 and body.decode().count('class="post_content"') == 1
    k = next(k for k in range(1, 200) if "files:korean_name" in local.quirks(k))
    truth = local.truth(k, base)
    status, headers, body = _http(truth["attachments"][0]["url"])
    assert status == 200 and int(headers["Content-Length"]) == len(body)
    assert "filename*=UTF-8''" in headers["Content-Disposition"]
    status, headers, body = _http(truth["images"][0]["url"]) if truth["images"] else (200, {}, b"")
    assert status == 200
    status, _, body = _http(base + "/robots.txt")
    assert status == 200 and b"Disallow: /admin/" in body
    status, headers, body = _http(base + listing_path("photo", 1), method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000
    assert _http(base + "/missing")[0] == 404
    euc = next(k for k in range(1, 41) if "encoding:euc-kr" in local.quirks(k))
    status, headers, body = _http(
        base + view_path(local.truth(euc)["board_id"], local.truth(euc)["id"])
    )
    assert headers["Content-Type"] == "text/html" and b"charset=euc-kr" in body


def test_listen_in_a_running_reactor() -> None:
    """``listen`` inside a reactor (in a subprocess, so ours stays uninstalled)."""
    code = """
import json, urllib.request
from twisted.internet import reactor, threads
from newszone_crawler.demo_site import DemoSite, listen
site = DemoSite(30)
port = listen(site)
def fetch():
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(site.listing_url("press"), timeout=10) as answer:
        return answer.status
def done(status):
    print(json.dumps({"status": status, "base": site.base_url, "port": port.getHost().port,
                      "listings": site.requests["listing"]}))
    reactor.stop()
def failed(failure):
    print(failure); reactor.stop()
reactor.callWhenRunning(lambda: threads.deferToThread(fetch).addCallbacks(done, failed))
reactor.run()
"""
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = __import__("json").loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == 200 and result["listings"] == 1
    assert result["base"] == f"http://127.0.0.1:{result['port']}"
