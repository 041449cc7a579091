import pytest

from django.contrib.auth.models import Group

from wagtail.models import GroupPagePermission, Page

from accounts.roles import COORDINATION, TRAINERS, roles_sync
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_groups_exist_after_migrate():
    assert set(Group.objects.filter(name__in=[COORDINATION, TRAINERS]).values_list("name", flat=True)) == {
        COORDINATION,
        TRAINERS,
    }


def test_coordination_manages_sessions_and_publishes_pages():
    coordinator = UserFactory()
    coordinator.groups.add(Group.objects.get(name=COORDINATION))

    assert coordinator.has_perm("wagtailadmin.access_admin")
    assert coordinator.has_perm("training.add_session")
    assert coordinator.has_perm("training.change_trainer")
    assert not coordinator.has_perm("accounts.change_department")
    root = Page.get_first_root_node()
    codenames = set(
        GroupPagePermission.objects.filter(group__name=COORDINATION, page=root).values_list(
            "permission__codename", flat=True
        )
    )
    assert {"add_page", "change_page", "publish_page"} <= codenames


def test_roles_sync_is_idempotent_and_keeps_extra_permissions():
    group = Group.objects.get(name=COORDINATION)
    extra = group.permissions.model.objects.get(codename="change_department")
    group.permissions.add(extra)
    before = group.permissions.count()

    roles_sync()
    roles_sync()

    assert group.permissions.count() == before
    assert GroupPagePermission.objects.filter(group=group).count() == 5


def test_coordinator_opens_the_back_office_but_a_trainer_does_not(client):
    coordinator = UserFactory()
    coordinator.groups.add(Group.objects.get(name=COORDINATION))
    trainer = UserFactory()
    trainer.groups.add(Group.objects.get(name=TRAINERS))

    client.force_login(coordinator)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/sessions/").status_code == 200
    assert client.get("/admin/venues/new/").status_code == 200

    client.force_login(trainer)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert client.get("/admin/sessions/").status_code in (302, 403)
