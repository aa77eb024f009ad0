"""The spider's arguments, checked without a crawl (``newszone_crawler/arguments.py``)."""

from __future__ import annotations

import inspect
from datetime import date

import pytest

from newszone_crawler.arguments import SPECS, ArgumentError, Arguments, parse_arguments
from newszone_crawler.spiders.newszone import NewsZoneSpider

BOARDS = ["recent", "photo", "press"]

GOOD = [
    ({}, Arguments()),
    ({"boards": "recent, press"}, Arguments(boards=("recent", "press"))),
    ({"max_pages": "3", "mode": "full"}, Arguments(max_pages=3, mode="full")),
    ({"since": "2024-01-31"}, Arguments(since=date(2024, 1, 31))),
    ({"recheck_days": "0"}, Arguments(recheck_days=0)),
    ({"demo": "yes", "demo_articles": "12"}, Arguments(demo=True, demo_articles=12)),
    ({"demo": "0"}, Arguments(demo=False)),
    ({"demo_edits": "3:1,5:2"}, Arguments(demo_edits={3: 1, 5: 2})),
    ({"demo_faults": '{"unavailable": {"5": 3}}'},
     Arguments(demo_faults={"unavailable": {"5": 3}})),
    ({"base_url": "http://127.0.0.1:8000"}, Arguments(base_url="http://127.0.0.1:8000")),
    ({"_job": "abc"}, Arguments()),  # Scrapyd's job id
]

BAD = [
    ({"boards": "foo"},
     "boards='foo' names an unknown board (foo): choose from recent, photo, press"),
    ({"boards": ","}, "boards=',' is empty: give comma-separated board keys"),
    ({"since": "yesterday"}, "since='yesterday' is not a date: give a date like 2024-01-31"),
    ({"max_pages": "0"},
     "max_pages='0' is less than 1: "
     "give a whole number of listing pages per board, at least 1"),
    ({"max_pages": "1.5"},
     "max_pages='1.5' is not a whole number: "
     "give a whole number of listing pages per board, at least 1"),
    ({"mode": "fast"}, "mode='fast' is not a mode: give incremental or full"),
    ({"recheck_days": "-1"},
     "recheck_days='-1' is less than 0: "
     "give a whole number of days, at least 0"),
    ({"base_url": "not-a-url"},
     "base_url='not-a-url' is not an http(s) URL with a host: "
     "give an http(s) URL of the site root, e.g. https://www.mnd.go.kr"),
    ({"demo": "maybe"},
     "demo='maybe' is not a yes/no value: "
     "give 1 or 0 (yes/no, true/false, on/off)"),
    ({"demo_articles": "-5"},
     "demo_articles='-5' is less than 1: "
     "give a whole number of demo articles, at least 1"),
    ({"demo_edits": "3"},
     "demo_edits='3' is not K:REV ('3'): "
     "give K:REV,... (article number K >= 1 served in revision REV >= 0)"),
    ({"demo_faults": "[1]"},
     "demo_faults='[1]' is not a JSON object: "
     "give a JSON object of the demo site's fault modes"),
]

MISSPELT = [("max_page", "max_pages"), ("board", "boards"), ("Since", "since"),
            ("recheck_day", "recheck_days"), ("startUrl", "start_url"), ("name", None),
            ("job", None)]


@pytest.mark.parametrize(("given", "expected"), GOOD)
def test_good_arguments_are_typed(given: dict[str, str], expected: Arguments) -> None:
    assert parse_arguments(given, BOARDS) == expected


@pytest.mark.parametrize(("given", "message"), BAD)
def test_bad_value_is_one_line_naming_argument_value_and_what_is_allowed(
    given: dict[str, str], message: str
) -> None:
    with pytest.raises(ArgumentError) as caught:
        parse_arguments(given, BOARDS)
    assert str(caught.value) == message


@pytest.mark.parametrize(("name", "closest"), MISSPELT)
def test_unknown_name_is_refused_with_the_closest_known_one(name: str, closest: str | None) -> None:
    with pytest.raises(ArgumentError) as caught:
        parse_arguments({name: "1"}, BOARDS)
    message = str(caught.value)
    assert message.startswith(f"unknown argument {name}='1'")
    if closest is None:
        assert "did you mean" not in message
    else:
        assert f"(did you mean {closest}?)" in message


def test_the_table_is_the_spiders_signature() -> None:
    """Every argument the spider's __init__ takes is checked, and nothing else is accepted
    (the README's table is checked against the same signature by test_docs)."""
    taken = [
        name for name, p in inspect.signature(NewsZoneSpider.__init__).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    assert sorted(taken) == sorted(SPECS)
