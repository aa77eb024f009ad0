"""The spider's arguments (``-a name=value``): every name it knows, what each allows, and one
check of them all before anything is fetched or written.

A bad value or an unknown name is an :class:`ArgumentError` whose message is one line naming
the argument, the value given and what is allowed (the closest known name, for a misspelt
one). The spider does not start on one: the run's status is ``usage``, with exit code
:data:`EXIT_USAGE`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from .normalize.dates import parse_date

EXIT_USAGE = 64
"""``EX_USAGE`` (sysexits.h), beside the archive lock's 75 (``EX_TEMPFAIL``): the command was
given wrongly. Not 2, which already means an incomplete run."""

MODES = ("incremental", "full")
FLAG_VALUES = {"1": True, "true": True, "yes": True, "on": True,
               "0": False, "false": False, "no": False, "off": False}
OTHER_TOOLS = ("_job",)
"""Names that tools running the spider pass on their own (Scrapyd's ``_job``): accepted, unused."""


class ArgumentError(ValueError):
    """A spider argument that cannot be used; ``str()`` is the one-line message."""


@dataclass(frozen=True)
class Arguments:
    """The spider's arguments, checked and typed; ``None``: not given (the setting applies)."""

    base_url: str | None = None
    boards: tuple[str, ...] | None = None
    start_url: str | None = None
    demo: bool = False
    demo_articles: int | None = None
    demo_edits: dict[int, int] = field(default_factory=dict)
    demo_faults: dict[str, Any] | None = None
    demo_chrome: str | None = None
    max_pages: int | None = None
    since: date | None = None
    mode: str | None = None
    recheck_days: int | None = None


def _whole(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            number = int(text.strip())
        except ValueError:
            raise ValueError("not a whole number") from None
        if number < minimum:
            raise ValueError(f"less than {minimum}")
        return number

    return parse


def _url(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL with a host")
    return text.strip()


def _flag(text: str) -> bool:
    try:
        return FLAG_VALUES[text.strip().lower()]
    except KeyError:
        raise ValueError("not a yes/no value") from None


def _date(text: str) -> date:
    parsed = parse_date(text)
    if parsed is None:
        raise ValueError("not a date")
    return date.fromisoformat(parsed)


def _mode(text: str) -> str:
    if text not in MODES:
        raise ValueError("not a mode")
    return text


def _board_list(text: str) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in text.split(",") if k.strip())
    if not keys:
        raise ValueError("empty")
    return keys


def _edits(text: str) -> dict[int, int]:
    edits = {}
    for part in (p for p in text.split(",") if p.strip()):
        article, colon, revision = part.partition(":")
        try:
            if not colon or int(article) < 1 or int(revision) < 0:
                raise ValueError
        except ValueError:
            raise ValueError(f"not K:REV ({part!r})") from None
        edits[int(article)] = int(revision)
    return edits


DEMO_CHROMES = ("light", "real")
"""Page weights of the demo site (``demo_site.chrome.CHROMES``; restated: the crawler's side
imports nothing of the demo site until it serves it)."""


def _demo_chrome(text: str) -> str:
    value = text.strip().lower()
    if value not in DEMO_CHROMES:
        raise ValueError("not a demo chrome")
    return value


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise ValueError(f"not JSON ({error})") from None
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


@dataclass(frozen=True)
class Spec:
    """One argument: how its text is read and what it allows, in words."""

    parse: Callable[[str], Any]
    allowed: str


SPECS: dict[str, Spec] = {
    "base_url": Spec(_url, "an http(s) URL of the site root, e.g. https://www.mnd.go.kr"),
    "boards": Spec(_board_list, "comma-separated board keys"),
    "start_url": Spec(_url, "an http(s) URL of one listing page"),
    "demo": Spec(_flag, "1 or 0 (yes/no, true/false, on/off)"),
    "demo_articles": Spec(_whole(1), "a whole number of demo articles, at least 1"),
    "demo_edits": Spec(_edits, "K:REV,... (article number K >= 1 served in revision REV >= 0)"),
    "demo_faults": Spec(_json_object, "a JSON object of the demo site's fault modes"),
    "demo_chrome": Spec(_demo_chrome, " or ".join(DEMO_CHROMES) + " (the demo pages' weight)"),
    "max_pages": Spec(_whole(1), "a whole number of listing pages per board, at least 1"),
    "since": Spec(_date, "a date like 2024-01-31"),
    "mode": Spec(_mode, " or ".join(MODES)),
    "recheck_days": Spec(_whole(0), "a whole number of days, at least 0"),
}
"""Every argument the spider takes (the README's table lists them all)."""


def parse_arguments(given: Mapping[str, Any], boards: Iterable[str] = ()) -> Arguments:
    """Check the ``-a`` arguments ``given`` (name -> text) and type them; ``boards``: the board
    keys that exist (unchecked when empty). Raises :class:`ArgumentError` on the first problem.

    >>> parse_arguments({"max_pages": "2", "since": "2024-01-31", "demo": "1"})
    ... # doctest: +ELLIPSIS
    Arguments(..., demo=True, ..., max_pages=2, since=datetime.date(2024, 1, 31), ...)
    >>> parse_arguments({"max_pages": "abc"})
    Traceback (most recent call last):
    ...
    newszone_crawler.arguments.ArgumentError: max_pages='abc' is not a whole number: give a whole number of listing pages per board, at least 1
    >>> parse_arguments({"max_page": "1"})
    Traceback (most recent call last):
    ...
    newszone_crawler.arguments.ArgumentError: unknown argument max_page='1' (did you mean max_pages?); the spider takes base_url, boards, start_url, demo, demo_articles, demo_edits, demo_faults, demo_chrome, max_pages, since, mode, recheck_days
    >>> parse_arguments({"boards": "recent,sports"}, boards=["recent", "photo"])
    Traceback (most recent call last):
    ...
    newszone_crawler.arguments.ArgumentError: boards='recent,sports' names an unknown board (sports): choose from recent, photo
    """
    for name, value in given.items():
        if name not in SPECS and name not in OTHER_TOOLS:
            close = difflib.get_close_matches(name, SPECS, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ArgumentError(
                f"unknown argument {name}={value!r}{hint}; the spider takes {', '.join(SPECS)}"
            )
    values: dict[str, Any] = {}
    for name, spec in SPECS.items():
        text = given.get(name)
        if text is None:
            continue
        try:
            values[name] = spec.parse(str(text))
        except ValueError as error:
            raise ArgumentError(f"{name}={text!r} is {error}: give {spec.allowed}") from None
    known = list(boards)
    unknown = [k for k in values.get("boards", ()) if known and k not in known]
    if unknown:
        raise ArgumentError(
            f"boards={given['boards']!r} names an unknown board ({', '.join(unknown)}): "
            f"choose from {', '.join(known)}"
        )
    return Arguments(**values)


SETTING_SPECS: dict[str, Spec] = {
    "NEWSZONE_MODE": Spec(_mode, " or ".join(MODES)),
    "NEWSZONE_RECHECK_DAYS": Spec(_whole(0), "a whole number of days, at least 0"),
    "NEWSZONE_LISTING_WINDOW": Spec(_whole(1), "a whole number of listing pages, at least 1"),
    "NEWSZONE_DEMO_ARTICLES": Spec(_whole(1), "a whole number of demo articles, at least 1"),
    "NEWSZONE_EXTRACT_WORKERS": Spec(
        _whole(0), "a whole number of processes, at least 0 (0: in the crawl's own process), "
        "or nothing (cores - 1)"),
}
"""The settings the spider reads as values of a kind (``-s NAME=value`` or settings.py), checked
like the arguments: a setting that would make the run do something else than asked (an unknown
mode read as neither, a negative recheck window that rechecks nothing) stops it before it
starts."""

SETTINGS_WITH_A_DEFAULT = ("NEWSZONE_EXTRACT_WORKERS",)
"""Settings that may be left empty (``None`` or ``""``): the spider picks the value (cores - 1)."""


def check_settings(get: Callable[[str], Any]) -> dict[str, Any]:
    """Check the settings of :data:`SETTING_SPECS` (``get``: name -> value) and type them.
    Raises :class:`ArgumentError` on the first problem.

    >>> given = {"NEWSZONE_MODE": "full", "NEWSZONE_RECHECK_DAYS": 7,
    ...          "NEWSZONE_LISTING_WINDOW": 2, "NEWSZONE_DEMO_ARTICLES": "150"}
    >>> check_settings(given.get)  # doctest: +NORMALIZE_WHITESPACE
    {'NEWSZONE_MODE': 'full', 'NEWSZONE_RECHECK_DAYS': 7, 'NEWSZONE_LISTING_WINDOW': 2,
     'NEWSZONE_DEMO_ARTICLES': 150}
    >>> check_settings({**given, "NEWSZONE_MODE": "ful"}.get)
    Traceback (most recent call last):
    ...
    newszone_crawler.arguments.ArgumentError: setting NEWSZONE_MODE='ful' is not a mode: give incremental or full
    >>> check_settings({**given, "NEWSZONE_RECHECK_DAYS": "-1"}.get)
    Traceback (most recent call last):
    ...
    newszone_crawler.arguments.ArgumentError: setting NEWSZONE_RECHECK_DAYS='-1' is less than 0: give a whole number of days, at least 0
    """
    values: dict[str, Any] = {}
    for name, spec in SETTING_SPECS.items():
        value = get(name)
        if value is None or value == "":
            if name in SETTINGS_WITH_A_DEFAULT:
                continue
            raise ArgumentError(f"setting {name} is empty: give {SETTING_SPECS[name].allowed}")
        try:
            values[name] = spec.parse(str(value))
        except ValueError as error:
            raise ArgumentError(f"setting {name}={value!r} is {error}: give {spec.allowed}") from None
    return values
