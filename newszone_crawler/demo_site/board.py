"""The boards of the News Zone section: names and ids every other demo module shares.

A leaf module (it imports nothing from the package), so that :mod:`.render`,
:mod:`.grammar` and :mod:`.content` can all use it without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

SITE_ID = "mndEN"
SECTION = "News Zone"
LIST_PATH = "/user/boardList.action"
PLACEHOLDER_LABEL = "(Presentation and Follow-on discussion)"
"""Label of the File block's placeholder entry (``href="#none"``), on most pages."""


@dataclass(frozen=True, slots=True)
class Board:
    """One board of the News Zone section."""

    key: str
    board_id: str
    menu_id: str
    name: str


BOARDS: dict[str, Board] = {
    "recent": Board("recent", "O_47261", "mndEN_020100000000", "Recent News"),
    "photo": Board("photo", "O_47317", "mndEN_020200000000", "Photo News"),
    "press": Board("press", "I_8576246", "mndEN_020600000000", "Press Release"),
}
BOARD_BY_ID: dict[str, Board] = {b.board_id: b for b in BOARDS.values()}
