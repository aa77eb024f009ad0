"""The board's ids (``boardSeq``, ``boardId``) in one canonical spelling.

The board writes its ids as a letter prefix, an underscore and digits (``O_114186``,
``I_8576246``); the prefix need not match the board's. Links to one article have been seen
with other parameters around them, so a link can spell an id differently from the archive.
One article must be one row, whatever the spelling of the link: an id is canonicalised by

1. dropping surrounding white space;
2. cutting it at the first character that is not a letter, a digit, ``_`` or ``-`` (what
   follows is another parameter glued on: ``O_200001&page=3``, ``O_200001?x``);
3. upper-casing its letters (``o_200001`` is ``O_200001``: the board writes ids upper-case).

What is left empty is no id at all.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

_ID = re.compile(r"[A-Za-z0-9_-]+")


def canonical_id(raw: str | None) -> str | None:
    """An id in its canonical spelling, or None when ``raw`` holds none.

    >>> [canonical_id(s) for s in ("O_200001", " o_200001 ", "O_200001&page=3", "O_1'x")]
    ['O_200001', 'O_200001', 'O_200001', 'O_1']
    >>> canonical_id("&x=1") is None, canonical_id(None) is None
    (True, True)
    """
    if not raw:
        return None
    match = _ID.match(raw.strip())
    return match.group(0).upper() if match else None


def ids_in_url(url: str) -> tuple[str | None, str | None]:
    """``(boardId, boardSeq)`` an article URL names, canonical (None where absent). Never raises.

    >>> ids_in_url("http://h/user/boardList.action?command=view&boardId=O_47261&boardSeq=o_7")
    ('O_47261', 'O_7')
    >>> ids_in_url("http://h/user/boardList.action?boardId=O_47261&page=2")
    ('O_47261', None)
    """
    try:
        params = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    except ValueError:
        return None, None
    found: dict[str, str] = {}
    for name, value in params:
        found.setdefault(name, value)
    return canonical_id(found.get("boardId")), canonical_id(found.get("boardSeq"))
