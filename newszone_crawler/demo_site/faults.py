"""Fault modes of the demo site, switched on per run by ``DemoSite(faults={...})``.

A :class:`FaultPlan` is built from the ``faults`` dict (validated: an unknown key or a
malformed value raises ``ValueError``) and consulted by :class:`.site.DemoSite` for
every request it answers.  Everything here is deterministic (counters per URL, no
clock, no randomness) and bounded (every answer is finite; delays are at most
:data:`MAX_STALL` seconds; bombs are generated once and cached).

Most faults name what they hit with *selectors* (see the package docstring):

- an article: its ``k`` (``5`` or ``"5"``) or its id (``"O_110022"``) - its article page;
- a download: ``"<article>/<fileSeq>"`` (``"O_110022/1"``, ``"8/2"``) or
  ``"<article>/*"`` (every file of that article);
- a kind: ``"listing"``, ``"article"``, ``"download"``, ``"image"`` (every request of
  that kind); ``"*"``: every listing, article, download and image request.

The most specific selector wins (file, then ``<article>/*``, then article, then kind,
then ``"*"``).  Requests that would answer 404 anyway, ``/robots.txt`` and ``/`` are
never faulted.
"""

from __future__ import annotations

import dataclasses
import math
import re
import struct
import zlib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

from .content import (
    MAX_ARTICLES,
    Article,
    Block,
    Meta,
    article_meta,
    cut_title,
    k_of_seq,
    normalize_space,
)
from .render import escape_text, status_page

try:  # optional: the brotli bomb is skipped (served normally) without it
    import brotli  # type: ignore[import-untyped]  # ships no type hints
except ImportError:  # pragma: no cover - brotli is installed in the project's venv
    brotli = None

BROTLI_AVAILABLE = brotli is not None

FAULT_KEYS = (
    "unavailable",
    "rate_limit",
    "drop_mid_body",
    "stall",
    "empty_200",
    "maintenance",
    "gone",
    "redirect_loop",
    "churn",
    "bad_redirects",
    "bombs",
    "charsets",
    "hostile_markup",
    "hostile_filenames",
    "drift",
)

KINDS = ("listing", "article", "download", "image")
MAX_COUNT = 1000
"""Upper bound of every "how many times" value."""
MAX_STALL = 600.0
"""Longest stall, in seconds."""
DEFAULT_STALL = 10.0
"""Stall of a selector given in a list (no number)."""

BAD_URLS: dict[str, str] = {
    "file": "file:///etc/passwd",
    "data": "data:text/html,%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "ftp": "ftp://127.0.0.1/x",
    "loopback_port": "http://127.0.0.1:1/x",
    "private_10": "http://10.0.0.1/",
    "private_192": "http://192.168.1.1/",
    "link_local": "http://169.254.169.254/latest/meta-data/",
    "other_host": "http://example.com/",
}
"""Where ``bad_redirects`` send a crawler (never contacted by the site or its tests)."""

BOMB_KINDS = ("gzip", "br", "length")
BOMB_SIZE = 1 << 30
"""Decompressed size of the gzip and brotli bombs: 1 GiB of zeros."""
DECLARED_LENGTH = 10 * (1 << 30)
"""``Content-Length`` of the ``length`` bomb (10 GiB), which sends :data:`LENGTH_BOMB_SENT`."""
LENGTH_BOMB_SENT = 1024

CHARSET_LABELS = ("utf-7", "base64", "x-unknown-charset")
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,39}")

FILENAME_KINDS: dict[str, tuple[str, str]] = {
    # kind: (Content-Disposition value, the name it means)
    "dotdot": ('attachment; filename="../../etc/passwd"', "../../etc/passwd"),
    "absolute": ('attachment; filename="/etc/passwd"', "/etc/passwd"),
    "backslash": ('attachment; filename="..\\\\..\\\\x"', "..\\..\\x"),
    "nul": (
        "attachment; filename=\"report.pdf\x00.exe\"; filename*=UTF-8''report.pdf%00.exe",
        "report.pdf\x00.exe",
    ),
    "long": (f'attachment; filename="{"A" * 296}.pdf"', "A" * 296 + ".pdf"),
    "rfc5987": (
        "attachment; filename=\"passwd\"; filename*=UTF-8''%2e%2e%2fetc%2fpasswd",
        "../etc/passwd",
    ),
}
"""``hostile_filenames`` kinds: the header sent and the file name it carries."""

DRIFTS: dict[str, tuple[str, tuple[tuple[bytes, bytes], ...]]] = {
    # name: (page kind it applies to, (pattern, replacement) rewrites of the page's bytes)
    "rows": ("listing", ((rb"<li( class=\"notice\")?>", rb"<div class=\"item\">"),
                         (rb"</li>\s*(?=<div class=\"item\">|</ul>)", rb"</div>"))),
    "links": ("listing", ((rb"jf_view\(", rb"fn_read("),)),
    "paging": ("listing", ((rb'<div class="paging">.*?</div>', b""),)),
    "total": ("listing", ((rb'<p class="total">.*?</p>', b""),)),
    "notice": ("listing", ((rb'<li class="notice">.*?</li>', b""),)),
    "title": ("article", ((rb'class="title"', rb'class="subject"'),)),
    "date_label": ("article", ((rb"<dt>Date :</dt>", rb"<dt>Posted :</dt>"),)),
    "hit_label": ("article", ((rb"<dt>Hit :</dt>", rb"<dt>Read :</dt>"),)),
    "body": ("article", ((rb'class="post_content"', rb'class="post_body"'),)),
    "file_block": ("article", ((rb'<div class="file_list">.*?</div>', b""),)),
}
"""``drift`` names: one element of the page template changed, the way a site redesign
breaks a single part of the contract (the class of a block renamed, a label reworded, a
block dropped); applied to listing or article pages only."""


def _parse_drift(value: object, key: str) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list | tuple) or not names:
        raise ValueError(f"faults[{key!r}]: expected a drift name or a list of them")
    for name in names:
        if name not in DRIFTS:
            raise ValueError(f"faults[{key!r}]: {name!r} is not one of {sorted(DRIFTS)}")
    return tuple(names)


def drift(body: bytes, kind: str, names: tuple[str, ...]) -> bytes:
    """``body`` with the ``drift`` rewrites of ``names`` that apply to a ``kind`` page.

    >>> drift(b'<dt>Date :</dt><dd>1</dd>', "article", ("date_label", "total"))
    b'<dt>Posted :</dt><dd>1</dd>'
    """
    for name in names:
        applies, rewrites = DRIFTS[name]
        if applies == kind:
            for pattern, replacement in rewrites:
                body = re.sub(pattern, replacement, body, flags=re.DOTALL)
    return body


HOSTILE_TITLE_PREFIX = "<script>alert(1)</script> <img src=x onerror=alert(1)> "
HOSTILE_PARAGRAPH = (
    "Markup shown as text: <script>alert(1)</script> and <img src=x onerror=alert(1)>;"
    " a NUL character \x00 and a lone surrogate \ud800 sit in this sentence."
)
HOSTILE_CAPTION_SUFFIX = " <img src=x onerror=alert(1)> \x00"
HOSTILE_SCRIPT = '<script>document.write("<p>Injected by a script</p>");alert(1);</script>'
"""Live markup put in ``div.post_content`` after the hostile paragraph (not text)."""

_CENTRED = ' style="text-align:center"'
_STATUS_TITLES = {
    404: "404 Not Found",
    410: "410 Gone",
    429: "429 Too Many Requests",
    503: "503 Service Unavailable",
}

Selector = tuple[Any, ...]


def _unencodable_to_replacement(text: str) -> str:
    """What an HTML parser gives for ``&#0;`` and ``&#xD800;``: U+FFFD.

    >>> _unencodable_to_replacement("a\\x00b\\ud800")
    'a\\ufffdb\\ufffd'
    """
    return re.sub("[\x00\ud800-\udfff]", "\ufffd", text)


# --------------------------------------------------------------------------- selectors


@dataclass(frozen=True, slots=True)
class Target:
    """What a request asks for: its kind and, for articles/downloads/images, ``k``."""

    kind: str
    k: int | None = None
    file_seq: int | None = None

    def candidates(self) -> Iterator[Selector]:
        """Selectors that match this target, most specific first."""
        if self.kind == "download":
            yield ("download", self.k, self.file_seq)
            yield ("download", self.k, None)
        elif self.kind == "article":
            yield ("article", self.k)
        yield ("kind", self.kind)
        yield ("all",)


def _article_number(raw: str, key: str) -> int:
    if raw.isdigit() and len(raw) < 7:
        k = int(raw)
        if 1 <= k <= MAX_ARTICLES:
            return k
        raise ValueError(f"faults[{key!r}]: article {k} is out of 1..{MAX_ARTICLES}")
    found = k_of_seq(raw)
    if found is None:
        raise ValueError(f"faults[{key!r}]: {raw!r} is neither an article k nor an article id")
    return found


def parse_selector(raw: object, key: str = "?") -> Selector:
    """A selector as a tuple.

    >>> parse_selector(5), parse_selector("O_110005"), parse_selector("O_110005/2")
    (('article', 5), ('article', 1), ('download', 1, 2))
    >>> parse_selector("1/*"), parse_selector("listing"), parse_selector("*")
    (('download', 1, None), ('kind', 'listing'), ('all',))
    """
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValueError(f"faults[{key!r}]: bad selector {raw!r}")
    text = str(raw).strip()
    if text == "*":
        return ("all",)
    if text in KINDS:
        return ("kind", text)
    article, slash, file_part = text.partition("/")
    k = _article_number(article, key)
    if not slash:
        return ("article", k)
    if file_part == "*":
        return ("download", k, None)
    if file_part.isdigit() and len(file_part) < 4:
        return ("download", k, int(file_part))
    raise ValueError(f"faults[{key!r}]: bad download selector {raw!r}")


def _count(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise ValueError(f"faults[{key!r}]: expected a count in 0..{MAX_COUNT}, not {value!r}")
    return value


def _seconds(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"faults[{key!r}]: expected seconds, not {value!r}")
    seconds = float(value)
    if not (math.isfinite(seconds) and 0 <= seconds <= MAX_STALL):
        raise ValueError(f"faults[{key!r}]: seconds must be in 0..{MAX_STALL:g}")
    return seconds


def _choice(options: tuple[str, ...] | Mapping[str, Any]) -> Any:
    def convert(value: object, key: str) -> str:
        if value not in options:
            raise ValueError(f"faults[{key!r}]: {value!r} is not one of {sorted(options)}")
        return str(value)

    return convert


def _selection(
    key: str,
    value: object,
    convert: Any,
    *,
    default: Any = None,
    cycle: tuple[Any, ...] = (),
) -> dict[Selector, Any]:
    """``{selector: value}`` from a dict, or from a list of selectors (each getting
    ``default``, or the values of ``cycle`` in turn)."""
    table: dict[Selector, Any] = {}
    if isinstance(value, Mapping):
        for raw, item in value.items():
            table[parse_selector(raw, key)] = convert(item, key)
    elif isinstance(value, list | tuple):
        for index, raw in enumerate(value):
            table[parse_selector(raw, key)] = cycle[index % len(cycle)] if cycle else default
    else:
        raise ValueError(f"faults[{key!r}]: expected a dict or a list, not {value!r}")
    return table


def _lookup(table: Mapping[Selector, Any], target: Target) -> Any:
    if table:
        for selector in target.candidates():
            if selector in table:
                return table[selector]
    return None


def _covers_article(table: Mapping[Selector, Any], k: int) -> bool:
    """Whether a table hits article ``k``'s page or files (kinds included)."""
    return any(
        sel[0] in ("all", "kind") or (sel[0] in ("article", "download") and sel[1] == k)
        for sel in table
    )


# --------------------------------------------------------------------------- bombs


@lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """A gzip member of :data:`BOMB_SIZE` zeros, about 1 MB (built once, in milliseconds).

    Each MiB of zeros is deflated after a full flush, so every segment after the
    first is the same bytes and the stream is assembled by repetition.

    >>> bomb = gzip_bomb()
    >>> len(bomb) < 2_000_000, struct.unpack("<I", bomb[-4:])[0] == BOMB_SIZE % 2**32
    (True, True)
    """
    chunk = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    middle = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(BOMB_SIZE // len(chunk)):
        crc = zlib.crc32(chunk, crc)
    final_empty_block = b"\x03\x00"  # BFINAL=1, fixed Huffman, end-of-block only
    segments = BOMB_SIZE // len(chunk) - 1
    trailer = struct.pack("<II", crc, BOMB_SIZE & 0xFFFFFFFF)
    return first + middle * segments + final_empty_block + trailer


@lru_cache(maxsize=1)
def brotli_bomb() -> bytes | None:
    """A brotli stream of :data:`BOMB_SIZE` zeros (about 200 KB), or ``None`` without
    the ``brotli`` module."""
    if brotli is None:  # pragma: no cover - brotli is installed in the project's venv
        return None
    chunk = bytes(1 << 20)
    compressor = brotli.Compressor(quality=1, lgwin=24)
    parts = [compressor.process(chunk) for _ in range(BOMB_SIZE // len(chunk))]
    parts.append(compressor.finish())
    return b"".join(parts)


# --------------------------------------------------------------------------- the plan


@dataclass
class Churn:
    """``churn``: publish every ``publish_every`` listing requests (at most
    ``publish_limit`` times); delete ``delete`` after ``delete_after`` listing requests."""

    publish_every: int = 0
    publish_limit: int = MAX_ARTICLES
    delete: frozenset[int] = frozenset()
    delete_after: int = 1
    listing_requests: int = 0
    published: int = 0

    @property
    def deleting(self) -> bool:
        """Whether the deletions are in effect."""
        return bool(self.delete) and self.listing_requests >= self.delete_after


def _parse_churn(value: object) -> Churn:
    key = "churn"
    if not isinstance(value, Mapping):
        raise ValueError("faults['churn']: expected a dict")
    unknown = set(value) - {"publish_every", "publish_limit", "delete", "delete_after"}
    if unknown:
        raise ValueError(f"faults['churn']: unknown keys {sorted(unknown)}")
    churn = Churn()
    if "publish_every" in value:
        churn.publish_every = _count(value["publish_every"], key)
        if churn.publish_every < 1:
            raise ValueError("faults['churn']: publish_every must be at least 1")
    if "publish_limit" in value:
        limit = value["publish_limit"]
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ValueError("faults['churn']: publish_limit must be a count")
        churn.publish_limit = limit
    if "delete" in value:
        deleted = value["delete"]
        if not isinstance(deleted, list | tuple):
            raise ValueError("faults['churn']: delete must be a list of articles")
        ks = set()
        for raw in deleted:
            selector = parse_selector(raw, key)
            if selector[0] != "article":
                raise ValueError(f"faults['churn']: delete takes articles, not {raw!r}")
            ks.add(selector[1])
        churn.delete = frozenset(ks)
    if "delete_after" in value:
        churn.delete_after = _count(value["delete_after"], key)
    return churn


def _parse_rate(value: object, key: str) -> tuple[int, int]:
    if isinstance(value, Mapping):
        unknown = set(value) - {"retry_after", "times"}
        if unknown:
            raise ValueError(f"faults[{key!r}]: unknown keys {sorted(unknown)}")
        return (
            _count(value.get("retry_after", 1), key),
            _count(value.get("times", 1), key),
        )
    return _count(value, key), 1


def _parse_stall(value: object, key: str) -> tuple[float, int | None]:
    if isinstance(value, Mapping):
        unknown = set(value) - {"seconds", "times"}
        if unknown:
            raise ValueError(f"faults[{key!r}]: unknown keys {sorted(unknown)}")
        times = value.get("times")
        return (
            _seconds(value.get("seconds", DEFAULT_STALL), key),
            None if times is None else _count(times, key),
        )
    return _seconds(value, key), None


def _parse_gone(value: object, key: str) -> int:
    if isinstance(value, bool) or value not in (404, 410):
        raise ValueError(f"faults[{key!r}]: status must be 404 or 410, not {value!r}")
    return 404 if value == 404 else 410


def _parse_label(value: object, key: str) -> str:
    if not isinstance(value, str) or not _LABEL.fullmatch(value):
        raise ValueError(f"faults[{key!r}]: bad charset label {value!r}")
    return value


def _parse_flag(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"faults[{key!r}]: expected true or false, not {value!r}")
    return value


def _only(table: dict[Selector, Any], key: str, allowed: tuple[str, ...]) -> None:
    for selector in table:
        if selector[0] not in ("all", "kind") and selector[0] not in allowed:
            raise ValueError(f"faults[{key!r}]: selects {allowed} only, not {selector}")
        if selector[0] == "kind" and selector[1] not in allowed:
            raise ValueError(f"faults[{key!r}]: selects {allowed} only, not {selector[1]!r}")


class FaultPlan:
    """The parsed ``faults`` of a site and the per-URL counters they need.

    >>> plan = FaultPlan({"unavailable": {"*": 2}, "gone": {"O_110005": 410}})
    >>> plan.keys
    ('unavailable', 'gone')
    >>> FaultPlan({"nope": 1})
    Traceback (most recent call last):
    ...
    ValueError: unknown fault keys ['nope'] (known: unavailable, rate_limit, ...)
    """

    def __init__(self, faults: Mapping[str, Any]) -> None:
        unknown = sorted(set(faults) - set(FAULT_KEYS))
        if unknown:
            known = ", ".join(FAULT_KEYS[:2])
            raise ValueError(f"unknown fault keys {unknown} (known: {known}, ...)")
        self.keys = tuple(key for key in FAULT_KEYS if key in faults)
        get = faults.get
        self.unavailable = _selection("unavailable", get("unavailable", {}), _count, default=1)
        self.rate_limit = _selection(
            "rate_limit", get("rate_limit", {}), _parse_rate, default=(1, 1)
        )
        self.drop_mid_body = _selection(
            "drop_mid_body", get("drop_mid_body", {}), _count, default=1
        )
        self.stall = _selection(
            "stall", get("stall", {}), _parse_stall, default=(DEFAULT_STALL, None)
        )
        self.empty_200 = _selection("empty_200", get("empty_200", {}), _parse_flag, default=True)
        self.maintenance = _selection(
            "maintenance", get("maintenance", {}), _parse_flag, default=True
        )
        self.gone = _selection("gone", get("gone", {}), _parse_gone, default=410)
        self.redirect_loop = _selection(
            "redirect_loop",
            get("redirect_loop", {}),
            _choice(("cycle", "hop")),
            default="cycle",
        )
        _only(self.redirect_loop, "redirect_loop", ("article", "download"))
        self.cycle = [s for s, mode in self.redirect_loop.items() if mode == "cycle"]
        bad_names = (*BAD_URLS, "links")
        self.bad_redirects = _selection(
            "bad_redirects",
            get("bad_redirects", {}),
            _choice(bad_names),
            cycle=tuple(BAD_URLS),
        )
        self.bombs = _selection("bombs", get("bombs", {}), _choice(BOMB_KINDS), cycle=BOMB_KINDS)
        self.charsets = _selection(
            "charsets", get("charsets", {}), _parse_label, cycle=CHARSET_LABELS
        )
        _only(self.charsets, "charsets", ("article",))
        self.hostile_markup = _selection(
            "hostile_markup", get("hostile_markup", {}), _parse_flag, default=True
        )
        _only(self.hostile_markup, "hostile_markup", ("article",))
        filenames = _selection(
            "hostile_filenames",
            get("hostile_filenames", {}),
            _choice(FILENAME_KINDS),
            cycle=tuple(FILENAME_KINDS),
        )
        # An article selector names all of that article's files.
        self.hostile_filenames = {
            (("download", s[1], None) if s[0] == "article" else s): v for s, v in filenames.items()
        }
        _only(self.hostile_filenames, "hostile_filenames", ("download",))
        self.drift = _selection("drift", get("drift", {}), _parse_drift, default=("body",))
        _only(self.drift, "drift", ("listing", "article"))
        self.churn = _parse_churn(get("churn", {}))
        self.served: Counter[str] = Counter()
        """Fault answers given, per fault key (``bombs:br_skipped`` when brotli is missing)."""
        self._seen: Counter[tuple[str, str]] = Counter()
        self._metas: dict[int, Meta] = {}
        self._articles: dict[tuple[int, int], Article] = {}

    # ------------------------------------------------------------------ lookups

    def times(self, key: str, url: str) -> int:
        """How often fault ``key`` has been applied to ``url`` (path?query)."""
        return self._seen[(key, url)]

    def take(self, key: str, url: str, limit: int | None) -> bool:
        """Apply fault ``key`` to ``url`` once more if it has been applied fewer than
        ``limit`` times (``None``: always)."""
        if limit is not None and self._seen[(key, url)] >= limit:
            return False
        self._seen[(key, url)] += 1
        self.served[key] += 1
        return True

    def lookup(self, key: str, target: Target) -> Any:
        """The value of fault ``key`` for ``target`` (``None``: not selected)."""
        table: Mapping[Selector, Any] = getattr(self, key)
        value = _lookup(table, target)
        return None if value is False else value

    def is_deleted(self, k: int) -> bool:
        """Whether ``churn`` has deleted article ``k`` by now."""
        return self.churn.deleting and k in self.churn.delete

    def tags(self, k: int) -> frozenset[str]:
        """``fault:<key>`` tags of the faults that can hit article ``k`` or its files."""
        tags = {
            f"fault:{key}"
            for key in FAULT_KEYS
            if key != "churn" and _covers_article(getattr(self, key), k)
        }
        if k in self.churn.delete:
            tags.add("fault:churn")
        return frozenset(tags)

    def redirect_location(
        self, target: Target, own_url: str, params: Mapping[str, str], url_of: Any
    ) -> str:
        """Where ``redirect_loop`` sends a request for ``target`` (path and query);
        ``url_of(selector)`` gives the path and query of a concrete selector."""
        mode = self.lookup("redirect_loop", target)
        if mode == "hop":
            raw = params.get("hop", "0")
            hop = int(raw) + 1 if raw.isdigit() and len(raw) < 7 else 1
            base = re.sub(r"&hop=[^&]*", "", own_url)
            return f"{base}&hop={hop}"
        selector = next(s for s in target.candidates() if s in self.redirect_loop)
        concrete = [s for s in self.cycle if s[0] == "article" or s[2] is not None]
        if selector not in concrete or len(concrete) < 2:
            return own_url  # itself, exactly
        following = concrete[(concrete.index(selector) + 1) % len(concrete)]
        return str(url_of(following))

    # ------------------------------------------------------------------ content

    def meta(self, k: int) -> Meta:
        """Metadata of ``k`` as the faulty site shows it (hostile titles)."""
        meta = self._metas.get(k)
        if meta is None:
            meta = article_meta(k)
            if self.lookup("hostile_markup", Target("article", k)):
                title = HOSTILE_TITLE_PREFIX + meta.title
                meta = dataclasses.replace(
                    meta, title=title, title_raw=cut_title(title, meta.cut_limit)
                )
            self._metas[k] = meta
        return meta

    def article(self, article: Article) -> Article:
        """``article`` with the content faults of its ``k`` applied (cached)."""
        key = (article.meta.k, article.revision)
        done = self._articles.get(key)
        if done is None:
            done = article
            target = Target("article", article.meta.k)
            if self.lookup("hostile_markup", target):
                done = _hostile(done, self.meta(article.meta.k))
            if self.lookup("bad_redirects", target) == "links":
                done = _bad_links(done)
            tags = self.tags(article.meta.k)
            if tags:
                done = dataclasses.replace(done, quirks=done.quirks | tags)
            self._articles[key] = done
            if len(self._articles) > 4096:
                self._articles.pop(next(iter(self._articles)))
        return done


def _insert_before_trailer(blocks: list[Block], new: list[Block]) -> None:
    """Insert ``new`` before the byline/copyright lines (or at the end)."""
    at = next((i for i, b in enumerate(blocks) if b.kind in ("byline", "copyright")), len(blocks))
    blocks[at:at] = new


def _with_text(block: Block, text: str) -> Block:
    """``block`` showing ``text`` in place of its own text."""
    html = block.html.replace(escape_text(block.text), escape_text(text), 1)
    return dataclasses.replace(block, text=text, html=html)


def _hostile(article: Article, meta: Meta) -> Article:
    """Markup as text in title, caption and a body paragraph, NUL and a lone surrogate,
    and a live ``<script>`` in the post."""
    blocks: list[Block] = []
    images = list(article.images)
    captioned = 0  # the photo whose caption got the hostile suffix
    for block in article.blocks:
        if block.kind == "headline":
            block = _with_text(block, meta.title)
        elif block.kind == "caption" and not captioned and _CENTRED in block.html:
            # a centred paragraph after a photo is its caption whatever its text
            captioned = block.image
            block = _with_text(block, block.text + HOSTILE_CAPTION_SUFFIX)
        blocks.append(block)
    if captioned:
        parts = [b.text for b in blocks if b.kind == "caption" and b.image == captioned]
        src, _ = images[captioned - 1]
        caption = normalize_space(_unencodable_to_replacement(" ".join(parts)))
        images[captioned - 1] = (src, caption)
    paragraph = [
        Block("para", f"<p>{escape_text(HOSTILE_PARAGRAPH)}</p>", HOSTILE_PARAGRAPH),
        Block("raw", HOSTILE_SCRIPT),
    ]
    paras = [i for i, b in enumerate(blocks) if b.kind == "para"]
    if paras:
        blocks[paras[-1] + 1 : paras[-1] + 1] = paragraph
    else:
        _insert_before_trailer(blocks, paragraph)
    extra = normalize_space(_unencodable_to_replacement(HOSTILE_PARAGRAPH))
    body = f"{article.body}\n\n{extra}" if article.body else extra
    return dataclasses.replace(
        article,
        meta=meta,
        blocks=tuple(blocks),
        body=body,
        images=tuple(images),
        title_truncated=meta.title_cut and meta.headline == "absent",
    )


def _bad_links(article: Article) -> Article:
    """Images and attachments linking to every :data:`BAD_URLS` destination."""
    blocks = list(article.blocks)
    extra: list[Block] = []
    for name, url in BAD_URLS.items():
        label = f"Linked image ({name})"
        image = f'<p{_CENTRED}><img src="{escape(url)}" alt=""></p>'
        extra.append(Block("raw", image))
        extra.append(Block("caption", f"<p{_CENTRED}>{escape_text(label)}</p>", label))
    _insert_before_trailer(blocks, extra)
    links = tuple(
        f'<li><a href="{escape(url)}">{escape_text(name)}.pdf</a></li>'
        for name, url in BAD_URLS.items()
    )
    return dataclasses.replace(
        article, blocks=tuple(blocks), file_items=(article.file_items or ()) + links
    )


def status_body(status: int, message: str) -> bytes:
    """HTML body of a fault's error answer."""
    return status_page(_STATUS_TITLES.get(status, str(status)), message).encode()
