"""The board's URLs: listing pages, ``jf_view`` article links and canonical article URLs."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import add_or_replace_parameter, canonicalize_url, url_query_parameter

from ..hosts import same_site  # noqa: F401 - re-exported: the parsers' historical import

BOARD_PATH = "/user/boardList.action"
# A page number longer than this is not one (and Python refuses int() of 4300+ digits).
MAX_PAGE_DIGITS = 9
# The parameters that identify an article; everything else (page, titleId, column, ...) comes
# and goes between links to the same article.
CANONICAL_PARAMS = ("boardId", "boardSeq", "command", "id", "siteId")

_JF_VIEW = re.compile(r"""jf_view\s*\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]""")
# What a board or article id may be (``O_47261``, ``I_8576246``): it becomes the record's key,
# a URL parameter and a file name, so NULs, controls, quotes, spaces, lone surrogates and
# 100 KB arguments are refused rather than carried on.
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def parse_jf_view(script: str | None) -> tuple[str, str] | None:
    """``(boardId, boardSeq)`` of a ``jf_view(...)`` call in an ``onclick`` or ``href``.

    >>> parse_jf_view("jf_view('O_47261','O_114186');return false;")
    ('O_47261', 'O_114186')
    >>> parse_jf_view('javascript:jf_view( "O_47261" , "O_114186" );')
    ('O_47261', 'O_114186')
    >>> parse_jf_view("#none") is None
    True
    >>> parse_jf_view("jf_view('O_1','O 2\\x00');") is None  # not an id: refused
    True
    """
    if not isinstance(script, str) or not script:
        return None
    match = _JF_VIEW.search(script)
    if not match:
        return None
    board_id, board_seq = match.group(1).strip(), match.group(2).strip()
    if _ID.fullmatch(board_id) and _ID.fullmatch(board_seq):
        return board_id, board_seq
    return None


def site_root(base_url: str) -> str:
    """Scheme and host of the configured site root.

    >>> site_root("https://www.mnd.go.kr/some/path?x=1")
    'https://www.mnd.go.kr'
    """
    parts = urlsplit(base_url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def listing_url(base_url: str, board_id: str, menu_id: str, site_id: str, page: int) -> str:
    """The listing URL of a board page, in the board's own parameter order.

    >>> listing_url("https://www.mnd.go.kr", "O_47261", "mndEN_020100000000", "mndEN", 2)
    'https://www.mnd.go.kr/user/boardList.action?boardId=O_47261&siteId=mndEN&id=mndEN_020100000000&page=2'
    """
    query = urlencode([("boardId", board_id), ("siteId", site_id), ("id", menu_id), ("page", page)])
    return f"{site_root(base_url)}{BOARD_PATH}?{query}"


def with_page(url: str, page: int) -> str:
    """The same listing URL on another page.

    >>> with_page("http://h/user/boardList.action?boardId=B&page=1", 3)
    'http://h/user/boardList.action?boardId=B&page=3'
    """
    return add_or_replace_parameter(url, "page", str(page))


def page_number(url: str) -> int | None:
    """The ``page`` parameter of a listing URL, or None.

    >>> page_number("http://h/user/boardList.action?boardId=B&page=12")
    12
    >>> page_number("http://h/user/boardList.action?boardId=B") is None
    True
    >>> page_number("http://[h/?page=2"), page_number("?page=" + "9" * 5000), page_number("?page=²")
    (None, None, None)
    """
    try:
        value = url_query_parameter(url, "page")
    except ValueError:  # a malformed URL ("Invalid IPv6 URL")
        return None
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value.lstrip("0")) > MAX_PAGE_DIGITS:
        return None
    return int(value.lstrip("0") or "0")  # "000...07": leading zeros count toward int()'s limit


def article_url(base_url: str, board_id: str, board_seq: str, menu_id: str, site_id: str) -> str:
    """The URL of an article as its canonical form (what the crawler fetches).

    >>> article_url("https://www.mnd.go.kr/", "O_47261", "O_114186", "mndEN_020100000000", "mndEN")
    'https://www.mnd.go.kr/user/boardList.action?boardId=O_47261&boardSeq=O_114186&command=view&id=mndEN_020100000000&siteId=mndEN'
    """
    query = urlencode(
        [("boardId", board_id), ("boardSeq", board_seq), ("command", "view"), ("id", menu_id), ("siteId", site_id)]
    )
    return canonicalize_url(f"{site_root(base_url)}{BOARD_PATH}?{query}")


def canonical_article_url(url: str, base_url: str) -> str:
    """Canonical article URL: only the identifying parameters, sorted, on the site root's host.

    Links over http or https, with or without ``www.``, with any parameter order give one URL.

    >>> canonical_article_url(
    ...     "http://mnd.go.kr/user/boardList.action?command=view&page=59&boardId=O_47261"
    ...     "&boardSeq=O_114186&titleId=null&siteId=mndEN&id=mndEN_020100000000&column=null&search=null",
    ...     "https://www.mnd.go.kr")
    'https://www.mnd.go.kr/user/boardList.action?boardId=O_47261&boardSeq=O_114186&command=view&id=mndEN_020100000000&siteId=mndEN'
    """
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k in CANONICAL_PARAMS]
    root = urlsplit(site_root(base_url))
    return canonicalize_url(urlunsplit((root.scheme, root.netloc, parts.path, urlencode(kept), "")))
