"""Rooms without a group: an app claims them through groups.chat.owners, and the chat asks it
who may enter and what they may do. Here an owner registered the way a later app would (events
registers the real one: tests/events/test_chat.py)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from groups.chat import access, owners, services
from groups.chat.models import Room
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms_of_a_club():
    """An owner "test-club" whose rooms let in members listed in ``admitted`` ({member id:
    Grant}), taken away after the test."""
    admitted = {}

    def grant(member, room_id):
        if member.pk not in admitted:
            raise Http404
        return admitted[member.pk]

    owner = owners.register(owners.RoomOwner(key="test-club", grant=grant))
    yield admitted
    owners._owners.pop(owner.key)


def _grant(**what) -> owners.Grant:
    return owners.Grant(**{"title": "読書会", "url": "/club/", "send": True,
                           "moderate": False, **what})  # fmt: skip


def test_the_owner_decides_who_enters_writes_and_moderates(rooms_of_a_club):
    room = services.room_create(owner_key="test-club")
    reader, talker, host, stranger = (MemberFactory() for _ in range(4))
    rooms_of_a_club.update({reader.pk: _grant(send=False), talker.pk: _grant(),
                            host.pk: _grant(moderate=True)})  # fmt: skip
    with pytest.raises(Http404):
        access.room_by_id(stranger, room.pk)
    assert access.room_by_id(reader, room.pk)[1].send is False
    with pytest.raises(services.ChatError):
        services.message_send(author=reader, room=room, client_id="c0", body="読むだけ")
    message, _created = services.message_send(author=talker, room=room, client_id="c1", body="本")
    with pytest.raises(PermissionDenied):
        services.message_delete(actor=reader, message=message)
    services.member_mute(moderator=host, room=room, member=talker, minutes=10)
    with pytest.raises(services.ChatError):
        services.member_mute(moderator=host, room=room, member=stranger, minutes=10)
    services.message_delete(actor=host, message=message)


def test_a_room_nobody_claims_any_more_is_a_404(rooms_of_a_club):
    room = Room.objects.create(owner_key="removed-app")
    with pytest.raises(Http404):
        access.room_by_id(MemberFactory(), room.pk)


def test_a_room_has_a_group_or_an_owner_never_both_nor_neither(group):
    with pytest.raises(ValidationError):
        services.room_create(owner_key="")
    with pytest.raises(ValidationError):
        Room(group=group, owner_key="test-club").full_clean()


def test_registering_again_replaces_in_the_first_place(rooms_of_a_club):
    first = owners.get("test-club")
    again = owners.register(owners.RoomOwner(key="test-club", grant=first.grant, order=100))
    assert again._position == first._position and owners.get("test-club") is again
    assert [owner.key for owner in owners.registered()].count("test-club") == 1
