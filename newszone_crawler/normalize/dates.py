"""Dates as the board shows them -> ISO ``YYYY-MM-DD`` (Korea time, no conversion needed).

An unparseable date gives ``None``: the pipeline counts and reports it; nothing is guessed.
Shapes read: ``2017.03.10`` (the board's), ``2017-03-10``, ``2017/3/1``, ``2017. 3. 10.``,
``2017년 3월 10일``, ``20170310``, ``March 10, 2017``, ``10 Mar 2017``; ``13/03/2017`` and
``03/13/2017`` when only one reading is a date (``03/10/2017`` is ambiguous: None); epoch seconds
(9-10 digits) or milliseconds (13 digits) alone, as the date in Korea; a date with a time and
a zone (``2017-03-09T20:00:00Z``, ``Thu, 09 Mar 2017 20:00:00 GMT``) converted to Korea time
(UTC+9); with a zone we cannot read (``EST``) it is None. Years outside 1900-2099 give None.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

KOREA = timezone(timedelta(hours=9), "KST")  # no daylight saving since 1988
FIRST_YEAR, LAST_YEAR = 1900, 2099

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
# 13/03/2017 or 03/13/2017 (day and month in either order: read only when unambiguous)
_NUMERIC_DM = re.compile(
    r"(?<!\d)(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>(?:19|20)\d\d)(?!\d)"
)
# Epoch seconds or milliseconds, alone
_EPOCH = re.compile(r"(?P<n>\d{9,10}|\d{13})(?:\.\d+)?")
# 20170310 1422 / 201703101422 / 20170310142201: the compact date and a time
_COMPACT_TIME = re.compile(
    r"(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)\s*(?:[01]\d|2[0-3])(?:[0-5]\d){0,2}"
)
# A time after the date, and maybe a zone: "T20:00:00Z", " 14:22", ", 8:05 PM", " 20:00 +0000"
_TIME = re.compile(
    r"(?P<sep>T|\s+|,\s*)(?P<h>\d{1,2}):(?P<mi>\d\d)(?::(?P<s>\d\d)(?:[.,]\d+)?)?"
    r"(?:\s*(?P<ampm>[AaPp])\.?[Mm]\.?(?![A-Za-z]))?"
    r"(?:(?P<offset>Z(?![A-Za-z])|[+-]\d\d(?::?\d\d)?(?![\d:]))|\s+(?P<offset4>[+-]\d{4})(?!\d)"
    r"|\s*\(?(?P<zone>[A-Z]{1,5})\)?(?![A-Za-z]))?"
)
_ZONES = {"UTC": 0, "GMT": 0, "UT": 0, "Z": 0, "KST": 9 * 60}


def _make(year: str | int, month: str | int, day: str | int) -> str | None:
    try:
        made = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return made.isoformat() if FIRST_YEAR <= made.year <= LAST_YEAR else None


def _in_korea(iso: str | None, text: str, end: int) -> str | None:
    """The Korea date of ``iso`` when the text after the date gives a time in another zone.

    No time, or a time with no zone: the date as shown (the board shows Korea time). A zone
    that is not UTC/GMT/KST or a numeric offset: None (the Korea date cannot be known).
    """
    match = _TIME.match(text, end)
    if iso is None or not match or not (match["offset"] or match["offset4"] or match["zone"]):
        return iso
    if match["offset"] and match["offset"] != "Z" and not (match["sep"] == "T" or match["s"]):
        return iso  # "14:22-15:30" is a time range, not an offset: the time shown is Korea's
    hour, minute = int(match["h"]), int(match["mi"])
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"] in "Pp" else 0)
    if hour > 23 or minute > 59:
        return None
    if match["zone"]:
        if match["zone"].upper() not in _ZONES:
            return None
        minutes = _ZONES[match["zone"].upper()]
    else:
        offset = (match["offset"] or match["offset4"]).replace(":", "")
        if offset == "Z":
            minutes = 0
        else:
            minutes = int(offset[1:3]) * 60 + int(offset[3:5] or 0)
            minutes = -minutes if offset[0] == "-" else minutes
            if abs(minutes) > 14 * 60:  # no zone is further than 14 hours from UTC
                return None
    shown = datetime.combine(date.fromisoformat(iso), datetime.min.time())
    shown += timedelta(hours=hour, minutes=minute)
    korea = (shown - timedelta(minutes=minutes) + timedelta(hours=9)).date()
    return _make(korea.year, korea.month, korea.day)


def _from_epoch(digits: str) -> str | None:
    seconds = int(digits) / 1000 if len(digits) >= 11 else int(digits)
    try:
        moment = datetime.fromtimestamp(seconds, UTC).astimezone(KOREA)
    except (OverflowError, OSError, ValueError):
        return None
    return _make(moment.year, moment.month, moment.day)


def _day_month(a: str, b: str, year: str) -> str | None:
    """``a/b/year`` where a and b are day and month in either order; None when both could be
    the month (``03/10``) unless they are equal (``03/03``: one date either way)."""
    first, second = int(a), int(b)
    if first > 12 >= second:
        return _make(year, second, first)  # DD/MM/YYYY
    if second > 12 >= first or first == second:
        return _make(year, first, second)  # MM/DD/YYYY
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
    >>> parse_date("13/03/2017"), parse_date("03/13/2017"), parse_date("03/10/2017")
    ('2017-03-13', '2017-03-13', None)
    >>> parse_date("1489071600"), parse_date("1489071599000")  # 00:00 on the 10th in Korea, -1 s
    ('2017-03-10', '2017-03-09')
    >>> parse_date("2017-03-09T20:00:00Z"), parse_date("2017-03-09T20:00:00 EST")
    ('2017-03-10', None)
    """
    if not isinstance(raw, str) or not raw:
        return None
    text = raw.replace("\u00a0", " ").strip()
    compact = _COMPACT_TIME.fullmatch(text)
    compact_iso = _make(compact["y"], compact["m"], compact["d"]) if compact else None
    match = _EPOCH.fullmatch(text)
    if match:  # "2000010100" is both 2000-01-01 00h and epoch 2033-05-18: not guessed
        return None if compact_iso else _from_epoch(match["n"])
    if compact_iso:
        return compact_iso
    match = _YMD.search(text)
    if match:
        return _in_korea(_make(match["y"], match["m"], match["d"]), text, match.end())
    match = _COMPACT.search(text)
    if match:
        return _in_korea(_make(match["y"], match["m"], match["d"]), text, match.end())
    match = _NUMERIC_DM.search(text)
    if match:
        return _in_korea(_day_month(match["a"], match["b"], match["y"]), text, match.end())
    for pattern in (_MDY, _DMY):
        match = pattern.search(text)
        if match and match["mon"].lower() in _MONTHS:
            iso = _make(match["y"], _MONTHS[match["mon"].lower()], match["d"])
            return _in_korea(iso, text, match.end())
    return None
