"""Every write to members, organizations, postings and notifications."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall import realtime
from members import domains
from members.models import Notification, Organization, OrganizationDomain, Posting, User
from members.tasks import send_email


def email_enqueue(message) -> None:
    """Queue an already-rendered EmailMessage; it is sent by the worker after commit."""
    html = next(
        (body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"), ""
    )
    payload = dict(
        subject=message.subject,
        body=message.body,
        to=list(message.to),
        from_email=message.from_email,
        html=html,
    )
    transaction.on_commit(lambda: send_email.enqueue(**payload))


@transaction.atomic
def member_signup_complete(
    *,
    member: User,
    display_name: str,
    display_name_kana: str,
    chosen_organization: Organization | None,
) -> User:
    """Fill in what sign-up asked for and open the member's first posting."""
    found = domains.resolve_organization(member.email.rpartition("@")[2])
    member.display_name = display_name
    member.display_name_kana = display_name_kana
    member.organization = found or chosen_organization
    member.organization_confirmed = found is not None
    if member.organization is None:
        raise ValidationError(_("所属団体を選んでください。"))
    member.full_clean(exclude=["password"])
    member.save()
    _open_posting(member)
    notification_create(
        recipient=member, kind=Notification.Kind.WELCOME, params={"name": member.display_name}
    )
    return member


@transaction.atomic
def member_email_changed(*, member: User) -> bool:
    """After a new address is verified: move the member to the organization of its domain.

    Returns True when that is a transfer to another organization (the old one stays in the
    department history)."""
    member.refresh_from_db()
    found = domains.resolve_organization(member.email.rpartition("@")[2])
    if found is None:
        if member.organization_confirmed:
            member.organization_confirmed = False
            member.save(update_fields=["organization_confirmed"])
        return False
    if found.pk == member.organization_id:
        return False
    old = member.organization
    member.organization = found
    member.organization_confirmed = True
    member.department = member.section = member.team = ""
    member.save(
        update_fields=["organization", "organization_confirmed", "department", "section", "team"]
    )
    _roll_posting(member)
    notification_create(
        recipient=member,
        kind=Notification.Kind.TRANSFER,
        params={"old": str(old) if old else "-", "new": str(found)},
    )
    return True


@transaction.atomic
def profile_update(
    *, member: User, data: dict, work_fields=None, avatar=None, clear_avatar: bool = False
) -> User:
    """Save profile fields. A change of organization or department starts a new posting."""
    saved_org_id = User.objects.values_list("organization_id", flat=True).get(pk=member.pk)
    for name, value in data.items():
        setattr(member, name, value)
    if member.organization_id != saved_org_id:
        email_org = domains.resolve_organization(member.email.rpartition("@")[2])
        member.organization_confirmed = (
            email_org is not None and email_org.pk == member.organization_id
        )
    if clear_avatar and member.avatar:
        member.avatar.delete(save=False)
        member.avatar = ""
    if avatar is not None:
        member.avatar = avatar
    member.full_clean(exclude=["password"])
    member.save()
    if work_fields is not None:
        member.work_fields.set(work_fields)
    _roll_posting(member)
    return member


def _open_posting(member: User) -> Posting:
    return Posting.objects.create(
        member=member,
        organization=member.organization,
        department=member.department,
        section=member.section,
        team=member.team,
        started_on=timezone.localdate(),
    )


def _roll_posting(member: User) -> None:
    """If the member moved, close the current posting today and open one for where they are now."""
    today = timezone.localdate()
    current = (
        Posting.objects.select_for_update().filter(member=member, ended_on__isnull=True).first()
    )
    where = (member.organization_id, member.department, member.section, member.team)
    if (
        current
        and (current.organization_id, current.department, current.section, current.team) == where
    ):
        return
    if current and current.started_on >= today:
        current.organization = member.organization
        current.department, current.section, current.team = (
            member.department,
            member.section,
            member.team,
        )
        current.save()
        return
    if current:
        current.ended_on = today
        current.save(update_fields=["ended_on"])
    if member.organization_id:
        _open_posting(member)


@transaction.atomic
def posting_add(
    *,
    member: User,
    organization: Organization,
    department: str,
    section: str,
    team: str,
    started_on,
    ended_on,
) -> Posting:
    """Record a past posting (one that has ended) in the member's department history."""
    posting = Posting(
        member=member,
        organization=organization,
        department=department,
        section=section,
        team=team,
        started_on=started_on,
        ended_on=ended_on,
    )
    posting.full_clean()
    posting.save()
    return posting


@transaction.atomic
def posting_delete(*, member: User, posting_id: int) -> None:
    deleted, _rows = Posting.objects.filter(
        member=member, pk=posting_id, ended_on__isnull=False
    ).delete()
    if not deleted:
        raise Posting.DoesNotExist


@transaction.atomic
def organization_confirm(*, member: User, remember_domain: bool) -> None:
    """An administrator confirms the organization a member picked at sign-up."""
    member.organization_confirmed = True
    member.save(update_fields=["organization_confirmed"])
    if remember_domain and member.organization_id:
        OrganizationDomain.objects.get_or_create(
            domain=member.email.rpartition("@")[2],
            defaults={"organization": member.organization},
        )
    notification_create(
        recipient=member,
        kind=Notification.Kind.ORGANIZATION_CONFIRMED,
        params={"organization": str(member.organization)},
    )


def notification_create(*, recipient: User, kind: str, params: dict, url: str = "") -> Notification:
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, params=params, url=url
    )
    _publish_unread_count(recipient.pk)
    return notification


def notifications_mark_read(*, member: User) -> int:
    count = Notification.objects.filter(recipient=member, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if count:
        _publish_unread_count(member.pk)
    return count


def _publish_unread_count(member_id: int) -> None:
    def send():
        count = Notification.objects.filter(recipient_id=member_id, read_at__isnull=True).count()
        realtime.publish(realtime.member_group(member_id), {"type": "unread.count", "count": count})

    transaction.on_commit(send)
