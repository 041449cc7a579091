from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from evaluations.history import KINDS, HistoryReport, RowError, history_import


def _line(problem: RowError) -> str:
    where = [problem.sheet] if problem.sheet else []
    if problem.row is not None:
        where.append(_("row %(row)s") % {"row": problem.row})
    if problem.column:
        where.append(_("column %(column)s") % {"column": problem.column})
    value = f" « {problem.value} »" if problem.value else ""
    place = ", ".join(where)
    return f"  {place}{value} : {problem.reason} [{problem.code}]" if place else f"  {problem.reason} [{problem.code}]"


class Command(BaseCommand):
    help = (
        "Import the historical workbook (sheets Sessions, Participants, Inscriptions, Reponses): all or nothing, "
        "every invalid row reported. Importing the same workbook again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xlsx workbook.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the workbook and show what would be imported; write nothing."
        )

    def handle(self, *args, file: str, dry_run: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No file at %(path)s.") % {"path": file})
        report = history_import(path, dry_run=dry_run)
        self.report_write(report)
        if report.errors:
            raise CommandError(
                _("%(count)s problem(s) found: nothing was imported.") % {"count": len(report.errors)}, returncode=1
            )
        if dry_run:
            self.stdout.write(_("Dry run: the workbook is valid, nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS(_("Workbook imported.")))

    def report_write(self, report: HistoryReport) -> None:
        if report.rows:
            rows = ", ".join(f"{sheet} {count}" for sheet, count in report.rows.items())
            self.stdout.write(_("Rows read: %(rows)s.") % {"rows": rows})
        if report.warnings:
            self.stdout.write(_("Remarks (%(count)s):") % {"count": len(report.warnings)})
            for warning in report.warnings:
                self.stdout.write(_line(warning))
        if report.errors:
            self.stderr.write(_("Errors (%(count)s):") % {"count": len(report.errors)})
            for error in report.errors:
                self.stderr.write(_line(error))
            return
        self.stdout.write(_("Would be created or updated:") if report.dry_run else _("Created or updated:"))
        for kind, count in report.counts.items():
            figures = [
                _("%(count)s created") % {"count": count.created},
                _("%(count)s updated") % {"count": count.updated},
                _("%(count)s unchanged") % {"count": count.unchanged},
            ]
            if count.deleted:
                figures.append(_("%(count)s replaced") % {"count": count.deleted})
            self.stdout.write(f"  {KINDS[kind]} : {', '.join(figures)}")
