"""The demo site's state and request handling, independent of Twisted.

:class:`DemoSite` holds what changes at run time (the published count, edits, view
counters, request counters) and answers a request with :meth:`DemoSite.handle`, a
pure-Python function of path and query.  :mod:`.server` wraps it in a Twisted
resource.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote

from . import faults as faultmod
from . import media, render
from .chrome import CHROMES, Chrome, Latest, real_chrome
from .board import BOARD_BY_ID, BOARDS, Board
from .content import (
    MAX_ARTICLES,
    Article,
    Meta,
    article_meta,
    board_count,
    board_of,
    build_article,
    image_paths,
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
    """An answer of the site: status, headers (in order) and body bytes.

    Two wire-level fault modes are instructions to the server rather than bytes:
    ``delay`` (seconds to wait before answering; ``stall``) and ``abort_after`` (send
    only that many body bytes, then abort the connection, although ``Content-Length``
    announces the whole body; ``drop_mid_body`` and the ``length`` bomb).
    """

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    delay: float = 0.0
    abort_after: int | None = None

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
    body text).  ``faults`` switches fault modes on (see the package docstring and
    :mod:`.faults`; read once, here; ``ValueError`` when malformed); ``faults_served``
    counts the faulty answers given per fault key.  ``base_url`` makes the URLs of
    :meth:`truth` absolute; :func:`.server.listen` sets it to the address it listens on.
    ``chrome="real"`` serves the listing, article and index pages inside the real site's
    chrome (:mod:`.chrome`: 25-35 KB an article page) instead of the light frame
    (``"light"``, the default); the truth is the same.

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
        chrome: str = "light",
    ) -> None:
        if chrome not in CHROMES:
            raise ValueError(f"chrome must be one of {', '.join(CHROMES)}, not {chrome!r}")
        self.chrome = chrome
        self._chromes: dict[tuple[int, int, str | None], Chrome] = {}
        self._articles = 0
        self.articles = articles
        self.edits: dict[int, int] = dict(edits or {})
        self.faults: dict[str, Any] = dict(faults or {})
        self._plan = faultmod.FaultPlan(self.faults) if self.faults else None
        self.base_url = base_url
        self.requests: Counter[str] = Counter()
        """Requests answered, per kind: listing, article, download, image, robots,
        index, other; ``not_found`` counts the 404 answers among them."""
        self._views: dict[int, int] = {}
        self._pages: OrderedDict[tuple[int, int, int | None, int | None], bytes] = OrderedDict()
        self._page_chromes: dict[tuple[int, int, int | None, int | None], Chrome] = {}

    @property
    def faults_served(self) -> Counter[str]:
        """Faulty answers given so far, per fault key (empty without faults)."""
        return self._plan.served if self._plan else Counter()

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
        key = BOARDS[board_key].key
        total = board_count(key, self._articles)
        if self._plan is None or not self._plan.churn.deleting:
            return total
        return total - sum(
            1 for k in self._plan.churn.delete if k <= self._articles and board_of(k).key == key
        )

    def _chrome_for(self, board: Board | None) -> Chrome | None:
        """The real chrome of a page of ``board`` (its latest-news widget shows the two newest
        articles of each board), or ``None`` for the light pages."""
        if self.chrome == "light":
            return None
        deleted = len(self.deleted_ids())
        key = (self._articles, deleted, board.key if board else None)
        chrome = self._chromes.get(key)
        if chrome is None:
            latest = []
            for each in BOARDS.values():
                for seq in self.ids(each.key)[:2]:
                    meta = self._meta_for(self.k_of_id(seq))
                    latest.append(Latest(each, seq, meta.title_raw, meta.published_raw))
            chrome = real_chrome(latest, board)
            if len(self._chromes) > 64:
                self._chromes.clear()
            self._chromes[key] = chrome
        return chrome

    def _is_deleted(self, k: int) -> bool:
        return self._plan is not None and self._plan.is_deleted(k)

    def _live_ordinals(self, board_key: str) -> list[int] | None:
        """Ordinals still listed, newest first; ``None`` when none was deleted."""
        if self._plan is None or not self._plan.churn.deleting:
            return None
        deleted = {k for k in self._plan.churn.delete if board_of(k).key == board_key}
        if not deleted:
            return None
        total = board_count(board_key, self._articles)
        return [o for o in range(total, 0, -1) if k_of(board_key, o) not in deleted]

    def deleted_ids(self) -> list[str]:
        """Ids that ``churn`` has deleted by now (published, but no longer served)."""
        if self._plan is None or not self._plan.churn.deleting:
            return []
        return [seq_of(k) for k in sorted(self._plan.churn.delete) if k <= self._articles]

    def pages(self, board_key: str) -> int:
        """Number of listing pages of a board (at least 1)."""
        return max(1, -(-self.count(board_key) // render.PAGE_SIZE))

    def ids(self, board_key: str) -> list[str]:
        """Article ids of a board in listing order (newest first, notice included once)."""
        key = BOARDS[board_key].key
        live = self._live_ordinals(key)
        ordinals = range(self.count(key), 0, -1) if live is None else live
        return [seq_of(k_of(key, o)) for o in ordinals]

    def all_ids(self) -> list[str]:
        """Ids of every published article, newest first."""
        return [seq_of(k) for k in range(self._articles, 0, -1) if not self._is_deleted(k)]

    def notice_id(self, board_key: str) -> str | None:
        """Id of the board's pinned notice (its oldest article), if any."""
        live = self._live_ordinals(BOARDS[board_key].key)
        if live is not None:
            return seq_of(k_of(board_key, live[-1])) if live else None
        return seq_of(k_of(board_key, 1)) if self.count(board_key) else None

    def _article_k(self, k: int) -> int:
        if not 1 <= k <= self._articles:
            raise KeyError(f"article {k} is not published (1..{self._articles})")
        return k

    def article(self, k: int) -> Article:
        """Article ``k`` at its current revision (content faults applied)."""
        return self._article_for(self._article_k(k), self.edits.get(k, 0))

    def _article_for(self, k: int, revision: int) -> Article:
        article = build_article(k, revision)
        return article if self._plan is None else self._plan.article(article)

    def _meta_for(self, k: int) -> Meta:
        return article_meta(k) if self._plan is None else self._plan.meta(k)

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
        """Truth of every published article, newest first (``churn`` deletions left out)."""
        for k in range(self._articles, 0, -1):
            if not self._is_deleted(k):
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
        response: Response | None
        if self._plan is None:
            response = getattr(self, f"_serve_{kind}")(path, params)
        else:
            response = self._serve_faulty(kind, path, query, params)
        if response is None:
            self.requests["not_found"] += 1
            body = render.not_found_page().encode()
            response = Response(404, [("Content-Type", _HTML_UTF8)], body)
        if response.header("Content-Length") is None:
            response.headers.append(("Content-Length", str(len(response.body))))
        return response

    def get(self, url: str) -> Response:
        """:meth:`handle` for a path with its query (``/user/boardList.action?...``)."""
        path, _, query = url.partition("?")
        return self.handle(path, query)

    def _serve_other(self, path: str, params: dict[str, str]) -> None:
        return None

    def _serve_index(self, path: str, params: dict[str, str]) -> Response:
        body = render.index_page(self._chrome_for(None)).encode()
        return Response(200, [("Content-Type", _HTML_UTF8)], body)

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
        live = self._live_ordinals(board.key)
        rows: list[tuple[Meta, int]]
        if live is None:
            total = self.count(board.key)
            top = total - (page - 1) * render.PAGE_SIZE
            ordinals = range(top, max(0, top - render.PAGE_SIZE), -1) if top > 0 else range(0)
            ks = [k_of(board.key, o) for o in ordinals]
            rows = [(self._meta_for(k), self.views(k)) for k in ks]
            notice_k = k_of(board.key, 1)
        else:
            # Deleted articles are gone from the list and the numbers close up.
            total = len(live)
            start = (page - 1) * render.PAGE_SIZE
            shown = live[start : start + render.PAGE_SIZE]
            rows = [
                (
                    dataclasses.replace(self._meta_for(k_of(board.key, o)), ordinal=total - i),
                    self.views(k_of(board.key, o)),
                )
                for i, o in enumerate(shown, start)
            ]
            notice_k = k_of(board.key, live[-1]) if live else 0
        notice = None
        if rows:
            notice = (self._meta_for(notice_k), self.views(notice_k))
        html = render.listing_page(board, page, total, rows, notice, self._chrome_for(board))
        return Response(200, [("Content-Type", _HTML_UTF8)], html.encode())

    def _find(self, params: dict[str, str]) -> Article | None:
        """The published article named by ``boardSeq``, if ``boardId`` is its board."""
        k = k_of_seq(params.get("boardSeq", ""))
        if k is None or k > self._articles or self._board(params) != board_of(k):
            return None
        if self._is_deleted(k):
            return None
        return self._article_for(k, self.edits.get(k, 0))

    def _neighbour(self, board_key: str, ordinal: int, step: int) -> int | None:
        """``k`` of the nearest listed article before (-1) or after (+1) an ordinal."""
        last = board_count(board_key, self._articles)
        ordinal += step
        while 1 <= ordinal <= last:
            k = k_of(board_key, ordinal)
            if not self._is_deleted(k):
                return k
            ordinal += step
        return None

    def _serve_article(
        self, path: str, params: dict[str, str], *, count_view: bool = True
    ) -> Response | None:
        article = self._find(params)
        if article is None:
            return None
        meta = article.meta
        board_key = meta.board.key
        prev_k = self._neighbour(board_key, meta.ordinal, -1)
        next_k = self._neighbour(board_key, meta.ordinal, +1)
        label = None
        if self._plan is not None:
            label = self._plan.lookup("charsets", faultmod.Target("article", meta.k))
        chrome = self._chrome_for(meta.board)
        key = (meta.k, article.revision, prev_k, next_k)
        template = None if label else self._pages.get(key)
        stale = chrome is not None and self._page_chromes.get(key) is not chrome
        if template is not None and stale:
            template = None  # the latest-news widget changed since
        if template is None:
            prev_meta = None if prev_k is None else self._meta_for(prev_k)
            next_meta = None if next_k is None else self._meta_for(next_k)
            if label:
                declared = dataclasses.replace(meta, encoding=label)
                article = dataclasses.replace(article, meta=declared)
            html = render.article_page(article, prev_meta, next_meta, chrome)
            if label:
                return self._serve_declared(html, label, meta.k, params, count_view)
            template = html.encode(meta.encoding)
            self._pages[key] = template
            if chrome is not None:
                self._page_chromes[key] = chrome
            if len(self._pages) > _PAGE_CACHE_SIZE:
                self._page_chromes.pop(self._pages.popitem(last=False)[0], None)
        else:
            self._pages.move_to_end(key)
        if count_view:
            self._views[meta.k] = self._views.get(meta.k, 0) + 1
        page = params.get("page", "1")
        page = page if page.isdigit() and len(page) < 7 else "1"
        body = template.replace(render.HIT_SLOT.encode(), str(self.views(meta.k)).encode())
        body = body.replace(render.PAGE_SLOT.encode(), page.encode())
        content_type = _HTML_UTF8 if meta.encoding == "utf-8" else "text/html"
        return Response(200, [("Content-Type", content_type)], body)

    def _serve_declared(
        self, html: str, label: str, k: int, params: dict[str, str], count_view: bool
    ) -> Response:
        """An article page declaring charset ``label`` (``charsets`` fault): UTF-7 bytes
        for ``utf-7``, UTF-8 bytes for any other label (``base64``, unknown ones)."""
        if count_view:
            self._views[k] = self._views.get(k, 0) + 1
        page = params.get("page", "1")
        page = page if page.isdigit() and len(page) < 7 else "1"
        html = html.replace(render.HIT_SLOT, str(self.views(k))).replace(render.PAGE_SLOT, page)
        body = html.encode("utf-7" if label.lower() == "utf-7" else "utf-8")
        return Response(200, [("Content-Type", f"text/html; charset={label}")], body)

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

    def _image_k(self, path: str) -> int | None:
        """The published article showing the image at ``path``, if any."""
        match = _IMAGE_PATH.fullmatch(path)
        if match is None:
            return None
        for prefix in ("O_", "I_"):
            k = k_of_seq(prefix + match.group(2))
            if k is None or k > self._articles or self._is_deleted(k):
                continue
            if path in image_paths(k):
                return k
        return None

    def _serve_image(self, path: str, params: dict[str, str]) -> Response | None:
        if self._image_k(path) is None:
            return None
        body, content_type = _image(path.rsplit("/", 1)[1])
        return Response(200, [("Content-Type", content_type)], body)

    # ------------------------------------------------------------------ faults

    def _target(self, kind: str, path: str, params: dict[str, str]) -> faultmod.Target | None:
        """What a request asks for, when it names something that exists (else ``None``:
        the request is answered as without faults, usually 404)."""
        if kind == "listing":
            return faultmod.Target("listing") if self._board(params) else None
        if kind == "image":
            k = self._image_k(path)
            return None if k is None else faultmod.Target("image", k)
        if kind not in ("article", "download"):
            return None
        article = self._find(params)
        if article is None:
            return None
        if kind == "article":
            return faultmod.Target("article", article.meta.k)
        raw = params.get("fileSeq", "")
        if not raw.isdigit() or int(raw) not in article.files:
            return None
        return faultmod.Target("download", article.meta.k, int(raw))

    def _selector_path(self, selector: tuple[Any, ...]) -> str:
        """Path and query of the article page or download a concrete selector names."""
        article = build_article(selector[1], self.edits.get(selector[1], 0))
        if selector[0] == "article":
            return article.canonical_path()
        return article.download_path(selector[2])

    def _serve_faulty(
        self, kind: str, path: str, query: str, params: dict[str, str]
    ) -> Response | None:
        """:meth:`handle`'s answer when fault modes are on."""
        plan = self._plan
        assert plan is not None
        target = self._target(kind, path, params)
        response: Response | None
        if target is None:
            response = getattr(self, f"_serve_{kind}")(path, params)
        else:
            url = f"{path}?{query}" if query else path
            response = self._fault_answer(plan, target, url, path, params)
            if response is not None:
                self._wire_faults(plan, target, url, response)
        if target is not None and kind == "listing":
            self._after_listing(plan)
        return response

    def _fault_answer(
        self,
        plan: faultmod.FaultPlan,
        target: faultmod.Target,
        url: str,
        path: str,
        params: dict[str, str],
    ) -> Response | None:
        serve = getattr(self, f"_serve_{target.kind}")
        html = [("Content-Type", _HTML_UTF8)]
        gone = plan.lookup("gone", target)
        if gone:
            plan.served["gone"] += 1
            if gone == 404:
                return None  # the site's ordinary 404
            return Response(410, html, faultmod.status_body(410, "The post has been deleted."))
        limit = plan.lookup("unavailable", target)
        if limit and plan.take("unavailable", url, limit):
            message = "The server is temporarily unable to service your request."
            return Response(503, html, faultmod.status_body(503, message))
        rate = plan.lookup("rate_limit", target)
        if rate and plan.take("rate_limit", url, rate[1]):
            body = faultmod.status_body(429, "Too many requests; slow down.")
            return Response(429, [*html, ("Retry-After", str(rate[0]))], body)
        if plan.lookup("redirect_loop", target):
            plan.served["redirect_loop"] += 1
            location = plan.redirect_location(target, url, params, self._selector_path)
            return self._redirect(self.base_url + location)
        destination = plan.lookup("bad_redirects", target)
        if destination and destination != "links":
            plan.served["bad_redirects"] += 1
            return self._redirect(faultmod.BAD_URLS[destination])
        if plan.lookup("maintenance", target):
            plan.served["maintenance"] += 1
            return Response(200, html, render.maintenance_page().encode())
        if plan.lookup("empty_200", target):
            plan.served["empty_200"] += 1
            if target.kind in ("download", "image"):
                response: Response | None = serve(path, params)
                assert response is not None
                response.body = b""
                return response
            return Response(200, html, b"")
        bomb = plan.lookup("bombs", target)
        if bomb:
            exploded = self._bomb(plan, bomb, target, path, params)
            if exploded is not None:
                return exploded
        response = serve(path, params)
        drifted = plan.lookup("drift", target)
        if response is not None and drifted:
            plan.served["drift"] += 1
            response.body = faultmod.drift(response.body, target.kind, drifted)
        if response is not None and target.kind == "download":
            name_kind = plan.lookup("hostile_filenames", target)
            if name_kind:
                plan.served["hostile_filenames"] += 1
                value = faultmod.FILENAME_KINDS[name_kind][0]
                response.headers = [
                    (n, value if n == "Content-Disposition" else v) for n, v in response.headers
                ]
        return response

    def _bomb(
        self,
        plan: faultmod.FaultPlan,
        bomb: str,
        target: faultmod.Target,
        path: str,
        params: dict[str, str],
    ) -> Response | None:
        """A decompression bomb, or a body far shorter than its ``Content-Length``."""
        if target.kind == "article":
            base = self._serve_article(path, params, count_view=False)
        else:
            base = getattr(self, f"_serve_{target.kind}")(path, params)
        assert base is not None
        if bomb == "length":
            plan.served["bombs"] += 1
            sent = base.body[: faultmod.LENGTH_BOMB_SENT]
            headers = [*base.headers, ("Content-Length", str(faultmod.DECLARED_LENGTH))]
            return Response(200, headers, sent, abort_after=len(sent))
        body = faultmod.gzip_bomb() if bomb == "gzip" else faultmod.brotli_bomb()
        if body is None:
            plan.served["bombs:br_skipped"] += 1
            return None
        plan.served["bombs"] += 1
        return Response(200, [*base.headers, ("Content-Encoding", bomb)], body)

    @staticmethod
    def _redirect(location: str) -> Response:
        body = render.status_page("302 Found", f"The page has moved to {location}").encode()
        return Response(302, [("Location", location), ("Content-Type", _HTML_UTF8)], body)

    @staticmethod
    def _wire_faults(
        plan: faultmod.FaultPlan, target: faultmod.Target, url: str, response: Response
    ) -> None:
        """``drop_mid_body`` and ``stall``: instructions for the server."""
        times = plan.lookup("drop_mid_body", target)
        if (
            times
            and response.abort_after is None
            and len(response.body) > 1
            and plan.take("drop_mid_body", url, times)
        ):
            response.abort_after = len(response.body) // 2
        stall = plan.lookup("stall", target)
        if stall and stall[0] > 0 and plan.take("stall", url, stall[1]):
            response.delay = stall[0]

    def _after_listing(self, plan: faultmod.FaultPlan) -> None:
        """``churn``: count a listing request, publish one more article every n."""
        churn = plan.churn
        churn.listing_requests += 1
        if (
            churn.publish_every
            and churn.listing_requests % churn.publish_every == 0
            and churn.published < churn.publish_limit
            and self._articles < MAX_ARTICLES
        ):
            self._articles += 1
            churn.published += 1
            plan.served["churn"] += 1
