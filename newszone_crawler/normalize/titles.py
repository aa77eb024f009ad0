"""The full title of an article, recovered from the post's headline when the header cut it.

The board cuts titles to their first 64 characters (older items, Press Release) or 128
characters (newer Recent News) and appends ``...``; a cut can land inside the title's own
``...``, giving ``.....``. When the post starts with the full headline (a short paragraph whose
text begins with the cut title's text) that is the full title; otherwise the title stays cut and
the record says so (``title_truncated``).
"""

from __future__ import annotations

from .text import clean_line, fold

ELLIPSIS = "..."
# Cut lengths seen on the board; a page template may strip a space the cut left at the end.
CUT_LENGTHS = (64, 128)
_CUT_SLACK = 3


def cut_prefix(title_raw: str) -> str | None:
    """The part of a cut title that the full title starts with, or None when it is not cut.

    >>> cut_prefix("A" * 64 + "...") == "A" * 64
    True
    >>> cut_prefix("Short title") is None
    True
    >>> cut_prefix("A" * 62 + "....." ) == "A" * 62 + ".."
    True
    """
    title = clean_line(title_raw)
    if title.endswith("\u2026"):
        title = title[:-1] + ELLIPSIS
    if not title.endswith(ELLIPSIS):
        return None
    prefix = title[: -len(ELLIPSIS)]
    if any(n - _CUT_SLACK <= len(prefix) <= n for n in CUT_LENGTHS):
        return prefix
    return None


def extends(headline: str, title_raw: str) -> bool:
    """Whether ``headline`` is the full text of the (maybe cut) header title ``title_raw``.

    Quotes, dashes, case and whitespace are compared loosely: headlines carry mismatched quotes.

    >>> extends("\u201cOverwhelming response to attacks\u201c", "\u201cOverwhelming respo...")
    True
    >>> extends("Something else", "\u201cOverwhelming respo...")
    False
    >>> extends("Short title", "Short title")
    True
    """
    head = fold(headline)
    if not head:
        return False
    title = clean_line(title_raw)
    if title.endswith("\u2026"):
        title = title[:-1] + ELLIPSIS
    if head == fold(title):
        return True
    if title.endswith(ELLIPSIS):
        prefix = fold(title[: -len(ELLIPSIS)])
        return len(prefix) >= 8 and head.startswith(prefix) and len(head) > len(prefix)
    return False


def recover_title(title_raw: str, headline: str | None) -> tuple[str, bool]:
    """Return ``(title, title_truncated)`` from the header title and the post's headline.

    >>> cut = "Vice Minister of National Defense Baek Seung-joo has a face-to-f..."
    >>> recover_title(cut, "Vice Minister of National Defense Baek Seung-joo has a face-to-face talk")
    ('Vice Minister of National Defense Baek Seung-joo has a face-to-face talk', False)
    >>> recover_title(cut, None)[1]
    True
    >>> recover_title("Short title\u00a0", None)
    ('Short title', False)
    """
    title = clean_line(title_raw)
    if headline and extends(headline, title):
        return clean_line(headline), False
    return title, cut_prefix(title) is not None
