"""The spec's example workbook, imported by `import_history`, then counted by `indicators --year Y --format json`.

`historical-workbook-example.expected.json` is a subset of the keys, in the same shape; its rates are
rounded to 3 decimals and its day averages to 2, while the command prints them unrounded.
"""

import io
import json
from pathlib import Path

import pandas  # noqa: F401  imported before any frozen clock: importing it under freezegun crashes the interpreter
import pytest

from django.core.management import call_command

pytestmark = pytest.mark.django_db

# A copy of `shared/examples/` (the sample workbook and its expected figures), kept with the tests.
EXAMPLES = Path(__file__).resolve().parent / "examples"
WORKBOOK = EXAMPLES / "historical-workbook-example.xlsx"
EXPECTED = EXAMPLES / "historical-workbook-example.expected.json"


def assert_matches(expected, actual, path: str = "") -> None:
    """Every key of `expected` is in `actual` with the same value (floats at the precision `expected` gives)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), path
        for key, value in expected.items():
            assert key in actual, f"{path}.{key} missing"
            assert_matches(value, actual[key], f"{path}.{key}")
    elif isinstance(expected, float):
        digits = 2 if path.startswith(".avg_duration_days") else 3
        assert actual is not None and round(actual, digits) == expected, f"{path}: {actual} ≠ {expected}"
    else:
        assert actual == expected, f"{path}: {actual} ≠ {expected}"


def test_the_example_workbook_gives_the_expected_indicators(catalogue):
    expected = json.loads(EXPECTED.read_text())
    call_command("import_history", str(WORKBOOK), stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()

    call_command("indicators", "--year", str(expected["year"]), "--format", "json", stdout=out)

    data = json.loads(out.getvalue())
    assert_matches(expected, data)
    assert data["trainees"] == 40 and data["distinct_trainees"] == 35
    assert data["hot"]["response_rate"] is None  # imported history: no invitation, no response rate
