"""Pure pieces of the browse view: a word-level diff of two versions of an article, bar charts
as inline SVG, and Atom feeds. No Datasette here: the plugin (:mod:`.plugin`) only wires them.

Everything that reaches HTML or XML from the archive is escaped here (the archive holds text a
hostile page may have put there: ``<script>`` in a title stays text).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from markupsafe import Markup, escape

__all__ = [
    "DIFF_FIELDS",
    "DiffOp",
    "atom_feed",
    "bar_chart_svg",
    "diff_html",
    "diff_versions",
    "word_diff",
]

DIFF_FIELDS: tuple[str, ...] = ("title", "subtitles", "body", "attachments")
"""What the edits view compares between two versions (the deck is ``subtitles``)."""

_TOKEN = re.compile(r"\S+|\s+")


class DiffOp(NamedTuple):
    """One run of a word diff: ``op`` is ``equal``, ``delete`` or ``insert``."""

    op: str
    text: str


def word_diff(old: str, new: str) -> list[DiffOp]:
    """The word-level difference from ``old`` to ``new``: runs of equal, deleted and inserted
    text that, read without the deletions, give ``new`` (and without the insertions, ``old``).

    >>> word_diff("The army trained today", "The navy trained today")
    [DiffOp(op='equal', text='The '), DiffOp(op='delete', text='army'), DiffOp(op='insert', text='navy'), DiffOp(op='equal', text=' trained today')]
    >>> word_diff("same", "same")
    [DiffOp(op='equal', text='same')]
    """
    a, b = _TOKEN.findall(old or ""), _TOKEN.findall(new or "")
    ops: list[DiffOp] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if ops and ops[-1].op == op:
            ops[-1] = DiffOp(op, ops[-1].text + text)
        else:
            ops.append(DiffOp(op, text))

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", "".join(a[i1:i2]))
        else:
            add("delete", "".join(a[i1:i2]))
            add("insert", "".join(b[j1:j2]))
    return ops


def field_text(record: Mapping[str, Any], name: str) -> str:
    """The text of one compared field of an export record: the deck lines one a line, the
    attachments as ``name <path?query>`` one a line (the file's URL without its scheme and host,
    as the content hash sees it: the same file reached on another host is no edit).

    >>> field_text({"subtitles": ["One", "Two"]}, "subtitles")
    'One\\nTwo'
    >>> field_text({"attachments": [{"name": "a.pdf", "url": "http://h:1/a?f=1"}]}, "attachments")
    'a.pdf </a?f=1>'
    """
    value = record.get(name)
    if name == "subtitles":
        return "\n".join(str(line) for line in value or [])
    if name == "attachments":
        return "\n".join(f"{a.get('name') or ''} <{_file_key(a.get('url'))}>" for a in value or [])
    return "" if value is None else str(value)


def _file_key(url: str | None) -> str:
    parts = urlsplit(url or "")
    return parts.path + (f"?{parts.query}" if parts.query else "")


def diff_versions(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> dict[str, list[DiffOp]]:
    """``{field: word diff}`` for the fields of :data:`DIFF_FIELDS` that differ between two
    export records (the fields that did not change are left out).

    >>> sorted(diff_versions({"title": "A", "body": "x"}, {"title": "B", "body": "x"}))
    ['title']
    """
    changes = {}
    for name in DIFF_FIELDS:
        old, new = field_text(before, name), field_text(after, name)
        if old != new:
            changes[name] = word_diff(old, new)
    return changes


def diff_html(ops: Iterable[DiffOp]) -> Markup:
    """A word diff as escaped HTML: deletions in ``<del>``, insertions in ``<ins>``.

    >>> str(diff_html([DiffOp("equal", "a "), DiffOp("delete", "<b>"), DiffOp("insert", "c")]))
    'a <del>&lt;b&gt;</del><ins>c</ins>'
    """
    parts = []
    for op, text in ops:
        if op == "delete":
            parts.append(Markup("<del>{}</del>").format(text))
        elif op == "insert":
            parts.append(Markup("<ins>{}</ins>").format(text))
        else:
            parts.append(escape(text))
    return Markup("").join(parts)


# -- charts ----------------------------------------------------------------------------------

PALETTE = ("#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6", "#dd4477")


def bar_chart_svg(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    width: int = 720,
    height: int = 240,
) -> Markup:
    """A stacked bar chart as one inline ``<svg>`` (no script, no external request): one bar per
    label, one colour per series, a legend, the y axis' maximum and every bar's total in its
    ``<title>`` (a tooltip).

    >>> svg = bar_chart_svg("Edits", ["2026-01", "2026-02"], {"edits": [1, 3]})
    >>> svg.count("<rect class=\\"bar\\""), "2026-02: 3" in svg, "<script" in svg
    (2, True, False)
    """
    names = list(series)
    totals = [sum(series[n][i] for n in names) for i in range(len(labels))]
    top = max(totals, default=0) or 1
    left, bottom, top_pad = 40, 40, 30 + 14 * len(names)
    plot_w, plot_h = width - left - 10, height - bottom - top_pad
    step = plot_w / max(len(labels), 1)
    bar_w = max(step * 0.8, 1)
    out = [
        Markup('<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
               'width="{}" height="{}" viewBox="0 0 {} {}">').format(width, height, width, height),
        Markup('<title>{}</title>').format(title),
        Markup('<text x="{}" y="16" font-weight="bold">{}</text>').format(left, title),
        Markup('<text x="4" y="{}" font-size="10">{}</text>').format(top_pad + 4, _num(top)),
        Markup('<text x="4" y="{}" font-size="10">0</text>').format(top_pad + plot_h),
        Markup('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/>').format(
            left, top_pad + plot_h, left + plot_w, top_pad + plot_h),
    ]
    for k, name in enumerate(names):
        colour = PALETTE[k % len(PALETTE)]
        out.append(Markup('<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
                          '<text x="{}" y="{}" font-size="11">{}</text>').format(
            left, 22 + 14 * k, colour, left + 14, 31 + 14 * k, name))
    label_every = max(1, len(labels) // 12)
    for i, label in enumerate(labels):
        x = left + i * step + (step - bar_w) / 2
        y = top_pad + plot_h
        for k, name in enumerate(names):
            value = series[name][i]
            h = plot_h * value / top
            if h > 0:
                y -= h
                out.append(Markup(
                    '<rect class="bar" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" '
                    'fill="{}"><title>{}: {} {}</title></rect>').format(
                    x, y, bar_w, h, PALETTE[k % len(PALETTE)], label, _num(value), name))
        out.append(Markup('<rect class="total" data-label="{}" data-total="{}" x="{:.1f}" '
                          'y="{}" width="{:.1f}" height="0"><title>{}: {}</title></rect>').format(
            label, _num(totals[i]), x, top_pad + plot_h, bar_w, label, _num(totals[i])))
        if i % label_every == 0:
            out.append(Markup('<text x="{:.1f}" y="{}" font-size="10">{}</text>').format(
                x, top_pad + plot_h + 14, label))
    out.append(Markup("</svg>"))
    return Markup("").join(out)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


# -- feeds -----------------------------------------------------------------------------------

ATOM = "http://www.w3.org/2005/Atom"


def atom_feed(
    feed_id: str, title: str, self_url: str, entries: Iterable[Mapping[str, Any]]
) -> bytes:
    """An Atom 1.0 document (UTF-8 bytes). Each entry has ``id``, ``title``, ``updated``
    (ISO 8601) and optionally ``link``, ``summary`` (plain text) and ``author``. An empty feed
    is a valid feed (its ``updated`` is the epoch).

    >>> xml = atom_feed("urn:x", "T", "http://127.0.0.1/f.atom",
    ...                 [{"id": "urn:1", "title": "<b>", "updated": "2026-01-01T00:00:00Z"}])
    >>> b"<title>&lt;b&gt;</title>" in xml, xml.count(b"<entry>")
    (True, 1)
    """
    rows = list(entries)
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = feed_id
    ET.SubElement(feed, f"{{{ATOM}}}title").text = _xml_text(title)
    ET.SubElement(feed, f"{{{ATOM}}}link", href=self_url, rel="self")
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = max(
        (_atom_time(r["updated"]) for r in rows), default="1970-01-01T00:00:00Z"
    )
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "newszone-crawler archive"
    for row in rows:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = str(row["id"])
        ET.SubElement(entry, f"{{{ATOM}}}title").text = _xml_text(
            str(row.get("title") or "(untitled)"))
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _atom_time(row["updated"])
        if row.get("link"):
            ET.SubElement(entry, f"{{{ATOM}}}link", href=str(row["link"]))
        if row.get("author"):
            who = ET.SubElement(entry, f"{{{ATOM}}}author")
            ET.SubElement(who, f"{{{ATOM}}}name").text = _xml_text(str(row["author"]))
        if row.get("summary"):
            ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = _xml_text(
                str(row["summary"]))
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8",
                                                                    xml_declaration=False)


def _atom_time(value: str | None) -> str:
    """An archive time (ISO 8601 UTC, maybe a bare date) as an Atom date-time.

    >>> _atom_time("2026-01-02"), _atom_time("2026-01-02T03:04:05Z")
    ('2026-01-02T00:00:00Z', '2026-01-02T03:04:05Z')
    """
    text = (value or "1970-01-01").strip()
    if len(text) == 10:
        return text + "T00:00:00Z"
    return text if text.endswith("Z") or "+" in text[10:] else text + "Z"


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text without the characters XML 1.0 cannot hold."""
    return _XML_BAD.sub("", text)
