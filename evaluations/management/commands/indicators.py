"""`python manage.py indicators --year Y [--format json|table]`: the yearly indicators.

The figures and their definitions are those of `evaluations.indicators` (DESIGN.md §4): the JSON
object holds at least the documented keys, rates as unrounded fractions; the table is for people.
"""

import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import Department
from cms.models import CoursePage, Theme
from training.choices import Funding
from training.models import Trainer
from training.templatetags.training_tags import hours, percent

from ...indicators import IndicatorFilters, indicators_for_year

MIN_YEAR, MAX_YEAR = 1970, 2100


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class Command(BaseCommand):
    help = (
        "Print the indicators of a year: sessions held, trainees, hours, durations, fill rate, satisfaction and "
        "six-month results, by département, theme, sector and socio-professional category. A session counts in "
        "the year of its first day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="Year of the sessions' first day, e.g. 2025.")
        parser.add_argument("--format", choices=("json", "table"), default="table", help="Output format.")
        parser.add_argument("--funding", choices=Funding.values, default="", help="Only sessions of this funding.")
        parser.add_argument("--department", default="", help="Only sessions in this département (code, e.g. 09).")
        parser.add_argument("--theme", default="", help="Only courses of this theme (slug).")
        parser.add_argument("--course", type=int, help="Only sessions of this course (page id).")
        parser.add_argument("--trainer", type=int, help="Only sessions of this trainer (id).")

    def handle(self, *args, **options):
        year = self._year(options["year"])
        filters = IndicatorFilters(
            funding=options["funding"],
            department=self._department(options["department"]),
            theme=self._theme(options["theme"]),
            course=self._exists(CoursePage, options["course"], _("No course has the id %(id)s.")),
            trainer=self._exists(Trainer, options["trainer"], _("No trainer has the id %(id)s.")),
        )
        data = indicators_for_year(year=year, filters=filters)
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))
        else:
            self.stdout.write(table_render(data))

    def _year(self, raw) -> int:
        try:
            year = int(str(raw).strip())
        except ValueError:
            year = None
        if year is None or not MIN_YEAR <= year <= MAX_YEAR:
            raise CommandError(
                _("The year must be a number between %(min)s and %(max)s, for example 2025 (got %(value)r).")
                % {"min": MIN_YEAR, "max": MAX_YEAR, "value": raw}
            )
        return year

    def _department(self, raw: str) -> str:
        code = raw.strip()
        if not code:
            return ""
        if code.isdigit() and len(code) == 1:  # "9" is how spreadsheets write "09"
            code = code.zfill(2)
        if not Department.objects.filter(code=code).exists():
            raise CommandError(_("No département has the code %(code)s.") % {"code": raw})
        return code

    def _exists(self, model, pk: int | None, message: str) -> int | None:
        if pk is not None and not model.objects.filter(pk=pk).exists():
            raise CommandError(message % {"id": pk})
        return pk

    def _theme(self, raw: str) -> str:
        slug = raw.strip()
        if slug and not Theme.objects.filter(slug=slug).exists():
            raise CommandError(_("No theme has the code %(code)s.") % {"code": raw})
        return slug


# The readable table
# ------------------------------------------------------------------------------

LABEL_WIDTH = 44


def _number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return hours(Decimal(str(round(value, 2))))
    return formats.number_format(value, force_grouping=True)


def _rate(value) -> str:
    return "—" if value is None else percent(value)


def _line(label: str, value: str, indent: int = 0) -> str:
    label = " " * indent + label
    return f"{label:<{LABEL_WIDTH}}{value:>12}"


def _survey_line(label: str, rate, n: int, response_rate=None) -> str:
    details = _("%(n)s respondents") % {"n": n}
    if response_rate is not None:
        details += ", " + _("response rate %(rate)s") % {"rate": percent(response_rate)}
    return f"{_line(label, _rate(rate))}  ({details})"


def _breakdown_table(title: str, rows: list[dict]) -> list[str]:
    lines = ["", title]
    if not rows:
        return [*lines, "  " + _("none")]
    width = max(len(row["label"]) for row in rows) + 2
    sessions, trainees, hours = _("Sessions"), _("Trainees"), _("Hours")
    header = f"  {'':<{width}}{sessions:>10}{trainees:>12}{hours:>12}"
    lines.append(header)
    for row in rows:
        lines.append(
            f"  {row['label']:<{width}}{_number(row['sessions']):>10}{_number(row['trainees']):>12}"
            f"{_number(row['trainee_hours']):>12}"
        )
    return lines


def table_render(data: dict) -> str:
    """The indicators as a plain-text table, French numbers (90,4 %, 2,5)."""
    funding_labels = dict(Funding.choices)
    sessions, hot, cold = data["sessions"], data["hot"], data["cold"]
    lines = [_("Indicators %(year)s") % {"year": data["year"]}]
    if data["filters"]:
        lines.append(", ".join(f"{key}={value}" for key, value in data["filters"].items()))
    lines += [
        "",
        _line(_("Sessions held"), _number(sessions["total"])),
        *(
            _line(str(funding_labels[funding]), _number(count), indent=2)
            for funding, count in sessions["by_funding"].items()
        ),
        _line(_("Trainees (one per session attended)"), _number(data["trainees"])),
        _line(_("Distinct people trained"), _number(data["distinct_trainees"])),
        _line(_("Trainee hours"), _number(data["trainee_hours"])),
        _line(_("Average duration (days)"), _number(data["avg_duration_days"]["all"])),
        *(
            _line(str(funding_labels[funding]), _number(data["avg_duration_days"][funding]), indent=2)
            for funding in sessions["by_funding"]
        ),
        _line(_("Fill rate"), _rate(data["fill_rate"])),
        "",
        _survey_line(_("End of training: expectations met"), hot["expectations_rate"], hot["n"], hot["response_rate"]),
        _survey_line(_("End of training: objectives reached"), hot["objectives_rate"], hot["objectives_n"]),
        _survey_line(_("Six months later: needs met"), cold["needs_met_rate"], cold["n"], cold["response_rate"]),
        _survey_line(_("Six months later: put into practice"), cold["practice_rate"], cold["practice_n"]),
    ]
    lines += _breakdown_table(_("By département"), data["by_department"])
    lines += _breakdown_table(_("By theme"), data["by_theme"])
    lines += _breakdown_table(_("By activity sector"), data["by_sector"])
    lines += _breakdown_table(_("By socio-professional category"), data["by_professional_category"])
    return "\n".join(lines)
