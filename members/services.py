"""Every write to members, organizations, postings and notifications."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cityhall import notifications as kinds
from cityhall import policies, ratelimits, realtime
from cityhall.compiled import FixedQuery, padded
from cityhall.uploads import delete_after_commit, delete_unless_committed
from members import domains, handles, notification_subjects
from members.models import (
    SUSPENDED_INDEFINITELY,
    FormerHandle,
    Notification,
    NotificationPreference,
    Organization,
    OrganizationDomain,
    Posting,
    SiteSuspension,
    User,
    handle_taken,
)
from members.notifications import ORGANIZATION_CONFIRMED, TRANSFER, WELCOME
from members.tasks import send_email, send_notification_mails


def email_enqueue(message) -> None:
    """Queue an already-rendered EmailMessage; it is sent by the worker after commit."""
    html = next(
        (body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"), ""
    )
    payload = dict(
        # one line: a subject holding a title a member wrote cannot break the mail's headers
        subject=" ".join(message.subject.splitlines()),
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
    member.display_name = display_name
    member.display_name_kana = display_name_kana
    # The account was saved a moment ago with a placeholder handle (no reading yet).
    member.handle = handles.suggest(display_name_kana, lambda h: handle_taken(h, member))
    member.organization, member.organization_confirmed = _organization_for(
        member, chosen_organization
    )
    member.full_clean(exclude=["password"])
    member.save()
    _open_posting(member, started_on=timezone.localdate())
    notification_create(
        recipient=member,
        kind=WELCOME,
        params={"name": member.display_name},
        url=reverse("members:profile"),
    )
    return member


def _organization_for(member: User, chosen: Organization | None) -> tuple[Organization, bool]:
    """(organization, confirmed): the email domain decides where it can; the member chooses
    among the candidates of an ambiguous domain, or freely when the directory has no idea, and
    then an administrator confirms."""
    candidates = domains.organization_candidates(member.email_domain)
    if candidates is not None and len(candidates) == 1:
        return candidates[0], True
    if chosen is None:
        raise ValidationError({"organization": _("所属団体を選んでください。")})
    if candidates is not None and chosen not in candidates:
        raise ValidationError(
            {"organization": _("このメールアドレスの団体として選べるものから選んでください。")}
        )
    return chosen, False


@transaction.atomic
def member_email_changed(*, member: User) -> bool:
    """After a new address is verified: move the member to the organization of its domain.

    Returns True when that is a transfer to another organization (the old one stays in the
    department history)."""
    member.refresh_from_db()
    found = domains.resolve_organization(member.email_domain)
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
        kind=TRANSFER,
        params={"old": str(old) if old else "-", "new": str(found)},
        url=reverse("members:profile"),
    )
    return True


@transaction.atomic
def member_handle_change(*, member: User, handle: str) -> User:
    """Give the member a new handle. The old one is kept as a former handle: @old in earlier
    posts still leads to them and nobody else may take it; the member may take it back."""
    handle = handles.normalize(handle)
    member = User.objects.select_for_update().get(pk=member.pk)
    if handle == member.handle:
        return member
    # Few tries a day: "taken" answers whether someone ever had it, and former handles made
    # from email addresses are among those.
    ratelimits.hit("handle", member)
    handles.validate(handle, email=member.email)
    # Locks a member who is just giving this handle up, so their former-handle row is seen.
    holders = list(
        User.objects.select_for_update()
        .filter(handle__iexact=handle)
        .exclude(pk=member.pk)
        .values_list("pk", flat=True)
    )
    taken = ValidationError(
        _("このハンドル名はほかの会員が使っているか、以前に使っていました。"), code="taken"
    )
    if holders or handle_taken(handle, member):
        raise taken
    FormerHandle.objects.filter(member=member, handle=handle).delete()
    if member.handle:
        FormerHandle.objects.create(
            member=member,
            handle=member.handle,
            from_email=handles.made_from_email(member.handle, member.email),
        )
    member.handle = handle
    try:
        with transaction.atomic():
            member.save(update_fields=["handle"])
    except IntegrityError as race:  # taken by another member in the same instant
        raise taken from race
    return member


@transaction.atomic
def profile_update(
    *,
    member: User,
    data: dict,
    work_fields=None,
    private_fields=None,
    avatar=None,
    clear_avatar: bool = False,
    record_as_transfer: bool = True,
    current_since=None,
    handle: str | None = None,
) -> User:
    """Save profile fields. Moving to another organization always starts a new posting; a new
    department does too unless the member says it only corrects the current one."""
    ratelimits.hit("profile", member)
    saved_org_id = User.objects.values_list("organization_id", flat=True).get(pk=member.pk)
    for name, value in data.items():
        setattr(member, name, value)
    if member.organization_id != saved_org_id:
        member.organization, member.organization_confirmed = _organization_for(
            member, member.organization
        )
    if private_fields is not None:
        for name, _label in User.PRIVATE_FIELD_CHOICES:
            setattr(member, f"hide_{name}", name in private_fields)
    replaced_avatar = member.avatar.name if clear_avatar or avatar is not None else ""
    if clear_avatar:
        member.avatar = ""
    if avatar is not None:
        member.avatar = avatar
    member.full_clean(exclude=["password"])
    member.save()
    _avatar_files_follow_the_transaction(member, replaced_avatar, new=avatar is not None)
    if work_fields is not None:
        member.work_fields.set(work_fields)
        member.save(update_fields=["search_profile"])  # the fields are read back in save()
    _roll_posting(member, record_as_transfer=record_as_transfer, current_since=current_since)
    if handle is not None:
        member.handle = member_handle_change(member=member, handle=handle).handle
    return member


def _avatar_files_follow_the_transaction(member: User, replaced: str, *, new: bool) -> None:
    """A new icon's file goes away if the profile's save rolls back; the one it replaced (or
    that was cleared), only once the save has committed."""
    storage = member.avatar.storage
    if new:
        delete_unless_committed(storage, member.avatar.name)
    if replaced:
        delete_after_commit(storage, replaced)


def _open_posting(member: User, started_on) -> Posting:
    return Posting.objects.create(
        member=member,
        organization=member.organization,
        department=member.department,
        section=member.section,
        team=member.team,
        started_on=started_on,
    )


def _roll_posting(member: User, *, record_as_transfer: bool = True, current_since=None) -> None:
    """Keep the current posting in step with where the member works now.

    Another organization closes it today and opens a new one; so does another department when
    ``record_as_transfer`` and a department was set before. Filling in a department for the
    first time (a new member's first save) is no transfer: the current posting is completed in
    place, as any correction is."""
    today = timezone.localdate()
    current = (
        Posting.objects.select_for_update().filter(member=member, ended_on__isnull=True).first()
    )
    if current is None:
        if member.organization_id:
            _open_posting(member, started_on=current_since or today)
        return
    same_org = current.organization_id == member.organization_id
    where = (member.department, member.section, member.team)
    first_set = not any(current.where)
    moved = not same_org or (record_as_transfer and not first_set and where != current.where)
    if moved:
        current.ended_on = max(today, current.started_on)
        current.save(update_fields=["ended_on"])
        _open_posting(member, started_on=current_since or today)
        return
    current.department, current.section, current.team = where
    current.started_on = current_since or current.started_on
    current.full_clean()
    current.save()


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
    ratelimits.hit("profile", member)
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
    ratelimits.hit("profile", member)
    deleted, _rows = Posting.objects.filter(
        member=member, pk=posting_id, ended_on__isnull=False
    ).delete()
    if not deleted:
        raise Posting.DoesNotExist


@transaction.atomic
def organization_confirm(*, member: User, remember_domain: bool) -> bool:
    """An administrator confirms the organization a member picked at sign-up. With
    ``remember_domain`` the member's email domain is mapped to it, unless the directory already
    ties that domain to another organization. Returns whether the domain was remembered."""
    member.organization_confirmed = True
    member.save(update_fields=["organization_confirmed"])
    notification_create(
        recipient=member,
        kind=ORGANIZATION_CONFIRMED,
        params={"organization": str(member.organization)},
    )
    if not remember_domain or member.organization_id is None:
        return False
    candidates = domains.organization_candidates(member.email_domain)
    if candidates is not None and (len(candidates) == 1 or member.organization not in candidates):
        return False
    OrganizationDomain.objects.get_or_create(
        domain=member.email_domain, defaults={"organization": member.organization}
    )
    return True


def notification_create(
    *, recipient: User, kind: str, params: dict, url: str = "", subject=None
) -> Notification | None:
    """Notify ``recipient`` as their preferences say: in the app (live count), by mail (grouped:
    one message for what arrives within NOTIFICATION_MAIL_DELAY), both, or not at all. With a
    ``subject`` (the post, message or group it is about), only if they may see it."""
    created = notifications_create(
        recipients=[recipient], kind=kind, params=params, url=url, subject=subject
    )
    return created[0] if created else None


def notifications_create(
    *, recipients, kind: str, params: dict, url: str = "", subject=None, checked: bool = False
) -> list:
    """notification_create for many members at once, in a fixed number of queries: who may see
    the subject (unless the caller ``checked`` with notification_subjects.may_see already),
    their preferences, one insert, and after commit one "count changed" to each bell and one
    mail task for those who get mail."""
    return notifications_create_by_kind(
        {kind: recipients}, params=params, url=url, subject=subject, checked=checked
    )


def notifications_create_by_kind(
    recipients_by_kind: dict, *, params: dict, url: str = "", subject=None, checked: bool = False
) -> list:
    """notifications_create for several kinds about the same subject (a reply: the asker's and
    the watchers'), in the queries of one: the kinds' preferences read and their rows written
    together, one mail task for all."""
    by_kind = {kind: list(members) for kind, members in recipients_by_kind.items()}
    reference = {}
    if subject is not None:
        if not checked:
            by_kind = _who_may_see(by_kind, subject)
        reference = notification_subjects.reference(subject)
    by_kind = {kind: members for kind, members in by_kind.items() if members}
    if not by_kind:
        return []
    channels = _channels({kind: [member.pk for member in members]
                          for kind, members in by_kind.items()})  # fmt: skip
    now = timezone.now()
    notifications = [
        Notification(recipient=member, kind=kind, params=params, url=url, **reference,
                     read_at=None if in_app else now, emailed_at=None if by_mail else now)
        for kind, members in by_kind.items()
        for member in members
        for in_app, by_mail in [channels[kind, member.pk]]
        if in_app or by_mail
    ]  # fmt: skip
    Notification.objects.bulk_create(notifications)
    _publish_unread_counts([n.recipient_id for n in notifications if n.read_at is None])
    mailed = [n.recipient_id for n in notifications if n.emailed_at is None]
    _enqueue_notification_mail(list(dict.fromkeys(mailed)))
    return notifications


def _who_may_see(by_kind: dict[str, list], subject) -> dict[str, list]:
    """``by_kind`` without the members who may not see ``subject``, asked once for them all."""
    everyone = {member.pk: member for members in by_kind.values() for member in members}
    readers = {m.pk for m in notification_subjects.may_see(list(everyone.values()), subject)}
    return {kind: [m for m in members if m.pk in readers] for kind, members in by_kind.items()}


def notification_channels(member: User, kind: str) -> tuple[bool, bool]:
    return _channels({kind: [member.pk]})[kind, member.pk]


def _channels(member_ids_by_kind: dict[str, list[int]]) -> dict[tuple[str, int], tuple[bool, bool]]:
    """(in the app, by mail) for each kind and member: their preference, or the kind's
    default, in one query for every kind."""
    defaults = {}
    for kind in member_ids_by_kind:
        registered = kinds.get(kind)
        if registered is None:
            raise ValueError(
                f"notification kind {kind!r} is not registered (cityhall.notifications)"
            )
        defaults[kind] = (registered.in_app_by_default, registered.email_by_default)
    every_id = list(dict.fromkeys(pk for ids in member_ids_by_kind.values() for pk in ids))
    found = {(kind, member_id): (in_app, email)
             for kind, member_id, in_app, email in _chosen(list(defaults), every_id)}  # fmt: skip
    return {(kind, pk): found.get((kind, pk), defaults[kind])
            for kind, ids in member_ids_by_kind.items() for pk in ids}  # fmt: skip


# Compiled once for each number of kinds and power of two of the number of members (padded
# with 0, no member's id): every reply asks it for the members it notifies.
_CHOSEN = FixedQuery(
    lambda *values, shape: NotificationPreference.objects.filter(
        kind__in=values[: shape[0]], member_id__in=values[shape[0] :]
    ).values_list("kind", "member_id", "in_app", "email")
)


def _chosen(kinds_wanted: list[str], member_ids: list[int]) -> list[tuple]:
    ids, size = padded(member_ids)
    if not ids:
        return []
    return _CHOSEN(*kinds_wanted, *ids, shape=(len(kinds_wanted), size))


@transaction.atomic
def notification_preferences_set(*, member: User, choices: dict[str, tuple[bool, bool]]) -> None:
    ratelimits.hit("profile", member)
    for kind, (in_app, email) in choices.items():
        NotificationPreference.objects.update_or_create(
            member=member, kind=kind, defaults={"in_app": in_app, "email": email}
        )


def _enqueue_notification_mail(member_ids: list[int]) -> None:
    if not member_ids:
        return
    run_after = timezone.now() + timedelta(seconds=settings.NOTIFICATION_MAIL_DELAY)
    mails = send_notification_mails.using(run_after=run_after)
    transaction.on_commit(lambda: mails.enqueue(member_ids=member_ids))


def notifications_mark_read(*, member: User) -> int:
    count = Notification.objects.filter(recipient=member, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if count:
        _publish_unread_count(member.pk)
    return count


def _publish_unread_count(member_id: int) -> None:
    _publish_unread_counts([member_id])


def _publish_unread_counts(member_ids: list[int]) -> None:
    """After commit, each member's bell hears that their unread notifications changed; the
    bell's socket counts them for its own member (members.consumers). So the writer counts
    nobody else's notifications (a reply to a member with 200 unread: 27 ms), and a member
    with no page open costs nothing."""
    for member_id in dict.fromkeys(member_ids):
        realtime.publish_on_commit(realtime.member_group(member_id), {"type": "unread.changed"})


# --- the right to use the site ------------------------------------------------------------


@transaction.atomic
def member_deactivate(*, member: User) -> None:
    """Close the account: it can no longer sign in, and its open sockets close now (4401)."""
    User.objects.filter(pk=member.pk).update(is_active=False)
    member.is_active = False
    member_access_changed(member=member)


@transaction.atomic
def member_suspend(*, actor: User, member: User, until, reason: str) -> SiteSuspension:
    """Bar ``member`` from the whole site until ``until`` (None: until lifted). Their open
    sockets close now, their next page says until when and why, and they are told by mail."""
    ratelimits.hit("moderation", actor)
    member = _locked_target(actor, member)
    SiteSuspension.objects.filter(member=member, lifted_at__isnull=True).update(
        lifted_at=timezone.now(), lifted_by=actor
    )
    suspension = SiteSuspension.objects.create(
        member=member, actor=actor, reason=reason, until=until
    )
    member.suspended_until = until or SUSPENDED_INDEFINITELY
    member.save(update_fields=["suspended_until"])
    member_access_changed(member=member)
    _mail_member(member, "suspended", {"suspension": suspension})
    return suspension


@transaction.atomic
def member_unsuspend(*, actor: User, member: User) -> None:
    ratelimits.hit("moderation", actor)
    member = _locked_target(actor, member)
    lifted = SiteSuspension.objects.filter(member=member, lifted_at__isnull=True).update(
        lifted_at=timezone.now(), lifted_by=actor
    )
    member.suspended_until = None
    member.save(update_fields=["suspended_until"])
    if lifted:
        _mail_member(member, "unsuspended", {})


def _locked_target(actor: User, member: User) -> User:
    member = User.objects.select_for_update().get(pk=member.pk)
    if not policies.may_suspend_site(actor, member):
        raise PermissionDenied(_("この会員の利用を停止する権限がありません。"))
    return member


def _mail_member(member: User, template: str, context: dict) -> None:
    """A message from the site about the member's own account, in the site's language."""
    context = {**context, "member": member, "site_url": settings.SITE_URL}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"members/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"members/email/{template}_message.txt", context)
    email_enqueue(
        EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [member.email])
    )


def member_access_changed(*, member: User) -> None:
    """After commit, every open socket of ``member`` checks again that the session still gives
    a verified member who may see what the socket shows, and closes if not (4401 or 4403).
    Whatever takes a right away calls this: deactivation, a site-wide suspension, leaving or
    removal from a group."""
    realtime.publish_on_commit(realtime.member_group(member.pk), {"type": "member.access"})


def member_signed_out(*, member: User, session_key: str) -> None:
    """The member logged out of one session: that session's sockets close now (4401)."""
    event = {"type": "member.signed_out", "session": session_key}
    realtime.publish(realtime.member_group(member.pk), event)
