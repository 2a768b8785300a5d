from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from cityhall import realtime
from cityhall.websocket import FORBIDDEN
from groups import policies
from groups.models import Membership, Topic


def _may_follow(member, topic_id: int) -> bool:
    topic = Topic.objects.select_related("group").filter(pk=topic_id).first()
    if topic is None:
        return False
    membership = Membership.objects.filter(group=topic.group, member=member).first()
    return policies.can_see_topic(member, topic, membership)


class TopicConsumer(AsyncJsonWebsocketConsumer):
    """Tells a reader of a topic that new replies arrived (and that an answer was accepted)."""

    async def connect(self):
        topic_id = int(self.scope["url_route"]["kwargs"]["topic_id"])
        await self.accept()
        if not await database_sync_to_async(_may_follow)(self.scope["member"], topic_id):
            await self.close(code=FORBIDDEN)
            return
        self.group = realtime.group_name("topic", topic_id)
        await self.channel_layer.group_add(self.group, self.channel_name)

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.send_json(
            {"type": "error", "code": "read_only", "message": _("この接続は受信専用です。")}
        )

    async def post_created(self, event):
        await self.send_json({"type": "post.created", "number": event["number"]})

    async def topic_solved(self, event):
        await self.send_json({"type": "topic.solved", "number": event["number"]})
