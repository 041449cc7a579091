"""The fixed moment the registration tests live in: a Sunday morning, a session three weeks ahead."""

import datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime.datetime(2026, 11, 22, 10, 0, tzinfo=PARIS)
FIRST_DAY = datetime.date(2026, 12, 14)  # a Monday
