"""Dates as the board shows them -> ISO ``YYYY-MM-DD`` (Korea time, no conversion needed).

An unparseable date gives ``None``: the pipeline counts and reports it; nothing is guessed.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

# 2017.03.10 / 2017-03-10 / 2017/03/10 / 2017. 3. 10. / 2017.03.10 14:22 / 2017년 3월 10일
_YMD = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*(?:[./-]|년)\s*(?P<m>\d{1,2})\s*(?:[./-]|월)\s*(?P<d>\d{1,2})(?!\d)"
)
# 20170310
_COMPACT = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)")
# March 10, 2017 / Mar. 10 2017
_MDY = re.compile(r"\b(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b")
# 10 March 2017
_DMY = re.compile(r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mon>[A-Za-z]{3,9})\.?,?\s+(?P<y>(?:19|20)\d\d)\b")


def _make(year: str, month: str | int, day: str) -> str | None:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def parse_date(raw: str | None) -> str | None:
    """Return the ISO date shown in ``raw``, or None when it holds no valid date.

    >>> parse_date("2017.03.10")
    '2017-03-10'
    >>> parse_date(" 2017-3-1 ")
    '2017-03-01'
    >>> parse_date("2017. 3. 10. 14:22")
    '2017-03-10'
    >>> parse_date("2017년 3월 10일")
    '2017-03-10'
    >>> parse_date("March 10, 2017")
    '2017-03-10'
    >>> parse_date("2017.02.30") is None
    True
    >>> parse_date("yesterday") is None
    True
    """
    if not raw:
        return None
    text = raw.replace("\u00a0", " ").strip()
    match = _YMD.search(text)
    if match:
        return _make(match["y"], match["m"], match["d"])
    match = _COMPACT.search(text)
    if match:
        return _make(match["y"], match["m"], match["d"])
    for pattern in (_MDY, _DMY):
        match = pattern.search(text)
        if match and match["mon"].lower() in _MONTHS:
            return _make(match["y"], _MONTHS[match["mon"].lower()], match["d"])
    return None
