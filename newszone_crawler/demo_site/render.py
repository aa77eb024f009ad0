"""HTML of the demo board, following the board's markup contract.

Pure functions from :mod:`.content` objects to ``str``; the page chrome
(:func:`page_frame`, :func:`heading`, :func:`escape_text`) is shared with :mod:`.grammar`.
Article pages are rendered once per (article, revision, has-newer-article) and cached by
the site, so the two values that change per request are left as placeholders:
:data:`HIT_SLOT` (the view counter) and :data:`PAGE_SLOT` (the ``page`` the article was
opened from).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from .board import BOARDS, LIST_PATH, SECTION, SITE_ID, Board

if TYPE_CHECKING:  # only for annotations: content imports grammar, which imports this
    from .chrome import Chrome
    from .content import Article, Meta

HIT_SLOT = "\x00HIT\x00"
PAGE_SLOT = "\x00PAGE\x00"
PAGE_SIZE = 10
PAGING_BLOCK = 10


_UNENCODABLE = re.compile("[\x00\ud800-\udfff]")


def _char_ref(match: re.Match[str]) -> str:
    code = ord(match.group())
    return "&#0;" if code == 0 else f"&#x{code:X};"


def escape_text(value: str) -> str:
    """Escape text for HTML; NUL and lone surrogates (which no encoding can carry, and
    which only fault modes put in text) become ``&#0;`` / ``&#xD800;`` references.

    >>> escape_text("a <b> & \\x00 \\ud800")
    'a &lt;b&gt; &amp; &#0; &#xD800;'
    """
    escaped = escape(value, quote=False)
    if _UNENCODABLE.search(escaped):
        return _UNENCODABLE.sub(_char_ref, escaped)
    return escaped


def listing_href(board: Board, page: int | None = None, *, amp: str = "&amp;") -> str:
    """Path of a listing page; ``amp="&"`` gives the plain (unescaped) form.

    >>> listing_href(BOARDS["photo"], 2, amp="&")
    '/user/boardList.action?boardId=O_47317&siteId=mndEN&id=mndEN_020200000000&page=2'
    """
    href = f"{LIST_PATH}?boardId={board.board_id}{amp}siteId={SITE_ID}{amp}id={board.menu_id}"
    return href if page is None else f"{href}{amp}page={page}"


def _script(board: Board, page: str) -> str:
    return (
        "<script>\n"
        f'var PAGE_INDEX = "{page}";\n'
        "function jf_view(boardId, boardSeq) {\n"
        f'  location.href = "{LIST_PATH}?command=view&page=" + PAGE_INDEX + "&boardId=" + boardId'
        f' + "&boardSeq=" + boardSeq + "&titleId=null&siteId={SITE_ID}&id={board.menu_id}'
        '&column=null&search=null";\n'
        "}\n"
        "function jf_fileDown(boardId, boardSeq, fileSeq) {\n"
        f'  location.href = "{LIST_PATH}?command=download&boardId=" + boardId + "&boardSeq="'
        ' + boardSeq + "&fileSeq=" + fileSeq;\n'
        "}\n"
        "</script>"
    )


def page_frame(
    title: str,
    board: Board | None,
    contents: str,
    encoding: str,
    page: str,
    chrome: Chrome | None = None,
) -> str:
    """The page frame: head, menu, ``div#contents`` and the footer; with ``chrome`` (the real
    site's, :mod:`.chrome`) its header, aside and footer instead of the light ones."""
    if encoding == "utf-8":
        charset = '<meta charset="utf-8">'
    else:
        charset = f'<meta http-equiv="Content-Type" content="text/html; charset={encoding}">'
    menu = "".join(
        f'<li><a href="{listing_href(b)}">{escape_text(b.name)}</a></li>' for b in BOARDS.values()
    )
    script = _script(board, page) if board else ""
    if chrome is not None:
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n'
            f"{charset}\n"
            f"<title>{escape_text(title)}</title>\n"
            f"{chrome.head}\n{script}\n"
            "</head>\n<body>\n"
            f"{chrome.header}"
            f'<div id="contents">\n{contents}\n</div>\n'
            f"{chrome.aside}\n{chrome.footer}\n"
            "</body>\n</html>\n"
        )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n'
        f"{charset}\n"
        f"<title>{escape_text(title)}</title>\n"
        f"{script}\n"
        "</head>\n<body>\n"
        '<div id="header"><h1 class="logo"><a href="/">Ministry of National Defense</a></h1>\n'
        f'<ul id="gnb"><li class="depth1">{escape_text(SECTION)}<ul>{menu}</ul></li></ul></div>\n'
        f'<div id="contents">\n{contents}\n</div>\n'
        '<div id="footer"><p>22 Itaewon-ro, Yongsan-gu, Seoul, Republic of Korea</p>\n'
        "<p>Copyright &copy; Ministry of National Defense. All Rights Reserved.</p></div>\n"
        "</body>\n</html>\n"
    )


def heading(board: Board) -> str:
    """The board's location line and headings, above a listing or a post."""
    return (
        f'<div class="location">Home &gt; {escape_text(SECTION)} &gt; '
        f"{escape_text(board.name)}</div>\n"
        f'<h2 class="tit_h2">{escape_text(SECTION)}</h2>\n'
        f'<h3 class="tit_h3">{escape_text(board.name)}</h3>'
    )


def view_link(meta: Meta, text: str) -> str:
    """An ``<a>`` opening an article through ``jf_view`` (onclick or href style)."""
    call = f"jf_view('{meta.board.board_id}','{meta.seq}');"
    if meta.js_href:
        return f'<a href="javascript:{call}">{escape_text(text)}</a>'
    return f'<a href="#none" onclick="{call}return false;">{escape_text(text)}</a>'


def _row(meta: Meta, hits: int, notice: bool) -> str:
    css = ' class="notice"' if notice else ""
    num = "Notice" if notice else str(meta.ordinal)
    return (
        f"<li{css}>\n"
        f'<span class="num">{num}</span>\n'
        f'<p class="title">{view_link(meta, meta.title_raw)}</p>\n'
        f"<dl><dt>Date :</dt><dd>{meta.published_raw}</dd>"
        f"<dt>Hit :</dt><dd>{hits}</dd></dl>\n"
        "</li>"
    )


def paging(board: Board, page: int, last: int) -> str:
    """``div.paging``: first, prev (previous block), numbered pages, next block, last."""
    start = (page - 1) // PAGING_BLOCK * PAGING_BLOCK + 1
    end = min(start + PAGING_BLOCK - 1, last)
    parts = [
        f'<a class="first" href="{listing_href(board, 1)}">first</a>',
        f'<a class="prev" href="{listing_href(board, max(1, start - 1))}">prev</a>',
    ]
    for number in range(start, end + 1):
        if number == page:
            parts.append(f"<strong>{number}</strong>")
        else:
            parts.append(f'<a href="{listing_href(board, number)}">{number}</a>')
    parts.append(f'<a class="next" href="{listing_href(board, min(last, end + 1))}">next</a>')
    parts.append(f'<a class="last" href="{listing_href(board, last)}">last</a>')
    return '<div class="paging">\n' + "\n".join(parts) + "\n</div>"


def listing_page(
    board: Board,
    page: int,
    total: int,
    rows: Sequence[tuple[Meta, int]],
    notice: tuple[Meta, int] | None,
    chrome: Chrome | None = None,
) -> str:
    """A listing page: ``rows`` are (metadata, hits), newest first."""
    items = []
    if notice is not None:
        items.append(_row(*notice, notice=True))
    items.extend(_row(meta, hits, notice=False) for meta, hits in rows)
    last = max(1, -(-total // PAGE_SIZE))
    contents = (
        f"{heading(board)}\n"
        '<div class="board_list">\n'
        f'<p class="total">Total <strong>{total}</strong> posts</p>\n'
        '<ul class="list_post">\n' + "\n".join(items) + "\n</ul>\n"
        "</div>\n" + paging(board, page, last)
    )
    return page_frame(f"{board.name} | {SECTION}", board, contents, "utf-8", str(page), chrome)


def _prev_next(prev_meta: Meta | None, next_meta: Meta | None) -> str:
    def item(label: str, meta: Meta | None) -> str:
        if meta is None:
            return f"<li><span>{label}</span> <em>There is no {label.lower()} post.</em></li>"
        return f"<li><span>{label}</span> {view_link(meta, meta.title_raw)}</li>"

    return f'<ul class="prev_next">\n{item("Prev", prev_meta)}\n{item("Next", next_meta)}\n</ul>'


def article_page(
    article: Article,
    prev_meta: Meta | None,
    next_meta: Meta | None,
    chrome: Chrome | None = None,
) -> str:
    """An article page with :data:`HIT_SLOT` and :data:`PAGE_SLOT` left to fill."""
    meta = article.meta
    board = meta.board
    post = "\n".join(block.html for block in article.blocks)
    if article.file_items is None:
        files = ""
    else:
        items = "\n".join(article.file_items)
        files = (
            '<div class="file_list">\n<dl><dt>File</dt><dd><ul>\n'
            f"{items}\n</ul></dd></dl>\n</div>\n"
        )
    contents = (
        f"{heading(board)}\n"
        '<div class="board_view">\n'
        '<div class="wrap_title">\n'
        f'<p class="title">{escape_text(meta.title_raw)}</p>\n'
        f'<dl class="info"><dt>Date :</dt><dd>{meta.published_raw}</dd>'
        f"<dt>Hit :</dt><dd>{HIT_SLOT}</dd></dl>\n"
        "</div>\n"
        f'<div class="post_content">\n{post}\n</div>\n'
        f"{files}"
        f"{_prev_next(prev_meta, next_meta)}\n"
        f'<div class="btn_area"><a class="btn_list" href="{listing_href(board, None)}'
        f'&amp;page={PAGE_SLOT}">List</a></div>\n'
        "</div>"
    )
    title = f"{meta.title_raw} | {board.name}"
    return page_frame(title, board, contents, meta.encoding, PAGE_SLOT, chrome)


def index_page(chrome: Chrome | None = None) -> str:
    """The site root: links to the three boards."""
    links = "\n".join(
        f'<li><a href="{listing_href(b, 1)}">{escape_text(b.name)}</a></li>'
        for b in BOARDS.values()
    )
    contents = (
        f'<h2 class="tit_h2">{escape_text(SECTION)}</h2>\n<ul class="boards">\n{links}\n</ul>'
    )
    return page_frame(
        f"{SECTION} | Ministry of National Defense", None, contents, "utf-8", "1", chrome
    )


def not_found_page() -> str:
    """Body of a 404 answer."""
    contents = "<h2>404 Not Found</h2>\n<p>The requested page or post does not exist.</p>"
    return page_frame("404 Not Found", None, contents, "utf-8", "1")


def status_page(title: str, message: str) -> str:
    """Body of an error answer of a fault mode (``503 Service Unavailable``...).

    >>> "<h2>410 Gone</h2>" in status_page("410 Gone", "Deleted.")
    True
    """
    contents = f"<h2>{escape_text(title)}</h2>\n<p>{escape_text(message)}</p>"
    return page_frame(title, None, contents, "utf-8", "1")


def maintenance_page() -> str:
    """The "Service maintenance" notice some faults serve (200) instead of a page."""
    contents = (
        '<div class="maintenance">\n<h2>Service maintenance</h2>\n'
        "<p>The service is temporarily unavailable for scheduled maintenance."
        " Please try again later.</p>\n</div>"
    )
    title = "Service maintenance | Ministry of National Defense"
    return page_frame(title, None, contents, "utf-8", "1")


ROBOTS_TXT = """\
User-agent: *
Disallow: /admin/
Disallow: /user/login.action
Allow: /user/boardList.action
Allow: /upload/
"""
