"""Reading chat rooms: history pages, and the changes a client has not seen (a room itself is
loaded for a member by groups.chat.access)."""

import json
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cityhall.compiled import FixedQuerySet, padded
from cityhall.policies import is_site_moderator, is_verified_member
from groups import unread as group_unread
from groups.chat import access, policies
from groups.chat.models import (
    Message,
    MessageFlag,
    MessageReaction,
    Mute,
    Presence,
    Room,
    RoomRead,
)
from groups.models import Flag, Group, Membership
from groups.selectors import members_in_groups, notified_listed, notified_rows, readable_groups
from members.models import User

HISTORY_PAGE = 50
REPLAY_LIMIT = 500  # more missed messages than this: the client reloads history over HTTP


def enterable_rooms(viewer):
    """Every group's room the viewer may enter (policies.can_enter): the rooms of the groups
    with chat that they may read and belong to (site moderators: of every group they may read).
    Rooms without a group are their owners' to list."""
    rooms = Room.objects.filter(group__chat_enabled=True, group__in=readable_groups(viewer))
    if not is_verified_member(viewer) or is_site_moderator(viewer):
        return rooms
    return rooms.filter(group__in=Membership.objects.filter(member=viewer).values("group"))


def _messages_everywhere():
    reactions = MessageReaction.objects.only("message_id", "member_id", "kind").order_by("pk")
    return Message.objects.select_related("author", "reply_to__author").prefetch_related(
        Prefetch("reactions", queryset=reactions)
    )


def _messages(room_id: int):
    return _messages_everywhere().filter(room_id=room_id)


def history(room_id: int, *, before: int | None = None, around: int | None = None) -> list:
    """A page of messages in order: the latest, those before ``before``, or those around
    ``around`` (a message to jump to)."""
    messages = _messages(room_id)
    if around is not None:
        older = list(messages.filter(seq__lte=around).order_by("-seq")[: HISTORY_PAGE // 2])
        newer = list(messages.filter(seq__gt=around).order_by("seq")[: HISTORY_PAGE // 2])
        return older[::-1] + newer
    if before is not None:
        messages = messages.filter(seq__lt=before)
    return list(messages.order_by("-seq")[:HISTORY_PAGE])[::-1]


def missed(room_id: int, *, seq_after: int, change_after: int):
    """What a client that has messages up to ``seq_after`` and changes up to ``change_after``
    lacks: (new messages in seq order, changed older ones in change order), or None when more
    than REPLAY_LIMIT messages are new."""
    messages = _messages(room_id)
    new = list(messages.filter(seq__gt=seq_after).order_by("seq")[: REPLAY_LIMIT + 1])
    if len(new) > REPLAY_LIMIT:
        return None
    changed = list(messages.filter(seq__lte=seq_after, change__gt=change_after).order_by("change"))
    return new, changed


@dataclass(frozen=True)
class Missed:
    """What a client lacks, ready to send: ``frames`` as (seq, change, encoded payload), new
    messages in seq order, then changed older ones in change order; or, when more than
    REPLAY_LIMIT are new, no frames and ``reload``: the room's head."""

    frames: list[tuple[int, int, str]]
    reload: tuple[int, int] | None = None


def missed_frames(room_id: int, *, seq_after: int, change_after: int) -> Missed:
    """missed(), each message encoded once, for every socket that asks from these cursors."""
    found = missed(room_id, seq_after=seq_after, change_after=change_after)
    if found is None:
        return Missed(frames=[], reload=head(room_id))
    return Missed(frames=[(message.seq, message.change, encoded_payload(payload(message)))
                          for message in [*found[0], *found[1]]])  # fmt: skip


def last_read_seq(member, room_id: int) -> int:
    """How far ``member`` had read the room: messages after this are unread."""
    found = RoomRead.objects.filter(room=room_id, member=member).values_list("last_read_seq")
    row = found.first()
    return row[0] if row else 0


def _stale_before():
    return timezone.now() - timedelta(seconds=3 * settings.CHAT_PRESENCE_SECONDS)


def fresh_presence(room_id: int):
    return Presence.objects.filter(room=room_id, seen_at__gte=_stale_before())


def stale_presence(room_id: int):
    return Presence.objects.filter(room=room_id, seen_at__lt=_stale_before())


def presence_info(member) -> dict:
    organization = member.organization
    return {"id": member.pk, "name": member.display_name, "kana": member.display_name_kana,
            "organization": str(organization) if organization else ""}  # fmt: skip


def present_members(room_id: int) -> list[dict]:
    """Who is in the room now: every member with a live socket, once, in kana order."""
    members = (
        User.objects.filter(pk__in=fresh_presence(room_id).values("member"))
        .select_related("organization__prefecture")
        .order_by("display_name_kana", "pk")
    )
    return [presence_info(member) for member in members]


def chat_enabled(room_id: int) -> bool:
    """Whether the room's chat is on: its group's switch (a room without a group has none)."""
    switched_on = Q(group__chat_enabled=True) | Q(group__isnull=True)
    return Room.objects.filter(switched_on, pk=room_id).exists()


def active_mute(member, room_id: int) -> Mute | None:
    return active_mutes(room_id).filter(member=member).last()


def active_mutes(room_id: int):
    return (Mute.objects.filter(room=room_id, until__gt=timezone.now())
            .select_related("member", "muted_by").order_by("until"))  # fmt: skip


def head(room_id: int) -> tuple[int, int]:
    return Room.objects.values_list("last_seq", "last_change").get(pk=room_id)


def message_payload(message_id: int) -> dict:
    return payload(_messages_everywhere().get(pk=message_id))


def payload(message: Message) -> dict:
    """A message as clients get it; the same for every member of the room."""
    reactions = {}
    for reaction in message.reactions.all():
        reactions.setdefault(reaction.kind, []).append(reaction.member_id)
    reply_to = message.reply_to
    return {
        "seq": message.seq,
        "change": message.change,
        "author": {
            "id": message.author_id,
            "name": message.author.display_name,
            "handle": message.author.handle,
        },
        "body": message.body,
        "body_html": message.body_html,
        "created_at": message.created_at.isoformat(),
        "edited": message.edited_at is not None,
        "deleted": message.is_deleted,
        "reply_to": reply_to and {"seq": reply_to.seq, "name": reply_to.author.display_name},
        "reactions": reactions,
    }


def encoded_payload(payload: dict) -> str:
    """A payload as JSON text: encoded once, then sent as it is to every socket of the room
    (and copied cheaply by the channel layer, which copies each event for each socket)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def between(room_id: int, *, after: int, before: int | None) -> list:
    """The messages after ``after`` and before ``before``: what a client with a gap lacks."""
    messages = _messages(room_id).filter(seq__gt=after)
    if before is not None:
        messages = messages.filter(seq__lt=before)
    return list(messages.order_by("seq")[:REPLAY_LIMIT])


def transcript_markdown(room: Room, title: str) -> str:
    """The whole room as Markdown, oldest first: who, when, which number, what it answers.
    A deleted message keeps its place as a note, so the numbers still follow on."""
    lines = [_("# %(name)s チャット記録") % {"name": title}, ""]
    messages = Message.objects.filter(room=room).select_related("author", "reply_to__author")
    for message in messages.order_by("seq").iterator(chunk_size=1000):
        when = formats.date_format(timezone.localtime(message.created_at), "DATETIME_FORMAT")
        lines.append(f"**{message.author.display_name}** ({when}) #{message.seq}")
        if message.reply_to is not None:
            lines.append(_("> %(name)sさんの #%(number)s への返信") % {
                "name": message.reply_to.author.display_name, "number": message.reply_to.seq,
            })  # fmt: skip
        lines += ["", _("(削除されたメッセージ)") if message.is_deleted else message.body, ""]
    return "\n".join(lines)


# The messages of a member's notifications as the policy reads them: their room and group, not
# their text, compiled once for each power of two of their number (the bell asks on every page).
_TO_CHECK = FixedQuerySet(
    lambda *ids, shape: Message.objects.select_related("room__group")
    .only("id", "room").filter(pk__in=ids)
)  # fmt: skip


SIGNED_IN_NOTIFIED_MESSAGES = "chat.notified_messages"


def notified_messages_listed():
    """What policies.can_enter reads of the messages the signed-in member's unread notifications
    are about: their room and its group (each model's fields in its own order)."""
    return notified_listed(Message, "pk", "room_id", "room__group_id", "room__group__kind",
                           "room__group__status", "room__group__chat_enabled")  # fmt: skip


def _notified_messages(pairs, known, ids) -> dict[int, Message] | None:
    """{id: message} of ``ids`` as read with their one recipient (notified_messages_listed), or
    None: another member's, a message notified since, or one in a room without a group (its
    owner decides: access.standing_of)."""
    rows = notified_rows(pairs, known, SIGNED_IN_NOTIFIED_MESSAGES)
    if rows is None or any(row[2] is None for row in rows):
        return None
    messages = {}
    for pk, room_id, group_id, kind, status, chat_enabled in rows:
        room = Room.from_db(Room.objects.db, ("id", "group_id"), (room_id, group_id))
        room.group = Group.from_db(Group.objects.db, ("id", "kind", "status", "chat_enabled"),
                                   (group_id, kind, status, bool(chat_enabled)))  # fmt: skip
        message = Message.from_db(Message.objects.db, ("id", "room_id"), (pk, room_id))
        message.room = room
        messages[pk] = message
    return messages if ids <= messages.keys() else None


def messages_seen(pairs, known=None, subjects=None) -> set[tuple[int, int]]:
    """The (member id, message id) pairs where the member may enter the message's room:
    policies.can_enter (members.notification_subjects). Two queries for groups' rooms (none
    for the bell's member: read with them); a room without a group asks its owner once per
    member and room."""
    wanted = {message for _member, message in pairs}
    messages = _notified_messages(pairs, known, wanted)
    if messages is None:
        ids, size = padded(sorted(wanted))
        messages = {message.pk: message for message in _TO_CHECK(*ids, shape=size)}
    group_of = {pk: message.room.group_id for pk, message in messages.items()}
    members, memberships = members_in_groups(pairs, group_of, known)
    granted = {}

    def standing(member_id, message):
        if message.room.group_id is not None:
            return memberships.get((member_id, message.room.group_id))
        key = (member_id, message.room_id)
        if key not in granted:
            granted[key] = access.standing_of(members[member_id], message.room)
        return granted[key]

    return {
        (member_id, message_id) for member_id, message_id in pairs
        if member_id in members and message_id in messages
        and policies.can_enter(members[member_id], messages[message_id].room,
                               standing(member_id, messages[message_id]))
    }  # fmt: skip


def open_flags(viewer, group: Group | None = None):
    """Open flags on chat messages in the groups' rooms the viewer moderates (one group, or
    all), oldest first, with what the moderation page shows. A room without a group has its
    flags on its own page (room_flags)."""
    flags = MessageFlag.objects.filter(
        status=Flag.Status.OPEN, message__room__group__isnull=False
    ).select_related("message__room__group", "message__author", "flagger")
    if group is not None:
        flags = flags.filter(message__room__group=group)
    if not is_site_moderator(viewer):
        moderated = Membership.objects.filter(
            member=viewer, role__in=[Membership.Role.OWNER, Membership.Role.MODERATOR]
        ).values("group")
        flags = flags.filter(message__room__group__in=moderated)
    return flags.order_by("created_at")


def room_flags(room_id: int):
    """Open flags on the messages of one room (its moderators' list), oldest first."""
    flags = MessageFlag.objects.filter(status=Flag.Status.OPEN, message__room=room_id)
    return flags.select_related("message__author", "flagger").order_by("created_at")


def unread_by_group(viewer) -> dict[int, int]:
    """{group id: chat messages ``viewer`` has not read} in the rooms of their groups: others'
    messages after their read marker, sent since they joined, deleted ones left out. Rooms
    without a group (an event occurrence's) are not counted. One query,
    written out: it runs on every page (the navigation's count), and Django took three times
    longer to compile it than the database to answer it."""
    statement = unread_statement(viewer)
    if statement is None:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        return dict(cursor.fetchall())


def unread_statement(viewer) -> tuple[str, list] | None:
    """unread_by_group's statement, which groups reads with the moderation counts (one query
    a page for both: groups.unread)."""
    if not is_verified_member(viewer):
        return None
    return _UNREAD_SQL, [viewer.pk, viewer.pk, Group.Status.ACTIVE, viewer.pk]


_UNREAD_SQL = f"""
    SELECT room.group_id, COUNT(*)
    FROM {Message._meta.db_table} message
    JOIN {Room._meta.db_table} room ON room.id = message.room_id
    JOIN {Group._meta.db_table} grp ON grp.id = room.group_id
    JOIN {Membership._meta.db_table} membership
        ON membership.group_id = grp.id AND membership.member_id = %s
    LEFT JOIN {RoomRead._meta.db_table} marker
        ON marker.room_id = room.id AND marker.member_id = %s
    WHERE grp.chat_enabled AND grp.status = %s
        AND membership.joined_at <= message.created_at
        AND message.deleted_at IS NULL AND message.author_id <> %s
        AND message.seq > COALESCE(marker.last_read_seq, 0)
    GROUP BY room.group_id
"""


def unread_total(viewer) -> int:
    """All chat messages ``viewer`` has not read, for the navigation: the same count the page
    may already have asked for (groups.unread keeps it for the request)."""
    return sum(group_unread.by_group(viewer).get("chat", {}).values())
