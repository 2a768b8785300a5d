from channels.db import database_sync_to_async

from cityhall import realtime
from cityhall.consumers import ListenOnlyConsumer
from cityhall.websocket import FORBIDDEN
from groups import policies
from groups.models import Membership, Topic


def _followable(member, topic_id: int) -> Topic | None:
    topic = Topic.objects.select_related("group").filter(pk=topic_id).first()
    if topic is None:
        return None
    membership = Membership.objects.filter(group=topic.group, member=member).first()
    return topic if policies.can_see_topic(member, topic, membership) else None


def _highest(topic_id: int) -> int:
    return Topic.objects.values_list("highest_post_number", flat=True).get(pk=topic_id)


class TopicConsumer(ListenOnlyConsumer):
    """Tells a reader of a topic that new replies arrived or one was deleted (and that an answer
    was accepted).

    It subscribes first and then says how far the topic goes, so a client that missed replies
    while (re)connecting can fetch them: nothing posted in between is lost. It closes (4403)
    when the reader may no longer see the topic, e.g. after removal from a closed group."""

    topic_id: int

    async def connect(self):
        self.topic_id = int(self.scope["url_route"]["kwargs"]["topic_id"])
        topic = await database_sync_to_async(_followable)(self.scope["member"], self.topic_id)
        if topic is None:
            await self.accept()
            await self.close(code=FORBIDDEN)
            return
        await self.follow_member()
        await self.follow(realtime.group_name("topic", self.topic_id))
        await self.accept()
        highest = await database_sync_to_async(_highest)(self.topic_id)
        await self.send_json({"type": "topic.state", "highest": highest})

    def still_allowed(self, member) -> bool:
        return _followable(member, self.topic_id) is not None

    async def topic_access(self, event):
        """The topic was hidden or moved to another group: check again."""
        await self.member_access(event)

    async def post_created(self, event):
        await self.send_json({"type": "post.created", "number": event["number"]})

    async def post_deleted(self, event):
        await self.send_json({"type": "post.deleted", "number": event["number"]})

    async def topic_solved(self, event):
        await self.send_json({"type": "topic.solved", "number": event["number"]})
