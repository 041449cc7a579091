from django.core.management.base import BaseCommand

from evaluations.services.campaigns import reminders_due_send
from evaluations.services.complaints import complaints_overdue_remind
from training.services.registrations import registration_reminders_send


class Command(BaseCommand):
    help = (
        "Send the reminders due today: to confirmed trainees 7 days and 1 day before their session, to "
        "people who have not answered a survey yet (SURVEY_REMINDER_DAYS after the invitation), and to the "
        "owners of complaints past their deadline (once a day)."
    )

    def handle(self, *args, **options):
        registrations = registration_reminders_send()
        surveys = reminders_due_send()
        complaints = complaints_overdue_remind()
        self.stdout.write(
            f"{registrations} rappel(s) de session, {surveys} relance(s) de questionnaire envoyé(s), "
            f"{complaints} réclamation(s) en retard signalée(s)."
        )
