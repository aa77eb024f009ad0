"""An article page -> raw fields: header title, headline, deck, body, images, byline, files.

The post (``div.post_content``) is flattened into blocks (see ``blocks.py``) and read the way
an editor lays it out (markup.md, "Article page"):

1. from the end: the copyright line and the byline line(s) (``By ...``, ``Translated by ...``);
2. from the start: the full headline (a first paragraph that extends the header title), its
   repetition, a Korean-language title line, then the deck: short lines before the first photo
   or the first sentence-like paragraph;
3. the rest in order: photos with the short caption paragraph that follows each, and body
   paragraphs.

Recognising a byline or a copyright notice is the normalizers' knowledge
(``normalize.bylines.byline_authors``, ``normalize.copyright.parse_copyright``); this module
only decides where on the page to look, and keeps what they recognised (``byline_authors``,
``copyright``) so that the record is not parsed from the same lines again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from parsel import Selector, SelectorList
from w3lib.url import safe_url_string
from urllib.parse import urljoin, urlsplit

from ..hosts import same_site
from ..normalize.bylines import Author, byline_authors, split_caption_credit
from ..normalize.copyright import Copyright, parse_copyright
from ..normalize.text import clean_line, fold, hangul_share
from ..normalize.titles import extends
from . import selectors as S
from .blocks import Block, blocks_of
from .errors import PageLayoutError
from .labels import first, labelled_value, number_in, text_of
from .tree import page_selector

# A deck line is a short headline-like line; body paragraphs are longer sentences.
DECK_MAX_CHARS = 200
# A caption is the short paragraph right after a photo.
CAPTION_MAX_CHARS = 150
# A longer caption (before the body starts) may run to this length.
LONG_CAPTION_MAX_CHARS = 400
# A longer src or href is not a link a reader could follow (browsers stop near 2 MB; the
# board's own links are under 300 characters): it is dropped, not fetched.
MAX_URL_CHARS = 8192
_DECK_MARKED = re.compile(r"^\s*[-\u2013\u2014]|[;\-\u2013\u2014]\s*$")
# A sentence ends with ".", "!" or "?", maybe followed by closing quotes or a bracket.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s*$")
# A signed byline: an e-mail, or the board's empty "< >".
_SIGNED = re.compile(r"@|<\s*>")
# What the first line of a notice broken by <br> carries (not a byline before "All rights...").
_COPYRIGHT_MARK = re.compile(r"copyright|[©ⓒ]|\(c\)", re.IGNORECASE)
# A press release's list item: never a deck line nor a caption, always body.
_LIST_ITEM = re.compile(r"^\s*[\u25b3\u25b2\u25cb\u25cf\u25a1\u25a0\u2022\u00b7]")


@dataclass
class ArticleFields:
    """The raw fields of an article page, before normalization."""

    section: str | None = None
    board: str | None = None
    title_raw: str = ""
    date_raw: str | None = None
    hits_raw: str | None = None
    headline: str | None = None
    title_ko: str | None = None
    deck: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    byline_lines: list[str] = field(default_factory=list)
    copyright_line: str | None = None
    # What the recognisers made of those lines: each byline line's authors, the notice's parts
    byline_authors: list[list[Author]] = field(default_factory=list)
    copyright: Copyright | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    # Photo sources dropped because they are not URLs (bad IPv6 brackets, bad port, huge),
    # each cut to 200 characters: for the spider to count and log.
    malformed_urls: list[str] = field(default_factory=list)

    @property
    def views(self) -> int | None:
        """The Hit counter as a number."""
        return number_in(self.hits_raw)


def _absolute(src: str, page_url: str) -> str | None:
    """An http(s) URL on the page's own site, or None (other schemes, other hosts, and
    malformed URLs: bad IPv6 brackets, a bad port, control characters, a huge ``src``).

    >>> _absolute("/a.jpg", "http://h/x"), _absolute("http://[broken/a.jpg", "http://h/x")
    ('http://h/a.jpg', None)
    """
    if len(src) > MAX_URL_CHARS:
        return None
    try:
        url = safe_url_string(urljoin(page_url, src.strip()))
    except ValueError:  # "Invalid IPv6 URL", and UnicodeError is a ValueError too
        return None
    if not url.startswith(("http://", "https://")):
        return None
    return url if same_site(url, page_url) else None


def _is_url(src: str, page_url: str) -> bool:
    """Whether ``src`` parses as a URL at all (wherever it leads)."""
    if len(src) > MAX_URL_CHARS:
        return False
    try:
        urlsplit(urljoin(page_url, src.strip())).port  # noqa: B018 - .port validates the port
    except ValueError:
        return False
    return True


def _take_trailing_furniture(blocks: list[Block], fields: ArticleFields) -> list[Block]:
    """Remove the copyright and byline lines from the end of the post."""
    blocks = list(blocks)
    while blocks:
        last = blocks[-1]
        if last.kind != "text":
            break
        lines, raw = list(last.lines), list(last.raw_lines)
        while lines:
            line = lines[-1]
            notice = parse_copyright(line) if fields.copyright_line is None else None
            authors = None if notice is not None else byline_authors(line)
            if (notice is None and not authors and len(lines) > 1
                    and fields.copyright_line is None and _COPYRIGHT_MARK.search(lines[-2])):
                # a notice broken by <br>: "<Copyright ⓒ The Korea Defense Daily," / "All ...>"
                both = f"{lines[-2]} {line}"
                notice = parse_copyright(both)
                if notice is not None:
                    line = both
                    lines.pop()
                    raw.pop()
            if notice is not None:
                fields.copyright_line, fields.copyright = line, notice
            elif authors:
                fields.byline_lines.insert(0, line)
                fields.byline_authors.insert(0, authors)
            else:
                break
            lines.pop()
            raw.pop()
        if lines:
            blocks[-1] = replace(last, lines=lines, raw_lines=raw)
            break
        blocks.pop()
    if not fields.byline_lines:
        blocks = _take_byline_before_a_note(blocks, fields)
    return blocks


NOTE_MAX_CHARS = 400
"""Longest paragraph after a byline still read as a note that follows it ("Editor's note: ...",
a correction): the byline is "a line near the end of the post", not always the last."""


def _take_byline_before_a_note(blocks: list[Block], fields: ArticleFields) -> list[Block]:
    """The byline (and a copyright notice beside it) before one or two short paragraphs at the
    end of the post: its paragraphs, every line a byline or notice line, with an e-mail (or the
    board's empty ``< >``) or the notice among them, are taken out of the body; the paragraphs
    after them stay in it."""
    for notes in (1, 2):
        if len(blocks) <= notes or any(
            b.kind != "text" or len(" ".join(b.lines)) > NOTE_MAX_CHARS for b in blocks[-notes:]
        ):
            return blocks
        at = len(blocks) - notes  # the furniture paragraphs end before the notes
        bylines: list[tuple[str, list[Author]]] = []
        notice: tuple[str, Copyright] | None = None
        while at > 1 and blocks[at - 1].kind == "text":
            found = _furniture(blocks[at - 1].lines, fields.copyright_line is None and not notice)
            if found is None:
                break
            bylines[:0], notice = found[0], found[1] or notice
            at -= 1
        # only a signed byline (an e-mail, the board's empty "< >") or one beside the notice:
        # a photo credit or a quoted speaker ("By Gen. ...") before a paragraph is body text
        if bylines and (notice or any(_SIGNED.search(line) for line, _ in bylines)):
            fields.byline_lines = [line for line, _ in bylines]
            fields.byline_authors = [authors for _, authors in bylines]
            if notice is not None:
                fields.copyright_line, fields.copyright = notice
            return [*blocks[:at], *blocks[len(blocks) - notes:]]
    return blocks


def _furniture(
    lines: list[str], notice_wanted: bool
) -> tuple[list[tuple[str, list[Author]]], tuple[str, Copyright] | None] | None:
    """``(byline lines with their authors, the notice line)`` when every line of a paragraph
    is a byline line or (``notice_wanted``, once) the copyright notice; else None."""
    bylines: list[tuple[str, list[Author]]] = []
    notice: tuple[str, Copyright] | None = None
    for line in lines:
        found = parse_copyright(line) if notice_wanted and notice is None else None
        authors = None if found is not None else byline_authors(line)
        if found is not None:
            notice = (line, found)
        elif authors:
            bylines.append((line, authors))
        else:
            return None
    return bylines, notice


def _is_deck_line(line: str) -> bool:
    if len(line) > DECK_MAX_CHARS or _LIST_ITEM.match(line):
        return False
    return bool(_DECK_MARKED.search(line)) or not _SENTENCE_END.search(line)


def _take_head(blocks: list[Block], fields: ArticleFields) -> list[Block]:
    """Remove the headline, its repetition, a Korean title line and the deck from the start."""
    i = 0
    text_blocks = [b for b in blocks if b.kind == "text"]
    if not text_blocks or blocks[0].kind != "text":
        return blocks
    head = blocks[0]
    joined = " ".join(head.lines)
    # the headline's paragraph may go on, after a <br>, with marked deck lines ("- ... -", "...;")
    deck_follows = len(head.lines) > 1 and all(
        _DECK_MARKED.search(line) and _is_deck_line(line) for line in head.lines[1:])
    head_deck: Block | None = None  # those deck lines, first of the deck
    if deck_follows and extends(head.lines[0], fields.title_raw):
        fields.headline = head.lines[0]
        head_deck = replace(head, lines=head.lines[1:], raw_lines=head.raw_lines[1:])
        i = 1
    elif extends(joined, fields.title_raw):
        fields.headline = joined
        i = 1
    elif len(head.lines) > 1 and extends(head.lines[0], fields.title_raw):
        fields.headline = head.lines[0]
        blocks = [replace(head, lines=head.lines[1:], raw_lines=head.raw_lines[1:]), *blocks[1:]]
        i = 0
    title_is_korean = hangul_share(fields.title_raw) > 0.5
    if fields.headline is not None:
        key = fold(fields.headline)
        while i < len(blocks) and blocks[i].kind == "text":
            text = " ".join(blocks[i].lines)
            if fold(text) == key:
                i += 1
            elif (
                fields.title_ko is None
                and not title_is_korean
                and hangul_share(text) > 0.5
                and len(text) <= DECK_MAX_CHARS
            ):
                fields.title_ko = text
                i += 1
            else:
                break
    if head_deck is not None:  # after a repeated headline and a Korean title line, if any
        blocks = [*blocks[:i], head_deck, *blocks[i:]]
    # The deck: every paragraph before the first photo and the first sentence whose lines are
    # all short deck lines, with or without a headline before it (README, "subtitles").
    deck_end = i
    while deck_end < len(blocks) and blocks[deck_end].kind == "text":
        if not all(_is_deck_line(line) for line in blocks[deck_end].lines):
            break
        deck_end += 1
    rest = blocks[deck_end:]
    if deck_end > i and any(b.kind == "text" for b in rest):
        for block in blocks[i:deck_end]:
            fields.deck.extend(block.lines)
        return rest
    return blocks[i:]


def _is_caption(block: Block) -> bool:
    """Whether the text block right after a photo is its caption rather than body text.

    A caption is centred like its photo, or ends with its own credit (``Reported by ...``),
    or is a short line that is not a sentence.
    """
    text = " ".join(block.lines)
    if _LIST_ITEM.match(text):
        return False
    if block.centered:
        return True
    if len(text) > LONG_CAPTION_MAX_CHARS:
        return False  # too long either way; and split_caption_credit is quadratic in length
    if split_caption_credit(text)[1] is not None:
        return len(text) <= LONG_CAPTION_MAX_CHARS
    return len(text) <= CAPTION_MAX_CHARS and not _SENTENCE_END.search(text)


def _is_long_caption(block: Block) -> bool:
    """Whether a paragraph after a photo's caption is the caption's long part: it ends with
    its own credit (``Reported by ...``), as a long caption before the body can."""
    text = " ".join(block.lines)
    return (
        not _LIST_ITEM.match(text)
        and len(text) <= LONG_CAPTION_MAX_CHARS
        and split_caption_credit(text)[1] is not None
    )


_FILE_BLOCK_CLASSES = frozenset(css.rpartition(".")[2] for css in S.FILE_BLOCK)


def _in_file_block(node: Any) -> bool:
    """Whether ``node`` sits in an element of a File block's class (``file_list``, ``file``)."""
    return any(_FILE_BLOCK_CLASSES & set((a.get("class") or "").split())
               for a in node.iterancestors())


def _files(sel: Selector, page_url: str) -> list[dict[str, Any]]:
    targets: list[Any] = []  # the "File" block; more blocks labelled like it (<dt>, <th>)
    wanted = {name.casefold() for name in S.FILE_LABELS}
    for label in sel.root.iter("dt", "th", "strong", "span"):  # lxml directly: a hot path
        if targets and label.tag not in ("dt", "th"):
            continue  # past the first block, only another File block's label (no icon)
        if clean_line(" ".join(label.itertext())).rstrip(":： ").casefold() in wanted:
            if targets and not _in_file_block(label):
                continue  # nor a viewer box's "Files"
            target = label.getnext()
            if target is None:
                target = label.getparent()
            if not any(target is t or target in t.iterancestors() or t in target.iterancestors()
                       for t in targets):  # a block inside another is read once
                targets.append(target)
    block = SelectorList([Selector(root=t) for t in targets]) or first(sel, S.FILE_BLOCK)
    if not block:
        return []
    items = block.css("li") or block.css("a")
    entries = []
    for item in items:
        links = [item] if item.root.tag == "a" else item.css("a")
        link = links[0] if links else None
        size = item.css(".size")
        name_nodes = (
            link.xpath(".//text()[not(ancestor::*[contains(@class,'size')])]") if link else
            item.xpath(".//text()[not(ancestor::*[contains(@class,'size')])]")
        )
        entries.append(
            {
                "name": clean_line(" ".join(name_nodes.getall())),
                "href": link.attrib.get("href") if link else None,
                "onclick": link.attrib.get("onclick") if link else None,
                "size_raw": text_of(size) or None,
            }
        )
    return entries


def _only_one(found: SelectorList, what: str, url: str) -> None:
    """Refuse a page with two or more separate ``found`` containers (one inside another
    counts once) whose texts differ: which one holds the article cannot be told, and taking
    the first would store a partial record as if it were whole. Copies of one text (a hidden
    print or mobile copy) are read from the first."""
    if len(found) < 2:
        return
    nodes = [s.root for s in found]
    separate = [n for n in nodes if not any(a in nodes for a in n.iterancestors())]
    texts = {clean_line(" ".join(n.itertext())) for n in separate}
    if len(texts) > 1:  # copies (a print or mobile copy of the same post) are one container
        raise PageLayoutError(f"article page with {len(separate)} {what} that differ: {url}")


def parse_article(html: str | Selector, url: str) -> ArticleFields:
    """Parse an article page into raw fields.

    Raises :class:`PageLayoutError` when the page has no header title or no post content:
    an error page, a maintenance page, or a template that changed.
    """
    sel = html if isinstance(html, Selector) else page_selector(html, url)
    root = first(sel, S.ARTICLE_ROOT)
    if not root:
        raise PageLayoutError(f"not an article page (no div.board_view): {url}")
    _only_one(root, "article containers (div.board_view)", url)
    root = root[0]
    content = first(root, S.POST_CONTENT)
    if not content:
        raise PageLayoutError(f"article page without div.post_content: {url}")
    _only_one(content, "post containers (div.post_content)", url)
    header = first(root, S.HEADER_TITLE)
    title_raw = text_of(header)
    if not title_raw:
        raise PageLayoutError(f"article page without a title: {url}")
    info = header[0].xpath("..") if header else root
    fields = ArticleFields(
        section=text_of(first(sel, S.SECTION)) or None,
        board=text_of(first(sel, S.BOARD)) or None,
        title_raw=title_raw,
        date_raw=labelled_value(info, S.DATE_LABELS) or labelled_value(root, S.DATE_LABELS),
        hits_raw=labelled_value(info, S.HIT_LABELS) or labelled_value(root, S.HIT_LABELS),
    )
    blocks = blocks_of(content[0].root)
    blocks = _take_trailing_furniture(blocks, fields)
    blocks = _take_head(blocks, fields)
    after_image = after_caption = False
    dropped_image = False  # a photo from elsewhere is not the article's: nor is its caption
    for block in blocks:
        if block.kind == "image":
            src = _absolute(block.src or "", url)
            if src is None and not _is_url(block.src or "", url):
                fields.malformed_urls.append((block.src or "")[:200])
            if src:
                fields.images.append({"url": src, "caption": None})
            after_image, after_caption, dropped_image = True, False, src is None
            continue
        text = "\n".join(block.lines)
        if after_caption and block.parted and _is_caption(replace(block, centered=False)):
            # the rest of the caption's own paragraph, after a <br><br> (not a body paragraph)
            if not dropped_image and fields.images and fields.images[-1]["caption"]:
                fields.images[-1]["caption"] += " " + " ".join(block.lines)
            after_caption = False
            continue
        if after_image and _is_caption(block):
            if not dropped_image and fields.images:
                fields.images[-1]["caption"] = " ".join(block.lines)
            after_image, after_caption = False, True
            continue
        if after_caption and _is_long_caption(block):
            # a short caption, then the long one with its own credit: one caption of both
            if not dropped_image and fields.images:
                fields.images[-1]["caption"] += " " + " ".join(block.lines)
            after_caption = False
            continue
        fields.body.append(text)
        after_image = after_caption = dropped_image = False
    fields.files = _files(root, url)
    return fields
