"""Loading a chat room (and what is in it) for a member, or raising ``Http404``: the same 404
for a group that does not exist, one the member may not see, one without chat and a room the
member may not enter (groups.access explains why), and for a room without a group whose owner
keeps the member out. The chat views and the chat socket both call these; the socket turns
the 404 into its 4403 close or an error frame."""

from django.http import Http404

from groups.chat import owners, policies
from groups.chat.models import Message, Mute, Room
from groups.models import Group, Membership
from members.models import User


def room_for(member, slug: str) -> tuple[Room, Membership | None]:
    """(room, membership) of group ``slug`` if ``member`` may enter its room
    (policies.can_enter). A room not opened yet comes back unsaved (``pk`` None):
    services.room_for_group creates it."""
    group = Group.objects.filter(slug=slug).first()
    if group is None:
        raise Http404
    room = Room.objects.filter(group=group).first() or Room(group=group)
    room.group = group
    return entered(member, room)


def room_by_id(member, room_id: int) -> tuple[Room, Membership | owners.Grant | None]:
    """(room, the member's standing in it) by the room's id (the chat socket's URL): a group's
    room as room_for, or a room without a group as its owner allows."""
    room = Room.objects.select_related("group").filter(pk=room_id).first()
    if room is None:
        raise Http404
    return entered(member, room)


def moderated_room_for(member, slug: str) -> tuple[Room, Membership | None]:
    """room_for, for a room ``member`` moderates (policies.can_moderate): its transcript and
    mutes are not even said to exist to others."""
    room, membership = room_for(member, slug)
    if not policies.can_moderate(member, room, membership):
        raise Http404
    return room, membership


def standing_of(member, room: Room) -> Membership | owners.Grant | None:
    """What the policies need to know of ``member`` in ``room``: their Membership of the room's
    group, or for a room without a group its owner's Grant (None: no membership, no grant)."""
    if room.group_id is None:
        return owners.grant(member, room)
    return Membership.objects.filter(group=room.group_id, member=member).first()


def entered(member, room: Room) -> tuple[Room, Membership | owners.Grant | None]:
    """(room, standing) if ``member`` may enter ``room``."""
    standing = standing_of(member, room)
    if not policies.can_enter(member, room, standing):
        raise Http404
    return room, standing


def member_by_handle(room: Room, handle: str):
    """(member, standing) of the member ``@handle`` in ``room``: a member of its group, or one
    its owner lets in; (None, None) for anyone else."""
    if room.group_id is not None:
        found = Membership.objects.filter(group=room.group_id, member__handle=handle)
        membership = found.select_related("member").first()
        return (membership.member, membership) if membership else (None, None)
    member = User.objects.filter(handle=handle).first()
    standing = member and standing_of(member, room)
    return (member, standing) if standing else (None, None)


def message_in(room: Room, seq: int) -> Message:
    """Message number ``seq`` of a room the caller has already entered."""
    message = Message.objects.filter(room=room, seq=seq).first()
    if message is None:
        raise Http404
    return message


def mute_in(room: Room, mute_id: int) -> Mute:
    """Mute ``mute_id`` of a room the caller already moderates."""
    mute = Mute.objects.filter(pk=mute_id, room=room).select_related("member").first()
    if mute is None:
        raise Http404
    return mute
