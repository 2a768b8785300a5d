"""Who may see, join, organize and talk in events. Pure functions over the member, the
occurrence or series (with its group loaded), the member's Membership of that group (or None)
and their Registration (or None)."""

from datetime import timedelta

from cityhall.policies import is_site_moderator, is_system_account, is_verified_member
from groups import policies as group_policies

ROOM_OPENS_BEFORE = timedelta(minutes=30)


def can_see(member, series, membership) -> bool:
    """An event is seen by whoever may read its group (open groups: every member)."""
    return is_verified_member(member) and group_policies.can_read(member, series.group, membership)


def can_organize_in(member, group, membership) -> bool:
    """全員が運営者: any member of a group may start a series in it."""
    return is_verified_member(member) and membership is not None and not membership.is_suspended


def is_organizer(member, series, organizer_ids) -> bool:
    return is_verified_member(member) and (member.pk in organizer_ids or is_site_moderator(member))


def can_manage(member, series, membership, organizer_ids) -> bool:
    """Edit the series, move or cancel an occurrence, see the registrants, export them."""
    if not can_see(member, series, membership):
        return False
    if is_organizer(member, series, organizer_ids):
        return True
    return membership is not None and group_policies.can_moderate(member, series.group, membership)


def can_register(member, occurrence, membership) -> bool:
    return (
        can_see(member, occurrence.series, membership)
        and not occurrence.is_cancelled
        and not is_system_account(member)
    )


def sees_meeting_details(member, occurrence, membership, registration, organizer_ids) -> bool:
    """The meeting URL and the venue's details: confirmed registrants (not once the occurrence
    is cancelled) and the organizers."""
    if can_manage(member, occurrence.series, membership, organizer_ids):
        return True
    return (
        not occurrence.is_cancelled
        and registration is not None
        and registration.status == registration.Status.CONFIRMED
        and can_see(member, occurrence.series, membership)
    )


def can_enter_room(member, occurrence, membership, registration, organizer_ids) -> bool:
    """An occurrence's chat: its registrants (confirmed, waitlisted or waiting for the lottery;
    not once the occurrence is cancelled) and the organizers."""
    if not can_see(member, occurrence.series, membership):
        return False
    if can_manage(member, occurrence.series, membership, organizer_ids):
        return True
    return not occurrence.is_cancelled and registration is not None and registration.is_active


def room_opens_at(occurrence):
    return occurrence.starts_at - ROOM_OPENS_BEFORE


def room_open_to(member, occurrence, membership, registration, organizer_ids, now) -> bool:
    """In the occurrence's chat at ``now``: the organizers at any time; the registrants from
    30 minutes before the start, and after the end still (to read it)."""
    if not can_enter_room(member, occurrence, membership, registration, organizer_ids):
        return False
    if now >= room_opens_at(occurrence):
        return True
    return can_manage(member, occurrence.series, membership, organizer_ids)


def can_write_in_room(member, occurrence, membership, registration, organizer_ids, now) -> bool:
    """Write in the occurrence's chat: the organizers at any time; the registrants while it is
    open, up to the end."""
    if can_manage(member, occurrence.series, membership, organizer_ids):
        return True
    in_room = room_open_to(member, occurrence, membership, registration, organizer_ids, now)
    return in_room and now < occurrence.ends_at
