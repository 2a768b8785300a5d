"""A page restricted to a topic group is seen by that group's members alone, on every route."""

import pytest

from tests.groups.conftest import client_for
from tests.knowledge.conftest import SECRET

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
