"""A grammar of the board's article pages, written from the contract (markup.md, record.md).

:func:`draw_post` composes one post from every block kind the contract names, in every
order it permits, and builds alongside it the *truth*: the record (record.md's fields) a
perfect crawler extracts.  :meth:`Post.page` renders it to the board's article HTML with the
page chrome of :mod:`.render`, in UTF-8 or EUC-KR (declared by a ``<meta>``).

Every choice goes through a small :class:`Chooser`: :class:`RandomChooser` over
``random.Random(seed)`` (the demo site: no hypothesis at run time), or, in the tests, one
over hypothesis ``st.data()`` so that failing posts shrink.  Text comes from fixed pools
(:mod:`.words` and the tables below), one draw per sentence or name, so a post is a few
hundred draws at most.  This module imports nothing from the crawler (``parsing/``,
``normalize/``): it is an oracle, not a copy of the parser.

What a post is made of, in order (every part optional unless said)::

    headline (bold or plain; full title; once or twice) [Korean title line]
    deck groups (one <p> each; lines <br>-separated; markers "- x", "-x", "- x -", "x;" or none)
    body: paragraphs and photos interleaved (a photo may open the post when there is no
          headline and no deck), each photo with its caption paragraph(s) or none
    byline line(s): "By ...", Korean "... 기자 <...>", "Translated by ...", "Photo by ..."
    copyright line
    spacer paragraphs (&nbsp; entities or raw U+00A0) anywhere between blocks
    File block: direct links, jf_fileDown links (href or onclick), placeholders, sizes

Rules where the contract is ambiguous (the grammar only draws posts these rules decide, and
the README's normalization section states the same rules):

1. **Deck or body.**  The deck is the run of paragraphs before the first photo and before the
   first sentence: a paragraph is a deck group when every line is short (at most
   ``DECK_LINE_MAX`` characters) and either carries a marker or does not end like a sentence
   (``.``, ``!``, ``?``, optionally followed by a closing quote).  So a one-line unmarked
   paragraph before the first long paragraph is a deck line, with or without a headline
   before it; body paragraphs always end like sentences (``△`` items aside, which are never
   deck lines), and a deck is always followed by at least one body paragraph.
2. **Caption or body.**  The paragraph right after a photo is its caption when it is centred
   like the photo, or ends with its own credit (``Reported by <Name>``), or is a short line
   (at most ``CAPTION_MAX`` characters) that does not end like a sentence and is not a ``△``
   item.  A further paragraph that ends with its own ``Reported by`` credit is the long part
   of the same caption ("short then long"); the caption is then both texts joined by one
   space.  The credit stays in the caption and names no author.  A photo with no caption is
   followed by another photo, a body sentence, a ``△`` item, the byline or nothing.
3. **Headline.**  Only a first paragraph whose text is the full title counts (the contract:
   "begins with the cut title's text"); the Korean title line comes only after a headline.
   With no headline a cut title stays cut (``title_truncated``).
4. **Byline and copyright** are the last lines of the post (after the body), each its own
   ``<p>`` or ``<br>``-joined in one; ``byline_raw`` joins the byline lines with a newline;
   the copyright's ``text`` is the notice without surrounding (no-break) spaces.
5. **Files**: attachments are the real files in page order, de-duplicated by download URL
   (a duplicate repeats its name and size), on the page's host; placeholders dropped.
6. **Images and attachments** are absolute on the site root the page was fetched from.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from . import words as vocab
from .board import BOARDS, LIST_PATH, PLACEHOLDER_LABEL, SECTION, SITE_ID, Board
from .render import escape_text, heading, page_frame

T = TypeVar("T")

DECK_LINE_MAX = 100
"""Longest deck line the grammar draws (the contract: "short lines")."""
CAPTION_MAX = 100
"""Longest short caption the grammar draws."""
HOLDER_EN = "The Korea Defense Daily"
HOLDER_KO = "국방일보"
NBSP = "\u00a0"


class Chooser(Protocol):
    """Where the grammar's choices come from."""

    def choice(self, options: Sequence[T]) -> T:
        """One of ``options``."""
        ...

    def integer(self, lo: int, hi: int) -> int:
        """An integer in ``[lo, hi]``."""
        ...

    def boolean(self) -> bool:
        """True or false."""
        ...


class RandomChooser:
    """A :class:`Chooser` over ``random.Random(seed)`` (string seeds hash with SHA-512).

    >>> c = RandomChooser("1:post")
    >>> c.integer(1, 6) == RandomChooser("1:post").integer(1, 6)
    True
    """

    def __init__(self, seed: int | str) -> None:
        self._rng = random.Random(seed)

    def choice(self, options: Sequence[T]) -> T:
        return options[self._rng.randrange(len(options))]

    def integer(self, lo: int, hi: int) -> int:
        return self._rng.randint(lo, hi)

    def boolean(self) -> bool:
        return self._rng.random() < 0.5


def normalize_space(text: str) -> str:
    """Collapse whitespace, no-break spaces included, and strip.

    >>> normalize_space(" a\\xa0\\xa0b \\n c\\xa0")
    'a b c'
    """
    return " ".join(text.replace(NBSP, " ").split())


# --------------------------------------------------------------------------- text pools

_DECK_OPENERS = (
    "Agreement on", "Consensus about", "Reaffirmed commitment to", "Plans for",
    "Talks on", "Progress in", "Support for", "Review of", "Follow-up measures for",
    "New steps toward", "Cooperation on", "Shared assessment of",
)
_SHORT_SENTENCES = (
    "The drill ended at noon.", "No one was injured.", "The talks lasted two hours.",
    "More events are planned.", "The ceremony was open to the public.",
    "Both sides agreed to meet again!", "Will the plan work?", "The unit returned safely.",
)
_BY_SENTENCES = (
    "By the end of the year, the ministry will open two more training centers.",
    "By 2030, all units are to be equipped with the new radios.",
    "By noon, the rescue teams had reached the village.",
    "By contrast, the Navy's program focuses on R&D for unmanned vessels.",
)
_COPYRIGHT_SENTENCES = (
    "The ministry holds the copyright of the photos released today.",
    "Copyright issues over the footage were resolved, officials said.",
    "The <2018 Defense White Paper> is protected by copyright, the ministry noted.",
)
_PERSON_TITLES = ("Reporter",)


# --------------------------------------------------------------------------- the post


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph of ``div.post_content``: the part of the post it is, and its HTML.

    ``kind`` is one of headline, korean, spacer, deck, image, caption, para, byline,
    copyright (a ``<br>``-joined byline-and-copyright paragraph is a byline), or raw (only
    made by the demo's fault modes).  ``text`` is the block's plain text where it has one
    (the headline's title, a caption, a body paragraph); ``image`` is the 1-based index of
    the photo an image or caption block belongs to.
    """

    kind: str
    html: str
    text: str = ""
    image: int = 0


@dataclass
class Post:
    """One article: what the page shows, and the truth, built alongside.

    ``blocks`` are the paragraphs of ``div.post_content`` (``paragraphs``: their HTML);
    ``title`` is the full title, cut at ``cut_limit`` into ``title_raw``; ``headline`` is
    how the post shows it (once, twice, absent); ``files`` are the real attachments as
    (name, fileSeq, size label or None), duplicates once; ``truth`` holds the
    record's fields with site-relative URLs (see :meth:`record`); ``forms`` names each form
    of the contract the post shows (the coverage table counts them).
    """

    board: Board
    seq: str
    title_raw: str
    published_raw: str
    hits: int
    encoding: str
    js_href: bool
    blocks: list[Block] = field(default_factory=list)
    file_items: list[str] | None = None
    truth: dict[str, Any] = field(default_factory=dict)
    forms: set[str] = field(default_factory=set)
    extra_query: str = ""
    title: str = ""
    cut_limit: int = 64
    headline: str = "once"
    files: list[tuple[str, int, str | None]] = field(default_factory=list)

    @property
    def paragraphs(self) -> list[str]:
        """The raw HTML paragraphs of ``div.post_content``."""
        return [block.html for block in self.blocks]

    def canonical_path(self) -> str:
        """Path and query of the canonical article URL (sorted parameters)."""
        return (
            f"{LIST_PATH}?boardId={self.board.board_id}&boardSeq={self.seq}"
            f"&command=view&id={self.board.menu_id}&siteId={SITE_ID}"
        )

    def path(self) -> str:
        """Path and query the page is fetched at, as the board links it."""
        return (
            f"{LIST_PATH}?command=view{self.extra_query}&boardId={self.board.board_id}"
            f"&boardSeq={self.seq}&titleId=null&siteId={SITE_ID}&id={self.board.menu_id}"
        )

    def download_path(self, file_seq: int) -> str:
        """Path and query of a file's download URL (markup.md's parameter order)."""
        return (
            f"{LIST_PATH}?command=download&boardId={self.board.board_id}"
            f"&boardSeq={self.seq}&fileSeq={file_seq}"
        )

    def record(self, base_url: str) -> dict[str, Any]:
        """The truth with absolute URLs on ``base_url`` (no trailing slash)."""
        base = base_url.rstrip("/")
        record = dict(self.truth)
        record["url"] = base + self.canonical_path()
        record["images"] = [
            {"url": base + src, "caption": caption} for src, caption in self.truth["images"]
        ]
        record["attachments"] = [
            {"name": name, "url": base + self.download_path(seq), "size_raw": size}
            for name, seq, size in self.truth["attachments"]
        ]
        return record

    def page(self) -> str:
        """The article page (text; :meth:`page_bytes` encodes it as declared)."""
        view = self._view_link
        files = ""
        if self.file_items is not None:
            files = (
                '<div class="file_list">\n<dl><dt>File</dt><dd><ul>\n'
                + "\n".join(self.file_items)
                + "\n</ul></dd></dl>\n</div>\n"
            )
        prev_seq, next_seq = _neighbour(self.seq, -1), _neighbour(self.seq, 1)
        contents = (
            f"{heading(self.board)}\n"
            '<div class="board_view">\n<div class="wrap_title">\n'
            f'<p class="title">{escape_text(self.title_raw)}</p>\n'
            f'<dl class="info"><dt>Date :</dt><dd>{self.published_raw}</dd>'
            f"<dt>Hit :</dt><dd>{self.hits}</dd></dl>\n</div>\n"
            '<div class="post_content">\n' + "\n".join(self.paragraphs) + "\n</div>\n"
            f"{files}"
            '<ul class="prev_next">\n'
            f"<li><span>Prev</span> {view(prev_seq, 'An older post...')}</li>\n"
            f"<li><span>Next</span> {view(next_seq, 'A newer post...')}</li>\n</ul>\n"
            "</div>"
        )
        return page_frame(f"{self.title_raw} | {self.board.name}", self.board, contents,
                     self.encoding, "3")

    def page_bytes(self) -> bytes:
        """The page encoded as its ``<meta>`` declares."""
        return self.page().encode(self.encoding)

    def _view_link(self, seq: str, text: str) -> str:
        call = f"jf_view('{self.board.board_id}','{seq}');"
        if self.js_href:
            return f'<a href="javascript:{call}">{escape_text(text)}</a>'
        return f'<a href="#none" onclick="{call}return false;">{escape_text(text)}</a>'


def _neighbour(seq: str, step: int) -> str:
    prefix, number = seq.split("_", 1)
    return f"{prefix}_{int(number) + step}"


class _Builder:
    """Draws one post; the helpers below each draw one part of it."""

    def __init__(
        self,
        c: Chooser,
        board_key: str | None,
        *,
        seq: str | None = None,
        date: tuple[int, int, int] | None = None,
        cut_limit: int | None = None,
        words: Chooser | None = None,
    ) -> None:
        self.c = c
        self.fixed_seq, self.fixed_date, self.fixed_limit = seq, date, cut_limit
        self.words = words or c
        self.board = BOARDS[board_key or c.choice(("recent", "recent", "photo", "press"))]
        self.press = self.board.key == "press"
        self.encoding = c.choice(("utf-8", "utf-8", "utf-8", "euc-kr"))
        self.forms: set[str] = {f"board:{self.board.key}", f"encoding:{self.encoding}"}
        self.blocks: list[Block] = []

    # -- small pieces ------------------------------------------------------------------

    def form(self, name: str) -> None:
        self.forms.add(name)

    def add(self, kind: str, html: str, text: str = "", image: int = 0) -> None:
        self.blocks.append(Block(kind, html, text, image))

    def spacer(self) -> None:
        options = ["&nbsp;", "&nbsp;&nbsp;", " &nbsp;", "&nbsp; &nbsp;"]
        if self.encoding == "utf-8":
            options += [NBSP, NBSP + NBSP]
        html = self.c.choice(options)
        self.form("spacer:raw_nbsp" if NBSP in html else "spacer:entity")
        self.add("spacer", f"<p>{html}</p>")

    def maybe_spacer(self) -> None:
        if self.c.integer(0, 3) == 0:
            self.spacer()

    def trail(self) -> str:
        """Trailing no-break spaces of a line (raw HTML), or nothing."""
        options = ["", "", "&nbsp;", "&nbsp;&nbsp;", " &nbsp;"]
        if self.encoding == "utf-8":
            options.append(NBSP)
        html = self.c.choice(options)
        if html:
            self.form("line:trailing_nbsp")
        return html

    def fill(self, template: str) -> str:
        c = self.c
        values: dict[str, Callable[[], str]] = {
            "person": lambda: self.person()[0],
            "country": lambda: c.choice(vocab.COUNTRIES),
            "place": lambda: c.choice(vocab.PLACES),
            "subject": lambda: self.fill(c.choice(vocab.SUBJECTS)),
            "verb_past": lambda: c.choice(vocab.PAST_VERBS),
            "object": lambda: c.choice(vocab.OBJECTS),
            "object_plain": lambda: c.choice(vocab.OBJECTS).split(" ", 1)[1],
            "tail": lambda: self.fill(c.choice(vocab.TAILS)),
            "month": lambda: c.choice(vocab.MONTHS),
            "day": lambda: str(c.integer(1, 28)),
            "number": lambda: str(c.choice((40, 120, 250, 800, 1200))),
            "quote": lambda: c.choice(vocab.QUOTES),
            "speaker": lambda: c.choice(vocab.SPEAKER_ROLES),
            "ordinal": lambda: c.choice(vocab.ORDINALS),
        }
        out, rest = [], template
        while "{" in rest:
            head, _, tail = rest.partition("{")
            name, _, rest = tail.partition("}")
            out.append(head)
            out.append(values[name]())
        out.append(rest)
        return "".join(out)

    def person(self) -> tuple[str, str, str, str]:
        """(``Family Given`` name, family, given, e-mail) of a made-up reporter."""
        c = self.c
        family = c.choice(vocab.FAMILY_NAMES)
        first, second = c.choice(vocab.GIVEN_SYLLABLES), c.choice(vocab.GIVEN_SYLLABLES)
        given = f"{first.capitalize()}-{second.capitalize() if c.boolean() else second}"
        local = f"{c.choice(vocab.EMAIL_WORDS)}{c.integer(1, 99)}"
        return f"{family} {given}", family, given, f"{local}@{c.choice(vocab.EMAIL_DOMAINS)}"

    def other_person(self, *taken: str) -> str:
        """The ``Family Given`` name of someone not among ``taken`` (a byline names each
        person once: the same name twice would be one person)."""
        for _ in range(10):
            name = self.person()[0]
            if name not in taken:
                return name
        family = next(f for f in vocab.FAMILY_NAMES
                      if not any(t.startswith(f"{f} ") for t in taken))
        return f"{family} {self.person()[2]}"

    def phrase(self, lo: int, hi: int, opener: str | None = None) -> str:
        """A headline-like phrase of ``lo``..``hi`` characters, no final punctuation."""
        c = self.c
        if opener is None:
            text = f"{self.fill(c.choice(vocab.SUBJECTS))} {c.choice(vocab.VERBS)}"
            text += f" {c.choice(vocab.OBJECTS)}"
        else:
            text = f"{opener} {c.choice(vocab.OBJECTS).split(' ', 1)[1]}"
        while len(text) < lo:
            text = f"{text} {self.fill(c.choice(vocab.TAILS))}"
        while len(text) > hi:
            text = text[:hi].rsplit(" ", 1)[0]
        while lo - len(text) >= 3:
            text = f"{text} {vocab.FILLERS[min(14, lo - len(text) - 1)]}"
        return text + "s" * (lo - len(text))

    # -- title and headline --------------------------------------------------------------

    def title(self) -> tuple[str, str]:
        """The full title and the header's (maybe cut) title."""
        c = self.c
        limit = c.choice((64, 128)) if self.board.key == "recent" else 64
        limit = self.fixed_limit or limit
        self.limit = limit
        kind = c.choice(("short", "short", "medium", "long", "at_limit", "over_limit", "dots"))
        quotes = c.choice((("", ""), ("", ""), ("\u201c", "\u201d"), ("\u201c", "\u201c"),
                           ("\u201c", "'"), ('"', '"')))
        self.form(f"title:{kind}")
        if quotes[0] and quotes[1] != {"\u201c": "\u201d", '"': '"'}[quotes[0]]:
            self.form("title:mismatched_quotes")
        inner_len = len(quotes[0]) + len(quotes[1])
        if kind == "dots":
            # the title's own "..." lands where the header cuts it
            at = limit - c.integer(0, 2) - len(quotes[0])
            first = self.phrase(at, at)
            title = f"{quotes[0]}{first}... {self.phrase(15, 40)}{quotes[1]}"
        else:
            lo, hi = {"short": (20, 60), "medium": (65, limit), "long": (limit + 4, limit + 70),
                      "at_limit": (limit, limit), "over_limit": (limit + 1, limit + 3)}[kind]
            if kind == "medium" and limit == 64:
                lo, hi = 50, 64
            body = self.phrase(max(10, lo - inner_len), hi - inner_len)
            if c.boolean() and quotes[0]:
                body = c.choice(vocab.QUOTES)
                title = f"{quotes[0]}{body}{quotes[1]}"
                if len(title) < lo:
                    title = f"{title}, says {self.person()[0]}"
                title = title[:hi] if len(title) > hi else title
            else:
                title = f"{quotes[0]}{body}{quotes[1]}"
        title = normalize_space(title)
        title_raw = title if len(title) <= limit else title[:limit] + "..."
        if title_raw != title:
            self.form(f"title:cut_{limit}")
            if title_raw.endswith("....."):
                self.form("title:cut_in_own_dots")
        return title, title_raw

    def head(self, title: str, title_raw: str) -> bool:
        """Headline (once or twice) and the Korean title line; whether there is a headline."""
        c = self.c
        kind = c.choice(("once", "once", "twice", "absent"))
        self.form(f"headline:{kind}")
        self.headline = kind
        if kind == "absent":
            return False
        for _ in range(2 if kind == "twice" else 1):
            if c.boolean():
                self.add("headline", f"<p><b>{escape_text(title)}</b>{self.trail()}</p>", title)
            else:
                self.add("headline", f"<p>{escape_text(title)}{self.trail()}</p>", title)
                self.form("headline:not_bold")
            self.maybe_spacer()
        if c.boolean():
            topics = f"{c.choice(vocab.KOREAN_TITLE_TOPICS)} {c.choice(vocab.KOREAN_TITLE_TOPICS)}"
            line = (f"{c.choice(vocab.KOREAN_TITLE_SUBJECTS)}, {topics} "
                    f"{c.choice(vocab.KOREAN_TITLE_ACTIONS)}")
            self.add("korean", f"<p>{escape_text(line)}</p>", line)
            self.form("headline:korean_line")
            self.maybe_spacer()
        return True

    # -- deck ------------------------------------------------------------------------------

    def deck(self) -> list[str]:
        c = self.c
        if c.integer(0, 2) == 0:
            return []
        subtitles: list[str] = []
        groups = c.integer(1, 3)
        self.form(f"deck:groups_{min(groups, 2)}{'+' if groups > 1 else ''}")
        for g in range(groups):
            style = c.choice(("unmarked", "dash_space", "dash_tight", "wrapped", "semicolon"))
            count = c.integer(1, 3)
            self.form(f"deck:{style}")
            self.form("deck:one_line" if count == 1 else "deck:several_lines")
            shown = []
            for _ in range(count):
                line = self.phrase(20, DECK_LINE_MAX - 4, opener=c.choice(_DECK_OPENERS))
                subtitles.append(line)
                shown.append(escape_text({
                    "unmarked": line, "dash_space": f"- {line}", "dash_tight": f"-{line}",
                    "wrapped": f"- {line} -", "semicolon": f"{line};",
                }[style]))
            self.add("deck", "<p>" + "<br>".join(shown) + self.trail() + "</p>")
            if g < groups - 1 and c.boolean():
                self.spacer()
                self.form("deck:spacer_between")
        self.maybe_spacer()
        return subtitles

    # -- body ------------------------------------------------------------------------------

    def body_paragraph(self) -> str:
        """One body paragraph (its clean text); appends its HTML.

        The kind of paragraph is a choice of the post; its words are choices of ``words``
        (the demo site's revisions redraw those only)."""
        kinds = ["long", "long", "long", "short", "quote", "by_start", "mentions_copyright",
                 "inline_nbsp"]
        if self.press:
            kinds += ["triangle", "triangle"]
        kind = self.c.choice(kinds)
        self.form(f"body:{kind}")
        post_chooser, self.c = self.c, self.words
        try:
            return self._body_text(kind)
        finally:
            self.c = post_chooser

    def _body_text(self, kind: str) -> str:
        c = self.c
        lead = ""
        if kind == "long":
            text = " ".join(self.fill(c.choice(vocab.SENTENCES)) for _ in range(c.integer(1, 3)))
            text = text[0].upper() + text[1:]
            if c.integer(0, 3) == 0:
                lead = c.choice((" ", "&nbsp;", "  "))
                self.form("body:leading_space")
        elif kind == "short":
            text = c.choice(_SHORT_SENTENCES)
        elif kind == "quote":
            text = c.choice((
                f"\u201c{c.choice(vocab.QUOTES)}.\u201d",
                f"\u201c{c.choice(vocab.QUOTES)},\u201d said {c.choice(vocab.SPEAKER_ROLES)}.",
                f"\"{c.choice(vocab.QUOTES)}!\"",
            ))
        elif kind == "by_start":
            text = c.choice(_BY_SENTENCES)
        elif kind == "mentions_copyright":
            text = c.choice(_COPYRIGHT_SENTENCES)
        elif kind == "triangle":
            text = "\u25b3 " + self.fill(c.choice(vocab.PRESS_ITEMS))
        else:  # inline_nbsp
            sentence = self.fill(c.choice(vocab.SENTENCES))
            words = sentence.split(" ")
            at = c.integer(1, len(words) - 1)
            html = escape_text(" ".join(words[:at])) + "&nbsp;" + escape_text(" ".join(words[at:]))
            self.add("para", f"<p>{html}{self.trail()}</p>", sentence)
            return normalize_space(sentence)
        self.add("para", f"<p>{lead}{escape_text(text)}{self.trail()}</p>", text)
        return normalize_space(text)

    def photo(self, index: int, title: str) -> tuple[str, str | None]:
        """A photo paragraph and its caption(s); returns (src, caption)."""
        c = self.c
        src = f"/upload/news/{self.stamp}_{self.seq.split('_')[1]}_{index:02d}."
        src += c.choice(("jpg", "jpg", "png"))
        img = f'<img src="{src}" alt="">'
        kinds = ["none", "short", "short_uncentred", "short_nbsp", "title50", "long_credit",
                 "short_then_long", "long_centred", "same_paragraph"]
        kind = c.choice(kinds)
        self.form(f"caption:{kind}")
        centre = ' style="text-align:center"'
        credit = ""
        if kind in ("long_credit", "short_then_long"):
            credit = f" Reported by {self.person()[0]}"

        def long_text() -> str:
            text = (f"{c.choice(vocab.CAPTIONS)} {self.fill('{tail}')} on "
                    f"{self.fill('{month} {day}')}, as part of {self.fill('{object}')} held "
                    f"{self.fill('{tail}')}")
            return text.rstrip(".") + "."

        caption: str | None
        if kind == "same_paragraph":
            caption = c.choice(vocab.CAPTIONS)
            html = f"<p{centre}>{img}<br>{escape_text(caption)}{self.trail()}</p>"
            self.add("image", html, caption, index)
            return src, caption
        self.add("image", f"<p{centre}>{img}</p>", image=index)
        if kind == "none":
            return src, None
        if c.integer(0, 4) == 0:
            self.spacer()
            self.form("caption:spacer_before")
        if kind in ("short", "short_nbsp", "short_uncentred", "short_then_long"):
            caption = c.choice(vocab.CAPTIONS)
            trail = "&nbsp;&nbsp;" if kind == "short_nbsp" else self.trail()
            style = "" if kind == "short_uncentred" else centre
            self.add("caption", f"<p{style}>{escape_text(caption)}{trail}</p>", caption, index)
            if kind == "short_then_long":
                long = long_text() + credit
                style = centre if c.boolean() else ""
                html = f"<p{style}>{escape_text(long)}{self.trail()}</p>"
                self.add("caption", html, long, index)
                caption = f"{caption} {long}"
        elif kind == "title50":
            caption = normalize_space(title[:50])
            html = f"<p{centre}>{escape_text(title[:50])}{self.trail()}</p>"
            self.add("caption", html, title[:50], index)
        else:  # long_credit, long_centred
            caption = long_text() + credit
            style = centre if kind == "long_centred" or c.boolean() else ""
            html = f"<p{style}>{escape_text(caption)}{self.trail()}</p>"
            self.add("caption", html, caption, index)
        return src, normalize_space(caption)

    # -- byline, copyright, files -----------------------------------------------------------

    def byline(self) -> tuple[list[str], list[dict[str, Any]]]:
        c = self.c
        if self.press:
            self.form("byline:none_press")
            return [], []
        kind = c.choice((
            "given_family_email", "given_family_email_tight", "empty_space", "empty_tight",
            "paren_email", "reporter", "staff_reporter", "two_and", "two_amp", "two_comma",
            "korean", "upper_email",
            "none", "translator_only", "photo_only",
        ))
        self.form(f"byline:{kind}")
        name, family, given, email = self.person()
        name2 = self.other_person(name)

        def who(n: str, e: str | None = None, role: str = "reporter") -> dict[str, Any]:
            return {"name": n, "email": e.lower() if e else None, "role": role}

        lines: list[str]
        authors: list[dict[str, Any]]
        if kind == "given_family_email":
            lines, authors = [f"By {given}, {family} <{email} >"], [who(name, email)]
        elif kind == "given_family_email_tight":
            lines, authors = [f"By {given}, {family} <{email}>"], [who(name, email)]
        elif kind == "empty_space":
            lines, authors = [f"By {given}, {family} < >"], [who(name)]
        elif kind == "empty_tight":
            lines, authors = [f"By {given}, {family} <>"], [who(name)]
        elif kind == "paren_email":
            lines, authors = [f"By {name} ({email})"], [who(name, email)]
        elif kind == "reporter":
            lines, authors = [f"By Reporter {name}"], [who(name)]
        elif kind == "staff_reporter":
            lines, authors = [f"By Staff Reporter {name}"], [who(name)]
        elif kind == "two_amp":
            lines, authors = [f"By {name} & {name2}"], [who(name), who(name2)]
        elif kind == "two_and":
            lines, authors = [f"By {name} and {name2}"], [who(name), who(name2)]
        elif kind == "two_comma":
            lines, authors = [f"By {name}, {name2}"], [who(name), who(name2)]
        elif kind == "korean":
            korean = (c.choice(vocab.KOREAN_FAMILY_NAMES) + c.choice(vocab.KOREAN_GIVEN_SYLLABLES)
                      + c.choice(vocab.KOREAN_GIVEN_SYLLABLES))
            lines, authors = [f"{korean} 기자 < {email} >"], [who(korean, email)]
        elif kind == "upper_email":
            shown = email[0].upper() + email[1:].split("@")[0].upper() + "@" + email.split("@")[1]
            lines, authors = [f"By {given}, {family} <{shown}>"], [who(name, shown)]
        elif kind == "translator_only":
            lines, authors = [f"Translated by {name2}"], [who(name2, role="translator")]
        elif kind == "photo_only":
            lines, authors = [f"Photo by {name2}"], [who(name2, role="photographer")]
        else:
            lines, authors = [], []
        if lines and kind not in ("translator_only", "photo_only"):
            extra = c.choice(("", "", "translator", "photo"))
            third = self.other_person(name, name2)  # one entry per person: never the reporter
            if extra == "translator":
                lines.append(f"Translated by {third}")
                authors.append(who(third, role="translator"))
                self.form("byline:plus_translator")
            elif extra == "photo":
                lines.append(f"Photo by {third}")
                authors.append(who(third, role="photographer"))
                self.form("byline:plus_photo")
        return lines, authors

    def copyright(self) -> tuple[str | None, dict[str, Any] | None]:
        c = self.c
        if self.press:
            self.form("copyright:none_press")
            return None, None
        kind = c.choice(("english", "english", "english", "korean", "none"))
        if kind == "none":
            self.form("copyright:none")
            return None, None
        if kind == "korean":
            self.form("copyright:korean")
            text = f"\u24d2 {HOLDER_KO}, 무단전재 및 재배포 금지"
            return text, {"holder": HOLDER_KO, "year": None, "text": text}
        symbols = ["\u24d2", "(c)"] + (["\u00a9"] if self.encoding == "utf-8" else [])
        symbol = c.choice(symbols)
        year = c.choice((None, None, c.integer(2008, 2025)))
        tail = c.choice((", All rights reserved", ". All Rights Reserved.",
                         ", All Rights Reserved."))
        brackets = c.boolean()
        text = f"Copyright {symbol} {f'{year} ' if year else ''}{HOLDER_EN}{tail}"
        if brackets:
            text = f"<{text}>"
        symbol_name = {"\u24d2": "circled", "(c)": "paren", "\u00a9": "copyright_sign"}[symbol]
        self.form(f"copyright:symbol_{symbol_name}")
        self.form("copyright:brackets" if brackets else "copyright:no_brackets")
        self.form("copyright:year" if year else "copyright:no_year")
        self.form("copyright:all_caps" if "Rights" in tail else "copyright:lower")
        return text, {"holder": HOLDER_EN, "year": year, "text": text}

    def files(self) -> tuple[list[str] | None, list[tuple[str, int, str | None]]]:
        c = self.c
        kind = c.choice(("placeholder", "placeholder", "files", "files", "files", "no_block",
                         "empty"))
        self.form(f"files:{kind}")
        if kind == "no_block":
            return None, []
        if kind == "empty":
            return [], []
        placeholder = f'<li><a href="#none">{escape_text(PLACEHOLDER_LABEL)}</a></li>'
        if kind == "placeholder":
            return [placeholder], []
        items: list[str] = []
        truth: list[tuple[str, int, str | None]] = []
        seen: set[int] = set()
        stored: list[tuple[str, int, str | None]] = []
        for _ in range(c.integer(1, 3)):
            if stored and c.integer(0, 3) == 0:
                name, seq, size = c.choice(stored)
                self.form("files:duplicate")
            else:
                name = c.choice((
                    f"{self.stamp}_briefing.pdf", f"photo {c.integer(1, 9)}.jpg",
                    f"MND_{self.stamp}_press release.hwp", f"{self.stamp}_국방부_보도자료.hwp",
                    f"국방일보_사진_{self.stamp}.jpg",
                ))
                if not name.isascii():
                    self.form("files:korean_name")
                seq = len(stored) + 1  # the real files are numbered 1, 2, ... in page order
                # the demo serves files of the labelled size: megabyte labels are rare and
                # below 2 MB, kilobyte ones below 300 KB, so a demo crawl stays light
                size = c.choice((None, None, f"(1.{c.integer(0, 9)}MB)",
                                 f"({c.integer(10, 299)}.{c.integer(0, 9)}KB)",
                                 f"({c.integer(10, 299)}.{c.integer(0, 9)}KB)",
                                 f"({c.integer(10, 299)}.{c.integer(0, 9)}KB)"))
                self.form("files:size" if size else "files:no_size")
                stored.append((name, seq, size))
            style = c.choice(("direct", "direct_percent", "jsdown_href", "jsdown_onclick"))
            self.form(f"files:{style}")
            call = f"jf_fileDown('{self.board.board_id}','{self.seq}','{seq}');"
            if style in ("direct", "direct_percent"):
                href = escape(self.download_path(seq))
                label = quote(name) if style == "direct_percent" else name
                link = f'<a href="{href}">{escape_text(label)}</a>'
            elif style == "jsdown_href":
                link = f'<a href="javascript:{call}">{escape_text(name)}</a>'
            else:
                link = f'<a href="#none" onclick="{call}return false;">{escape_text(name)}</a>'
            span = f' <span class="size">{size}</span>' if size else ""
            items.append(f"<li>{link}{span}</li>")
            if seq not in seen:
                seen.add(seq)
                truth.append((name, seq, size))
        if c.boolean():
            items.insert(c.integer(0, len(items)), placeholder)
            self.form("files:with_placeholder")
        if c.integer(0, 3) == 0:
            void = '<li><a href="javascript:void(0)">(No attached file)</a></li>'
            items.insert(c.integer(0, len(items)), void)
            self.form("files:void_placeholder")
        return items, truth

    def download_path(self, file_seq: int) -> str:
        return (f"{LIST_PATH}?command=download&boardId={self.board.board_id}"
                f"&boardSeq={self.seq}&fileSeq={file_seq}")

    # -- the whole post --------------------------------------------------------------------

    def build(self) -> Post:
        c = self.c
        if self.fixed_seq is None:
            number = c.integer(100_000, 999_999)
            self.seq = f"I_{number}" if self.press and c.boolean() else f"O_{number}"
        else:
            self.seq = self.fixed_seq
        if self.fixed_date is None:
            year, month, day = c.integer(2008, 2025), c.integer(1, 12), c.integer(1, 28)
        else:
            year, month, day = self.fixed_date
        self.stamp = f"{year:04d}{month:02d}{day:02d}"
        dashes = c.integer(0, 3) == 0
        self.form("date:dashes" if dashes else "date:dots")
        published_raw = f"{year:04d}{'-' if dashes else '.'}{month:02d}{'-' if dashes else '.'}{day:02d}"
        title, title_raw = self.title()

        has_headline = self.head(title, title_raw)
        subtitles = self.deck()
        if subtitles:
            self.form("deck:after_headline" if has_headline else "deck:no_headline")
        # the body: paragraphs and photos interleaved
        n_body = c.integer(1 if subtitles else 0, 4)
        n_photos = c.integer(0, 3 if self.board.key == "photo" else 2)
        if n_body == 0 and n_photos == 0:
            n_body = 1
        order = ["p"] * n_body
        for _ in range(n_photos):
            order.insert(c.integer(0, len(order)), "img")
        if subtitles and order[0] == "img" and n_body and c.boolean():
            order.remove("p")
            order.insert(0, "p")
        body: list[str] = []
        images: list[tuple[str, str | None]] = []
        for i, part in enumerate(order):
            if part == "p":
                body.append(self.body_paragraph())
            else:
                if i == 0 and not has_headline and not subtitles:
                    self.form("photo:opens_post")
                images.append(self.photo(len(images) + 1, title))
            self.maybe_spacer()
        self.form(f"photos:{len(images)}")
        lines, authors = self.byline()
        notice, copyright_truth = self.copyright()
        tail_lines = [escape_text(line) for line in lines]
        if notice is not None:
            tail_lines.append(escape_text(notice) + self.trail())
        if tail_lines:
            if len(tail_lines) > 1 and c.boolean():
                self.add("byline", "<p>" + "<br>".join(tail_lines) + "</p>")
                self.form("byline:br_joined")
            else:
                for i, line in enumerate(tail_lines):
                    kind = "byline" if i < len(lines) else "copyright"
                    self.add(kind, f"<p>{line}</p>")
        if c.boolean():
            self.spacer()
        file_items, attachments = self.files()

        truncated = title_raw != title and not has_headline
        extra = c.choice(("", "&page=3", "&page=59&column=null&search=null"))
        post = Post(
            board=self.board, seq=self.seq, title_raw=title_raw, published_raw=published_raw,
            hits=c.integer(0, 99_999), encoding=self.encoding, js_href=c.boolean(),
            blocks=self.blocks, file_items=file_items, forms=self.forms,
            extra_query=extra, title=title, cut_limit=self.limit, headline=self.headline,
            files=attachments,
        )
        self.form("link:javascript_href" if post.js_href else "link:onclick")
        post.truth = {
            "id": self.seq,
            "board_id": self.board.board_id,
            "section": SECTION,
            "board": self.board.name,
            "title": title_raw if truncated else title,
            "title_raw": title_raw,
            "title_truncated": truncated,
            "published": f"{year:04d}-{month:02d}-{day:02d}",
            "published_raw": published_raw,
            "subtitles": subtitles,
            "body": "\n\n".join(body),
            "images": images,
            "authors": authors,
            "byline_raw": "\n".join(lines) if lines else None,
            "copyright": copyright_truth,
            "attachments": attachments,
            "views": post.hits,
        }
        post.page_bytes()  # every drawn text is encodable as declared: fail early if not
        return post


def draw_post(
    c: Chooser,
    board_key: str | None = None,
    *,
    seq: str | None = None,
    date: tuple[int, int, int] | None = None,
    cut_limit: int | None = None,
    words: Chooser | None = None,
) -> Post:
    """Draw one post (and its truth) from the contract grammar.

    The demo site fixes what its catalogue decides: the article id ``seq``, the ``date``
    (year, month, day) and the title's ``cut_limit``; ``words`` draws the words of the
    body paragraphs (by default ``c``), so that a revision can redraw them alone.

    >>> post = draw_post(RandomChooser(7))
    >>> post.record("https://www.mnd.go.kr")["id"] == post.seq
    True
    >>> "post_content" in post.page()
    True
    """
    return _Builder(c, board_key, seq=seq, date=date, cut_limit=cut_limit, words=words).build()
