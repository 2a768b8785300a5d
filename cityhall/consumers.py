from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _


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

    async def receive_json(self, content, **kwargs):
        await self.send_json(
            {"type": "error", "code": "read_only", "message": _("この接続は受信専用です。")}
        )
