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
