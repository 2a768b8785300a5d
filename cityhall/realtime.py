"""The one way to publish to WebSocket clients. Call ``publish_on_commit`` from services so
nobody sees an event for a write that rolled back."""

import re

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

_GROUP_NAME = re.compile(r"[^A-Za-z0-9._-]")


def group_name(*parts) -> str:
    name = "-".join(str(part) for part in parts)
    return _GROUP_NAME.sub("_", name)[:99]


def publish(group: str, event: dict) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, event)


def publish_on_commit(group: str, event: dict) -> None:
    transaction.on_commit(lambda: publish(group, event))


def member_group(member_id: int) -> str:
    return group_name("member", member_id)
