from django.db import transaction

from .models import Profile, User


@transaction.atomic
def profile_save(*, user: User, first_name: str, last_name: str, fields: dict) -> Profile:
    """Create or update a person's professional profile and the name printed on their documents."""
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.save(update_fields=["first_name", "last_name"])
    profile, _created = Profile.objects.update_or_create(user=user, defaults=fields)
    return profile
