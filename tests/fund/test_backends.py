"""Model permissions for staff only (fund.backends.StaffModelBackend, issue 15 item 15).

The application's permissions are rules on roles and memberships; Django's model permissions are granted in
the admin site. For a user who is not staff they are empty and cost no query; for staff they still hold.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fund.models import Role, User
from tests.factories import UserFactory, make_enterprise, make_fund, make_member

pytestmark = pytest.mark.django_db


def add_fund_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="fund", codename="add_fund")


def test_a_non_staff_users_refused_permission_costs_no_query():
    enterprise = make_enterprise(fund=make_fund())
    user = User.objects.get(pk=make_member(Role.INVESTEE, organisation=enterprise.organisation).pk)
    with CaptureQueriesContext(connection) as queries:
        assert not user.has_perm("fund.add_fund")
        assert not user.has_perm("fund.export_organisations")
    assert not [q["sql"] for q in queries if "auth_permission" in q["sql"]]


def test_model_permissions_granted_to_a_non_staff_user_do_not_count():
    user = UserFactory(is_staff=False)
    user.user_permissions.add(add_fund_permission())
    assert not User.objects.get(pk=user.pk).has_perm("fund.add_fund")


def test_staff_keep_their_model_permissions_directly_and_through_a_group():
    direct = UserFactory(is_staff=True)
    direct.user_permissions.add(add_fund_permission())
    assert User.objects.get(pk=direct.pk).has_perm("fund.add_fund")

    group = Group.objects.create(name="fondsbeheer")
    group.permissions.add(add_fund_permission())
    member = UserFactory(is_staff=True)
    member.groups.add(group)
    assert User.objects.get(pk=member.pk).has_perm("fund.add_fund")
    assert not User.objects.get(pk=UserFactory(is_staff=True).pk).has_perm("fund.add_fund")


@pytest.mark.parametrize("url_name", ["fund_list", "organisation_list"])
def test_pages_every_role_opens_do_not_read_model_permissions(client, url_name):
    enterprise = make_enterprise(fund=make_fund())
    client.force_login(make_member(Role.INVESTEE, organisation=enterprise.organisation))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(url_name)).status_code == 200
    assert not [q["sql"] for q in queries if "auth_permission" in q["sql"]]


def test_the_logged_in_user_is_read_as_the_orm_reads_it():
    from fund.backends import StaffModelBackend

    user = UserFactory(first_name="Anne", last_name="de Vries")
    user.last_login = user.date_joined
    user.save(update_fields=["last_login"])
    expected = User.objects.get(pk=user.pk)
    got = StaffModelBackend().get_user(user.pk)
    assert type(got) is User
    for field in User._meta.concrete_fields:
        assert getattr(got, field.attname) == getattr(expected, field.attname), field.name
    assert got.last_login.tzinfo is not None and got.date_joined.tzinfo is not None
    assert StaffModelBackend().get_user(user.pk + 1000) is None
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert StaffModelBackend().get_user(user.pk) is None


def test_a_logged_in_page_still_knows_its_user(client):
    enterprise = make_enterprise(fund=make_fund())
    user = make_member(Role.INVESTEE, organisation=enterprise.organisation)
    client.force_login(user)
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 200
    assert response.context["user"].pk == user.pk
    assert user.email in response.content.decode()
