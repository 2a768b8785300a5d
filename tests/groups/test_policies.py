"""The group policy matrix: open/closed/secret × outsider/member/moderator/owner/site moderator,
plus anonymous and unverified accounts, for seeing, reading, posting and moderating."""

import pytest
from django.contrib.auth.models import AnonymousUser

from groups import policies
from groups.models import Group, Membership, Topic
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "unverified", "outsider", "member", "moderator", "owner", "site_moderator"]

# (see the group, read topics, post, moderate) for each kind and role
EXPECTED = {
    "open": {
        "anonymous": (0, 0, 0, 0), "unverified": (0, 0, 0, 0), "outsider": (1, 1, 0, 0),
        "member": (1, 1, 1, 0), "moderator": (1, 1, 1, 1), "owner": (1, 1, 1, 1),
        "site_moderator": (1, 1, 0, 1),
    },
    "closed": {
        "anonymous": (0, 0, 0, 0), "unverified": (0, 0, 0, 0), "outsider": (1, 0, 0, 0),
        "member": (1, 1, 1, 0), "moderator": (1, 1, 1, 1), "owner": (1, 1, 1, 1),
        "site_moderator": (1, 1, 0, 1),
    },
    "secret": {
        "anonymous": (0, 0, 0, 0), "unverified": (0, 0, 0, 0), "outsider": (0, 0, 0, 0),
        "member": (1, 1, 1, 0), "moderator": (1, 1, 1, 1), "owner": (1, 1, 1, 1),
        "site_moderator": (1, 1, 0, 1),
    },
}  # fmt: skip


def _actor(role, group):
    if role == "anonymous":
        return AnonymousUser(), None
    member = MemberFactory(
        verified=role != "unverified", is_site_moderator=role == "site_moderator"
    )
    if role in {"member", "moderator", "owner", "unverified"}:
        db_role = role if role in {"moderator", "owner"} else Membership.Role.MEMBER
        return member, Membership.objects.create(group=group, member=member, role=db_role)
    return member, None


@pytest.fixture
def proposer(db):
    return MemberFactory()


@pytest.mark.parametrize("kind", ["open", "closed", "secret"])
@pytest.mark.parametrize("role", ROLES)
def test_matrix(proposer, kind, role):
    group = Group.objects.create(
        slug=f"g-{kind}", name="債権回収", description="滞納整理の相談", kind=kind,
        status=Group.Status.ACTIVE, proposed_by=proposer,
    )  # fmt: skip
    actor, membership = _actor(role, group)
    answers = (
        policies.can_see_group(actor, group, membership),
        policies.can_read(actor, group, membership),
        policies.can_post(actor, group, membership),
        policies.can_moderate(actor, group, membership),
    )
    assert answers == tuple(bool(x) for x in EXPECTED[kind][role])


def test_a_proposed_group_is_seen_only_by_its_proposer_and_site_moderators(proposer):
    group = Group.objects.create(slug="p", name="SDGs", description="x", proposed_by=proposer)
    assert policies.can_see_group(proposer, group, None)
    assert not policies.can_see_group(MemberFactory(), group, None)
    assert policies.can_see_group(MemberFactory(is_site_moderator=True), group, None)
    assert not policies.can_read(proposer, group, None)


def test_suspended_members_read_but_cannot_post(proposer):
    from datetime import timedelta

    from django.utils import timezone

    group = Group.objects.create(slug="s", name="財政", description="x", kind="open",
                                 status="active", proposed_by=proposer)  # fmt: skip
    member = MemberFactory()
    membership = Membership.objects.create(
        group=group, member=member, suspended_until=timezone.now() + timedelta(days=3)
    )
    assert policies.can_read(member, group, membership)
    assert not policies.can_post(member, group, membership)


def test_locked_and_hidden_topics(proposer):
    group = Group.objects.create(slug="l", name="財政", description="x", kind="open",
                                 status="active", proposed_by=proposer)  # fmt: skip
    member = MemberFactory()
    membership = Membership.objects.create(group=group, member=member)
    moderator = MemberFactory()
    mod_membership = Membership.objects.create(group=group, member=moderator, role="moderator")
    topic = Topic.objects.create(group=group, author=member, title="質問", is_locked=True)
    assert not policies.can_post(member, group, membership, topic)
    assert policies.can_post(moderator, group, mod_membership, topic)
    topic.is_hidden = True
    assert not policies.can_see_topic(member, topic, membership)
    assert policies.can_see_topic(moderator, topic, mod_membership)


# --- who may act on whom ------------------------------------------------------------------

STANDINGS = ["member", "moderator", "owner", "site_moderator"]

# May the row act (suspend, remove, mute) on the column?
ACTS_ON = {
    "member": {"member": 0, "moderator": 0, "owner": 0, "site_moderator": 0},
    "moderator": {"member": 1, "moderator": 0, "owner": 0, "site_moderator": 0},
    "owner": {"member": 1, "moderator": 1, "owner": 0, "site_moderator": 0},
    "site_moderator": {"member": 1, "moderator": 1, "owner": 1, "site_moderator": 0},
}


def _in_group(group, standing):
    """A member of ``group`` with this standing (a site moderator is a plain member too)."""
    member = MemberFactory(is_site_moderator=standing == "site_moderator")
    role = standing if standing in {"moderator", "owner"} else Membership.Role.MEMBER
    return member, Membership.objects.create(group=group, member=member, role=role)


@pytest.mark.parametrize("actor_standing", STANDINGS)
@pytest.mark.parametrize("target_standing", STANDINGS)
def test_who_may_act_on_whom(proposer, actor_standing, target_standing):
    group = Group.objects.create(slug="a", name="財政", description="x", kind="open",
                                 status="active", proposed_by=proposer)  # fmt: skip
    actor, actor_membership = _in_group(group, actor_standing)
    target, target_membership = _in_group(group, target_standing)
    expected = bool(ACTS_ON[actor_standing][target_standing])
    assert (
        policies.may_act_on(actor, group, actor_membership, target, target_membership) is expected
    )
    assert not policies.may_act_on(actor, group, actor_membership, actor, actor_membership)


def test_owners_give_roles_up_to_their_own_and_step_down_themselves(proposer):
    group = Group.objects.create(slug="r", name="財政", description="x", kind="open",
                                 status="active", proposed_by=proposer)  # fmt: skip
    owner, owner_membership = _in_group(group, "owner")
    co_owner, co_membership = _in_group(group, "owner")
    member, membership = _in_group(group, "member")
    moderator, moderator_membership = _in_group(group, "moderator")
    assert policies.may_set_role(owner, group, owner_membership, member, membership, "owner")
    assert policies.may_set_role(owner, group, owner_membership, owner, owner_membership, "member")
    assert not policies.may_set_role(owner, group, owner_membership, co_owner, co_membership,
                                     "member")  # fmt: skip
    assert not policies.may_set_role(moderator, group, moderator_membership, member, membership,
                                     "moderator")  # fmt: skip
    assert not policies.may_set_role(owner, group, owner_membership, member, membership, "king")


# --- the services and the members page keep to it -------------------------------------------


@pytest.fixture
def ranks(proposer):
    """An open group with an owner, a co-owner, a moderator and a plain member."""
    group = Group.objects.create(slug="zeimu", name="税務", description="x", kind="open",
                                 status="active", proposed_by=proposer)  # fmt: skip
    return group, {standing: _in_group(group, role)
                   for standing, role in [("owner", "owner"), ("co_owner", "owner"),
                                          ("moderator", "moderator"), ("member", "member")]}  # fmt: skip


def _unchanged(membership):
    before = (membership.role, membership.suspended_until)
    membership.refresh_from_db()
    return (membership.role, membership.suspended_until) == before


REFUSED = [  # (actor, target, service call)
    ("moderator", "owner", "suspend"), ("moderator", "co_owner", "remove"),
    ("moderator", "moderator", "suspend"), ("moderator", "owner", "unsuspend"),
    ("owner", "co_owner", "suspend"), ("owner", "co_owner", "role"),
    ("moderator", "member", "role"), ("member", "member", "suspend"),
]  # fmt: skip


def _call(action, actor, membership):
    from datetime import timedelta

    from django.utils import timezone

    from groups import services

    if action == "role":
        services.membership_set_role(actor=actor, membership=membership, role="member")
    elif action == "remove":
        services.membership_remove(actor=actor, membership=membership, reason="理由")
    else:
        until = timezone.now() + timedelta(days=7) if action == "suspend" else None
        services.membership_suspend(actor=actor, membership=membership, until=until,
                                    reason="理由")  # fmt: skip


@pytest.mark.parametrize(("actor", "target", "action"), REFUSED)
def test_the_services_refuse_to_act_on_an_equal_or_a_higher_role(ranks, actor, target, action):
    from django.core.exceptions import PermissionDenied

    from groups.models import ModerationLog

    group, people = ranks
    (actor_member, _mine), (_target, membership) = people[actor], people[target]
    with pytest.raises(PermissionDenied):
        _call(action, actor_member, membership)
    assert Membership.objects.filter(pk=membership.pk).exists() and _unchanged(membership)
    assert not ModerationLog.objects.exists()


@pytest.mark.parametrize(("actor", "target", "action"), REFUSED)
def test_a_hand_made_post_is_refused_in_japanese_and_changes_nothing(ranks, actor, target,
                                                                     action):  # fmt: skip
    from django.urls import reverse

    from groups.models import ModerationLog
    from tests.groups.conftest import client_for

    group, people = ranks
    (actor_member, _mine), (_target, membership) = people[actor], people[target]
    if action == "role":
        url = reverse("groups:members", args=[group.slug])
    else:  # suspending and removing have their own pages
        url = reverse(f"groups:member_{action}", args=[group.slug, membership.pk])
    response = client_for(actor_member).post(url, {
        "action": action, "membership": membership.pk, "role": "member", "days": "30",
        "reason": "勝手に",
    })  # fmt: skip
    assert response.status_code == 403
    if actor != "member":  # a plain member does not get to know why
        assert "この操作ができません" in response.content.decode() or (
            "役割は変えられません" in response.content.decode()
        )
    assert Membership.objects.filter(pk=membership.pk).exists() and _unchanged(membership)
    assert not ModerationLog.objects.exists()


def test_what_is_allowed_still_works(ranks):
    from groups import services
    from groups.models import ModerationLog

    group, people = ranks
    owner, moderator, member = people["owner"][0], people["moderator"], people["member"]
    _call("suspend", moderator[0], member[1])
    _call("role", owner, moderator[1])  # the moderator is a plain member again
    services.membership_set_role(actor=owner, membership=people["owner"][1], role="moderator")
    assert set(Membership.objects.filter(group=group).values_list("role", flat=True)) == {
        "owner",
        "moderator",
        "member",
    }
    assert ModerationLog.objects.count() == 3


def test_the_members_page_shows_only_the_buttons_one_may_use(ranks):
    from django.urls import reverse

    from tests.groups.conftest import client_for

    group, people = ranks
    client = client_for(people["moderator"][0])
    url = reverse("groups:members", args=[group.slug])
    page = client.get(url).content.decode()
    member_pk, owner_pk = people["member"][1].pk, people["owner"][1].pk
    suspend = lambda pk: reverse("groups:member_suspend", args=[group.slug, pk])  # noqa: E731
    assert suspend(member_pk) in page  # suspend or remove a member
    assert suspend(owner_pk) not in page
    assert f'name="membership" value="{owner_pk}"' not in page
    assert 'value="role"' not in page  # moderators give no roles
    owner_page = client_for(people["owner"][0]).get(url).content.decode()
    assert f'name="membership" value="{owner_pk}"' in owner_page  # the owner's own role


def test_the_members_page_costs_the_same_queries_however_many_members(ranks,
                                                                      django_assert_num_queries):  # fmt: skip
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from tests.groups.conftest import client_for

    group, people = ranks
    client = client_for(people["owner"][0])
    url = reverse("groups:members", args=[group.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for standing in ["member", "moderator", "site_moderator"] * 3:
        _in_group(group, standing)
    with django_assert_num_queries(len(few)):
        client.get(url)


def test_chat_mutes_keep_to_it_too(ranks):
    from django.urls import reverse

    from groups.chat import services as chat_services
    from groups.chat.models import Mute
    from groups.models import ModerationLog
    from tests.groups.conftest import client_for

    group, people = ranks
    room = chat_services.room_for_group(group)
    staff, _membership = _in_group(group, "site_moderator")  # a plain member of the group
    for target in (staff, people["co_owner"][0]):
        with pytest.raises(chat_services.ChatError):
            chat_services.member_mute(moderator=people["owner"][0], room=room, member=target,
                                      minutes=10)  # fmt: skip
    response = client_for(people["moderator"][0]).post(
        reverse("chat:mutes", args=[group.slug]), {"member": f"@{staff.handle}", "minutes": 60}
    )
    assert response.status_code == 200
    assert "オーナーとモデレーターの発言は止められません。" in response.content.decode()
    assert not Mute.objects.exists() and not ModerationLog.objects.exists()
