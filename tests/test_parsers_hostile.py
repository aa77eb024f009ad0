"""Hostile pages: the parsers return fields or raise ``PageLayoutError``, nothing else.

Pages are built from a small template of the board's markup (listing and article, as the
project's README describes them; written here, not taken from the demo site) and then mangled:
thousands of levels of nesting, malformed URLs, tags cut at a random byte, huge attributes and
text, charset labels that lie, EUC-KR / UTF-16 / random bytes, control characters, lone
surrogates, NULs and 5,000-digit numbers. Each page goes the whole way the crawl takes it:
``decode_page`` -> ``parse_listing`` / ``parse_article`` -> ``raw_article`` ->
``normalize_article``, and the record must encode as UTF-8 JSON (what the feed and the archive
write).

The property tests generate 10,000 pages per run in total (``derandomize``: the same pages on
every run, so CI cannot flake): about 80 s of CPU (2 min wall on a shared 2-core machine). The two findings that started this file, and the other crash
classes found on the way, are explicit regression tests at the end.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from html import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newszone_crawler.normalize.attachments import normalize_attachments
from newszone_crawler.normalize.record import normalize_article
from newszone_crawler.parsing import PageLayoutError, parse_article, parse_listing
from newszone_crawler.parsing.encoding import decode_page
from newszone_crawler.parsing.listing import ListingPage
from newszone_crawler.parsing.record import raw_article
from newszone_crawler.parsing.urls import page_number, parse_jf_view, same_site

PAGE_URL = "https://www.mnd.go.kr/user/boardList.action?command=view&boardId=O_47261&boardSeq=O_1"
LISTING_URL = "https://www.mnd.go.kr/user/boardList.action?boardId=O_47261&page=1"

HOSTILE = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- the template (the board's markup, in the shape the project documents) -----------------

LISTING = """<html><head><meta charset="{charset}"></head><body><div id="contents">
<div class="location">Home &gt; News Zone &gt; Recent News</div>
<h2 class="tit_h2">News Zone</h2><h3 class="tit_h3">{board}</h3>
<div class="board_list"><p class="total">Total <strong>{total}</strong> posts</p>
<ul class="list_post">
<li class="notice"><p class="title"><a href="#none" onclick="jf_view('O_47261','O_1');return false;">Notice</a></p></li>
{rows}
</ul></div>
<div class="paging"><a class="first" href="{page_href}&amp;page=1">first</a><strong>1</strong>
<a href="{page_href}&amp;page={page}">{page_label}</a><a class="last" href="{last_href}">last</a></div>
</div></body></html>"""

ROW = """<li><span class="num">{num}</span><p class="title"><a href="{href}" onclick="{onclick}">{title}</a></p>
<dl><dt>Date :</dt><dd>{date}</dd><dt>Hit :</dt><dd>{hits}</dd></dl></li>"""

ARTICLE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}"></head>
<body><div id="contents"><h2 class="tit_h2">News Zone</h2><h3 class="tit_h3">{board}</h3>
<div class="board_view"><div class="wrap_title"><p class="title">{title}</p>
<dl class="info"><dt>Date :</dt><dd>{date}</dd><dt>Hit :</dt><dd>{hits}</dd></dl></div>
<div class="post_content">{open}<p><b>{headline}</b></p><p>&nbsp;</p>
<p>Reaffirmed solid ROK-U.S. alliance<br>- Consensus about deployment;</p>
<p style="text-align:center"><img src="{img}" alt=""></p>
<p style="text-align:center">{caption}&nbsp;&nbsp;</p>
<p>{body}</p>
<p>By {byline}</p>
<p>&lt;Copyright &#9426; The Korea Defense Daily, All rights reserved&gt;</p>{close}</div>
<div class="file_list"><dl><dt>File</dt><dd><ul>
<li><a href="{file_href}">{file_name}</a> <span class="size">{size}</span></li>
<li><a href="javascript:jf_fileDown('{jf1}','{jf2}','{jf3}');">photo 2.jpg</a></li>
<li><a href="#none" onclick="{file_onclick}">(Presentation and Follow-on discussion)</a></li>
</ul></dd></dl></div></div></div></body></html>"""

# --- hostile values -------------------------------------------------------------------------

BAD_URLS = [
    "http://[broken/upload/a.jpg",
    "http://[::1/a.jpg",
    "http://]::1[/a.jpg",
    "https://www.mnd.go.kr:99999999999/a.jpg",
    "https://www.mnd.go.kr:-1/a.jpg",
    "https://www.mnd.go.kr:port/a.jpg",
    "http://www.mnd.go.kr:" + "9" * 5000 + "/a.jpg",
    "http://a\x00b/\x01\x7f.jpg",
    "http://\ud800.example/\udfff",
    "/upload/" + "a" * 100_000 + ".jpg",  # 100 KB
    "javascript:alert(1)",
    "data:image/png;base64,AAAA",
    "//[",
    "http:///",
    "http://%zz/%",
    "\\\\server\\share",
    "/upload/news/20170203_01.jpg",
    "https://www.mnd.go.kr/upload/a b.jpg",
    "",
]
BAD_NUMBERS = ["?page=" + "0" * 5000 + "2", "1,587", "9" * 5000, "²³", "١٢٣", "-1", "1e309", "0" * 5000 + "7", "NaN", "", "１２"]
BAD_IDS = ["O_114186", "O_1\x00", "\ud800", "a" * 100_000, "", " ", "'", "O 1", "\u202e"]
ODD_CHARS = ["\x00", "\x01", "\x0b", "\x7f", "\x85", "\ud800", "\udfff", "\ufeff", "\u202e",
             "\U0010ffff", "&#0;", "&#xD800;", "&#x110000;", "<!--", "<![CDATA[", "</", "<", "&"]
CHARSETS = ["utf-8", "euc-kr", "utf-16", "utf-7", "base64", "idna", "undefined", "unicode_escape",
            "x-unknown", "latin1", "cp949", "utf-32", "zlib", ""]
ENCODINGS = ["utf-8", "euc-kr", "cp949", "utf-16", "utf-16-le", "latin-1", "utf-32"]

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(ODD_CHARS + BAD_URLS[:9] + BAD_NUMBERS),
    st.builds(lambda c, n: c * n, st.sampled_from(["a", "한", "<b>", " ", "&nbsp;"]),
              st.sampled_from([1, 300, 3000])),
)
hostile_url = st.one_of(st.sampled_from(BAD_URLS), st.text(max_size=30))
hostile_number = st.one_of(st.sampled_from(BAD_NUMBERS), st.integers(0, 10**30).map(str))
hostile_id = st.one_of(st.sampled_from(BAD_IDS), st.text(max_size=12))
depths = st.sampled_from([0, 0, 0, 50, 999, 1500, 2046, 2100, 5000])


def _attr(value: str) -> str:
    """Most values go in escaped; some raw, to break the markup around them."""
    return escape(value, quote=True)


def _nest(depth: int, tag: str = "div") -> tuple[str, str]:
    return f"<{tag}>" * depth, f"</{tag}>" * depth


@st.composite
def listing_pages(draw: st.DrawFn) -> str:
    rows = []
    for _ in range(draw(st.integers(0, 3))):
        seq = draw(hostile_id)
        call = f"jf_view('O_47261','{seq}');return false;"
        rows.append(ROW.format(
            num=draw(hostile_number),
            href=_attr(draw(st.sampled_from(["#none", f"javascript:{call}"]))),
            onclick=_attr(draw(st.sampled_from([call, "", draw(hostile_text)]))),
            title=escape(draw(hostile_text)),
            date=escape(draw(st.one_of(hostile_text, st.sampled_from(["2017.03.10", "03/10/2017"])))),
            hits=escape(draw(hostile_number)),
        ))
    rows_html = "\n".join(rows)
    opening, closing = _nest(draw(depths), draw(st.sampled_from(["div", "li", "span", "ul"])))
    return LISTING.format(
        charset=draw(st.sampled_from(CHARSETS)),
        board=escape(draw(hostile_text)),
        total=escape(draw(hostile_number)),
        rows=opening + rows_html + closing,
        page_href=_attr(draw(hostile_url)),
        page=escape(draw(hostile_number)),
        page_label=escape(draw(hostile_number)),
        last_href=_attr(draw(st.one_of(hostile_url, hostile_number.map(lambda n: "?page=" + n)))),
    )


@st.composite
def article_pages(draw: st.DrawFn) -> str:
    opening, closing = _nest(draw(depths), draw(st.sampled_from(["div", "p", "b", "table"])))
    return ARTICLE.format(
        charset=draw(st.sampled_from(CHARSETS)),
        board=escape(draw(hostile_text)),
        title=escape(draw(st.one_of(st.just("Vice Minister of National Defense Baek..."),
                                    hostile_text))),
        date=escape(draw(st.one_of(hostile_text, hostile_number))),
        hits=escape(draw(hostile_number)),
        open=opening,
        close=closing,
        headline=escape(draw(hostile_text)),
        img=_attr(draw(hostile_url)),
        caption=escape(draw(hostile_text)),
        body=escape(draw(hostile_text)),
        byline=escape(draw(hostile_text)),
        file_href=_attr(draw(hostile_url)),
        file_name=escape(draw(hostile_text)),
        size=escape(draw(hostile_text)),
        jf1=_attr(draw(hostile_id)),
        jf2=_attr(draw(hostile_id)),
        jf3=_attr(draw(hostile_number)),
        file_onclick=_attr(draw(st.one_of(hostile_text, hostile_url.map(
            lambda u: f"window.open('{u}')")))),
    )


@st.composite
def mangled(draw: st.DrawFn, pages: st.SearchStrategy[str]) -> str:
    """A page with a few random injections, then maybe cut at a random point."""
    page = draw(pages)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(page)))
        page = page[:at] + draw(st.one_of(st.sampled_from(ODD_CHARS), st.text(max_size=8))) + page[at:]
    if draw(st.booleans()):
        page = page[: draw(st.integers(0, len(page)))]
    return page


@st.composite
def page_bytes(draw: st.DrawFn, pages: st.SearchStrategy[str]) -> tuple[bytes, str | None]:
    """A page as bytes: encoded in some charset (whatever it declares), cut at a random byte,
    or random bytes; with a Content-Type header that may lie."""
    text = draw(pages)
    encoding = draw(st.sampled_from(ENCODINGS))
    body = text.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")
    choice = draw(st.integers(0, 3))
    if choice == 1:
        body = body[: draw(st.integers(0, len(body)))]
    elif choice == 2:
        body = draw(st.binary(max_size=2000))
    elif choice == 3:
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.binary(min_size=1, max_size=50)) + body[at:]
    header = draw(st.one_of(st.none(), st.sampled_from(CHARSETS).map(
        lambda c: f"text/html; charset={c}"), st.text(max_size=30)))
    return body, header


# --- the whole way of a page ----------------------------------------------------------------


def _listing(html: str) -> ListingPage | None:
    try:
        page = parse_listing(html, LISTING_URL)
    except PageLayoutError:
        return None
    assert all(isinstance(n, int) and 0 <= n < 10**18 for n in page.page_numbers)
    assert page.total is None or 0 <= page.total < 10**18
    for entry in page.entries:
        assert parse_jf_view(f"jf_view('{entry.board_id}','{entry.board_seq}')") == (
            entry.board_id, entry.board_seq)
        assert "\x00" not in entry.title_raw
    return page


def _article(html: str) -> dict | None:
    try:
        fields = parse_article(html, PAGE_URL)
    except PageLayoutError:
        return None
    assert fields.views is None or 0 <= fields.views < 10**18
    item = raw_article(fields, board_seq="O_1", board_id="O_47261", url=PAGE_URL,
                       fetched_url=PAGE_URL, crawled_at="2026-01-01T00:00:00Z")
    outcomes = normalize_article(item)
    assert set(outcomes) >= {"title", "date", "body", "byline", "copyright", "files"}
    for image in item.images:
        assert same_site(image["url"], PAGE_URL)
    record = asdict(item)
    json.dumps(record, ensure_ascii=False).encode("utf-8")  # what the feed and archive write
    return record


@settings(HOSTILE, max_examples=2500)
@given(mangled(listing_pages()))
def test_listing_pages_parse_or_raise_layout_error(html: str) -> None:
    _listing(html)


@settings(HOSTILE, max_examples=2000)
@given(mangled(article_pages()))
def test_article_pages_parse_or_raise_layout_error(html: str) -> None:
    _article(html)


@settings(HOSTILE, max_examples=1500)
@given(page_bytes(st.one_of(article_pages(), listing_pages())))
def test_page_bytes_decode_then_parse(data: tuple[bytes, str | None]) -> None:
    body, header = data
    page = decode_page(body, header)
    page.text.encode("utf-8")  # no lone surrogate comes out of decoding
    _article(page.text)
    _listing(page.text)


@settings(HOSTILE, max_examples=4000)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300).map(
    lambda b: b.decode("latin-1")), st.sampled_from(ODD_CHARS)))
def test_any_text_parses_or_raises_layout_error(html: str) -> None:
    _article(html)
    _listing(html)


# --- the findings, and the other crash classes, as explicit regressions ---------------------

def _article_page(post: str, img: str = "/upload/news/a.jpg") -> str:
    return ARTICLE.format(
        charset="utf-8", board="Recent News", title="Short title", date="2017.03.10",
        hits="12", open="", close="", headline="Short title", img=_attr(img),
        caption="Caption", body=post, byline="Byeong-No, Yun &lt;trylover@dema.mil.kr &gt;",
        file_href="/user/boardList.action?command=download&amp;boardId=O_1&amp;boardSeq=O_2&amp;fileSeq=1",
        file_name="a.pdf", size="(1.2MB)", jf1="O_1", jf2="O_2", jf3="2", file_onclick="",
    )


def test_finding_1a_post_nested_thousands_deep_keeps_its_text() -> None:
    """A post wrapped in 1,500 <div>s (under libxml2's 2048 levels) raised RecursionError."""
    opening, closing = _nest(1500)
    fields = parse_article(_article_page(opening + "Korea and the U.S. reaffirmed." + closing),
                           PAGE_URL)
    assert "Korea and the U.S. reaffirmed." in fields.body
    assert fields.copyright_line is not None and fields.files


def test_finding_1a_deeper_than_the_parser_keeps_is_a_layout_error() -> None:
    """Past 2048 levels libxml2 drops the rest of the page without raising: the article came out
    with no byline, no copyright and no files. It is now a PageLayoutError, not a partial
    record."""
    opening, closing = _nest(5000)
    with pytest.raises(PageLayoutError, match="nested too deep"):
        parse_article(_article_page(opening + "text" + closing), PAGE_URL)


def test_finding_1b_broken_ipv6_image_is_dropped_not_raised() -> None:
    fields = parse_article(_article_page("Body text.", img="http://[broken/upload/a.jpg"),
                           PAGE_URL)
    assert fields.images == []
    assert fields.malformed_urls == ["http://[broken/upload/a.jpg"]
    assert fields.body  # the article is kept


@pytest.mark.parametrize("number", ["9" * 5000, "²", "12" + "9" * 20])
def test_listing_numbers_beyond_reason_are_unknown(number: str) -> None:
    """int() of 4,300+ digits raises ValueError, and so does int("²") ("²".isdigit() is True)."""
    html = LISTING.format(charset="utf-8", board="Recent News", total=number, rows="",
                          page_href="?boardId=O_47261", page=number, page_label=number,
                          last_href="?page=" + number)
    page = parse_listing(html, LISTING_URL)
    assert (page.total, page.page_numbers) == (None, [1])  # only the "first" link's page=1


def test_page_number_of_a_malformed_url_is_none() -> None:
    assert page_number("http://[broken/?page=2") is None


@pytest.mark.parametrize("seq", ["O_1\x7f", "\ud800", "O 1", "O_1);x(", "a" * 1000])
def test_listing_row_with_an_odd_id_is_counted_not_kept(seq: str) -> None:
    row = ROW.format(num="1", href="#none", onclick=_attr(f"jf_view('O_47261','{seq}');"),
                     title="T", date="2017.03.10", hits="1")
    html = LISTING.format(charset="utf-8", board="B", total="1", rows=row, page_href="?x=1",
                          page="2", page_label="2", last_href="?page=2")
    page = parse_listing(html, LISTING_URL)
    assert [e.board_seq for e in page.entries] == ["O_1"]  # the pinned notice only
    assert page.unlinked_rows == 1


@pytest.mark.parametrize("charset", ["idna", "punycode", "undefined", "unicode_escape"])
def test_python_only_codecs_are_refused(charset: str) -> None:
    """idna/punycode/undefined raised on decode; unicode_escape turned "\\ud800" into a lone
    surrogate that no UTF-8 writer accepts."""
    page = decode_page(b"<p>\\ud800 \xff</p>", f"text/html; charset={charset}")
    assert (page.encoding, page.refused) == ("utf-8", (charset,))
    page.text.encode("utf-8")


def test_lone_surrogates_and_nuls_in_page_text() -> None:
    html = _article_page("Body\x00 text \ud800.")
    record = _article(html)
    assert record is not None and record["body"] == "Body text \ufffd."


@pytest.mark.parametrize("href", ["http://[::1/a.pdf", "https://www.mnd.go.kr:99999/a.pdf",
                                  "https://www.mnd.go.kr:x/a.pdf", "/" + "a" * 100_000])
def test_malformed_file_links_are_dropped(href: str) -> None:
    entries = [{"name": "a.pdf", "href": href, "onclick": None, "size_raw": None}]
    assert normalize_attachments(entries, PAGE_URL) == []


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(
    ["<p>", "a", " ", "\u00a0", "\x00", "\x08", "\x0b", "\x0c", "\x1c", "\x1f", "\r", "\n",
     "\ufffe", "\uffff", "\ud800", "\udfff", "\u3000", "\x85", "\u2028", "한"]), max_size=30).map("".join))
def test_the_fast_safe_bytes_agree_with_the_contract(text: str) -> None:
    """``page_selector``'s bytes (checked on the bytes) are the contract's: forbidden
    characters dropped, lone surrogates as U+FFFD, then stripped, in UTF-8."""
    from newszone_crawler.parsing.tree import _NOT_XML, _SURROGATES, _safe_bytes

    expected = _SURROGATES.sub("\ufffd", _NOT_XML.sub("", text)).strip().encode("utf-8")
    assert _safe_bytes(text) == expected
