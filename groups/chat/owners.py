"""Rooms without a group: an app built on chat claims them (events: an occurrence's room) by
registering a ``RoomOwner`` from its ``AppConfig.ready()``, in the shape of cityhall's registries
(cityhall.navigation, groups.unread). A room names its owner by key (``Room.owner_key``); chat
asks that owner who may enter and what they may do there, and never imports the app."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404


@dataclass(frozen=True)
class Grant:
    """An owner's answer for one member who may enter one of its rooms (one who may not gets
    no Grant). What chat shows and records comes with it, loaded by the same queries."""

    title: str  # the room's name in titles, notifications and the transcript
    url: str  # the room's page
    send: bool  # may write now (a room may be readable only, e.g. after the event)
    moderate: bool  # delete others' messages, mute, handle flags, export the transcript
    group: object = None  # the Group whose moderation log records what moderators do here


@dataclass(frozen=True)
class RoomInfo:
    """What site search shows of an owner's room, the same for everyone who may enter it."""

    title: str
    url: str
    group_id: int | None = None  # the group it belongs to, for the search's group facet


@dataclass(frozen=True)
class RoomOwner:
    key: str  # "events": what Room.owner_key of its rooms says
    grant: Callable[[object, int], Grant]  # (member, room id): raises Http404 if they may not enter
    order: int = 100
    # For site search: (member, now) -> the ids of the owner's rooms ``member`` may enter at
    # ``now``, exactly those ``grant`` lets them in (its messages are found by nobody else), as
    # a queryset using both values as given (search compiles it once: cityhall.compiled) ...
    rooms_open_to: Callable[[object, datetime], QuerySet] | None = None
    # ... and each room's RoomInfo by room id (a room it no longer claims is left out).
    describe: Callable[[list[int]], dict[int, RoomInfo]] | None = None
    _position: int = field(default=0, compare=False, repr=False)


_owners: dict[str, RoomOwner] = {}


def register(owner: RoomOwner) -> RoomOwner:
    """Make ``owner`` known (registering a key again replaces it, in its first place)."""
    position = _owners[owner.key]._position if owner.key in _owners else len(_owners)
    _owners[owner.key] = owner = replace(owner, _position=position)
    return owner


def get(key: str) -> RoomOwner | None:
    return _owners.get(key)


def registered() -> list[RoomOwner]:
    return sorted(_owners.values(), key=lambda owner: (owner.order, owner._position))


def grant(member, room) -> Grant | None:
    """The owner's Grant of ``member`` in ``room`` (a room without a group), or None: they may
    not enter, or no app claims the room (its app was removed)."""
    owner = _owners.get(room.owner_key)
    if owner is None:
        return None
    try:
        return owner.grant(member, room.pk)
    except Http404:
        return None
