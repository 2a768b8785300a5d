"""The in-memory channel layer of the embedded set-up (one process, no Redis), made fit for a
room of 500: Channels' own layer looks through every channel and group for expired messages
on each receive and each group send, so one chat message to 500 sockets cost 500 full scans.
Here that clean-up runs at most once a second, and a group send does not start a task per
channel. Messages still expire after ``expiry`` seconds, as before."""

import time

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer

CLEAN_EVERY_SECONDS = 1.0


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    cleaned_at = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self.cleaned_at < CLEAN_EVERY_SECONDS:
            return
        self.cleaned_at = now
        super()._clean_expired()

    async def group_send(self, group, message):
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, {})):
            try:
                await self.send(channel, message)
            except ChannelFull:
                pass
