"""The attachment-files pipeline (``newszone_crawler/files.py``): hashed paths inside
FILES_STORE, atomic writes, sha256 on the record, trust only what matches the archive, failures
recorded - unit tests with a fake engine, then real crawls of the demo site."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
)
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from newszone_crawler.demo_site import MAX_ARTICLES, DemoSite
from newszone_crawler.exporters.sqlite_store import ArchiveStore
from newszone_crawler.files import (
    DOWNLOAD_FIELDS,
    MAX_REDIRECTS,
    AtomicFSFilesStore,
    AttachmentFilesPipeline,
    ContainmentError,
    extension_of,
    file_key,
    hashed_path,
    read_known_files,
    sanitize_content_type,
    server_filename,
)
from newszone_crawler.items import Article, GoneNotice

from .conftest import ROOT, CrawlResult, run_crawl, stat

PDF = b"%PDF-1.4 demo attachment " + bytes(range(256)) * 8
STORE_PATH = re.compile(r"files/[0-9a-f]{2}/[0-9a-f]{64}(\.[a-z0-9]{1,8})?")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- a pipeline over a fake engine -----------------------------------------------------------


class FakeEngine:
    """Answers ``download_async`` from a table: URL -> Response factory or exception."""

    def __init__(self) -> None:
        self.answers: dict[str, Callable[[Request], Response] | BaseException] = {}
        self.requests: list[Request] = []

    def serve(self, url: str, body: bytes = PDF, status: int = 200, **headers: str) -> None:
        headers.setdefault("Content-Type", "application/pdf")
        headers = {k.replace("_", "-"): v for k, v in headers.items()}
        self.answers[url] = lambda request: Response(
            request.url, status=status, body=body, headers=headers, request=request
        )

    async def download_async(self, request: Request) -> Response:
        self.requests.append(request)
        answer = self.answers.get(request.url)
        if answer is None:
            return Response(request.url, status=404, body=b"not found", request=request)
        if isinstance(answer, BaseException):
            raise answer
        return answer(request)


@pytest.fixture
def make_pipeline(tmp_path: Path) -> Iterator[Callable[..., AttachmentFilesPipeline]]:
    made: list[AttachmentFilesPipeline] = []

    def make(**settings: Any) -> AttachmentFilesPipeline:
        values = {
            "FILES_STORE": str(tmp_path / "output" / "files"),
            "NEWSZONE_DB": str(tmp_path / "output" / "archive.sqlite"),
            "NEWSZONE_FILES_ENABLED": True,
            "NEWSZONE_FILES_MAXSIZE": 100_000,
            **settings,
        }
        crawler = get_crawler(Spider, values)
        crawler.spider = Spider.from_crawler(crawler, name="test")
        crawler.engine = FakeEngine()
        pipeline = AttachmentFilesPipeline.from_crawler(crawler)
        pipeline.open_spider()
        made.append(pipeline)
        return pipeline

    yield make
    for pipeline in made:
        pipeline.close_spider()


def engine(pipeline: AttachmentFilesPipeline) -> FakeEngine:
    return pipeline.crawler.engine  # type: ignore[return-value]


def stats(pipeline: AttachmentFilesPipeline) -> dict[str, Any]:
    values = pipeline.crawler.stats.get_stats()
    return {k: v for k, v in values.items() if k.startswith("newszone/")}


def process(pipeline: AttachmentFilesPipeline, item: Any) -> Any:
    return asyncio.run(pipeline.process_item(item))


def article(*files: tuple[str, str], seq: str = "O_1") -> Article:
    return Article(
        id=seq,
        url=f"http://site.test/user/boardList.action?boardSeq={seq}&command=view",
        fetched_url=f"http://site.test/user/boardList.action?command=view&boardSeq={seq}",
        attachments=[{"name": name, "url": url, "size_raw": None} for name, url in files],
    )


def url(n: int = 1, seq: str = "O_1") -> str:
    return f"http://site.test/user/boardList.action?command=download&boardSeq={seq}&fileSeq={n}"


def on_disk(pipeline: AttachmentFilesPipeline, record_path: str) -> Path:
    """Where a record's ``path`` points: relative to FILES_STORE's parent folder."""
    return pipeline.files_store.root.parent / record_path


# -- configuration and requests --------------------------------------------------------------


def test_disabled_by_setting_raises_not_configured(tmp_path: Path) -> None:
    crawler = get_crawler(Spider, {"FILES_STORE": str(tmp_path), "NEWSZONE_FILES_ENABLED": False})
    with pytest.raises(NotConfigured):
        AttachmentFilesPipeline.from_crawler(crawler)


def test_other_items_pass_through_untouched(make_pipeline) -> None:
    pipeline = make_pipeline()
    notice = GoneNotice(id="O_1", url="http://site.test/x", status=404)
    assert process(pipeline, notice) is notice
    plain = {"attachments": [{"url": url()}]}
    assert process(pipeline, plain) == {"attachments": [{"url": url()}]}
    assert engine(pipeline).requests == []


def test_requests_carry_the_size_limit_and_nothing_that_bypasses_offsite(make_pipeline) -> None:
    pipeline = make_pipeline(NEWSZONE_FILES_MAXSIZE=12345)
    item = article(("a.pdf", url(1)), ("b.hwp", url(2)))
    requests = pipeline.get_media_requests(item, pipeline.spiderinfo)
    assert [r.url for r in requests] == [url(1), url(2)]
    for request in requests:
        assert request.meta["download_maxsize"] == 12345
        assert request.meta["redirect_ttl"] == MAX_REDIRECTS
        assert not request.dont_filter
        assert not request.meta.get("allow_offsite")
        assert request.headers["Referer"] == item.fetched_url.encode()
    # every status but 3xx reaches the pipeline; 3xx go to RedirectMiddleware
    assert 302 not in pipeline.handle_httpstatus_list and 404 in pipeline.handle_httpstatus_list


# -- paths -----------------------------------------------------------------------------------


def test_file_key_ignores_scheme_port_www_and_parameter_order() -> None:
    keys = {
        file_key("http://127.0.0.1:40001/d?fileSeq=1&boardSeq=O_1"),
        file_key("https://127.0.0.1:40999/d?boardSeq=O_1&fileSeq=1"),
    }
    assert len(keys) == 1
    assert file_key("https://www.mnd.go.kr/d?a=1") == file_key("http://mnd.go.kr/d?a=1")
    assert file_key("http://h/d?fileSeq=1") != file_key("http://h/d?fileSeq=2")


@pytest.mark.parametrize(
    ("name", "ext"),
    [
        ("Report.PDF", ".pdf"),
        ("2008%20policy.hwp", ".hwp"),
        ("국방일보_사진.JPG", ".jpg"),
        ("archive.tar.gz", ".gz"),
        ("x.toolongext", ""),
        ("x.p-f", ""),
        ("x.pdf ", ""),
        ("noext", ""),
        ("", ""),
        ("../../etc/cron.d/evil", ""),
        ("a.ｐｄｆ", ""),  # full-width letters are not ASCII
        ("x.pdf\x00.sh", ".sh"),
    ],
)
def test_extension_comes_from_the_page_name_only_when_short_and_plain(name: str, ext: str) -> None:
    assert extension_of(name) == ext
    path = hashed_path(url(), name)
    assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{64}(\.[a-z0-9]{1,8})?", path)
    assert path.endswith(ext)


HOSTILE_DISPOSITIONS = [
    'attachment; filename="../../../../etc/passwd"',
    'attachment; filename="/etc/passwd"',
    'attachment; filename="..\\..\\windows\\evil.exe"',
    "attachment; filename*=UTF-8''..%2F..%2F.bashrc",
    'attachment; filename="evil\x00.pdf"',
    'attachment; filename="' + "A" * 5000 + '.pdf"',
    'attachment; filename="report\u202egnp.exe"',
]


@pytest.mark.parametrize("disposition", HOSTILE_DISPOSITIONS)
def test_server_chosen_names_never_become_paths(
    make_pipeline, tmp_path: Path, disposition: str
) -> None:
    pipeline = make_pipeline()
    engine(pipeline).serve(url(), body=PDF, Content_Disposition=disposition)
    item = process(pipeline, article(("report.pdf", url())))
    entry = item.attachments[0]
    assert entry["status"] == "downloaded", entry
    assert entry["path"] == "files/" + hashed_path(url(), "report.pdf")
    assert on_disk(pipeline, entry["path"]).read_bytes() == PDF
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".sqlite"]
    assert written == [on_disk(pipeline, entry["path"])]
    name = server_filename(disposition)
    assert name is None or ("/" not in name and "\\" not in name and "\x00" not in name)
    assert name is None or (len(name) <= 255 and "\u202e" not in name)


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ('attachment; filename="a b.pdf"', "a b.pdf"),
        ("attachment; filename=plain.hwp", "plain.hwp"),
        (
            "attachment; filename=\"20080209.hwp\";"
            " filename*=UTF-8''20080209_%EA%B5%AD%EB%B0%A9.hwp",
            "20080209_국방.hwp",
        ),
        ("attachment; filename*=utf-8'ko'%EC%82%AC%EC%A7%84.jpg", "사진.jpg"),
        ('attachment; filename="%EA%B5%AD%EB%B0%A9.pdf"', "국방.pdf"),
        ("attachment; filename=\"국방.pdf\"".encode("cp949"), "국방.pdf"),
        ("attachment; filename=\"국방.pdf\"".encode(), "국방.pdf"),
        ('attachment; filename="=?UTF-8?B?7IKs7KeELmpwZw==?="', "사진.jpg"),
        ('attachment; filename="q\\"uote.txt"', 'q"uote.txt'),
        ("attachment", None),
        (None, None),
        ('attachment; filename=".."', None),
    ],
)
def test_server_filename_reads_content_disposition(header: Any, name: str | None) -> None:
    assert server_filename(header) == name


@pytest.mark.parametrize(
    ("value", "media_type"),
    [
        (b"application/pdf", "application/pdf"),
        (b"Application/X-HWP; charset=binary", "application/x-hwp"),
        ("image/jpeg", "image/jpeg"),
        (b"text/html\r\nSet-Cookie: x=1", None),
        (b"<script>", None),
        (b"", None),
        (None, None),
        (b"a/" + b"b" * 300, None),
    ],
)
def test_content_type_is_sanitized(value: Any, media_type: str | None) -> None:
    assert sanitize_content_type(value) == media_type


# -- containment -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["../x", "ab/../../x", "/etc/passwd", "ab/./x", "ab//x", "ab\\..\\x", "", ".", "ab/\x00x",
     "..", "ab/.."],
)
def test_store_refuses_paths_that_are_not_plain_and_inside(tmp_path: Path, path: str) -> None:
    store = AtomicFSFilesStore(str(tmp_path / "files"))
    with pytest.raises(ContainmentError):
        store.resolve(path)
    with pytest.raises(ContainmentError):
        store.persist_file(path, BytesIO(b"x"), info=None)  # type: ignore[arg-type]
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_file_url_store_and_plain_path_resolve_to_the_same_root(tmp_path: Path) -> None:
    plain = AtomicFSFilesStore(str(tmp_path / "files"))
    as_uri = AtomicFSFilesStore(f"file://{tmp_path / 'files'}")
    assert plain.root == as_uri.root == (tmp_path / "files").resolve()
    assert plain.resolve("ab/cd.pdf") == plain.root / "ab" / "cd.pdf"


def test_a_symlink_out_of_the_store_is_refused_recorded_and_counted(
    make_pipeline, tmp_path: Path
) -> None:
    pipeline = make_pipeline()
    outside = tmp_path / "outside"
    outside.mkdir()
    prefix = hashed_path(url(), "a.pdf").split("/")[0]
    (pipeline.files_store.root / prefix).symlink_to(outside, target_is_directory=True)
    engine(pipeline).serve(url(), body=PDF)
    engine(pipeline).serve(url(2), body=b"second file")
    item = process(pipeline, article(("a.pdf", url()), ("b.pdf", url(2))))
    refused, fine = item.attachments
    assert refused["status"] == "failed"
    assert refused["error"].startswith("containment: ")
    assert refused["sha256"] is refused["path"] is None
    assert list(outside.iterdir()) == []
    assert fine["status"] == "downloaded"
    counts = stats(pipeline)
    assert counts["newszone/files/containment_violation"] == 1
    assert counts["newszone/files/failed/containment"] == 1


# -- atomic writes ---------------------------------------------------------------------------


def test_write_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    store = AtomicFSFilesStore(str(tmp_path / "files"))
    store.persist_file("ab/abc.pdf", BytesIO(b"old"), info=None)  # type: ignore[arg-type]
    store.persist_file("ab/abc.pdf", BytesIO(b"new content"), info=None)  # type: ignore[arg-type]
    folder = tmp_path / "files" / "ab"
    assert sorted(p.name for p in folder.iterdir()) == ["abc.pdf"]
    assert (folder / "abc.pdf").read_bytes() == b"new content"
    stat_info = store.stat_file("ab/abc.pdf", info=None)  # type: ignore[arg-type]
    assert stat_info["checksum"] == sha(b"new content")
    assert (folder / "abc.pdf").stat().st_mode & 0o444 == 0o444 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("crash_in", ["fsync", "replace"])
def test_a_write_killed_half_way_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_in: str
) -> None:
    store = AtomicFSFilesStore(str(tmp_path / "files"))
    old = BytesIO(b"complete old file")
    store.persist_file("ab/abc.pdf", old, info=None)  # type: ignore[arg-type]

    def crash(*args: Any) -> None:
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(os, crash_in, crash)
    with pytest.raises(KeyboardInterrupt):
        new = BytesIO(b"new" * 1000)
        store.persist_file("ab/abc.pdf", new, info=None)  # type: ignore[arg-type]
    monkeypatch.undo()
    folder = tmp_path / "files" / "ab"
    assert [p.name for p in folder.iterdir()] == ["abc.pdf"]  # no .part left behind
    assert (folder / "abc.pdf").read_bytes() == b"complete old file"


# -- what the record gets --------------------------------------------------------------------


def test_download_records_sha256_size_type_and_path(make_pipeline) -> None:
    pipeline = make_pipeline()
    engine(pipeline).serve(
        url(), body=PDF, Content_Type="Application/PDF; name=x",
        Content_Disposition="attachment; filename=\"a.pdf\"; filename*=UTF-8''%EA%B5%AD.pdf",
    )
    item = process(pipeline, article(("2008 Fact Sheet.PDF", url())))
    entry = item.attachments[0]
    assert set(DOWNLOAD_FIELDS) <= set(entry)
    assert entry["sha256"] == sha(PDF)
    assert entry["bytes"] == len(PDF)
    assert entry["content_type"] == "application/pdf"
    assert entry["status"] == "downloaded" and entry["error"] is None
    assert STORE_PATH.fullmatch(entry["path"]) and entry["path"].endswith(".pdf")
    assert on_disk(pipeline, entry["path"]).read_bytes() == PDF
    assert ("server_name" in entry) == pipeline.keep_server_name
    assert entry["name"] == "2008 Fact Sheet.PDF"  # the page's name is left as it was
    assert stats(pipeline)["newszone/files/downloaded"] == 1
    assert stats(pipeline)["newszone/files/bytes_downloaded"] == len(PDF)


def test_same_url_in_one_run_is_fetched_once(make_pipeline) -> None:
    pipeline = make_pipeline()
    engine(pipeline).serve(url(), body=PDF)
    first = process(pipeline, article(("a.pdf", url()), seq="O_1"))
    second = process(pipeline, article(("a.pdf", url()), seq="O_2"))
    assert len(engine(pipeline).requests) == 1
    assert first.attachments[0]["sha256"] == second.attachments[0]["sha256"] == sha(PDF)


FAILURES = [
    (Response, {"status": 404}, "HTTP 404", "http_404"),
    (Response, {"status": 500}, "HTTP 500", "http_500"),
    (Response, {"status": 302}, "HTTP 302", "http_302"),  # a redirect without Location
    (Response, {"body": b""}, "empty response body", "empty"),
    (Response, {"flags": ["dataloss"]}, "incomplete: ", "incomplete"),
    (DownloadTimeoutError("took too long"), None, "DownloadTimeoutError: took too long", "timeout"),
    (ConnectionRefusedError("refused"), None, "ConnectionRefusedError: refused", "network"),
    (
        DownloadCancelledError(
            "Expected to receive 250000 bytes which is larger than download max size (100000)"
        ),
        None, "too large: 250000 bytes announced; limit 100000 bytes", "too_large",
    ),
    (DownloadCancelledError(""), None, "too large: body grew past the limit", "too_large"),
    *(
        (IgnoreRequest(message), None, f"not downloaded: {message}", "ignored")
        for message in (
            "max redirections reached",
            "Forbidden by robots.txt",
            "Filtered offsite request to 'evil.test'",
        )
    ),
]


@pytest.mark.parametrize(("answer", "kwargs", "error", "kind"), FAILURES)
def test_a_failed_download_is_recorded_never_dropped(
    make_pipeline, caplog: pytest.LogCaptureFixture, answer: Any, kwargs: Any, error: str, kind: str
) -> None:
    pipeline = make_pipeline()
    fake = engine(pipeline)
    if kwargs is None:
        fake.answers[url(2)] = answer
    else:
        fields = {"status": 200, "body": PDF, **kwargs}
        fake.answers[url(2)] = lambda request: Response(request.url, request=request, **fields)
    fake.serve(url(1), body=b"fine")
    with caplog.at_level(logging.INFO):
        item = process(pipeline, article(("a.pdf", url(1)), ("b.pdf", url(2))))
    good, bad = item.attachments
    assert good["status"] == "downloaded"
    assert bad["status"] == "failed"
    assert bad["error"].startswith(error)
    assert {k: bad[k] for k in ("sha256", "bytes", "content_type", "path")} == dict.fromkeys(
        ("sha256", "bytes", "content_type", "path")
    )
    assert (bad["name"], bad["url"]) == ("b.pdf", url(2))
    counts = stats(pipeline)
    assert counts["newszone/files/failed"] == 1
    assert counts[f"newszone/files/failed/{kind}"] == 1
    # one WARNING of ours per failed attachment, and no ERROR/traceback from Scrapy for it
    ours = [r for r in caplog.records if r.name == "newszone_crawler.files"]
    warnings = [r for r in ours if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and url(2) in warnings[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not any(p.suffix == ".part" for p in pipeline.files_store.root.rglob("*"))


@pytest.mark.parametrize("link", ["javascript:void(0)", "#none", "http://[::1/x", "", None])
def test_an_attachment_without_a_downloadable_url_is_recorded_failed(
    make_pipeline, link: str | None
) -> None:
    pipeline = make_pipeline()
    engine(pipeline).serve(url(), body=PDF)
    item = article(("x.pdf", link), ("a.pdf", url()))  # type: ignore[arg-type]
    process(pipeline, item)
    bad, good = item.attachments
    assert bad["status"] == "failed"
    assert bad["error"] == "no downloadable http(s) URL"
    assert good["status"] == "downloaded"
    assert [r.url for r in engine(pipeline).requests] == [url()]


def test_a_file_url_store_gives_the_same_record_paths(make_pipeline, tmp_path: Path) -> None:
    pipeline = make_pipeline(FILES_STORE=f"file://{tmp_path / 'output' / 'files'}")
    engine(pipeline).serve(url(), body=PDF)
    entry = process(pipeline, article(("a.pdf", url()))).attachments[0]
    assert entry["path"] == "files/" + hashed_path(url(), "a.pdf")
    assert (tmp_path / "output" / entry["path"]).read_bytes() == PDF


def test_a_remote_files_store_is_refused(tmp_path: Path) -> None:
    crawler = get_crawler(
        Spider, {"FILES_STORE": "ftp://user:pw@127.0.0.1:2121/files", "NEWSZONE_FILES_ENABLED": True}
    )
    with pytest.raises(ValueError, match="local folder"):
        AttachmentFilesPipeline.from_crawler(crawler)


def test_each_written_file_is_announced_for_the_run_manifest(make_pipeline) -> None:
    from newszone_crawler.signals import output_written

    pipeline = make_pipeline()
    announced: list[Path] = []
    pipeline.crawler.signals.connect(lambda path: announced.append(path), signal=output_written,
                                     weak=False)
    engine(pipeline).serve(url(), body=PDF)
    entry = process(pipeline, article(("a.pdf", url()))).attachments[0]
    assert announced == [on_disk(pipeline, entry["path"])]


def test_the_end_of_run_line_sums_up(make_pipeline, caplog: pytest.LogCaptureFixture) -> None:
    pipeline = make_pipeline()
    engine(pipeline).serve(url(1), body=PDF)
    process(pipeline, article(("a.pdf", url(1)), ("b.pdf", url(2))))
    with caplog.at_level(logging.INFO, logger="newszone_crawler.files"):
        pipeline.close_spider()
    messages = [r.getMessage() for r in caplog.records]
    lines = [m for m in messages if m.startswith("Attachment files:")]
    assert lines == [
        f"Attachment files: 1 downloaded ({len(PDF)} bytes), 0 cached (verified on disk), "
        f"1 failed, 0 containment violation(s); in {pipeline.files_store.root}"
    ]


# -- trust: what the archive says, checked against the disk ----------------------------------


def archive_with(tmp_path: Path, entries: list[dict[str, Any]]) -> Path:
    db = tmp_path / "output" / "archive.sqlite"
    store = ArchiveStore.open(db)
    try:
        store.store(
            [{"id": "O_1", "title": "T", "body": "B", "content_hash": "h", "attachments": entries}],
            run_id="r1", now="2026-01-01T00:00:00Z",
        )
    finally:
        store.close()
    return db


def stored_entry(data: bytes, link: str = url(), name: str = "a.pdf") -> dict[str, Any]:
    return {
        "name": name, "url": link, "size_raw": None, "sha256": sha(data), "bytes": len(data),
        "content_type": "application/pdf", "path": "files/" + hashed_path(link, name),
        "status": "downloaded", "error": None,
    }


def put(pipeline: AttachmentFilesPipeline, store_path: str, data: bytes) -> Path:
    target = pipeline.files_store.root / store_path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def test_archive_is_read_once_by_url_key(tmp_path: Path) -> None:
    db = archive_with(tmp_path, [stored_entry(PDF), {"name": "b", "url": url(2), "size_raw": None}])
    known = read_known_files(db)
    # another port, same file: the demo site listens on a new port each run
    assert set(known) == {file_key(url().replace("site.test", "site.test:8080"))}
    assert known[file_key(url())].sha256 == sha(PDF)
    assert read_known_files(tmp_path / "missing.sqlite") == {}


def test_a_file_matching_the_archive_is_cached_without_a_request(
    make_pipeline, tmp_path: Path
) -> None:
    archive_with(tmp_path, [stored_entry(PDF)])
    pipeline = make_pipeline()
    target = put(pipeline, hashed_path(url(), "a.pdf"), PDF)
    before = target.stat().st_mtime_ns
    item = process(pipeline, article(("a.pdf", url())))
    entry = item.attachments[0]
    assert engine(pipeline).requests == []
    assert entry["status"] == "cached"
    assert (entry["sha256"], entry["bytes"]) == (sha(PDF), len(PDF))
    assert entry["content_type"] == "application/pdf"  # as the archive recorded it
    assert entry["path"] == "files/" + hashed_path(url(), "a.pdf")
    assert target.stat().st_mtime_ns == before
    assert stats(pipeline)["newszone/files/cached"] == 1


@pytest.mark.parametrize(
    "damage",
    ["truncated", "same_size_other_bytes", "missing", "empty"],
)
def test_a_damaged_file_is_fetched_again_and_fixed(
    make_pipeline, tmp_path: Path, damage: str
) -> None:
    archive_with(tmp_path, [stored_entry(PDF)])
    pipeline = make_pipeline()
    on_disk_now = {
        "truncated": PDF[: len(PDF) // 2],  # a run killed half-way through a non-atomic write
        "same_size_other_bytes": bytes(len(PDF)),
        "empty": b"",
    }
    target = pipeline.files_store.root / hashed_path(url(), "a.pdf")
    if damage in on_disk_now:
        put(pipeline, hashed_path(url(), "a.pdf"), on_disk_now[damage])
    engine(pipeline).serve(url(), body=PDF)
    item = process(pipeline, article(("a.pdf", url())))
    assert [r.url for r in engine(pipeline).requests] == [url()]
    assert item.attachments[0]["status"] == "downloaded"
    assert target.read_bytes() == PDF
    assert stats(pipeline)["newszone/files/mismatch"] == 1


def test_a_file_on_disk_unknown_to_the_archive_is_not_trusted(make_pipeline) -> None:
    pipeline = make_pipeline()  # no archive at all
    put(pipeline, hashed_path(url(), "a.pdf"), b"planted by someone")
    engine(pipeline).serve(url(), body=PDF)
    item = process(pipeline, article(("a.pdf", url())))
    assert item.attachments[0]["status"] == "downloaded"
    assert on_disk(pipeline, item.attachments[0]["path"]).read_bytes() == PDF


def test_a_failed_row_in_the_archive_is_fetched_again(make_pipeline, tmp_path: Path) -> None:
    archive_with(tmp_path, [{"name": "a.pdf", "url": url(), "size_raw": None,
                             "status": "failed", "error": "HTTP 503"}])
    pipeline = make_pipeline()
    engine(pipeline).serve(url(), body=PDF)
    item = process(pipeline, article(("a.pdf", url())))
    assert item.attachments[0]["status"] == "downloaded"
    assert item.attachments[0]["error"] is None


# -- real crawls of the demo site ------------------------------------------------------------


def crawl(folder: Path, *args: str, out: str) -> CrawlResult:
    """``scrapy crawl newszone -a demo=1`` with the archive and every output under ``folder``
    (``conftest.run_crawl`` puts FILES_STORE at ``folder/files``)."""
    return run_crawl(folder, "-a", "demo=1", *args, out=out)


def files_dir(result: CrawlResult) -> Path:
    """The FILES_STORE the crawl used, as the pipeline logged it."""
    match = re.search(r"Attachment files go to (.+?) \(limit", result.log)
    assert match, result.log[-3000:]
    return Path(match.group(1))


SITE = DemoSite(MAX_ARTICLES)  # an article is the same whatever the count: serves them all


def served(link: str) -> tuple[bytes, str | None]:
    """The bytes and Content-Type the demo site serves for an attachment URL (no network)."""
    parts = urlsplit(link)
    response = SITE.get(f"{parts.path}?{parts.query}")
    assert response.status == 200, link
    return response.body, response.header("Content-Type")


def copy_run(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.lock"), dirs_exist_ok=True)
    return target


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CrawlResult]:
    folder = tmp_path_factory.mktemp("files_first")
    result = crawl(folder, out="first.jsonl")
    assert result.returncode == 0, result.log[-3000:]
    return folder, result


def attachments_of(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for record in records for entry in record["attachments"]]


def test_demo_crawl_stores_every_attachment_with_the_served_bytes(first_run) -> None:
    folder, result = first_run
    files = files_dir(result).resolve()
    assert files.is_relative_to(folder.resolve())
    entries = attachments_of(result.records)
    truth = [a for t in DemoSite().iter_truth() for a in t["attachments"]]
    assert len(entries) == len(truth) > 50
    for entry in entries:
        body, content_type = served(entry["url"])
        assert entry["status"] == "downloaded", entry
        assert entry["error"] is None
        assert entry["sha256"] == sha(body), entry["url"]
        assert entry["bytes"] == len(body)
        assert entry["content_type"] == content_type
        assert STORE_PATH.fullmatch(entry["path"]), entry["path"]
        stored = (files.parent / entry["path"]).resolve()  # relative to FILES_STORE's parent
        assert stored.is_relative_to(files)
        assert stored.read_bytes() == body
    every_file = [p for p in files.rglob("*") if p.is_file()]
    assert len(every_file) == len({e["path"] for e in entries})  # nothing else, no .part
    assert stat(result, "newszone/files/downloaded") == len(entries)
    assert stat(result, "newszone/files/failed") == 0
    summary = rf"Attachment files: {len(entries)} downloaded \(\d+ bytes\), 0 cached"
    assert re.search(summary, result.log)
    rows = sqlite3.connect(folder / "newszone.sqlite").execute(
        "SELECT status, count(*), sum(sha256 IS NOT NULL) FROM attachments GROUP BY status"
    ).fetchall()
    assert rows == [("downloaded", len(entries), len(entries))]


def test_demo_rerun_with_nothing_new_downloads_nothing(first_run, tmp_path: Path) -> None:
    folder = copy_run(first_run[0], tmp_path)
    files = tmp_path / files_dir(first_run[1]).relative_to(first_run[0])
    before = {p: p.stat().st_mtime_ns for p in files.rglob("*")}
    again = crawl(folder, out="again.jsonl")
    assert again.returncode == 0, again.log[-3000:]
    assert again.records == []
    assert stat(again, "downloader/request_count") == 4  # robots.txt and one page per board
    for outcome in ("downloaded", "cached", "failed"):
        assert stat(again, f"newszone/files/{outcome}") == 0
    assert files_dir(again) == files
    assert {p: p.stat().st_mtime_ns for p in files.rglob("*")} == before


def test_demo_files_damaged_on_disk_are_fetched_again_and_fixed(first_run, tmp_path: Path) -> None:
    folder = copy_run(first_run[0], tmp_path)
    entries = attachments_of(first_run[1].records)
    output = tmp_path / files_dir(first_run[1]).parent.relative_to(first_run[0])
    cut, swapped, lost = (output / e["path"] for e in entries[:3])
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])  # killed half-way
    swapped.write_bytes(bytes(swapped.stat().st_size))  # same size, other bytes
    lost.unlink()
    (cut.parent / f".{cut.name}.x1y2z3.part").write_bytes(b"left by a killed write")
    again = crawl(folder, "-a", "mode=full", out="again.jsonl")
    assert again.returncode == 0, again.log[-3000:]
    assert stat(again, "newszone/files/downloaded") == 3
    assert stat(again, "newszone/files/mismatch") == 3
    assert stat(again, "newszone/files/cached") == len(entries) - 3
    assert files_dir(again).parent == output
    for entry in entries:
        assert (output / entry["path"]).read_bytes() == served(entry["url"])[0]


@pytest.fixture(scope="module")
def too_large_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, CrawlResult, CrawlResult]:
    folder = tmp_path_factory.mktemp("files_too_large")
    first = crawl(folder, "-s", "NEWSZONE_FILES_MAXSIZE=300000", out="first.jsonl")
    second = crawl(folder, "-a", "mode=full", out="second.jsonl")
    assert (first.returncode, second.returncode) == (0, 0), second.log[-3000:]
    return folder, first, second


def test_demo_too_large_files_are_recorded_failed_and_fetched_by_a_later_run(
    too_large_runs,
) -> None:
    folder, first, second = too_large_runs
    entries = attachments_of(first.records)
    failed = [e for e in entries if e["status"] == "failed"]
    assert failed and len(failed) < len(entries)
    for entry in entries:
        size = len(served(entry["url"])[0])
        if size > 300_000:
            assert entry["status"] == "failed"
            assert entry["error"].startswith("too large: ")
            assert entry["sha256"] is entry["path"] is entry["bytes"] is None
        else:
            assert entry["status"] == "downloaded"
    assert stat(first, "newszone/files/failed") == len(failed)
    assert stat(first, "newszone/files/failed/too_large") == len(failed)
    # the next run that sees these articles fetches exactly the failed files
    assert stat(second, "newszone/files/downloaded") == len(failed)
    assert stat(second, "newszone/files/cached") == len(entries) - len(failed)
    assert stat(second, "newszone/files/failed") == 0


def test_demo_archive_shows_the_retried_files_as_downloaded(too_large_runs) -> None:
    folder, first, _ = too_large_runs
    failed = [e["url"] for e in attachments_of(first.records) if e["status"] == "failed"]
    rows = sqlite3.connect(folder / "newszone.sqlite").execute(
        "SELECT status, error, sha256 IS NOT NULL FROM attachments"
        f" WHERE url IN ({', '.join('?' * len(failed))})",
        failed,
    ).fetchall()
    assert rows == [("downloaded", None, 1)] * len(failed)


def test_demo_crawl_killed_mid_run_then_rerun_leaves_only_verified_files(tmp_path: Path) -> None:
    """SIGKILL while files are being written: the re-run completes the archive, and every file
    the archive names is complete and has the bytes the site serves."""
    articles = "600"
    db = tmp_path / "newszone.sqlite"
    files = tmp_path / "files"
    crawl_args = [
        "-a", "demo=1", "-a", f"demo_articles={articles}", "-s", "NEWSZONE_DB_BATCH=10",
        "-s", "NEWSZONE_WARC_ENABLED=0",
    ]  # fmt: skip
    killed = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "newszone", *crawl_args,
         "-s", f"NEWSZONE_DB={db}", "-s", f"FILES_STORE={files}",
         "-s", f"NEWSZONE_MANIFEST_DIR={tmp_path / 'manifests'}", "-O", str(tmp_path / "bg.jsonl")],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and killed.poll() is None:
            written = sum(1 for p in files.rglob("*") if p.is_file()) if files.exists() else 0
            if written >= 40:
                break
            time.sleep(0.02)
        assert killed.poll() is None, "the crawl ended before it could be killed"
        os.kill(killed.pid, signal.SIGKILL)
    finally:
        killed.kill()
        killed.wait(timeout=30)
    if db.exists():  # the kill came mid-run: the archive is not complete
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] < int(articles)
    again = run_crawl(tmp_path, *crawl_args, out="again.jsonl")
    assert again.returncode == 0, again.log[-3000:]
    conn = sqlite3.connect(db)
    stored = {row[0] for row in conn.execute("SELECT id FROM articles")}
    assert stored == set(DemoSite(int(articles)).all_ids())
    rows = conn.execute("SELECT url, sha256, bytes, path, status FROM attachments").fetchall()
    assert len(rows) > 100
    for link, digest, size, path, status in rows:
        assert status == "downloaded", (link, status)
        body = served(link)[0]
        assert (digest, size) == (sha(body), len(body)), link
        assert (files.parent / path).read_bytes() == body, path
    named = {files.parent / row[3] for row in rows}
    leftovers = {p for p in files.rglob("*") if p.is_file()} - named
    assert all(p.name.startswith(".") and p.suffix == ".part" for p in leftovers), leftovers
