"""The member behind a session is loaded by one query compiled once (members.selectors.
signed_in): it must be the same member, field by field, that the ORM loads, with whether their
address is verified and their organization and prefecture, and nobody else's."""

from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cityhall import policies
from members.backends import MemberBackend
from members.models import Organization
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _fields(user) -> dict:
    return {field.attname: getattr(user, field.attname) for field in user._meta.concrete_fields}


def test_the_member_is_the_one_the_orm_loads_field_by_field(django_assert_num_queries):
    member = MemberFactory(suspended_until=timezone.now() - timezone.timedelta(days=1))
    loaded = get_user_model().objects.get(pk=member.pk)
    MemberBackend().get_user(str(member.pk))  # compiled once per process (and SQLite's JSON probed)

    with django_assert_num_queries(1):
        user = MemberBackend().get_user(str(member.pk))
        assert policies.is_verified_member(user)
        prefecture = user.organization.prefecture

    assert _fields(user) == _fields(loaded)
    assert isinstance(user.date_joined, datetime) and timezone.is_aware(user.date_joined)
    assert user.is_active is True and user.is_staff is False
    assert user.organization == loaded.organization
    assert prefecture == Organization.objects.get(pk=loaded.organization.prefecture_id)
    assert user._state.adding is False and user._state.db == "default"


def test_each_session_gets_its_own_member():
    ann, ben = MemberFactory(), MemberFactory(organization=None)
    backend = MemberBackend()

    assert backend.get_user(ann.pk).email == ann.email
    assert backend.get_user(ben.pk).email == ben.email
    assert backend.get_user(ben.pk).organization is None


def test_an_unverified_address_is_known_without_another_query(django_assert_num_queries):
    member = MemberFactory(verified=False)
    with django_assert_num_queries(1):
        user = MemberBackend().get_user(member.pk)
        assert not policies.is_verified_member(user)


@pytest.mark.parametrize("user_id", ["", "abc", None, "-1", "999999"])
def test_a_session_naming_no_member_has_no_user(user_id):
    MemberFactory()
    assert MemberBackend().get_user(user_id) is None


def test_an_inactive_account_has_no_user():
    member = MemberFactory(is_active=False)
    assert MemberBackend().get_user(member.pk) is None


def test_a_members_page_gets_the_member_itself_not_the_lazy_wrapper(member_client, member):
    from django.urls import reverse
    from django.utils.functional import LazyObject

    request = member_client.get(reverse("members:detail", args=[member.pk])).wsgi_request
    assert not isinstance(request.user, LazyObject)  # each read through it was a method call
    assert request.user.pk == member.pk


def test_a_login_free_page_does_not_load_the_visitor(client, django_assert_num_queries):
    from django.utils.functional import LazyObject

    with django_assert_num_queries(0):
        request = client.get("/favicon.ico").wsgi_request
    assert isinstance(request.user, LazyObject)
