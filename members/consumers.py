from channels.db import database_sync_to_async

from cityhall.consumers import ListenOnlyConsumer, SessionEnded
from cityhall.websocket import UNAUTHENTICATED
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

    async def unread_changed(self, event):
        """Counted here, for this socket's member as they are now (members.services)."""
        try:
            count = await self.act(selectors.unread_notification_count)
        except SessionEnded:
            await self.shut(UNAUTHENTICATED)
            return
        await self.send_json({"type": "unread.count", "count": count})
