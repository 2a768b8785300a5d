"""Who may be in a chat room and what they may do there. Pure functions over the member, the
room (with its group loaded) and the member's Membership of that group (or None)."""

from cityhall.policies import is_site_moderator
from groups import policies as group_policies


def can_enter(member, room, membership) -> bool:
    """Listen to the room and read its history: members of the group (and site moderators)."""
    group = room.group
    if not group.chat_enabled or not group_policies.can_read(member, group, membership):
        return False
    return membership is not None or is_site_moderator(member)


def can_moderate(member, room, membership) -> bool:
    return can_enter(member, room, membership) and group_policies.can_moderate(
        member, room.group, membership
    )


def may_mute(moderator, room, moderator_membership, member, membership) -> bool:
    """Only plain members of the group can be muted (not outsiders, owners or moderators), and
    only by a room moderator who stands above them in the group (groups.policies.may_act_on);
    the same rule lifts a mute."""
    if membership is None or membership.is_moderator:
        return False
    return can_moderate(moderator, room, moderator_membership) and group_policies.may_act_on(
        moderator, room.group, moderator_membership, member, membership
    )


def can_send(member, room, membership, *, muted: bool) -> bool:
    if not can_enter(member, room, membership) or muted:
        return False
    return membership is not None and not membership.is_suspended


def can_edit(member, message, membership, *, muted: bool) -> bool:
    if message.is_deleted:
        return False
    return message.author_id == member.pk and can_send(member, message.room, membership,
                                                       muted=muted)  # fmt: skip


def can_delete(member, message, membership, *, muted: bool) -> bool:
    if message.is_deleted or not can_enter(member, message.room, membership):
        return False
    return can_edit(member, message, membership, muted=muted) or can_moderate(
        member, message.room, membership
    )


def can_flag(member, message, membership) -> bool:
    """Report a message to the group's moderators: one in a room the member may enter, written
    by someone else and not deleted."""
    if message.is_deleted or message.author_id == member.pk:
        return False
    return can_enter(member, message.room, membership)
