"""What waits for a moderator: flags and join requests in the groups they moderate, group
proposals for site moderators. Counted in the nav on every page, listed on /moderation/, and
told as they arrive."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cityhall import moderation
from groups import selectors, services
from groups.models import Group, JoinRequest, Membership
from groups.notifications import MODERATION
from members.models import Notification, User
from tests.factories import MemberFactory
from tests.groups.conftest import client_for, make_group


def _fresh(member) -> User:
    return User.objects.get(pk=member.pk)


def _post(group, author):
    topic = services.topic_create(author=author, group=group, title="差押えの順序", body="本文")
    return topic.posts.get(number=1)


def _busy_group(owner, moderator, number: int) -> Group:
    """A group ``moderator`` moderates, with one open flag and one pending join request."""
    group = make_group(owner, kind="closed", slug=f"g{number}", name=f"グループ{number}")
    Membership.objects.create(group=group, member=moderator, role=Membership.Role.MODERATOR)
    reader = MemberFactory()
    Membership.objects.create(group=group, member=reader)
    services.flag_create(flagger=reader, post=_post(group, owner), reason="spam")
    JoinRequest.objects.create(group=group, member=MemberFactory())
    return group


@pytest.fixture
def moderator(db):
    return MemberFactory(display_name="見張 一郎")


def test_plain_members_handle_no_queue_and_see_no_moderation_entry(member, member_client):
    assert moderation.waiting(_fresh(member)) == []
    page = member_client.get(reverse("home")).content.decode()
    assert reverse("moderation") not in page
    assert member_client.get(reverse("moderation")).status_code == 403


def test_a_group_moderator_sees_flags_and_join_requests_waiting(owner, moderator):
    for number in range(3):
        _busy_group(owner, moderator, number)
    waiting = {item.key: item for item in moderation.waiting(_fresh(moderator))}
    assert set(waiting) == {"flags", "join_requests"}  # no proposals: not a site moderator
    assert waiting["flags"].count == 3 == selectors.moderation_queue(moderator).count()
    assert waiting["join_requests"].count == 3
    assert len(selectors.pending_requests_to_moderate(moderator)) == 3
    assert waiting["flags"].url == reverse("groups:site_moderation")


def test_a_moderator_with_nothing_waiting_still_sees_the_entry(owner, moderator):
    group = make_group(owner)
    Membership.objects.create(group=group, member=moderator, role=Membership.Role.MODERATOR)
    waiting = moderation.waiting(_fresh(moderator))
    assert [(item.key, item.count) for item in waiting] == [("flags", 0), ("join_requests", 0)]
    page = client_for(moderator).get(reverse("moderation")).content.decode()
    assert "担当グループの通報" in page and "対応待ちはありません" in page


def test_resolved_flags_and_decided_requests_no_longer_wait(owner, moderator):
    group = _busy_group(owner, moderator, 1)
    services.flag_resolve(
        moderator=moderator, flag=selectors.moderation_queue(moderator).get(), hide_post=False
    )
    services.join_request_decide(
        moderator=moderator, request=group.join_requests.get(), approve=True
    )
    waiting = {item.key: item.count for item in moderation.waiting(_fresh(moderator))}
    assert waiting == {"flags": 0, "join_requests": 0}


def test_site_moderators_see_proposals_and_every_groups_flags(owner, moderator):
    _busy_group(owner, moderator, 1)
    services.group_propose(proposer=owner, name="新しい会", description="説明", kind="open",
                           reason="理由")  # fmt: skip
    site = MemberFactory(is_site_moderator=True)
    waiting = {item.key: item.count for item in moderation.waiting(site)}
    # join requests stay with each group's own moderators
    assert waiting == {"flags": 1, "group_proposals": 1}


def test_nav_shows_the_total_and_the_overview_lists_each_queue(owner, moderator):
    for number in range(2):
        _busy_group(owner, moderator, number)
    client = client_for(moderator)
    home = client.get(reverse("home"))
    assert home.context["moderation_total"] == 4
    assert 'data-moderation-count data-count="4"' in home.content.decode()
    page = client.get(reverse("moderation")).content.decode()
    assert f'<a href="{reverse("groups:site_moderation")}">担当グループの通報</a>' in page
    assert "2件" in page
    listing = client.get(reverse("groups:site_moderation")).content.decode()
    assert 'id="join-requests"' in listing and "グループ0" in listing and "グループ1" in listing


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", ["/", "/moderation/", "/groups/moderation/"])
def test_moderation_counts_cost_the_same_however_many_groups(owner, moderator, path):
    _busy_group(owner, moderator, 0)
    client = client_for(moderator)
    few = _queries(client, path)
    for number in range(1, 6):
        _busy_group(owner, moderator, number)
    assert _queries(client, path) == few


def test_moderation_counts_are_one_query(owner, moderator, django_assert_num_queries):
    for number in range(3):
        _busy_group(owner, moderator, number)
    member = _fresh(moderator)
    member._verified_member = True
    # groups' three queues share one query; the knowledge base's review queue asks one more
    # of members who moderate something (knowledge.editors.waiting_for)
    with django_assert_num_queries(2):
        assert [item.count for item in moderation.waiting(member)] == [3, 3]


def test_a_member_who_moderates_nothing_has_no_queue(owner, moderator, django_assert_num_queries):
    for number in range(3):
        _busy_group(owner, moderator, number)
    member = _fresh(MemberFactory())
    member._verified_member = True
    with django_assert_num_queries(1):
        assert moderation.waiting(member) == []


def test_overview_page_query_count(owner, moderator, django_assert_num_queries):
    for number in range(3):
        _busy_group(owner, moderator, number)
    client = client_for(moderator)
    # session, member (with what their unread notifications are about, those posts and their
    # memberships: whether the posts are still visible asks nothing more), the moderation
    # counts and unread chat (one), the knowledge base's pages awaiting review (one)
    with django_assert_num_queries(4):
        client.get(reverse("moderation"))


def test_group_moderators_are_told_of_a_new_flag(owner, moderator, committing):
    group = make_group(owner)
    Membership.objects.create(group=group, member=moderator, role=Membership.Role.MODERATOR)
    reader = MemberFactory()
    Membership.objects.create(group=group, member=reader)
    post = _post(group, owner)
    with committing():
        services.flag_create(flagger=reader, post=post, reason="spam")
    told = Notification.objects.filter(kind=MODERATION)
    assert {n.recipient_id for n in told} == {owner.pk, moderator.pk}
    notification = told.get(recipient=moderator)
    assert notification.text == "「債権回収」の「差押えの順序」への投稿が通報されました。"
    assert notification.url == reverse("groups:moderation", args=[group.slug])
    assert notification.read_at is None  # in the app …
    assert notification.emailed_at is not None  # … and not mailed unless asked for


def test_a_moderator_who_flags_is_not_told_of_their_own_flag(owner, moderator):
    group = make_group(owner)
    Membership.objects.create(group=group, member=moderator, role=Membership.Role.MODERATOR)
    services.flag_create(flagger=moderator, post=_post(group, owner), reason="spam")
    told = Notification.objects.filter(kind=MODERATION)
    assert [n.recipient_id for n in told] == [owner.pk]


def test_site_moderators_are_told_of_a_new_proposal(owner):
    site = MemberFactory(is_site_moderator=True)
    admin = MemberFactory(is_superuser=True)
    MemberFactory(is_site_moderator=True, is_active=False)
    proposer_site_moderator = MemberFactory(is_site_moderator=True)
    services.group_propose(proposer=proposer_site_moderator, name="新しい会",
                           description="説明", kind="open", reason="理由")  # fmt: skip
    told = Notification.objects.filter(kind=MODERATION)
    assert {n.recipient_id for n in told} == {site.pk, admin.pk}
    notification = told.get(recipient=site)
    assert notification.url == reverse("groups:proposals")
    assert notification.text == (
        f"{proposer_site_moderator.display_name}さんが新しいグループ「新しい会」を提案しました。"
    )
    assert Notification.objects.filter(recipient=owner).count() == 0
