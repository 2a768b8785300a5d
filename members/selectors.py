"""Every read of members for a viewer."""

from django.db.models import Prefetch, QuerySet

from cityhall import policies
from members.models import Notification, Organization, Posting, User


def member_for_viewer(viewer, member_id: int) -> User | None:
    """The member with this id if ``viewer`` may see them; None for missing and forbidden alike."""
    if not policies.is_verified_member(viewer):
        return None
    member = (
        User.objects.filter(pk=member_id, is_active=True)
        .select_related("organization__prefecture")
        .prefetch_related(
            "work_fields",
            Prefetch(
                "postings",
                queryset=Posting.objects.select_related("organization__prefecture"),
            ),
        )
        .first()
    )
    if member is None or not policies.may_view_member(viewer, member):
        return None
    return member


def own_profile(member: User) -> User:
    return member_for_viewer(member, member.pk)


def notifications_for(member: User, limit: int = 50) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=member)[:limit]


def unread_notification_count(member: User) -> int:
    return Notification.objects.filter(recipient=member, read_at__isnull=True).count()


def organization_choices() -> QuerySet[Organization]:
    return Organization.objects.select_related("prefecture").order_by("lg_code", "kind", "kana")
