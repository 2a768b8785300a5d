from channels.db import database_sync_to_async
from django.http import Http404

from cityhall import realtime
from cityhall.consumers import ListenOnlyConsumer
from cityhall.websocket import FORBIDDEN
from groups import access, selectors


class TopicConsumer(ListenOnlyConsumer):
    """Tells a reader of a topic that new replies arrived or one was deleted (and that an answer
    was accepted).

    It subscribes first and then says how far the topic goes, so a client that missed replies
    while (re)connecting can fetch them: nothing posted in between is lost. It closes (4403)
    when the reader may no longer see the topic, e.g. after removal from a closed group."""

    topic_id: int

    async def connect(self):
        self.topic_id = int(self.scope["url_route"]["kwargs"]["topic_id"])
        try:
            await database_sync_to_async(access.followed_topic)(self.scope["member"], self.topic_id)
        except Http404:
            await self.accept()
            await self.close(code=FORBIDDEN)
            return
        await self.follow_member()
        await self.follow(realtime.group_name("topic", self.topic_id))
        await self.accept()
        highest = await database_sync_to_async(selectors.topic_head)(self.topic_id)
        await self.send_json({"type": "topic.state", "highest": highest})

    def still_allowed(self, member) -> bool:
        try:
            access.followed_topic(member, self.topic_id)
        except Http404:
            return False
        return True

    async def topic_access(self, event):
        """The topic was hidden or moved to another group: check again."""
        await self.member_access(event)

    async def post_created(self, event):
        await self.send_json({"type": "post.created", "number": event["number"]})

    async def post_deleted(self, event):
        await self.send_json({"type": "post.deleted", "number": event["number"]})

    async def topic_solved(self, event):
        await self.send_json({"type": "topic.solved", "number": event["number"]})
