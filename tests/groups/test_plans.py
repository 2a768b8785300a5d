"""The home page and the group directory read a member's topics from indexes until they have
enough, never every topic of the member's groups (groups.selectors: home_topics,
home_questions, unread_by_group; migration 0010). With every topic of a group of 2,000 read,
the home page took 149 ms (bench/forum.py)."""

import pytest
from django.db import connection

from cityhall import statistics
from groups import selectors, services
from groups.models import Membership
from tests.factories import MemberFactory
from tests.groups.conftest import make_group

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner"),
]


def plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(row[3] for row in cursor.fetchall())


def plan_of(queryset) -> str:
    return plan(*queryset.query.sql_with_params())


@pytest.fixture
def reader(group, owner):
    """A member of one of 20 groups, with other members in each, and 40 topics in theirs: the
    planner's statistics see many groups, members and topics, as on a live site."""
    member = MemberFactory()
    others = [MemberFactory() for _ in range(5)]
    for number in range(19):
        other = make_group(owner, slug=f"other{number}", name=f"別のグループ{number}")
        Membership.objects.bulk_create(Membership(group=other, member=m) for m in others)
    Membership.objects.bulk_create(Membership(group=group, member=m) for m in [member, *others])
    for number in range(40):
        topic = services.topic_create(author=owner, group=group, title=f"話題{number}", body="本文")
        for reader in others if number % 3 else [member, *others]:
            services.topic_mark_read(member=reader, topic=topic, number=1)
    statistics.refresh()
    return member


def test_a_groups_newest_topics_are_read_off_an_index_in_order(reader, group):
    for part in selectors._home_topic_parts(reader, group.pk, shape=1):
        found = plan_of(part)
        assert "topic_group_newest_post" in found
        assert "TEMP B-TREE" not in found  # no sort of every topic of the group


def test_a_groups_newest_topics_join_the_read_state_not_a_subquery_a_topic(reader, group):
    """A correlated subquery opens a cursor for every topic, which SQLite does slowly in the
    home's union of 32 groups (selectors._topics_in_my_group)."""
    for part in selectors._home_topic_parts(reader, group.pk, shape=1):
        found = plan_of(part)
        assert "topicread_member_progress" in found and "LEFT-JOIN" in found
        assert "CORRELATED" not in found


def test_open_questions_are_read_newest_first_off_an_index(reader):
    _answers, in_fields = selectors._home_questions(reader, shape=False)
    found = plan_of(in_fields)
    assert "topic_open_questions" in found
    assert "TEMP B-TREE FOR ORDER BY" not in found.split("LIST SUBQUERY")[0]


def test_unread_counts_start_from_the_members_own_read_states(reader):
    sql = f"SELECT membership.group_id, {selectors._UNREAD_COUNTS} {selectors._MY_GROUPS_COUNTED}"
    found = plan(sql, selectors._counted_params(reader))
    # with how far they read, off the index alone
    assert "SEARCH seen USING COVERING INDEX topicread_member_progress" in found
    assert "COVERING INDEX topic_group_started" in found  # new topics: one range of an index
    assert "SCAN" not in found.replace("SCAN opened", "")


def test_a_reply_sent_again_is_found_through_the_client_id_index(group, owner):
    """A reply's double submission is looked up by its client_id through the unique index of
    posts sent with one, not by reading every post of the topic (SQLite plans without the
    bound values: cityhall/sqlite)."""
    topic = services.topic_create(author=owner, group=group, title="話題", body="本文")

    found = plan_of(services.posts_by_client_id(topic, owner, "c-1").order_by("pk")[:1])

    assert "one_post_per_client_id" in found


def test_a_topic_sent_again_is_found_through_the_client_id_index(group, owner):
    """A new topic's double submission: the author's topic by its client_id, through the
    unique index of topics sent with one, not by reading every topic of the author."""
    found = plan_of(services.first_posts_by_client_id(owner, "c-1").order_by("pk")[:1])

    assert "one_topic_per_client_id" in found
