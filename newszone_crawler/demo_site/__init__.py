"""Embedded demo of the English "News Zone" boards of www.mnd.go.kr, served on 127.0.0.1.

The site follows the board's markup contract and renders it on its own (it imports
nothing from the crawler), so crawl tests fail when the crawler is wrong.  Every article
is drawn from the contract grammar (:mod:`.grammar`, the same one the grammar tests
use), so the demo shows every form the contract names.  All the text is generated;
none comes from the real site.

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
days (Korea time), non-decreasing with ``k``.  Everything else of article ``k`` is one
seeded draw of the grammar (``RandomChooser(f"{k}:post")``); titles of ``k <= 40`` are
cut at 64 characters.  A revision (``edit``) redraws the words of the body paragraphs
only (with a seed no earlier revision's body had).  Hit: a per-article base plus one per
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
headline and a repeated headline are in neither ``subtitles`` nor ``body``.  Deck,
caption and headline follow the grammar's rules for what the contract leaves open (its
module docstring; the README's normalization section): a caption is the paragraph after
a photo that is centred, ends with its own ``Reported by <Name>`` credit (kept in the
caption, naming no author) or is a short line not ending like a sentence, plus a long
part ending with its credit (``None`` without any).  ``byline_raw`` joins byline lines
with a newline.  ``copyright.year`` is an ``int`` or ``None``; ``copyright.text`` is the stripped line.
Real files are numbered ``fileSeq`` 1, 2, ... in page order; attachment ``url`` is
``<base>/user/boardList.action?command=download&boardId=..&boardSeq=..&fileSeq=N``
(markup.md's order; compare canonicalized), ``name`` the real name (percent-decoded),
``size_raw`` the size label as shown (``(245.3KB)``) or ``None``; the file served has
the labelled size.  Press Release bodies keep their ``△`` item lines.  The page footer
has a site copyright (``Copyright &copy; Ministry of National Defense``) outside
``div.post_content``: it is not the article's copyright.

Quirks
------
Every article is one draw of the contract grammar (:mod:`.grammar`), so the demo shows
every form of the board's markup contract, in every order it permits.  Tags are those of
``DemoSite.quirks(k)``: the grammar's form names plus ``notice``.  "R/P/X" = Recent News /
Photo News / Press Release; the numbers are example ``k`` at the default 150.  The grammar's
module docstring states the rules it follows where the contract is ambiguous.

- the board: ``board:photo`` (P 2), ``board:press`` (X 4), ``board:recent`` (R 1).
- the board's oldest article, pinned on every listing page: ``notice`` (R 1; P 2; X 4).
- page encoding (EUC-KR: ``Content-Type: text/html`` and a ``<meta http-equiv>``):
  ``encoding:euc-kr`` (R 10; P 27; X 13), ``encoding:utf-8`` (R 1; P 2; X 4).
- ``YYYY.MM.DD`` or ``YYYY-MM-DD``: ``date:dashes`` (R 8; P 22; X 4), ``date:dots``
  (R 1; P 2; X 9).
- ``jf_view`` links of the listing and Prev/Next: ``onclick`` or ``javascript:`` href:
  ``link:javascript_href`` (R 1; P 2; X 9), ``link:onclick`` (R 3; P 22; X 4).
- title kinds and the header's cut (64 or 128 characters + ``...``): ``title:at_limit``
  (R 12; P 2; X 24), ``title:cut_128`` (R 45), ``title:cut_64`` (R 1; P 39; X 4),
  ``title:cut_in_own_dots`` (R 5; P 39; X 13), ``title:dots`` (R 1; P 39; X 13),
  ``title:long`` (R 8; P 67; X 4), ``title:medium`` (R 18; P 7; X 29),
  ``title:mismatched_quotes`` (R 6; P 47; X 4), ``title:over_limit`` (R 28; P 47; X 49),
  ``title:short`` (R 3; P 27; X 17).
- the full title as the first paragraph(s), bold or not; the Korean title line:
  ``headline:absent`` (R 5; P 2; X 9), ``headline:korean_line`` (R 1; P 39; X 44),
  ``headline:not_bold`` (R 3; P 7; X 4), ``headline:once`` (R 1; P 14; X 13),
  ``headline:twice`` (R 6; P 7; X 4).
- deck groups (one ``<p>`` each, lines split by ``<br>``) and their markers:
  ``deck:after_headline`` (R 3; P 7; X 33), ``deck:dash_space`` (R 3; P 19; X 24),
  ``deck:dash_tight`` (R 3; P 2; X 33), ``deck:groups_1`` (R 5; P 7; X 49),
  ``deck:groups_2+``, ``deck:no_headline`` (R 5; P 2; X 24), ``deck:one_line``
  (R 3; P 42; X 24), ``deck:semicolon`` (R 20; P 2; X 24), ``deck:several_lines``
  (R 3; P 2; X 24), ``deck:spacer_between`` (R 3; P 14; X 37), ``deck:unmarked``
  (R 10; P 14; X 24), ``deck:wrapped`` (R 15; P 7; X 37).
- body paragraph kinds: ``body:by_start`` (R 5; P 14; X 13), ``body:inline_nbsp``
  (R 3; P 7; X 29), ``body:leading_space`` (R 3; P 7; X 53), ``body:long``
  (R 3; P 7; X 4), ``body:mentions_copyright`` (R 10; P 34; X 24), ``body:quote``
  (R 1; P 2; X 109), ``body:short`` (R 1; P 7; X 29), ``body:triangle`` (X 17).
- trailing no-break spaces of a line: ``line:trailing_nbsp`` (R 1; P 2; X 4).
- spacer paragraphs (``&nbsp;`` entities or raw U+00A0): ``spacer:entity``
  (R 1; P 7; X 9), ``spacer:raw_nbsp`` (R 3; P 7; X 24).
- a photo as the post's first block: ``photo:opens_post`` (R 11; P 114; X 9).
- how many photos: ``photos:0`` (R 5; P 27; X 4), ``photos:1`` (R 20; P 42; X 9),
  ``photos:2`` (R 1; P 7; X 13), ``photos:3`` (P 2).
- what follows a photo: ``caption:long_centred`` (R 18; P 62; X 9),
  ``caption:long_credit`` (R 1; P 19; X 17), ``caption:none`` (R 3; P 7; X 93),
  ``caption:same_paragraph`` (R 1; P 2; X 13), ``caption:short`` (R 11; P 14; X 57),
  ``caption:short_nbsp`` (R 3; P 22; X 29), ``caption:short_then_long``
  (R 40; P 7; X 37), ``caption:short_uncentred`` (R 71; P 2; X 129),
  ``caption:spacer_before`` (R 18; P 14; X 64), ``caption:title50`` (R 18; P 2; X 33).
- byline variants (one ``<p>`` per line or ``<br>``-joined): ``byline:br_joined``
  (R 1; P 14), ``byline:empty_space`` (R 66; P 99), ``byline:empty_tight`` (R 18; P 7),
  ``byline:given_family_email`` (R 11; P 59), ``byline:given_family_email_tight``
  (R 30), ``byline:korean`` (R 1; P 47), ``byline:none`` (R 5; P 34),
  ``byline:none_press`` (X 4), ``byline:paren_email`` (R 6; P 42), ``byline:photo_only``
  (R 8; P 22), ``byline:plus_photo`` (R 3; P 67), ``byline:plus_translator``
  (R 6; P 39), ``byline:reporter`` (R 20; P 2), ``byline:staff_reporter`` (R 10; P 114),
  ``byline:translator_only`` (R 52; P 19), ``byline:two_amp`` (R 36; P 14),
  ``byline:two_and`` (R 35; P 67), ``byline:two_comma`` (R 55; P 39),
  ``byline:upper_email`` (R 3; P 134).
- copyright notice variants: ``copyright:all_caps`` (R 6; P 2), ``copyright:brackets``
  (R 1; P 7), ``copyright:korean`` (R 10; P 27), ``copyright:lower`` (R 1; P 7),
  ``copyright:no_brackets`` (R 6; P 2), ``copyright:no_year`` (R 1; P 2),
  ``copyright:none`` (R 3; P 22), ``copyright:none_press`` (X 4),
  ``copyright:symbol_circled`` (R 12; P 19), ``copyright:symbol_copyright_sign``
  (R 1; P 2), ``copyright:symbol_paren`` (R 6; P 7), ``copyright:year`` (R 6; P 42).
- File block variants: ``files:direct`` (R 6; P 14; X 4), ``files:direct_percent``
  (R 12; P 7; X 49), ``files:duplicate`` (R 5; P 19; X 77), ``files:empty``
  (R 25; P 74; X 53), ``files:files`` (R 5; P 7; X 4), ``files:jsdown_href``
  (R 5; P 7; X 24), ``files:jsdown_onclick`` (R 6; P 14; X 4), ``files:korean_name``
  (R 6; P 19; X 4), ``files:no_block`` (R 16; P 2; X 17), ``files:no_size``
  (R 5; P 7; X 4), ``files:placeholder`` (R 1; P 67; X 9), ``files:size``
  (R 6; P 7; X 4), ``files:void_placeholder`` (R 5; P 39; X 24),
  ``files:with_placeholder`` (R 5; P 14; X 24).

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
  re-applied), the first centred caption paragraph (if any) gets
  `` <img src=x onerror=alert(1)>`` and a NUL, a paragraph with markup as text, a NUL
  and a lone surrogate follows the last body paragraph, and then a live ``<script>`` element (whose string holds ``<p>`` markup)
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
- ``drift``: ``{listing|article selector: name or [names]}`` (list: ``body``) - one element
  of the page template changes, as in a redesign (``faults.DRIFTS``): on listings ``rows``
  (rows no longer ``li``), ``links`` (``jf_view`` renamed), ``paging``, ``total`` or
  ``notice`` (block dropped); on articles ``title`` (header class renamed), ``date_label`` /
  ``hit_label`` (label reworded), ``body`` (post class renamed), ``file_block`` (dropped).
  What ``check-site`` and the crawl's health check must name.  Truth unchanged.

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
