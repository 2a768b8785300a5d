from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from cityhall import realtime
from members import selectors


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Streams the member's unread-notification count to the bell in the header."""

    async def connect(self):
        self.group = realtime.member_group(self.scope["member"].pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        count = await database_sync_to_async(selectors.unread_notification_count)(
            self.scope["member"]
        )
        await self.send_json({"type": "unread.count", "count": count})

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.send_json(
            {"type": "error", "code": "read_only", "message": _("この接続は受信専用です。")}
        )

    async def unread_count(self, event):
        await self.send_json({"type": "unread.count", "count": event["count"]})
