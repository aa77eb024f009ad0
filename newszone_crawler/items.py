"""The record types of the crawl, read and written through ``itemadapter``.

``Article`` keeps raw and normalized values side by side (``title_raw`` beside ``title``,
``published_raw`` beside ``published``, ``byline_raw`` beside ``authors``), so nothing the page
said is lost by normalizing it. Keys are those of ``shared/site/record.md``; ``ItemAdapter``
raises on an undeclared key, which makes the dataclass a free schema check.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, TypedDict

from .normalize.attachments import Attachment
from .normalize.bylines import Author
from .normalize.copyright import Copyright


class StoredAttachment(Attachment, total=False):
    """An attachment once its file was downloaded (``files.AttachmentFilesPipeline``)."""

    sha256: str | None
    bytes: int | None
    content_type: str | None
    path: str | None
    status: str | None
    error: str | None
    server_name: str | None


class Image(TypedDict):
    """A photo of the post: absolute URL and the caption shown under it (or None)."""

    url: str
    caption: str | None


class CapturedImage(Image, total=False):
    """A photo once fetched for the WARC capture (``files.PhotoCapturePipeline``): where its
    response record is and the sha256 of its body (``status`` ``captured``), or why not
    (``failed``, with ``error``)."""

    sha256: str | None
    bytes: int | None
    content_type: str | None
    warc_file: str | None
    warc_offset: int | None
    warc_record_id: str | None
    status: str | None
    error: str | None


@dataclass
class Article:
    """One article of a News Zone board, as the JSON lines feed and the archive store it."""

    id: str | None = None
    """The board's article id (``boardSeq``, e.g. ``O_114186``); the primary key everywhere."""
    board_id: str | None = None
    """``boardId`` of the board the article was listed on (e.g. ``O_47261``)."""
    url: str | None = None
    """Canonical article URL (only boardId, boardSeq, command, id, siteId; sorted)."""
    fetched_url: str | None = None
    """The URL actually fetched (after redirects)."""
    section: str | None = None
    """Section as the page shows it (``News Zone``)."""
    board: str | None = None
    """Board name as the page shows it (``Recent News``)."""
    title: str | None = None
    """The full title: recovered from the post's headline when the header cut it."""
    title_raw: str | None = None
    """The header title exactly as shown (maybe cut, ending in ``...``)."""
    title_truncated: bool | None = None
    """True when no full title could be recovered and ``title`` is still cut."""
    published: str | None = None
    """ISO date ``YYYY-MM-DD`` (Korea time), or None when the date shown could not be parsed."""
    published_raw: str | None = None
    """The date as shown."""
    subtitles: list[str] = field(default_factory=list)
    """The deck lines, in order, without their markers."""
    body: str | None = None
    """Plain text: paragraphs joined by a blank line; no headline, deck, captions, byline or
    copyright lines."""
    images: list[CapturedImage] = field(default_factory=list)
    """``[{url, caption}]``: absolute image URLs with their captions (or None); once fetched,
    with their capture (``sha256``, ``warc_file``, ``warc_offset``...)."""
    authors: list[Author] = field(default_factory=list)
    """``[{name, email, role}]``, one entry per person."""
    byline_raw: str | None = None
    """The byline line(s) exactly as shown, joined by a newline."""
    copyright: Copyright | None = None
    """``{holder, year, text}`` or None."""
    copyright_raw: str | None = None
    """The copyright line exactly as shown."""
    attachments: list[StoredAttachment] = field(default_factory=list)
    """``[{name, url, size_raw}]``: real files only, absolute, de-duplicated by URL, page order."""
    files_raw: list[dict[str, Any]] = field(default_factory=list)
    """The File block's entries as shown: ``[{name, href, onclick, size_raw}]``."""
    views: int | None = None
    """The Hit counter (volatile: never part of ``content_hash``)."""
    content_hash: str | None = None
    """sha256 (hex) over the normalized title, subtitles, body, authors and attachment URLs."""
    crawled_at: str | None = None
    """ISO 8601 UTC time of the fetch."""
    warc_file: str | None = None
    """The WARC file holding this article's capture (archive only, not in the JSON lines)."""
    warc_record_id: str | None = None
    """The WARC-Record-ID of the capture's response record."""
    warc_offset: int | None = None
    """Byte offset of that record in the WARC file."""
    outcome: str | None = None
    """What the archive made of the record in this run: ``new``, ``changed`` or ``unchanged``
    (None without an archive). Feeds only (``-o``/``-O`` get every fetched record, marked);
    never stored."""

    def to_dict(self, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
        """The record as plain data, as ``ItemAdapter(self).asdict()`` gives it (lists and
        objects copied, so the dict shares nothing mutable with the item), without the keys
        in ``leave_out``; a walk over the fields, not itemadapter's per-value type checks.

        >>> Article(id="O_1", subtitles=["a"]).to_dict(leave_out=("outcome",))["subtitles"]
        ['a']
        """
        values = self.__dict__
        return {
            name: values[name] if values[name].__class__ in _SCALARS else _plain(values[name])
            for name in _ARTICLE_FIELDS
            if name not in leave_out
        }


def _plain(value: Any) -> Any:
    """A copy of ``value`` made of dicts, lists and scalars (a dataclass becomes a dict)."""
    kind = value.__class__
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {k: v if v.__class__ in _SCALARS else _plain(v) for k, v in value.items()}
    if kind is list:
        return [v if v.__class__ in _SCALARS else _plain(v) for v in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | set | tuple):
        return value.__class__(_plain(item) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})
_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))


@dataclass
class GoneNotice:
    """A stored article that now answers 404 or 410: the archive marks it ``gone_at``."""

    id: str
    url: str
    status: int


@dataclass
class FetchFailure:
    """An article that could not be fetched or read in this run: recorded in the archive's
    ``failures`` table (and the run counted incomplete); the next run fetches it again."""

    id: str
    url: str
    reason: str
