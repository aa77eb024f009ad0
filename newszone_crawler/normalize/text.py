"""Whitespace and line-level text clean-up shared by the parser and the normalizers."""

from __future__ import annotations

import re
import unicodedata

# Every kind of space the board's pages carry: no-break spaces (U+00A0) as paragraph spacers
# and line ends, ideographic spaces on Korean pages, zero-width characters pasted from editors.
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060]")
# NUL and the other C0/C1 controls (tab and newline excepted) never belong in archived text.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Lone surrogates cannot be encoded as UTF-8: they would break the JSON lines and the archive.
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_UNUSUAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200c\u200d\u2060\ud800-\udfff]")


def safe_text(text: str) -> str:
    """Text that can be stored: controls (NUL included) removed, lone surrogates replaced.

    >>> safe_text("a" + chr(0) + "b" + chr(0xD800) + "c" + chr(0x85)) == "ab" + chr(0xFFFD) + "c"
    True
    """
    return _SURROGATES.sub("\ufffd", _CONTROLS.sub("", text))
# Deck markers seen on the board: "- line", "-line", "- line -", "line;" and the dash variants.
_DECK_LEAD = re.compile(r"^[-\u2013\u2014\u2015\u2212\u00b7\u2022\u25b2\u25b3\u25cb\u25cf\u25a1\u25a0]+\s*")
_DECK_TAIL = re.compile(r"\s*(?:[-\u2013\u2014\u2015\u2212]+|;+)$")


def clean_line(text: str | None) -> str:
    """Collapse every run of whitespace (no-break spaces included) to one space and strip.

    >>> clean_line("ROK-U.S. Ministers\u2019 Conference\u00a0\u00a0")
    'ROK-U.S. Ministers’ Conference'
    >>> clean_line("  a \\t b\\u200b ")
    'a b'
    >>> clean_line(None)
    ''
    """
    if not text:
        return ""
    if _UNUSUAL.search(text):  # rare: most lines need only the whitespace pass
        text = safe_text(_ZERO_WIDTH.sub("", text))
    return _SPACES.sub(" ", text).strip()


def clean_lines(text: str | None) -> str:
    """Clean each line of a multi-line text and drop the empty ones.

    >>> clean_lines("a\u00a0\\n \\n  b  ")
    'a\\nb'
    """
    if not text:
        return ""
    lines = (clean_line(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def strip_deck_marker(line: str) -> str:
    """Remove a deck line's list marker: ``- x``, ``-x``, ``- x -``, ``x;``.

    >>> strip_deck_marker("- Reaffirmed solid alliance")
    'Reaffirmed solid alliance'
    >>> strip_deck_marker("-Agreement on exercises -")
    'Agreement on exercises'
    >>> strip_deck_marker("Consensus about deployment;")
    'Consensus about deployment'
    >>> strip_deck_marker("ROK-U.S. alliance")
    'ROK-U.S. alliance'
    """
    line = clean_line(line)
    stripped = _DECK_TAIL.sub("", _DECK_LEAD.sub("", line)).strip()
    return stripped or line


def join_paragraphs(paragraphs: list[str]) -> str:
    """Join cleaned paragraphs with one blank line; empty and spacer paragraphs are dropped.

    >>> join_paragraphs(["First.", "\u00a0", " Second.\u00a0"])
    'First.\\n\\nSecond.'
    """
    cleaned = (clean_lines(p) for p in paragraphs)
    return "\n\n".join(p for p in cleaned if p)


def fold(text: str) -> str:
    """A comparison key: NFKC, quotes and dashes unified, whitespace collapsed, case folded.

    Used to match a cut header title against the post's headline, whose quotes may not match.

    >>> fold("\u201cOverwhelming  response\u201c") == fold('"overwhelming response"')
    True
    """
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u2018\u2019\u201a\u201b\u2032`']", '"', text)
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    return clean_line(text).casefold()


def hangul_share(text: str) -> float:
    """The share of letters in ``text`` that are Hangul (0.0 when it has no letters).

    >>> hangul_share("국방 AB")
    0.5
    >>> hangul_share("1234")
    0.0
    """
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    hangul = sum(1 for ch in letters if "\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f")
    return hangul / len(letters)
