"""Moderation that holds, for members: suspending for a chosen time with a reason, removing
after a confirmation with a reason, a removed member kept out until a moderator allows them
back, and every refusal of a hand-made request."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from groups import services
from groups.models import GroupBan, Invitation, JoinRequest, Membership, ModerationLog
from members.models import Notification
from tests.factories import MemberFactory
from tests.groups.conftest import client_for, make_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(group):
    member = MemberFactory(display_name="調停 一郎")
    Membership.objects.create(group=group, member=member, role=Membership.Role.MODERATOR)
    return member


@pytest.fixture
def target(group):
    member = MemberFactory(display_name="対象 花子")
    return member, Membership.objects.create(group=group, member=member)


def _url(name, group, membership):
    return reverse(f"groups:{name}", args=[group.slug, membership.pk])


def _group_notices(member):
    return [n.text for n in Notification.objects.filter(recipient=member, kind="moderated")]


# --- suspension ---------------------------------------------------------------------------


def test_a_moderator_suspends_from_the_members_page_and_the_member_is_told_until_when_and_why(
    group, moderator, target
):
    member, membership = target
    page = client_for(moderator).get(reverse("groups:members", args=[group.slug]))
    assert _url("member_suspend", group, membership) in page.content.decode()
    response = client_for(moderator).post(_url("member_suspend", group, membership),
                                          {"days": "7", "reason": "同じ宣伝を繰り返したため"})  # fmt: skip
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.is_suspended
    assert (
        timedelta(days=6, hours=23)
        < membership.suspended_until - timezone.now()
        <= timedelta(days=7)
    )
    until = timezone.localtime(membership.suspended_until).strftime("%Y/%m/%d %H:%M")
    [text] = _group_notices(member)
    assert "同じ宣伝を繰り返したため" in text and until in text
    log = ModerationLog.objects.get(action="suspend_member")
    assert log.reason == "同じ宣伝を繰り返したため" and log.target_member == member


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"days": "", "reason": "理由"}, "停止する期間を選んでください。"),
        ({"days": "365", "reason": "理由"}, "停止する期間を選んでください。"),
        ({"days": "7", "reason": "   "}, "理由を書いてください。本人に伝わります。"),
        ({"days": "7", "reason": "長" * 501}, "理由は500文字までにしてください。"),
    ],
)
def test_a_suspension_without_a_period_or_a_reason_gets_a_japanese_error(
    group, moderator, target, data, error
):
    _member, membership = target
    response = client_for(moderator).post(_url("member_suspend", group, membership), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    membership.refresh_from_db()
    assert membership.suspended_until is None and not ModerationLog.objects.exists()


def test_lifting_a_suspension_tells_the_member(group, moderator, target):
    member, membership = target
    services.membership_suspend(actor=moderator, membership=membership, reason="連投",
                                until=timezone.now() + timedelta(days=1))  # fmt: skip
    response = client_for(moderator).post(_url("member_unsuspend", group, membership))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert not membership.is_suspended
    assert any("投稿停止が解除されました" in text for text in _group_notices(member))


# --- removal ------------------------------------------------------------------------------


def test_removal_asks_first_then_tells_the_member_why_and_keeps_them_out(group, moderator,
                                                                         target):  # fmt: skip
    member, membership = target
    members_page = client_for(moderator).get(reverse("groups:members", args=[group.slug]))
    assert 'value="remove"' not in members_page.content.decode()  # no one-click removal
    confirm = client_for(moderator).get(_url("member_remove", group, membership))
    assert confirm.status_code == 200
    assert "対象 花子さんをメンバーから外しますか" in confirm.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()  # asking removes nobody

    no_reason = client_for(moderator).post(_url("member_remove", group, membership), {"reason": ""})
    assert no_reason.status_code == 400
    assert "理由を書いてください。本人に伝わります。" in no_reason.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()

    done = client_for(moderator).post(_url("member_remove", group, membership),
                                      {"reason": "業務外の勧誘が続いたため"})  # fmt: skip
    assert done.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    ban = GroupBan.objects.get(group=group, member=member)
    assert ban.is_active and ban.reason == "業務外の勧誘が続いたため" and ban.banned_by == moderator
    [text] = _group_notices(member)
    assert "メンバーから外されました" in text and "業務外の勧誘が続いたため" in text

    removed = client_for(member)
    detail = removed.get(reverse("groups:detail", args=[group.slug])).content.decode()
    assert "参加する</button>" not in detail
    assert "メンバーから外されています" in detail and "業務外の勧誘が続いたため" in detail
    response = removed.post(reverse("groups:join", args=[group.slug]), follow=True)
    assert "モデレーターが再参加を許可すると参加できるようになります" in response.content.decode()
    assert not Membership.objects.filter(group=group, member=member).exists()


def test_allowing_to_rejoin_lifts_the_ban_and_tells_the_member(group, moderator, target):
    member, membership = target
    ban = services.membership_remove(actor=moderator, membership=membership, reason="誤投稿")
    page = client_for(moderator).get(reverse("groups:members", args=[group.slug]))
    assert "再参加を許可" in page.content.decode() and "対象 花子" in page.content.decode()
    response = client_for(moderator).post(reverse("groups:ban_lift", args=[group.slug, ban.pk]))
    assert response.status_code == 302
    ban.refresh_from_db()
    assert not ban.is_active and ban.lifted_by == moderator
    assert any("再参加が許可されました" in text for text in _group_notices(member))
    client_for(member).post(reverse("groups:join", args=[group.slug]))
    assert Membership.objects.filter(group=group, member=member).exists()


def test_a_removed_member_cannot_ask_to_join_a_closed_group_nor_be_invited(owner):
    group = make_group(owner, kind="closed", slug="heisa", name="承認制")
    member = MemberFactory()
    membership = Membership.objects.create(group=group, member=member)
    services.membership_remove(actor=owner, membership=membership, reason="退職")
    client = client_for(member)
    detail = client.get(reverse("groups:detail", args=[group.slug])).content.decode()
    assert "参加を申請する" not in detail and "メンバーから外されています" in detail
    client.post(reverse("groups:request", args=[group.slug]), {"message": "もう一度"})
    assert not JoinRequest.objects.filter(group=group, member=member).exists()
    with pytest.raises(ValidationError, match="再参加を許可"):
        services.invitation_create(inviter=owner, group=group, invitee=member)
    assert not Invitation.objects.exists()


def test_a_removed_member_of_a_secret_group_is_told_too(owner):
    group = make_group(owner, kind="secret", slug="himitsu", name="非公開")
    member = MemberFactory()
    membership = Membership.objects.create(group=group, member=member)
    services.membership_remove(actor=owner, membership=membership, reason="異動")
    assert any("異動" in text for text in _group_notices(member))


def test_the_second_of_two_moderators_is_told_the_member_is_already_gone(group, owner, moderator,
                                                                         target):  # fmt: skip
    """One after the other here; tests/groups/test_concurrency.py runs them at once."""
    member, membership = target
    services.membership_remove(actor=owner, membership=membership, reason="一人目")
    with pytest.raises(ValidationError, match="もうこのグループのメンバーではありません"):
        services.membership_remove(actor=moderator, membership=membership, reason="二人目")
    assert GroupBan.objects.filter(member=member).count() == 1
    ban = GroupBan.objects.get(member=member)
    services.ban_lift(actor=owner, ban=ban)
    services.ban_lift(actor=moderator, ban=ban)
    assert ModerationLog.objects.filter(action="allow_rejoin").count() == 1


# --- refusals -----------------------------------------------------------------------------


def _hand_made_posts(group, membership, ban):
    return [
        (_url("member_suspend", group, membership), {"days": "30", "reason": "勝手に"}),
        (_url("member_unsuspend", group, membership), {}),
        (_url("member_remove", group, membership), {"reason": "勝手に"}),
        (reverse("groups:ban_lift", args=[group.slug, ban.pk]), {}),
    ]


def _state(group):
    return (
        sorted(Membership.objects.filter(group=group).values_list("pk", "role", "suspended_until")),
        sorted(GroupBan.objects.values_list("pk", "lifted_at")),
        ModerationLog.objects.count(),
    )


def test_a_plain_member_sending_moderation_posts_by_hand_is_refused(group, owner, target):
    _member, membership = target
    other = MemberFactory()
    other_membership = Membership.objects.create(group=group, member=other)
    ban = services.membership_remove(actor=owner, membership=other_membership, reason="x")
    Membership.objects.create(group=group, member=other)  # back in, the ban kept for the test
    outsider = MemberFactory()  # not a member at all (open group: may read it)
    before = _state(group)
    for url, data in _hand_made_posts(group, membership, ban):
        for client in (client_for(other), client_for(outsider)):
            assert client.post(url, data).status_code == 403, url
            assert client.get(url).status_code in {403, 405}, url
    assert _state(group) == before


def test_a_moderator_cannot_act_on_an_owner_or_another_moderator(group, owner, moderator):
    peer = MemberFactory()
    peer_membership = Membership.objects.create(group=group, member=peer,
                                                role=Membership.Role.MODERATOR)  # fmt: skip
    owner_membership = Membership.objects.get(group=group, member=owner)
    before = _state(group)
    client = client_for(moderator)
    for membership in (owner_membership, peer_membership):
        for name, data in [("member_suspend", {"days": "7", "reason": "x"}),
                           ("member_remove", {"reason": "x"}), ("member_unsuspend", {})]:  # fmt: skip
            response = client.post(_url(name, group, membership), data)
            assert response.status_code == 403
            assert "この操作ができません" in response.content.decode()
    assert _state(group) == before


def test_an_owner_cannot_be_removed_even_by_a_site_moderator(group, owner):
    site_moderator = MemberFactory(is_site_moderator=True)
    membership = Membership.objects.get(group=group, member=owner)
    response = client_for(site_moderator).post(_url("member_remove", group, membership),
                                               {"reason": "x"})  # fmt: skip
    assert response.status_code == 400
    assert "オーナーは外せません" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists() and not GroupBan.objects.exists()


def test_outsiders_of_a_secret_group_get_404_on_the_new_routes(owner):
    group = make_group(owner, kind="secret", slug="kimitsu", name="機密")
    member = MemberFactory()
    membership = Membership.objects.create(group=group, member=member)
    ban = services.membership_remove(actor=owner, membership=membership, reason="x")
    membership = Membership.objects.create(group=group, member=member)
    outsider = client_for(MemberFactory())
    for url, data in _hand_made_posts(group, membership, ban):
        assert outsider.post(url, data).status_code == 404


# --- query counts -------------------------------------------------------------------------


def test_the_members_page_costs_the_same_queries_with_more_members_and_bans(group, owner):
    client = client_for(owner)
    url = reverse("groups:members", args=[group.slug])

    def grow():
        for _ in range(3):
            member = MemberFactory()
            Membership.objects.create(group=group, member=member)
            removed = Membership.objects.create(group=group, member=MemberFactory())
            services.membership_remove(actor=owner, membership=removed, reason="x")

    grow()
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    grow()
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(few)


def test_the_suspend_and_remove_pages_cost_a_fixed_number_of_queries(
    group, owner, target, django_assert_max_num_queries
):
    _member, membership = target
    client = client_for(owner)
    for name in ("member_suspend", "member_remove"):
        with django_assert_max_num_queries(12):
            assert client.get(_url(name, group, membership)).status_code == 200
