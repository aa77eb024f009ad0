"""The CSV export beside the JSON lines (issue 14, item 5): the same records, one consistent
state, described by the same ``datapackage.json`` and valid for ``frictionless``."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import frictionless
import pytest
import sqlite_utils

from newszone_crawler.exporters.dataset import RECORD_FIELDS, export_jsonl, write_datapackage
from newszone_crawler.exporters.sqlite_store import ArchiveStore

from .conftest import ROOT
from .test_sqlite_store import T1, T2, make_record

JSON_TYPES = {f.name for f in RECORD_FIELDS if f.type in ("array", "object")}


@pytest.fixture
def store() -> ArchiveStore:
    store = ArchiveStore(sqlite_utils.Database(memory=True))
    store.store(
        [make_record(1, body='Quotes "here", commas, and\nnew lines'),
         make_record(2, copyright=None, authors=[], title_truncated=None)],
        "run-1", T1,
    )
    store.mark_gone("O_2", T2)
    return store


def write(store: ArchiveStore, out: Path) -> Path:
    export_jsonl(store, out / "data" / "articles.jsonl", out / "data" / "articles.csv")
    return write_datapackage(out / "data" / "articles.jsonl", out, out / "data" / "articles.csv")


def test_csv_holds_the_records_of_the_jsonl(store: ArchiveStore, tmp_path: Path) -> None:
    write(store, tmp_path)
    records = [json.loads(line) for line in
               (tmp_path / "data" / "articles.jsonl").read_text("utf-8").splitlines()]
    with (tmp_path / "data" / "articles.csv").open(encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    assert [f.name for f in RECORD_FIELDS] == list(table[0])
    assert len(table) == len(records) == 2
    for row, record in zip(table, records, strict=True):
        for name, cell in row.items():
            value = record[name]
            if value is None:
                assert cell == "", name
            elif name in JSON_TYPES:
                assert json.loads(cell) == value, name
            elif isinstance(value, bool):
                assert cell == str(value).lower(), name
            else:
                assert cell == str(value), name


def test_one_package_describes_both_and_is_valid(store: ArchiveStore, tmp_path: Path) -> None:
    package = write(store, tmp_path)
    descriptor = json.loads(package.read_text("utf-8"))
    assert [(r["name"], r["path"], r["format"]) for r in descriptor["resources"]] == [
        ("articles", "data/articles.jsonl", "jsonl"), ("articles-csv", "data/articles.csv", "csv")]
    assert descriptor["resources"][0]["schema"] == descriptor["resources"][1]["schema"]
    report = frictionless.validate(str(package))
    assert report.flatten(["type", "note"]) == []
    assert [task.stats["rows"] for task in report.tasks] == [2, 2]


def test_csv_validation_has_teeth(store: ArchiveStore, tmp_path: Path) -> None:
    package = write(store, tmp_path)
    data = tmp_path / "data" / "articles.csv"
    data.write_text(data.read_text("utf-8").replace(",10,", ",ten,", 1), "utf-8")
    report = frictionless.validate(str(package))
    assert "type-error" in {error[0] for error in report.flatten(["type"])}


def test_export_command_writes_the_csv_beside(tmp_path: Path) -> None:
    db = tmp_path / "archive.sqlite"
    store = ArchiveStore.open(db)
    store.store([make_record(n) for n in range(1, 6)], "run-1", T1)
    store.close()
    out = tmp_path / "dataset" / "newszone.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "newszone_crawler", "export", "--jsonl", str(out), "--db", str(db)],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    table = out.with_suffix(".csv")
    assert str(table) in proc.stderr and proc.stdout == ""  # messages go to the log (stderr)
    assert len(list(csv.DictReader(table.open(encoding="utf-8", newline="")))) == 5
    assert table.stat().st_mode & 0o044
    assert frictionless.validate(str(out.parent / "datapackage.json")).valid
