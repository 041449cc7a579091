import pytest
from allauth.account.models import EmailAddress

from django.contrib.auth import get_user_model
from django.core import mail
from django.db import IntegrityError, transaction

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_create_user_stores_email_in_lower_case():
    user = User.objects.create_user("Camille.Martin@Exemple.FR", "motdepasse-test")

    assert user.email == "camille.martin@exemple.fr"
    assert user.username is None


def test_email_is_unique_whatever_its_case():
    User.objects.create_user("camille@exemple.fr", "x")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="CAMILLE@exemple.fr")


def test_login_is_case_insensitive(client):
    User.objects.create_user("camille@exemple.fr", "motdepasse-test")

    assert client.login(username="Camille@Exemple.fr", password="motdepasse-test")


def test_signup_requires_email_verification_before_login(client):
    response = client.post(
        "/accounts/signup/",
        {
            "first_name": "Camille",
            "last_name": "Martin",
            "email": "Camille@Exemple.fr",
            "password1": "un-mot-de-passe-solide",
            "password2": "un-mot-de-passe-solide",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="camille@exemple.fr")
    assert (user.first_name, user.last_name) == ("Camille", "Martin")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["camille@exemple.fr"]
    # Not verified yet: signing in leads back to the verification notice, not into the site.
    login = client.post("/accounts/login/", {"login": "camille@exemple.fr", "password": "un-mot-de-passe-solide"})
    assert login["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_verification_link_activates_the_account(client):
    client.post(
        "/accounts/signup/",
        {
            "first_name": "A",
            "last_name": "B",
            "email": "ab@exemple.fr",
            "password1": "un-mot-de-passe-solide",
            "password2": "un-mot-de-passe-solide",
        },
    )
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/confirm-email/" in line)
    path = link[link.index("/accounts/confirm-email/") :].strip()

    client.post(path)

    assert EmailAddress.objects.get(email="ab@exemple.fr").verified
    assert client.session["_auth_user_id"]
