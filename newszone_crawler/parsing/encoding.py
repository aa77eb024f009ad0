"""Bytes of a page -> text, refusing charset labels that are not safe text encodings.

A page may declare its charset in the ``Content-Type`` header and in a ``<meta>`` tag (older
pages of the board declare EUC-KR that way). A hostile or broken label must not decide how
the archive reads the page: ``utf-7`` (a classic way to smuggle markup past filters), codecs
that are not text encodings at all (``base64``, ``zlib``) and unknown labels are refused, and
the next declaration (or UTF-8) is used instead. EUC-KR is read as its superset CP949, as
browsers do (w3lib's translation table).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import re

from w3lib.encoding import read_bom, resolve_encoding

DEFAULT_ENCODING = "utf-8"
_REFUSED = {"utf-7", "utf_7", "u7", "unicode-1-1-utf-7", "csunicode11utf7"}
# Python codecs that are no web page's charset: they raise on "replace" (idna, punycode,
# undefined) or turn "\\ud800" into a lone surrogate (the escape codecs).
_PYTHON_ONLY = {
    "idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape", "charmap",
    "unicode-internal", "palmos", "mbcs", "oem",
}
# A <meta> that a reader could parse as ASCII cannot truthfully say UTF-16/32 (WHATWG: use UTF-8).
_NOT_FROM_META = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';,\s]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_:.+-]+)""", re.IGNORECASE
)


_META_WINDOW = 65536  # bytes of the <head> searched for the <meta> charset (scripts come first)
_NO_HEAD_WINDOW = 8192  # bytes searched in a page whose <head> does not end within _META_WINDOW
_HEAD_END = re.compile(rb"</head\b|<body\b", re.IGNORECASE)
_COMMENT = re.compile(rb"<!--.*?(?:-->|$)", re.DOTALL)


def declared_labels(body: bytes, content_type: str | None) -> list[str]:
    """The charset labels a page declares: the header's, then the first ``<meta>`` one that
    is not inside an HTML comment, in the page's ``<head>`` (its first 64 KB; the first 8 KB
    of a page whose head does not end there).

    >>> declared_labels(b'<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">',
    ...                 "text/html; charset=UTF-7")
    ['UTF-7', 'euc-kr']
    >>> declared_labels(b'<!-- <meta charset="utf-8"> --><meta charset="euc-kr">', None)
    ['euc-kr']
    """
    labels = []
    header = _HEADER_CHARSET.search(content_type or "")
    if header:
        labels.append(header.group(1))
    head = body[:_META_WINDOW]
    end = _HEAD_END.search(head)  # a <meta> pasted into the post is not the page's
    head = head[:end.start()] if end else head[:_NO_HEAD_WINDOW]
    meta = _META_CHARSET.search(head)
    if meta and b"<!--" in head[:meta.start()]:  # the first one may be commented out
        meta = _META_CHARSET.search(_COMMENT.sub(b"", head))
    if meta:
        labels.append(meta.group(1).decode("ascii", "replace"))
    return labels


@dataclass(frozen=True)
class DecodedPage:
    """A page's text, the encoding used, and the declared labels that were refused."""

    text: str
    encoding: str
    refused: tuple[str, ...] = ()


def acceptable(label: str | None) -> str | None:
    """The Python codec for a declared charset label, or None when it must not be used.

    >>> acceptable("EUC-KR"), acceptable("utf8"), acceptable("utf-7"), acceptable("base64")
    ('cp949', 'utf-8', None, None)
    >>> acceptable("x-unknown-charset") is None, acceptable("idna"), acceptable("unicode_escape")
    (True, None, None)
    """
    if not label or label.strip().lower() in _REFUSED:
        return None
    name = resolve_encoding(label.strip())
    if not name:
        return None
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in {"utf-7"} | _REFUSED:
        return None
    if info.name.replace("_", "-") in _PYTHON_ONLY:
        return None
    return info.name.replace("_", "-") if info.name.startswith("utf") else info.name


# Codecs that decode any bytes with "replace" without raising: choosing one needs no trial.
_NEVER_FAILS = {"utf-8", "cp949", "ascii", "iso8859-1", "cp1252"}


def page_charset(body: bytes, content_type: str | bytes | None = None) -> tuple[str, tuple[str, ...]]:
    """``(encoding, refused labels)``: the first declared charset that may be used, and the
    labels before it that may not, without decoding the page unless a rarer declared codec
    must be tried (the request side's check of unsafe labels: the page itself is decoded
    once, by the extraction, which may still read it in another declared charset its bytes
    are valid in, see :func:`decode_page`).

    >>> page_charset(b"<meta charset=euc-kr>", "text/html; charset=utf-7")
    ('cp949', ('utf-7',))
    >>> page_charset(b"<p>a</p>", "text/html; charset=x-unknown")
    ('utf-8', ('x-unknown',))
    """
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    bom, _ = read_bom(body)
    if bom:
        return bom, ()
    refused: list[str] = []
    labels = declared_labels(body, content_type)
    from_meta = len(labels) - (1 if _HEADER_CHARSET.search(content_type or "") else 0)
    for index, label in enumerate(labels):
        encoding = acceptable(label)
        if encoding and index >= len(labels) - from_meta and encoding in _NOT_FROM_META:
            encoding = None
        if encoding and encoding not in _NEVER_FAILS:
            page = decode_page(body, content_type)  # a rarer codec: try it as the decoder does
            return page.encoding, page.refused
        if encoding:
            return encoding, tuple(refused)
        refused.append(label)
    return DEFAULT_ENCODING, tuple(refused)


def decode_page(body: bytes, content_type: str | bytes | None = None) -> DecodedPage:
    """Decode a page: BOM, then the header's charset, then the ``<meta>`` one, then UTF-8;
    undecodable bytes become U+FFFD. When the page declares two charsets and its bytes are
    not valid in the first (a server that labels every page UTF-8 while an older page's
    ``<meta>`` says EUC-KR, and its bytes are EUC-KR), the first declared one they are valid
    in is used.

    >>> euc = b"<meta charset=euc-kr>" + "국방".encode("euc-kr")
    >>> decode_page(euc, "text/html; charset=utf-8").text.endswith("국방")
    True

    >>> decode_page("한".encode("euc-kr"), "text/html").text  # no label: UTF-8 with U+FFFD
    '\\ufffd\\ufffd'
    >>> page = decode_page(b"<meta charset=euc-kr>" + "한".encode("euc-kr"), "text/html; charset=utf-7")
    >>> page.encoding, page.refused, page.text.endswith("한")
    ('cp949', ('utf-7',), True)
    >>> decode_page(b"<meta charset=utf-16><p>a</p>").encoding  # a <meta> read as ASCII lies
    'utf-8'
    """
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    bom, bom_bytes = read_bom(body)
    if bom:
        return DecodedPage(_text(body[len(bom_bytes or b""):], bom), bom)
    labels = declared_labels(body, content_type)
    usable = _usable(labels, content_type)
    # two declared charsets: the second is used only when the bytes are not the first's
    # (from _OVERRULE_AT undecodable characters) and are valid in it; labels passed over for
    # that reason are not "refused" (a refused label is an unsafe or unknown one)
    if len(usable) > 1 and usable[0][1] != usable[1][1]:
        first = usable[0][1]
        try:
            return DecodedPage(_text(body, first, "strict"), first, tuple(labels[:usable[0][0]]))
        except (UnicodeError, LookupError):
            pass
        try:  # a stray byte or two is the page's own fault, not another charset's text
            overruled = _text(body, first).count("\ufffd") >= _OVERRULE_AT
        except (UnicodeError, LookupError):
            overruled = True
        declared = {index for index, _ in usable}
        for index, encoding in usable[1:] if overruled else ():
            try:  # the next declared charset the bytes are valid in; not an unsafe label
                return DecodedPage(_text(body, encoding, "strict"), encoding,
                                   tuple(lb for j, lb in enumerate(labels[:index]) if j not in declared))
            except (UnicodeError, LookupError):
                continue
    for index, encoding in usable:
        try:
            page = DecodedPage(_text(body, encoding), encoding, tuple(labels[:index]))
        except (UnicodeError, LookupError):  # a codec that fails even with "replace"
            continue
        return _late_meta(body, page) if encoding == DEFAULT_ENCODING else page
    return _late_meta(body, DecodedPage(_text(body, DEFAULT_ENCODING), DEFAULT_ENCODING,
                                        tuple(labels)))


def _late_meta(body: bytes, page: DecodedPage) -> DecodedPage:
    """A page read as UTF-8 that is not UTF-8, with a ``<meta>`` charset outside its head
    (after ``<body>``, or after a script that writes ``'<body'``): read in that charset when
    its bytes are valid in it. A ``<meta>`` pasted into a UTF-8 post is not used."""
    if page.text.count("\ufffd") < _OVERRULE_AT:
        return page
    window = _COMMENT.sub(b"", body[:_META_WINDOW])
    for meta in _META_CHARSET.finditer(window):
        encoding = acceptable(meta.group(1).decode("ascii", "replace"))
        if encoding and encoding != page.encoding and encoding not in _NOT_FROM_META:
            try:
                return DecodedPage(_text(body, encoding, "strict"), encoding, page.refused)
            except (UnicodeError, LookupError):
                continue
    return page


_OVERRULE_AT = 4
"""Undecodable characters in the first declared charset from which another declared one the
bytes are valid in is used instead (one EUC-KR line gives dozens; a stray byte, one)."""


def _usable(labels: list[str], content_type: str | None) -> list[tuple[int, str]]:
    """``(index, codec)`` of the declared labels that may be used, in declared order."""
    from_meta = len(labels) - (1 if _HEADER_CHARSET.search(content_type or "") else 0)
    usable = []
    for index, label in enumerate(labels):
        encoding = acceptable(label)
        if encoding and index >= len(labels) - from_meta and encoding in _NOT_FROM_META:
            encoding = None
        if encoding:
            usable.append((index, encoding))
    return usable


def _text(body: bytes, encoding: str, errors: str = "replace") -> str:
    """``body`` decoded, undecodable bytes and lone surrogates as U+FFFD (Python's UTF-8
    decoder never gives a lone surrogate: no pass over the text for them)."""
    text = body.decode(encoding, errors)
    if encoding in _NO_SURROGATES:
        return text
    return _SURROGATES.sub("\ufffd", text)


_NO_SURROGATES = frozenset({"utf-8", "utf8", "ascii"})
