"""Who may be in a chat room and what they may do there. Pure functions over the member, the
room (with its group loaded) and the member's standing in it (access.standing_of): for a
group's room their Membership of the group (or None), for a room without a group the Grant of
the app that owns it (groups.chat.owners; None when it keeps them out)."""

from cityhall.policies import is_site_moderator
from groups import policies as group_policies


def can_enter(member, room, standing) -> bool:
    """Listen to the room and read its history: members of the group (and site moderators), or
    whoever the room's owner lets in."""
    if room.group_id is None:
        return standing is not None
    group = room.group
    if not group.chat_enabled or not group_policies.can_read(member, group, standing):
        return False
    return standing is not None or is_site_moderator(member)


def can_moderate(member, room, standing) -> bool:
    if not can_enter(member, room, standing):
        return False
    if room.group_id is None:
        return standing.moderate
    return group_policies.can_moderate(member, room.group, standing)


def can_handle_flags(member, room, standing) -> bool:
    """Close the flags on the room's messages: the group's moderators (also while its chat is
    switched off), or the moderators of a room without a group."""
    if room.group_id is None:
        return can_moderate(member, room, standing)
    return group_policies.can_moderate(member, room.group, standing)


def may_mute(moderator, room, moderator_standing, member, standing) -> bool:
    """Only plain members of the room can be muted (not outsiders, owners or moderators), and
    in a group's room only by a moderator who stands above them in the group
    (groups.policies.may_act_on); the same rule lifts a mute."""
    if not can_moderate(moderator, room, moderator_standing):
        return False
    if room.group_id is None:
        return standing is not None and not standing.moderate
    if standing is None or standing.is_moderator:
        return False
    return group_policies.may_act_on(moderator, room.group, moderator_standing, member, standing)


def can_send(member, room, standing, *, muted: bool) -> bool:
    if not can_enter(member, room, standing) or muted:
        return False
    if room.group_id is None:
        return standing.send
    return standing is not None and not standing.is_suspended


def can_react(member, message, standing) -> bool:
    """A reaction is a word in the room: for whoever may write there now (an ended session's
    room is read-only to its registrants), on a message not deleted. A mute stops messages,
    not reactions."""
    return not message.is_deleted and can_send(member, message.room, standing, muted=False)


def can_edit(member, message, standing, *, muted: bool) -> bool:
    if message.is_deleted:
        return False
    return message.author_id == member.pk and can_send(member, message.room, standing,
                                                       muted=muted)  # fmt: skip


def can_delete(member, message, standing, *, muted: bool) -> bool:
    if message.is_deleted or not can_enter(member, message.room, standing):
        return False
    return can_edit(member, message, standing, muted=muted) or can_moderate(
        member, message.room, standing
    )


def can_flag(member, message, standing) -> bool:
    """Report a message to the room's moderators: one in a room the member may enter, written
    by someone else and not deleted."""
    if message.is_deleted or message.author_id == member.pk:
        return False
    return can_enter(member, message.room, standing)
