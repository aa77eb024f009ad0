"""What the demo board holds: the catalogue arithmetic, and each article drawn from the grammar.

Article ``k`` (``1 <= k <= MAX_ARTICLES``; larger is newer) is a pure function of ``k``
and of its revision number, never of how many articles are published, so raising the
count "publishes" new articles without changing the old ones.

* The board of ``k`` comes from a fixed cycle of 20 slots (12 Recent News, 4 Photo News,
  4 Press Release); its *ordinal* ``j`` (1 = oldest of its board, also the number the
  listing shows), its id and its date follow by arithmetic, so nothing is pre-computed
  for large counts.
* Its content is ONE draw of the contract grammar (:func:`.grammar.draw_post`) with
  ``RandomChooser(f"{k}:post")``, given the catalogue's id, date and (for the old era)
  title cut: blocks, title and its cut, headline, deck, body, photos and captions,
  bylines, copyright, File block, encoding and link style.  The words of the body
  paragraphs come from a second chooser seeded with the revision, so an edit rewrites
  the body text and nothing else.  ``random`` hashes string seeds with SHA-512: the
  output does not depend on ``PYTHONHASHSEED``, and the global generator is never touched.

:func:`build_article` returns an :class:`Article`: the blocks of the post (what
:mod:`.render` puts in the page) and the *truth* the grammar built alongside: what a
perfect crawler extracts (:meth:`Article.truth`).
"""

from __future__ import annotations

import datetime
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .board import BOARD_BY_ID, BOARDS, LIST_PATH, SECTION, SITE_ID, Board
from .grammar import Block, Post, RandomChooser, draw_post, normalize_space

__all__ = [
    "BOARDS",
    "BOARD_BY_ID",
    "SECTION",
    "SITE_ID",
    "Article",
    "Block",
    "Board",
    "Meta",
    "StoredFile",
    "article_meta",
    "build_article",
    "normalize_space",
]

MAX_ARTICLES = 20_000
OLD_ERA_LAST_K = 40
"""Articles ``k <= OLD_ERA_LAST_K`` are "old": their titles are cut at 64 characters on
every board (newer Recent News titles may be cut at 128, as the grammar draws)."""
FIRST_DATE = datetime.date(2008, 1, 1)
EDIT_ATTEMPTS = 20
"""Seeds a revision tries for body words that no earlier revision had."""

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


# --------------------------------------------------------------------------- text


def cut_title(title: str, limit: int) -> str:
    """Cut a title the way the board's header and listing do.

    >>> cut_title("Short title", 64)
    'Short title'
    >>> cut_title("x" * 70, 64) == "x" * 64 + "..."
    True
    """
    return title if len(title) <= limit else title[:limit] + "..."


# --------------------------------------------------------------------------- the post


def _draw(k: int, words_seed: str) -> Post:
    board = board_of(k)
    published = published_of(k)
    return draw_post(
        RandomChooser(f"{k}:post"),
        board.key,
        seq=seq_of(k),
        date=(published.year, published.month, published.day),
        cut_limit=64 if k <= OLD_ERA_LAST_K else None,
        words=RandomChooser(words_seed),
    )


@lru_cache(maxsize=4096)
def post_of(k: int, revision: int = 0) -> Post:
    """The grammar's draw for article ``k`` at ``revision`` (0 = as first published).

    Every revision keeps the post's structure and changes the words of its body
    paragraphs: the first of ``EDIT_ATTEMPTS`` seeds whose body no earlier revision had
    (a post without body paragraphs has nothing to change).

    >>> post_of(3).seq, post_of(3).title == post_of(3, 1).title
    ('O_110012', True)
    """
    if not 1 <= k <= MAX_ARTICLES:
        raise KeyError(k)
    earlier = {post_of(k, r).truth["body"] for r in range(revision)}
    post = _draw(k, f"{k}:words:{revision}")
    for attempt in range(1, EDIT_ATTEMPTS):
        if post.truth["body"] not in earlier:
            break
        post = _draw(k, f"{k}:words:{revision}:{attempt}")
    return post


@dataclass(frozen=True, slots=True)
class Meta:
    """The cheap part of an article: everything a listing row needs.

    ``title`` is the full title and ``title_raw`` the header's and listing's (cut at
    ``cut_limit`` + ``...`` when longer); ``headline`` is how the post shows the title
    (``once``, ``twice``, ``absent``).
    """

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
    headline: str

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
    >>> meta.board.name, meta.ordinal, meta.seq, meta.published.isoformat()
    ('Recent News', 2, 'O_110012', '2008-01-02')
    """
    post = post_of(k)
    return Meta(
        k=k,
        board=board_of(k),
        ordinal=ordinal_of(k),
        seq=post.seq,
        title=post.title,
        title_raw=post.title_raw,
        cut_limit=post.cut_limit,
        published=published_of(k),
        published_raw=post.published_raw,
        encoding=post.encoding,
        js_href=post.js_href,
        base_hits=100 + (k * 7919) % 2900,
        headline=post.headline,
    )


_CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".hwp": "application/x-hwp",
    ".zip": "application/zip",
}


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A real attachment the download URL serves."""

    file_seq: int
    name: str
    size: int
    content_type: str


def file_size(size_raw: str | None, seed: str) -> int:
    """Bytes served for a file whose size label is ``size_raw`` (any size without one).

    >>> file_size("(245.3KB)", "x"), file_size("(1.5MB)", "x")
    (251187, 1572864)
    """
    if size_raw is None:
        return random.Random(seed).randint(8_000, 300_000)
    scale = 1024 * 1024 if size_raw.endswith("MB)") else 1024
    return round(float(size_raw[1:-3]) * scale)


@dataclass(frozen=True, slots=True)
class Article:
    """An article: metadata, the blocks rendered into the page, and the truth.

    ``file_items`` are the ``<li>`` entries of the File block (``None``: no block);
    ``attachments`` the real files as (name, fileSeq, size label), each once.
    """

    meta: Meta
    revision: int
    blocks: tuple[Block, ...]
    file_items: tuple[str, ...] | None
    files: dict[int, StoredFile]
    subtitles: tuple[str, ...]
    body: str
    images: tuple[tuple[str, str | None], ...]
    authors: tuple[dict[str, str | None], ...]
    byline_raw: str | None
    copyright: dict[str, Any] | None
    attachments: tuple[tuple[str, int, str | None], ...]
    title_truncated: bool
    quirks: frozenset[str] = field(default_factory=frozenset)

    def download_path(self, file_seq: int) -> str:
        """Path and query of a file's download URL (markup.md's parameter order)."""
        board = self.meta.board.board_id
        return (
            f"{LIST_PATH}?command=download&boardId={board}"
            f"&boardSeq={self.meta.seq}&fileSeq={file_seq}"
        )

    def canonical_path(self) -> str:
        """Path and query of the canonical article URL (sorted parameters)."""
        m = self.meta
        return (
            f"{LIST_PATH}?boardId={m.board.board_id}&boardSeq={m.seq}"
            f"&command=view&id={m.board.menu_id}&siteId={SITE_ID}"
        )

    def truth(self, base_url: str) -> dict[str, Any]:
        """The record a perfect crawler produces for this article (volatile keys aside).

        ``base_url`` (``http://127.0.0.1:8000``, no trailing slash) makes URLs absolute.
        """
        base = base_url.rstrip("/")
        m = self.meta
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
            "attachments": [
                {"name": name, "url": base + self.download_path(seq), "size_raw": size}
                for name, seq, size in self.attachments
            ],
        }


@lru_cache(maxsize=4096)
def build_article(k: int, revision: int = 0) -> Article:
    """Article ``k`` at ``revision`` (0 = as first published), from :func:`post_of`.

    >>> a = build_article(3)
    >>> a.meta.seq, a.truth("http://h")["url"]
    ('O_110012', 'http://h/user/boardList.action?boardId=O_47261&boardSeq=O_110012&command=view&id=mndEN_020100000000&siteId=mndEN')
    >>> build_article(3, 1).body != a.body and build_article(3, 1).meta == a.meta
    True
    """
    meta = article_meta(k)
    post = post_of(k, revision)
    truth = post.truth
    files = {
        seq: StoredFile(
            seq, name, file_size(size, f"{meta.seq}:{seq}"),
            _CONTENT_TYPES[name[name.rfind("."):]],
        )
        for name, seq, size in post.files
    }
    quirks = set(post.forms)
    if meta.is_notice:
        quirks.add("notice")
    return Article(
        meta=meta,
        revision=revision,
        blocks=tuple(post.blocks),
        file_items=None if post.file_items is None else tuple(post.file_items),
        files=files,
        subtitles=tuple(truth["subtitles"]),
        body=truth["body"],
        images=tuple(truth["images"]),
        authors=tuple(truth["authors"]),
        byline_raw=truth["byline_raw"],
        copyright=truth["copyright"],
        attachments=tuple(truth["attachments"]),
        title_truncated=truth["title_truncated"],
        quirks=frozenset(quirks),
    )


def image_paths(k: int) -> frozenset[str]:
    """Paths of the images article ``k`` shows (the same in every revision)."""
    return frozenset(src for src, _ in post_of(k).truth["images"])
