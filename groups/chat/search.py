"""Chat messages for site search (registered from ChatConfig.ready). A message is found by
whoever may enter its room (policies.can_enter), through the token "chatroom:<room id>": for a
group's room its members (and site moderators) while the group is active and its chat is on;
for a room an app owns, whom the owner lets in (RoomOwner.rooms_open_to). The tokens are asked
at each search, a query for the group rooms and one per owner, so leaving a group, a chat
switched off or a registration cancelled hide the messages at once. Deleted messages (by their
authors or by moderators over a flag) are left out of the index."""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityhall.compiled import FixedQuery
from cityhall.markdown import plain_text
from cityhall.policies import is_site_moderator, is_verified_member
from groups import search as group_search
from groups.chat import owners
from groups.chat.models import Message, Room
from groups.models import Group, Membership
from search import registry
from search.documents import Document

CHAT = "chat"


def room_token(room_id: int) -> str:
    return f"chatroom:{room_id}"


def message_key(message: Message) -> str:
    return f"{CHAT}:{message.pk}"


def room_keys(room_ids: list[int]) -> list[str]:
    """The documents of every message in these rooms (one query)."""
    rows = Message.objects.filter(room__in=room_ids, deleted_at=None).values_list("pk", flat=True)
    return [f"{CHAT}:{pk}" for pk in rows]


def group_room_keys(group_ids: list[int]) -> list[str]:
    rows = Message.objects.filter(room__group__in=group_ids, deleted_at=None)
    return [f"{CHAT}:{pk}" for pk in rows.values_list("pk", flat=True)]


def _group_room(room: Room) -> owners.RoomInfo:
    group = room.group
    return owners.RoomInfo(title=group.name, url=reverse("chat:room", args=[group.slug]),
                           group_id=group.pk)  # fmt: skip


def _owned_rooms(messages: list[Message]) -> dict[int, owners.RoomInfo]:
    """The RoomInfo of the rooms without a group among the messages', a query per owner."""
    by_owner: dict[str, set[int]] = defaultdict(set)
    for message in messages:
        if message.room.group_id is None:
            by_owner[message.room.owner_key].add(message.room_id)
    found: dict[int, owners.RoomInfo] = {}
    for key, room_ids in by_owner.items():
        owner = owners.get(key)
        if owner is not None and owner.describe is not None:
            found.update(owner.describe(sorted(room_ids)))
    return found


class ChatProvider:
    """A message: its text under the room's name, linked to its place in the room."""

    kind = CHAT
    label = _("チャット")

    def documents(self, ids: list[int]) -> dict[int, Document]:
        messages = list(
            Message.objects.filter(pk__in=ids, deleted_at=None)
            .select_related("room__group")
            .annotate(organization_id=F("author__organization"))
        )
        owned = _owned_rooms(messages)
        documents = {}
        for message in messages:
            room = message.room
            info = _group_room(room) if room.group_id else owned.get(room.pk)
            if info is not None:
                documents[message.pk] = self._document(message, info)
        return documents

    def _document(self, message: Message, info: owners.RoomInfo) -> Document:
        return Document(
            key=message_key(message), kind=CHAT, title=info.title,
            body=plain_text(message.body_html), url=f"{info.url}?seq={message.seq}#m{message.seq}",
            date=message.created_at, group_id=info.group_id,
            organization_id=message.organization_id, requires=(room_token(message.room_id),),
        )  # fmt: skip

    def all_ids(self):
        rows = Message.objects.filter(deleted_at=None).order_by("pk")
        return rows.values_list("pk", flat=True).iterator(chunk_size=2000)

    def tokens(self, member) -> Iterable[str]:
        """The rooms with messages that ``member`` may enter: one query, compiled once."""
        if not is_verified_member(member):
            return []
        rows = _ENTERED(member, timezone.now(), shape=is_site_moderator(member))
        return [room_token(pk) for (pk,) in rows]


def _entered_rooms(member, now, *, shape: bool):
    """The rooms ``member`` may enter at ``now`` (``shape``: they are a site moderator), with
    the owners' rooms as subqueries."""
    entered = Q(group__status=Group.Status.ACTIVE, group__chat_enabled=True)
    if not shape:
        entered &= Exists(Membership.objects.filter(group=OuterRef("group"), member=member))
    for owner in owners.registered():
        if owner.rooms_open_to is not None:
            entered |= Q(group=None, owner_key=owner.key, pk__in=owner.rooms_open_to(member, now))
    return Room.objects.filter(entered, last_seq__gt=0).values_list("pk")


_ENTERED = FixedQuery(_entered_rooms)


def register() -> None:
    registry.register(ChatProvider())
    group_search.register_group_content(CHAT, group_room_keys)
