"""What waits for a moderator. Each app registers its queues (flags, join requests, group
proposals …) from its ``AppConfig.ready()``; the navigation shows the total waiting to members
who handle any queue, and the moderation overview lists every queue with its count and link.

A queue's ``count(member)`` answers how many items wait for ``member``, or None when the member
handles nothing in that queue (not a moderator of anything there). It runs on every page a
moderator opens, so it must cost a fixed number of queries (one, ideally), however many groups
or items there are."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class ModerationQueue:
    key: str
    label: str
    url: Callable[[object], str]  # url(member): where the member works through the queue
    count: Callable[[object], int | None]
    order: int = 100
    _position: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Waiting:
    queue: ModerationQueue
    count: int
    url: str

    @property
    def key(self) -> str:
        return self.queue.key

    @property
    def label(self) -> str:
        return self.queue.label


_queues: dict[str, ModerationQueue] = {}


def register(queue: ModerationQueue) -> ModerationQueue:
    """Make ``queue`` known (registering a key again replaces it, in its first place)."""
    position = _queues[queue.key]._position if queue.key in _queues else len(_queues)
    _queues[queue.key] = queue = replace(queue, _position=position)
    return queue


def get(key: str) -> ModerationQueue | None:
    return _queues.get(key)


def registered() -> list[ModerationQueue]:
    """Every queue, by ``order`` and then in the order they were registered."""
    return sorted(_queues.values(), key=lambda queue: (queue.order, queue._position))


def waiting(member) -> list[Waiting]:
    """The queues ``member`` handles, each with how many items wait and its link (empty for a
    member who moderates nothing). Remembered on ``member``: the navigation and the home page's
    panel ask it of the same request's member."""
    cached = getattr(member, "_moderation_waiting", None)
    if cached is not None:
        return cached
    found = []
    for queue in registered():
        count = queue.count(member)
        if count is not None:
            found.append(Waiting(queue=queue, count=count, url=queue.url(member)))
    member._moderation_waiting = found
    return found
