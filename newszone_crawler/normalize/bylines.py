"""Bylines and credit lines -> authors.

A byline is a short line of the post that names who wrote, translated or photographed the
article (markup.md, "Byline"; record.md, "Byline examples"):

- ``By Byeong-No, Yun <trylover@dema.mil.kr >`` ("Given, Family" -> ``Yun Byeong-No``),
  ``By Chae-Mu, Im < >``, ``By Yun Byeong-No (trylover@dema.mil.kr)``,
  ``By Reporter Yun Byeong-No``, ``By Kim Min-seok and Lee Ga-yeon``,
  ``By Kim Min-seok, Lee Ga-yeon``;
- ``Translated by ...`` (translator), ``Photo by`` / ``Photos by`` / ``Photographed by``
  (photographer), ``Reported by`` / ``Written by`` (reporter); several credits may share a line
  (``By Kim Min-seok / Photo by Lee Ga-yeon``);
- Korean: ``윤병노 기자 < trylover@dema.mil.kr >``, ``윤병노·김민석 기자``,
  ``사진=이경원 기자`` (photographer), ``번역=...`` (translator).

A line is a byline only when *all* of it reads as credits: the role words, then names
(capitalised words, at most :data:`MAX_NAME_WORDS` each), e-mails, titles such as
``Staff Reporter`` and affiliations such as ``The Korea Defense Daily``. Sentences that happen
to start with "By" (``By 2020, the ministry will...``, ``By contrast, ...``) are not bylines.

Position is the caller's business: a credit that ends a photo caption
(``... Reported by Kim Min-seok``) is not the article's byline, and :func:`is_byline` says
False for the caption line because the line starts with other text. Use
:func:`split_caption_credit` to cut such a credit off a caption.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypedDict


class Author(TypedDict):
    """One person credited by a byline (record.md, ``authors``)."""

    name: str
    email: str | None
    role: str  # 'reporter' | 'translator' | 'photographer'


REPORTER = "reporter"
TRANSLATOR = "translator"
PHOTOGRAPHER = "photographer"

#: A byline line longer than this (after whitespace normalization) is body text.
MAX_BYLINE_CHARS = 160
#: A person's name has at most this many words once titles are removed.
MAX_NAME_WORDS = 4

_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_OPEN = "<([{\u3008\u300a\uff08\uff1c\u3010"
_CLOSE = ">)]}\u3009\u300b\uff09\uff1e\u3011"
_BRACKET = re.compile(f"[{re.escape(_OPEN)}]([^{re.escape(_OPEN + _CLOSE)}]*)[{re.escape(_CLOSE)}]")
# A bare e-mail with stray spaces around its "@" ("trylover @ dema.mil.kr"), joined before parsing.
_SPACED_EMAIL = re.compile(
    r"([A-Za-z0-9._%+\-]+)\s*@\s*([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})\b"
)
_EMAIL_LABEL = re.compile(r"(?i)\b(?:e-?mail|mailto)\s*[:=]?")

# Role words that open a credit, most specific first; "by" alone is a reporter.
_PHOTO = r"photo(?:s|graph(?:s|ed|y)?)?"
_ROLE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?i)(?:english\s+)?translat(?:ed|ion)(?:\s+into\s+english)?\s+by\b"), TRANSLATOR),
    (re.compile(rf"(?i)(?:text|story|words|article)\s+and\s+{_PHOTO}\s+by\b"), REPORTER),
    (re.compile(rf"(?i){_PHOTO}\s+by\b"), PHOTOGRAPHER),
    (re.compile(r"(?i)(?:reported|written|story|article|text|words)\s+by\b"), REPORTER),
    (re.compile(r"(?i)by\b"), REPORTER),
]
# Where a second credit starts inside a line: "By X / Photo by Y", "By X, translated by Y".
_ROLE_SPLIT = re.compile(
    rf"(?i)[\s,;/|\u00b7]+(?:and\s+)?(?=(?:(?:english\s+)?translat(?:ed|ion)|{_PHOTO}|reported|written)"
    r"(?:\s+into\s+english)?\s+by\b)"
)
# Where a credit may start inside a photo caption.
_CAPTION_MARK = re.compile(
    rf"(?i)\b(?:(?:english\s+)?translat(?:ed|ion)|{_PHOTO}|reported|written)\s+by\b"
)
_CAPTION_SEP = re.compile(r"[(\[{<\uff08/|\-\u2013\u2014=:;,]\s*")

# People separators inside one credit; a comma is handled separately ("Given, Family").
_PEOPLE_SEP = re.compile(
    r"(?i)\s*(?:\band\b|&|\+|;|:|/|\u00b7|\u30fb|\||(?<!\S)[-\u2013\u2014]+(?!\S))\s*"
)

# Titles dropped from either end of a name ("By Reporter Yun Byeong-No", "..., Staff Reporter").
_TITLES = frozenset(
    """reporter reporters staff senior junior chief special intern cub contributing writer
    writers correspondent correspondents editor editors journalist journalists columnist
    photographer photographers photojournalist photojournalists translator translators
    desk mr mr. ms ms. mrs mrs. dr dr. sgt sgt. capt capt. lt lt. col col. maj maj. gen gen.
    pvt pvt. cpl cpl.""".split()
)
# Words that make a comma part an affiliation ("The Korea Defense Daily", "MND"), dropped.
_AFFILIATION_WORDS = frozenset(
    """daily news newspaper times herald ministry agency press media journal post
    broadcasting network defense defence mnd kdd yonhap korea republic rok army navy
    airforce marine marines corps command office department""".split()
)
_CONNECTORS = frozenset("of the for and de at in on".split())
# Capitalised words that start sentences after "By" but are not names.
_NOT_NAMES = frozenset(
    """the this that these those then now contrast comparison far way law land sea air order
    means default design definition nature chance accident mistake night day dawn noon
    midnight hand car bus train plane ship mail phone email tomorrow today yesterday year
    years month months week weeks early late mid end next last all some many most using
    doing taking making being having comparing itself himself herself themselves him her
    them us me it its their his our my your one two three means virtue extension force
    region rule reason agreement also then january february march july september october
    november december monday tuesday wednesday thursday friday saturday sunday jan feb mar
    apr jun jul aug sep sept oct nov dec a not if when while since after before
    during under over""".split()
)
_NAME_PARTICLES = frozenset("de da del der van von la le bin al el du dos".split())
_NAME_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['\u2019\-.])*")

# Korean credits: "[사진=] 윤병노[·김민석] [사진]기자 [<e-mail>]".
_KO_ROLE = r"(?:글\s*[·ㆍ/]\s*사진|사진\s*[·ㆍ/]\s*글|영문\s*번역|글|사진|번역)"
_KO_NAME = r"[가-힣]{2,4}"
_KO_TITLE = r"(?:수습|인턴|선임|객원|전문|군사전문|사진|영상|취재|편집)?\s*(?:기자|특파원)"
_KO_TOKEN = re.compile(
    rf"(?P<credit>(?:(?P<role>{_KO_ROLE})\s*[=:]?\s*)?(?:(?:국방일보|국방부)\s*)?"
    rf"(?P<names>{_KO_NAME}(?:\s*[·ㆍ,]\s*{_KO_NAME})*)\s*(?P<title>{_KO_TITLE}))"
    rf"|(?P<bracket>{_BRACKET.pattern})"
    rf"|(?P<email>{_EMAIL.pattern})"
    r"|(?P<label>(?i:e-?mail|mailto)\s*[:=]?)"
    r"|(?P<sep>[\s,;/|·ㆍ\-]+)"
)
_KO_NOT_NAMES = frozenset({"국방일보", "국방부", "본지", "사진", "기자", "취재", "특별", "영상"})


def _clean(text: str) -> str:
    """Collapse whitespace (no-break spaces too) and drop zero-width characters."""
    return " ".join(_ZERO_WIDTH.sub("", text).split())


def _bracket_emails(inner: str) -> list[str | None] | None:
    """E-mails inside one bracket: ``[None]`` for an empty ``< >``, None for other content."""
    compact = _EMAIL_LABEL.sub("", "".join(inner.split()))
    if not compact:
        return [None]
    emails = _EMAIL.findall(compact)
    if emails and len(inner.split()) <= MAX_NAME_WORDS + len(emails):
        return [e.lower() for e in emails]  # "<trylover@dema.mil.kr>", "(Reporter, a@b.kr)"
    return None


def _words_ok(words: list[str]) -> bool:
    if not 1 <= len(words) <= MAX_NAME_WORDS:
        return False
    for i, word in enumerate(words):
        if not _NAME_WORD.fullmatch(word) or len(word) > 24:
            return False
        if word.casefold() in _NOT_NAMES:
            return False
        if word[0].islower() and not (i > 0 and word in _NAME_PARTICLES):
            return False
    return True


def _strip_titles(words: list[str]) -> list[str]:
    while words and words[0].casefold().rstrip(",") in _TITLES:
        words = words[1:]
    while words and words[-1].casefold().rstrip(",") in _TITLES:
        words = words[:-1]
    return words


def _is_affiliation(words: list[str]) -> bool:
    if not any(w.casefold().strip(".,") in _AFFILIATION_WORDS for w in words):
        return False
    return all(w[:1].isupper() or w.casefold() in _CONNECTORS for w in words)


def _given_name(words: list[str]) -> bool:
    """Can these words be a given name alone (``Byeong-No``, ``Min Seok``)?"""
    return len(words) == 1 or (len(words) == 2 and not any("-" in w for w in words))


def _names(text: str) -> list[str] | None:
    """Names in a run of text without e-mails; None when some part is not a name."""
    text = text.translate({ord(ch): " " for ch in _OPEN + _CLOSE + '"'})
    text = _EMAIL_LABEL.sub(" ", text)
    names: list[str] = []
    for group in _PEOPLE_SEP.split(text):
        group_names: list[list[str]] = []
        mergeable = False
        for part in group.split(","):
            words = _strip_titles(part.split())
            if words and words[-1].endswith(".") and len(words[-1]) > 2:
                words[-1] = words[-1].rstrip(".")  # "By Yun Byeong-No."
                words = [w for w in words if w]
            if not words or _is_affiliation(words):
                continue
            if not _words_ok(words):
                return None
            if len(words) == 1 and mergeable and _given_name(group_names[-1]):
                # "Byeong-No, Yun": one word after the comma is the family name.
                group_names[-1] = words + group_names[-1]
                mergeable = False
            else:
                group_names.append(words)
                mergeable = True
        names.extend(" ".join(words) for words in group_names)
    return names


def _people(text: str) -> list[tuple[str, str | None]] | None:
    """Names and e-mails of one credit's text (after the role words)."""
    people: list[tuple[str, str | None]] = []
    pending = ""
    pos = 0
    tokens: list[tuple[str, list[str | None]]] = []
    scanner = re.compile(f"(?P<bracket>{_BRACKET.pattern})|(?P<email>{_EMAIL.pattern})")
    for match in scanner.finditer(text):
        pending += text[pos : match.start()]
        pos = match.end()
        if match.group("email"):
            tokens.append((pending, [match.group("email").lower()]))
            pending = ""
            continue
        emails = _bracket_emails(match.group(2) or "")
        if emails is None:
            if len((match.group(2) or "").split()) > MAX_NAME_WORDS + 1:
                return None  # a parenthetical remark, not a credit
            pending += " , "  # other short bracketed text ("(Seoul)") is dropped
        else:
            tokens.append((pending, emails))
            pending = ""
    tokens.append((pending + text[pos:], []))
    for chunk, emails in tokens:
        names = _names(chunk)
        if names is None:
            return None
        chunk_people: list[tuple[str, str | None]] = [(name, None) for name in names]
        real = [e for e in emails if e]
        if real and chunk_people:
            # e-mails go to the last names of the chunk, in order
            start = max(len(chunk_people) - len(real), 0)
            for offset, email in enumerate(real[: len(chunk_people)]):
                name, _ = chunk_people[start + offset]
                chunk_people[start + offset] = (name, email)
        elif real and people and people[-1][1] is None:
            people[-1] = (people[-1][0], real[0])  # "By Yun Byeong-No, <a@b.kr>"
        people.extend(chunk_people)
    return people


def _parse_english(line: str) -> list[Author] | None:
    authors: list[Author] = []
    rest = line
    while True:
        for pattern, role in _ROLE_PATTERNS:  # noqa: B007 - role is used after the loop
            match = pattern.match(rest)
            if match:
                break
        else:
            return None
        # this credit runs to the next role words ("By X / Photo by Y")
        rest = rest[match.end() :]
        split = _ROLE_SPLIT.search(rest)
        text, rest = (rest[: split.start()], rest[split.end() :]) if split else (rest, "")
        people = _people(text.lstrip(" :"))
        if not people:
            return None
        authors.extend(Author(name=name, email=email, role=role) for name, email in people)
        if not rest:
            return authors


def _parse_korean(line: str) -> list[Author] | None:
    authors: list[Author] = []
    pos = 0
    while pos < len(line):
        match = _KO_TOKEN.match(line, pos)
        if not match or match.end() == pos:
            return None
        pos = match.end()
        if match.group("credit"):
            role_word = match.group("role") or ""
            title = match.group("title")
            if role_word.startswith("번역") or role_word.startswith("영문"):
                role = TRANSLATOR
            elif role_word == "사진" or title.replace(" ", "") == "사진기자":
                role = PHOTOGRAPHER
            else:
                role = REPORTER
            for name in re.split(r"\s*[·ㆍ,]\s*", match.group("names")):
                if name in _KO_NOT_NAMES:
                    return None
                authors.append(Author(name=name, email=None, role=role))
        elif match.group("bracket") is not None or match.group("email"):
            if match.group("email"):
                emails: list[str | None] | None = [match.group("email").lower()]
            else:
                emails = _bracket_emails(match.group(0)[1:-1])
            if emails is None:
                return None
            real = [e for e in emails if e]
            targets = [a for a in authors if a["email"] is None]
            for author, email in zip(targets[-len(real) :] if real else [], real, strict=False):
                author["email"] = email
    return authors or None


def _strip_wrapper(line: str) -> str:
    """Drop a bullet/dash before the line and brackets around the whole line."""
    line = line.lstrip("-\u2013\u2014\u2022\u00b7* ").strip()
    if len(line) > 2 and line[0] in "([" and line[-1] == ")]"[("([").index(line[0])]:
        inner = line[1:-1].strip()
        if inner and not any(ch in inner for ch in "()[]"):
            line = inner
    return line


def _parse_line(line: str) -> list[Author] | None:
    """Authors of one line, or None when the line is not a byline."""
    line = _clean(line)
    if not line or len(line) > MAX_BYLINE_CHARS:
        return None
    line = _strip_wrapper(_SPACED_EMAIL.sub(r"\1@\2", line))
    if re.search("[가-힣]", line) and re.search("기자|특파원", line):
        return _parse_korean(line)
    return _parse_english(line)


def is_byline(line: str) -> bool:
    """Does this line (one paragraph line of the post) read as a byline or credit line?

    >>> is_byline("By Byeong-No, Yun <trylover@dema.mil.kr >")
    True
    >>> is_byline("Translated by Park Ji-hoon")
    True
    >>> is_byline("윤병노 기자 < trylover@dema.mil.kr >")
    True
    >>> is_byline("By 2020, the ministry will deploy the system.")
    False
    >>> is_byline("By contrast, the Navy kept its ships in port.")
    False
    >>> is_byline("Soldiers train in the snow. Reported by Kim Min-seok")
    False
    """
    return bool(byline_authors(line))


def byline_authors(line: str) -> list[Author] | None:
    """The authors of one line when it reads as a byline or credit line (what
    :func:`is_byline` decides), else None: the parser keeps them, so that the record's
    :func:`authors_of` needs no second parse.

    >>> byline_authors("By Kim Min-seok"), byline_authors("By contrast, the Navy stayed.")
    ([{'name': 'Kim Min-seok', 'email': None, 'role': 'reporter'}], None)
    """
    try:
        return _parse_line(line) or None
    except (TypeError, AttributeError):
        return None


def authors_of(lines: Iterable[list[Author] | None]) -> list[Author]:
    """The authors of byline lines already recognised (:func:`byline_authors`, one entry per
    line, in order), without duplicates: :func:`parse_byline` of the lines joined.

    >>> text = "By Kim Min-seok\\nBy Kim Min-seok <kim@h.kr>"
    >>> authors_of(byline_authors(line) for line in text.splitlines()) == parse_byline(text)
    True
    """
    authors: list[Author] = []
    for found in lines:
        authors.extend(found or [])
    return _dedupe(authors)


def _dedupe(authors: list[Author]) -> list[Author]:
    seen: dict[str, Author] = {}
    out: list[Author] = []
    for author in authors:
        key = " ".join(author["name"].replace("-", " ").casefold().split())
        if key in seen:
            if seen[key]["email"] is None and author["email"]:
                seen[key]["email"] = author["email"]
            continue
        seen[key] = author
        out.append(author)
    return out


def parse_byline(text: str | None) -> list[Author]:
    """Authors of one or several byline lines joined by ``"\\n"``, in order, without duplicates.

    Lines that :func:`is_byline` rejects are skipped; ``[]`` when nothing is parseable.

    >>> parse_byline("By Byeong-No, Yun <trylover@dema.mil.kr >")
    [{'name': 'Yun Byeong-No', 'email': 'trylover@dema.mil.kr', 'role': 'reporter'}]
    >>> [a["name"] for a in parse_byline("By Kim Min-seok, Lee Ga-yeon")]
    ['Kim Min-seok', 'Lee Ga-yeon']
    >>> parse_byline("By Chae-Mu, Im < >\\nTranslated by Park Ji-hoon")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'name': 'Im Chae-Mu', 'email': None, 'role': 'reporter'},
     {'name': 'Park Ji-hoon', 'email': None, 'role': 'translator'}]
    >>> parse_byline("윤병노 기자 < TryLover@dema.mil.kr >")
    [{'name': '윤병노', 'email': 'trylover@dema.mil.kr', 'role': 'reporter'}]
    >>> parse_byline(None)
    []
    """
    if not text:
        return []
    return authors_of(_parse_line(line) for line in text.splitlines())


def split_caption_credit(caption: str) -> tuple[str, str | None]:
    """Separate a trailing credit (``Reported by ...``, ``Photo by ...``) from a photo caption.

    Returns the caption without the credit (whitespace normalized, trailing separators removed)
    and the credit line, ready for :func:`parse_byline`, or None when there is none. A caption
    that is nothing but a credit gives ``("", credit)``.

    >>> split_caption_credit("Soldiers train in the snow. Reported by Kim Min-seok")
    ('Soldiers train in the snow.', 'Reported by Kim Min-seok')
    >>> split_caption_credit("Minister Han at the briefing (Photo by Lee Ga-yeon)")
    ('Minister Han at the briefing', 'Photo by Lee Ga-yeon')
    >>> split_caption_credit("ROK-U.S. Ministers\\u2019 Conference\\u00a0\\u00a0")
    ('ROK-U.S. Ministers\u2019 Conference', None)
    """
    text = _clean(caption or "")
    starts = [m.start() for m in _CAPTION_MARK.finditer(text)]
    starts += [m.end() for m in _CAPTION_SEP.finditer(text)]
    starts += [m.end() for m in re.finditer(r"[.!?]\s+(?=[가-힣])", text)]  # "...있다. 윤병노 기자"
    for start in sorted(set(starts)):
        credit = text[start:].strip()
        head = text[:start].rstrip()
        if head and head[-1] in _OPEN and credit and credit[-1] == _CLOSE[_OPEN.index(head[-1])]:
            credit = credit[:-1].strip()
        if not _parse_line(credit):
            continue
        plain_by = (
            start > 0 and not _CAPTION_MARK.match(credit) and not re.search("[가-힣]", credit)
        )
        if plain_by and (not head or head[-1] not in _OPEN + "/|-\u2013\u2014"):
            continue  # a plain "By ..." counts only after a separator ("... - By Kim Min-seok")
        head = head.rstrip(" -\u2013\u2014/|,;:=" + _OPEN).rstrip()
        return head, credit
    return text, None
