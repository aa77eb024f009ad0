"""Every selector of the board's markup, in one place (see ``shared/site/markup.md``).

Each entry is a list of alternatives tried in order: the first that matches wins. Labels are
matched on their visible text, so a renamed CSS class alone does not break the crawl.
"""

# Listing page
LISTING_LIST = "ul.list_post"  # the board's own list: when present, its items are the rows (none past the last page)
LISTING_ROWS = ["ul.list_post > li", "div.board_list li", "#contents table tbody tr",
                "div.board_list table tbody tr"]  # tables of the page's chrome (calendars, footers) are no rows
LISTING_CONTAINER = "ul.list_post, div.board_list, #contents table"
LISTING_PINNED_CLASSES = ("notice", "top", "fixed")
LISTING_TOTAL = ["p.total strong", ".total strong", ".total"]
PAGING_LINKS = ["div.paging a", ".paging a", ".pagination a"]

# Article page
ARTICLE_ROOT = ["div.board_view", "div.view", "#contents"]
HEADER_TITLE = [".wrap_title p.title", ".wrap_title .title", "p.title", ".title"]
POST_CONTENT = ["div.post_content", ".post_content", ".view_cont", ".board_view .content"]
FILE_BLOCK = ["div.file_list", ".file_list", ".file"]
SECTION = ["h2.tit_h2", "#contents h2"]
BOARD = ["h3.tit_h3", "#contents h3"]
LOCATION = [".location"]

# Visible labels of <dt>/<dd> pairs (English skin; Korean skin as a fallback).
DATE_LABELS = ("Date", "Registration date", "등록일", "작성일", "날짜")
HIT_LABELS = ("Hit", "Hits", "Views", "조회", "조회수")
FILE_LABELS = ("File", "Files", "Attachment", "첨부파일", "첨부")
