"""Case tables, known-unsolved inputs and properties for normalize/text, titles and dates."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newszone_crawler.normalize.dates import parse_date
from newszone_crawler.normalize.text import (
    clean_line,
    clean_lines,
    join_paragraphs,
    safe_text,
    strip_deck_marker,
)
from newszone_crawler.normalize.titles import cut_prefix, extends, recover_title

CUT64 = "Vice Minister of National Defense Baek Seung-joo has a face-to-f..."
FULL64 = "Vice Minister of National Defense Baek Seung-joo has a face-to-face talk with Japan"
LONG = "The ROK Armed Forces hold a combined exercise with U.S. Forces Korea to strengthen readiness and to review the lessons of the year"
CUT128 = LONG[:128] + "..."
DOTS_TITLE = "Minister A" + "a" * 52 + "... and then the title goes on for a while"
DOTS_CUT = DOTS_TITLE[:64] + "..."  # the cut lands inside the title's own "...": "....."

TITLE_CASES = [
    # (title_raw, headline, expected title, expected truncated)
    (CUT64, FULL64, FULL64, False),
    (CUT64, None, CUT64, True),
    (CUT64, "Something else entirely", CUT64, True),
    (CUT128, LONG, LONG, False),
    (CUT128, None, CUT128, True),
    (DOTS_CUT, DOTS_TITLE, DOTS_TITLE, False),
    ("“Overwhelming response to attacks on the U.S. and allied nations...",
     "“Overwhelming response to attacks on the U.S. and allied nations“",  # mismatched quotes
     "“Overwhelming response to attacks on the U.S. and allied nations“", False),
    ("“Overwhelming response to attacks on the U.S. and allied nations...",
     "\"Overwhelming response to attacks on the U.S. and allied nations'",
     "\"Overwhelming response to attacks on the U.S. and allied nations'", False),
    ("Short title", None, "Short title", False),
    ("Short title\u00a0 ", "Short title", "Short title", False),
    ("Ends with dots but is short...", None, "Ends with dots but is short...", False),
]


@pytest.mark.parametrize(("title_raw", "headline", "title", "truncated"), TITLE_CASES)
def test_recover_title(title_raw: str, headline: str | None, title: str, truncated: bool) -> None:
    assert recover_title(title_raw, headline) == (title, truncated)


def test_dots_cut_shows_five_dots() -> None:
    assert DOTS_CUT.endswith(".....")
    assert cut_prefix(DOTS_CUT) == DOTS_TITLE[:64]


@pytest.mark.xfail(
    strict=True,
    reason="the contract's headline begins with the cut title's text; a reworded one is a sentence",
)
def test_reworded_headline_is_not_recovered() -> None:
    assert recover_title(CUT64, "Vice Defense Minister Baek holds talks with Japan")[1] is False


DATE_CASES = [
    ("2017.03.10", "2017-03-10"),
    ("2017-03-10", "2017-03-10"),
    ("2017/3/1", "2017-03-01"),
    ("2017. 3. 10.", "2017-03-10"),
    ("2017.03.10 14:22:01", "2017-03-10"),
    ("2017년 3월 10일", "2017-03-10"),
    ("20170310", "2017-03-10"),
    ("March 10, 2017", "2017-03-10"),
    ("10 Mar 2017", "2017-03-10"),
    ("Date : 2017.03.10", "2017-03-10"),
    ("2017.02.30", None),
    ("2017.13.01", None),
    ("", None),
    (None, None),
    ("yesterday", None),
    # day and month in either order: read only when one reading is a date
    ("13/03/2017", "2017-03-13"),  # DD/MM/YYYY
    ("03/13/2017", "2017-03-13"),  # MM/DD/YYYY
    ("31.12.1999", "1999-12-31"),
    ("12-31-2099", "2099-12-31"),
    ("03/03/2017", "2017-03-03"),  # both readings give the same date
    ("03/10/2017", None),  # ambiguous: March 10 or October 3
    ("10/03/2017", None),  # ambiguous
    ("01/02/2017 14:22", None),  # ambiguous, with a time
    ("13/13/2017", None),  # no reading is a date
    ("31/02/2017", None),
    # epoch seconds / milliseconds, alone: the date in Korea (UTC+9)
    ("1489071600", "2017-03-10"),  # 2017-03-10 00:00 KST = 2017-03-09 15:00 UTC
    ("1489071599", "2017-03-09"),  # one second earlier: still the 9th in Korea
    ("1489104000000", "2017-03-10"),
    ("1489104000.5", "2017-03-10"),
    ("999999999", "2001-09-09"),
    ("4102444800", None),  # 2100-01-01: outside 1900-2099
    ("9999999999999", None),
    ("2000010100", None),  # 2000-01-01 00h or epoch 2033-05-18: not guessed
    ("148910400000", None),  # 12 digits: neither seconds nor milliseconds
    ("9" * 5000, None),
    ("-1489104000", None),
    # compact date with a time
    ("20170310142201", "2017-03-10"),
    ("201703101422", "2017-03-10"),
    # a time with a zone: converted to the Korea date
    ("2017-03-09T20:00:00Z", "2017-03-10"),
    ("2017-03-09T14:59:59Z", "2017-03-09"),
    ("2017-03-09T20:00:00+00:00", "2017-03-10"),
    ("2017-03-10T09:00:00+09:00", "2017-03-10"),
    ("2017-03-10T01:00:00-05:00", "2017-03-10"),  # 15:00 KST
    ("2017-03-09 20:00:00 +0000", "2017-03-10"),
    ("Thu, 09 Mar 2017 20:00:00 GMT", "2017-03-10"),
    ("March 9, 2017 8:00 PM UTC", "2017-03-10"),
    ("2017.03.10 23:30 KST", "2017-03-10"),
    ("2017.03.10 14:22-15:30", "2017-03-10"),  # a time range, not an offset
    ("2017-03-09T20:00:00 EST", None),  # a zone we cannot read: the Korea date is unknown
    ("2017-03-09T20:00:00+15:00", None),  # no such offset
    ("2017-03-09T25:00:00Z", None),
    ("2099-12-31T20:00:00Z", None),  # 2100-01-01 in Korea
    ("2017.03.10 14:22 Hit", "2017-03-10"),
    ("1899.12.31", None),
    ("2100.01.01", None),
]


@pytest.mark.parametrize(("raw", "iso"), DATE_CASES)
def test_parse_date(raw: str | None, iso: str | None) -> None:
    assert parse_date(raw) == iso


@pytest.mark.xfail(
    strict=True, reason="the contract's dates have four-digit years; '17.03.10' may be DD.MM.YY"
)
def test_two_digit_year() -> None:
    assert parse_date("17.03.10") == "2017-03-10"


DECK_CASES = [
    ("- Reaffirmed solid alliance", "Reaffirmed solid alliance"),
    ("-Reaffirmed solid alliance", "Reaffirmed solid alliance"),
    ("- Reaffirmed solid alliance -", "Reaffirmed solid alliance"),
    ("Reaffirmed solid alliance;", "Reaffirmed solid alliance"),
    ("– Reaffirmed solid alliance", "Reaffirmed solid alliance"),
    ("ROK-U.S. alliance", "ROK-U.S. alliance"),
    ("\u00a0Consensus about deployment\u00a0", "Consensus about deployment"),
    ("-", "-"),
]


@pytest.mark.parametrize(("line", "clean"), DECK_CASES)
def test_strip_deck_marker(line: str, clean: str) -> None:
    assert strip_deck_marker(line) == clean


TEXT_CASES = [
    ("ROK-U.S. Ministers’ Conference\u00a0\u00a0", "ROK-U.S. Ministers’ Conference"),
    ("  a \t b  ", "a b"),
    ("a\u200bb", "ab"),
    ("a\x00b", "ab"),
    ("\u00a0", ""),
]


@pytest.mark.parametrize(("raw", "clean"), TEXT_CASES)
def test_clean_line(raw: str, clean: str) -> None:
    assert clean_line(raw) == clean


def test_join_paragraphs_drops_spacers() -> None:
    assert join_paragraphs(["First.", "\u00a0", " ", "Second\u00a0", "a\nb "]) == (
        "First.\n\nSecond\n\na\nb"
    )


@given(st.text())
def test_text_functions_never_raise_and_are_idempotent(text: str) -> None:
    once = clean_line(text)
    assert clean_line(once) == once
    assert "\x00" not in once
    once.encode("utf-8")  # no lone surrogate survives
    lines = clean_lines(text)
    assert clean_lines(lines) == lines
    deck = strip_deck_marker(text)
    assert isinstance(deck, str)
    assert safe_text(safe_text(text)) == safe_text(text)
    joined = join_paragraphs(text.split("\n\n"))
    assert join_paragraphs(joined.split("\n\n")) == joined


@given(st.text(), st.one_of(st.none(), st.text()))
def test_recover_title_never_raises_and_is_stable(title_raw: str, headline: str | None) -> None:
    title, truncated = recover_title(title_raw, headline)
    assert recover_title(title, None)[0] == title
    assert isinstance(truncated, bool)
    assert isinstance(extends(title, title_raw), bool)


@given(st.text())
def test_parse_date_never_raises_and_is_idempotent(raw: str) -> None:
    iso = parse_date(raw)
    assert iso is None or parse_date(iso) == iso
