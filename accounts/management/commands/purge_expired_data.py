"""`purge_expired_data [--dry-run]`: anonymise or delete the personal data whose retention expired."""

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.retention import personal_data_purge


class Command(BaseCommand):
    help = (
        "Anonymise or delete the personal data whose retention expired (durations: RETENTION_* settings, "
        "docs/rgpd-registre.md), except what a legal hold keeps; the yearly figures stay the same. "
        "Prints what was done per record type. Celery beat runs it every night."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would go, change nothing.")

    def handle(self, *args, **options):
        with translation.override("fr"):
            report = personal_data_purge(dry_run=options["dry_run"])
            if report.dry_run:
                self.stdout.write(_("Dry run: nothing was changed."))
            for record, done, held in report.rows:
                line = _("%(label)s (kept %(duration)s): %(done)d anonymised or deleted") % {
                    "label": record.label(),
                    "duration": record.duration_label(),
                    "done": done,
                }
                if held:
                    line += _(", %(held)d kept under a legal hold") % {"held": held}
                self.stdout.write(line)
