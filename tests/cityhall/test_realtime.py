"""Live events of a request: kept until it ends, then sent together, each group's in order;
an event of a write that rolled back is never sent; a channel layer that is down loses the
events, not the member's reply."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.urls import reverse

from cityhall import realtime
from groups import services
from groups.models import Membership, Post
from tests.factories import GroupFactory, MemberFactory
from tests.groups.conftest import client_for


async def _listening(*groups) -> dict:
    layer = get_channel_layer()
    channels = {}
    for group in groups:
        channels[group] = await layer.new_channel()
        await layer.group_add(group, channels[group])
    return channels


async def _received(channel: str) -> list:
    layer, found = get_channel_layer(), []
    while True:
        try:
            found.append(await asyncio.wait_for(layer.receive(channel), timeout=0.2))
        except TimeoutError:
            return found


async def test_events_wait_for_the_end_of_the_batch_then_arrive_in_order(channel_layer):
    channels = await _listening("topic-1", "member-7")

    def a_request():  # in the request's thread, as a view publishes
        with realtime.batched():
            realtime.publish("topic-1", {"type": "post.created", "number": 2})
            realtime.publish("member-7", {"type": "unread.changed"})
            realtime.publish("topic-1", {"type": "post.created", "number": 3})
            assert async_to_sync(_received)(channels["topic-1"]) == []

    await sync_to_async(a_request)()
    assert [event["number"] for event in await _received(channels["topic-1"])] == [2, 3]
    assert await _received(channels["member-7"]) == [{"type": "unread.changed"}]


@pytest.mark.django_db(transaction=True)
def test_an_event_of_a_write_that_rolled_back_is_never_sent(channel_layer):
    channels = async_to_sync(_listening)("topic-1")
    with realtime.batched():
        with pytest.raises(RuntimeError), transaction.atomic():
            realtime.publish_on_commit("topic-1", {"type": "post.created", "number": 2})
            raise RuntimeError("rolled back")
        with transaction.atomic():
            realtime.publish_on_commit("topic-1", {"type": "post.created", "number": 3})
    assert [event["number"] for event in async_to_sync(_received)(channels["topic-1"])] == [3]


@pytest.mark.django_db(transaction=True)
def test_a_reply_is_saved_and_answered_when_the_channel_layer_is_down(settings):
    group = GroupFactory()
    topic = services.topic_create(author=group.proposed_by, group=group, title="題", body="本文")
    writer = MemberFactory()
    Membership.objects.create(group=group, member=writer)
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:9/0"]},  # nothing listens on port 9
        }
    }
    response = client_for(writer).post(
        reverse("groups:reply", args=[group.slug, topic.pk]), {"body": "届かない通知"}
    )
    assert response.status_code == 302
    assert Post.objects.filter(topic=topic, body="届かない通知").exists()
