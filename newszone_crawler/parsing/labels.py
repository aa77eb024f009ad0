"""Find values by their visible labels and by alternative selectors."""

from __future__ import annotations

from parsel import Selector, SelectorList

from ..normalize.text import clean_line


def first(sel: Selector | SelectorList, alternatives: list[str]) -> SelectorList:
    """The matches of the first CSS selector in ``alternatives`` that matches anything.

    >>> sel = Selector(text="<div><p class='b'>x</p></div>")
    >>> first(sel, ["p.a", "p.b"]).css("::text").get()
    'x'
    """
    for css in alternatives:
        found = sel.css(css)
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
    return clean_line(" ".join(sel.xpath(".//text()").getall()))


def _label_key(text: str) -> str:
    return clean_line(text).rstrip(":： ").strip().casefold()


def labelled_value(sel: Selector | SelectorList, labels: tuple[str, ...]) -> str | None:
    """The text of the ``<dd>`` after the ``<dt>`` whose text is one of ``labels``.

    Also finds ``<th>label</th><td>value</td>`` and ``<span>label :</span> value`` pairs.

    >>> sel = Selector(text="<dl><dt>Date :</dt><dd>2017.03.10</dd><dt>Hit :</dt><dd>15</dd></dl>")
    >>> labelled_value(sel, ("Date",)), labelled_value(sel, ("Hit",))
    ('2017.03.10', '15')
    >>> labelled_value(sel, ("Author",)) is None
    True
    """
    wanted = {label.casefold() for label in labels}
    for label_node in sel.xpath(".//dt | .//th | .//span | .//strong | .//em"):
        if _label_key(" ".join(label_node.xpath(".//text()").getall())) not in wanted:
            continue
        value = label_node.xpath("following-sibling::*[1][self::dd or self::td]")
        if value:
            return text_of(value)
        tail = label_node.xpath("following-sibling::text()[1]").get()
        if tail and clean_line(tail):
            return clean_line(tail)
    return None
