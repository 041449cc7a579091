"""`python manage.py evidence_pack --from YYYY-MM-DD --to YYYY-MM-DD --output pack.zip`: the Qualiopi
evidence pack of a period, built at once (`evaluations.evidence`), written to a file.

The pack is recorded like one requested in the back office ("Dossier d'audit Qualiopi"), where it
can be downloaded again.
"""

import datetime
import shutil
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils import formats, translation
from django.utils.translation import gettext as _

from ...evidence import evidence_pack_build, evidence_pack_request
from ...exceptions import SurveyError
from ...models import EvidencePackStatus


def _date(raw: str, option: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw.strip())
    except ValueError:
        raise CommandError(
            _("%(option)s must be a date written YYYY-MM-DD, for example 2026-01-31 (got %(value)r).")
            % {"option": option, "value": raw}
        ) from None


class Command(BaseCommand):
    help = (
        "Build the Qualiopi evidence pack of a period (one folder per applicable indicator, issued documents "
        "copied unchanged, registers and results generated, an HTML and CSV manifest with every file's sha256) "
        "and write the ZIP to a file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="First day of the period, YYYY-MM-DD.")
        parser.add_argument("--to", dest="date_to", required=True, help="Last day of the period, YYYY-MM-DD.")
        parser.add_argument("--output", required=True, help="The ZIP file to write, e.g. pack.zip.")

    def handle(self, *args, **options):
        with translation.override("fr"):
            date_from = _date(options["date_from"], "--from")
            date_to = _date(options["date_to"], "--to")
            output = Path(options["output"])
            if not output.parent.is_dir():
                raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": output.parent})
            try:
                pack, _created = evidence_pack_request(date_from=date_from, date_to=date_to, queue=False)
            except SurveyError as error:
                raise CommandError(error.message) from None
            started = time.perf_counter()
            pack = evidence_pack_build(pack_id=pack.pk)
            if pack.status != EvidencePackStatus.DONE:
                raise CommandError(pack.error or _("The pack could not be built."))
            try:
                with pack.file.open("rb") as source, output.open("wb") as target:
                    shutil.copyfileobj(source, target, 1024 * 1024)
            except OSError as error:
                raise CommandError(
                    _("The pack could not be written to %(path)s: %(error)s.")
                    % {"path": output, "error": error.strerror}
                ) from None
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Evidence pack from %(start)s to %(end)s written to %(path)s: %(count)s files, %(size)s, in %(seconds)s s."
                    )
                    % {
                        "start": f"{date_from:%d/%m/%Y}",
                        "end": f"{date_to:%d/%m/%Y}",
                        "path": output,
                        "count": pack.file_count,
                        "size": filesizeformat(pack.size),
                        "seconds": formats.number_format(round(time.perf_counter() - started, 1), decimal_pos=1),
                    }
                )
            )
            self.stdout.write(f"sha256 {pack.sha256}")
