"""Unread counts per group that the apps built on groups add (chat: the messages since the
member last read the room), so that the group page, the group directory and the home page show
them without groups importing those apps. Registered from their ``AppConfig.ready()``, in the
shape of cityhall's registries (cityhall.home, cityhall.navigation)."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class GroupUnread:
    key: str  # "chat"
    count: Callable[[object], dict[int, int]]  # member -> {group id: unread}, in one query
    order: int = 100
    # member -> (SQL of "group_id, unread" rows, its parameters), or None when there is nothing
    # to count for them: a source that gives it is read in the statement that counts what waits
    # in the moderation queues (groups.selectors.member_counts), one query for both a page
    statement: Callable[[object], tuple[str, list] | None] | None = None
    _position: int = field(default=0, compare=False, repr=False)


_sources: dict[str, GroupUnread] = {}


def register(source: GroupUnread) -> GroupUnread:
    """Make ``source`` known (registering a key again replaces it, in its first place)."""
    position = _sources[source.key]._position if source.key in _sources else len(_sources)
    _sources[source.key] = source = replace(source, _position=position)
    return source


def registered() -> list[GroupUnread]:
    return sorted(_sources.values(), key=lambda source: (source.order, source._position))


def by_group(member) -> dict[str, dict[int, int]]:
    """{source key: {group id: unread}} for ``member``, asked once per request (kept on the
    request's member, so a page and its navigation count ask once): the sources that give a
    statement in groups' one query of the member's counts, the others a query each."""
    found = getattr(member, "_group_unread", None)
    if found is None:
        from groups.selectors import member_counts

        found = dict(member_counts(member).unread)
        for source in registered():
            if source.statement is None:
                found[source.key] = source.count(member)
        member._group_unread = found
    return found
