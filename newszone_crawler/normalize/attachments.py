"""The "File" block of an article -> real attachments with absolute URLs.

What the parser gives per ``<li>`` of the block is a :class:`RawFile`: the link text, its
``href`` and ``onclick`` and the text of a size span. Entries seen on the board (markup.md,
"Files"):

- a direct link: ``/user/boardList.action?command=download&boardId=..&boardSeq=..&fileSeq=1``;
- a JavaScript link: ``jf_fileDown('O_47261','O_114186','2')`` in ``href="javascript:..."`` or
  in ``onclick`` -> the same download URL on the page's scheme and host (:func:`download_url`);
- the placeholder ``(Presentation and Follow-on discussion)`` with ``href="#none"``, present on
  every page, which leads to no file.

:func:`normalize_attachments` keeps real files only, in page order, de-duplicated by URL, with
absolute ``http(s)`` URLs (w3lib), names percent-decoded and whitespace-normalized, and a size
label at the end of a name (``(1.2MB)``, ``[2.3 MB]``, ``1,024 bytes``) moved to ``size_raw``.
When a name is empty after cleaning it is taken from the URL (a ``filename``-like query
parameter, else a last path segment that looks like a file name such as ``report.pdf``); a
board download URL (``boardList.action?...&fileSeq=2``) gives no name, and the name stays
``""`` — the downloader learns the real one from ``Content-Disposition``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TypedDict
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit

from w3lib.url import canonicalize_url, safe_url_string

from ..hosts import bare_host


class RawFile(TypedDict):
    """One entry of the File block as the parser reads it."""

    name: str
    href: str | None
    onclick: str | None
    size_raw: str | None


class Attachment(TypedDict):
    """A real file of an article (record.md, ``attachments``)."""

    name: str
    url: str
    size_raw: str | None


#: The path of the board's download endpoint, on the page's scheme and host.
DOWNLOAD_PATH = "/user/boardList.action"

_SCHEMES = ("http", "https")
#: A longer href is not a link a reader could follow: the entry is dropped.
MAX_URL_CHARS = 8192
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_URL_NOISE = re.compile(r"[\t\n\r\x00-\x1f\x7f]")
_JF_FILEDOWN = re.compile(r"(?i)\bjf_fileDown\s*\(([^)]*)\)")
_JS_ARG = re.compile(r"""'([^']*)'|"([^"]*)"|([^,\s'"]+)""")
_JS_NAVIGATE = re.compile(
    r"""(?i)(?:window\.open|location\.(?:assign|replace)|location(?:\.href)?\s*=)\s*\(?\s*(['"])([^'"]+)\1"""
)
_PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_SIZE_UNIT = r"(?:bytes?|[KMGT]i?B|[KMGT]bytes?)"
_SIZE_LABEL = re.compile(
    rf"(?i)(?P<label>[(\[]\s*(?:size\s*:?\s*)?\d[\d,.]*\s*(?:{_SIZE_UNIT}|[KMGT]|B)\s*[)\]]"
    rf"|(?<!\S)\d[\d,.]*\s*{_SIZE_UNIT})\s*$"
)
_PLACEHOLDER_NAME = re.compile(
    r"(?i)^\(?\s*presentation\s+and\s+follow[\s\-\u2010\u2011]*on\s+discussion\s*\)?$"
)
_SCRIPT_EXTENSIONS = frozenset(".action .do .jsp .php .asp .aspx .html .htm .cgi .jspx".split())
_FILENAME_PARAMS = frozenset(
    "filename file_name fname orgfilename orgfilenm realfilename originalfilename".split()
)


def download_url(board_id: str, board_seq: str, file_seq: str, page_url: str) -> str:
    """The board's download URL for ``jf_fileDown(boardId, boardSeq, fileSeq)``.

    Built on the scheme and host (with port) of ``page_url``; raises ValueError when
    ``page_url`` is not an absolute http(s) URL.

    >>> download_url("O_47261", "O_114186", "2", "https://www.mnd.go.kr/user/boardList.action?command=view")
    'https://www.mnd.go.kr/user/boardList.action?command=download&boardId=O_47261&boardSeq=O_114186&fileSeq=2'
    >>> download_url("O_1", "O_2", "1", "http://127.0.0.1:8080/x")
    'http://127.0.0.1:8080/user/boardList.action?command=download&boardId=O_1&boardSeq=O_2&fileSeq=1'
    """
    parts = urlsplit(page_url.strip())
    netloc = parts.netloc.rpartition("@")[2]
    if parts.scheme.lower() not in _SCHEMES or not netloc:
        raise ValueError(f"not an absolute http(s) page URL: {page_url!r}")
    query = urlencode(
        [
            ("command", "download"),
            ("boardId", board_id.strip()),
            ("boardSeq", board_seq.strip()),
            ("fileSeq", file_seq.strip()),
        ]
    )
    return safe_url_string(f"{parts.scheme.lower()}://{netloc}{DOWNLOAD_PATH}?{query}")


def _jf_args(script: str) -> tuple[str, str, str] | None:
    match = _JF_FILEDOWN.search(script)
    if not match:
        return None
    args = [
        next(g for g in m.groups() if g is not None).strip()
        for m in _JS_ARG.finditer(match.group(1))
    ]
    if len(args) < 3 or not all(args[:3]):
        return None
    return args[0], args[1], args[2]


def _clean_href(href: str | None) -> str:
    if not isinstance(href, str):
        return ""
    return _URL_NOISE.sub("", href.strip()).replace("&amp;", "&")


def _target(href: str | None, onclick: str | None) -> tuple[str, ...] | None:
    """Where a link leads: ``("jf", boardId, boardSeq, fileSeq)``, ``("href", url)`` or None."""
    link = _clean_href(href)
    scheme = _SCHEME.match(link)
    if link and not link.startswith("#"):
        if scheme and scheme.group(1).lower() == "javascript":
            args = _jf_args(unquote(link))
            if args:
                return ("jf", *args)
        else:
            return ("href", link)
    script = onclick if isinstance(onclick, str) else ""
    args = _jf_args(script)
    if args:
        return ("jf", *args)
    navigate = _JS_NAVIGATE.search(script)
    if navigate and not navigate.group(2).strip().startswith("#"):
        return ("href", _clean_href(navigate.group(2)))
    return None


def resolve_file_url(href: str | None, onclick: str | None, page_url: str) -> str | None:
    """The absolute http(s) URL a File entry leads to, or None.

    None for placeholders (no link, ``#none``, ``javascript:void(0)``) and for any other
    scheme (``file:``, ``data:``, ``ftp:``, ``mailto:``, JavaScript other than ``jf_fileDown``).

    >>> page = "https://www.mnd.go.kr/user/boardList.action?command=view&boardSeq=O_114186"
    >>> resolve_file_url("javascript:jf_fileDown('O_47261','O_114186','2');", None, page)
    'https://www.mnd.go.kr/user/boardList.action?command=download&boardId=O_47261&boardSeq=O_114186&fileSeq=2'
    >>> resolve_file_url("/upload/news/briefing 1.pdf", None, page)
    'https://www.mnd.go.kr/upload/news/briefing%201.pdf'
    >>> resolve_file_url("#none", "return false;", page) is None
    True
    >>> resolve_file_url("ftp://example.com/a.pdf", None, page) is None
    True
    >>> resolve_file_url("http://[broken/a.pdf", None, page) is None  # malformed: dropped
    True
    """
    target = _target(href, onclick)
    if target is None or not isinstance(page_url, str):
        return None
    if any(len(part) > MAX_URL_CHARS for part in target):
        return None  # not a link a reader could follow
    try:
        if target[0] == "jf":
            return download_url(target[1], target[2], target[3], page_url)
        link = target[1]
        scheme = _SCHEME.match(link)
        if scheme and scheme.group(1).lower() not in _SCHEMES:
            return None
        url = safe_url_string(urljoin(page_url.strip(), link)).partition("#")[0]  # never sent
        parts = urlsplit(url)
        if parts.scheme.lower() not in _SCHEMES or not parts.hostname:
            return None
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError:  # "Invalid IPv6 URL", a bad port; UnicodeError is a ValueError too
        return None
    return url


def _is_file_like(url: str) -> bool:
    """Does this URL look like it serves a file (a download endpoint or a file path)?"""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    query = {k.casefold(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    if "fileseq" in query and not query["fileseq"].strip():
        pass  # "fileSeq=" names no file: a download link of the placeholder entry leads nowhere
    elif query.get("command", "").casefold() == "download" or "fileseq" in query:
        return True
    segment = unquote(parts.path.rpartition("/")[2])
    ext = segment.rpartition(".")[2].casefold() if "." in segment else ""
    return bool(ext) and f".{ext}" not in _SCRIPT_EXTENSIONS


def clean_name(name: str | None) -> str:
    """A file name percent-decoded with whitespace and control characters normalized.

    Percent runs are UTF-8; a run that is not UTF-8 but is Hangul in EUC-KR (CP949, what the
    board's EUC-KR pages send) is decoded as that; anything else stays as written.

    >>> clean_name("%ED%95%9C%EA%B8%80.pdf")
    '한글.pdf'
    >>> clean_name("%C7%D1%B1%DB.pdf")
    '한글.pdf'
    >>> clean_name("  photo\\u00a0 2.jpg ")
    'photo 2.jpg'
    """
    if not isinstance(name, str):
        return ""

    def decode(match: re.Match[str]) -> str:
        raw = bytes.fromhex(match.group(0).replace("%", ""))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        try:
            text = raw.decode("cp949")
        except UnicodeDecodeError:
            return match.group(0)
        if all(ch.isascii() or "\uac00" <= ch <= "\ud7a3" for ch in text):
            return text
        return match.group(0)

    previous = None
    while previous != name:  # names may be encoded twice; stop when nothing changes
        previous, name = name, _PERCENT_RUN.sub(decode, name)
    name = "".join(
        " " if unicodedata.category(ch) in {"Cc", "Zl", "Zp"}
        else "\ufffd" if unicodedata.category(ch) == "Cs"  # a lone surrogate: not UTF-8
        else ch
        for ch in name
        if unicodedata.category(ch) != "Cf"
    )
    return " ".join(name.split())


def split_size(name: str) -> tuple[str, str | None]:
    """Move a size label at the end of a name out of it: ``(name, label)``.

    >>> split_size("20170203_briefing.pdf (1.2MB)")
    ('20170203_briefing.pdf', '(1.2MB)')
    >>> split_size("report.hwp 1,024 bytes")
    ('report.hwp', '1,024 bytes')
    >>> split_size("photo 2.jpg")
    ('photo 2.jpg', None)
    """
    match = _SIZE_LABEL.search(name)
    if not match:
        return name, None
    head = name[: match.start()].rstrip(" -\u2013\u2014|,;:/")
    return head, match.group("label").strip()


def _size_key(label: str) -> str:
    return "".join(label.split()).strip("()[]").casefold()


def _name_from_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    for key, value in parse_qsl(parts.query):
        if key.casefold() in _FILENAME_PARAMS and clean_name(value):
            return clean_name(value)
    segment = clean_name(parts.path.rpartition("/")[2])
    if "." in segment and f".{segment.rpartition('.')[2].casefold()}" not in _SCRIPT_EXTENSIONS:
        return segment
    return ""


def _finish(name: str, size: str, url: str) -> tuple[str, str]:
    """Drop a repeat of the size label from the name; name an unnamed file from its URL."""
    while size:
        head, label = split_size(name)
        if not label or _size_key(label) != _size_key(size):
            break
        name = head  # "file.pdf (1.2MB)" beside a "(1.2MB)" span
    if not name:
        name = _name_from_url(url)
        if name and not size:
            name, label = split_size(name)
            size = label or ""
    return name, size


def _dedupe_key(url: str) -> str:
    try:
        parts = urlsplit(url)
        query = {k.casefold(): v for k, v in parse_qsl(parts.query)}
        if query.get("command", "").casefold() == "download" and "boardseq" in query:
            host = bare_host(parts.hostname)
            return f"download|{host}|{query['boardseq']}|{query.get('fileseq', '')}"
        return canonicalize_url(url)
    except ValueError:
        return url


def is_placeholder(entry: RawFile) -> bool:
    """Does this entry lead to no file (no link, ``#none``, ``javascript:void(0)``, or the
    ``(Presentation and Follow-on discussion)`` entry without a download link)?

    Links to other schemes (``mailto:``) are not placeholders but are rejected by
    :func:`resolve_file_url` all the same.

    >>> is_placeholder({"name": "(Presentation and Follow-on discussion)", "href": "#none",
    ...                 "onclick": None, "size_raw": None})
    True
    >>> is_placeholder({"name": "photo 2.jpg", "href": "javascript:jf_fileDown('O_1','O_2','2');",
    ...                 "onclick": None, "size_raw": None})
    False
    """
    target = _target(entry.get("href"), entry.get("onclick"))
    if target is None:
        return True
    if _PLACEHOLDER_NAME.match(clean_name(entry.get("name"))):
        return target[0] != "jf" and not _is_file_like(target[1])
    return False


def _same_page(url: str, page_url: str) -> bool:
    try:
        return canonicalize_url(url) == canonicalize_url(page_url)
    except ValueError:
        return False


def normalize_attachments(entries: list[RawFile], page_url: str) -> list[Attachment]:
    """Real files of the File block: absolute URLs, de-duplicated by URL, in page order.

    Placeholders and links to other schemes or back to the page itself are dropped; of
    duplicates the first name is kept (the first non-empty one), and a size if any has one.

    >>> page = "https://www.mnd.go.kr/user/boardList.action?command=view&boardSeq=O_114186"
    >>> direct = DOWNLOAD_PATH + "?command=download&boardId=O_47261&boardSeq=O_114186&fileSeq=1"
    >>> entries = [
    ...     {"name": "20170203_briefing.pdf", "size_raw": "(1.2MB)", "onclick": None,
    ...      "href": direct},
    ...     {"name": "photo 2.jpg", "href": "javascript:jf_fileDown('O_47261','O_114186','2');",
    ...      "onclick": None, "size_raw": None},
    ...     {"name": "(Presentation and Follow-on discussion)", "href": "#none",
    ...      "onclick": None, "size_raw": None},
    ... ]
    >>> for a in normalize_attachments(entries, page): print(a["name"], a["size_raw"], a["url"])
    20170203_briefing.pdf (1.2MB) https://www.mnd.go.kr/user/boardList.action?command=download&boardId=O_47261&boardSeq=O_114186&fileSeq=1
    photo 2.jpg None https://www.mnd.go.kr/user/boardList.action?command=download&boardId=O_47261&boardSeq=O_114186&fileSeq=2
    """
    out: list[Attachment] = []
    by_key: dict[str, Attachment] = {}
    for entry in entries or []:
        if not isinstance(entry, dict) or is_placeholder(entry):
            continue
        url = resolve_file_url(entry.get("href"), entry.get("onclick"), page_url)
        if url is None or _same_page(url, page_url):
            continue
        name = clean_name(entry.get("name"))
        size_raw = entry.get("size_raw")
        size = " ".join(size_raw.split()) if isinstance(size_raw, str) else ""
        if not size:
            name, label = split_size(name)
            size = label or ""
        name, size = _finish(name, size, url)
        if _PLACEHOLDER_NAME.match(name) and not _is_file_like(url):
            continue
        key = _dedupe_key(url)
        if key in by_key:
            kept = by_key[key]
            kept["name"], size = _finish(
                kept["name"] or name, kept["size_raw"] or size, kept["url"]
            )
            kept["size_raw"] = size or None
            continue
        attachment = Attachment(name=name, url=url, size_raw=size or None)
        by_key[key] = attachment
        out.append(attachment)
    return out
