"""Page text -> a parsel ``Selector``, refusing a tree that libxml2 stopped building.

libxml2 keeps at most 2048 levels of nesting even with ``huge_tree`` (256 without). Deeper
input does not raise: the parser reports "Excessive depth in document" and silently drops
everything after that point, so a post could lose its body, byline and files unnoticed.
:func:`page_selector` turns that into a :class:`PageLayoutError`; the spider counts and logs it.

Text that libxml2 cannot take as given is made safe first: lone surrogates (which cannot be
encoded as UTF-8 and would raise ``UnicodeEncodeError`` in parsel) become U+FFFD; NULs (as
parsel does) and the other controls XML forbids are dropped (``clean_line`` drops them from the
text anyway).
"""

from __future__ import annotations

import re

from lxml import etree, html as lxml_html
from parsel import Selector

from .errors import PageLayoutError

_SURROGATES = re.compile(r"[\ud800-\udfff]")
# Characters XML forbids: libxml2's HTML parser lets them into element and attribute names,
# and lxml then raises ValueError when such a name is read back (``Selector.attrib``).
# Form feed stays: it is whitespace to HTML.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\ufffe\uffff]")
_NOT_XML_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20)])
# libxml2's messages when it gave up part of the document (it goes on with what it has).
_STOPPED = ("Excessive depth in document", "Huge input lookup", "Memory allocation failed")


def _safe_bytes(text: str) -> bytes:
    """``text`` stripped, without the characters XML forbids, lone surrogates as U+FFFD, in
    UTF-8. The common page has none of them: that is checked on the bytes (one C pass each)
    instead of two regular-expression passes over the text.

    >>> _safe_bytes(" <p>a</p>\\n"), _safe_bytes("\\x1c\\xa0<p>\\x00" + chr(0xD800))
    (b'<p>a</p>', b'<p>\\xef\\xbf\\xbd')
    """
    stripped = text.strip()
    try:
        body = stripped.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        body = b""
    else:
        # the forbidden controls are single bytes in UTF-8 (never part of another character)
        if len(body.translate(None, _NOT_XML_BYTES)) == len(body) \
                and b"\xef\xbf\xbe" not in body and b"\xef\xbf\xbf" not in body:
            return body
    # rare: as the contract says, forbidden characters dropped then the text stripped
    return _SURROGATES.sub("\ufffd", _NOT_XML.sub("", text)).strip().encode("utf-8")


def page_selector(text: str, url: str = "") -> Selector:
    """A selector over the whole page; raises PageLayoutError when the parser had to stop.

    >>> page_selector("<p>a\\x00b" + chr(0xD800) + "</p>").css("p::text").get() == "ab\\ufffd"
    True
    >>> page_selector("<div>" * 3000 + "x", "http://h/a")
    Traceback (most recent call last):
    ...
    newszone_crawler.parsing.errors.PageLayoutError: page nested too deep to parse (Excessive \
depth in document: 2048, use XML_PARSE_HUGE option): http://h/a
    """
    if not isinstance(text, str):
        raise TypeError(f"page text must be str, not {type(text).__name__}")
    body = _safe_bytes(text) or b"<html/>"
    parser = lxml_html.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:  # libxml2 gave no tree at all
        raise PageLayoutError(f"page could not be parsed ({exc}): {url}") from exc
    for error in parser.error_log:
        if error.message.startswith(_STOPPED):
            raise PageLayoutError(f"page nested too deep to parse ({error.message.strip()}): {url}")
    if root is None:
        root = etree.fromstring(b"<html/>", parser=parser)
    return Selector(root=root, type="html")
