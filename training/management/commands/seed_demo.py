from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from cms.cache import public_cache_bump
from training.demo import DEMO_PASSWORD, SeedReport, demo_seed


class Command(BaseCommand):
    help = (
        "Create the demo data (site pages, catalogue, a year of sessions over the 13 départements, demo "
        "accounts, registrations and waiting lists, attendance of the held half-days). Idempotent: only what is "
        "missing is created, nothing existing is changed."
    )

    def handle(self, *args, **options):
        # The demo trainees' e-mails are recorded as sent but go nowhere (not even to the console); past
        # absence alerts count as sent (`training.demo_attendance`).
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            transaction.atomic(),
        ):
            report = demo_seed(today=timezone.localdate())
        public_cache_bump()  # pages cached before the seed (a shared Redis cache) show its sessions now
        self._write_summary(report)

    def _write_summary(self, report: SeedReport) -> None:
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes (créés / déjà présents) :"))
        for label, (created, existing) in report.counts.items():
            self.stdout.write(f"  {label} : {created} / {existing}")
        self.stdout.write(f"Comptes de démonstration (mot de passe « {DEMO_PASSWORD} », défini à leur création) :")
        for email, role in report.accounts:
            self.stdout.write(f"  {email} — {role}")
        self.stdout.write("Ouvrez http://127.0.0.1:8000/ — back office : http://127.0.0.1:8000/admin/")
