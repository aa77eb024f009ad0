"""Tests for ``newszone_crawler.normalize.copyright``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newszone_crawler.normalize.copyright import Copyright, is_copyright, parse_copyright

KDD = "The Korea Defense Daily"

# line as shown -> (holder, year); text is the line trimmed of surrounding (no-break) spaces
COPYRIGHT_CASES: list[tuple[str, str, int | None]] = [
    # observed
    ("<Copyright ⓒ The Korea Defense Daily, All rights reserved>", KDD, None),
    # expected variants (markup.md)
    ("Copyright ⓒ The Korea Defense Daily, All rights reserved", KDD, None),
    ("<Copyright © The Korea Defense Daily, All rights reserved>", KDD, None),
    ("<Copyright (c) The Korea Defense Daily, All rights reserved>", KDD, None),
    ("Copyright (C) The Korea Defense Daily. All Rights Reserved.", KDD, None),
    ("Copyright ⓒ 2017 The Korea Defense Daily", KDD, 2017),
    ("ⓒ 2017 The Korea Defense Daily", KDD, 2017),
    ("Copyright 2017 The Korea Defense Daily. All rights reserved.", KDD, 2017),
    ("<Copyright ⓒ 2017 The Korea Defense Daily, All Rights Reserved.>", KDD, 2017),
    ("<Copyright ⓒ The Korea Defense Daily, All rights reserved>\u00a0\u00a0 ", KDD, None),
    ("\u00a0 Copyright ⓒ The Korea Defense Daily, All rights reserved\u00a0", KDD, None),
    ("ⓒ 국방일보, 무단전재 및 재배포 금지", "국방일보", None),
    # further plausible variants
    ("<저작권자 ⓒ 국방일보, 무단 전재 및 재배포 금지>", "국방일보", None),
    ("ⓒ 국방일보 무단전재-재배포 금지", "국방일보", None),
    ("Copyright ⓒ 국방일보 All rights reserved", "국방일보", None),
    ("Copyright ⓒ The Korea Defense Daily 2017", KDD, 2017),
    ("Copyright ⓒ The Korea Defense Daily, 2017. All rights reserved.", KDD, 2017),
    ("Copyright 2005-2017 The Korea Defense Daily", KDD, 2017),
    ("Copyright (c) 2017 by The Korea Defense Daily. All rights reserved.", KDD, 2017),
    ("Copyrightⓒ2017 The Korea Defense Daily", KDD, 2017),
    ("COPYRIGHT ⓒ THE KOREA DEFENSE DAILY. ALL RIGHTS RESERVED.", "THE KOREA DEFENSE DAILY", None),
    ("Copyright: The Korea Defense Daily. All rights reserved.", KDD, None),
    ("Copyright The Korea Defense Daily", KDD, None),
    ("© Korea Defense Daily", "Korea Defense Daily", None),
    ("ⓒ The Korea Defense Daily Co., Ltd.", "The Korea Defense Daily Co., Ltd.", None),
    ("ⓒ kookbang.dema.mil.kr", "kookbang.dema.mil.kr", None),
    ("The Korea Defense Daily. All rights reserved.", KDD, None),
    ("[Copyright ⓒ The Korea Defense Daily]", KDD, None),
    ("(Copyright ⓒ The Korea Defense Daily, All rights reserved)", KDD, None),
    ("<Copyright ⓒ The Korea Defense Daily, All rights reserved", KDD, None),
    ("Copyright ⓒ The Korea Defense Daily, All rights reserved>", KDD, None),
    ("ⓒ All rights reserved.", "", None),
]

NOT_COPYRIGHT: list[str | None] = [
    None,
    "",
    "\u00a0",
    "The copyright law was revised in 2019.",
    "Copyright infringement cases rose by 20% in 2019.",
    "Copyright laws in Korea were revised in 2019, the ministry said.",
    "Copyright 2019 was a good year for the ministry.",
    "Copyright Act",
    "Copyright",
    "ⓒ",
    "ⓒ 2017",
    "All rights reserved.",
    "By Byeong-No, Yun <trylover@dema.mil.kr >",
    "The ministry reserved all rights to the design, the spokesman said.",
    "Copyright ⓒ " + "The Korea Defense Daily " * 12,
]

# Once known-unsolved: a rights clause before the holder, a lower-case holder after the sign.
BEYOND_OBSERVED = [
    ("All rights reserved by The Korea Defense Daily", KDD, None),
    ("Copyright ⓒ the korea defense daily", "the korea defense daily", None),
    ("ⓒ the korea defense daily 2019", "the korea defense daily", 2019),
]


@pytest.mark.parametrize(("line", "holder", "year"), COPYRIGHT_CASES + BEYOND_OBSERVED)
def test_parse_copyright(line: str, holder: str, year: int | None) -> None:
    text = line.strip()
    assert parse_copyright(line) == Copyright(holder=holder, year=year, text=text)
    assert is_copyright(line) is True


@pytest.mark.parametrize("line", NOT_COPYRIGHT)
def test_not_copyright(line: str | None) -> None:
    assert parse_copyright(line) is None
    assert is_copyright(line) is False  # type: ignore[arg-type]


@pytest.mark.parametrize(("line", "holder", "year"), COPYRIGHT_CASES)
def test_text_reparses_to_the_same_notice(line: str, holder: str, year: int | None) -> None:
    first = parse_copyright(line)
    assert first is not None
    assert parse_copyright(first["text"]) == first


# -- properties ----------------------------------------------------------------------------

SPACES = st.text(alphabet=" \u00a0\t\u3000", max_size=3)


@settings(max_examples=300)
@given(st.text())
def test_never_raises_and_is_idempotent(text: str) -> None:
    parsed = parse_copyright(text)
    assert is_copyright(text) is (parsed is not None)
    if parsed is not None:
        assert parsed["text"] == parsed["text"].strip()
        assert parse_copyright(parsed["text"]) == parsed
        assert parsed["year"] is None or 1900 <= parsed["year"] <= 2099


@given(st.sampled_from([c[0] for c in COPYRIGHT_CASES]), SPACES, SPACES)
def test_surrounding_spaces_do_not_matter(line: str, before: str, after: str) -> None:
    assert parse_copyright(before + line + after) == parse_copyright(line)


@st.composite
def rendered_notice(draw: st.DrawFn) -> tuple[str, str, int | None]:
    """A notice in one of the board's styles, with its holder and year."""
    holder = draw(st.sampled_from([KDD, "국방일보", "Korea Defense Daily", "MND"]))
    year = draw(st.one_of(st.none(), st.integers(1990, 2030)))
    word = draw(st.sampled_from(["Copyright ", "Copyright", "COPYRIGHT ", ""]))
    sign = draw(st.sampled_from(["ⓒ ", "© ", "(c) ", "(C) ", "ⓒ", ""]))
    if not word and not sign:
        sign = "ⓒ "
    rights = draw(
        st.sampled_from(
            ["", ", All rights reserved", ". All Rights Reserved.", ", 무단전재 및 재배포 금지"]
        )
    )
    line = f"{word}{sign}{f'{year} ' if year else ''}{holder}{rights}"
    if draw(st.booleans()):
        line = f"<{line}>"
    return line, holder, year


@given(rendered_notice(), SPACES)
def test_rendered_notices(case: tuple[str, str, int | None], pad: str) -> None:
    line, holder, year = case
    assert parse_copyright(line + pad) == Copyright(holder=holder, year=year, text=line.strip())
