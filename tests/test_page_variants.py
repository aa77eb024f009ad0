"""Variants of the demo site's pages that a hostile probe found wrong without an error: each
ends now as the record the demo site knows (its truth) or as a ``PageLayoutError``.

The pages come from the demo site (which renders the markup contract on its own); each test
changes them the way a server or a skin could, then extracts them as the crawl does.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from newszone_crawler.demo_site import DemoSite
from newszone_crawler.extract import extract, extract_listing
from newszone_crawler.parsing.errors import PageLayoutError

SITE = DemoSite(60)
ROOT = SITE.base_url
EUC_KR = [seq for seq in SITE.all_ids()
          if b"charset=euc-kr" in SITE.get(SITE.article_url(seq).removeprefix(ROOT)).body[:2000]]
UTF_8 = [seq for seq in SITE.all_ids() if seq not in EUC_KR]
WITH_FILES = [seq for seq in UTF_8 if SITE.article_by_id(seq)["attachments"]]


def page_of(seq: str) -> tuple[bytes, str]:
    answer = SITE.get(SITE.article_url(seq).removeprefix(ROOT))
    assert answer.status == 200
    return answer.body, answer.header("Content-Type") or ""


def record_of(body: bytes, content_type: str, seq: str) -> dict[str, Any]:
    done = extract(body, content_type, SITE.article_url(seq), crawled_at="2026-01-01T00:00:00Z",
                   base_url=ROOT)
    return done.record.to_dict()


def differences(record: dict[str, Any], seq: str) -> list[str]:
    """The fields in which ``record`` differs from the demo site's truth."""
    truth = SITE.article_by_id(seq, ROOT)
    return [key for key, want in truth.items() if record.get(key) != want]


def test_the_unchanged_pages_give_the_truth() -> None:
    """The comparison itself: without a change, every kind of page gives its truth."""
    assert EUC_KR and UTF_8 and WITH_FILES
    for seq in [EUC_KR[0], UTF_8[0], WITH_FILES[0]]:
        assert differences(record_of(*page_of(seq), seq), seq) == [], seq


# -- duplicated containers --------------------------------------------------------------------


@pytest.mark.parametrize("seq", UTF_8[:6])
def test_a_second_post_container_is_a_layout_error_not_a_partial_record(seq: str) -> None:
    """Taking the first of two ``div.post_content`` stored whatever the first held (an intro
    line) as the whole article."""
    body, content_type = page_of(seq)
    html = body.decode("utf-8")
    doubled = html.replace('<div class="post_content">',
                           '<div class="post_content"><p>Another text.</p></div>'
                           '<div class="post_content">', 1)
    assert doubled != html
    with pytest.raises(PageLayoutError, match="2 post containers"):
        record_of(doubled.encode(), content_type, seq)


def test_a_post_container_inside_another_is_one_container() -> None:
    seq = UTF_8[0]
    body, content_type = page_of(seq)
    nested = body.decode().replace('<div class="post_content">',
                                   '<div class="post_content"><div class="post_content">', 1)
    nested = re.sub(r'(<div class="file_list">)', r"</div>\1", nested, count=1)
    assert differences(record_of(nested.encode(), content_type, seq), seq) == []


@pytest.mark.parametrize("seq", WITH_FILES[:4])
def test_every_file_block_is_read(seq: str) -> None:
    """A page with two "File" blocks lost the second block's attachments."""
    body, content_type = page_of(seq)
    extra = ('<div class="file_list"><dl><dt>File</dt><dd><ul><li><a href="/user/boardList.action'
             f'?command=download&amp;boardId=O_47261&amp;boardSeq={seq}&amp;fileSeq=97">'
             'annex-97.pdf</a></li></ul></dd></dl></div>')
    html = body.decode("utf-8")
    changed = html.replace('<ul class="prev_next">', extra + '<ul class="prev_next">', 1)
    assert changed != html
    record = record_of(changed.encode(), content_type, seq)
    truth = SITE.article_by_id(seq, ROOT)["attachments"]
    assert [a["name"] for a in record["attachments"]] == [a["name"] for a in truth] + ["annex-97.pdf"]
    assert record["attachments"][-1]["url"].endswith("fileSeq=97")


# -- charsets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seq", EUC_KR[:4])
def test_euc_kr_bytes_under_a_utf8_header_are_read_as_their_meta_says(seq: str) -> None:
    """A server that labels every page UTF-8 while an older page is EUC-KR (its ``<meta>``
    says so): the text was all U+FFFD, the Korean copyright and byline left in the body."""
    body, _ = page_of(seq)
    record = record_of(body, "text/html; charset=utf-8", seq)
    assert "\ufffd" not in record["body"]
    assert differences(record, seq) == []


@pytest.mark.parametrize("seq", EUC_KR[:4])
def test_a_commented_out_meta_charset_is_not_the_pages_charset(seq: str) -> None:
    body, content_type = page_of(seq)
    assert "charset" not in content_type  # the demo declares EUC-KR in the <meta> only
    changed = body.replace(b"<head>", b'<head><!-- <meta charset="utf-8"> -->', 1)
    assert changed != body
    assert differences(record_of(changed, content_type, seq), seq) == []


@pytest.mark.parametrize("seq", EUC_KR[:4])
def test_a_meta_charset_after_long_inline_scripts_is_found(seq: str) -> None:
    body, content_type = page_of(seq)
    script = b"<script>var menu = [" + b'"item",' * 2000 + b"];</script>"  # ~14 KB
    changed = body.replace(b"<head>", b"<head>" + script, 1)
    assert changed.find(b"charset=euc-kr") > 8192
    assert differences(record_of(changed, content_type, seq), seq) == []


# -- listings ---------------------------------------------------------------------------------


def listing(page: int = 1) -> tuple[bytes, str, str]:
    url = SITE.listing_url("recent", page)
    answer = SITE.get(url.removeprefix(ROOT))
    return answer.body, answer.header("Content-Type") or "", url


@pytest.mark.parametrize("wrapper", ['<div class="item">', "<a>"])
def test_listing_rows_in_an_unknown_wrapper_are_a_layout_error_not_an_empty_page(
    wrapper: str,
) -> None:
    """Rows wrapped in another tag read as an empty ``ul.list_post`` (the page past the last):
    the crawl ended the board's walk there with no error."""
    body, content_type, url = listing()
    html = body.decode("utf-8")
    close = "</" + wrapper[1:].split()[0].rstrip(">") + ">"
    wrapped = re.sub(r"(<li\b.*?</li>)", lambda m: wrapper + m[1] + close,
                     html.split('<ul class="list_post">', 1)[1].split("</ul>", 1)[0], flags=re.S)
    head, rest = html.split('<ul class="list_post">', 1)
    changed = head + '<ul class="list_post">' + wrapped + "</ul>" + rest.split("</ul>", 1)[1]
    assert extract_listing(body, content_type, url, base_url=ROOT).listing.entries
    with pytest.raises(PageLayoutError, match="article links but no row"):
        extract_listing(changed.encode(), content_type, url, base_url=ROOT)


def test_the_page_past_the_last_is_still_an_empty_listing() -> None:
    body, content_type, url = listing(SITE.pages("recent") + 1)
    done = extract_listing(body, content_type, url, base_url=ROOT)
    assert (done.listing.entries, done.listing.unlinked_rows) == ([], 0)


def test_a_notice_is_told_by_its_icon_and_a_thumbnail_titled_notice_is_no_notice() -> None:
    """The notice row marked by an icon whose ``alt`` is "NOTICE" (no class) was read as an
    article row; a Photo News thumbnail whose ``alt`` is its title ("Notice of ...") made its
    row a pinned notice, which leaves it out of the walk's decisions (``since``, known pages)."""
    body, content_type, url = listing()
    html = body.decode("utf-8")
    want = [(e.board_seq, e.pinned)
            for e in extract_listing(body, content_type, url, base_url=ROOT).listing.entries]
    assert [pinned for _, pinned in want].count(True) == 1  # the demo's pinned notice
    changed = html.replace('<li class="notice">', '<li><img src="/img/ico.gif" alt="NOTICE">', 1)
    head, rest = changed.split('<ul class="list_post">', 1)
    rows, tail = rest.split("</ul>", 1)
    rows = re.sub(r"<li>(?!<img)", '<li><img src="/upload/t.jpg" alt="Notice of the drill">', rows)
    changed = f'{head}<ul class="list_post">{rows}</ul>{tail}'
    assert changed.count("Notice of the drill") == len(want) - 1
    got = extract_listing(changed.encode(), content_type, url, base_url=ROOT).listing.entries
    assert [(e.board_seq, e.pinned) for e in got] == want


# -- the byline and the copyright notice near the end ------------------------------------------

SIGNED = [seq for seq in UTF_8 if SITE.article_by_id(seq)["authors"]
          and re.search(r"@|<\s*>", SITE.article_by_id(seq)["byline_raw"] or "")]
NOTE = "Editor's note: the talks continue in March."
POST_END = re.compile(r'(</p>\s*)(</div>\s*(?:<div class="file_list">|<ul class="prev_next">))')


@pytest.mark.parametrize("seq", SIGNED[:6])
def test_a_byline_followed_by_a_note_is_still_the_byline(seq: str) -> None:
    """The byline is "a line near the end of the post": with a short note after it, the
    authors were lost and the byline (and the notice beside it) left in the body."""
    body, content_type = page_of(seq)
    html = body.decode("utf-8")
    changed = POST_END.sub(lambda m: f"{m[1]}<p>{NOTE}</p>{m[2]}", html, count=1)
    assert changed != html
    record = record_of(changed.encode(), content_type, seq)
    truth = SITE.article_by_id(seq, ROOT)
    assert record["body"] == f"{truth['body']}\n\n{NOTE}"
    for key in ("authors", "byline_raw", "copyright", "title", "subtitles"):
        assert record[key] == truth[key], key


NOTICED = [seq for seq in UTF_8 if (SITE.article_by_id(seq)["copyright"] or {}).get("holder")]


@pytest.mark.parametrize("seq", NOTICED[:6])
def test_a_copyright_notice_broken_by_br_is_recognised(seq: str) -> None:
    body, content_type = page_of(seq)
    html = body.decode("utf-8")
    holder = SITE.article_by_id(seq)["copyright"]["holder"]
    at = html.find(" ", html.rfind(holder) + len(holder))  # the space after the holder's name
    assert 0 < at < html.find("</p>", html.rfind(holder))
    changed = html[:at] + "<br>" + html[at + 1:]
    record = record_of(changed.encode(), content_type, seq)
    assert differences(record, seq) == []


# -- the headline's paragraph -----------------------------------------------------------------


def _headline_paragraph(html: str, title: str) -> re.Match[str] | None:
    """The post's first paragraph when it holds the headline (the title's first words)."""
    found = re.search(r'<div class="post_content">\s*<p[^>]*>(.*?)</p>', html, flags=re.S)
    words = title.strip("\u201c\u201d\"' ").split()[:3]
    return found if found and all(w in found[1] for w in words) and "<br" not in found[1] else None


RECOVERED = [seq for seq in UTF_8
             if not SITE.article_by_id(seq)["title_truncated"]
             and _headline_paragraph(page_of(seq)[0].decode(), SITE.article_by_id(seq)["title"])]


@pytest.mark.parametrize("seq", RECOVERED[:6])
def test_a_marked_deck_line_after_a_br_in_the_headline_paragraph_is_a_deck_line(seq: str) -> None:
    """``<p>Headline<br>- deck line -</p>``: the deck line was read as part of the title."""
    body, content_type = page_of(seq)
    html = body.decode("utf-8")
    truth = SITE.article_by_id(seq, ROOT)
    head = _headline_paragraph(html, truth["title"])
    assert head is not None
    changed = html[:head.end(1)] + "<br>- Alliance reaffirmed -" + html[head.end(1):]
    record = record_of(changed.encode(), content_type, seq)
    assert record["title"] == truth["title"]
    assert record["subtitles"] == ["Alliance reaffirmed", *truth["subtitles"]]
    assert record["body"] == truth["body"]


# -- paragraphs parted by <br><br> --------------------------------------------------------------


def _plain(text: str) -> bool:
    return not re.search(r"[&<>\"'\u00a0]", text)


def _parted(seq: str) -> str | None:
    """The page with two body paragraphs that stand next to each other as ``<p>``s merged
    into one, parted by ``<br><br>``; None when the page has no such pair."""
    html = page_of(seq)[0].decode("utf-8")
    paragraphs = SITE.article_by_id(seq)["body"].split("\n\n")
    space = r"(?:\s|&nbsp;|\u00a0)*"
    for first, second in zip(paragraphs, paragraphs[1:]):
        if not (_plain(first) and _plain(second)) or min(len(first), len(second)) < 20:
            continue
        joint = re.compile(f"({re.escape(first[-20:])}){space}</p>{space}<p[^>]*>{space}"
                           f"({re.escape(second[:20])})")
        changed, count = joint.subn(lambda m: f"{m[1]}<br>\n<br>{m[2]}", html, count=1)
        if count:
            return changed
    return None


PARTED = [seq for seq in UTF_8 if _parted(seq)]


@pytest.mark.parametrize("seq", PARTED[:6])
def test_paragraphs_parted_by_two_brs_are_paragraphs(seq: str) -> None:
    """``<p>One.<br><br>Two.</p>``, as a post written without ``<p>`` per paragraph: the body
    said "One.\\nTwo." (one paragraph), not "One.\\n\\nTwo."."""
    changed = _parted(seq)
    assert changed is not None and len(PARTED) >= 6
    assert differences(record_of(changed.encode(), page_of(seq)[1], seq), seq) == []


# -- what a review of the changes above found (each failed on the first version of them) --------


def test_a_most_read_box_beside_the_empty_list_past_the_last_is_no_row() -> None:
    body, content_type, url = listing(SITE.pages("recent") + 1)
    seq = SITE.ids("recent")[0]
    box = (f'<div class="best"><a href="#none" onclick="jf_view(\'O_47261\',\'{seq}\');'
           'return false;">Most read</a></div>')
    html = body.decode("utf-8")
    changed = html.replace('<ul class="list_post">', box + '<ul class="list_post">', 1)
    assert changed != html
    done = extract_listing(changed.encode(), content_type, url, base_url=ROOT)
    assert (done.listing.entries, done.listing.unlinked_rows) == ([], 0)


def _post(post: str) -> dict[str, Any]:
    seq = UTF_8[0]
    html = page_of(seq)[0].decode("utf-8")
    start = html.index('<div class="post_content">') + len('<div class="post_content">')
    end = POST_END.search(html, start)
    assert end is not None
    changed = html[:start] + post + html[end.start(2):]
    return record_of(changed.encode(), "text/html; charset=utf-8", seq)


SENTENCE = ("<p>Korea and the U.S. reaffirmed their strong alliance on Friday in Seoul, the ministry "
            "said in a statement released after the talks.</p>")
PHOTO = '<p style="text-align:center"><img src="/upload/news/20170203_01.jpg" alt=""></p>'


@pytest.mark.parametrize("line", ["By Kim Min-seok", "By Reporter Yun Byeong-No"])
def test_a_byline_before_all_rights_reserved_is_no_copyright_holder(line: str) -> None:
    record = _post(f"{SENTENCE}<p>{line}<br>All rights reserved.</p>")
    assert record["copyright"] is None


@pytest.mark.parametrize("post", [
    f'{PHOTO}<p style="text-align:center">Minister Han talks with soldiers at the GOP</p>'
    f"<p>Reported by Kim Min-seok</p>{SENTENCE}",
    f"{SENTENCE}<p>By Gen. Vincent Brooks</p><p>Commander, USFK</p><p>Seoul, Feb. 3</p>",
], ids=["photo credit", "quoted speaker"])
def test_an_unsigned_credit_before_a_paragraph_is_no_byline(post: str) -> None:
    record = _post(post)
    assert record["authors"] == [] and record["byline_raw"] is None


def test_a_caption_parted_by_two_brs_stays_one_caption() -> None:
    record = _post(f'{PHOTO}<p style="text-align:center">Minister Han talks with soldiers<br><br>'
                   f"at the GOP on Friday</p>{SENTENCE}")
    assert [i["caption"] for i in record["images"]] == [
        "Minister Han talks with soldiers at the GOP on Friday"]
    assert "GOP" not in record["body"]


@pytest.mark.parametrize("stray", [b"\xa0", b"\xb7", b"\x96"])
def test_a_stray_byte_does_not_make_a_utf8_page_another_charset(stray: bytes) -> None:
    """Header UTF-8, ``<meta>`` EUC-KR, English text with one byte that is no UTF-8: the
    page was read as CP949, the byte and the letter after it turned into a Hangul syllable."""
    seq = UTF_8[0]
    html = page_of(seq)[0].replace(b'<meta charset="utf-8">', b'<meta charset="euc-kr">', 1)
    assert b"euc-kr" in html
    words = SITE.article_by_id(seq)["body"].split()[:3]
    plain = " ".join(words).encode()
    assert plain in html
    page = html.replace(plain, " ".join(words[:2]).encode() + b" " + stray + words[2].encode(), 1)
    record = record_of(page, "text/html; charset=utf-8", seq)
    assert record["body"].count("\ufffd") == 1, record["body"][:200]
    assert " ".join(words[:2]) + " \ufffd" + words[2] in record["body"]  # no letter eaten


def test_a_meta_charset_pasted_into_the_post_is_not_the_pages() -> None:
    seq = UTF_8[0]
    body, _ = page_of(seq)
    script = b"<script>var menu = [" + b'"item",' * 2000 + b"];</script>"  # ~14 KB
    page = body.replace(b'<meta charset="utf-8">', b"", 1).replace(b"<head>", b"<head>" + script, 1)
    page = page.replace(b'<div class="post_content">', b'<div class="post_content"><meta '
                        b'http-equiv="Content-Type" content="text/html; charset=ks_c_5601-1987">', 1)
    assert differences(record_of(page, "text/html", seq), seq) == []


@pytest.mark.parametrize("alt", ["[공지]", "공지글", "공지 아이콘", "Notice.", "notice:", "ico_notice"])
def test_notice_icons_in_their_many_spellings_mark_the_pinned_row(alt: str) -> None:
    body, content_type, url = listing()
    changed = body.decode("utf-8").replace('<li class="notice">', f'<li><img alt="{alt}">', 1)
    got = extract_listing(changed.encode(), content_type, url, base_url=ROOT).listing.entries
    assert [e.pinned for e in got].count(True) == 1 and got[0].pinned


# -- what a second probe found (old code right, the first version of the changes above wrong) --


def test_a_file_icon_after_an_empty_file_block_is_no_crash() -> None:
    """A "File" icon beside a Prev/Next link after the board's empty File block: every label
    was read, a bare link was indexed like a list, and the article raised TypeError."""
    seq = next(s for s in UTF_8 if not SITE.article_by_id(s)["attachments"])
    html = page_of(seq)[0].decode("utf-8")
    changed = html.replace("<li><span>Prev</span>", "<li><span>File</span> <span>Prev</span>", 1)
    assert changed != html
    assert differences(record_of(changed.encode(), "text/html; charset=utf-8", seq), seq) == []


def test_a_viewer_box_labelled_files_after_the_file_block_adds_no_attachment() -> None:
    seq = WITH_FILES[0]
    html = page_of(seq)[0].decode("utf-8")
    box = ('<dl class="viewer"><dt>Files</dt><dd><a href="/upload/viewer/HwpViewer.exe">'
           "Hangul viewer</a></dd></dl>")
    changed = html.replace('<ul class="prev_next">', box + '<ul class="prev_next">', 1)
    assert changed != html
    assert differences(record_of(changed.encode(), "text/html; charset=utf-8", seq), seq) == []


@pytest.mark.parametrize("seq", UTF_8[:3])
def test_a_hidden_copy_of_the_post_is_one_post(seq: str) -> None:
    """A print or mobile copy of the same post (same text) was refused as a second container."""
    html = page_of(seq)[0].decode("utf-8")
    start = html.index('<div class="post_content">')
    end = POST_END.search(html, start)
    assert end is not None
    post = html[start:end.start(2)] + "</div>"
    copy = post.replace('<div class="post_content">', '<div class="post_content" style="display:none">', 1)
    changed = html[:end.start(2) + len("</div>")] + copy + html[end.start(2) + len("</div>"):]
    assert changed.count('class="post_content"') == 2
    assert differences(record_of(changed.encode(), "text/html; charset=utf-8", seq), seq) == []


@pytest.mark.parametrize("seq", EUC_KR[:3])
def test_a_meta_charset_after_the_body_starts_is_still_read_when_the_bytes_need_it(seq: str) -> None:
    body, content_type = page_of(seq)
    meta = re.search(rb"<meta[^>]*charset=euc-kr[^>]*>", body)
    assert meta is not None
    changed = body.replace(meta[0], b"", 1).replace(b"<body>", b"<body>" + meta[0], 1)
    assert changed.index(meta[0]) > changed.index(b"<body>")
    assert differences(record_of(changed, content_type, seq), seq) == []


def test_a_body_written_with_brs_after_a_photo_is_body_not_caption() -> None:
    record = _post(f'{PHOTO}<p>Minister Han talks with soldiers<br><br>The minister thanked the '
                   "troops for their service.<br><br>He then toured the base.</p>")
    assert [i["caption"] for i in record["images"]] == ["Minister Han talks with soldiers"]
    assert record["body"] == ("The minister thanked the troops for their service.\n\n"
                              "He then toured the base.")


@pytest.mark.parametrize("alt", ["Important notice", "중요공지", "공지 게시물", "Notice image",
                                 "notice mark", "공지사항 이미지"])
def test_notice_icons_with_a_word_beside_mark_the_pinned_row(alt: str) -> None:
    test_notice_icons_in_their_many_spellings_mark_the_pinned_row(alt)
