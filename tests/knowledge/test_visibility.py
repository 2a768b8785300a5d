"""A page restricted to a topic group is seen by that group's members alone, on every route."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.models import Group
from knowledge.models import ArticlePage
from knowledge.policies import can_view_page
from knowledge.selectors import viewer
from members.selectors import signed_in
from tests.factories import GroupFactory, MembershipFactory
from tests.groups.conftest import client_for
from tests.knowledge.conftest import SECRET, add_page

pytestmark = pytest.mark.django_db


def test_members_read_open_pages_and_anonymous_visitors_are_sent_to_log_in(world, client):
    assert client.get(world.open_page.url).status_code == 302
    page = client_for(world.outsider).get(world.open_page.url)
    assert page.status_code == 200
    assert "経常収支比率を見る" in page.text


@pytest.mark.parametrize("name", ["secret_page", "secret_section", "page_in_secret_section"])
def test_restricted_pages_are_404_to_outsiders_and_shown_to_group_members(world, name):
    url = getattr(world, name).url
    assert client_for(world.outsider).get(url).status_code == 404
    inside = client_for(world.insider).get(url)
    assert inside.status_code == 200
    assert "子育てサロン" in inside.text  # the badge naming who may see it


def test_listings_leave_out_what_the_reader_may_not_see(world):
    for url in (world.section.url, "/knowledge/", "/knowledge/-/tags/x/"):
        page = client_for(world.outsider).get(url)
        assert SECRET not in page.text and "サロンの" not in page.text
    home = client_for(world.insider).get("/knowledge/")
    assert "サロンの年間計画" in home.text and "子育てサロン" in home.text


def test_a_signed_in_members_roles_and_the_content_version_come_with_them(world):
    """The viewer of a member as a request signs them in costs no query while this process has
    the restrictions at the version read with them; a change to the restrictions (a new version)
    is read anew, and a group joined since the last request counts."""
    other = GroupFactory(slug="other", kind=Group.Kind.CLOSED)
    viewer(signed_in(world.outsider.pk))  # this process reads the restrictions
    with CaptureQueriesContext(connection) as queries:
        seen = viewer(signed_in(world.outsider.pk))
    assert len(queries) == 1  # the member's row
    assert not can_view_page(seen, world.secret_page)
    MembershipFactory(group=world.group, member=world.outsider)
    assert can_view_page(viewer(signed_in(world.outsider.pk)), world.secret_page)

    hidden = add_page(world.section, ArticlePage(title="別の会のメモ", slug="other-memo"),
                      groups=[other])  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        seen = viewer(signed_in(world.outsider.pk))
    assert len(queries) == 2  # the member's row, then the restrictions at the new version
    assert not can_view_page(seen, hidden) and can_view_page(seen, world.secret_page)
