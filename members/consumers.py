from channels.db import database_sync_to_async

from cityhall.consumers import ListenOnlyConsumer
from members import selectors


class NotificationConsumer(ListenOnlyConsumer):
    """Streams the member's unread-notification count to the bell in the header."""

    async def connect(self):
        await self.follow_member()
        await self.accept()
        count = await database_sync_to_async(selectors.unread_notification_count)(
            self.scope["member"]
        )
        await self.send_json({"type": "unread.count", "count": count})

    async def unread_count(self, event):
        await self.send_json({"type": "unread.count", "count": event["count"]})
