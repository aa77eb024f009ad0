"""Copyright notices -> ``{holder, year, text}``.

The observed notice is the post's last line, ``<Copyright ⓒ The Korea Defense Daily, All rights
reserved>`` (markup.md, "Copyright"). Expected variants, all recognised here: no angle brackets,
``©``/``(c)``/``(C)`` instead of ``ⓒ``, a year before or after the holder (``Copyright ⓒ 2017
The Korea Defense Daily``, ``ⓒ 2017 ...``, ``Copyright 2017 ...``), ``All Rights Reserved.``,
trailing (no-break) spaces, and the Korean notice ``ⓒ 국방일보, 무단전재 및 재배포 금지``.

A notice needs a marker (the word ``Copyright``/``저작권자``, a copyright sign, or a rights
clause such as ``All rights reserved``) *and* a holder that reads as a name: capitalised words,
Hangul, a domain. Body sentences that mention copyright (``The copyright law was revised in
2019.``, ``Copyright infringement rose...``) are not notices.
"""

from __future__ import annotations

import re
from typing import TypedDict


class Copyright(TypedDict):
    """A parsed copyright notice (record.md, ``copyright``)."""

    holder: str
    year: int | None
    text: str


#: A line longer than this is not a notice.
MAX_NOTICE_CHARS = 200

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_PAIRS = {
    "<": ">",
    "[": "]",
    "(": ")",
    "\u3008": "\u3009",
    "\u300a": "\u300b",
    "\uff1c": "\uff1e",
    "\u3010": "\u3011",
    "\uff08": "\uff09",
    "{": "}",
}
_SYMBOL = re.compile(r"(?:[ⓒ©Ⓒ]|\(\s*[cC]\s*\)|\[\s*[cC]\s*\])\s*")
_WORD = re.compile(r"(?i)(?:copyrights?|copr\.|저작권자|저작권)\s*[:.]?\s*")
_YEAR = r"(?:19|20)\d{2}"
_YEARS = re.compile(rf"({_YEAR})(?:\s*[-\u2013~,]\s*({_YEAR}))?(?!\d)\s*[.,]?\s*")
_BY = re.compile(r"(?i)by\s+")
# The rights clause written before the holder: "All rights reserved by The Korea Defense Daily".
_RIGHTS_FIRST = re.compile(r"(?i)all\s+rights?\s+reserved\s*(?:[,.:]\s*)?(?:by\s+)?")
_RIGHTS = re.compile(
    r"(?i)[\s,.;:\-\u2013\u2014/|]*(?:"
    r"all\s+rights?\s+reserved"
    r"|unauthori[sz]ed\s+(?:reproduction|copying|use)(?:\s+and\s+redistribution)?\s+(?:is\s+)?"
    r"(?:strictly\s+)?prohibited"
    r"|무단\s*전재\s*(?:및|와|/|·|ㆍ|,|-)?\s*재\s*배포\s*(?:금지|를?\s*금(?:지)?합니다)"
    r"|무단\s*(?:전재|복제|배포)\s*금지"
    r")[\s.!]*$"
)
_TRAILING_YEAR = re.compile(rf"[\s,]+({_YEAR})(?:\s*[-\u2013~]\s*({_YEAR}))?\s*$")
_HOLDER_WORD = re.compile(r"[\w&'\u2019().,\-]+")
_DOMAIN = re.compile(r"(?i)(?:https?://)?(?:[a-z0-9\-]+\.)+[a-z]{2,}/?")
_CONNECTORS = frozenset("of the for and & de du at".split())
_ABBREVIATIONS = frozenset("co. ltd. inc. corp. co.,ltd. llc. l.l.c.".split())
# Words that follow "Copyright" in a heading or sentence, never a holder's first word.
_NOT_HOLDERS = frozenset(
    """act acts law laws office infringement infringements protection policy policies notice
    notices holder holders owner owners ownership issues issue claims claim registration rules
    regulations treaty treaties agreement lawsuit lawsuits violation violations fees royalties
    term terms reform bill commission disputes dispute cases case""".split()
)


def _trim(line: str) -> str:
    return line.strip().strip(_ZERO_WIDTH).strip()


def _unwrap(text: str) -> str:
    """Drop the brackets around the whole notice (``<...>``), also a lone one on either side."""
    if text and text[0] in _PAIRS and not _SYMBOL.match(text):
        closer = _PAIRS[text[0]]
        text = text[1:].lstrip()
        if text.endswith(closer):
            text = text[:-1].rstrip()
    elif text and text[-1] in ">\u3009\u300b\uff1e\u3011" and "<" not in text:
        text = text[:-1].rstrip()
    return text


def _clean_holder(holder: str) -> str:
    holder = holder.strip(" ,;:-\u2013\u2014/|")
    while holder.endswith(".") and holder.split()[-1].casefold() not in _ABBREVIATIONS:
        holder = holder[:-1].rstrip(" ,;:-\u2013\u2014/|")
    return holder


def _holder_ok(holder: str, *, lower_ok: bool = False) -> bool:
    """A holder is a short name; lower-case words only where a copyright sign vouches for it."""
    words = holder.split()
    if len(holder) > 80 or len(words) > 10:
        return False
    for word in words:
        if _DOMAIN.fullmatch(word.strip("(),")):
            continue
        if not _HOLDER_WORD.fullmatch(word) or not any(ch.isalnum() for ch in word):
            return False
        first = word.lstrip("(")[:1]
        if first.islower() and not lower_ok and word.casefold() not in _CONNECTORS:
            return False
    return True


def _parse(line: str) -> Copyright | None:
    text = _trim(line)
    work = " ".join(text.translate({ord(ch): None for ch in _ZERO_WIDTH}).split())
    if not work or len(work) > MAX_NOTICE_CHARS:
        return None
    work = _unwrap(work)
    has_word = has_symbol = False
    years: list[int] = []
    rights_first = _RIGHTS_FIRST.match(work)
    if rights_first:
        work = work[rights_first.end() :]
    while True:  # marker words, signs, years and "by" in any order: "Copyright (c) 2017 by ..."
        if match := _WORD.match(work):
            has_word = True
        elif match := _SYMBOL.match(work):
            has_symbol = True
        elif match := _YEARS.match(work):
            years.append(int(match.group(2) or match.group(1)))
        elif (has_word or has_symbol) and (match := _BY.match(work)):
            pass
        else:
            break
        work = work[match.end() :]
    rights = _RIGHTS.search(work) or rights_first
    if rights and rights is not rights_first:
        work = work[: rights.start()]
    work = _clean_holder(work)
    if match := _TRAILING_YEAR.search(work):
        years.append(int(match.group(2) or match.group(1)))
        work = _clean_holder(work[: match.start()])
    holder = work
    if holder and not _holder_ok(holder, lower_ok=has_symbol):
        return None
    if not (has_word or has_symbol or rights):
        return None
    if not holder and not (rights and (has_word or has_symbol)):
        return None
    word_only = has_word and not (has_symbol or years or rights)
    if word_only and holder.split()[0].casefold() in _NOT_HOLDERS:
        return None  # "Copyright Act", "Copyright Law Reform"
    return Copyright(holder=holder, year=years[-1] if years else None, text=text)


def parse_copyright(line: str | None) -> Copyright | None:
    """Parse a copyright notice; None when the line is not one.

    ``holder`` is kept as written, ``year`` is the (last) year shown or None, and ``text`` is the
    notice as shown, trimmed of surrounding whitespace and no-break spaces (brackets kept).

    >>> parse_copyright("<Copyright ⓒ The Korea Defense Daily, All rights reserved>\\u00a0")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'holder': 'The Korea Defense Daily', 'year': None,
     'text': '<Copyright ⓒ The Korea Defense Daily, All rights reserved>'}
    >>> parse_copyright("Copyright (c) 2017 The Korea Defense Daily. All Rights Reserved.")["year"]
    2017
    >>> parse_copyright("ⓒ 국방일보, 무단전재 및 재배포 금지")["holder"]
    '국방일보'
    >>> parse_copyright("The copyright law was revised in 2019.") is None
    True
    >>> parse_copyright(None) is None
    True
    """
    if not isinstance(line, str):
        return None
    return _parse(line)


def is_copyright(line: str) -> bool:
    """Does this line read as a copyright notice?

    >>> is_copyright("<Copyright ⓒ The Korea Defense Daily, All rights reserved>")
    True
    >>> is_copyright("Copyright infringement cases rose by 20% in 2019.")
    False
    """
    return parse_copyright(line) is not None
