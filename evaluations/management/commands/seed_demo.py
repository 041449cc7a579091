import logging
from contextlib import contextmanager

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from cms.cache import public_cache_bump
from evaluations.demo import demo_surveys_seed, learner_invitations_pending, local_answer_url
from evaluations.demo_quality import demo_quality_seed
from training.demo import DEMO_PASSWORD, SeedReport, demo_seed
from training.demo_registrations import LEARNER_EMAIL


class Command(BaseCommand):
    help = (
        "Create the demo data (site pages, catalogue, a year of sessions over the 13 départements, demo "
        "accounts, registrations and waiting lists, attendance of the held half-days, the surveys of the "
        "past year with their answers, and the quality registers: complaints, improvement actions, watch, "
        "qualifications, disability partners and adaptations, needs analyses). Idempotent: only what is missing is created, nothing existing is changed."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        today = timezone.localdate(now)
        # The demo trainees' e-mails are recorded as sent but go nowhere (not even to the console); past
        # absence alerts count as sent (`training.demo_attendance`), survey invitations as sent when their
        # campaign opened (`evaluations.demo`).
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            _task_successes_unlogged(),
            transaction.atomic(),
        ):
            report = demo_seed(today=today)
            demo_surveys_seed(today=today, now=now, report=report)
            demo_quality_seed(today=today, now=now, report=report)
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
        pending = learner_invitations_pending()
        if pending:
            self.stdout.write(f"Questionnaires en attente de la réponse de {LEARNER_EMAIL} :")
        for invitation in pending:
            campaign = invitation.campaign
            subject = campaign.session.code if campaign.session_id else campaign.year
            self.stdout.write(f"  {campaign.questionnaire.title} ({subject}) : {local_answer_url(invitation)}")


@contextmanager
def _task_successes_unlogged():
    """Without a broker the tasks queued by the seed run when it commits, each logging a line (hundreds of
    alerts and invitations finding their message sent already): only their warnings and errors are shown."""
    logger = logging.getLogger("celery.app.trace")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
