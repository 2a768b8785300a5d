"""The search page with every app's provider registered: a fixed number of queries however
many documents match (the viewer's tokens, the page of hits with its total, the facets, the
names of the groups and organizations on the page, and the site's own per-page reads)."""

import pytest

from groups.models import Group
from search import outbox
from tests.factories import GroupFactory, MembershipFactory, TopicFactory

pytestmark = pytest.mark.django_db


def _topics(count: int, groups) -> None:
    for number in range(count):
        TopicFactory(group=groups[number % len(groups)], title=f"督促状の文例 その{number}")
    outbox.drain()


@pytest.mark.parametrize("count", [3, 30])
def test_the_search_page_reads_a_fixed_number_of_queries(client, django_assert_num_queries, count):
    groups = [GroupFactory(), GroupFactory(kind=Group.Kind.CLOSED), GroupFactory()]
    member = MembershipFactory(group=groups[1]).member
    _topics(count, groups)
    client.force_login(member)
    client.get("/search/", {"q": "督促状"})
    with django_assert_num_queries(8):
        response = client.get("/search/", {"q": "督促状"})
    assert response.context["results"].total == count
    with django_assert_num_queries(7):
        client.get("/search/", {"q": "督促状", "format": "json"})
    # A facet filtered on is counted without it: the facets in a statement of their own.
    with django_assert_num_queries(9):
        response = client.get("/search/", {"q": "督促状", "group": groups[1].pk})
    assert response.context["results"].total == len(range(1, count, 3))
    with django_assert_num_queries(6):
        client.get("/search/suggest", {"q": "督促状"})
