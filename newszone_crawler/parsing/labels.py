"""Find values by their visible labels and by alternative selectors."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from parsel import Selector, SelectorList
from parsel.csstranslator import HTMLTranslator

from ..normalize.text import clean_line
from . import selectors as S

_CSS = HTMLTranslator()  # parsel's own translation of CSS for HTML (Selector.css)


def compiled_css(css: str) -> etree.XPath:
    """A CSS selector compiled once to an lxml ``XPath`` (what ``Selector.css`` evaluates, not
    translated and compiled again on every call).

    >>> compiled_css("p.b")(etree.fromstring("<div><p class='b'>x</p></div>"))[0].text
    'x'
    """
    found = _COMPILED.get(css)
    if found is None:
        found = _COMPILED[css] = etree.XPath(_CSS.css_to_xpath(css), smart_strings=False)
    return found


_COMPILED: dict[str, etree.XPath] = {}
for _name in dir(S):  # every selector of the markup, compiled at import
    _value = getattr(S, _name)
    if _name.isupper() and isinstance(_value, list):
        for _css in _value:
            compiled_css(_css)
_TEXT = etree.XPath(".//text()", smart_strings=False)


def select(sel: Selector | SelectorList, css: str) -> SelectorList:
    """``sel.css(css)`` on the compiled selector: the same nodes, in the same order.

    >>> select(Selector(text="<p>a</p><p>b</p>"), "p").getall()
    ['<p>a</p>', '<p>b</p>']
    """
    xpath = compiled_css(css)
    roots = [s.root for s in sel] if isinstance(sel, SelectorList) else [sel.root]
    return SelectorList(
        Selector(root=node, type="html") for root in roots if hasattr(root, "iter")
        for node in xpath(root)
    )


# A counter, a total or a page number: ASCII digits only (``str.isdigit`` accepts "²", which
# ``int`` refuses), and no more than fits SQLite's 64-bit integers (Python also refuses to read
# a number of more than 4300 digits from a string).
MAX_DIGITS = 18
_NOT_DIGIT = re.compile(r"[^0-9]")


def number_in(text: str | None) -> int | None:
    """The number the digits of ``text`` spell (``"1,523"`` -> 1523), or None when it has no
    digit or more than :data:`MAX_DIGITS` of them.

    >>> number_in("1,523"), number_in("Hit : 12"), number_in("²"), number_in("9" * 5000)
    (1523, 12, None, None)
    >>> number_in("0" * 5000 + "7"), number_in("000")
    (7, 0)
    """
    digits = _NOT_DIGIT.sub("", text or "")
    significant = digits.lstrip("0")
    if not digits or len(significant) > MAX_DIGITS:
        return None
    return int(significant or "0")  # leading zeros count toward int()'s 4300-digit limit too


def first(sel: Selector | SelectorList, alternatives: list[str]) -> SelectorList:
    """The matches of the first CSS selector in ``alternatives`` that matches anything.

    >>> sel = Selector(text="<div><p class='b'>x</p></div>")
    >>> first(sel, ["p.a", "p.b"]).css("::text").get()
    'x'
    """
    for css in alternatives:
        found = select(sel, css)
        if found:
            return found
    return SelectorList([])


def text_of(sel: Selector | SelectorList | None) -> str:
    """All the text of a node (or of the first node of a list), cleaned.

    >>> text_of(Selector(text="<p> a <b>b</b>\u00a0</p>").css("p"))
    'a b'
    """
    if sel is None:
        return ""
    if isinstance(sel, SelectorList):
        if not sel:
            return ""
        sel = sel[0]
    root = sel.root
    return clean_line(" ".join(_TEXT(root))) if hasattr(root, "iter") else ""


def _label_key(text: str) -> str:
    return clean_line(text).rstrip(":： ").strip().casefold()


LABEL_TAGS = ("dt", "th", "span", "strong", "em")
VALUE_TAGS = ("dd", "td")


def _node_text(node: Any) -> str:
    return clean_line(" ".join(node.itertext()))


def labelled_value(sel: Selector | SelectorList, labels: tuple[str, ...]) -> str | None:
    """The text of the ``<dd>`` after the ``<dt>`` whose text is one of ``labels``.

    Also finds ``<th>label</th><td>value</td>`` and ``<span>label :</span> value`` pairs.
    Walks the lxml tree directly: this runs for every page and label.

    >>> sel = Selector(text="<dl><dt>Date :</dt><dd>2017.03.10</dd><dt>Hit :</dt><dd>15</dd></dl>")
    >>> labelled_value(sel, ("Date",)), labelled_value(sel, ("Hit",))
    ('2017.03.10', '15')
    >>> labelled_value(sel, ("Author",)) is None
    True
    >>> labelled_value(Selector(text="<p><span>Date :</span> 2017.03.10</p>"), ("Date",))
    '2017.03.10'
    """
    wanted = {label.casefold() for label in labels}
    roots = [s.root for s in sel] if isinstance(sel, SelectorList) else [sel.root]
    for root in roots:
        if not hasattr(root, "iter"):
            continue
        for node in root.iter(*LABEL_TAGS):
            if _label_key(" ".join(node.itertext())) not in wanted:
                continue
            following = node.getnext()
            if following is not None and following.tag in VALUE_TAGS:
                return _node_text(following)
            if node.tail and clean_line(node.tail):
                return clean_line(node.tail)
    return None
