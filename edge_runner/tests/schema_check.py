"""A small JSON Schema validator for docs/protocol/schemas (a test helper, not a test module).

The runner depends on aiomqtt only and `jsonschema` is not installed in the
test environments, so the protocol tests use this subset of draft 2020-12:
`type`, `const`, `enum`, `pattern`, `minimum`/`maximum`, `minLength`/
`maxLength`, `minItems`/`maxItems`, `items`, `properties`, `required`,
`additionalProperties`, and `$ref` to another schema file of the directory.
A schema using any other keyword is refused (so nothing is silently skipped).
Works on Python 3.10 (the edge runner's unit tests also run there).
"""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "protocol" / "schemas"
EXAMPLES = SCHEMAS.parent / "examples"
ANNOTATIONS = frozenset(
    {"$schema", "$comment", "title", "description", "default", "examples"}
)
KEYWORDS = frozenset(
    {
        "type",
        "const",
        "enum",
        "pattern",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "items",
        "properties",
        "required",
        "additionalProperties",
        "$ref",
    }
)
_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")


class SchemaError(Exception):
    """A schema uses something this validator does not implement."""


def load_schemas(root: Path = SCHEMAS) -> dict[str, dict[str, Any]]:
    """Return every schema of `root` by file name (`spawn.json`: {...})."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(root.glob("*.json"))
    }


def load_examples(root: Path = EXAMPLES) -> dict[str, dict[str, Any]]:
    """Return every example wrapper by stem (`spawn-builtin`: {...})."""
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(root.glob("*.json"))
    }


def check_schema(schema: Any, schemas: dict[str, Any], where: str = "") -> None:
    """Raise SchemaError for unknown keywords, types or `$ref`s (recursively)."""
    if not isinstance(schema, dict):
        raise SchemaError(f"{where or '<root>'}: a schema must be an object")
    unknown = set(schema) - KEYWORDS - ANNOTATIONS
    if unknown:
        raise SchemaError(
            f"{where or '<root>'}: unsupported keyword(s) {sorted(unknown)}"
        )
    types = schema.get("type", [])
    for name in types if isinstance(types, list) else [types]:
        if name not in _TYPES:
            raise SchemaError(f"{where}: unknown type {name!r}")
    if "$ref" in schema and schema["$ref"] not in schemas:
        raise SchemaError(f"{where}: $ref {schema['$ref']!r} is not a schema file")
    if "pattern" in schema:
        re.compile(schema["pattern"])
    for key, sub in schema.get("properties", {}).items():
        check_schema(sub, schemas, f"{where}.{key}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            check_schema(schema[key], schemas, f"{where}[{key}]")


def validate(instance: Any, schema: Any, schemas: dict[str, Any]) -> list[str]:
    """Return the errors of `instance` against `schema` (a dict or a file name); [] when valid."""
    if isinstance(schema, str):
        schema = schemas[schema]
    errors: list[str] = []
    _validate(instance, schema, schemas, "$", errors)
    return errors


def _same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, 1 equals 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _is_type(value: Any, name: str) -> bool:
    checks = {
        "null": value is None,
        "boolean": isinstance(value, bool),
        "integer": (isinstance(value, int) and not isinstance(value, bool))
        or (isinstance(value, float) and value.is_integer()),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }
    return checks[name]


def _validate(  # noqa: C901, PLR0912 - one branch per keyword
    value: Any,
    schema: dict[str, Any],
    schemas: dict[str, Any],
    path: str,
    errors: list[str],
) -> None:
    if "$ref" in schema:
        _validate(value, schemas[schema["$ref"]], schemas, path, errors)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, name) for name in types):
            errors.append(f"{path}: expected {' or '.join(types)}, got {value!r:.60}")
            return
    if "const" in schema and not _same(value, schema["const"]):
        errors.append(f"{path}: must be {schema['const']!r}")
    if "enum" in schema and not any(_same(value, item) for item in schema["enum"]):
        errors.append(f"{path}: {value!r:.60} is not one of {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: {value!r:.60} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{path}: longer than {schema['maxLength']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: above {schema['maximum']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{path}: more than {schema['maxItems']} items")
        if isinstance(schema.get("items"), dict):
            for index, item in enumerate(value):
                _validate(item, schema["items"], schemas, f"{path}[{index}]", errors)
    if isinstance(value, dict):
        errors.extend(
            f"{path}: missing {key!r}"
            for key in schema.get("required", [])
            if key not in value
        )
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                _validate(item, properties[key], schemas, f"{path}.{key}", errors)
            elif extra is False:
                errors.append(f"{path}: unexpected property {key!r}")
            elif isinstance(extra, dict):
                _validate(item, extra, schemas, f"{path}.{key}", errors)


def example_errors(example: dict[str, Any], schemas: dict[str, Any]) -> list[str]:
    """Validate one example wrapper: `schema` names the message's schema.

    For a signed control message (`signed: true`) the message is an envelope
    and `schema` is that of its `payload`; the signing vector carries its
    envelope under `envelope`.
    """
    name = example["schema"]
    if "envelope" in example:  # the signing vector
        message = example["envelope"]
    else:
        message = example["message"]
    if example.get("signed") is True or "envelope" in example:
        errors = validate(message, "envelope.json", schemas)
        return errors + validate(message.get("payload"), name, schemas)
    return validate(message, name, schemas)
