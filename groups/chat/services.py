"""Every write to a chat room. Each one locks the room row, takes the room's next change number
(and, for a new message, its next sequence number), commits, and only then is announced to
the room's channel-layer group: see docs/chat-protocol.md."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall import markdown, ratelimits, realtime
from cityhall.text import blank
from groups import policies as group_policies
from groups import services as group_services
from groups.chat import policies, selectors
from groups.chat.access import standing_of
from groups.chat.models import (
    BODY_MAX,
    Message,
    MessageFlag,
    MessageReaction,
    Mute,
    Presence,
    Room,
    RoomRead,
    room_channel_group,
)
from groups.chat.search import message_key
from groups.models import Flag, Group, Membership, Reaction
from groups.notifications import MENTION
from members import selectors as member_selectors
from members.services import notifications_create
from search import outbox


class ChatError(ValidationError):
    """A refusal the sender is told about in an error frame: ``code`` and a Japanese message."""


def room_for_group(group: Group) -> Room:
    return Room.objects.get_or_create(group=group)[0]


def room_create(*, owner_key: str) -> Room:
    """A room without a group, for the app registered as ``owner_key`` (groups.chat.owners)."""
    room = Room(owner_key=owner_key)
    room.full_clean()
    room.save()
    return room


def is_muted(member, room: Room) -> bool:
    return selectors.active_mutes(room.pk).filter(member=member).exists()


@transaction.atomic
def message_send(*, author, room: Room, client_id: str, body: str, reply_to_seq=None):
    """Store a message once per ``client_id``: (message, created). Sending the same client_id
    again returns the first message unchanged."""
    client_id = _clean_client_id(client_id)
    body = _clean_body(body)
    room = _lock(room)
    existing = Message.objects.filter(room=room, author=author, client_id=client_id).first()
    if existing is not None:
        return existing, False
    standing = _require_send(author, room)
    ratelimits.hit("chat-send", author)
    rendered = markdown.render(body)
    reply_to = None
    if reply_to_seq:
        reply_to = Message.objects.filter(room=room, seq=reply_to_seq).first()
    room.last_seq += 1
    message = Message(room=room, seq=room.last_seq, author=author, client_id=client_id,
                      body=body, body_html=rendered.html, reply_to=reply_to)  # fmt: skip
    _save_change(room, message)
    outbox.changed(message_key(message))
    _notify_mentions(message, rendered.mentions, standing)
    return message, True


@transaction.atomic
def message_edit(*, editor, message: Message, body: str) -> Message:
    body = _clean_body(body)
    ratelimits.hit("chat-change", editor)
    room = _lock(message.room)
    message = Message.objects.select_for_update().get(pk=message.pk)
    standing = standing_of(editor, room)
    if not policies.can_edit(editor, message, standing, muted=is_muted(editor, room)):
        raise PermissionDenied
    message.body = body
    message.body_html = markdown.render(body).html
    message.edited_at = timezone.now()
    _save_change(room, message)
    outbox.changed(message_key(message))
    return message


@transaction.atomic
def message_delete(*, actor, message: Message) -> Message:
    """A tombstone: the message keeps its place in the room; its text is gone."""
    ratelimits.hit("chat-change", actor)
    room = _lock(message.room)
    message = Message.objects.select_for_update().get(pk=message.pk)
    standing = standing_of(actor, room)
    if not policies.can_delete(actor, message, standing, muted=is_muted(actor, room)):
        raise PermissionDenied
    _tombstone(room, message, actor)
    return message


def _tombstone(room: Room, message: Message, actor) -> None:
    message.body = message.body_html = ""
    message.deleted_at = timezone.now()
    message.deleted_by = actor
    _save_change(room, message)
    outbox.changed(message_key(message), hides=True)


# --- flags ------------------------------------------------------------------------------


@transaction.atomic
def message_flag_create(*, flagger, message: Message, reason: str, note: str = "") -> MessageFlag:
    """Report a message to the room's moderators (not one's own)."""
    ratelimits.hit("flag", flagger)
    message = Message.objects.select_related("room__group").get(pk=message.pk)
    if not policies.can_flag(flagger, message, standing_of(flagger, message.room)):
        raise PermissionDenied
    flag = MessageFlag(message=message, flagger=flagger, reason=reason, note=note.strip())
    flag.full_clean(exclude=["message", "flagger"])
    try:
        with transaction.atomic():
            flag.save()
    except IntegrityError:
        raise ValidationError(_("このメッセージはすでに通報済みです。")) from None
    return flag


@transaction.atomic
def message_flag_resolve(*, moderator, flag: MessageFlag, delete_message: bool) -> None:
    """Close every open flag of the flagged message: deleting the message (a tombstone, as a
    moderator's deletion in the room) or finding nothing wrong. A flag already closed by
    another moderator is left as they closed it."""
    ratelimits.hit("moderation", moderator)
    flag = (
        MessageFlag.objects.select_for_update(of=("self",))
        .select_related("message__room__group")
        .get(pk=flag.pk)
    )
    room = flag.message.room
    standing = standing_of(moderator, room)
    if not policies.can_handle_flags(moderator, room, standing):
        raise PermissionDenied
    if flag.status != Flag.Status.OPEN:
        return
    status = Flag.Status.ACTED if delete_message else Flag.Status.DISMISSED
    MessageFlag.objects.filter(message=flag.message, status=Flag.Status.OPEN).update(
        status=status, resolved_by=moderator, resolved_at=timezone.now()
    )
    reason = flag.get_reason_display()
    if delete_message:
        room = _lock(room)
        message = Message.objects.select_for_update().get(pk=flag.message_id)
        if not message.is_deleted:
            _tombstone(room, message, moderator)
        _log(room, standing, moderator, "delete_message", target_member=message.author,
             reason=str(reason))  # fmt: skip
    else:
        _log(room, standing, moderator, "dismiss_message_flags", target_member=flag.message.author)


@transaction.atomic
def reaction_toggle(*, member, message: Message, kind: str) -> bool:
    if kind not in Reaction.Kind.values:
        raise ChatError(_("その反応は使えません。"), code="invalid")
    ratelimits.hit("chat-change", member)
    room = _lock(message.room)
    message = Message.objects.select_for_update().get(pk=message.pk)
    message.room = room
    if not policies.can_react(member, message, standing_of(member, room)):
        raise PermissionDenied
    removed, _count = MessageReaction.objects.filter(
        message=message, member=member, kind=kind
    ).delete()
    if not removed:
        MessageReaction.objects.create(message=message, member=member, kind=kind)
    _save_change(room, message)
    return not removed


@transaction.atomic
def member_mute(*, moderator, room: Room, member, minutes: int, reason: str = "") -> Mute:
    ratelimits.hit("moderation", moderator)
    room = Room.objects.select_related("group").get(pk=room.pk)
    standing = _require_moderator(moderator, room)
    _require_may_mute(moderator, standing, room, member)
    if not 1 <= minutes <= 60 * 24 * 30:
        raise ChatError(_("発言停止は1分から30日までです。"), code="invalid")
    until = timezone.now() + timedelta(minutes=minutes)
    mute = Mute.objects.create(room=room, member=member, until=until, muted_by=moderator,
                               reason=reason[:500])  # fmt: skip
    _log(room, standing, moderator, "chat_mute", target_member=member, reason=reason)
    _announce_mute(room.pk, member.pk, until)
    return mute


@transaction.atomic
def mute_lift(*, moderator, mute: Mute) -> None:
    ratelimits.hit("moderation", moderator)
    room = Room.objects.select_related("group").get(pk=mute.room_id)
    standing = _require_moderator(moderator, room)
    _require_may_mute(moderator, standing, room, mute.member, lifting=True)
    Mute.objects.filter(pk=mute.pk).update(until=timezone.now())
    _log(room, standing, moderator, "chat_unmute", target_member=mute.member)
    if not is_muted(mute.member, room):
        _announce_mute(room.pk, mute.member_id, None)


def _announce_mute(room_id: int, member_id: int, until) -> None:
    event = {"type": "chat.muted", "member": member_id, "until": until and until.isoformat()}
    realtime.publish_on_commit(room_channel_group(room_id), event)


@transaction.atomic
def room_switch(*, owner, group: Group, enabled: bool) -> None:
    """Switch a group's chat on or off. Switched off, its sockets are closed (4403) and its
    pages answer 404; the messages are kept for when it is switched on again."""
    ratelimits.hit("moderation", owner)
    group = Group.objects.select_for_update().get(pk=group.pk)
    membership = Membership.objects.filter(group=group, member=owner).first()
    if not group_policies.can_manage(owner, group, membership):
        raise PermissionDenied
    if group.chat_enabled == enabled:
        return
    group.chat_enabled = enabled
    group.save(update_fields=["chat_enabled"])
    group_services.log_action(group, owner, "chat_on" if enabled else "chat_off")
    for room_id in Room.objects.filter(group=group).values_list("pk", flat=True):
        room_access_changed(room_id=room_id)  # switched off: every socket closes, 4403


def room_access_changed(*, room_id: int, member=None) -> None:
    """After commit, the room's sockets (of ``member`` only, if given) check their access
    again, and close (4403) if it is gone: an app that owns rooms calls this when it takes
    someone's place in one away."""
    event = {"type": "chat.access", "member": member and member.pk}
    realtime.publish_on_commit(room_channel_group(room_id), event)


def _require_moderator(member, room: Room):
    """The moderator's standing in the room, or PermissionDenied."""
    standing = standing_of(member, room)
    if not policies.can_moderate(member, room, standing):
        raise PermissionDenied
    return standing


def _require_may_mute(moderator, standing, room: Room, member, *, lifting: bool = False) -> None:
    """Refuse unless ``moderator`` may mute ``member``; a mute outliving the member's place in
    the room may still be lifted."""
    target = standing_of(member, room)
    if lifting and target is None:
        return
    if not policies.may_mute(moderator, room, standing, member, target):
        raise ChatError(_("オーナーとモデレーターの発言は止められません。"), code="invalid")


def _log(room: Room, standing, moderator, action: str, **details) -> None:
    """A moderator's action, in the moderation log of the room's group (for a room without a
    group, of the group its owner names, if any)."""
    group = room.group if room.group_id else standing.group
    if group is not None:
        group_services.log_action(group, moderator, action, **details)


def room_mark_read(*, member, room: Room, seq: int) -> None:
    """Remember how far ``member`` has read (never backwards)."""
    ratelimits.hit("chat-read", member)
    seq = min(seq, selectors.head(room.pk)[0])
    updated = RoomRead.objects.filter(room=room, member=member, last_read_seq__lt=seq).update(
        last_read_seq=seq
    )
    if not updated:
        RoomRead.objects.get_or_create(room=room, member=member, defaults={"last_read_seq": seq})


# Presence is announced by the sockets themselves (consumers.PresenceOutbox gathers a
# process's joins and leaves), so these return what changed instead of publishing it.


def presence_enter(*, member, room: Room, channel_name: str) -> dict | None:
    """A socket of ``member`` opened: their presence entry if they were not there yet."""
    with transaction.atomic():
        there = selectors.fresh_presence(room.pk).filter(member=member).exists()
        Presence.objects.update_or_create(
            channel_name=channel_name, defaults={"room": room, "member": member,
                                                 "seen_at": timezone.now()},
        )  # fmt: skip
    return None if there else selectors.presence_info(member)


def presence_leave(*, room: Room, channel_name: str) -> list[int]:
    """A socket closed: the members who now have no socket left in the room."""
    with transaction.atomic():
        rows = Presence.objects.filter(channel_name=channel_name)
        members = set(rows.values_list("member", flat=True))
        rows.delete()
        return _absent(room.pk, members)


def presence_refresh(*, room: Room, channel_names: list[str]) -> list[int]:
    """Called for a process's live sockets of a room now and then: keeps their rows fresh and
    prunes rows left by sockets of a process that died. Returns the members gone with them."""
    with transaction.atomic():
        Presence.objects.filter(channel_name__in=channel_names).update(seen_at=timezone.now())
        rows = list(selectors.stale_presence(room.pk).values_list("pk", "member"))
        if not rows:
            return []
        Presence.objects.filter(pk__in=[pk for pk, _member in rows]).delete()
        return _absent(room.pk, {member for _pk, member in rows})


def _absent(room_id: int, members) -> list[int]:
    still = set(selectors.fresh_presence(room_id).filter(member__in=members)
                .values_list("member", flat=True))  # fmt: skip
    return sorted(set(members) - still)


def _lock(room: Room) -> Room:
    # Only the room's row: a room without a group has none to lock (PostgreSQL refuses FOR
    # UPDATE on the nullable side of the outer join).
    return Room.objects.select_for_update(of=("self",)).select_related("group").get(pk=room.pk)


def _save_change(room: Room, message: Message) -> None:
    """Give ``message`` the room's next change number, save both, announce it after commit."""
    room.last_change += 1
    message.change = room.last_change
    room.save(update_fields=["last_seq", "last_change"])
    message.save()
    payload = selectors.encoded_payload(selectors.message_payload(message.pk))
    event = {"type": "chat.change", "change": message.change, "seq": message.seq,
             "payload": payload}  # fmt: skip
    realtime.publish_on_commit(room_channel_group(room.pk), event)


def _require_send(author, room: Room):
    """The author's standing in the room, if they may write there now."""
    standing = standing_of(author, room)
    if not policies.can_enter(author, room, standing):
        raise PermissionDenied
    if is_muted(author, room):
        raise ChatError(_("モデレーターにより発言を停止されています。"), code="muted")
    if not policies.can_send(author, room, standing, muted=False):
        raise ChatError(_("このルームでは発言できません。"), code="forbidden")
    return standing


def _clean_body(body) -> str:
    if not isinstance(body, str) or blank(body):
        raise ChatError(_("メッセージが空です。"), code="empty")
    if len(body) > BODY_MAX:
        raise ChatError(
            _("メッセージは%(max)d文字までです(%(length)d文字あります)。")
            % {"max": BODY_MAX, "length": len(body)},
            code="too_long",
        )
    return body.strip()


def _clean_client_id(client_id) -> str:
    if not isinstance(client_id, str) or not 1 <= len(client_id) <= 64:
        raise ChatError(_("client_id は1〜64文字の文字列で送ってください。"), code="invalid")
    return client_id


def _notify_mentions(message: Message, handles, standing) -> None:
    """Tell the members named (``@handle``) who may enter the room; ``standing`` is the
    author's (a room without a group takes its title and address from it)."""
    room = message.room
    members = member_selectors.known_verified(member_selectors.members_by_handles(handles))
    members = [member for member in members if member.pk != message.author_id]
    if not members:
        return
    mentioned = [member for member, their in _standings(room, members)
                 if policies.can_enter(member, room, their)]  # fmt: skip
    url = f"{room_url(room, standing)}?seq={message.seq}#m{message.seq}"
    notifications_create(recipients=mentioned, kind=MENTION, url=url,
                         params={"topic": room_title(room, standing),
                                 "actor": message.author.display_name},
                         subject=message)  # fmt: skip


def _standings(room: Room, members) -> list:
    """[(member, standing)]: a group's memberships in one query; an owner's grants one by one
    (a message names few people)."""
    if room.group_id is None:
        return [(member, standing_of(member, room)) for member in members]
    rows = Membership.objects.filter(group=room.group_id, member__in=members)
    memberships = {row.member_id: row for row in rows}
    return [(member, memberships.get(member.pk)) for member in members]


def room_url(room: Room, standing=None) -> str:
    """The room's page: the group's chat, or the page its owner's Grant names."""
    if room.group_id is None:
        return standing.url
    return reverse("chat:room", args=[room.group.slug])


def room_title(room: Room, standing=None) -> str:
    return standing.title if room.group_id is None else str(room.group)
