"""`python manage.py bpf --year Y [--format json|table]`: the pre-filled Bilan pédagogique et financier.

The figures and the JSON keys are those of `evaluations.reports.bpf` (see its docstring); the table
is for people: French numbers, one block per cadre of the cerfa 10443, then what to complete
before filing it in Mon Activité Formation.
"""

import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import formats, translation
from django.utils.translation import gettext as _

from ...reports import year_parse
from ...reports.bpf import bpf_for_year

ITEMS_SHOWN = 10  # items named under a missing piece in the table (the JSON lists them all)


class Command(BaseCommand):
    help = (
        "Print the Bilan pédagogique et financier (cerfa 10443) of an accounting year, pre-filled: income by "
        "origin (C), trainers (E), trainees by type, objective and speciality with their hours (F-1, F-3, F-4), "
        "and what is missing to complete it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="The accounting year (calendar year), e.g. 2025.")
        parser.add_argument("--format", choices=("json", "table"), default="table", help="Output format.")

    def handle(self, *args, **options):
        with translation.override("fr"):
            try:
                year = year_parse(options["year"])
            except ValueError as error:
                raise CommandError(str(error)) from None
            data = bpf_for_year(year=year)
            if options["format"] == "json":
                self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            else:
                self.stdout.write(table_render(data))


# The readable table
# ------------------------------------------------------------------------------


def _whole(value: int) -> str:
    return formats.number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def _hours(value: float) -> str:
    number = Decimal(str(value)).quantize(Decimal("0.01")).normalize()
    decimals = max(0, -number.as_tuple().exponent)
    return formats.number_format(number, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _euros(value: float) -> str:
    return formats.number_format(Decimal(str(value)), decimal_pos=2, use_l10n=True, force_grouping=True) + "\u00a0€"


def _block(title: str, headings: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """A titled block: a label column, then right-aligned figure columns (or, without headings, a text)."""
    width = max(len(row[0]) for row in rows) + 2
    if not headings:
        return ["", title, *(f"  {label:<{width}}{value}" for label, value in rows)]
    columns = [
        max(12, len(heading) + 2, *(len(row[index + 1]) + 2 for row in rows)) for index, heading in enumerate(headings)
    ]
    lines = ["", title]
    if headings:
        lines.append(
            "  " + " " * width + "".join(f"{heading:>{size}}" for heading, size in zip(headings, columns, strict=True))
        )
    for label, *values in rows:
        lines.append(
            "  "
            + f"{label:<{width}}"
            + "".join(f"{value:>{size}}" for value, size in zip(values, columns, strict=True))
        )
    return lines


def _line_label(line: str | None, label: str) -> str:
    return f"{line}. {label}" if line else label


def table_render(data: dict) -> str:
    """The BPF as text, cadre by cadre, in French."""
    identification = data["identification"]
    lines = [
        _("Bilan pédagogique et financier %(year)s") % {"year": data["year"]},
        _(
            "Accounting year from 1 January to 31 December %(year)s; trainees and hours of the sessions held whose first day is in the year."
        )
        % {"year": data["year"]},
    ]
    nda = identification["nda_number"]
    if nda and identification["nda_region"]:
        nda = f"{nda} ({identification['nda_region']})"
    address = ", ".join(
        part
        for part in (identification["address"], f"{identification['postcode']} {identification['city']}".strip())
        if part
    )
    lines += _block(
        _("A-B. Identification"),
        (),
        [
            (_("Name"), identification["name"] or "—"),
            (_("Activity declaration number"), nda or "—"),
            (_("SIRET"), identification["siret"] or "—"),
            (_("Address"), address or "—"),
        ],
    )
    income = data["income"]
    lines += _block(
        _("C. Origin of the income of the year (excluding tax)"),
        (_("Amount"),),
        [
            *((row["label"], _euros(row["amount"])) for row in income["lines"]),
            (_("of which OPCO (lines 2)"), _euros(income["opco_total"])),
            (_("Total"), _euros(income["total"])),
        ],
    )
    trainers = data["trainers"]
    lines += _block(
        _("E. People who gave the training"),
        (_("People"), _("Hours")),
        [
            (_("Internal trainers"), _whole(trainers["internal"]["trainers"]), _hours(trainers["internal"]["hours"])),
            (_("External trainers"), _whole(trainers["external"]["trainers"]), _hours(trainers["external"]["hours"])),
            (_("Total"), _whole(trainers["total"]["trainers"]), _hours(trainers["total"]["hours"])),
        ],
    )
    for key, title in (
        ("trainee_types", _("F-1. Trainees by type")),
        ("objectives", _("F-3. General objective of the trainings")),
        ("specialities", _("F-4. Training specialities (NSF)")),
    ):
        section = data[key]
        rows = []
        for row in section["lines"]:
            if key == "specialities":
                label = f"{row['nsf_code']} {row['label']}" if row["nsf_code"].isdigit() else row["label"]
            else:
                label = _line_label(row["line"], row["label"])
            rows.append((label, _whole(row["trainees"]), _hours(row["hours"])))
        rows.append((_("Total"), _whole(section["total"]["trainees"]), _hours(section["total"]["hours"])))
        if key == "trainee_types":
            distance = section["distance"]
            rows.append(
                (
                    _("of which in whole or in part at a distance"),
                    _whole(distance["trainees"]),
                    _hours(distance["hours"]),
                )
            )
        lines += _block(title, (_("Trainees"), _("Hours")), rows)

    lines += ["", _("To complete before filing") + f" ({len(data['missing'])})"]
    if not data["missing"]:
        lines.append("  " + _("Nothing: every figure above can be filed as it is."))
    for item in data["missing"]:
        lines.append(f"  • {item['message']}")
        lines.append(f"    → {item['where']}")
        for name in item["items"][:ITEMS_SHOWN]:
            lines.append(f"      {name}")
        hidden = len(item["items"]) - ITEMS_SHOWN
        if hidden > 0:
            lines.append("      " + _("… and %(count)s more (see --format json)") % {"count": hidden})
    lines += ["", _("Not computed by the system:")]
    lines += [f"  {item['cadre']}: {item['reason']}" for item in data["not_computed"]]
    return "\n".join(lines)
