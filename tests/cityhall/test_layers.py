"""The embedded in-memory channel layer: every socket of a group gets each event once, a full
channel drops what does not fit, and expired messages still go (cleaned once a second)."""

from cityhall.layers import InMemoryChannelLayer


async def test_a_group_send_reaches_every_channel_once():
    layer = InMemoryChannelLayer()
    channels = [await layer.new_channel() for _ in range(3)]
    for channel in channels:
        await layer.group_add("room", channel)
    await layer.group_send("room", {"type": "chat.change", "seq": 1})
    for channel in channels:
        assert await layer.receive(channel) == {"type": "chat.change", "seq": 1}
    assert not layer.channels


async def test_a_full_channel_drops_what_does_not_fit():
    layer = InMemoryChannelLayer(capacity=1)
    channel = await layer.new_channel()
    await layer.group_add("room", channel)
    await layer.group_send("room", {"type": "chat.change", "seq": 1})
    await layer.group_send("room", {"type": "chat.change", "seq": 2})
    assert await layer.receive(channel) == {"type": "chat.change", "seq": 1}
    assert not layer.channels


async def test_expired_messages_are_cleaned_at_most_once_a_second():
    layer = InMemoryChannelLayer(expiry=-1)  # every message is expired at once
    channel = await layer.new_channel()
    await layer.group_add("room", channel)
    await layer.send(channel, {"type": "chat.change", "seq": 1})
    layer._clean_expired()
    assert not layer.channels and not layer.groups["room"]
    await layer.group_add("room", channel)
    await layer.send(channel, {"type": "chat.change", "seq": 2})
    layer._clean_expired()  # within the second: left for the next clean-up
    assert channel in layer.channels
    layer.cleaned_at -= 1
    layer._clean_expired()
    assert not layer.channels
