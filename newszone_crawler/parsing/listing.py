"""A board's listing page -> its article entries and the pages it links to."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree
from parsel import Selector, SelectorList

from ..normalize.text import clean_line
from . import selectors as S
from .errors import PageLayoutError
from .labels import compiled_css, first, labelled_value, number_in, select, text_of
from .tree import page_selector
from .urls import page_number, parse_jf_view


@dataclass(frozen=True)
class ListingEntry:
    """One row of a listing: an article link with what the row shows of it."""

    board_id: str
    board_seq: str
    title_raw: str
    date_raw: str | None
    hits_raw: str | None
    pinned: bool


@dataclass
class ListingPage:
    """What a listing page says: its rows, the total, and the page numbers it links to."""

    entries: list[ListingEntry] = field(default_factory=list)
    total: int | None = None
    page_numbers: list[int] = field(default_factory=list)
    section: str | None = None
    board: str | None = None
    # Rows without a usable ``jf_view`` link (none, or ids that are not ids): for the spider
    # to count and log; they give no entry.
    unlinked_rows: int = 0

    @property
    def articles(self) -> list[ListingEntry]:
        """The rows that are not the pinned notice."""
        return [e for e in self.entries if not e.pinned]

    @property
    def last_page(self) -> int | None:
        """The highest page number the paging block links to."""
        return max(self.page_numbers) if self.page_numbers else None


_LINKS = etree.XPath(".//a | .//*[@onclick]")  # compiled once
_PINNED_MARKS = ".notice, .ico_notice"
compiled_css(_PINNED_MARKS)
_WORD = re.compile(r"[^\W_]+")
"""An ``<img>`` marks a pinned row when its ``alt`` is two words at most, one of them about a
notice ("NOTICE", "[공지]", "notice icon", "Important notice", "중요공지"): a thumbnail whose
``alt`` is an article's title ("Notice of recruitment 2017") does not."""


def _row_link(row: Selector) -> tuple[tuple[str, str], str] | None:
    for node in _LINKS(row.root):
        link = Selector(root=node, type="html")
        ids = parse_jf_view(link.attrib.get("onclick")) or parse_jf_view(link.attrib.get("href"))
        if ids:
            return ids, text_of(link)
    return None


def _is_pinned(row: Selector) -> bool:
    classes = (row.attrib.get("class") or "").lower().split()
    if any(c in S.LISTING_PINNED_CLASSES for c in classes):
        return True
    if compiled_css(_PINNED_MARKS)(row.root):
        return True
    for img in row.root.iter("img"):
        words = _WORD.findall((img.get("alt") or "").casefold())  # "[공지]", "Notice.": words
        if len(words) <= 2 and any("notice" in w or "공지" in w for w in words):
            return True
    return False


def listing_rows(sel: Selector) -> SelectorList:
    """The rows of a listing: the items of the board's own ``ul.list_post`` when the page has
    one (the empty list of a page past the last has none: the page's other tables and lists
    are chrome), else the first alternative of ``LISTING_ROWS`` that matches.

    >>> page = Selector(text='<ul class="list_post"></ul><table><tbody><tr><td>May</td></tr>'
    ...                 '</tbody></table><div id="contents"><table><tbody><tr><td>x</td></tr>'
    ...                 '</tbody></table></div>')
    >>> len(listing_rows(page))
    0
    >>> len(listing_rows(Selector(text=page.css("div").get())))
    1
    """
    if select(sel, S.LISTING_LIST):
        return select(sel, S.LISTING_ROWS[0])
    return first(sel, S.LISTING_ROWS)


def parse_listing(html: str | Selector, url: str = "", *, strict: bool = True) -> ListingPage:
    """Parse a listing page.

    Raises :class:`PageLayoutError` when the page has no listing at all (an empty listing,
    as served past the last page, is fine and gives no entries), or (``strict``) when its
    listing holds article links but no row in a known form: that is no empty page past the
    last, and reading it as one would end the board's walk there. The conformance check
    reads such a page with ``strict=False`` to name what else it has.

    >>> page = parse_listing('''<div id="contents"><h2 class="tit_h2">News Zone</h2>
    ...   <h3 class="tit_h3">Recent News</h3><div class="board_list">
    ...   <p class="total">Total <strong>1,587</strong> posts</p><ul class="list_post">
    ...   <li class="notice"><p class="title"><a href="#none" onclick="jf_view('B','O_1');">N</a></p></li>
    ...   <li><p class="title"><a href="javascript:jf_view('B','O_9');">Title...</a></p>
    ...   <dl><dt>Date :</dt><dd>2017.03.10</dd><dt>Hit :</dt><dd>12</dd></dl></li></ul></div>
    ...   <div class="paging"><a href="?page=2">2</a><a class="last" href="?page=59">last</a></div>
    ...   </div>''')
    >>> [(e.board_seq, e.pinned, e.date_raw) for e in page.entries], page.total, page.last_page
    ([('O_1', True, None), ('O_9', False, '2017.03.10')], 1587, 59)
    """
    sel = html if isinstance(html, Selector) else page_selector(html, url)
    rows = listing_rows(sel)
    listing = select(sel, S.LISTING_CONTAINER)
    if not listing and not rows:
        raise PageLayoutError(f"not a listing page (no ul.list_post or board_list): {url}")
    page = ListingPage(
        section=text_of(first(sel, S.SECTION)) or None,
        board=text_of(first(sel, S.BOARD)) or None,
    )
    seen: set[str] = set()
    for row in rows:
        found = _row_link(row)
        if not found:
            page.unlinked_rows += 1
            continue
        (board_id, board_seq), title = found
        pinned = _is_pinned(row)
        key = f"{board_seq}:{pinned}"
        if key in seen:
            continue
        seen.add(key)
        page.entries.append(
            ListingEntry(
                board_id=board_id,
                board_seq=board_seq,
                title_raw=title,
                date_raw=labelled_value(row, S.DATE_LABELS),
                hits_raw=labelled_value(row, S.HIT_LABELS),
                pinned=pinned,
            )
        )
    if strict and not rows:  # an empty list, as past the last page; unless it holds links
        # (in the board's own list when the page has one: a "most read" box or a notice
        # beside an empty list past the last page is no row of it)
        linked = sum(1 for part in (select(sel, S.LISTING_LIST) or listing) if _row_link(part))
        if linked:
            raise PageLayoutError(
                f"the listing holds article links but no row in a known form "
                f"({', '.join(S.LISTING_ROWS)}): {url}"
            )
    page.total = number_in(text_of(first(sel, S.LISTING_TOTAL)))
    numbers = set()
    for link in first(sel, S.PAGING_LINKS):
        number = page_number(link.attrib.get("href", ""))
        if number is None:
            label = clean_line(text_of(link))
            number = number_in(label) if label.isascii() and label.isdigit() else None
        if number is not None:
            numbers.add(number)
    page.page_numbers = sorted(numbers)
    return page
