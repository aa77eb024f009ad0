"""The demo site's state and request handling, independent of Twisted.

:class:`DemoSite` holds what changes at run time (the published count, edits, view
counters, request counters) and answers a request with :meth:`DemoSite.handle`, a
pure-Python function of path and query.  :mod:`.server` wraps it in a Twisted
resource.
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote

from . import media, render
from .content import (
    BOARD_BY_ID,
    BOARDS,
    MAX_ARTICLES,
    Article,
    Board,
    article_meta,
    board_count,
    board_of,
    build_article,
    image_count,
    image_path,
    k_of,
    k_of_seq,
    seq_of,
)

if TYPE_CHECKING:
    from twisted.web.resource import Resource

_HTML_UTF8 = "text/html; charset=utf-8"
_IMAGE_PATH = re.compile(r"/upload/news/(\d{8})_(\d{1,9})_(\d{2})\.(jpg|png)")
_PAGE_CACHE_SIZE = 2048


@dataclass(slots=True)
class Response:
    """An answer of the site: status, headers (in order) and body bytes."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (case-insensitive), or ``None``."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    @property
    def text(self) -> str:
        """The body decoded with the charset of its Content-Type or ``<meta>`` tag."""
        declared = re.search(r"charset=([\w-]+)", self.header("Content-Type") or "")
        if declared:
            charset = declared.group(1)
        else:
            in_meta = re.search(rb"charset=[\"']?([\w-]+)", self.body[:1024])
            charset = in_meta.group(1).decode("ascii") if in_meta else "utf-8"
        return self.body.decode(charset)


def content_disposition(name: str, fallback: str) -> str:
    """``Content-Disposition`` for a download; non-ASCII names per RFC 5987/6266.

    >>> content_disposition("a b.pdf", "x.pdf")
    'attachment; filename="a b.pdf"'
    >>> content_disposition("국방.hwp", "file.hwp")
    'attachment; filename="file.hwp"; filename*=UTF-8\\'\\'%EA%B5%AD%EB%B0%A9.hwp'
    """
    if name.isascii():
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def ascii_fallback(name: str, default_stem: str) -> str:
    """An ASCII stand-in for a file name: non-ASCII runs dropped.

    >>> ascii_fallback("20170203_국방부_보도자료.hwp", "f"), ascii_fallback("사진.jpg", "f")
    ('20170203.hwp', 'f.jpg')
    """
    stem, dot, ext = name.rpartition(".")
    clean = re.sub(r"[^\x20-\x7e]+", "", stem).strip("_ -")
    return f"{clean or default_stem}{dot}{ext}"


@lru_cache(maxsize=1024)
def _image(name: str) -> tuple[bytes, str]:
    return media.image_bytes(name)


class DemoSite:
    """The News Zone demo board: ``articles`` published articles, newest last.

    ``edits`` maps an article's ``k`` to a revision number (a revision rewrites the
    body text).  ``faults`` is reserved for fault modes (none are implemented yet; it
    is stored as given).  ``base_url`` makes the URLs of :meth:`truth` absolute;
    :func:`.server.listen` sets it to the address it listens on.

    >>> site = DemoSite(30)
    >>> site.ids("photo")[:2], len(site.all_ids())
    (['O_110108', 'O_110089'], 30)
    >>> site.handle("/user/boardList.action", "boardId=O_47317&page=1").status
    200
    """

    def __init__(
        self,
        articles: int = 150,
        *,
        edits: dict[int, int] | None = None,
        faults: dict[str, Any] | None = None,
        base_url: str = "http://127.0.0.1",
    ) -> None:
        self._articles = 0
        self.articles = articles
        self.edits: dict[int, int] = dict(edits or {})
        self.faults: dict[str, Any] = dict(faults or {})
        self.base_url = base_url
        self.requests: Counter[str] = Counter()
        """Requests answered, per kind: listing, article, download, image, robots,
        index, other; ``not_found`` counts the 404 answers among them."""
        self._views: dict[int, int] = {}
        self._pages: OrderedDict[tuple[int, int, bool], bytes] = OrderedDict()

    # ------------------------------------------------------------------ catalogue

    @property
    def articles(self) -> int:
        """How many articles are published (``k = 1..articles``)."""
        return self._articles

    @articles.setter
    def articles(self, count: int) -> None:
        if not 0 <= count <= MAX_ARTICLES:
            raise ValueError(f"articles must be between 0 and {MAX_ARTICLES}, not {count}")
        self._articles = count

    def publish(self, count: int) -> None:
        """Publish (or withdraw) articles so that ``count`` are online, immediately."""
        self.articles = count

    def edit(self, k: int, revision: int | None = None) -> int:
        """Revise article ``k`` (next revision by default); returns the new revision."""
        self._article_k(k)
        self.edits[k] = self.edits.get(k, 0) + 1 if revision is None else revision
        return self.edits[k]

    def count(self, board_key: str) -> int:
        """Number of published articles of a board (``recent``, ``photo``, ``press``)."""
        return board_count(BOARDS[board_key].key, self._articles)

    def pages(self, board_key: str) -> int:
        """Number of listing pages of a board (at least 1)."""
        return max(1, -(-self.count(board_key) // render.PAGE_SIZE))

    def ids(self, board_key: str) -> list[str]:
        """Article ids of a board in listing order (newest first, notice included once)."""
        key = BOARDS[board_key].key
        return [seq_of(k_of(key, o)) for o in range(self.count(key), 0, -1)]

    def all_ids(self) -> list[str]:
        """Ids of every published article, newest first."""
        return [seq_of(k) for k in range(self._articles, 0, -1)]

    def notice_id(self, board_key: str) -> str | None:
        """Id of the board's pinned notice (its oldest article), if any."""
        return seq_of(k_of(board_key, 1)) if self.count(board_key) else None

    def _article_k(self, k: int) -> int:
        if not 1 <= k <= self._articles:
            raise KeyError(f"article {k} is not published (1..{self._articles})")
        return k

    def article(self, k: int) -> Article:
        """Article ``k`` at its current revision."""
        return build_article(self._article_k(k), self.edits.get(k, 0))

    def truth(self, k: int, base_url: str | None = None) -> dict[str, Any]:
        """What a perfect crawler extracts from published article ``k`` (see record.md).

        Keys: id, board_id, url, section, board, title, title_raw, title_truncated,
        published, published_raw, subtitles, body, images, authors, byline_raw,
        copyright, attachments.  Raises ``KeyError`` for an unpublished ``k``.
        """
        return self.article(k).truth(base_url or self.base_url)

    def k_of_id(self, seq: str) -> int:
        """The ``k`` of a published article id; ``KeyError`` if there is none."""
        k = k_of_seq(seq)
        if k is None:
            raise KeyError(seq)
        return self._article_k(k)

    def article_by_id(self, seq: str, base_url: str | None = None) -> dict[str, Any]:
        """:meth:`truth` of the published article whose ``boardSeq`` is ``seq``."""
        return self.truth(self.k_of_id(seq), base_url)

    def quirks(self, k: int) -> frozenset[str]:
        """Names of the quirks article ``k`` shows (see the package docstring)."""
        return self.article(k).quirks

    def iter_truth(self, base_url: str | None = None) -> Iterator[dict[str, Any]]:
        """Truth of every published article, newest first."""
        for k in range(self._articles, 0, -1):
            yield self.truth(k, base_url)

    def resource(self) -> Resource:
        """A Twisted root resource serving this site (see :mod:`.server`)."""
        from .server import DemoResource

        return DemoResource(self)

    # ------------------------------------------------------------------ URLs

    def listing_url(self, board_key: str, page: int = 1) -> str:
        """Absolute URL of a listing page."""
        return self.base_url + render.listing_href(BOARDS[board_key], page, amp="&")

    def article_url(self, seq: str) -> str:
        """Canonical absolute URL of an article."""
        return self.base_url + self.article(self.k_of_id(seq)).canonical_path()

    def views(self, k: int) -> int:
        """Current value of article ``k``'s Hit counter."""
        return article_meta(k).base_hits + self._views.get(k, 0)

    # ------------------------------------------------------------------ serving

    def handle(self, path: str, query: str = "") -> Response:
        """Answer a GET for ``path`` (already percent-decoded) and raw ``query``."""
        params = {
            key: values[0]
            for key, values in parse_qs(query, keep_blank_values=True, errors="replace").items()
        }
        if path == "/user/boardList.action":
            command = params.get("command", "")
            kind = {"": "listing", "view": "article", "download": "download"}.get(command, "other")
        elif path.startswith("/upload/news/"):
            kind = "image"
        elif path == "/robots.txt":
            kind = "robots"
        elif path in ("/", "/index.html", "/index.do"):
            kind = "index"
        else:
            kind = "other"
        self.requests[kind] += 1
        handler = getattr(self, f"_serve_{kind}")
        response: Response | None = handler(path, params)
        if response is None:
            self.requests["not_found"] += 1
            body = render.not_found_page().encode()
            response = Response(404, [("Content-Type", _HTML_UTF8)], body)
        response.headers.append(("Content-Length", str(len(response.body))))
        return response

    def get(self, url: str) -> Response:
        """:meth:`handle` for a path with its query (``/user/boardList.action?...``)."""
        path, _, query = url.partition("?")
        return self.handle(path, query)

    def _serve_other(self, path: str, params: dict[str, str]) -> None:
        return None

    def _serve_index(self, path: str, params: dict[str, str]) -> Response:
        return Response(200, [("Content-Type", _HTML_UTF8)], render.index_page().encode())

    def _serve_robots(self, path: str, params: dict[str, str]) -> Response:
        body = render.ROBOTS_TXT.encode()
        return Response(200, [("Content-Type", "text/plain; charset=utf-8")], body)

    def _board(self, params: dict[str, str]) -> Board | None:
        return BOARD_BY_ID.get(params.get("boardId", ""))

    def _serve_listing(self, path: str, params: dict[str, str]) -> Response | None:
        board = self._board(params)
        if board is None:
            return None
        raw_page = params.get("page", "1")
        page = max(1, int(raw_page)) if raw_page.isdigit() and len(raw_page) < 7 else 1
        total = self.count(board.key)
        top = total - (page - 1) * render.PAGE_SIZE
        ordinals = range(top, max(0, top - render.PAGE_SIZE), -1) if top > 0 else range(0)
        rows = [(article_meta(k), self.views(k)) for k in (k_of(board.key, o) for o in ordinals)]
        notice = None
        if rows:
            notice_k = k_of(board.key, 1)
            notice = (article_meta(notice_k), self.views(notice_k))
        html = render.listing_page(board, page, total, rows, notice)
        return Response(200, [("Content-Type", _HTML_UTF8)], html.encode())

    def _find(self, params: dict[str, str]) -> Article | None:
        """The published article named by ``boardSeq``, if ``boardId`` is its board."""
        k = k_of_seq(params.get("boardSeq", ""))
        if k is None or k > self._articles or self._board(params) != board_of(k):
            return None
        return build_article(k, self.edits.get(k, 0))

    def _serve_article(self, path: str, params: dict[str, str]) -> Response | None:
        article = self._find(params)
        if article is None:
            return None
        meta = article.meta
        has_next = meta.ordinal < self.count(meta.board.key)
        key = (meta.k, article.revision, has_next)
        template = self._pages.get(key)
        if template is None:
            board_key, ordinal = meta.board.key, meta.ordinal
            prev_meta = article_meta(k_of(board_key, ordinal - 1)) if ordinal > 1 else None
            next_meta = article_meta(k_of(board_key, ordinal + 1)) if has_next else None
            html = render.article_page(article, prev_meta, next_meta)
            template = html.encode(meta.encoding)
            self._pages[key] = template
            if len(self._pages) > _PAGE_CACHE_SIZE:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(key)
        self._views[meta.k] = self._views.get(meta.k, 0) + 1
        page = params.get("page", "1")
        page = page if page.isdigit() and len(page) < 7 else "1"
        body = template.replace(render.HIT_SLOT.encode(), str(self.views(meta.k)).encode())
        body = body.replace(render.PAGE_SLOT.encode(), page.encode())
        content_type = _HTML_UTF8 if meta.encoding == "utf-8" else "text/html"
        return Response(200, [("Content-Type", content_type)], body)

    def _serve_download(self, path: str, params: dict[str, str]) -> Response | None:
        article = self._find(params)
        raw_seq = params.get("fileSeq", "")
        if article is None or not raw_seq.isdigit() or int(raw_seq) not in article.files:
            return None
        stored = article.files[int(raw_seq)]
        seed = f"{article.meta.seq}:{stored.file_seq}"
        body = media.file_bytes(seed, stored.size, stored.content_type)
        fallback = ascii_fallback(stored.name, f"{article.meta.seq}_{stored.file_seq}")
        headers = [
            ("Content-Type", stored.content_type),
            ("Content-Disposition", content_disposition(stored.name, fallback)),
        ]
        return Response(200, headers, body)

    def _serve_image(self, path: str, params: dict[str, str]) -> Response | None:
        match = _IMAGE_PATH.fullmatch(path)
        if match is None:
            return None
        for prefix in ("O_", "I_"):
            k = k_of_seq(prefix + match.group(2))
            if k is None or k > self._articles:
                continue
            meta = article_meta(k)
            index = int(match.group(3))
            if 1 <= index <= image_count(meta) and image_path(meta, index) == path:
                body, content_type = _image(path.rsplit("/", 1)[1])
                return Response(200, [("Content-Type", content_type)], body)
        return None
