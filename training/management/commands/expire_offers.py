from django.core.management.base import BaseCommand

from training.services.registrations import registration_offers_expire


class Command(BaseCommand):
    help = "Expire the seat offers left unanswered and offer each seat to the next person waiting."

    def handle(self, *args, **options):
        expired = registration_offers_expire()
        self.stdout.write(f"{expired} offre(s) expirée(s).")
