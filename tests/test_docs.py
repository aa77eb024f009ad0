"""The README documents every setting and every spider argument (a test that fails when
something is added without a word for its users)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from newszone_crawler import settings
from newszone_crawler.spiders.newszone import NewsZoneSpider

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
SETTINGS_SOURCE = Path(settings.__file__).read_text("utf-8")

OUR_SETTINGS = [name for name in dir(settings) if name.startswith("NEWSZONE_")]
ARGUMENTS = [
    name
    for name, p in inspect.signature(NewsZoneSpider.__init__).parameters.items()
    if p.kind is inspect.Parameter.KEYWORD_ONLY
]


@pytest.mark.parametrize("name", OUR_SETTINGS)
def test_setting_is_in_the_readme(name: str) -> None:
    assert f"`{name}`" in README


@pytest.mark.parametrize("name", ARGUMENTS)
def test_spider_argument_is_in_the_readme(name: str) -> None:
    assert re.search(rf"^\| `{name}` \|", README, re.MULTILINE)


def test_every_setting_has_a_comment() -> None:
    lines = SETTINGS_SOURCE.splitlines()
    for before, line in zip(["", *lines], lines, strict=False):
        if re.match(r"^[A-Z][A-Z0-9_]+ = ", line):
            assert "#" in line or before.startswith("#"), f"setting without a comment: {line}"
