from django.core.management.base import BaseCommand

from training.services.registrations import registration_reminders_send


class Command(BaseCommand):
    help = "Send the reminders due today (7 days and 1 day before a session) to confirmed trainees."

    def handle(self, *args, **options):
        queued = registration_reminders_send()
        self.stdout.write(f"{queued} rappel(s) envoyé(s).")
