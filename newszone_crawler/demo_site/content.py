"""What the demo board holds: the catalogue arithmetic and each article's content.

Article ``k`` (``1 <= k <= MAX_ARTICLES``; larger is newer) is a pure function of ``k``
and of its revision number, never of how many articles are published, so raising the
count "publishes" new articles without changing the old ones.

* The board of ``k`` comes from a fixed cycle of 20 slots (12 Recent News, 4 Photo News,
  4 Press Release); its *ordinal* ``j`` (1 = oldest of its board, also the number the
  listing shows) follows by arithmetic, so nothing is pre-computed for large counts.
* Every quirk is chosen from a per-board table indexed by ``j`` (``table[j % len]``), so
  each variant shows up among the first articles of a board and then periodically.
* Free text is drawn from :mod:`.words` with ``random.Random`` seeded by strings such as
  ``"17:title"``; ``random`` hashes string seeds with SHA-512, so the output does not
  depend on ``PYTHONHASHSEED`` and the global generator is never touched.

:func:`build_article` returns an :class:`Article`: the ordered blocks of the post (what
:mod:`.render` turns into HTML, quirks included) and, computed alongside, the *truth*:
what a perfect crawler extracts (:meth:`Article.truth`).
"""

from __future__ import annotations

import datetime
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import quote

from . import words as vocab

SITE_ID = "mndEN"
SECTION = "News Zone"
MAX_ARTICLES = 20_000
OLD_ERA_LAST_K = 40
"""Articles ``k <= OLD_ERA_LAST_K`` are "old": 64-character cuts everywhere, and some are
served in EUC-KR.  Newer Recent News items are cut at 128 characters."""
FIRST_DATE = datetime.date(2008, 1, 1)
PLACEHOLDER_LABEL = "(Presentation and Follow-on discussion)"
VOID_LABEL = "(No attached file)"
HOLDER_EN = "The Korea Defense Daily"
HOLDER_KO = "국방일보"

BoardKey = Literal["recent", "photo", "press"]


@dataclass(frozen=True, slots=True)
class Board:
    """One board of the News Zone section."""

    key: str
    board_id: str
    menu_id: str
    name: str


BOARDS: dict[str, Board] = {
    "recent": Board("recent", "O_47261", "mndEN_020100000000", "Recent News"),
    "photo": Board("photo", "O_47317", "mndEN_020200000000", "Photo News"),
    "press": Board("press", "I_8576246", "mndEN_020600000000", "Press Release"),
}
BOARD_BY_ID: dict[str, Board] = {b.board_id: b for b in BOARDS.values()}

_CYCLE = "RPRXRRPRXRRRXPRRXRPR"
_LETTER_TO_KEY = {"R": "recent", "P": "photo", "X": "press"}
_SLOTS: dict[str, tuple[int, ...]] = {
    key: tuple(i for i, c in enumerate(_CYCLE) if _LETTER_TO_KEY[c] == key)
    for key in _LETTER_TO_KEY.values()
}
assert [len(_SLOTS[b]) for b in ("recent", "photo", "press")] == [12, 4, 4]


# --------------------------------------------------------------------------- catalogue


def board_of(k: int) -> Board:
    """The board article ``k`` belongs to.

    >>> board_of(1).name, board_of(2).name, board_of(4).name
    ('Recent News', 'Photo News', 'Press Release')
    """
    return BOARDS[_LETTER_TO_KEY[_CYCLE[(k - 1) % len(_CYCLE)]]]


def ordinal_of(k: int) -> int:
    """Position of article ``k`` in its board, 1 being the board's oldest article.

    >>> [ordinal_of(k) for k in (1, 3, 5, 21)]
    [1, 2, 3, 13]
    """
    board = board_of(k)
    cycle, slot = divmod(k - 1, len(_CYCLE))
    return cycle * len(_SLOTS[board.key]) + _SLOTS[board.key].index(slot) + 1


def k_of(board_key: str, ordinal: int) -> int:
    """Inverse of :func:`ordinal_of`: the article at ``ordinal`` of a board.

    >>> k_of("recent", 13), k_of("press", 1)
    (21, 4)
    """
    slots = _SLOTS[board_key]
    cycle, index = divmod(ordinal - 1, len(slots))
    return cycle * len(_CYCLE) + slots[index] + 1


def board_count(board_key: str, n: int) -> int:
    """How many of the articles ``1..n`` belong to a board.

    >>> [board_count(key, 150) for key in ("recent", "photo", "press")]
    [90, 30, 30]
    """
    cycles, rest = divmod(n, len(_CYCLE))
    return cycles * len(_SLOTS[board_key]) + sum(1 for s in _SLOTS[board_key] if s < rest)


def seq_of(k: int) -> str:
    """The ``boardSeq`` (article id) of article ``k``.

    Most ids are ``O_<n>``; two Press Release items in three have ``I_<n>`` ids.

    >>> seq_of(1), seq_of(4), seq_of(40)
    ('O_110005', 'I_8576308', 'O_110161')
    """
    if board_of(k).key == "press" and ordinal_of(k) % 3 != 0:
        return f"I_{8_576_300 + 2 * k}"
    return f"O_{110_000 + 4 * k + k % 3}"


def k_of_seq(seq: str) -> int | None:
    """The ``k`` whose id is ``seq``, or ``None`` when no article has that id.

    >>> k_of_seq("O_110005"), k_of_seq("I_8576308"), k_of_seq("O_110006")
    (1, 4, None)
    """
    m = re.fullmatch(r"([OI])_(\d{1,9})", seq)
    if not m:
        return None
    number = int(m.group(2))
    k = (number - 110_000) // 4 if m.group(1) == "O" else (number - 8_576_300) // 2
    if 1 <= k <= MAX_ARTICLES and seq_of(k) == seq:
        return k
    return None


def published_of(k: int) -> datetime.date:
    """Publication date (Korea time) of article ``k``: three articles a day from 2008.

    >>> published_of(1), published_of(150)
    (datetime.date(2008, 1, 1), datetime.date(2008, 2, 20))
    """
    return FIRST_DATE + datetime.timedelta(days=k // 3)


# --------------------------------------------------------------------------- schedules
# Per-board variant tables, indexed by the board ordinal j: table[j % len(table)].
# fmt: off
_TITLE_KINDS: dict[str, tuple[str, ...]] = {
    "recent": ("medium", "long", "short", "dots", "medium", "long", "short"),
    "photo": ("short", "medium", "dots", "short", "long"),
    "press": ("medium", "long", "dots", "short", "long", "medium"),
}
_HEADLINES: dict[str, tuple[str, ...]] = {
    "recent": (
        "plain", "plain", "curly_mismatch", "absent", "plain", "repeated",
        "korean_line", "plain", "apos_mismatch", "absent", "plain",
    ),
    "photo": ("plain", "absent", "repeated", "plain", "korean_line", "curly_mismatch", "absent"),
    "press": ("plain", "absent", "korean_line", "plain", "apos_mismatch", "repeated", "plain"),
}
_DECKS: dict[str, tuple[str, ...]] = {
    "recent": (
        "none", "lines", "dash_space", "dash_tight", "wrapped", "semicolon", "two_groups",
        "lines", "none",
    ),
    "photo": ("none", "none", "lines", "none", "dash_space"),
    "press": ("lines", "none", "wrapped", "semicolon", "none", "dash_tight", "two_groups"),
}
_IMAGE_COUNTS: dict[str, tuple[int, ...]] = {
    "recent": (1, 1, 0, 2, 1, 1, 0, 1, 2),
    "photo": (2, 1, 3, 1, 2),
    "press": (0, 0, 1, 0, 0, 1),
}
_CAPTIONS: tuple[str, ...] = (
    "short_nbsp", "title50", "long_credit", "short", "none", "short_nbsp", "title50",
)
_BODY_COUNTS: dict[str, tuple[int, ...]] = {
    "recent": (3, 5, 4, 6, 3, 4),
    "photo": (1, 0, 1, 2, 0),
    "press": (2, 3, 2),
}
_BYLINES: dict[str, tuple[str, ...]] = {
    "recent": (
        "given_family_email", "empty_space", "paren_email", "empty_tight", "reporter",
        "none", "two_and", "staff", "two_comma", "korean", "with_translator", "two_amp",
        "upper_email", "translator_only", "photo_credit", "none",
    ),
    "photo": ("none", "photo_only", "none", "reporter", "photo_only", "none", "empty_space"),
    "press": ("none",),
}
_COPYRIGHTS: dict[str, tuple[str, ...]] = {
    "recent": (
        "standard", "no_brackets", "korean", "paren_c", "year", "all_caps",
        "symbol_c", "trailing_ws", "none", "standard",
    ),
    "photo": ("standard", "none", "none", "year", "korean"),
    "press": ("none",),
}
_FILES: dict[str, tuple[str, ...]] = {
    "recent": (
        "placeholder", "direct_size", "placeholder", "jsdown", "no_block", "two_files",
        "duplicate", "placeholder", "percent", "void", "korean", "duplicate_mixed", "empty",
        "placeholder",
    ),
    "photo": ("placeholder", "jsdown", "placeholder", "no_block", "direct_size", "duplicate"),
    "press": (
        "korean", "direct_size", "two_files", "placeholder", "percent", "duplicate_mixed",
        "void", "jsdown",
    ),
}
# fmt: on


def _pick(table: dict[str, tuple[str, ...]], board_key: str, j: int) -> str:
    options = table[board_key]
    return options[j % len(options)]


# --------------------------------------------------------------------------- text helpers


@dataclass(frozen=True, slots=True)
class Person:
    """A made-up reporter: romanized ``family`` and hyphenated ``given`` name."""

    family: str
    given: str
    email: str

    @property
    def name(self) -> str:
        """The name in the record's order: ``Family Given``."""
        return f"{self.family} {self.given}"


def _person(rng: random.Random) -> Person:
    family = rng.choice(vocab.FAMILY_NAMES)
    first, second = rng.sample(vocab.GIVEN_SYLLABLES, 2)
    second = second.capitalize() if rng.random() < 0.3 else second
    given = f"{first.capitalize()}-{second}"
    if rng.random() < 0.5:
        local = f"{rng.choice(vocab.EMAIL_WORDS)}{rng.randint(1, 99)}"
    else:
        local = f"{family.lower()}{first[0]}{second[0].lower()}"
    return Person(family, given, f"{local}@{rng.choice(vocab.EMAIL_DOMAINS)}")


def _korean_name(rng: random.Random) -> str:
    return rng.choice(vocab.KOREAN_FAMILY_NAMES) + "".join(
        rng.sample(vocab.KOREAN_GIVEN_SYLLABLES, 2)
    )


def _fill(template: str, rng: random.Random) -> str:
    """Fill the ``{...}`` slots of a word-list template."""
    values: dict[str, Callable[[], str]] = {
        "person": lambda: _person(rng).name,
        "country": lambda: rng.choice(vocab.COUNTRIES),
        "place": lambda: rng.choice(vocab.PLACES),
        "subject": lambda: _fill(rng.choice(vocab.SUBJECTS), rng),
        "verb_past": lambda: rng.choice(vocab.PAST_VERBS),
        "object": lambda: rng.choice(vocab.OBJECTS),
        "object_plain": lambda: re.sub(r"^(a|an|the) ", "", rng.choice(vocab.OBJECTS)),
        "tail": lambda: _fill(rng.choice(vocab.TAILS), rng),
        "month": lambda: rng.choice(vocab.MONTHS),
        "day": lambda: str(rng.randint(1, 28)),
        "number": lambda: str(rng.choice((40, 120, 250, 300, 500, 800, 1200, 2500))),
        "quote": lambda: rng.choice(vocab.QUOTES),
        "speaker": lambda: rng.choice(vocab.SPEAKER_ROLES),
        "ordinal": lambda: rng.choice(vocab.ORDINALS),
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)](), template)


_SHORT_SUBJECTS = ("MND", "ROK Army", "ROK Navy", "Air Force", "Marines", "JCS", "DAPA", "Army")


def _clause(rng: random.Random, short: bool) -> str:
    subject = rng.choice(_SHORT_SUBJECTS) if short else _fill(rng.choice(vocab.SUBJECTS), rng)
    return f"{subject} {rng.choice(vocab.VERBS)} {rng.choice(vocab.OBJECTS)}"


def _pad(text: str, lo: int, hi: int) -> str:
    """Make ``text`` between ``lo`` and ``hi`` characters with whole filler words."""
    while len(text) > hi:
        text = text.rsplit(" ", 1)[0]
    while len(text) < lo:
        gap = min(hi - len(text), 15)
        text = f"{text} {vocab.FILLERS[max(2, min(14, gap - 1))]}"
    return text


def _phrase(rng: random.Random, lo: int, hi: int, start: str | None = None) -> str:
    """A headline-like phrase between ``lo`` and ``hi`` characters long."""
    short = hi <= 70
    text = ""
    for _ in range(40):
        text = start if start is not None else _clause(rng, short)
        while len(text) < lo:
            text = f"{text} {_fill(rng.choice(vocab.TAILS), rng)}"
        if len(text) <= hi:
            return text
    return _pad(text, lo, hi)


def _exact_phrase(rng: random.Random, length: int) -> str:
    """A phrase of exactly ``length`` characters (ends with a filler word)."""
    text = _phrase(rng, length - 15, length - 3)
    return f"{text} {vocab.FILLERS[length - len(text) - 1]}"


def cut_title(title: str, limit: int) -> str:
    """Cut a title the way the board's header and listing do.

    >>> cut_title("Short title", 64)
    'Short title'
    >>> cut_title("x" * 70, 64) == "x" * 64 + "..."
    True
    """
    return title if len(title) <= limit else title[:limit] + "..."


def _build_title(rng: random.Random, kind: str, limit: int, quotes: tuple[str, str]) -> str:
    open_q, close_q = quotes
    if kind == "dots":
        first = _exact_phrase(rng, limit - 2 - len(open_q))
        second = _phrase(rng, 18, 50)
        return f"{open_q}{first}... {second}{close_q}"
    lo, hi = {"short": (28, 60), "medium": (70, 120), "long": (135, 190)}[kind]
    if open_q:
        candidates = [q for q in vocab.QUOTES if len(q) + 2 <= hi - 10]
        start = f"{open_q}{rng.choice(candidates)}{close_q}"
        if len(start) >= lo:
            return start
        return _phrase(rng, lo, hi, start=f"{start}, says {_person(rng).name}")
    return _phrase(rng, lo, hi)


def _paragraph(rng: random.Random, sentences: int) -> str:
    """Body text: ``sentences`` different sentence templates, filled in."""
    texts = (_fill(template, rng) for template in rng.sample(vocab.SENTENCES, sentences))
    return " ".join(text[0].upper() + text[1:] for text in texts)


def normalize_space(text: str) -> str:
    """Collapse whitespace, no-break spaces included, and strip.

    >>> normalize_space("  a\\xa0\\xa0b \\n c\\xa0")
    'a b c'
    """
    return " ".join(text.replace("\xa0", " ").split())


# --------------------------------------------------------------------------- metadata


@dataclass(frozen=True, slots=True)
class Meta:
    """The cheap part of an article: everything a listing row needs."""

    k: int
    board: Board
    ordinal: int
    seq: str
    title: str
    title_raw: str
    cut_limit: int
    published: datetime.date
    published_raw: str
    encoding: str
    js_href: bool
    base_hits: int
    title_kind: str
    headline: str
    korean_line: bool

    @property
    def is_notice(self) -> bool:
        """The oldest article of each board is its pinned notice."""
        return self.ordinal == 1

    @property
    def title_cut(self) -> bool:
        """Whether the header/listing title is cut."""
        return self.title_raw != self.title


@lru_cache(maxsize=65536)
def article_meta(k: int) -> Meta:
    """Metadata of article ``k`` (cached; independent of the published count).

    >>> meta = article_meta(3)
    >>> meta.board.name, meta.ordinal, meta.seq, meta.published_raw
    ('Recent News', 2, 'O_110012', '2008.01.02')
    """
    if not 1 <= k <= MAX_ARTICLES:
        raise KeyError(k)
    board = board_of(k)
    j = ordinal_of(k)
    old = k <= OLD_ERA_LAST_K
    limit = 128 if board.key == "recent" and not old else 64
    encoding = "euc-kr" if old and j % 5 == 2 else "utf-8"
    kind = _pick(_TITLE_KINDS, board.key, j)
    headline = _pick(_HEADLINES, board.key, j)
    rng = random.Random(f"{k}:title")
    quotes = {"curly_mismatch": ("\u201c", "\u201c"), "apos_mismatch": ("\u201c", "'")}.get(
        headline, ("\u201c", "\u201d") if j % 5 == 0 else ("", "")
    )
    if j == 1:
        title = vocab.NOTICE_TITLES[board.key]
        kind = "notice"
    else:
        title = _build_title(rng, kind, limit, quotes)
    title_raw = cut_title(title, limit)
    if headline == "absent" and title_raw == title:
        headline = "plain"
    published = published_of(k)
    published_raw = published.strftime("%Y-%m-%d" if j % 8 == 6 else "%Y.%m.%d")
    return Meta(
        k=k,
        board=board,
        ordinal=j,
        seq=seq_of(k),
        title=title,
        title_raw=title_raw,
        cut_limit=limit,
        published=published,
        published_raw=published_raw,
        encoding=encoding,
        js_href=j % 4 == 2,
        base_hits=100 + (k * 7919) % 2900,
        title_kind=kind,
        headline=headline,
        # EUC-KR pages always carry Korean text: a Korean title line after the headline.
        korean_line=headline == "korean_line" or (encoding == "euc-kr" and headline != "absent"),
    )


# --------------------------------------------------------------------------- the post


BlockKind = Literal[
    "headline",
    "korean",
    "spacer",
    "deck",
    "image",
    "caption",
    "para",
    "byline",
    "copyright",
    "raw",
]


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph of ``div.post_content``.

    ``text`` is plain text (escaped by the renderer); ``lead`` and ``trail`` are raw
    HTML put around it (``&nbsp;`` runs, spaces); ``lines`` holds the ``<br>``-separated
    lines of a deck block; ``src`` the path of an image.  A ``raw`` block (only made by
    fault modes, :mod:`.faults`) is its ``lead``, raw HTML, and is not a ``<p>``.
    """

    kind: BlockKind
    text: str = ""
    lead: str = ""
    trail: str = ""
    lines: tuple[str, ...] = ()
    src: str = ""


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A real attachment the download URL serves."""

    file_seq: int
    name: str
    size: int
    content_type: str

    @property
    def size_label(self) -> str:
        """The size as the board prints it, e.g. ``(245.3KB)``."""
        if self.size >= 1024 * 1024:
            return f"({self.size / 1024 / 1024:.1f}MB)"
        return f"({self.size / 1024:.1f}KB)"


FileHref = Literal["direct", "jsdown", "none", "void", "url"]


@dataclass(frozen=True, slots=True)
class FileLink:
    """One ``li`` of the File block, as shown: placeholder or real file.

    ``href="url"`` (only made by fault modes) links to ``url`` as it is.
    """

    label: str
    href: FileHref
    file_seq: int | None = None
    size_raw: str | None = None
    url: str = ""


@dataclass(frozen=True, slots=True)
class Article:
    """An article: metadata, the blocks rendered into the page, and the truth."""

    meta: Meta
    revision: int
    blocks: tuple[Block, ...]
    file_links: tuple[FileLink, ...] | None
    files: dict[int, StoredFile]
    subtitles: tuple[str, ...]
    body: str
    images: tuple[tuple[str, str | None], ...]
    authors: tuple[dict[str, str | None], ...]
    byline_raw: str | None
    copyright: dict[str, Any] | None
    title_truncated: bool
    quirks: frozenset[str] = field(default_factory=frozenset)

    def download_path(self, file_seq: int) -> str:
        """Path and query of a file's download URL (markup.md's parameter order)."""
        board = self.meta.board.board_id
        return (
            f"/user/boardList.action?command=download&boardId={board}"
            f"&boardSeq={self.meta.seq}&fileSeq={file_seq}"
        )

    def canonical_path(self) -> str:
        """Path and query of the canonical article URL (sorted parameters)."""
        m = self.meta
        return (
            f"/user/boardList.action?boardId={m.board.board_id}&boardSeq={m.seq}"
            f"&command=view&id={m.board.menu_id}&siteId={SITE_ID}"
        )

    def truth(self, base_url: str) -> dict[str, Any]:
        """The record a perfect crawler produces for this article (volatile keys aside).

        ``base_url`` (``http://127.0.0.1:8000``, no trailing slash) makes URLs absolute.
        """
        base = base_url.rstrip("/")
        m = self.meta
        attachments: list[dict[str, Any]] = []
        seen: set[int] = set()
        for link in self.file_links or ():
            if link.file_seq is None or link.file_seq in seen:
                continue
            seen.add(link.file_seq)
            stored = self.files[link.file_seq]
            attachments.append(
                {
                    "name": stored.name,
                    "url": base + self.download_path(link.file_seq),
                    "size_raw": link.size_raw,
                }
            )
        return {
            "id": m.seq,
            "board_id": m.board.board_id,
            "url": base + self.canonical_path(),
            "section": SECTION,
            "board": m.board.name,
            "title": m.title if not self.title_truncated else m.title_raw,
            "title_raw": m.title_raw,
            "title_truncated": self.title_truncated,
            "published": m.published.isoformat(),
            "published_raw": m.published_raw,
            "subtitles": list(self.subtitles),
            "body": self.body,
            "images": [{"url": base + src, "caption": cap} for src, cap in self.images],
            "authors": [dict(a) for a in self.authors],
            "byline_raw": self.byline_raw,
            "copyright": dict(self.copyright) if self.copyright else None,
            "attachments": attachments,
        }


_NBSP = "&nbsp;"
_SPACER_HTML = (_NBSP, _NBSP, _NBSP + _NBSP, " " + _NBSP)


def _deck_lines(rng: random.Random, variant: str) -> tuple[list[tuple[str, ...]], list[str]]:
    """Deck groups as shown (one tuple of lines per ``<p>``) and the clean lines."""

    def lines(count: int) -> list[str]:
        return [_phrase(rng, 30, 85) for _ in range(count)]

    markers: dict[str, Callable[[str], str]] = {
        "lines": lambda s: s,
        "dash_space": lambda s: f"- {s}",
        "dash_tight": lambda s: f"-{s}",
        "wrapped": lambda s: f"- {s} -",
        "semicolon": lambda s: f"{s};",
    }
    if variant == "two_groups":
        first, second, single = lines(3), lines(2), lines(1)
        groups = [tuple(first), tuple(f"- {s}" for s in second), tuple(single)]
        return groups, first + second + single
    clean = lines(rng.randint(2, 3))
    return [tuple(markers[variant](s) for s in clean)], clean


def _byline(rng: random.Random, variant: str) -> tuple[list[str], list[dict[str, str | None]]]:
    """Byline lines as shown and the authors they name."""
    a, b = _person(rng), _person(rng)

    def author(p: Person, email: bool = True, role: str = "reporter") -> dict[str, str | None]:
        return {"name": p.name, "email": p.email.lower() if email else None, "role": role}

    if variant == "given_family_email":
        return [f"By {a.given}, {a.family} <{a.email} >"], [author(a)]
    if variant == "empty_space":
        return [f"By {a.given}, {a.family} < >"], [author(a, False)]
    if variant == "empty_tight":
        return [f"By {a.given}, {a.family} <>"], [author(a, False)]
    if variant == "paren_email":
        return [f"By {a.name} ({a.email})"], [author(a)]
    if variant == "reporter":
        return [f"By Reporter {a.name}"], [author(a, False)]
    if variant == "staff":
        return [f"By Staff Reporter {a.name}"], [author(a, False)]
    if variant in ("two_and", "two_amp", "two_comma"):
        sep = {"two_and": " and ", "two_amp": " & ", "two_comma": ", "}[variant]
        return [f"By {a.name}{sep}{b.name}"], [author(a, False), author(b, False)]
    if variant == "korean":
        name = _korean_name(rng)
        return [f"{name} 기자 < {a.email} >"], [
            {"name": name, "email": a.email.lower(), "role": "reporter"}
        ]
    if variant == "with_translator":
        return (
            [f"By {a.given}, {a.family} <{a.email} >", f"Translated by {b.name}"],
            [author(a), author(b, False, "translator")],
        )
    if variant == "translator_only":
        return [f"Translated by {b.name}"], [author(b, False, "translator")]
    if variant == "upper_email":
        local = f"{a.family}{a.given[0]}{a.given.split('-')[1][0].upper()}"
        shown = f"{local}@{a.email.split('@')[1]}"
        return [f"By {a.given}, {a.family} <{shown}>"], [
            {"name": a.name, "email": shown.lower(), "role": "reporter"}
        ]
    if variant == "photo_credit":
        return (
            [f"By Reporter {a.name}", f"Photo by {b.name}"],
            [author(a, False), author(b, False, "photographer")],
        )
    if variant == "photo_only":
        return [f"Photo by {b.name}"], [author(b, False, "photographer")]
    return [], []


def _copyright(variant: str, year: int) -> tuple[str, str, dict[str, Any] | None]:
    """Copyright text as shown, raw trailing HTML, and the truth (or ``None``)."""
    standard = f"<Copyright \u24d2 {HOLDER_EN}, All rights reserved>"
    texts: dict[str, tuple[str, str, str, int | None]] = {
        "standard": (standard, "", HOLDER_EN, None),
        "no_brackets": (standard[1:-1], "", HOLDER_EN, None),
        "symbol_c": (standard.replace("\u24d2", "\u00a9"), "", HOLDER_EN, None),
        "paren_c": (f"Copyright (c) {HOLDER_EN}. All rights reserved.", "", HOLDER_EN, None),
        "year": (
            f"<Copyright \u24d2 {year} {HOLDER_EN}, All rights reserved>",
            "",
            HOLDER_EN,
            year,
        ),
        "all_caps": (f"<Copyright \u24d2 {HOLDER_EN}. All Rights Reserved.>", "", HOLDER_EN, None),
        "trailing_ws": (standard, "&nbsp; &nbsp; ", HOLDER_EN, None),
        "korean": (f"\u24d2 {HOLDER_KO}, 무단전재 및 재배포 금지", "", HOLDER_KO, None),
    }
    if variant not in texts:
        return "", "", None
    text, trail, holder, yr = texts[variant]
    return text, trail, {"holder": holder, "year": yr, "text": text}


_CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".hwp": "application/x-hwp",
    ".zip": "application/zip",
}


def _files(
    rng: random.Random, variant: str, meta: Meta
) -> tuple[tuple[FileLink, ...] | None, dict[int, StoredFile]]:
    """The File block (``None``: no block at all) and the files it offers."""
    stamp = meta.published.strftime("%Y%m%d")
    files: dict[int, StoredFile] = {}

    def new(name: str, big: bool = False) -> StoredFile:
        seq = len(files) + 1
        size = rng.randint(1_100_000, 1_600_000) if big else rng.randint(8_000, 600_000)
        stored = StoredFile(seq, name, size, _CONTENT_TYPES[name[name.rfind(".") :]])
        files[seq] = stored
        return stored

    ascii_names = (
        f"{stamp}_briefing.pdf",
        f"MND_{stamp}_press_release.hwp",
        f"{stamp}_fact_sheet.pdf",
        "schedule.zip",
    )

    def direct(f: StoredFile, size: bool = False, label: str | None = None) -> FileLink:
        return FileLink(label or f.name, "direct", f.file_seq, f.size_label if size else None)

    def jsdown(f: StoredFile) -> FileLink:
        return FileLink(f.name, "jsdown", f.file_seq)

    placeholder = FileLink(PLACEHOLDER_LABEL, "none")
    links: list[FileLink]
    if variant == "no_block":
        return None, files
    if variant == "empty":
        links = []
    elif variant == "placeholder":
        links = [placeholder]
    elif variant == "direct_size":
        links = [direct(new(rng.choice(ascii_names)), size=True), placeholder]
    elif variant == "jsdown":
        links = [jsdown(new(f"photo {rng.randint(1, 9)}.jpg")), placeholder]
    elif variant == "two_files":
        first = new(rng.choice(ascii_names), big=True)
        links = [
            direct(first, size=True),
            jsdown(new(f"photo {rng.randint(1, 9)}.jpg")),
            placeholder,
        ]
    elif variant == "duplicate":
        f = new(rng.choice(ascii_names))
        links = [direct(f, size=True), direct(f, size=True), placeholder]
    elif variant == "duplicate_mixed":
        f = new(rng.choice(ascii_names))
        links = [direct(f), jsdown(f), placeholder]
    elif variant == "percent":
        f = new(f"{meta.published.year} defense policy briefing.pdf")
        links = [direct(f, label=quote(f.name)), placeholder]
    elif variant == "void":
        links = [FileLink(VOID_LABEL, "void"), direct(new(rng.choice(ascii_names))), placeholder]
    elif variant == "korean":
        name = rng.choice((f"{stamp}_국방부_보도자료.hwp", f"국방일보_사진_{stamp}.jpg"))
        links = [direct(new(name), size=True), placeholder]
    else:  # pragma: no cover - the tables only hold the names above
        raise ValueError(variant)
    return tuple(links), files


def image_path(meta: Meta, index: int) -> str:
    """Path of the ``index``-th (1-based) image of an article; some are PNG."""
    number = meta.seq.split("_", 1)[1]
    ext = "png" if (meta.k + index) % 4 == 0 else "jpg"
    return f"/upload/news/{meta.published.strftime('%Y%m%d')}_{number}_{index:02d}.{ext}"


def image_count(meta: Meta) -> int:
    """How many images the post of ``meta`` shows."""
    return _IMAGE_COUNTS[meta.board.key][meta.ordinal % len(_IMAGE_COUNTS[meta.board.key])]


@lru_cache(maxsize=4096)
def build_article(k: int, revision: int = 0) -> Article:
    """Generate article ``k`` at ``revision`` (0 = as first published).

    A revision rewrites the body paragraphs only; everything else stays.

    >>> a = build_article(3)
    >>> a.meta.seq, a.truth("http://h")["url"]
    ('O_110012', 'http://h/user/boardList.action?boardId=O_47261&boardSeq=O_110012&command=view&id=mndEN_020100000000&siteId=mndEN')
    >>> build_article(3, 1).body != a.body and build_article(3, 1).meta == a.meta
    True
    """
    meta = article_meta(k)
    key, j = meta.board.key, meta.ordinal
    # One generator per part, so a revision (which reseeds only the body text) leaves
    # every other part of the post exactly as it was.
    rng = random.Random(f"{k}:post")
    deck_rng = random.Random(f"{k}:deck")
    image_rng = random.Random(f"{k}:images")
    space_rng = random.Random(f"{k}:spaces")
    body_rng = random.Random(f"{k}:body:{revision}")
    quirks: set[str] = set()
    blocks: list[Block] = []

    def spacer() -> None:
        blocks.append(Block("spacer", lead=rng.choice(_SPACER_HTML)))

    # Title and headline
    headline = meta.headline
    title_truncated = meta.title_cut and headline == "absent"
    quirks.add(f"title:{meta.title_kind}")
    if meta.title_cut:
        quirks.add(f"title_cut:{meta.cut_limit}")
    if meta.title_raw.endswith("....."):
        quirks.add("title_cut_in_dots")
    quirks.add(f"headline:{headline}")
    if title_truncated:
        quirks.add("title_truncated")
    if headline != "absent":
        blocks.append(Block("headline", meta.title))
        if headline == "repeated":
            blocks.append(Block("headline", meta.title))
        if meta.korean_line:
            quirks.add("headline:korean_line")
            korean_rng = random.Random(f"{k}:korean")
            topics = " ".join(korean_rng.sample(vocab.KOREAN_TITLE_TOPICS, 2))
            line = (
                f"{korean_rng.choice(vocab.KOREAN_TITLE_SUBJECTS)}, {topics}"
                f" {korean_rng.choice(vocab.KOREAN_TITLE_ACTIONS)}"
            )
            blocks.append(Block("korean", line))
        if j % 4 != 3:
            spacer()
        if j % 6 == 0:
            spacer()

    # Deck
    deck = _pick(_DECKS, key, j)
    subtitles: list[str] = []
    if deck != "none":
        quirks.add(f"deck:{deck}")
        groups, subtitles = _deck_lines(deck_rng, deck)
        for group in groups:
            blocks.append(Block("deck", lines=group))
        if rng.random() < 0.6:
            spacer()

    # Body paragraphs (text from the revision's generator)
    count = _BODY_COUNTS[key][j % len(_BODY_COUNTS[key])]
    paragraphs = [_paragraph(body_rng, body_rng.randint(2, 3)) for _ in range(count)]
    if key == "press":
        items = body_rng.sample(vocab.PRESS_ITEMS, body_rng.randint(3, 5))
        paragraphs[1:1] = ["\u25b3 " + _fill(item, body_rng) for item in items]
        quirks.add("press_triangles")

    def paragraph_block(index: int, text: str) -> Block:
        lead = trail = ""
        if (k + index) % 3 == 0:
            trail = space_rng.choice((_NBSP, _NBSP + _NBSP, " " + _NBSP))
            quirks.add("para_trailing_nbsp")
        if (k + index) % 5 == 1 and not text.startswith("\u25b3"):
            lead = space_rng.choice((" ", _NBSP, "  "))
            quirks.add("para_leading_space")
        return Block("para", text, lead=lead, trail=trail)

    # Images with captions: the first before the body, the others after its paragraphs
    images: list[tuple[str, str | None]] = []
    image_blocks: list[list[Block]] = []
    for index in range(1, image_count(meta) + 1):
        src = image_path(meta, index)
        caption_kind = _CAPTIONS[(j + index) % len(_CAPTIONS)]
        if caption_kind == "long_credit" and index != 1:
            caption_kind = "short"
        if caption_kind == "none" and (index != 1 or not paragraphs):
            # An uncaptioned image is always followed by a body paragraph, never by
            # another image or the byline, so "no caption" stays unambiguous.
            caption_kind = "short"
        image_group = [Block("image", src=src)]
        caption: str | None = None
        if caption_kind == "short_nbsp":
            caption = image_rng.choice(vocab.CAPTIONS)
            image_group.append(Block("caption", caption, trail=_NBSP + _NBSP))
        elif caption_kind == "short":
            caption = image_rng.choice(vocab.CAPTIONS)
            image_group.append(Block("caption", caption))
        elif caption_kind == "title50":
            caption = meta.title[:50].strip()
            image_group.append(Block("caption", meta.title[:50]))
        elif caption_kind == "long_credit":
            caption = (
                f"{image_rng.choice(vocab.CAPTIONS)} {_fill('{tail}', image_rng)}"
                f" on {_fill('{month} {day}', image_rng)}, as part of"
                f" {_fill('{object}', image_rng)} held {_fill('{tail}', image_rng)}."
                f" Reported by {_person(image_rng).name}"
            )
            image_group.append(Block("caption", caption))
        quirks.add(f"caption:{caption_kind}")
        quirks.add(f"image:{src.rsplit('.', 1)[1]}")
        if image_rng.random() < 0.3:
            image_group.append(Block("spacer", lead=_NBSP))
        images.append((src, caption))
        image_blocks.append(image_group)

    pending = image_blocks[1:]
    if image_blocks:
        blocks.extend(image_blocks[0])
    for i, text in enumerate(paragraphs):
        blocks.append(paragraph_block(i, text))
        if pending and (i >= 1 or len(paragraphs) == 1):
            blocks.extend(pending.pop(0))
    for image_group in pending:
        blocks.extend(image_group)

    # Byline and copyright
    byline_variant = _pick(_BYLINES, key, j)
    byline_lines, authors = _byline(random.Random(f"{k}:byline"), byline_variant)
    year = meta.published.year
    copyright_variant = _pick(_COPYRIGHTS, key, j)
    if meta.encoding == "euc-kr" and copyright_variant == "symbol_c":
        copyright_variant = "standard"  # "©" is not in EUC-KR
    if meta.encoding == "euc-kr" and not meta.korean_line and key != "press":
        copyright_variant = "korean"  # EUC-KR pages always carry some Korean text
    copyright_text, copyright_trail, copyright_truth = _copyright(copyright_variant, year)
    if (byline_lines or copyright_truth) and j % 3 == 1:
        spacer()
    for line in byline_lines:
        blocks.append(Block("byline", line))
    quirks.add(f"byline:{byline_variant}")
    if copyright_truth:
        blocks.append(Block("copyright", copyright_text, trail=copyright_trail))
    quirks.add(f"copyright:{copyright_variant}")

    # Files
    files_variant = _pick(_FILES, key, j)
    file_links, files = _files(random.Random(f"{k}:files"), files_variant, meta)
    quirks.add(f"files:{files_variant}")

    quirks.add(f"encoding:{meta.encoding}")
    quirks.add("date:dashes" if "-" in meta.published_raw else "date:dots")
    if meta.js_href:
        quirks.add("link:javascript_href")
    if meta.is_notice:
        quirks.add("notice")

    return Article(
        meta=meta,
        revision=revision,
        blocks=tuple(blocks),
        file_links=file_links,
        files=files,
        subtitles=tuple(_strip_deck_marker(s) for s in subtitles),
        body="\n\n".join(normalize_space(p) for p in paragraphs),
        images=tuple(images),
        authors=tuple(authors),
        byline_raw="\n".join(byline_lines) if byline_lines else None,
        copyright=copyright_truth,
        title_truncated=title_truncated,
        quirks=frozenset(quirks),
    )


def _strip_deck_marker(line: str) -> str:
    """Deck line without its ``- ``/``-``/``- ... -``/``;`` markers.

    >>> [_strip_deck_marker(s) for s in ("- a b -", "-a", "- a", "a;")]
    ['a b', 'a', 'a', 'a']
    """
    line = line.strip()
    if line.startswith("- ") and line.endswith(" -"):
        line = line[2:-2]
    line = line.removeprefix("-").removesuffix(";")
    return line.strip()
