import pytest
from django.test import Client

from groups.models import Group
from tests.factories import GroupFactory, MemberFactory


def client_for(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def owner(db):
    return MemberFactory(display_name="債権 花子", email="saiken.hanako@city.kobe.lg.jp")


def make_group(owner, kind="open", slug="saiken", name="債権回収") -> Group:
    """Older tests' shorthand; new tests use tests.factories.GroupFactory."""
    return GroupFactory(owner=owner, kind=kind, slug=slug, name=name)


@pytest.fixture
def group(owner):
    return make_group(owner)
