from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer
from django.utils.translation import gettext as _

from cityhall.websocket import NOT_FOUND


class ListenOnlyConsumer(AsyncJsonWebsocketConsumer):
    """A socket that only hears one channel-layer group's events (set ``self.group`` before
    subscribing); anything the client sends gets an error frame and the socket stays open."""

    group: str | None = None

    async def subscribe(self, group: str) -> None:
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Any frame, JSON or not, text or binary, gets the same answer."""
        await self.send_json(
            {"type": "error", "code": "read_only", "message": _("この接続は受信専用です。")}
        )


class NoSuchRouteConsumer(AsyncWebsocketConsumer):
    """A /ws/ path no route matches (``/ws/chat/²/``, an id past 64 bits): closed with 4404,
    as a page would answer 404, rather than failing in the router (a 1011 close)."""

    async def connect(self):
        await self.accept()
        await self.close(code=NOT_FOUND)
