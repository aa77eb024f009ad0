"""The real site's chrome around the demo's pages (``DemoSite(chrome="real")``).

The light pages (the default) carry the board's markup and almost nothing else: about 4 KB an
article page.  The real site wraps the same markup in a government portal's chrome: a utility
bar, a global menu of every section, the section's side menu, a search form, a "latest news"
widget, a schedule table, banners, a footer site map, a contact table, related-site links and
inline scripts; its pages weigh 25-35 KB.  This module builds that chrome, deterministically,
from made-up words (no text of the real site), and puts into it what a crawler must NOT take
for the board: links to articles of every board (the widget: ``boardSeq`` links and
``jf_view`` calls), the three boards' menu links (menus and site map), script strings holding
``<a href=...>`` markup, ``jf_view``/``jf_fileDown`` calls and ``javascript:`` URLs, two
``<table>`` elements with ``tbody`` rows outside ``div#contents``, ``h2``/``h3``/``.title``
elements, and the words "Copyright", "By", "Date :" and "File" outside the post.

A leaf of the package apart from :mod:`.board` (it imports nothing from the crawler).  Every
string is EUC-KR encodable (``&copy;``/``&nbsp;`` as entities), as old article pages are served
in EUC-KR.

>>> chrome = real_chrome([], None)
>>> 22_000 < len(chrome.head) + len(chrome.header) + len(chrome.aside) + len(chrome.footer) < 30_000
True
>>> chrome.footer.count("<table")
1
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from .board import BOARDS, LIST_PATH, SECTION, SITE_ID, Board

CHROMES = ("light", "real")
"""The demo site's page weights: ``light`` (the board's markup alone) and ``real``."""

# Made-up portal menus: (section, menu number, [(item, [sub items])]).  The News Zone section
# (menu 02) holds the three boards and a few menus of other kinds.
_MENUS: tuple[tuple[str, str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    ("About Us", "01", (
        ("Greetings", ()),
        ("Mission and Vision", ("Our Mission", "Core Values", "Emblem and Symbols")),
        ("Organization", ("Organization Chart", "Offices and Bureaus", "Affiliated Agencies")),
        ("History", ("Timeline", "Former Leaders")),
        ("Location", ()),
    )),
    ("News Zone", "02", (
        ("Recent News", ()),
        ("Photo News", ()),
        ("Video Gallery", ()),
        ("Newsletter", ("Monthly Letter", "Archive of Letters")),
        ("Briefings", ()),
        ("Press Release", ()),
    )),
    ("Policy", "03", (
        ("Defense Policy", ("Policy Goals", "Defense Reform", "White Papers")),
        ("International Cooperation", ("Alliance", "Regional Cooperation", "Peacekeeping")),
        ("Military Service", ("Conscription", "Reserve Forces", "Alternative Service")),
        ("Welfare", ("Housing", "Medical Care", "Veterans")),
    )),
    ("Defense Data", "04", (
        ("Statistics", ("Budget", "Personnel", "Equipment")),
        ("Publications", ("Annual Report", "Brochures", "Guides")),
        ("Laws and Rules", ()),
    )),
    ("Open Ministry", "05", (
        ("Information Disclosure", ("How to Request", "Disclosure List")),
        ("Public Participation", ("Suggestions", "Surveys", "Events")),
        ("Contact Us", ()),
    )),
    ("Related Sites", "06", (
        ("Army", ()),
        ("Navy", ()),
        ("Air Force", ()),
        ("Marine Corps", ()),
        ("Defense Agencies", ("Acquisition Agency", "Research Agency", "Media Agency")),
    )),
)

# Boards of the other sections (not News Zone's): the portal's software serves them too.
_OTHER_BOARDS = {"Briefings": "O_47400", "Newsletter": "O_47455", "Laws and Rules": "I_8570001"}

_WORDS = (
    "defense", "cooperation", "readiness", "training", "exercise", "alliance", "forum", "service",
    "members", "veterans", "program", "support", "regional", "maritime", "security", "dialogue",
    "joint", "reserve", "families", "community", "science", "technology", "medical", "youth",
)


@dataclass(frozen=True, slots=True)
class Chrome:
    """The pieces of chrome a page frame puts around ``div#contents``."""

    head: str
    """Links, metas and the head script (inside ``<head>``)."""
    header: str
    """Skip link, utility bar, logo, search form, global menu, side menu (before the contents)."""
    aside: str
    """Latest-news widget, schedule table and banners (after the contents)."""
    footer: str
    """Site map, related sites, contact table, address, copyright and the page script."""


@dataclass(frozen=True, slots=True)
class Latest:
    """One entry of the latest-news widget: an article of any board."""

    board: Board
    seq: str
    title: str
    date: str


def _menu_href(number: str, item: int, sub: int = 0) -> str:
    return f"/user/sub.action?siteId={SITE_ID}&amp;id={SITE_ID}_{number}{item:02d}{sub:02d}00000000"


def _item_href(number: str, index: int, name: str) -> str:
    """A menu item's link: the boards' listings, other boards, or a content page."""
    board = next((b for b in BOARDS.values() if b.name == name), None)
    if board is not None:
        return f"{LIST_PATH}?boardId={board.board_id}&amp;siteId={SITE_ID}&amp;id={board.menu_id}"
    if name in _OTHER_BOARDS:
        return (f"{LIST_PATH}?boardId={_OTHER_BOARDS[name]}&amp;siteId={SITE_ID}"
                f"&amp;id={SITE_ID}_{number}{index:02d}0000000")
    return _menu_href(number, index)


def _menu(depth_class: str, current: Board | None, subs: bool) -> str:
    """The global menu (``subs``: with third-level items) or the site map."""
    out = [f'<ul class="{depth_class}">']
    for section, number, items in _MENUS:
        out.append(f'<li class="depth1"><a href="{_menu_href(number, 1)}">{section}</a>'
                   '<div class="depth2_wrap"><ul class="depth2">')
        for i, (name, children) in enumerate(items, 1):
            on = ' class="on"' if current is not None and current.name == name else ""
            out.append(f'<li{on}><a href="{_item_href(number, i, name)}">{name}</a>')
            if subs and children:
                out.append('<ul class="depth3">' + "".join(
                    f'<li><a href="{_menu_href(number, i, j)}">{child}</a></li>'
                    for j, child in enumerate(children, 1)) + "</ul>")
            out.append("</li>")
        out.append("</ul></div></li>")
    out.append("</ul>")
    return "".join(out)


def _side_menu(current: Board | None) -> str:
    items = next(items for section, _, items in _MENUS if section == SECTION)
    on = ' class="on"'
    links = "".join(
        f'<li{on if current is not None and current.name == name else ""}>'
        f'<a href="{_item_href("02", i, name)}">{name}</a></li>'
        for i, (name, _) in enumerate(items, 1))
    return (f'<div id="lnb"><h2>{SECTION}</h2><ul class="lnb_list">{links}</ul>'
            '<div class="lnb_banner">'
            '<a href="/user/sub.action?siteId=mndEN&amp;id=mndEN_050300000000">'
            '<img src="/images/eng/lnb_contact.png" alt="Contact the newsroom"></a></div></div>')


def _script_head() -> str:
    """The head script: menu state, an analytics stub and link templates (strings holding
    markup, ``jf_view`` calls and ``javascript:`` URLs of articles that do not exist)."""
    state = ", ".join(f'"m{n:02d}": {{"open": {str(n % 3 == 0).lower()}, "tab": {n % 4}}}'
                      for n in range(60))
    return (
        "<script>\n"
        f"var GNB_STATE = {{{state}}};\n"
        "var siteTracker = window.siteTracker || [];"
        " siteTracker.push(['page', location.pathname]);\n"
        "var LINK_TEMPLATE = '<a href=\"/user/boardList.action?command=view&boardId=O_47261"
        "&boardSeq=O_999001&siteId=mndEN&id=mndEN_020100000000\">Sample post<\\/a>';\n"
        "var SHARE_LINKS = ['javascript:jf_view(\\'O_47317\\',\\'O_999002\\');',"
        " 'javascript:jf_fileDown(\\'O_47261\\',\\'O_999003\\',\\'1\\');',"
        " 'javascript:window.print();'];\n"
        "function gnbOpen(id) { var m = document.getElementById(id);"
        " if (m) { m.className = m.className === 'on' ? '' : 'on'; } return false; }\n"
        "function fn_search(form) { if (!form.query.value) { alert('Please enter a search word.');"
        " return false; } return true; }\n"
        "</script>"
    )


def _head() -> str:
    styles = "".join(f'<link rel="stylesheet" href="/css/eng/{name}.css?v=20170203">'
                     for name in ("reset", "layout", "board", "content", "print"))
    scripts = "".join(f'<script src="/js/{name}.js"></script>'
                      for name in ("jquery-1.12.4.min", "common", "gnb", "slider"))
    return (
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="description"'
        ' content="English site of the defense portal: news, policy, data">\n'
        '<link rel="shortcut icon" href="/images/favicon.ico">'
        f"{styles}\n{scripts}\n{_script_head()}"
    )


def _header(current: Board | None) -> str:
    util = "".join(
        f'<li><a href="{href}">{name}</a></li>'
        for name, href in (("Home", "/mbshome/mbs/mndEN/"), ("Sitemap", "#sitemap"),
                           ("Contact Us", _menu_href("05", 3)), ("국문", "/mbshome/mbs/mnd/"),
                           ("RSS", "/user/rss.action?siteId=mndEN")))
    return (
        '<div id="skip"><a href="#contents">Skip to content</a>'
        '<a href="#gnb_wrap">Skip to menu</a></div>\n'
        '<div id="wrap">\n<div id="header_wrap">\n'
        f'<div class="util"><ul class="util_list">{util}</ul></div>\n'
        '<div class="logo"><a href="/mbshome/mbs/mndEN/"><img src="/images/eng/logo.png"'
        ' alt="Defense portal, English"></a></div>\n'
        '<form class="search" action="/user/search.action" method="get"'
        ' onsubmit="return fn_search(this);">'
        '<fieldset><legend>Search</legend><label for="query">Search word</label>'
        '<input type="text" id="query" name="query" title="Search word">'
        '<select name="sort" title="Sort"><option value="date">Sort By Date</option>'
        '<option value="rel">Sort By Relevance</option></select>'
        '<button type="submit">Search</button></fieldset></form>\n'
        f'<div id="gnb_wrap"><h2 class="blind">Main menu</h2>{_menu("gnb", current, True)}</div>\n'
        "</div>\n"
        f'<div id="container">\n{_side_menu(current)}\n'
    )


def _latest(entries: Sequence[Latest]) -> str:
    """The widget: article links as ``href`` with ``boardSeq`` (tab 1) and as ``jf_view``
    calls (tab 2), dates as ``Date :`` labels and as spans."""
    rows = []
    for n, e in enumerate(entries):
        href = (f"{LIST_PATH}?command=view&amp;boardId={e.board.board_id}&amp;boardSeq={e.seq}"
                f"&amp;siteId={SITE_ID}&amp;id={e.board.menu_id}")
        title = escape(e.title, quote=False)
        if n % 2 == 0:
            rows.append(f'<li><a href="{href}" class="title">{title}</a>'
                        f'<span class="date">{e.date}</span></li>')
        else:
            rows.append(f'<li><a href="#none" onclick="jf_view(\'{e.board.board_id}\','
                        f'\'{e.seq}\');return false;">{title}</a>'
                        f"<dl><dt>Date :</dt><dd>{e.date}</dd></dl></li>")
    tabs = "".join(f'<li><a href="#latest_{b.key}">{b.name}</a></li>' for b in BOARDS.values())
    return (
        '<div class="latest_news"><h3 class="title">Latest News</h3>'
        f'<ul class="tab">{tabs}</ul><ul class="news_list">{"".join(rows)}</ul>'
        f'<a class="more" href="{LIST_PATH}?boardId=O_47261&amp;siteId={SITE_ID}'
        '&amp;id=mndEN_020100000000">more</a></div>'
    )


def _schedule() -> str:
    """A month calendar: the first ``<table>`` outside the contents."""
    weeks = []
    day = 1
    for week in range(5):
        cells = []
        for weekday in range(7):
            if (week == 0 and weekday < 3) or day > 31:
                cells.append("<td></td>")
                continue
            if day % 9 == 4:
                cells.append(f'<td class="event"><a href="/user/schedule.action?day={day}"'
                             f' title="{_WORDS[day % len(_WORDS)]} event">{day}</a></td>')
            else:
                cells.append(f"<td>{day}</td>")
            day += 1
        weeks.append("<tr>" + "".join(cells) + "</tr>")
    days = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
    head = "".join(f'<th scope="col">{d}</th>' for d in days)
    return ('<div class="schedule"><h3>Schedule</h3><table class="calendar"><caption>Events of the'
            f' month</caption><thead><tr>{head}</tr></thead><tbody>{"".join(weeks)}</tbody>'
            "</table></div>")


def _banners() -> str:
    items = "".join(
        f'<li><a href="http://banner{n}.example.org/" target="_blank" title="New window">'
        f'<img src="/images/eng/banner_{n:02d}.png"'
        f' alt="{_WORDS[n].title()} {_WORDS[n + 7]} campaign">'
        "</a></li>" for n in range(12))
    return (f'<div class="banner_zone"><h3>Campaigns</h3><ul class="banner_list">{items}</ul>'
            '<a href="#none" class="btn_stop" onclick="bannerStop();return false;">stop</a></div>')


def _contact_table() -> str:
    rows = "".join(
        f"<tr><th scope=\"row\">{_WORDS[n].title()} {_WORDS[n + 5].title()} Office</th>"
        f"<td>+82-2-748-{1100 + 37 * n}</td><td><a href=\"mailto:office{n}@example.org\">"
        f"office{n}@example.org</a></td></tr>" for n in range(10))
    return ('<table class="contact"><caption>Offices and phone numbers</caption><thead><tr>'
            '<th scope="col">Office</th><th scope="col">Phone</th><th scope="col">E-mail</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>")


def _script_foot() -> str:
    """The page script: a share box writing link markup, and the menu toggles."""
    return (
        "<script>\n"
        "function sharePage(kind) {\n"
        "  var url = encodeURIComponent(location.href);\n"
        "  if (kind === 'mail') { location.href = 'mailto:?body=' + url; return; }\n"
        "  window.open('http://share.example.org/?u=' + url, 'share', 'width=600,height=400');\n"
        "}\n"
        "document.write('<div class=\"share\">"
        "<a href=\"javascript:sharePage(\\'mail\\');\">Mail<\\/a>"
        " <a href=\"/user/boardList.action?command=view&boardId=O_47317&boardSeq=O_999004\">"
        "Top photo<\\/a>"
        " <a href=\"javascript:jf_view(\\'I_8576246\\',\\'I_999005\\');\">Top release<\\/a>"
        "<\\/div>');\n"
        "var copyrightText = 'Copyright (c) Ministry of National Defense. All rights reserved.';\n"
        "var bylineFormat = 'By {name} <{mail}>';\n"
        "$(function () {"
        " $('.gnb > li').on('mouseenter focusin', function () { gnbOpen(this.id); }); });\n"
        "</script>"
    )


def _footer(current: Board | None) -> str:
    related = "".join(f'<option value="http://site{n}.example.org/">{_WORDS[n].title()}'
                      f" {_WORDS[n + 12]} portal</option>" for n in range(10))
    return (
        '</div>\n<div id="footer">\n'
        f'<div id="sitemap"><h2>Sitemap</h2>{_menu("sitemap_list", current, False)}</div>\n'
        '<div class="related"><form action="/user/go.action" method="get"><label for="family">'
        f'Related sites</label><select id="family" name="url">{related}</select>'
        '<button type="submit">Go</button></form></div>\n'
        f'<div class="contact_info">{_contact_table()}</div>\n'
        '<div class="f_menu"><a href="/user/sub.action?siteId=mndEN&amp;id=mndEN_050400000000">'
        'Privacy Policy</a> <a href="/user/sub.action?siteId=mndEN&amp;id=mndEN_050500000000">'
        "Terms of Use</a> <a href=\"javascript:window.scrollTo(0,0);\">Top</a></div>\n"
        "<address>22 Itaewon-ro, Yongsan-gu, Seoul, Republic of Korea."
        " Tel: +82-2-748-1111</address>\n"
        "<p>Operated By the Public Affairs Office. Date : updated every weekday.</p>\n"
        '<p class="copyright">'
        "Copyright &copy; Ministry of National Defense. All Rights Reserved.</p>\n"
        f"{_script_foot()}\n</div>\n</div>"
    )


def real_chrome(latest: Sequence[Latest], current: Board | None) -> Chrome:
    """The chrome of a page of ``current``'s board (``None``: no board), with ``latest`` in
    its widget."""
    aside = (f'<div id="aside">{_latest(latest)}{_schedule()}{_banners()}'
             '<p class="file_guide">File viewers:'
             ' <a href="/user/viewer.action">Download</a></p></div>')
    return Chrome(_head(), _header(current), aside, _footer(current))
