"""Independent check of the committed JSON Schemas: every shipped manifest and rubric must
validate against the schema its `#:schema` line names (as an editor would load it), using
Python's jsonschema rather than posture's own validator; and schema-level broken fixtures must
be rejected. Run by .ci/run."""

import datetime
import glob
import json
import math
import os
import sys
import tomllib

from jsonschema import Draft202012Validator, FormatChecker

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Fixtures whose fault a JSON Schema can see (the others are semantic: posture's own checks).
SCHEMA_BROKEN = [
    "typo-key", "unknown-table", "bad-enum", "wrong-type", "negative-tvl", "not-kebab-id",
    "bad-semver", "missing-protocol", "monitoring-level-typo", "negative-threshold",
    "datetime-not-date", "bad-date", "nan-tvl", "inf-payout",
]


def plain(value):
    """TOML values as the JSON an editor's TOML plugin hands a schema: dates become text."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def validator(schema_path):
    with open(schema_path) as f:
        return Draft202012Validator(json.load(f), format_checker=FormatChecker())


def directive(path):
    with open(path) as f:
        first = f.readline().strip()
    if not first.startswith("#:schema "):
        return None
    return os.path.normpath(os.path.join(os.path.dirname(path), first[len("#:schema "):]))


def main():
    failures = []
    shipped = sorted(
        glob.glob(f"{ROOT}/protocols/*.toml")
        + glob.glob(f"{ROOT}/rubrics/*.toml")
        + glob.glob(f"{ROOT}/examples/**/*.toml", recursive=True)
        + [f"{ROOT}/tests/fixtures/best-practice.toml"]
    )
    for path in shipped:
        schema = directive(path)
        if schema is None:
            failures.append(f"{path}: no #:schema directive")
            continue
        with open(path, "rb") as f:
            doc = plain(tomllib.load(f))
        errors = sorted(validator(schema).iter_errors(doc), key=lambda e: list(e.path))
        for e in errors[:5]:
            failures.append(f"{path}: {'/'.join(map(str, e.path))}: {e.message}")
    manifest = validator(f"{ROOT}/schemas/manifest.schema.json")
    for name in SCHEMA_BROKEN:
        path = f"{ROOT}/tests/fixtures/bad/{name}.toml"
        try:
            with open(path, "rb") as f:
                doc = plain(tomllib.load(f))
        except tomllib.TOMLDecodeError:
            continue
        if not list(manifest.iter_errors(doc)):
            failures.append(f"{path}: the manifest schema accepts a broken fixture")
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print(f"schemas: {len(shipped)} shipped files valid, {len(SCHEMA_BROKEN)} broken fixtures rejected")


if __name__ == "__main__":
    main()
