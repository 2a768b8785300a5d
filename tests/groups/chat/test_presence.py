"""Who is in a room: a list on entering, joins and leaves passed on together, stale sockets
of a process that died pruned. Real channel layers (in-memory and Redis), real database."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from groups.chat import selectors
from groups.chat.models import Presence
from tests.groups.chat.test_consumer import _connect, _frames_until, _member_of, _room

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("channel_layer")]


async def _presence(communicator) -> list[int]:
    frames = await _frames_until(communicator, "presence")
    return [member["id"] for member in frames[-1]["members"]]


async def _change(communicator) -> dict:
    frame = (await _frames_until(communicator, "presence.changed"))[-1]
    return {"joined": [member["id"] for member in frame["joined"]], "left": frame["left"]}


async def test_members_see_who_is_here_and_who_comes_and_goes():
    owner, group, room = await sync_to_async(_room)()
    other = await sync_to_async(_member_of)(group)
    first = await _connect(owner, room)
    assert await _presence(first) == [owner.pk]
    second = await _connect(other, room)
    assert sorted(await _presence(second)) == sorted([owner.pk, other.pk])
    assert await _change(first) == {"joined": [other.pk], "left": []}
    await second.disconnect()
    assert await _change(first) == {"joined": [], "left": [other.pk]}
    await first.disconnect()
    assert not await sync_to_async(Presence.objects.exists)()


async def test_a_second_tab_of_the_same_member_is_no_news():
    owner, group, room = await sync_to_async(_room)()
    other = await sync_to_async(_member_of)(group)
    watcher = await _connect(owner, room)
    await _presence(watcher)
    tab1 = await _connect(other, room)
    await _presence(tab1)
    assert await _change(watcher) == {"joined": [other.pk], "left": []}
    tab2 = await _connect(other, room)
    await _presence(tab2)
    await tab2.disconnect()
    assert await watcher.receive_nothing(timeout=1.5)
    await tab1.disconnect()
    assert await _change(watcher) == {"joined": [], "left": [other.pk]}
    await watcher.disconnect()


async def test_sockets_left_by_a_dead_process_are_pruned(settings):
    settings.CHAT_PRESENCE_SECONDS = 0.2
    owner, group, room = await sync_to_async(_room)()
    ghost = await sync_to_async(_member_of)(group)
    long_ago = timezone.now() - timedelta(minutes=5)
    await sync_to_async(Presence.objects.create)(
        room=room, member=ghost, channel_name="died-with-its-process", seen_at=long_ago
    )
    watcher = await _connect(owner, room)
    assert await _presence(watcher) == [owner.pk]
    assert await _change(watcher) == {"joined": [], "left": [ghost.pk]}
    assert not await sync_to_async(Presence.objects.filter(member=ghost).exists)()
    await watcher.disconnect()


async def test_the_client_can_ask_for_the_list_again():
    owner, _group, room = await sync_to_async(_room)()
    client = await _connect(owner, room)
    await _presence(client)
    await client.send_json_to({"type": "presence"})
    frame = (await _frames_until(client, "presence"))[-1]
    assert frame["members"][0]["id"] == owner.pk and frame["members"][0]["name"]
    await client.disconnect()


@pytest.mark.parametrize("crowd", [3, 30])
def test_the_list_costs_one_query_however_many_are_here(crowd, django_assert_num_queries):
    owner, group, room = _room()
    for number in range(crowd):
        member = _member_of(group)
        Presence.objects.create(room=room, member=member, channel_name=f"socket-{number}")
    with django_assert_num_queries(1):
        assert len(selectors.present_members(room.pk)) == crowd
