"""Embedded demo of the English "News Zone" boards of www.mnd.go.kr, served on 127.0.0.1.

The site follows the board's markup contract and renders it on its own (it imports
nothing from the crawler), so crawl tests fail when the crawler is wrong.  All the
text is generated; none comes from the real site.

Boards: Recent News (``boardId=O_47261``, ``id=mndEN_020100000000``), Photo News
(``O_47317``, ``mndEN_020200000000``), Press Release (``I_8576246``,
``mndEN_020600000000``); ``siteId=mndEN``; section "News Zone".

Use
---
``DemoSite(articles=150, *, edits=None, faults=None, base_url="http://127.0.0.1")``
holds the state; ``listen(site, port=0, interface="127.0.0.1")`` serves it in the
running reactor and returns the listening port (``port.getHost().port``);
``python -m newszone_crawler.demo_site --port 0 --articles 5000`` runs it standalone.
``DemoSite.handle(path, query)`` / ``DemoSite.get(url)`` answer a request without any
network (a :class:`Response`).  ``truth(k)``, ``article_by_id(seq)``, ``ids(board)``,
``all_ids()``, ``count(board)``, ``pages(board)``, ``notice_id(board)``,
``listing_url(board, page)``, ``article_url(seq)``, ``quirks(k)``, ``views(k)``,
``publish(n)`` / ``articles = n``, ``edit(k, revision)``; ``requests`` counts the
requests answered per kind (listing, article, download, image, robots, index, other,
and ``not_found`` among them).

Articles
--------
Article ``k`` (1..``articles``, at most 20,000; larger is newer) is the same whatever
the count: raising the count publishes newer articles on top.  Boards repeat a cycle
of 20 (12 Recent News, 4 Photo News, 4 Press Release), so at the default 150 the boards
hold 90, 30 and 30 articles.  Ordinal ``j`` is an article's place in its board (1 =
oldest; the listing's ``span.num``).  Ids: ``O_<110000 + 4k + k % 3>``; Press Release
items with ``j % 3 != 0`` have ``I_<8576300 + 2k>``.  Dates: ``2008-01-01 + k // 3``
days (Korea time), non-decreasing with ``k``.  Hit: a per-article base plus one per
article-page request (the listing shows the current value; listings do not count).

URLs
----
- ``/user/boardList.action?boardId=..&siteId=mndEN&id=..&page=N``: listing (``page``
  defaults to 1; ``siteId``/``id`` are not checked; unknown ``boardId`` -> 404).
- ``...?command=view&boardId=..&boardSeq=..`` plus any other parameters in any order
  (``page``, ``titleId``, ``column``, ``search``, ``mcategoryId``...): the article.  An
  id that is not published, or a ``boardId`` that is not the article's board, -> 404
  (chosen so that a crawler building wrong URLs notices).
- ``...?command=download&boardId=..&boardSeq=..&fileSeq=N``: the file, with
  ``Content-Type``, ``Content-Length`` and ``Content-Disposition: attachment;
  filename="..."`` (non-ASCII names: an ASCII ``filename=`` fallback plus
  ``filename*=UTF-8''<percent-encoded>``).  Unknown file -> 404.
- ``/upload/news/<yyyymmdd>_<id number>_<nn>.jpg|png``: the article's images (valid
  32x24 JPEG or PNG, deterministic).  ``/robots.txt`` (allows the boards, disallows
  ``/admin/``), ``/`` (links to the boards).  Anything else -> 404.

Truth conventions (decisions a crawler test should know)
--------------------------------------------------------
``truth(k)`` has the record.md keys that can be known: id, board_id, url (canonical,
parameters sorted), section, board, title, title_raw, title_truncated, published,
published_raw, subtitles, body, images, authors, byline_raw, copyright, attachments.
Text values are whitespace-normalized (no-break spaces -> spaces, runs collapsed,
stripped).  ``title`` equals ``title_raw`` when ``title_truncated``.  Deck lines lose
their ``- ``/``-``/``- ... -``/trailing ``;`` markers.  The Korean title line after a
headline and a repeated headline are in neither ``subtitles`` nor ``body``.  A caption
is the text of the short paragraph after an image (``None`` when the image is directly
followed by a body paragraph); a long caption keeps its ``Reported by <Name>`` credit,
which does not make an author.  ``byline_raw`` joins byline lines with a newline.
``copyright.year`` is an ``int`` or ``None``; ``copyright.text`` is the stripped line.
Attachment ``url`` is
``<base>/user/boardList.action?command=download&boardId=..&boardSeq=..&fileSeq=N``
(markup.md's order; compare canonicalized), ``name`` the real name (percent-decoded),
``size_raw`` the size label as shown (``(245.3KB)``) or ``None``.  Press Release
bodies keep their ``△`` item lines.  The page footer has a site copyright
(``Copyright &copy; Ministry of National Defense``) outside ``div.post_content``:
it is not the article's copyright.

Quirks
------
Tags are those of ``DemoSite.quirks(k)``; "R/P/X" = Recent News / Photo News / Press
Release; the numbers are example ``k`` at the default 150.  Variants come from per-board
tables indexed by ``j`` (``table[j % len(table)]``), so each appears in the first 30
articles of its board (Recent News 128-character cuts from ``j`` = 26) and then again
periodically.

Listing pages (all boards):
- ``p.total`` "Total <strong>n</strong> posts"; ``ul.list_post`` with ``li.notice``
  (``span.num`` "Notice") on top of every non-empty page: the board's oldest article
  (tag ``notice``; k 1, 2 and 4), also listed in its own place on the last page.
- 10 rows a page newest first, ``span.num`` = ordinal, ``p.title a`` with
  ``href="#none" onclick="jf_view('<boardId>','<boardSeq>');return false;"``, or
  ``href="javascript:jf_view(...);"`` for ``j % 4 == 2`` (tag ``link:javascript_href``;
  R 3, 10; P 7; X 9) - the same style in the article pages' Prev/Next links.
- ``dl`` with ``Date :`` / ``Hit :``; ``div.paging`` with first/prev/numbered (blocks of
  10)/next/last links (``&amp;`` in hrefs).  A page past the last: 200, empty
  ``ul.list_post`` (no notice).

Titles (header ``div.wrap_title p.title`` and listing):
- ``title_cut:64`` - cut to 64 characters + ``...``: every title of ``k <= 40``, Photo
  News and Press Release (R 5, 6; P 7; X 4).  ``title_cut:128`` - newer Recent News,
  128 + ``...`` (R 43, 48).  ``title:short`` never cut (R 3, 10; P 14; X 13);
  ``title:medium``, ``title:long``, ``title:notice``.
- ``title_cut_in_dots`` (``title:dots``) - the full title has its own ``...`` where the
  cut lands, giving ``.....`` (R 5, 16, 28; P 7; X 9).

Post (``div.post_content``):
- ``headline:plain`` - full title as ``<p><b>...</b></p>`` first (most articles).
- ``headline:absent`` / ``title_truncated`` - cut title and no headline: the title
  cannot be recovered (R 5, 23; P 27; X 4).
- ``headline:curly_mismatch`` ``“...“`` (R 3, 21; P 22) and ``headline:apos_mismatch``
  ``“...'`` (R 12, 31; X 17) - mismatched quotes in title and headline (``j % 5 == 0``
  titles have proper ``“...”``).
- ``headline:repeated`` - the headline paragraph twice (R 8, 26; P 7; X 24).
- ``headline:korean_line`` - a Korean title line after the headline (R 10, 11; P 19; X 9).
- ``<p>&nbsp;</p>`` spacers (also ``&nbsp;&nbsp;``, `` &nbsp;``) after the headline,
  after the deck, after images and before the byline, on most articles.
- Deck: one ``<p>`` per group, lines split by ``<br>``: ``deck:lines`` (R 1, 11),
  ``deck:dash_space`` ``- x`` (R 3), ``deck:dash_tight`` ``-x`` (R 5), ``deck:wrapped``
  ``- x -`` (R 6), ``deck:semicolon`` ``x;`` (R 8), ``deck:two_groups`` two ``<p>`` groups
  plus a single-line ``<p>`` (R 10); Photo News seldom has a deck.
- Images ``<p style="text-align:center"><img src="/upload/news/..."></p>`` (``image:jpg``,
  ``image:png`` R 11, P 7) followed by a caption paragraph: ``caption:short``,
  ``caption:short_nbsp`` (trailing ``&nbsp;&nbsp;``; R 5, 6), ``caption:title50`` (the
  title cut to 50 characters; R 8, 11), ``caption:long_credit`` (long, ends with
  ``Reported by <Name>``, before the body; R 1, 12; P 2), ``caption:none`` (image
  followed directly by a body paragraph; R 5, 16; P 14).
- Body paragraphs: ``para_trailing_nbsp`` (R 1, 3), ``para_leading_space`` (leading
  space(s) or ``&nbsp;``; R 1, 3).  ``press_triangles``: Press Release items ``△ ...``
  as paragraphs after the first one (every Press Release).
- Byline (Recent News; one ``<p>`` per line): ``byline:given_family_email`` ``By
  Byeong-No, Yun <mail@x >`` (R 26), ``byline:empty_space`` ``< >`` (R 1; P 27),
  ``byline:empty_tight`` ``<>`` (R 5), ``byline:paren_email`` ``By Family Given (mail)``
  (R 3), ``byline:reporter`` ``By Reporter ...`` (R 6; P 14), ``byline:staff`` ``By Staff
  Reporter ...`` (R 11), ``byline:two_and`` (R 10), ``byline:two_amp`` ``&`` (R 18),
  ``byline:two_comma`` ``By A B, C D`` (R 12), ``byline:with_translator`` (byline plus
  ``Translated by``; R 16), ``byline:translator_only`` (R 21), ``byline:photo_credit``
  (``By Reporter`` plus ``Photo by``; R 23), ``byline:photo_only`` (Photo News; P 2),
  ``byline:korean`` ``윤병노 기자 < mail >``-style (R 15), ``byline:upper_email``
  (capitals in the e-mail; R 20), ``byline:none`` (2 in 16 Recent News: R 8, 25; most
  Photo News; every Press Release).
- Copyright (last line): ``copyright:standard`` ``<Copyright ⓒ The Korea Defense Daily,
  All rights reserved>`` (R 15), ``copyright:no_brackets`` (R 1), ``copyright:symbol_c``
  ``©`` (R 10), ``copyright:paren_c`` ``(c)`` (R 5), ``copyright:year`` ``Copyright ⓒ
  2008 ...`` (R 6; P 14), ``copyright:all_caps`` ``All Rights Reserved.`` (R 8),
  ``copyright:trailing_ws`` (trailing ``&nbsp; &nbsp;``; R 11), ``copyright:korean``
  ``ⓒ 국방일보, 무단전재 및 재배포 금지`` (R 3; P 19), ``copyright:none`` (R 12; P 2;
  every Press Release).

Files (``div.file_list > dl > dt File + dd > ul > li``):
- ``files:placeholder`` - only ``<a href="#none">(Presentation and Follow-on
  discussion)</a>``, which is on almost every page (R 3, 11).
- ``files:direct_size`` - direct download href and ``<span class="size">(..KB)</span>``
  (R 1; P 19; X 4); ``files:jsdown`` - ``javascript:jf_fileDown('b','s','1');`` (R 5);
  ``files:two_files`` - a 1.1-1.6 MB file and a ``photo N.jpg`` (R 8; X 9).
- ``files:duplicate`` - the same direct entry twice (R 10; P 22);
  ``files:duplicate_mixed`` - the same file direct and through ``jf_fileDown`` (R 18).
- ``files:percent`` - link text percent-encoded (``2008%20defense%20policy...``; R 12).
- ``files:void`` - a ``javascript:void(0)`` placeholder before a real file (R 15).
- ``files:korean`` - a Korean file name, served with RFC 5987 (R 16; X 37).
- ``files:no_block`` - no File block at all (R 6; P 14); ``files:empty`` - an empty one (R 20).

Page level:
- ``ul.prev_next`` with ``Prev`` (older) and ``Next`` (newer) ``jf_view`` links (or
  "There is no ... post.").
- Hit counter: changes on every article request (listing and article pages).
- ``encoding:euc-kr`` - ``k <= 40`` and ``j % 5 == 2`` (R 3, 11, 20; P 7, 34; X 9, 33):
  EUC-KR bytes, ``Content-Type: text/html`` without charset and ``<meta
  http-equiv="Content-Type" content="text/html; charset=euc-kr">``; they carry Korean
  text (title line or copyright).  Others (``encoding:utf-8``): UTF-8, with
  ``Content-Type: text/html; charset=utf-8``.
- ``date:dashes`` - ``YYYY-MM-DD`` for ``j % 8 == 6`` (R 10, 23); else ``date:dots``.

Fault modes
-----------
``DemoSite(faults={...})`` (or ``--faults JSON`` standalone, ``@file`` for a file)
switches misbehaviours on for that site, each keyed as below (an unknown key or a bad
value raises ``ValueError``; ``faults={}`` is the faultless site, byte for byte).  All
are deterministic (counted per URL or per request, no clock, no randomness) and bounded;
``site.faults_served`` counts the faulty answers per key; affected articles get
``fault:<key>`` tags in ``quirks(k)``.  Code: :mod:`.faults`.

Selectors (what a fault hits): an article's ``k`` (``5`` or ``"5"``) or id
(``"O_110022"``) - its article page; ``"<article>/<fileSeq>"`` (``"O_110022/1"``) or
``"<article>/*"`` - its download(s); ``"listing"``, ``"article"``, ``"download"``,
``"image"`` - every request of that kind; ``"*"`` - every listing, article, download
and image request.  The most specific selector wins.  Requests that are 404 anyway,
``/robots.txt`` and ``/`` are never faulted.  A fault value is a dict ``{selector:
value}`` or a list of selectors (each getting the default, or the listed choices in
turn: the i-th selector gets choice ``i % n``); ``{selector: true}`` for the on/off ones
(``maintenance``, ``empty_200``, ``hostile_markup``).  "Per URL" counts by path + raw query,
so another parameter order is another URL.  First match in this order answers:

- ``gone``: ``{selector: 404 | 410}`` (list: 410) - the site's 404 page or a
  ``410 Gone`` page.  Listings still list the article.
- ``unavailable``: ``{selector: K}`` (list: 1), e.g. ``{"*": 2}`` - ``503`` the first K
  times per URL, then the normal answer.
- ``rate_limit``: ``{selector: N}`` or ``{selector: {"retry_after": N, "times": T}}``
  (list: N=1, T=1) - ``429`` with ``Retry-After: N`` (``retry_after``) the first T
  times per URL.
- ``redirect_loop``: ``{selector: "cycle" | "hop"}`` (list: ``"cycle"``), articles and
  downloads - ``302`` forever.  ``cycle``: to the next concrete selector of the
  ``cycle`` ones, in the order given (``Location`` = its canonical article or download
  URL), or to the very same URL when it is alone (or a kind/``*``): the URLs repeat.
  ``hop``: to the requested URL with ``&hop=<n+1>``: never the same URL twice.
- ``bad_redirects``: ``{selector: name}`` (list: the names in turn) - ``302`` to
  ``file`` ``file:///etc/passwd``, ``data``
  ``data:text/html,%3Cscript%3Ealert(1)%3C%2Fscript%3E``, ``ftp``
  ``ftp://127.0.0.1/x``, ``loopback_port`` ``http://127.0.0.1:1/x``, ``private_10``
  ``http://10.0.0.1/``, ``private_192`` ``http://192.168.1.1/``, ``link_local``
  ``http://169.254.169.254/latest/meta-data/``, ``other_host`` ``http://example.com/``
  (``faults.BAD_URLS``).  The name ``links`` (articles only) instead serves the page with
  one extra image per destination (``<img src=...>`` plus a caption paragraph ``Linked
  image (<name>)``, before the byline) and one extra File entry per destination
  (``<name>.pdf`` linking there, after the others).  A crawler must fetch none of them:
  the truth's ``images`` and ``attachments`` leave them out (their captions too).
- ``maintenance``: list of selectors - ``200`` with a "Service maintenance" page (no
  ``div.post_content``) in place of the page or file.
- ``empty_200``: list of selectors - ``200`` with an empty body (downloads and images keep
  their ``Content-Type``/``Content-Disposition``).
- ``bombs``: ``{selector: "gzip" | "br" | "length"}`` (list: in turn) - ``gzip``:
  ``Content-Encoding: gzip``, about 1 MB expanding to 1 GiB of zeros; ``br``: the same
  with brotli (about 200 KB; the ``brotli`` module is used if installed, else the fault
  is skipped - the normal answer, counted as ``bombs:br_skipped``); ``length``:
  ``Content-Length: 10737418240`` (10 GiB) with the first 1024 bytes of the real answer,
  then the connection is aborted.  Bombs are built on first use and cached.
- otherwise the normal answer, changed by the content faults below, then by the wire
  faults ``drop_mid_body`` and ``stall``.

Content faults (they change the page, and the truth where a crawler can see it):

- ``charsets``: ``{article selector: label}`` (list: ``utf-7``, ``base64``,
  ``x-unknown-charset`` in turn) - the page declares ``charset=<label>`` in both
  ``Content-Type`` and ``<meta http-equiv="Content-Type">``.  ``utf-7`` pages are really
  UTF-7 bytes (a decoder honouring the label reads the true text; Scrapy/w3lib do not
  honour it and fall back to cp1252, where non-ASCII text shows as ``+IBw-`` runs); any
  other label (``base64`` is a Python codec but no text encoding, so
  ``bytes.decode("base64")`` raises ``LookupError``; ``x-unknown-charset`` is unknown)
  sends UTF-8 bytes.  Truth unchanged.
- ``hostile_markup``: list of article selectors - the title gets the prefix
  ``<script>alert(1)</script> <img src=x onerror=alert(1)> `` as text (escaped; listing,
  header, headline and neighbours' Prev/Next links alike; the header/listing cut is
  re-applied), the first caption (if any) gets `` <img src=x onerror=alert(1)>`` and a NUL, a
  paragraph with markup as text, a NUL and a lone surrogate follows the last body
  paragraph, and then a live ``<script>`` element (whose string holds ``<p>`` markup)
  sits inside ``div.post_content``.  NUL is sent as ``&#0;`` and the surrogate as
  ``&#xD800;``, so the bytes stay valid UTF-8 (or EUC-KR); an HTML parser reads both as
  U+FFFD, which is what the truth holds.  The truth's title, body and caption carry the
  markup as literal text; the live script is in neither body nor truth.
- ``hostile_filenames``: ``{download selector: kind}`` (an article selector means all its
  files; list: the kinds in turn) - the download's ``Content-Disposition`` becomes
  ``dotdot`` ``filename="../../etc/passwd"``, ``absolute`` ``filename="/etc/passwd"``,
  ``backslash`` ``filename="..\\\\..\\\\x"`` (a quoted-string meaning ``..\\..\\x``),
  ``nul`` ``filename="report.pdf<NUL>.exe"`` (a raw NUL byte) plus
  ``filename*=UTF-8''report.pdf%00.exe``, ``long`` a 300-byte ``AAA...A.pdf``, or
  ``rfc5987`` ``filename="passwd"; filename*=UTF-8''%2e%2e%2fetc%2fpasswd``
  (``faults.FILENAME_KINDS``).  The page still shows the real name; truth unchanged.

Wire faults (:class:`Response` carries them; ``handle``/``get`` return the whole body):

- ``drop_mid_body``: ``{selector: T}`` (list: 1) - the first T times per URL, the server
  declares the full ``Content-Length``, sends half the body (``response.abort_after``),
  waits until it is flushed, and aborts the connection.
- ``stall``: ``{selector: S}`` (every time) or ``{selector: {"seconds": S, "times": T}}``
  (list: 10 s) - the answer waits S seconds (at most 600; ``response.delay``) in
  ``reactor.callLater``: the server keeps answering other requests meanwhile.

Catalogue fault:

- ``churn``: ``{"publish_every": n, "publish_limit": m, "delete": [articles],
  "delete_after": d}`` (all optional) - ``publish_every``: every n-th listing request (of
  a known board, whatever the answer) publishes one more article once it is answered
  (``articles`` + 1; ``publish_limit``: at most m times, default unlimited up to
  20,000), so a crawl paging a board sees articles shift down (the boundary article comes
  twice); ``delete_after``: after d listing requests (default 1) the ``delete``
  articles leave the listings (the row numbers close up, ``Total`` shrinks, Prev/Next
  skip them) and their pages, files and images answer 404.  ``ids()``, ``all_ids()``, ``count()``,
  ``iter_truth()`` follow; ``deleted_ids()`` names them; ``truth(k)`` still answers.
"""

from .board import BOARDS, Board
from .content import MAX_ARTICLES
from .server import DemoResource, listen
from .site import DemoSite, Response

__all__ = ["BOARDS", "MAX_ARTICLES", "Board", "DemoResource", "DemoSite", "Response", "listen"]
