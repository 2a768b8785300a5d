"""A group's members, with their roles, for those who may read the group: members of closed
and secret groups, anyone for an open group; outsiders of a closed group get the group's 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups import views
from groups.models import Membership
from tests.factories import MemberFactory
from tests.groups.conftest import client_for, make_group

pytestmark = pytest.mark.django_db


def _main(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def _url(group, page=None) -> str:
    url = reverse("groups:people", args=[group.slug])
    return f"{url}?page={page}" if page else url


@pytest.fixture
def closed(owner):
    group = make_group(owner, kind="closed", slug="vaccine", name="ワクチン接種体制")
    moderator = MemberFactory(display_name="船橋 次郎", display_name_kana="ふなばし じろう")
    Membership.objects.create(group=group, member=moderator, role=Membership.Role.MODERATOR)
    member = MemberFactory(display_name="青木 一郎", display_name_kana="あおき いちろう")
    Membership.objects.create(group=group, member=member)
    return group, moderator, member


def test_members_see_everyone_with_their_roles_owners_first(closed, owner):
    group, moderator, member = closed
    page = client_for(member).get(_url(group)).content.decode()
    names = [owner.display_name, moderator.display_name, member.display_name]
    assert all(name in page for name in names)
    assert page.index(names[0]) < page.index(names[1]) < page.index(names[2])
    assert "オーナー" in page and "モデレーター" in page and f"@{member.handle}" in page
    group_page = client_for(member).get(reverse("groups:detail", args=[group.slug]))
    assert _url(group) in group_page.content.decode()


def test_outsiders_of_a_closed_group_get_the_same_404(closed):
    group, _moderator, member = closed
    outsider = client_for(MemberFactory())
    response = outsider.get(_url(group))
    missing = outsider.get(reverse("groups:people", args=["no-such-group"]))
    assert response.status_code == missing.status_code == 404
    assert _main(response) == _main(missing)
    assert member.display_name not in response.content.decode()
    assert (
        _url(group)
        not in outsider.get(reverse("groups:detail", args=[group.slug])).content.decode()
    )


def test_outsiders_of_a_secret_group_get_404_and_open_groups_show_to_all(owner):
    secret = make_group(owner, kind="secret", slug="kosho", name="労使交渉")
    outsider = client_for(MemberFactory())
    assert outsider.get(_url(secret)).status_code == 404
    open_group = make_group(owner, slug="saiken", name="債権回収")
    assert owner.display_name in outsider.get(_url(open_group)).content.decode()


def test_unverified_accounts_are_not_listed(closed):
    group, _moderator, member = closed
    unverified = MemberFactory(display_name="未確認 さん", verified=False)
    Membership.objects.create(group=group, member=unverified)
    assert "未確認 さん" not in client_for(member).get(_url(group)).content.decode()


def test_the_list_is_paginated(closed, monkeypatch):
    group, _moderator, member = closed
    monkeypatch.setattr(views, "PEOPLE_PER_PAGE", 2)
    client = client_for(member)
    first, second = client.get(_url(group)).content.decode(), client.get(_url(group, 2))
    assert "1 / 2" in first and member.display_name not in first
    assert member.display_name in second.content.decode()


def test_the_list_costs_the_same_queries_however_many_members(closed, django_assert_num_queries):
    group, _moderator, member = closed
    client = client_for(member)
    client.get(_url(group))
    with CaptureQueriesContext(connection) as few:
        client.get(_url(group))
    for _number in range(8):
        Membership.objects.create(group=group, member=MemberFactory())
    with django_assert_num_queries(len(few)):
        assert client.get(_url(group)).status_code == 200
