"""Reports for funders and regulators, built on the yearly indicators (`evaluations.indicators`).

- `drapps`: the ARS report on the Drapps programme (data), written as XLSX (`drapps_xlsx`) or
  PDF (`drapps_pdf`, with the bar charts of `charts`): `manage.py drapps_report`.
- `bpf`: the pre-filled Bilan pédagogique et financier (cerfa 10443): `manage.py bpf`.

Each report is one function returning plain data (dicts, lists, numbers, strings, dates); the
outputs only lay it out. Trainees, hours and held sessions are those of the indicators: the
reports reuse their querysets and frames, never a counting rule of their own.
"""

import pandas as pd

from django.utils.translation import gettext as _

MIN_YEAR, MAX_YEAR = 1970, 2100


def year_parse(raw) -> int:
    """A year given on the command line; ValueError with a French message when it is not one."""
    try:
        year = int(str(raw).strip())
    except ValueError:
        year = None
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(
            _("The year must be a number between %(min)s and %(max)s, for example 2025 (got %(value)r).")
            % {"min": MIN_YEAR, "max": MAX_YEAR, "value": raw}
        )
    return year


def rows_frame(rows, columns: list[str], *, integers: tuple[str, ...] = ()) -> pd.DataFrame:
    """A DataFrame of `values_list()` rows, the `integers` columns typed even when there is no row
    (so that merges on them work on an empty year too)."""
    frame = pd.DataFrame.from_records(list(rows), columns=columns)
    return frame.astype(dict.fromkeys(integers, "int64"))
