"""Conformance of a page to the board's markup contract, element by element.

Pure functions: a page's bytes (or text) -> a list of :class:`Element`, one per element of the
contract, each ``ok``, ``missing`` or ``unexpected`` with the evidence (a short excerpt, or the
selector or label that was tried). ``check-site`` prints them for the pages it fetched; the
crawl's health check counts the mandatory ones that fail, under the same names, so a
scheduled run that meets a drifted template names the element that drifted.

An element is **mandatory** when the crawl cannot make a record without it (the listing's rows,
links, paging and total drive the walk; an article's title, date, body and a readable encoding
make the record's required fields). The others (notice row, deck, photos, captions, byline,
copyright, file block...) are optional: a page may truly lack them (press releases have no
byline, most posts have no photo), so only their absence on *every* page checked is shown, and
it never fails the check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from parsel import Selector

from ..normalize.attachments import RawFile, is_placeholder, resolve_file_url
from ..normalize.bylines import parse_byline
from ..normalize.copyright import parse_copyright
from ..normalize.dates import parse_date
from ..normalize.text import clean_line
from ..normalize.titles import cut_prefix
from . import selectors as S
from .article import parse_article
from .encoding import acceptable, declared_labels, decode_page
from .errors import PageLayoutError
from .labels import first, labelled_value, number_in, text_of
from .listing import ListingPage, listing_rows, parse_listing
from .tree import page_selector

OK, MISSING, UNEXPECTED = "ok", "missing", "unexpected"
EXCERPT_CHARS = 80

# Every element, in report order, with whether the contract needs it (see the docstring).
ELEMENTS: dict[str, bool] = {
    "site.robots": True,
    "listing.rows": True,
    "listing.links": True,
    "listing.paging": True,
    "listing.total": True,
    "listing.notice": False,
    "article.title": True,
    "article.cut_marker": False,
    "article.date_label": True,
    "article.hit_label": False,
    "article.body": True,
    "article.deck": False,
    "article.photos": False,
    "article.captions": False,
    "article.byline": False,
    "article.copyright": False,
    "article.file_block": False,
    "article.file_placeholder": False,
    "article.download_links": False,
    "article.encoding": True,
}
MANDATORY = frozenset(name for name, needed in ELEMENTS.items() if needed)
# The record fields of the crawl's extraction health check, and the element each comes from.
FIELD_ELEMENTS = {
    "title": "article.title",
    "published": "article.date_label",
    "body": "article.body",
    "authors": "article.byline",
    "copyright": "article.copyright",
}
# Stats prefix of the crawl's count of pages whose mandatory element was not ok.
DRIFT_STATS = "newszone/conformance/"


# The listing elements without which a crawl finds no article: their drift fails the run. A
# listing without its Total count or paging block is still walked (page by page, to the first
# empty page): that drift is logged as a warning, named the same way.
WALK_ELEMENTS = ("listing.rows", "listing.links")


def drift_counts(stats: dict[str, Any], kind: str, names: tuple[str, ...] | None = None,
                 exclude: tuple[str, ...] = ()) -> str:
    """The crawl's drift counts of one page kind (``listing``, ``article``), as words; only
    ``names`` when given, never ``exclude``.

    >>> stats = {"newszone/conformance/listing.total": 3, "newszone/conformance/article.body": 1}
    >>> drift_counts(stats, "listing")
    'template drift: listing.total on 3 page(s)'
    >>> drift_counts(stats, "listing", WALK_ELEMENTS), drift_counts({}, "article")
    ('', '')
    """
    prefix = f"{DRIFT_STATS}{kind}."
    found = sorted((key[len(DRIFT_STATS):], count) for key, count in stats.items()
                   if key.startswith(prefix) and count)
    found = [(name, count) for name, count in found
             if (names is None or name in names) and name not in exclude]
    if not found:
        return ""
    return "template drift: " + ", ".join(f"{name} on {count} page(s)" for name, count in found)


@dataclass(frozen=True)
class Element:
    """One element of the contract as one page shows it."""

    name: str
    status: str  # ok | missing | unexpected
    evidence: str
    url: str = ""

    @property
    def mandatory(self) -> bool:
        return self.name in MANDATORY


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    """A short, one-line quote of ``text``.

    >>> excerpt("a  b\\n c"), excerpt("x" * 100, 10)
    ("'a b c'", "'xxxxxxxxx…'")
    """
    line = clean_line(" ".join((text or "").split()))
    return repr(line if len(line) <= limit else line[: limit - 1] + "…")


def _tried(alternatives: list[str]) -> str:
    return "tried " + " | ".join(alternatives)


def check_robots(status: int | None, body: bytes, listing_path: str = "/user/boardList.action",
                 url: str = "") -> list[Element]:
    """robots.txt: ``ok`` when it lets the crawler read the boards (or there is none).

    >>> check_robots(200, b"User-agent: *\\nDisallow: /admin/\\n")[0].status
    'ok'
    >>> check_robots(200, b"User-agent: *\\nDisallow: /user/\\n")[0].status
    'unexpected'
    >>> check_robots(404, b"")[0].evidence
    'no robots.txt (HTTP 404): everything is allowed'
    """
    from urllib.robotparser import RobotFileParser

    if status is None or status >= 400:
        return [Element("site.robots", OK, f"no robots.txt (HTTP {status}): everything is allowed",
                        url)]
    parser = RobotFileParser()
    parser.parse(body.decode("utf-8", "replace").splitlines())
    agent = "newszone-crawler"
    if parser.can_fetch(agent, listing_path):
        return [Element("site.robots", OK, f"robots.txt allows {listing_path}", url)]
    return [Element("site.robots", UNEXPECTED, f"robots.txt disallows {listing_path}", url)]


def check_encoding(body: bytes, content_type: str | None, url: str = "") -> Element:
    """Declared charset vs the one the page is read with: ``unexpected`` when a declaration is
    refused, or when the bytes do not decode cleanly in the encoding used.

    >>> check_encoding("<p>한</p>".encode(), "text/html; charset=utf-8").status
    'ok'
    >>> check_encoding("<p>한</p>".encode("euc-kr"), "text/html; charset=utf-8").evidence
    "declared ['utf-8'], read as utf-8: 2 undecodable character(s)"
    >>> check_encoding(b"<p>a</p>", "text/html; charset=utf-7").status
    'unexpected'
    """
    declared = declared_labels(body, content_type)
    page = decode_page(body, content_type)
    bad = page.text.count("\ufffd")
    summary = f"declared {declared or 'nothing'}, read as {page.encoding}"
    if page.refused:
        return Element("article.encoding", UNEXPECTED,
                       f"{summary}: refused {list(page.refused)}", url)
    if bad:
        return Element("article.encoding", UNEXPECTED,
                       f"{summary}: {bad} undecodable character(s)", url)
    disagree = {acceptable(label) for label in declared} - {None}
    if len(disagree) > 1:
        return Element("article.encoding", UNEXPECTED,
                       f"{summary}: the header and <meta> disagree", url)
    if not declared:
        return Element("article.encoding", MISSING, f"{summary} (no charset declared)", url)
    return Element("article.encoding", OK, summary, url)


def _page(html: str | bytes | Selector, url: str, content_type: str | None) -> Selector:
    """The page's tree (``PageLayoutError`` when it cannot be built: too deep, not HTML)."""
    if isinstance(html, Selector):
        return html
    if isinstance(html, bytes):
        html = decode_page(html, content_type).text
    return page_selector(html, url)


def check_listing(html: str | bytes | Selector, url: str = "",
                  content_type: str | None = None,
                  listing: ListingPage | None = None) -> list[Element]:
    """The listing page's elements: rows, ``jf_view`` links, paging, ``Total``, notice row.

    ``listing``: the page already parsed from the tree ``html`` (the crawl's one parse), not
    parsed again here.

    >>> page = '''<div class="board_list"><p class="total">Total <strong>12</strong> posts</p>
    ... <ul class="list_post"><li><p class="title"><a href="javascript:jf_view('B','O_9');">T</a>
    ... </p></li></ul></div><div class="paging"><a href="?page=2">2</a></div>'''
    >>> [(e.name, e.status) for e in check_listing(page)]  # doctest: +NORMALIZE_WHITESPACE
    [('listing.rows', 'ok'), ('listing.links', 'ok'), ('listing.paging', 'ok'),
     ('listing.total', 'ok'), ('listing.notice', 'missing')]
    """
    try:
        sel = _page(html, url, content_type)
    except PageLayoutError as exc:
        return [Element("listing.rows", MISSING, f"the page cannot be read as HTML: {exc}", url)]
    rows = listing_rows(sel)
    try:
        if listing is None:
            listing = parse_listing(sel, url, strict=False)
    except PageLayoutError as exc:
        return [
            Element("listing.rows", MISSING, f"{_tried(S.LISTING_ROWS)}: {exc}", url),
            Element("listing.links", MISSING, "no listing to read links from", url),
            Element("listing.paging", MISSING, _tried(S.PAGING_LINKS), url),
            Element("listing.total", MISSING, _tried(S.LISTING_TOTAL), url),
            Element("listing.notice", MISSING, "no listing", url),
        ]
    out = []
    if rows:
        out.append(Element("listing.rows", OK, f"{len(rows)} rows ({_which(sel, S.LISTING_ROWS)})",
                           url))
    else:
        try:
            parse_listing(sel, url)
            why = _tried(S.LISTING_ROWS)
        except PageLayoutError as exc:  # article links in no known row form
            why = str(exc)
        out.append(Element("listing.rows", MISSING, why, url))
    articles = listing.articles
    if listing.unlinked_rows:
        unlinked = next((r for r in rows if not r.xpath(".//@onclick | .//a[contains(@href,"
                                                          "'jf_view')]")), None)
        out.append(Element("listing.links", UNEXPECTED,
                           f"{listing.unlinked_rows} of {len(rows)} rows without a jf_view(boardId,"
                           f" boardSeq) link, e.g. {excerpt(text_of(unlinked) if unlinked else '')}",
                           url))
    elif articles:
        e = articles[0]
        out.append(Element("listing.links", OK,
                           f"{len(listing.entries)} jf_view links, e.g. jf_view('{e.board_id}',"
                           f"'{e.board_seq}')", url))
    else:
        out.append(Element("listing.links", MISSING,
                           "no row with a jf_view(boardId, boardSeq) link (onclick or href)", url))
    links = first(sel, S.PAGING_LINKS)
    if not links:
        out.append(Element("listing.paging", MISSING, _tried(S.PAGING_LINKS), url))
    elif listing.last_page is None:
        out.append(Element("listing.paging", UNEXPECTED,
                           f"{len(links)} paging links but no page number in them, e.g. "
                           f"{excerpt(links[0].attrib.get('href', ''))}", url))
    else:
        out.append(Element("listing.paging", OK,
                           f"{len(links)} paging links, last page {listing.last_page}", url))
    total = first(sel, S.LISTING_TOTAL)
    if not total:
        out.append(Element("listing.total", MISSING, _tried(S.LISTING_TOTAL), url))
    elif listing.total is None:
        out.append(Element("listing.total", UNEXPECTED,
                           f"no number in {excerpt(text_of(total))}", url))
    else:
        out.append(Element("listing.total", OK, f"Total {listing.total} posts", url))
    pinned = [e for e in listing.entries if e.pinned]
    if pinned:
        out.append(Element("listing.notice", OK, f"notice row {excerpt(pinned[0].title_raw)}", url))
    else:
        out.append(Element("listing.notice", MISSING,
                           f"no row of class {'/'.join(S.LISTING_PINNED_CLASSES)}", url))
    return out


def _which(sel: Selector, alternatives: list[str]) -> str:
    return next((css for css in alternatives if sel.css(css)), "")


def check_article(html: str | bytes, url: str = "", content_type: str | None = None) -> list[Element]:
    """The article page's elements (see :data:`ELEMENTS`); ``html`` as bytes also checks the
    encoding (declared vs used).

    >>> page = '''<div class="board_view"><div class="wrap_title"><p class="title">A title</p>
    ... <dl><dt>Date :</dt><dd>2017.02.03</dd><dt>Hit :</dt><dd>9</dd></dl></div>
    ... <div class="post_content"><p>Body text of the post.</p></div></div>'''
    >>> {e.name: e.status for e in check_article(page)}["article.date_label"]
    'ok'
    """
    out: list[Element] = []
    if isinstance(html, bytes):
        out.append(check_encoding(html, content_type, url))
    try:
        sel = _page(html, url, content_type)
    except PageLayoutError as exc:
        out.append(Element("article.body", MISSING, f"the page cannot be read as HTML: {exc}", url))
        return out
    try:
        fields = parse_article(sel, url)
    except PageLayoutError as exc:
        # the page cannot make a record: say which of its parts are there, which are not
        root = first(sel, S.ARTICLE_ROOT)
        title = text_of(first(root, S.HEADER_TITLE)) if root else ""
        content = first(root, S.POST_CONTENT) if root else None
        out.append(Element("article.title", OK if title else MISSING,
                           excerpt(title) if title else _tried(S.HEADER_TITLE), url))
        out.extend(_labels(labelled_value(root or sel, S.DATE_LABELS),
                           labelled_value(root or sel, S.HIT_LABELS), url))
        out.append(Element("article.body", OK if content else MISSING,
                           f"{exc}" if not content else "post content found", url))
        return out
    title = fields.title_raw
    out.append(Element("article.title", OK, excerpt(title), url))
    if cut_prefix(title) is None:
        out.append(Element("article.cut_marker", OK, "the header title is whole (no ... cut)", url))
    elif fields.headline:
        out.append(Element("article.cut_marker", OK,
                           f"cut title; full headline in the post: {excerpt(fields.headline)}",
                           url))
    else:
        out.append(Element("article.cut_marker", MISSING,
                           "cut title, and no first paragraph extends it (title stays cut)", url))
    out.extend(_labels(fields.date_raw, fields.hits_raw, url))
    if fields.body or fields.images:
        out.append(Element("article.body", OK,
                           f"{len(fields.body)} paragraphs, {len(fields.images)} photos: "
                           f"{excerpt(fields.body[0] if fields.body else '')}", url))
    else:
        out.append(Element("article.body", MISSING,
                           f"{_tried(S.POST_CONTENT)}: no body text nor photo", url))
    out.append(_optional("article.deck", bool(fields.deck),
                         f"{len(fields.deck)} deck lines: {excerpt(' / '.join(fields.deck))}",
                         "no short line between headline and body", url))
    out.append(_optional("article.photos", bool(fields.images),
                         f"{len(fields.images)} photos, e.g. {excerpt(fields.images[0]['url'] if fields.images else '')}",
                         "no <img> in the post", url))
    captions = [i["caption"] for i in fields.images if i.get("caption")]
    out.append(_optional("article.captions", bool(captions),
                         f"{len(captions)} captions: {excerpt(captions[0] if captions else '')}",
                         "no short paragraph after a photo", url))
    out.append(_byline(fields.byline_lines, url))
    out.append(_copyright(fields.copyright_line, url))
    out.extend(_files(sel, fields.files, url))
    return out


def _labels(date_raw: str | None, hits_raw: str | None, url: str) -> list[Element]:
    """The ``Date :`` and ``Hit :`` labels, and whether their values read as a date, a number."""
    out = []
    for name, labels, value, readable in (
        ("article.date_label", S.DATE_LABELS, date_raw, lambda v: parse_date(v) is not None),
        ("article.hit_label", S.HIT_LABELS, hits_raw, lambda v: number_in(v) is not None),
    ):
        label = f"{labels[0]} :"
        if value is None:
            out.append(Element(name, MISSING, f"no <dt>/<th>/<span> labelled {labels}", url))
        elif not readable(value):
            out.append(Element(name, UNEXPECTED, f"{label} {excerpt(value)} is not readable", url))
        else:
            out.append(Element(name, OK, f"{label} {excerpt(value)}", url))
    return out


def _optional(name: str, found: bool, evidence: str, absent: str, url: str) -> Element:
    return Element(name, OK if found else MISSING, evidence if found else absent, url)


def _byline(lines: list[str], url: str) -> Element:
    if not lines:
        return Element("article.byline", MISSING, "no 'By ...' line at the end of the post", url)
    raw = "\n".join(lines)
    authors = parse_byline(raw)
    if not authors:
        return Element("article.byline", UNEXPECTED, f"byline not parsed: {excerpt(raw)}", url)
    names = ", ".join(a["name"] for a in authors)
    return Element("article.byline", OK, f"{excerpt(raw)} -> {names}", url)


def _copyright(line: str | None, url: str) -> Element:
    if line is None:
        return Element("article.copyright", MISSING, "no copyright line at the end of the post",
                       url)
    parsed = parse_copyright(line)
    if parsed is None:
        return Element("article.copyright", UNEXPECTED, f"not recognised: {excerpt(line)}", url)
    return Element("article.copyright", OK, f"{excerpt(line)} -> {parsed['holder']}", url)


def _files(sel: Selector, files: list[dict[str, Any]], url: str) -> list[Element]:
    if not files:
        return [
            Element("article.file_block", MISSING, f"no File label, {_tried(S.FILE_BLOCK)}", url),
            Element("article.file_placeholder", MISSING, "no file block", url),
            Element("article.download_links", MISSING, "no file block", url),
        ]
    raw = [RawFile(name=f["name"], href=f["href"], onclick=f["onclick"],
                   size_raw=f["size_raw"]) for f in files]
    placeholders = [r for r in raw if is_placeholder(r)]
    real = [r for r in raw if not is_placeholder(r)]
    resolved = [resolve_file_url(r["href"], r["onclick"], url) for r in real]
    out = [Element("article.file_block", OK, f"{len(files)} entries", url)]
    out.append(_optional("article.file_placeholder", bool(placeholders),
                         f"placeholder {excerpt(placeholders[0]['name'] if placeholders else '')}",
                         "no entry that leads to no file", url))
    dead = [r for r, u in zip(real, resolved) if u is None]
    if dead:
        out.append(Element("article.download_links", UNEXPECTED,
                           f"{len(dead)} entries lead nowhere: {excerpt(dead[0]['name'])} "
                           f"href={excerpt(dead[0]['href'] or dead[0]['onclick'] or '')}", url))
    else:
        out.append(_optional("article.download_links", bool(real),
                             f"{len(real)} download links, e.g. {excerpt(resolved[0] if resolved else '')}",
                             "only placeholder entries", url))
    return out


@dataclass
class Summary:
    """One report line: an element over every page checked."""

    name: str
    mandatory: bool
    status: str
    evidence: str
    pages: int = 0
    ok_pages: int = 0
    url: str = ""

    def line(self) -> str:
        need = "mandatory" if self.mandatory else "optional"
        seen = f"ok on {self.ok_pages}/{self.pages} pages" if self.pages else "not checked"
        where = f" [{self.url}]" if self.url and self.status != OK else ""
        return f"{self.status:<10} {self.name:<26} ({need}, {seen}) {self.evidence}{where}"


def summarize(elements: Iterable[Element]) -> list[Summary]:
    """One line per element over all pages: a mandatory element must be ``ok`` on every page
    (else its first failure is shown); an optional one is ``ok`` when some page shows it and
    ``unexpected`` when some page shows it wrong.

    >>> lines = summarize([Element("listing.total", OK, "Total 5", "u1"),
    ...                    Element("listing.total", MISSING, "tried .total", "u2"),
    ...                    Element("article.deck", MISSING, "none", "u3"),
    ...                    Element("article.deck", OK, "2 lines", "u4")])
    >>> [(s.name, s.status, s.url) for s in lines if s.pages]
    [('listing.total', 'missing', 'u2'), ('article.deck', 'ok', 'u4')]
    """
    by_name: dict[str, list[Element]] = {name: [] for name in ELEMENTS}
    for element in elements:
        by_name.setdefault(element.name, []).append(element)
    out = []
    for name, seen in by_name.items():
        mandatory = name in MANDATORY
        ok = [e for e in seen if e.status == OK]
        if not seen:
            out.append(Summary(name, mandatory, MISSING, "no page of this kind was checked"))
            continue
        unexpected = [e for e in seen if e.status == UNEXPECTED]
        missing = [e for e in seen if e.status == MISSING]
        if unexpected:
            pick = unexpected[0]
        elif mandatory and missing:
            pick = missing[0]
        elif ok:
            pick = ok[0]
        else:
            pick = missing[0]
        out.append(Summary(name, mandatory, pick.status, pick.evidence, len(seen), len(ok),
                           pick.url))
    return out


def failed(summaries: Iterable[Summary]) -> list[Summary]:
    """The mandatory elements that are not ``ok``."""
    return [s for s in summaries if s.mandatory and s.status != OK]


def as_json(summaries: Iterable[Summary], elements: Iterable[Element]) -> dict[str, Any]:
    """The report as data (for ``--json`` and the bundle)."""
    return {
        "elements": [asdict(s) for s in summaries],
        "pages": [asdict(e) for e in elements],
    }
