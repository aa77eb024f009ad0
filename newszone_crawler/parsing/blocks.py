"""Flatten an HTML fragment into a sequence of text and image blocks, in reading order.

A block is what a reader sees as one paragraph: a ``<p>``, ``<div>``, ``<li>``... Line breaks
(``<br>``) inside it become ``\\n``; an ``<img>`` ends the text before it and becomes a block
of its own, so a caption written in the same paragraph after the image follows it as a text
block. An empty line (two ``<br>`` in a row) parts paragraphs too. Spacer paragraphs (only
spaces or no-break spaces) are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from ..normalize.text import clean_line

BLOCK_TAGS = frozenset(
    "p div li ul ol h1 h2 h3 h4 h5 h6 blockquote table tbody thead tr td th section article "
    "figure figcaption center pre dl dt dd address header footer hr".split()
)
SKIP_TAGS = frozenset("script style noscript template iframe object embed button select".split())


@dataclass
class Block:
    """One paragraph of text (``lines``) or one image (``src``)."""

    kind: str  # "text" or "image"
    lines: list[str] = field(default_factory=list)
    raw_lines: list[str] = field(default_factory=list)
    src: str | None = None
    centered: bool = False  # laid out centred, as the board's photos and captions are
    parted: bool = False  # the same element as the block before, after an empty line (<br><br>)

    @property
    def text(self) -> str:
        """The block's cleaned lines joined by newlines."""
        return "\n".join(self.lines)


class _Collector:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._lines: list[str] = [""]
        self.centered = [False]

    def add_text(self, text: str | None) -> None:
        if text:
            self._lines[-1] += text

    def line_break(self) -> None:
        self._lines.append("")

    def flush(self) -> None:
        """End the paragraph: its lines become a block, or one block per group of lines when
        an empty line (``<br><br>``, ``<br>&nbsp;<br>``) parts them, as a post written without
        ``<p>`` parts its paragraphs."""
        group: list[tuple[str, str]] = []
        parted = False
        for raw in self._lines:
            cleaned = clean_line(raw)
            if cleaned:
                group.append((cleaned, raw.strip()))
            elif group:
                self._add(group, parted)
                group, parted = [], True
        if group:
            self._add(group, parted)
        self._lines = [""]

    def _add(self, kept: list[tuple[str, str]], parted: bool) -> None:
        self.blocks.append(
            Block(
                "text",
                lines=[c for c, _ in kept],
                raw_lines=[r for _, r in kept],
                centered=self.centered[-1],
                parted=parted,
            )
        )

    def image(self, src: str | None) -> None:
        self.flush()
        if src and src.strip():
            self.blocks.append(Block("image", src=src.strip(), centered=self.centered[-1]))


_NODE, _TAIL, _CLOSE = range(3)  # the steps of the walk
_CENTERED = re.compile(r"text-align\s*:\s*center", re.IGNORECASE)


def _is_centered(node: etree._Element, tag: str) -> bool:
    return (
        tag == "center"
        or (node.get("align") or "").lower() == "center"
        or bool(_CENTERED.search(node.get("style") or ""))
        or "center" in (node.get("class") or "").lower()
    )


def _walk(root: etree._Element, out: _Collector) -> None:
    """Visit ``root``'s subtree in document order with an explicit stack, not recursion.

    A post nested a few thousand levels deep (lxml keeps up to 2048) must not hit Python's
    recursion limit. The stack holds three kinds of step: ``(_NODE, element)`` enters an
    element, ``(_TAIL, text)`` adds the text after a child (comments and processing
    instructions keep their tail too), ``(_CLOSE, is_block)`` ends an element.
    """
    stack: list[tuple[int, object]] = [(_NODE, root)]
    while stack:
        step, value = stack.pop()
        if step == _TAIL:
            out.add_text(value)  # type: ignore[arg-type]
            continue
        if step == _CLOSE:
            if value:
                out.flush()
                out.centered.pop()
            continue
        node: etree._Element = value  # type: ignore[assignment]
        if not isinstance(node.tag, str):
            continue
        tag = node.tag.lower()
        if tag in SKIP_TAGS:
            continue
        if tag == "br":
            out.line_break()
            continue
        if tag == "img":
            out.image(node.get("src") or node.get("data-src"))
            continue
        is_block = tag in BLOCK_TAGS
        if is_block:
            out.flush()
            out.centered.append(out.centered[-1] or _is_centered(node, tag))
        out.add_text(node.text)
        stack.append((_CLOSE, is_block))
        for child in reversed(node):  # popped in document order: child, its tail, next child
            stack.append((_TAIL, child.tail))
            stack.append((_NODE, child))


def blocks_of(root: etree._Element) -> list[Block]:
    """The blocks of an element's content, in reading order.

    >>> from lxml import html
    >>> root = html.fromstring(
    ...     "<div><p><b>Head</b></p><p>&nbsp;</p><p>a<br>b&nbsp;</p>"
    ...     "<p><img src='/x.jpg'></p><p>Caption</p>tail</div>")
    >>> [(b.kind, b.lines or b.src) for b in blocks_of(root)]
    [('text', ['Head']), ('text', ['a', 'b']), ('image', '/x.jpg'), ('text', ['Caption']), ('text', ['tail'])]
    >>> [b.lines for b in blocks_of(html.fromstring("<div>One.<br><br>Two<br>three.<br>&nbsp;<br>Four.</div>"))]
    [['One.'], ['Two', 'three.'], ['Four.']]
    """
    out = _Collector()
    _walk(root, out)
    out.flush()
    return out.blocks
