"""The moderation queues of groups (registered from GroupsConfig.ready): flags in the groups a
member moderates, join requests to them, and group proposals for site moderators. All three
share one query a page (selectors.moderation_counts)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cityhall import moderation
from cityhall.moderation import ModerationQueue
from cityhall.policies import is_site_moderator
from groups import policies, selectors


def _flags(member) -> int | None:
    counts = selectors.moderation_counts(member)
    return counts.flags if counts.moderates or is_site_moderator(member) else None


def _requests(member) -> int | None:
    counts = selectors.moderation_counts(member)
    return counts.requests if counts.moderates else None


def _proposals(member) -> int | None:
    if not policies.can_review_proposals(member):
        return None
    return selectors.moderation_counts(member).proposals


QUEUES = [
    ModerationQueue(
        key="flags",
        label=_("担当グループの通報"),
        url=lambda member: reverse("groups:site_moderation"),
        count=_flags,
        order=20,
    ),
    ModerationQueue(
        key="join_requests",
        label=_("担当グループへの参加申請"),
        url=lambda member: reverse("groups:site_moderation") + "#join-requests",
        count=_requests,
        order=20,
    ),
    ModerationQueue(
        key="group_proposals",
        label=_("グループの提案"),
        url=lambda member: reverse("groups:proposals"),
        count=_proposals,
        order=20,
    ),
]


def register() -> None:
    for queue in QUEUES:
        moderation.register(queue)
