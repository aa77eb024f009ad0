"""Every record of a demo crawl passes a JSON Schema generated from the ``Article`` item."""

from __future__ import annotations

import types
import typing
from typing import Any

import jsonschema
import pytest
from itemadapter import ItemAdapter

from newszone_crawler.items import Article, CapturedImage, StoredAttachment
from newszone_crawler.normalize.bylines import Author
from newszone_crawler.normalize.copyright import Copyright
from newszone_crawler.settings import FEED_EXPORT_FIELDS, NEWSZONE_REQUIRED_FIELDS

from .conftest import CrawlResult

JSON_TYPES = {str: "string", int: "integer", bool: "boolean", float: "number", type(None): "null"}


def typed_dict_schema(cls: type) -> dict[str, Any]:
    """A strict object schema from a TypedDict's annotations (itemadapter leaves them open)."""
    properties = {}
    for name, hint in typing.get_type_hints(cls).items():
        args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        properties[name] = {"type": [JSON_TYPES[a] for a in args]}
    required = sorted(getattr(cls, "__required_keys__", properties))
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False}


def record_schema() -> dict[str, Any]:
    schema = ItemAdapter.get_json_schema(Article)
    props = schema["properties"]
    props["images"]["items"] = typed_dict_schema(CapturedImage)
    props["authors"]["items"] = typed_dict_schema(Author)
    props["attachments"]["items"] = typed_dict_schema(StoredAttachment)
    props["attachments"]["items"]["properties"]["status"]["enum"] = [
        "downloaded", "cached", "failed"]
    props["copyright"] = {"anyOf": [{"type": "null"}, typed_dict_schema(Copyright)]}
    props["authors"]["items"]["properties"]["role"]["enum"] = ["reporter", "translator", "photographer"]
    props["published"] = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    props["content_hash"] = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
    schema["required"] = list(dict.fromkeys([*NEWSZONE_REQUIRED_FIELDS, *FEED_EXPORT_FIELDS]))
    for name in NEWSZONE_REQUIRED_FIELDS:
        if name != "body":  # a photo post may have only its photos
            props[name]["type"] = "string"
            props[name]["minLength"] = 1
    return schema


def test_schema_rejects_a_broken_record() -> None:
    validator = jsonschema.Draft202012Validator(record_schema())
    broken = {key: None for key in FEED_EXPORT_FIELDS} | {"authors": [{"name": "X"}]}
    assert not validator.is_valid(broken)


def test_every_demo_record_passes_the_schema(demo_crawl: CrawlResult) -> None:
    validator = jsonschema.Draft202012Validator(record_schema())
    assert demo_crawl.records
    errors = [
        f"{record.get('id')}: {error.message}"
        for record in demo_crawl.records
        for error in validator.iter_errors(record)
    ]
    assert errors == []


@pytest.mark.parametrize("field", ["authors", "copyright", "attachments"])
def test_demo_records_carry_normalized_fields(demo_crawl: CrawlResult, field: str) -> None:
    assert any(record[field] for record in demo_crawl.records)
