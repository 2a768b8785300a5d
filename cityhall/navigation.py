"""Counts shown beside the main navigation's links (グループ 3: unread chat messages), which the
apps register from their ``AppConfig.ready()``, like home panels (cityhall.home) and moderation
queues (cityhall.moderation). A base module: it imports no app.

A count runs on every page a member opens, so ``count(member)`` costs one query at most (or
none, when the page already asked for the same thing on the same member)."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class NavCount:
    key: str  # e.g. "chat.unread"
    link: str  # the navigation link it stands beside (cityhall.context_processors.NAVIGATION)
    label: str  # what the number means, for screen readers (「未読のチャット」)
    count: Callable[[object], int]
    order: int = 100
    _position: int = field(default=0, compare=False, repr=False)


_counts: dict[str, NavCount] = {}


def register(count: NavCount) -> NavCount:
    """Make ``count`` known (registering a key again replaces it, in its first place)."""
    position = _counts[count.key]._position if count.key in _counts else len(_counts)
    _counts[count.key] = count = replace(count, _position=position)
    return count


def get(key: str) -> NavCount | None:
    return _counts.get(key)


def registered() -> list[NavCount]:
    """Every count, by ``order`` and then in the order they were registered."""
    return sorted(_counts.values(), key=lambda count: (count.order, count._position))


def by_link(member) -> dict[str, list[tuple[NavCount, int]]]:
    """{link key: [(count, number)]}: the counts above zero for ``member``."""
    found: dict[str, list[tuple[NavCount, int]]] = {}
    for count in registered():
        number = count.count(member)
        if number:
            found.setdefault(count.link, []).append((count, number))
    return found
