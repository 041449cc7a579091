"""`python manage.py drapps_report --year Y --output FILE.xlsx|FILE.pdf`: the ARS report on the Drapps programme.

The figures are those of `indicators --year Y --funding drapps` (`evaluations.reports.drapps`),
with the year before beside each of them. The extension of the output file decides the format.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from ...reports import year_parse
from ...reports.drapps import drapps_report_data
from ...reports.drapps_pdf import drapps_report_pdf
from ...reports.drapps_xlsx import drapps_report_xlsx

WRITERS = {".xlsx": drapps_report_xlsx, ".pdf": drapps_report_pdf}


class Command(BaseCommand):
    help = (
        "Write the funder report on the Drapps trainings of a year (sessions, trainees, hours by département and "
        "theme, profiles, fill rate, satisfaction and six-month results, list of the sessions), with the year "
        "before beside each figure, as an Excel workbook (.xlsx) or a PDF (.pdf)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="Year of the sessions' first day, e.g. 2025.")
        parser.add_argument("--output", required=True, help="File to write: report.xlsx or report.pdf.")

    def handle(self, *args, **options):
        with translation.override("fr"):
            try:
                year = year_parse(options["year"])
            except ValueError as error:
                raise CommandError(str(error)) from None
            output = Path(options["output"])
            writer = WRITERS.get(output.suffix.lower())
            if writer is None:
                raise CommandError(
                    _("The output file must end with .xlsx (Excel workbook) or .pdf (got %(name)s).")
                    % {"name": output.name}
                )
            if not output.parent.is_dir():
                raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": output.parent})
            content = writer(drapps_report_data(year=year))
            try:
                output.write_bytes(content)
            except OSError as error:
                raise CommandError(
                    _("The report could not be written to %(path)s: %(error)s.")
                    % {"path": output, "error": error.strerror}
                ) from None
            self.stdout.write(
                self.style.SUCCESS(_("Drapps report %(year)s written to %(path)s.") % {"year": year, "path": output})
            )
