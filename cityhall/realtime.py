"""The one way to publish to WebSocket clients. Call ``publish_on_commit`` from services so
nobody sees an event for a write that rolled back.

Within a request (``RealtimeBatchMiddleware``) the events are kept and sent together when the
request ends: one trip from the request's thread to the event loop, the groups sent to at
once, each group's events in order. A reply that rings 25 watchers' bells made 26 trips, one
after another (each a few Redis round trips)."""

import asyncio
import logging
import re
from contextlib import contextmanager
from contextvars import ContextVar

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

_GROUP_NAME = re.compile(r"[^A-Za-z0-9._-]")
_batch: ContextVar[list | None] = ContextVar("realtime_batch", default=None)


def group_name(*parts) -> str:
    name = "-".join(str(part) for part in parts)
    return _GROUP_NAME.sub("_", name)[:99]


def publish(group: str, event: dict) -> None:
    batch = _batch.get()
    if batch is None:
        _send([(group, event)])
    else:
        batch.append((group, event))


def publish_on_commit(group: str, event: dict) -> None:
    transaction.on_commit(lambda: publish(group, event))


@contextmanager
def batched():
    """The events published inside are sent when it ends (also when it ends by an error: they
    were committed). A lost event is logged, not raised: the write it tells of is saved, and
    the pages catch up when they next look."""
    token = _batch.set([])
    try:
        yield
    finally:
        events = _batch.get()
        _batch.reset(token)
        if events:
            try:
                _send(events)
            except Exception:
                logger.exception("%d live events not sent", len(events))


def _send(events: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(_send_all)(layer, events)


async def _send_all(layer, events) -> None:
    by_group: dict[str, list[dict]] = {}
    for group, event in events:
        by_group.setdefault(group, []).append(event)

    async def in_order(group: str, group_events: list[dict]) -> None:
        for event in group_events:
            await layer.group_send(group, event)

    await asyncio.gather(*(in_order(group, found) for group, found in by_group.items()))


class RealtimeBatchMiddleware:
    """Every request's live events sent together when it ends (``batched``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with batched():
            return self.get_response(request)


def member_group(member_id: int) -> str:
    return group_name("member", member_id)
