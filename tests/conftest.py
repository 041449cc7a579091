# pandas is imported before any test freezes the clock: importing it under freezegun crashes the interpreter.
import pandas  # noqa: F401
import pytest

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection

from wagtail.models import Page, Site

from cms.models import CatalogueIndexPage, HomePage


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (in CI a real Redis, which outlives the run):
    allauth's rate limits and cached pages never leak from one test to the next."""
    cache.clear()


@pytest.fixture
def home_page(db) -> HomePage:
    """A minimal Wagtail tree: the home page as the default site's root."""
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Promotion Santé Occitanie", slug="home-test"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": home, "port": 80}
    )
    return home


@pytest.fixture
def catalogue(home_page) -> CatalogueIndexPage:
    return home_page.add_child(instance=CatalogueIndexPage(title="Nos formations", slug="formations"))


@pytest.fixture(scope="session")
def _migrated_state(django_db_setup, django_db_blocker) -> str:
    """The database as migrations leave it (reference lists, Wagtail root, groups), taken once.

    Browser tests are transactional: each ends by emptying the database. Django's
    `serialized_rollback` would restore this state, but Playwright's sync API switches the
    context the ORM keeps its connection in, so the snapshot Django took is not visible here.
    """
    with django_db_blocker.unblock():
        if Page.get_first_root_node() is None:  # a reused database that a transactional test emptied
            pytest.exit("The reused test database was left empty: run pytest once with --create-db.", returncode=2)
        return connection.creation.serialize_db_to_string()


@pytest.fixture
def migrated_state_restored(transactional_db, _migrated_state):
    """For transactional tests (browser, concurrency): start from the database as migrations leave it."""
    # The previous flush re-ran post_migrate handlers; start from empty tables to restore exactly.
    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
    ContentType.objects.clear_cache()
    connection.creation.deserialize_db_from_string(_migrated_state)
    ContentType.objects.clear_cache()
    with connection.cursor() as cursor:  # rows came back with their ids: move the sequences past them
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what was queued for after commit (e-mails, cache refresh)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def send(committed):
    """Call a service and run what it queued for after commit."""

    def run(action, *args, **kwargs):
        with committed():
            return action(*args, **kwargs)

    return run


@pytest.fixture
def coordinator(db):
    """A member of the Coordination group (the back office's everyday user)."""
    from django.contrib.auth.models import Group

    from accounts.roles import COORDINATION, roles_sync
    from tests.factories import UserFactory

    roles_sync()
    user = UserFactory(first_name="Claire", last_name="Coordinatrice")
    user.groups.add(Group.objects.get(name=COORDINATION))
    return user


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client
