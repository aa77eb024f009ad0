"""Tests of the demo site's fault modes (``DemoSite(faults=...)``).

Each fault is shown to really misbehave: most through ``DemoSite.get`` (no network),
the wire-level ones (a body cut short, a stall, bombs, a 10 GB ``Content-Length``, a
NUL in a header) through the standalone server on 127.0.0.1, started in a subprocess
with ``--faults @file`` and read with raw sockets and ``http.client`` - which never
follow a redirect, so none of the hostile destinations is ever contacted.  Nothing
here comes from the crawler.
"""

from __future__ import annotations

import http.client
import json
import re
import select
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from parsel import Selector

from newszone_crawler import demo_site
from newszone_crawler.demo_site import DemoSite, Response
from newszone_crawler.demo_site import faults as faultmod

ROOT = Path(__file__).resolve().parents[1]
LIST = "/user/boardList.action"
RECENT = ("O_47261", "mndEN_020100000000")
GIB = 1 << 30


# --------------------------------------------------------------------------- helpers


def rel(site: DemoSite, url: str) -> str:
    """Path and query of an absolute URL of ``site``."""
    assert url.startswith(site.base_url)
    return url[len(site.base_url) :]


def page_url(site: DemoSite, k: int) -> str:
    """The article URL jf_view opens (markup.md's captured parameter order)."""
    truth = site.truth(k)
    board_id = truth["board_id"]
    menu_id = re.search(r"id=(mndEN_\d+)", truth["url"]).group(1)  # type: ignore[union-attr]
    return (
        f"{LIST}?command=view&page=1&boardId={board_id}&boardSeq={truth['id']}"
        f"&titleId=null&siteId=mndEN&id={menu_id}&column=null&search=null"
    )


def listing(page: int = 1, board: tuple[str, str] = RECENT) -> str:
    return f"{LIST}?boardId={board[0]}&siteId=mndEN&id={board[1]}&page={page}"


def download(site: DemoSite, k: int, index: int = 0) -> str:
    return rel(site, site.truth(k)["attachments"][index]["url"])


def with_files(site: DemoSite, count: int = 1) -> list[int]:
    """Articles with at least ``count`` real attachments."""
    return [k for k in range(1, site.articles + 1) if len(site.truth(k)["attachments"]) >= count]


def seqs_of_listing(response: Response) -> list[str]:
    """Ids of the rows of a listing page (notice row left out)."""
    sel = Selector(text=response.body.decode("utf-8"))
    links = sel.css("ul.list_post > li:not(.notice) p.title a").getall()
    return [seq for link in links for seq in re.findall(r"'([OI]_\d+)'\)", link)]


def gunzip_size(data: bytes) -> int:
    """Size of a gzip member, decompressed in bounded steps (never all in memory);
    ``zlib`` checks the CRC and length trailer at the end."""
    decompressor = zlib.decompressobj(31)
    total, pending = 0, data
    while True:
        out = decompressor.decompress(pending, 1 << 24)
        total += len(out)
        pending = decompressor.unconsumed_tail
        if not out and not pending:
            break
    assert decompressor.eof and not decompressor.unused_data
    return total


def unbrotli_size(data: bytes) -> int:
    """Size of a brotli stream, decompressed in bounded steps."""
    import brotli  # type: ignore[import-untyped]  # ships no type hints

    decompressor = brotli.Decompressor()
    total = len(decompressor.process(data, output_buffer_limit=1 << 24))
    while not decompressor.is_finished():
        out = decompressor.process(b"", output_buffer_limit=1 << 24)
        assert out, "brotli stream stalled"
        total += len(out)
    return total


# --------------------------------------------------------------------------- configuration


def test_no_faults_is_the_plain_site() -> None:
    plain, empty = DemoSite(60), DemoSite(60, faults={})
    # A fault aimed elsewhere leaves every other answer byte-identical too.
    aimed = DemoSite(60, faults={"gone": {"O_110005": 410}, "charsets": ["60"]})
    urls = [listing(p) for p in (1, 2, 4)] + ["/robots.txt", "/", "/nope"]
    for k in range(2, 60):
        urls.append(page_url(plain, k))
        urls += [rel(plain, a["url"]) for a in plain.truth(k)["attachments"]]
        urls += [rel(plain, i["url"]) for i in plain.truth(k)["images"]]
    for url in urls:
        answers = [site.get(url) for site in (plain, empty, aimed)]
        assert len({(a.status, tuple(a.headers), a.body) for a in answers}) == 1, url
        assert all(a.delay == 0 and a.abort_after is None for a in answers)
    assert plain.truth(5) == aimed.truth(5) and aimed.faults_served == {}


@pytest.mark.parametrize(
    "faults",
    [
        {"nope": {}},
        {"unavailable": {"O_999999": 1}},
        {"unavailable": {"5": -1}},
        {"unavailable": {"5": 10_000}},
        {"unavailable": "5"},
        {"rate_limit": {"5": {"retry_after": 1, "whenever": 2}}},
        {"stall": {"5": 601}},
        {"stall": {"5": float("nan")}},
        {"gone": {"5": 500}},
        {"redirect_loop": {"5": "spiral"}},
        {"redirect_loop": ["listing"]},
        {"bad_redirects": {"5": "gopher"}},
        {"bombs": {"5/1": "zip"}},
        {"charsets": {"5": 'utf-8"; x'}},
        {"charsets": ["5/1"]},
        {"hostile_markup": ["listing"]},
        {"hostile_filenames": {"5/1": "evil"}},
        {"hostile_filenames": ["listing"]},
        {"churn": {"publish_every": 0}},
        {"churn": {"delete": ["5/1"]}},
        {"churn": {"sometimes": 1}},
        {"empty_200": {"5": "yes"}},
    ],
)
def test_malformed_faults_are_refused(faults: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        DemoSite(30, faults=faults)


def test_selectors() -> None:
    parse = faultmod.parse_selector
    assert parse(5) == parse("5") == parse("O_110022") == ("article", 5)
    assert parse("I_8576308/2") == ("download", 4, 2) and parse("8/*") == ("download", 8, None)
    assert parse("image") == ("kind", "image") and parse("*") == ("all",)
    # The most specific selector wins: file, article's files, kind, everything.
    two = with_files(DemoSite(30), 2)[0]
    one = next(k for k in with_files(DemoSite(30)) if k != two)
    gone = {"*": 404, "download": 410, f"{two}/*": 404, f"{two}/2": 410}
    site = DemoSite(30, faults={"gone": gone})
    assert site.get(download(site, two, 1)).status == 410
    assert site.get(download(site, two, 0)).status == 404
    assert site.get(download(site, one, 0)).status == 410
    assert site.get(page_url(site, one)).status == 404
    assert site.get("/robots.txt").status == 200 and site.get("/").status == 200


def test_docstring_documents_every_fault() -> None:
    doc = demo_site.__doc__ or ""
    names = [
        *faultmod.FAULT_KEYS,
        *faultmod.BAD_URLS,
        *faultmod.BAD_URLS.values(),
        *faultmod.BOMB_KINDS,
        *faultmod.CHARSET_LABELS,
        *faultmod.FILENAME_KINDS,
        "publish_every",
        "publish_limit",
        "delete_after",
        "retry_after",
        "cycle",
        "hop",
        "links",
    ]
    assert [name for name in names if f"``{name}``" not in doc] == []


def test_fault_tags_in_quirks() -> None:
    site = DemoSite(30, faults={"gone": {"O_110005": 410}, "bombs": {"8/1": "gzip"}})
    assert "fault:gone" in site.quirks(1) and "fault:bombs" in site.quirks(8)
    assert not any(tag.startswith("fault:") for tag in site.quirks(2))


# --------------------------------------------------------------------------- status faults


def test_unavailable_counts_per_url() -> None:
    site = DemoSite(30, faults={"unavailable": {"O_110010": 2}})
    clean = DemoSite(30)
    url = page_url(site, 2)
    statuses = [site.get(url).status for _ in range(4)]
    assert statuses == [503, 503, 200, 200]
    assert site.get(url.replace("page=1", "page=2")).status == 503  # another URL
    assert site.get(page_url(site, 3)).status == 200  # another article
    answer = site.get(url)
    assert answer.status == 200 and b"Service Unavailable" not in answer.body
    assert b"503 Service Unavailable" in DemoSite(30, faults={"unavailable": [2]}).get(url).body
    clean.get(url)
    assert site.truth(2) == clean.truth(2) and site.faults_served["unavailable"] == 3


def test_unavailable_everywhere() -> None:
    site = DemoSite(30, faults={"unavailable": {"*": 1}})
    urls = [listing(1), listing(2), page_url(site, 3), download(site, with_files(site)[0])]
    urls.append(rel(site, site.truth(1)["images"][0]["url"]))
    assert [site.get(u).status for u in urls] == [503] * 5
    assert [site.get(u).status for u in urls] == [200] * 5
    assert site.get("/robots.txt").status == 200 and site.get("/missing").status == 404


def test_rate_limit() -> None:
    site = DemoSite(
        30, faults={"rate_limit": {"3": 7, "O_110022": {"retry_after": 120, "times": 2}}}
    )
    first = site.get(page_url(site, 3))
    assert first.status == 429 and first.header("Retry-After") == "7"
    assert site.get(page_url(site, 3)).status == 200
    answers = [site.get(page_url(site, 5)) for _ in range(3)]
    assert [a.status for a in answers] == [429, 429, 200]
    assert answers[0].header("Retry-After") == "120" and answers[2].header("Retry-After") is None
    assert site.get(page_url(site, 6)).status == 200


def test_gone() -> None:
    k = next(k for k in with_files(DemoSite(30)) if k != 1)
    seq = DemoSite(30).truth(k)["id"]
    site = DemoSite(30, faults={"gone": {"O_110005": 404, seq: 410}})
    assert site.get(page_url(site, 1)).status == 404
    gone = site.get(page_url(site, k))
    assert gone.status == 410 and b"410 Gone" in gone.body
    assert site.get(download(site, k)).status == 200  # only the page was named
    # Listings still show them: a crawler meets a listed article that is gone.
    listed = {seq for p in (1, 2, 3) for seq in seqs_of_listing(site.get(listing(p)))}
    for board in (("O_47317", "mndEN_020200000000"), ("I_8576246", "mndEN_020600000000")):
        listed |= set(seqs_of_listing(site.get(listing(1, board))))
    assert {"O_110005", seq} <= listed
    assert site.requests["not_found"] == 1 and site.faults_served["gone"] == 2


def test_empty_200_and_maintenance() -> None:
    files = with_files(DemoSite(30))
    site = DemoSite(30, faults={"empty_200": [3, f"{files[0]}/1"], "maintenance": [6, "image"]})
    empty = site.get(page_url(site, 3))
    assert (empty.status, empty.body, empty.header("Content-Length")) == (200, b"", "0")
    empty_file = site.get(download(site, files[0]))
    assert empty_file.status == 200 and empty_file.body == b""
    assert empty_file.header("Content-Disposition")
    notice = site.get(page_url(site, 6))
    assert notice.status == 200 and b"Service maintenance" in notice.body
    assert b"post_content" not in notice.body
    image = site.get(rel(site, site.truth(1)["images"][0]["url"]))
    assert image.status == 200 and image.header("Content-Type") == "text/html; charset=utf-8"
    assert site.get(page_url(site, 5)).status == 200
    assert site.views(3) == DemoSite(30).views(3)  # a faulty answer is no visit


# --------------------------------------------------------------------------- redirects


def follow(site: DemoSite, url: str, hops: int) -> list[str]:
    """The ``Location`` chain from ``url`` (``DemoSite.get`` only: nothing is contacted)."""
    chain = []
    for _ in range(hops):
        answer = site.get(rel(site, url) if url.startswith("http") else url)
        assert answer.status == 302, (url, answer.status)
        url = answer.header("Location") or ""
        chain.append(url)
    return chain


def test_redirect_loop_between_articles() -> None:
    site = DemoSite(30, faults={"redirect_loop": ["O_110005", "O_110010"]})
    chain = follow(site, page_url(site, 1), 6)
    one, two = site.truth(1)["url"], site.truth(2)["url"]
    assert chain == [two, one, two, one, two, one]


def test_redirect_loop_to_itself() -> None:
    site = DemoSite(30, faults={"redirect_loop": {"3": "cycle"}})
    url = page_url(site, 3)
    assert follow(site, url, 3) == [site.base_url + url] * 3


def test_redirect_loop_never_repeats_with_hops() -> None:
    site = DemoSite(30, faults={"redirect_loop": {"O_110012": "hop"}})
    chain = follow(site, page_url(site, 3), 40)
    assert len(set(chain)) == 40 and chain[-1].endswith("&hop=40")
    assert all("boardSeq=O_110012" in url for url in chain)


def test_bad_redirects() -> None:
    names = list(faultmod.BAD_URLS)
    files = with_files(DemoSite(60))[:2]
    faults = {"bad_redirects": [*(str(k) for k in range(1, 9)), f"{files[0]}/1", f"{files[1]}/*"]}
    site = DemoSite(60, faults=faults)
    for k in range(1, 9):
        answer = site.get(page_url(site, k))
        assert answer.status == 302
        assert answer.header("Location") == faultmod.BAD_URLS[names[k - 1]]
    assert site.get(download(site, files[0])).header("Location") == "file:///etc/passwd"
    assert site.get(download(site, files[1])).header("Location") == faultmod.BAD_URLS["data"]
    locations = {site.get(page_url(site, k)).header("Location") for k in range(1, 9)}
    assert locations == {
        "file:///etc/passwd",
        "data:text/html,%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "ftp://127.0.0.1/x",
        "http://127.0.0.1:1/x",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://example.com/",
    }


def test_pages_linking_to_bad_destinations() -> None:
    clean = DemoSite(30)
    site = DemoSite(30, faults={"bad_redirects": {"O_110005": "links", "O_110072": "links"}})
    for k in (1, 18):
        answer = site.get(page_url(site, k))
        assert answer.status == 200
        sel = Selector(text=answer.text)
        images = sel.css("div.post_content img::attr(src)").getall()
        files = sel.css("div.file_list a::attr(href)").getall()
        for url in faultmod.BAD_URLS.values():
            assert url in images and url in files
        # Only what the site really serves is in the truth.
        assert site.truth(k) == clean.truth(k)
        assert len(images) == len(clean.truth(k)["images"]) + len(faultmod.BAD_URLS)
    assert site.get(page_url(site, 2)).body == clean.get(page_url(clean, 2)).body


# --------------------------------------------------------------------------- bombs


def test_gzip_bomb() -> None:
    files = with_files(DemoSite(30))
    site = DemoSite(30, faults={"bombs": {"O_110005": "gzip", f"{files[1]}/1": "gzip"}})
    page = site.get(page_url(site, 1))
    assert page.header("Content-Encoding") == "gzip"
    assert page.header("Content-Type") == "text/html; charset=utf-8"
    assert len(page.body) < 2_000_000 and page.header("Content-Length") == str(len(page.body))
    assert zlib.decompressobj(31).decompress(page.body, 1 << 20) == bytes(1 << 20)
    assert int.from_bytes(page.body[-4:], "little") == GIB % 2**32  # gzip ISIZE
    archive = site.get(download(site, files[1]))
    assert archive.header("Content-Encoding") == "gzip" and archive.body is page.body
    assert archive.header("Content-Disposition")
    assert gunzip_size(page.body) == GIB  # really 1 GiB, CRC checked


@pytest.mark.skipif(not faultmod.BROTLI_AVAILABLE, reason="brotli module not installed")
def test_brotli_bomb() -> None:
    site = DemoSite(30, faults={"bombs": {"O_110010": "br"}})
    page = site.get(page_url(site, 2))
    assert page.header("Content-Encoding") == "br" and len(page.body) < 500_000
    assert unbrotli_size(page.body) == GIB


def test_length_bomb() -> None:
    files = with_files(DemoSite(30))
    site = DemoSite(30, faults={"bombs": {f"{files[0]}/*": "length", "3": "length"}})
    for url in (download(site, files[0]), page_url(site, 3)):
        answer = site.get(url)
        assert answer.header("Content-Length") == "10737418240"
        assert len(answer.body) == 1024 and answer.abort_after == 1024
        assert [n for n, _ in answer.headers].count("Content-Length") == 1
    assert answer.body == DemoSite(30).get(page_url(site, 3)).body[:1024]


def test_bombs_in_turn_from_a_list() -> None:
    site = DemoSite(30, faults={"bombs": ["1", "2", "3"]})
    encodings = [site.get(page_url(site, k)).header("Content-Encoding") for k in (1, 2, 3)]
    expected_br = "br" if faultmod.BROTLI_AVAILABLE else None
    assert encodings == ["gzip", expected_br, None]
    assert site.get(page_url(site, 3)).header("Content-Length") == "10737418240"


# --------------------------------------------------------------------------- content


def test_charsets() -> None:
    clean = DemoSite(30)
    hangul = re.compile("[\uac00-\ud7a3]")
    # an EUC-KR page of the plain site that shows Korean text
    euc = next(
        k for k in range(6, 31)
        if clean.article(k).meta.encoding == "euc-kr"
        and hangul.search(clean.get(page_url(clean, k)).body.decode("euc-kr"))
    )
    labels = {2: "utf-7", euc: "base64", 5: "x-unknown-charset"}
    site = DemoSite(30, faults={"charsets": [clean.truth(k)["id"] for k in labels]})
    for k, label in labels.items():
        answer = site.get(page_url(site, k))
        assert answer.header("Content-Type") == f"text/html; charset={label}"
        declared = f'<meta http-equiv="Content-Type" content="text/html; charset={label}">'
        assert declared.encode() in answer.body
        if label == "utf-7":
            text = answer.body.decode("utf-7")
            assert b"+" in answer.body and answer.body.isascii()
        else:
            text = answer.body.decode("utf-8")
        title = Selector(text=text).css("div.wrap_title p.title::text").get()
        assert title == clean.truth(k)["title_raw"]
        assert site.truth(k) == clean.truth(k)
    with pytest.raises(LookupError):
        site.get(page_url(site, euc)).body.decode("base64")
    with pytest.raises(LookupError):
        _ = site.get(page_url(site, 5)).text
    # an EUC-KR page on the plain site: under the base64 label it is UTF-8.
    korean = site.get(page_url(site, euc))
    assert hangul.search(korean.body.decode("utf-8"))


def test_hostile_markup() -> None:
    clean = DemoSite(30)
    site = DemoSite(30, faults={"hostile_markup": ["O_110005", 11]})
    for k in (1, 11):
        truth, answer = site.truth(k), site.get(page_url(site, k))
        body = answer.body
        assert b"\x00" not in body and b"&#0;" in body and b"&#xD800;" in body
        text = body.decode(answer.header("Content-Type") == "text/html" and "euc-kr" or "utf-8")
        sel = Selector(text=text)
        # As text: escaped in the HTML, literal in what a parser reads.
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert truth["title"].startswith(faultmod.HOSTILE_TITLE_PREFIX)
        if site.article(k).meta.headline != "absent":  # the headline (bold or not) too
            headline = sel.css("div.post_content p").xpath("string()").get("")
            assert " ".join(headline.split()) == truth["title"]
        assert sel.css("div.wrap_title p.title::text").get() == truth["title_raw"]
        assert not sel.css("div.post_content img[onerror]")
        # As live markup: a script element inside the post, not in the truth.
        scripts = sel.css("div.post_content script::text").getall()
        assert scripts == ['document.write("<p>Injected by a script</p>");alert(1);']
        assert "Injected" not in truth["body"]
        paragraphs = [
            " ".join(p.split()) for p in sel.css("div.post_content p").xpath("string()").getall()
        ]
        last = truth["body"].split("\n\n")[-1]
        assert last in paragraphs and "\ufffd" in last
        assert "<script>alert(1)</script>" in last and "<img src=x onerror=alert(1)>" in last
        assert truth["body"].startswith(clean.truth(k)["body"])
        captions = [i["caption"] for i in truth["images"] if i["caption"]]
        # the first centred caption paragraph carries it
        hostile = [c for c in captions if "<img src=x onerror=alert(1)> \ufffd" in c]
        assert len(hostile) == 1 and hostile[0] in paragraphs
    rows = [
        title
        for page in (1, 2)
        for title in Selector(text=site.get(listing(page)).text)
        .css("ul.list_post p.title a::text")
        .getall()
    ]
    assert site.truth(11)["title_raw"] in rows and site.truth(1)["title_raw"] in rows
    assert clean.truth(2) == site.truth(2)


def test_hostile_filenames() -> None:
    files = with_files(DemoSite(60))[:6]
    selectors = [f"{k}/1" for k in files]
    site = DemoSite(60, faults={"hostile_filenames": selectors})
    seen: dict[str, int] = {}
    for k in files:
        answer = site.get(download(site, k))
        assert answer.status == 200
        seen[answer.header("Content-Disposition") or ""] = k
        assert site.truth(k) == DemoSite(60).truth(k)  # the page shows the real name
    headers = list(seen)
    assert headers[0] == 'attachment; filename="../../etc/passwd"'
    assert headers[1] == 'attachment; filename="/etc/passwd"'
    assert headers[2] == 'attachment; filename="..\\\\..\\\\x"'
    assert "\x00" in headers[3] and "filename*=UTF-8''report.pdf%00.exe" in headers[3]
    long_name = re.search(r'filename="([^"]+)"', headers[4]).group(1)  # type: ignore[union-attr]
    assert len(long_name.encode()) == 300
    assert headers[5] == "attachment; filename=\"passwd\"; filename*=UTF-8''%2e%2e%2fetc%2fpasswd"
    # An article selector names all its files.
    two = with_files(DemoSite(60), 2)[0]
    every = DemoSite(60, faults={"hostile_filenames": {str(two): "absolute"}})
    answers = [every.get(download(every, two, i)) for i in (0, 1)]
    dispositions = {answer.header("Content-Disposition") for answer in answers}
    assert dispositions == {'attachment; filename="/etc/passwd"'}


# --------------------------------------------------------------------------- churn


def test_churn_publishes_while_paging() -> None:
    site = DemoSite(150, faults={"churn": {"publish_every": 1}})
    seen: list[str] = []
    for page in range(1, 10):
        seen += seqs_of_listing(site.get(listing(page)))
    assert site.articles == 159
    assert len(seen) != len(set(seen))  # the boundary article came again
    capped = DemoSite(150, faults={"churn": {"publish_every": 2, "publish_limit": 3}})
    for _ in range(20):
        capped.get(listing(1))
    assert capped.articles == 153 and capped.faults_served["churn"] == 3
    assert capped.get(page_url(capped, 153)).status == 200


def test_churn_deletes_after_the_first_listing() -> None:
    clean = DemoSite(60)
    filed = next(
        k for k in with_files(clean)
        if clean.truth(k)["images"] and clean.truth(k)["board"] == "Recent News"
    )
    victims = [clean.truth(filed)["id"], clean.ids("recent")[3], clean.ids("recent")[15]]
    site = DemoSite(60, faults={"churn": {"delete": victims}})
    k = site.k_of_id(victims[1])
    assert site.get(page_url(site, k)).status == 200 and site.deleted_ids() == []
    first = seqs_of_listing(site.get(listing(1)))
    assert victims[1] in first  # the first listing still shows it...
    assert sorted(site.deleted_ids()) == sorted(victims)
    assert site.get(page_url(site, k)).status == 404  # ...then it is gone
    files = site.truth(filed)["attachments"]
    assert site.get(rel(site, files[0]["url"])).status == 404
    assert site.get(rel(site, site.truth(filed)["images"][0]["url"])).status == 404
    again = [seq for p in (1, 2, 3, 4) for seq in seqs_of_listing(site.get(listing(p)))]
    assert not set(victims) & set(again)
    assert again == [s for s in clean.ids("recent") if s not in victims]
    assert site.ids("recent") == again and site.count("recent") == clean.count("recent") - 3
    page = site.get(listing(1)).text
    assert f"Total <strong>{len(again)}</strong> posts" in page
    numbers = Selector(text=page).css("li:not(.notice) span.num::text").getall()
    assert numbers == [str(n) for n in range(len(again), len(again) - 10, -1)]
    # The notice is now the oldest article still listed; Prev/Next skip deleted ones.
    notice = Selector(text=page).css("li.notice p.title a").get("")
    assert site.notice_id("recent") == again[-1] and again[-1] in notice
    before = site.k_of_id(clean.ids("recent")[2])
    assert victims[1] not in site.get(page_url(site, before)).text
    assert victims[1] not in [t["id"] for t in site.iter_truth()]


# --------------------------------------------------------------------------- wire (no server)


def test_drop_mid_body_and_stall_instructions() -> None:
    files = with_files(DemoSite(30))
    site = DemoSite(
        30,
        faults={
            "drop_mid_body": {"O_110005": 1, f"{files[2]}/1": 2},
            "stall": {"3": 2.5, "O_110022": {"seconds": 0.5, "times": 1}},
        },
    )
    first, second = site.get(page_url(site, 1)), site.get(page_url(site, 1))
    assert first.abort_after == len(first.body) // 2 and second.abort_after is None
    assert first.header("Content-Length") == str(len(first.body))
    cuts = [site.get(download(site, files[2])).abort_after for _ in range(3)]
    assert cuts[:2] == [cuts[0]] * 2 and cuts[0] and cuts[2] is None
    assert [site.get(page_url(site, 3)).delay for _ in range(3)] == [2.5] * 3
    assert [site.get(page_url(site, 5)).delay for _ in range(2)] == [0.5, 0.0]


# --------------------------------------------------------------------------- loopback server

BR_K = next(k for k in with_files(DemoSite(150), 2) if k not in (5, 8))
"""An article with two files at least, for the ``br`` and ``length`` bombs."""
SERVER_FAULTS: dict[str, Any] = {
    "drop_mid_body": {"O_110005": 1, "8/1": 2},
    "stall": {"O_110012": 1.5},
    "bombs": {"8/2": "gzip", f"{BR_K}/1": "br", f"{BR_K}/2": "length"},
    "hostile_filenames": {"5/1": "nul"},
    "unavailable": {"O_110022": 2},
    "rate_limit": {"6": {"retry_after": 3, "times": 1}},
    "bad_redirects": {"O_110041": "link_local"},
    "redirect_loop": ["O_110034"],
}


@dataclass
class Wire:
    """What a raw socket read: status, headers (lower-case names), body, how it ended."""

    status: int
    headers: dict[str, str]
    body: bytes
    reset: bool
    seconds: float


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, DemoSite]]:
    config = tmp_path_factory.mktemp("faults") / "faults.json"
    config.write_text(json.dumps(SERVER_FAULTS), encoding="utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newszone_crawler.demo_site",
            "--port",
            "0",
            "--articles",
            "150",
            "--faults",
            f"@{config}",
        ],
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
        found = re.search(r"at http://127\.0\.0\.1:(\d+)/", line)
        assert found, line
        yield int(found.group(1)), DemoSite(150)
    finally:
        process.terminate()
        process.wait(10)


def raw_get(port: int, path: str, timeout: float = 20) -> Wire:
    """GET over a plain socket, reading to the end (close or reset) whatever the headers say."""
    started = time.monotonic()
    data, reset = b"", False
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        sock.sendall(request.encode("latin-1"))
        while True:
            try:
                chunk = sock.recv(1 << 16)
            except ConnectionResetError:
                reset = True
                break
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Wire(int(lines[0].split()[1]), headers, body, reset, time.monotonic() - started)


def test_standalone_faults_option_is_validated() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "newszone_crawler.demo_site", "--port", "0", "--faults", '{"x": 1}'],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode == 2 and "unknown fault keys" in out.stderr


def test_wire_drop_mid_body(server: tuple[int, DemoSite]) -> None:
    port, local = server
    url = page_url(local, 1)
    cut = raw_get(port, url)
    declared = int(cut.headers["content-length"])
    assert cut.status == 200 and len(cut.body) == declared // 2 < declared
    whole = raw_get(port, url)
    assert len(whole.body) == int(whole.headers["content-length"]) == declared
    assert whole.body.startswith(cut.body[:1000]) and not whole.reset
    file_url = download(local, 8)
    answers = [raw_get(port, file_url) for _ in range(3)]
    size = int(answers[0].headers["content-length"])
    assert [len(a.body) for a in answers] == [size // 2, size // 2, size]


def test_wire_stall_does_not_block(server: tuple[int, DemoSite]) -> None:
    port, local = server
    result: list[Wire] = []
    slow = threading.Thread(target=lambda: result.append(raw_get(port, page_url(local, 3))))
    slow.start()
    time.sleep(0.2)
    quick = raw_get(port, listing(1))  # answered while the stalled one waits
    slow.join(30)
    assert quick.status == 200 and quick.seconds < 1.0
    assert result and result[0].status == 200 and result[0].seconds >= 1.4
    assert len(result[0].body) == int(result[0].headers["content-length"])
    # A client giving up in the middle of a stall does not upset the server.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {page_url(local, 3)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    time.sleep(1.8)
    assert raw_get(port, listing(2)).status == 200


def test_wire_bombs(server: tuple[int, DemoSite]) -> None:
    port, local = server
    gzip_answer = raw_get(port, download(local, 8, 1))
    assert gzip_answer.headers["content-encoding"] == "gzip"
    assert len(gzip_answer.body) == int(gzip_answer.headers["content-length"]) < 2_000_000
    assert gunzip_size(gzip_answer.body) == GIB
    if faultmod.BROTLI_AVAILABLE:
        br_answer = raw_get(port, download(local, BR_K, 0))
        assert br_answer.headers["content-encoding"] == "br"
        assert unbrotli_size(br_answer.body) == GIB
    liar = raw_get(port, download(local, BR_K, 1))
    assert liar.headers["content-length"] == "10737418240" and len(liar.body) == 1024


def test_wire_nul_in_content_disposition(server: tuple[int, DemoSite]) -> None:
    port, local = server
    answer = raw_get(port, download(local, 5))
    assert answer.headers["content-disposition"] == (
        "attachment; filename=\"report.pdf\x00.exe\"; filename*=UTF-8''report.pdf%00.exe"
    )


def test_wire_statuses_and_redirects(server: tuple[int, DemoSite]) -> None:
    port, local = server

    def get(path: str) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", path)
        answer = connection.getresponse()
        answer.read()
        connection.close()
        return answer

    url = page_url(local, 5)
    assert [get(url).status for _ in range(3)] == [503, 503, 200]
    limited = get(page_url(local, 6))
    assert limited.status == 429 and limited.getheader("Retry-After") == "3"
    assert get(page_url(local, 6)).status == 200
    bad = get(page_url(local, 10))  # never followed
    assert bad.status == 302
    assert bad.getheader("Location") == "http://169.254.169.254/latest/meta-data/"
    loop = get(page_url(local, 8))
    assert loop.status == 302 and loop.getheader("Location", "").endswith(page_url(local, 8))
