"""Tests for ``newszone_crawler.exporters.dataset``: the JSON lines export and its data package."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import frictionless
import pytest
import sqlite_utils

from newszone_crawler.exporters.dataset import (
    RECORD_FIELDS,
    RecordField,
    export_jsonl,
    write_datapackage,
)
from newszone_crawler.exporters.sqlite_store import FEED_KEYS, RAW_KEYS, ArchiveStore
from newszone_crawler.items import Article

from .test_sqlite_store import T1, T2, exported, make_record

TYPES = {"string", "boolean", "integer", "array", "object", "date", "datetime"}


@pytest.fixture
def store() -> ArchiveStore:
    return ArchiveStore(sqlite_utils.Database(memory=True))


def test_record_fields_are_the_record_keys() -> None:
    """Fails when a key is added to ``Article`` (or the archive) without a description here."""
    keys = [f.name for f in fields(Article) if f.name not in RAW_KEYS + FEED_KEYS]
    archive = ["first_seen", "last_seen", "changed_at", "gone_at"]
    assert [f.name for f in RECORD_FIELDS] == keys + archive


@pytest.mark.parametrize("field", RECORD_FIELDS, ids=lambda f: f.name)
def test_record_field_is_described(field: RecordField) -> None:
    assert field.type in TYPES
    assert field.description.strip()
    assert field.description.endswith(".")


def test_export_round_trips(store: ArchiveStore, tmp_path: Path) -> None:
    korean = make_record(3, title="윤병노 기자", body="국방일보 본문.")
    store.store([make_record(2), make_record(1), korean], "run-1", T1)
    store.store([make_record(1, content_hash="hash-1b", views=4)], "run-2", T2)
    path = tmp_path / "out" / "articles.jsonl"
    assert export_jsonl(store, path) == 3
    lines = path.read_text("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        exported(make_record(1, content_hash="hash-1b", views=4), first_seen=T1, last_seen=T2,
                 changed_at=T2),
        exported(make_record(2), first_seen=T1, last_seen=T1),
        exported(korean, first_seen=T1, last_seen=T1),
    ]  # fmt: skip
    assert "윤병노" in lines[2]  # UTF-8, not \u escapes
    assert [list(json.loads(line)) for line in lines] == [[f.name for f in RECORD_FIELDS]] * 3
    assert sorted(p.name for p in path.parent.iterdir()) == ["articles.jsonl"]  # no temp file


def test_export_replaces_the_previous_file(store: ArchiveStore, tmp_path: Path) -> None:
    path = tmp_path / "articles.jsonl"
    path.write_text("old\n" * 10, "utf-8")
    assert export_jsonl(store, path) == 0
    assert path.read_text("utf-8") == ""


def test_failed_export_keeps_the_previous_file(
    store: ArchiveStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "articles.jsonl"
    path.write_text("old\n", "utf-8")
    store.store([make_record(1)], "run-1", T1)

    def broken() -> Iterator[dict[str, str]]:
        yield {"id": "O_1"}
        raise RuntimeError("disk gone")

    monkeypatch.setattr(store, "iter_records", broken)
    with pytest.raises(RuntimeError, match="disk gone"):
        export_jsonl(store, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["articles.jsonl"]
    assert path.read_text("utf-8") == "old\n"


def write_package(store: ArchiveStore, out: Path) -> Path:
    export_jsonl(store, out / "data" / "articles.jsonl")
    return write_datapackage(out / "data" / "articles.jsonl", out)


def test_datapackage_descriptor(store: ArchiveStore, tmp_path: Path) -> None:
    store.store([make_record(1), make_record(2)], "run-1", T1)
    descriptor = json.loads(write_package(store, tmp_path).read_text("utf-8"))
    data = (tmp_path / "data" / "articles.jsonl").read_bytes()
    resource = descriptor["resources"][0]
    assert descriptor["profile"] == "data-package"
    assert {k: v for k, v in resource.items() if k != "schema"} == {
        "name": "articles",
        "path": "data/articles.jsonl",
        "profile": "tabular-data-resource",
        "format": "jsonl",
        "mediatype": "application/jsonl",
        "encoding": "utf-8",
        "bytes": len(data),
        "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
    }
    assert resource["schema"]["fields"] == [
        {"name": f.name, "type": f.type, "description": f.description} for f in RECORD_FIELDS
    ]


def test_datapackage_is_valid(store: ArchiveStore, tmp_path: Path) -> None:
    store.store(
        [make_record(1), make_record(2, copyright=None, authors=[], title_truncated=None)],
        "run-1",
        T1,
    )
    store.mark_gone("O_2", T2)
    report = frictionless.validate(str(write_package(store, tmp_path)))
    assert report.flatten(["type", "note"]) == []
    assert report.valid
    assert report.tasks[0].stats["rows"] == 2


# what is broken in the JSON lines file after the package is written -> error types found
# (byte-count, hash-count: the file no longer matches the size and hash the package recorded)
BROKEN_CASES: list[tuple[str, str, list[str]]] = [
    ('"published": "2026-01-02"', '"published": "2026-02-31"', ["hash-count", "type-error"]),
    ('"views": 10', '"views": "ten"', ["byte-count", "hash-count", "type-error"]),
    ('"id": "O_2"', '"id": "O_1"', ["hash-count", "primary-key"]),
]


@pytest.mark.parametrize(("old", "new", "errors"), BROKEN_CASES)
def test_validation_has_teeth(
    store: ArchiveStore, tmp_path: Path, old: str, new: str, errors: list[str]
) -> None:
    store.store([make_record(1), make_record(2)], "run-1", T1)
    package = write_package(store, tmp_path)
    data = tmp_path / "data" / "articles.jsonl"
    data.write_text(data.read_text("utf-8").replace(old, new, 1), "utf-8")
    report = frictionless.validate(str(package))
    assert sorted({error[0] for error in report.flatten(["type"])}) == errors


def test_datapackage_needs_the_data_inside(tmp_path: Path) -> None:
    (tmp_path / "articles.jsonl").write_text("", "utf-8")
    with pytest.raises(ValueError, match="is not inside"):
        write_datapackage(tmp_path / "articles.jsonl", tmp_path / "package")


def test_export_command_writes_a_valid_package(tmp_path: Path) -> None:
    """`python -m newszone_crawler export` over a real archive: every article, a valid package."""
    import subprocess
    import sys

    import frictionless

    db = tmp_path / "archive.sqlite"
    store = ArchiveStore.open(db)
    store.store([make_record(n) for n in range(1, 6)], "run-1", "2026-01-01T00:00:00Z")
    store.close()
    out = tmp_path / "dataset" / "newszone.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "newszone_crawler", "export", "--jsonl", str(out), "--db", str(db)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(out.read_text("utf-8").splitlines()) == 5
    assert out.stat().st_mode & 0o044  # readable by others: it is meant to be published
    assert frictionless.validate(str(out.parent / "datapackage.json")).valid
    missing = subprocess.run(
        [sys.executable, "-m", "newszone_crawler", "export", "--jsonl", str(out),
         "--db", str(tmp_path / "none.sqlite")], capture_output=True, text=True, check=False)
    assert missing.returncode == 1 and "no archive" in missing.stderr
