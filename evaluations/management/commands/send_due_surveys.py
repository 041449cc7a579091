from django.core.management.base import BaseCommand

from evaluations.services.campaigns import surveys_due_send


class Command(BaseCommand):
    help = (
        "Open the survey campaigns that are due (end of training, six months later, positioning before the "
        "first day), invite whoever became eligible and close the campaigns past their date. Safe to run often: "
        "nothing is ever sent twice."
    )

    def handle(self, *args, **options):
        created = surveys_due_send()
        self.stdout.write(f"{created} invitation(s) envoyée(s).")
