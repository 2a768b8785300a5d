import pytest
from django.test import Client

from groups.models import Group, Membership
from tests.factories import MemberFactory


def client_for(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def owner(db):
    return MemberFactory(display_name="債権 花子", email="saiken.hanako@city.kobe.lg.jp")


def make_group(owner, kind="open", slug="saiken", name="債権回収") -> Group:
    group = Group.objects.create(
        slug=slug, name=name, description="滞納整理・債権回収の相談", kind=kind,
        status=Group.Status.ACTIVE, proposed_by=owner,
    )  # fmt: skip
    Membership.objects.create(group=group, member=owner, role=Membership.Role.OWNER)
    return group


@pytest.fixture
def group(owner):
    return make_group(owner)
