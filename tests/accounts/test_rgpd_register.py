"""The register of processing (`docs/rgpd-registre.md`) lists every record type of the retention registry."""

from pathlib import Path

from django.utils import translation

from accounts.retention import record_types

REGISTER = Path(__file__).resolve().parents[2] / "docs" / "rgpd-registre.md"


def _rows() -> dict[str, list[str]]:
    """The retention table: code → (record, duration, counted from, then), as written."""
    rows = {}
    for line in REGISTER.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`") and cells[0].endswith("`"):
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_every_record_type_is_in_the_register_with_its_duration_and_rule():
    rows = _rows()
    with translation.override("fr"):
        expected = {
            record.key: [str(record.label()), record.duration_label(), str(record.counts_from()), str(record.then())]
            for record in record_types()
        }
    assert expected, "no record type registered"
    assert rows == expected
