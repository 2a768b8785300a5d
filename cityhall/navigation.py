"""Counts shown beside the main navigation's links ("グループ 3": unread chat messages), which the
apps register from their AppConfig.ready, as they register home panels (cityhall.home). A base
module: it imports no app.

A count is asked on every page a member sees, so ``count(member)`` is one cheap query."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class NavCount:
    key: str  # unique, e.g. "chat.unread"
    link: str  # the navigation link it stands beside (cityhall.context_processors.NAVIGATION)
    order: int  # when one link has several counts, they are added up in this order
    label: str  # what the number means, for screen readers ("未読のチャット")
    count: Callable[[object], int]


_counts: dict[str, NavCount] = {}


def register(count: NavCount) -> NavCount:
    known = _counts.get(count.key)
    if known is not None and known != count:
        raise ImproperlyConfigured(f"Two navigation counts are called {count.key!r}.")
    _counts[count.key] = count
    return count


def counts() -> list[NavCount]:
    return sorted(_counts.values(), key=lambda count: (count.order, count.key))


def counts_by_link(member) -> dict[str, list[tuple[NavCount, int]]]:
    """{link key: [(count, number)]} of the counts above zero for ``member``."""
    found: dict[str, list[tuple[NavCount, int]]] = {}
    for count in counts():
        number = count.count(member)
        if number:
            found.setdefault(count.link, []).append((count, number))
    return found
