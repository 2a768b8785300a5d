"""Unread counts per group that the parts built on groups add (chat: the messages since the
member last read the room), so that the group pages, the group directory and the home page show
them without groups importing those parts. Registered from their AppConfig.ready, like the
home panels (cityhall.home)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class GroupUnread:
    key: str  # "chat"
    order: int
    count: Callable[[object], dict[int, int]]  # member -> {group id: unread}, in one query


_sources: dict[str, GroupUnread] = {}


def register(source: GroupUnread) -> GroupUnread:
    known = _sources.get(source.key)
    if known is not None and known != source:
        raise ImproperlyConfigured(f"Two group unread counts are called {source.key!r}.")
    _sources[source.key] = source
    return source


def sources() -> list[GroupUnread]:
    return sorted(_sources.values(), key=lambda source: (source.order, source.key))


def by_group(member) -> dict[str, dict[int, int]]:
    """{source key: {group id: unread}} for ``member``: one query per source, once per request
    (kept on the request's member, so the page and its navigation count ask once)."""
    found = getattr(member, "_group_unread", None)
    if found is None:
        found = member._group_unread = {source.key: source.count(member) for source in sources()}
    return found
