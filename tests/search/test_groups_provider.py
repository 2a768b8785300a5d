"""Topics and replies in site search: found in Japanese as written many ways, only by those who
may read the group (results, total and facets alike), gone at once when a member leaves or a
post is deleted or hidden, and indexed in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups import policies, services
from groups.models import Group, Membership
from groups.search import PostProvider, TopicProvider
from search import registry
from search.models import Outbox
from search.services import Filters, search
from tests.factories import (
    GroupFactory,
    MemberFactory,
    MembershipFactory,
    PostFactory,
    TopicFactory,
)
from tests.search.conftest import facet, found

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(db):
    return GroupFactory(kind=Group.Kind.CLOSED, name="ワクチン接種体制", slug="vaccine")


@pytest.fixture
def member_of_closed(closed):
    return MembershipFactory(group=closed).member


@pytest.fixture
def thread(closed, member_of_closed, indexed):
    """A question in the closed group with a reply, indexed."""
    with indexed():
        topic = TopicFactory(group=closed, author=member_of_closed, is_question=True,
                             title="予約システムの申込み画面について",
                             body="ワクチン接種の予約システムで、**申込み**が集中したときの対策を教えてください。",
                             tags=["予約システム"])  # fmt: skip
        reply = PostFactory(topic=topic, author=closed.proposed_by,
                            body="国保の窓口と同じく、申込受付を時間帯で分けました。")  # fmt: skip
    return topic, reply


def test_topics_and_replies_are_found_in_japanese_as_written_many_ways(thread, member_of_closed):
    topic, reply = thread
    for q in ("申し込み 集中", "申込 画面", "ワクチン 予約システム", "予約ｼｽﾃﾑ"):
        assert f"topic:{topic.pk}" in found(member_of_closed, q), q
    assert found(member_of_closed, "国民健康保険 窓口") == [f"post:{reply.pk}"]
    results = search(member_of_closed, Filters(q="申込受付"))
    hit = results.results[0]
    assert hit.hit.title == topic.title  # a reply is shown under its topic's title
    assert hit.hit.url == reverse("groups:topic", args=["vaccine", topic.pk]) + "?n=2#p2"
    assert hit.kind_label == "返信"
    assert "**" not in search(member_of_closed, Filters(q="集中")).results[0].hit.body


def test_a_closed_groups_topics_are_for_its_members_only_even_in_counts(thread, member_of_closed):
    topic, reply = thread
    outsider = MemberFactory()
    results = search(outsider, Filters(q="予約システム"))
    assert (results.results, results.total) == ([], 0)
    assert all(not counts for counts in results.facets.values())
    results = search(member_of_closed, Filters(q="予約システム"))
    assert results.total == 2
    assert facet(results, "kind") == {"topic": 1, "post": 1}
    assert dict((value, label) for value, label, _n in results.facets["group_id"]) == {
        topic.group_id: "ワクチン接種体制"
    }
    assert facet(results, "organization_id") == {topic.author.organization_id: 2}


def test_an_open_groups_topics_are_for_every_verified_member(indexed):
    with indexed():
        topic = TopicFactory(title="督促状の文例", body="滞納者に送る督促状の文例を共有します。")
    assert found(MemberFactory(), "督促状") == [f"topic:{topic.pk}"]
    assert found(MemberFactory(verified=False), "督促状") == []


def test_leaving_the_group_hides_its_topics_at_once(thread, closed, member_of_closed):
    assert found(member_of_closed, "予約システム")
    services.group_leave(member=member_of_closed, group=closed)
    assert found(member_of_closed, "予約システム") == []
    assert not Outbox.objects.exists()  # nothing to reindex: who may read is asked per search


def test_a_group_made_closed_hides_its_topics_from_outsiders_at_once(indexed):
    with indexed():
        topic = TopicFactory(title="督促状の文例")
    outsider = MemberFactory()
    assert found(outsider, "督促状") == [f"topic:{topic.pk}"]
    Group.objects.filter(pk=topic.group_id).update(kind=Group.Kind.CLOSED)
    assert found(outsider, "督促状") == []


def test_a_deleted_reply_is_gone_before_the_drain_and_after(thread, member_of_closed, run_tasks,
                                                           committing):  # fmt: skip
    topic, reply = thread
    with committing():
        services.post_delete(actor=reply.author, post=reply, reason="誤投稿")
        assert found(member_of_closed, "国民健康保険") == []  # the "hides" row, not drained yet
    assert Outbox.objects.filter(key=f"post:{reply.pk}", hides=True).exists()
    run_tasks()
    assert not Outbox.objects.exists()
    assert found(member_of_closed, "国民健康保険") == []
    assert found(member_of_closed, "予約システム") == [f"topic:{topic.pk}"]


def test_a_topic_hidden_by_moderators_takes_its_replies_along(thread, member_of_closed, closed,
                                                             indexed):  # fmt: skip
    topic, reply = thread
    moderator = closed.proposed_by
    services.topic_moderate(actor=moderator, topic=topic, action="hide", reason="重複")
    assert found(member_of_closed, "予約システム") == []
    assert found(moderator, "予約システム") == []  # hidden is out of the index for everyone
    with indexed():
        services.topic_moderate(actor=moderator, topic=topic, action="restore")
    assert sorted(found(member_of_closed, "予約システム")) == sorted(
        [f"topic:{topic.pk}", f"post:{reply.pk}"]
    )


def test_a_hidden_reply_is_left_out_and_comes_back_when_restored(thread, member_of_closed,
                                                                 closed, indexed):  # fmt: skip
    _topic, reply = thread
    with indexed():
        services.post_set_hidden(actor=closed.proposed_by, post=reply, hidden=True, reason="")
    assert found(member_of_closed, "国民健康保険") == []
    assert found(reply.author, "国民健康保険") == []
    with indexed():
        services.post_set_hidden(actor=closed.proposed_by, post=reply, hidden=False, reason="")
    assert found(member_of_closed, "国民健康保険") == [f"post:{reply.pk}"]


def test_a_moved_topic_is_hidden_from_outsiders_of_its_new_group_at_once(
    closed, indexed, committing, run_tasks
):
    with indexed():
        topic = TopicFactory(group=GroupFactory(owner=closed.proposed_by),
                             title="督促状の文例")  # fmt: skip
        reply = PostFactory(topic=topic, body="督促状はこの形式で送っています。")
    outsider, insider = MemberFactory(), MembershipFactory(group=closed).member
    assert len(found(outsider, "督促状")) == 2
    with committing():
        services.topic_move(actor=closed.proposed_by, topic=topic, to_group=closed)
    assert found(outsider, "督促状") == []
    assert found(insider, "督促状") == []  # until drained
    run_tasks()
    assert sorted(found(insider, "督促状")) == sorted([f"topic:{topic.pk}", f"post:{reply.pk}"])
    assert found(outsider, "督促状") == []


def test_an_accepted_answer_makes_the_topic_and_the_answer_solved(thread, member_of_closed,
                                                                  indexed):  # fmt: skip
    topic, reply = thread
    assert found(member_of_closed, "予約システム", solved=True) == []
    with indexed():
        services.answer_accept(actor=topic.author, topic=topic, post=reply)
    assert sorted(found(member_of_closed, "予約システム", solved=True)) == sorted(
        [f"topic:{topic.pk}", f"post:{reply.pk}"]
    )
    with indexed():
        services.answer_accept(actor=topic.author, topic=topic, post=None)
    assert found(member_of_closed, "予約システム", solved=True) == []


def test_a_new_title_reaches_the_replies(thread, member_of_closed, indexed):
    topic, reply = thread
    with indexed():
        services.post_edit(editor=topic.author, post=topic.posts.get(number=1),
                           body="本文はそのまま", title="財政調整基金の取り崩し")  # fmt: skip
    assert sorted(found(member_of_closed, "財政調整基金")) == sorted(
        [f"topic:{topic.pk}", f"post:{reply.pk}"]
    )
    assert found(member_of_closed, "集中") == []  # the opening post's old text is gone


def test_tokens_agree_with_the_group_pages(closed, member_of_closed):
    """A member holds "group:<id>" exactly for the groups whose topics the pages let them read,
    site moderators included."""
    groups = [closed, GroupFactory(), GroupFactory(kind=Group.Kind.SECRET),
              GroupFactory(status=Group.Status.PROPOSED)]  # fmt: skip
    staff = MemberFactory(is_site_moderator=True)
    for member in (member_of_closed, MemberFactory(), staff, closed.proposed_by):
        tokens = registry.viewer_tokens(member)
        for group in groups:
            membership = Membership.objects.filter(group=group, member=member).first()
            expected = policies.can_read(member, group, membership)
            assert (f"group:{group.pk}" in tokens) == expected, (member, group)


@pytest.mark.parametrize("provider", [TopicProvider(), PostProvider()], ids=lambda p: p.kind)
def test_documents_take_the_same_queries_for_one_or_many(provider, closed, member_of_closed):
    topics = [TopicFactory(group=closed, author=member_of_closed, tags=["督促", "分納"])
              for _ in range(4)]  # fmt: skip
    replies = [PostFactory(topic=topic, body="返信") for topic in topics]
    ids = [t.pk for t in topics] if provider.kind == "topic" else [p.pk for p in replies]
    counts = []
    for chosen in (ids[:1], ids):
        with CaptureQueriesContext(connection) as queries:
            documents = provider.documents(chosen)
        assert sorted(documents) == sorted(chosen)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 2


def test_deleting_a_group_in_the_admin_takes_its_documents_out(
    thread, closed, client, run_tasks, committing
):
    admin_user = MemberFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    with committing():
        response = client.post(reverse("admin:groups_group_delete", args=[closed.pk]),
                               {"post": "yes"})  # fmt: skip
    assert response.status_code == 302
    topic, reply = thread
    keys = set(Outbox.objects.filter(hides=True).values_list("key", flat=True))
    assert keys == {f"topic:{topic.pk}", f"post:{reply.pk}"}
    run_tasks()
    assert found(admin_user, "予約システム") == []
    from search.models import Entry

    assert not Entry.objects.filter(key__in=keys).exists()
